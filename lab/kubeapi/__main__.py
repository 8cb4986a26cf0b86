# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Command line: ``python -m kubeapi serve ...`` and ``python -m kubeapi seed-check FILE``."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from typing import Any, Optional

from . import seed as seeds
from .files import write_atomically
from .server import Emulator


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kubeapi", description="The flatnet lab's emulated Kubernetes API.")
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="serve the API on 127.0.0.1 over HTTPS")
    serve_cmd.add_argument("--state-dir", required=True, help="where objects, the CA, the token and the kubeconfig live")
    serve_cmd.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (0 picks a free one)")
    serve_cmd.add_argument("--seed", help="cluster description (YAML) applied when the state directory has no state yet")
    serve_cmd.add_argument("--reseed", action="store_true", help="drop the stored objects and apply the seed again")
    serve_cmd.add_argument("--calico-v3", action="store_true", help="also serve projectcalico.org/v3, as Calico's API server does")
    serve_cmd.add_argument("--token", help="bearer token to accept (default: a random one kept in the state directory)")
    serve_cmd.add_argument("--kubeconfig", help="where to write the kubeconfig (default: STATE_DIR/kubeconfig)")
    serve_cmd.add_argument("--ready-file", help="written with the server URL once it is listening, removed on exit")
    check = commands.add_parser("seed-check", help="validate a cluster description and print its object counts")
    check.add_argument("file")
    return parser


def _write_ready(path: str, url: str) -> None:
    write_atomically(path, url + "\n", 0o644)


def serve(args: argparse.Namespace) -> int:
    """Run the server until SIGTERM or SIGINT."""
    if args.reseed and not args.seed:
        print("kubeapi: --reseed needs --seed", file=sys.stderr)
        return 2
    emulator = Emulator(args.state_dir, seed=args.seed, calico_v3=args.calico_v3, token=args.token, port=args.port,
                        kubeconfig=args.kubeconfig, reseed=args.reseed)
    stopping = threading.Event()

    def _stop(_signum: int, _frame: Optional[Any]) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        emulator.start()
    except (OSError, ValueError) as exc:
        print("kubeapi: %s" % exc, file=sys.stderr)
        return 1
    print("kubeapi: serving %s (kubeconfig %s)" % (emulator.url, emulator.kubeconfig_path), flush=True)
    if args.ready_file:
        _write_ready(args.ready_file, emulator.url)
    try:
        while not stopping.wait(0.5):
            pass
    finally:
        emulator.stop()
        if args.ready_file and os.path.exists(args.ready_file):
            os.unlink(args.ready_file)
    print("kubeapi: stopped", flush=True)
    return 0


def seed_check(args: argparse.Namespace) -> int:
    """Validate a description; print its object counts."""
    try:
        built = seeds.build(seeds.load(args.file))
    except seeds.SeedError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        print("kubeapi: %s" % exc, file=sys.stderr)
        return 1
    print("%s: valid" % args.file)
    for kind, count in built.counts().items():
        print("  %-16s %d" % (kind, count))
    return 0


def main(argv: Optional[list] = None) -> int:
    """Entry point."""
    args = _parser().parse_args(argv)
    return serve(args) if args.command == "serve" else seed_check(args)


if __name__ == "__main__":
    sys.exit(main())
