# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Apply a managed part of an FRR configuration through FRR's own frr-reload.py.

frr-reload.py replaces a whole configuration. To own only its part, this
module reads the running configuration, drops the blocks it manages (the
`router bgp` instance and the FLATNET prefix lists and route maps), adds
the rendered part, and lets frr-reload.py compute the delta: `--test` in
check mode, `--reload` otherwise. The candidate is validated with
`vtysh -C` first, so an invalid configuration is never applied.
"""

from __future__ import annotations

import os
import re
import tempfile
from typing import Callable, List, NamedTuple, Optional, Sequence, Tuple

from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError

# Top-level lines whose blocks this collection owns on an FRR switch.
MANAGED = re.compile(r"^(router bgp(\s|$)|ip prefix-list FLATNET-|ipv6 prefix-list FLATNET-|route-map FLATNET-|bfd$)")
# Lines of `show running-config` that are not configuration.
NOISE = re.compile(r"^(Building configuration|Current configuration:|end$|frr version )")

Runner = Callable[[Sequence[str]], Tuple[int, str, str]]


class Delta(NamedTuple):
    """What frr-reload.py would remove and add."""

    delete: List[str]
    add: List[str]

    @property
    def empty(self) -> bool:
        return not self.delete and not self.add


def blocks(config: str) -> List[List[str]]:
    """Split a configuration into top-level blocks (a line and its indented lines)."""
    result: List[List[str]] = []
    for line in config.splitlines():
        if not line.strip() or line.strip() == "!" or NOISE.match(line):
            continue
        if line[:1] in (" ", "\t") or (line == "exit" and result):
            if not result:
                raise FlatnetError("FRR configuration starts with an indented line: %r" % line)
            result[-1].append(line)
        else:
            result.append([line])
    return result


def compose(running: str, managed: str) -> str:
    """The running configuration with its managed blocks replaced by `managed`."""
    kept = [block for block in blocks(running) if not MANAGED.match(block[0])]
    # The router's own header lines (defaults, hostname, services) stay as they run.
    ours = [block for block in blocks(managed) if not block[0].startswith(("frr defaults", "hostname ", "service "))]
    for block in ours:
        if not MANAGED.match(block[0]):
            raise FlatnetError("the managed FRR configuration may only hold `router bgp`, FLATNET- prefix lists and route maps, "
                               "and `bfd`; found %r" % block[0])
    lines: List[str] = []
    for block in kept + ours:
        lines.extend(block)
        lines.append("!")
    return "\n".join(lines) + "\n"


def parse_delta(output: str) -> Delta:
    """The 'Lines To Delete' and 'Lines To Add' sections of `frr-reload.py --test`."""
    sections = {"delete": [], "add": []}  # type: dict
    current: Optional[str] = None
    for line in output.splitlines():
        if line.strip() == "Lines To Delete":
            current = "delete"
        elif line.strip() == "Lines To Add":
            current = "add"
        elif current and line.strip() and not set(line.strip()) <= {"="}:
            sections[current].append(line.rstrip())
    return Delta(sections["delete"], sections["add"])


class Frr:
    """One FRR instance, reached with vtysh and frr-reload.py (optionally in a pathspace)."""

    def __init__(self, run: Runner, pathspace: Optional[str] = None, vtysh: str = "vtysh",
                 reload_script: str = "/usr/lib/frr/frr-reload.py", python: str = "python3") -> None:
        self.run = run
        self.pathspace = pathspace
        self.vtysh = vtysh
        self.reload_script = reload_script
        self.python = python

    def _vtysh(self, *args: str) -> List[str]:
        return [self.vtysh] + (["-N", self.pathspace] if self.pathspace else []) + list(args)

    def _reload(self, mode: str, path: str) -> List[str]:
        command = [self.python, self.reload_script, mode, "--stdout"]
        if self.pathspace:
            command += ["--pathspace", self.pathspace]
        if os.path.dirname(self.vtysh):
            command += ["--bindir", os.path.dirname(self.vtysh)]
        return command + [path]

    def _check(self, command: List[str], what: str) -> str:
        rc, out, err = self.run(command)
        if rc != 0:
            raise FlatnetError("%s failed (exit %d): %s" % (what, rc, (err or out).strip()[-2000:]))
        return out

    def running(self) -> str:
        """The running configuration."""
        return self._check(self._vtysh("-c", "show running-config"), "reading FRR's running configuration")

    def validate(self, path: str) -> None:
        """vtysh's own check of a configuration file (nothing is applied)."""
        self._check(self._vtysh("-C", "-f", path), "FRR rejected the configuration (vtysh -C)")

    def delta(self, path: str) -> Delta:
        """What frr-reload.py would change to reach the file."""
        return parse_delta(self._check(self._reload("--test", path), "frr-reload.py --test"))

    def reload(self, path: str) -> None:
        """Apply the file with frr-reload.py."""
        self._check(self._reload("--reload", path), "frr-reload.py --reload")

    def save(self) -> None:
        """Write the running configuration to FRR's startup file, so it survives a restart."""
        self._check(self._vtysh("-c", "write memory"), "saving FRR's configuration (write memory)")


def _temp(content: str) -> str:
    handle, path = tempfile.mkstemp(prefix="flatnet-frr-", suffix=".conf")
    with os.fdopen(handle, "w") as stream:
        stream.write(content)
    return path


def apply(frr: Frr, managed: str, check_mode: bool, save: bool = True) -> Tuple[Delta, str]:
    """Make FRR run the managed part (and save it); return the delta and the composed configuration."""
    candidate = compose(frr.running(), managed)
    path = _temp(candidate)
    try:
        frr.validate(path)
        delta = frr.delta(path)
        if not delta.empty and not check_mode:
            frr.reload(path)
            left = frr.delta(path)
            if not left.empty:
                raise FlatnetError("FRR did not take the whole configuration; still to add: %s; still to delete: %s"
                                   % ("; ".join(left.add) or "nothing", "; ".join(left.delete) or "nothing"))
            if save:
                frr.save()
    finally:
        os.unlink(path)
    return delta, candidate


def diff_text(delta: Delta) -> str:
    """The delta as a unified-diff-like text for Ansible's --diff."""
    return "".join("-%s\n" % line for line in delta.delete) + "".join("+%s\n" % line for line in delta.add)
