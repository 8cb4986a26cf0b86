# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Keep one background command company: ``python -m netlab.keeper [--pid-file F] -- COMMAND...``.

The lab's calico-node agent stops when the process that started it goes away,
as calico-node stops with its pod. ``netlab up`` exits once the lab is built,
so each agent is started by a keeper that stays: it runs the command, passes
SIGTERM and SIGINT on to it, and exits with its status.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from typing import Any, Optional


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="netlab.keeper", description="Run a command and stay its parent.")
    parser.add_argument("--pid-file", help="where to write the command's pid")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    return parser


def main(argv: Optional[list] = None) -> int:
    """Run the command until it ends; pass stop signals on."""
    args = _parser().parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        print("netlab.keeper: no command given", file=sys.stderr)
        return 2
    child = subprocess.Popen(command)  # pylint: disable=consider-using-with
    if args.pid_file:
        with open(args.pid_file, "w", encoding="utf-8") as handle:
            handle.write("%d\n" % child.pid)

    def forward(signum: int, _frame: Any) -> None:
        child.send_signal(signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, forward)
    status = child.wait()
    return status if status >= 0 else 128 - status


if __name__ == "__main__":
    sys.exit(main())
