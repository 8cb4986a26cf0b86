# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Running the network commands: iproute2, sysctl and nft, always aimed at a lab namespace.

Every helper here takes the namespace as its first argument and refuses an
empty one, so no command of the lab can change the host's own network.
"""

from __future__ import annotations

import os
import subprocess
import time
from typing import Callable, Optional

COMMAND_TIMEOUT = 30
NETNS_DIR = "/run/netns"


class CommandError(RuntimeError):
    """A command failed; the message holds the command and what it printed."""


def run(command: list, stdin: Optional[str] = None, check: bool = True, timeout: float = COMMAND_TIMEOUT) -> subprocess.CompletedProcess:
    """Run a command to completion and capture its output."""
    try:
        done = subprocess.run(command, input=stdin, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise CommandError("%s: %s" % (" ".join(command), err)) from err
    if check and done.returncode != 0:
        raise CommandError("%s (exit %d): %s" % (" ".join(command), done.returncode, (done.stderr or done.stdout).strip()))
    return done


def _require(netns: str) -> str:
    if not netns:
        raise CommandError("refusing a command without a lab namespace")
    return netns


def in_netns(netns: str, command: list) -> list:
    """The command line that runs a command inside a namespace."""
    return ["ip", "netns", "exec", _require(netns)] + command


def ns_run(netns: str, command: list, stdin: Optional[str] = None, check: bool = True, timeout: float = COMMAND_TIMEOUT) -> subprocess.CompletedProcess:
    """Run a command inside a namespace."""
    return run(in_netns(netns, command), stdin=stdin, check=check, timeout=timeout)


def ip_batch(netns: str, lines: list) -> None:
    """Several `ip` commands in one namespace, in one process (ip -n NS -batch -)."""
    if lines:
        run(["ip", "-n", _require(netns), "-batch", "-"], stdin="\n".join(lines) + "\n")


def sysctl(netns: str, settings: dict) -> None:
    """Set kernel parameters of a namespace (net.* parameters are per namespace)."""
    if settings:
        ns_run(netns, ["sysctl", "-q", "-w"] + ["%s=%s" % (key, value) for key, value in settings.items()])


def nft(netns: str, ruleset: str) -> None:
    """Load a ruleset into a namespace's nftables, in one transaction."""
    ns_run(netns, ["nft", "-f", "-"], stdin=ruleset)


def netns_exists(netns: str) -> bool:
    """Whether the named namespace exists."""
    return os.path.exists(os.path.join(NETNS_DIR, netns))


def netns_list() -> list:
    """Names of the named namespaces."""
    try:
        return sorted(os.listdir(NETNS_DIR))
    except FileNotFoundError:
        return []


def netns_add(netns: str) -> None:
    """Create a namespace and bring its loopback up."""
    run(["ip", "netns", "add", _require(netns)])
    run(["ip", "-n", netns, "link", "set", "lo", "up"])


def netns_pids(netns: str) -> list:
    """The processes that live in a namespace."""
    if not netns_exists(netns):
        return []
    done = run(["ip", "netns", "pids", _require(netns)], check=False)
    return [int(word) for word in done.stdout.split() if word.isdigit()]


def netns_delete(netns: str) -> None:
    """Delete a namespace (its interfaces, and their veth peers, go with it)."""
    if netns_exists(netns):
        run(["ip", "netns", "delete", _require(netns)], check=False)


def wait_for(condition: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    """Poll a condition every ``step`` seconds until it holds or ``timeout`` seconds (monotonic clock) have passed."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() >= deadline:
            return False
        time.sleep(step)
    return True
