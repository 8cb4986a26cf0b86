# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Command line: ``python -m netlab {up,down,status,shell,picture,inventory,sync,kill,revive} [--inventory DIR] [--state-dir DIR] [--prefix P]``."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Optional

from . import DEFAULT_PREFIX, DEFAULT_STATE_DIR, lab, model, overlay, sh

COMMANDS = {
    "up": "build the lab (after removing what an earlier run left)",
    "down": "stop every lab process and remove its namespaces, FRR directories and state directory",
    "status": "namespaces, processes, the switch's BGP and routes, the gateway's routes",
    "shell": "a shell in the office PC's namespace (or --netns NAME); --command LINE runs one line there and exits with its status",
    "picture": "the lab's namespaces, links and addresses as Graphviz DOT (--svg: rendered to STATE/lab.svg)",
    "inventory": "write STATE/inventory.yml, the overlay that reaches the switch and gateway twins",
    "kill": "SIGKILL one of the lab's processes (--process NAME, as `netlab status` lists them): a crash, for the fault tests",
    "revive": "start a killed FRR daemon or the office DNS server again (--process NAME), as the lab started it",
    "sync": "re-write Endpoints and re-render every node's kube-proxy and natOutgoing tables from the API",
}
NEEDS_INVENTORY = ("up", "inventory")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="netlab", description="The flatnet network lab, in network namespaces.")
    commands = parser.add_subparsers(dest="command", required=True)
    for name, text in COMMANDS.items():
        sub = commands.add_parser(name, help=text, description=text)
        sub.add_argument("--inventory", required=name in NEEDS_INVENTORY, help="the Ansible inventory (directory or file)")
        sub.add_argument("--state-dir", default=DEFAULT_STATE_DIR, help="where the lab keeps its files (default %s)" % DEFAULT_STATE_DIR)
        sub.add_argument("--prefix", default=DEFAULT_PREFIX, help="first characters of every namespace name (default %s)" % DEFAULT_PREFIX)
        if name in NEEDS_INVENTORY:
            sub.add_argument("--office-dns", choices=model.DNS_KINDS, default=os.environ.get("FLATNET_LAB_OFFICE_DNS") or None,
                             help="the office DNS server to run (default: netlab.office_dns.kind, else the kind of "
                                  "flatnet_office.dns_servers[0]; environment FLATNET_LAB_OFFICE_DNS)")
        if name == "up":
            sub.add_argument("--interval", type=float, default=1.0, help="seconds between the calico-node agents' polls (default 1.0)")
        if name == "shell":
            sub.add_argument("--netns", help="another namespace of the lab")
            sub.add_argument("--command", dest="command_line", help="run this one line (bash -c) instead of an interactive shell")
        if name in ("kill", "revive"):
            sub.add_argument("--process", required=True, help="the process, for example frr-bgpd@switch1 or dns@office")
        if name == "picture":
            sub.add_argument("--svg", action="store_true", help="render STATE/lab.svg with Graphviz's dot and print its path")
    return parser


def _check_prefix(prefix: str) -> None:
    if not prefix or len(prefix) > 8 or not all(char.isalnum() or char in "-_." for char in prefix):
        raise model.LabError("--prefix %r: use 1 to 8 letters, digits, '-', '_' or '.'" % prefix)


def _topology(args: argparse.Namespace) -> Optional[model.Topology]:
    return model.load(args.inventory, args.prefix, getattr(args, "office_dns", None)) if args.inventory else None


def run(args: argparse.Namespace) -> int:
    """Dispatch one command."""
    state_dir = os.path.abspath(args.state_dir)
    _check_prefix(args.prefix)
    if args.command not in ("shell", "inventory", "picture") and os.geteuid() != 0:
        raise model.LabError("the lab needs root (network namespaces, FRR's directories)")
    if args.command == "up":
        topo = _topology(args)
        try:
            lab.up(topo, state_dir, args.interval)
        except BaseException:
            print("netlab: up stopped half-way; `netlab down --state-dir %s` removes what it built" % state_dir, file=sys.stderr)
            raise
        return 0
    if args.command == "down":
        removed = lab.cleanup(state_dir, _topology(args), quiet=True)
        print("netlab: down (%d namespaces removed)" % len(removed))
        return 0
    if args.command in ("kill", "revive"):
        pid = (lab.kill if args.command == "kill" else lab.revive)(state_dir, args.process)
        print("netlab: %s %s (pid %d)" % (args.process, "killed" if args.command == "kill" else "runs again", pid))
        return 0
    if args.command == "inventory":
        os.makedirs(state_dir, exist_ok=True)
        path = os.path.join(state_dir, "inventory.yml")
        overlay.write_overlay(_topology(args), path, state_dir)
        print(path)
        return 0
    if args.command == "status":
        return lab.status(state_dir)
    if args.command == "sync":
        return lab.sync(state_dir)
    if args.command == "picture":
        return lab.draw(state_dir, args.svg)
    return lab.shell(state_dir, args.netns, args.command_line)


def main(argv: Optional[list] = None) -> int:
    """Entry point."""
    args = _parser().parse_args(argv)
    try:
        return run(args)
    except (model.LabError, sh.CommandError, ValueError) as err:
        print("netlab: %s" % err, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
