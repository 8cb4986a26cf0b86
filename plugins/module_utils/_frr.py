# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Apply flatnet's part of a shared FRR configuration through FRR's own frr-reload.py.

frr-reload.py replaces a whole configuration. To own only its part on a
switch that carries the company's own configuration, this module reads the
running configuration, takes out flatnet's lines (the FLATNET- prefix lists
and route maps; inside the default BGP instance, the FLATNET peer group,
its members and listen range, their address-family lines, and the instance
settings the part renders), puts the rendered part in their place, keeps
every other line as it runs, and lets frr-reload.py compute the delta:
`--test` in check mode, `--reload` otherwise. The candidate is validated
with `vtysh -C` first, so an invalid configuration is never applied. It
refuses, before any change, an instance of another AS and a neighbor of the
switch's own that flatnet would take over. No output carries a secret: the
rest of every line after a secret-bearing word is masked.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import tempfile
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from ansible_collections.flatnet.kube.plugins.module_utils import _files
from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError

PEER_GROUP = "FLATNET"
# Top-level blocks that are wholly flatnet's: its prefix lists and route maps.
OWNED_TOP = re.compile(r"(ip|ipv6) prefix-list FLATNET-\S+ .*|route-map FLATNET-\S+ .*")
# The default BGP instance (a `router bgp ASN vrf NAME` instance is someone else's and never matches).
DEFAULT_INSTANCE = re.compile(r"router bgp (\d+)")
# Lines of `show running-config` that are not configuration.
NOISE = re.compile(r"^(Building configuration|Current configuration:|end$|frr version )")
# The router's own header lines; a rendered part may carry them, and they stay as the router runs them.
HEADER = ("frr defaults", "hostname ", "service ")

_ADDRESS = r"[0-9A-Fa-f.:]+"
_PREFIX = _ADDRESS + r"/\d{1,3}"
_WORD = r"[A-Za-z0-9_.,:;@%^*+=~/?<>()\[\]{}|&$#-]{1,80}"
# Defense in depth: every line flatnet may render, whatever produced it. Anything else in a rendered part is refused.
_RENDERED_LINES = [re.compile(pattern) for pattern in (
    r"(ip|ipv6) prefix-list FLATNET-[A-Z0-9-]+ seq \d+ (permit|deny) (%s|any)( ge \d+)?( le \d+)?" % _PREFIX,
    r"route-map FLATNET-[A-Z0-9-]+ (permit|deny) \d+",
    r"router bgp \d+",
    r"exit",
    r" bgp router-id \d+\.\d+\.\d+\.\d+",
    r" bgp graceful-restart",
    r" neighbor FLATNET peer-group",
    r" neighbor FLATNET remote-as (internal|external|\d+)",
    r" neighbor FLATNET description [ -~]{1,80}",
    r" neighbor FLATNET password " + _WORD,
    r" neighbor FLATNET ttl-security hops \d+",
    r" neighbor FLATNET bfd",
    r" neighbor %s peer-group FLATNET" % _ADDRESS,
    r" bgp listen range %s peer-group FLATNET" % _PREFIX,
    r" address-family (ipv4|ipv6) unicast",
    r"  neighbor FLATNET activate",
    r"  neighbor FLATNET (prefix-list|route-map) FLATNET-[A-Z0-9-]+ (in|out)",
    r"  neighbor FLATNET maximum-prefix \d+( \d+)?( restart \d+| warning-only)?",
    r"  maximum-paths (ibgp )?\d+",
    r" exit-address-family",
)]
# Instance-wide settings: a rendered one replaces the running line of the same key; one not rendered stays as it runs.
_SETTING_KEYS = (" bgp router-id", " bgp graceful-restart", "  maximum-paths ibgp", "  maximum-paths")
_MEMBER = re.compile(r" neighbor (\S+) peer-group FLATNET")
_LISTEN = re.compile(r" bgp listen range \S+ peer-group FLATNET")
_NEIGHBOR = re.compile(r"  ?neighbor (\S+) ")
# Words after which an FRR (or any network OS) line carries a secret; the rest of the line is masked in every output.
_SECRET_WORDS = re.compile(r"(?i)(\b(?:password|key-string|authentication-key|secret|community|key)\b)(\s+\S.*)$")
MASK = "********"

Runner = Callable[[Sequence[str]], Tuple[int, str, str]]


class Delta(NamedTuple):
    """What frr-reload.py would remove and add."""

    delete: List[str]
    add: List[str]

    @property
    def empty(self) -> bool:
        return not self.delete and not self.add


def mask(text: str, secrets: Sequence[str] = ()) -> str:
    """The text with the rest of every secret-bearing line masked, and every known secret value too."""
    lines = [_SECRET_WORDS.sub(lambda found: found.group(1) + " " + MASK, line) for line in text.split("\n")]
    masked = "\n".join(lines)
    for secret in sorted((value for value in secrets if value), key=len, reverse=True):
        masked = masked.replace(secret, MASK)
    return masked


def blocks(config: str) -> List[List[str]]:
    """Split a configuration into top-level blocks (a line and its indented lines)."""
    result: List[List[str]] = []
    for line in config.splitlines():
        if not line.strip() or line.strip() == "!" or NOISE.match(line):
            continue
        if line[:1] in (" ", "\t") or (line == "exit" and result):
            if not result:
                raise FlatnetError("FRR configuration starts with an indented line: %r" % mask(line))
            result[-1].append(line)
        else:
            result.append([line])
    return result


class Instance(NamedTuple):
    """A `router bgp` block: its first-level lines and its address families (name -> lines), in order."""

    header: str
    lines: List[str]
    families: Dict[str, List[str]]


def _instance(block: List[str]) -> Instance:
    lines: List[str] = []
    families: Dict[str, List[str]] = {}
    family: Optional[str] = None
    for line in block[1:]:
        if line.startswith(" address-family "):
            family = line
            families.setdefault(family, [])
        elif line == " exit-address-family":
            family = None
        elif line == "exit":
            continue
        elif family is not None:
            families[family].append(line)
        else:
            lines.append(line)
    return Instance(block[0], lines, families)


def _lines_of(instance: Instance) -> List[str]:
    lines = [instance.header] + instance.lines
    for family, body in instance.families.items():
        if body:
            lines += [family] + body + [" exit-address-family"]
    return lines + ["exit"]


def _members(lines: Sequence[str]) -> List[str]:
    return [found.group(1) for found in (_MEMBER.fullmatch(line) for line in lines) if found]


def _setting_key(line: str) -> Optional[str]:
    return next((key for key in _SETTING_KEYS if line == key or line.startswith(key + " ")), None)


def _is_ours(line: str, members: Sequence[str]) -> bool:
    """Whether a line of the instance is flatnet's: its peer group, the group's members, its listen range."""
    found = _NEIGHBOR.match(line)
    return bool(_LISTEN.fullmatch(line) or (found and (found.group(1) == PEER_GROUP or found.group(1) in members)))


def _check_rendered(managed: str) -> List[List[str]]:
    # Line by line as written, before any line is dropped as noise: an `end` or a stray line is refused too.
    for line in managed.splitlines():
        if line.strip() in ("", "!") or line.startswith(HEADER):
            continue
        if not any(form.fullmatch(line) for form in _RENDERED_LINES):
            raise FlatnetError("the rendered FRR part holds %r, which is not a line flatnet renders (its peer group %s, the "
                               "FLATNET- prefix lists and route maps, and the settings of its BGP instance); nothing was "
                               "changed." % (mask(line), PEER_GROUP))
    ours = [block for block in blocks(managed) if not block[0].startswith(HEADER)]
    for block in ours:
        if "exit" in block[:-1]:
            raise FlatnetError("the rendered FRR part holds lines of %r after its `exit`, which flatnet never renders; "
                               "nothing was changed." % mask(block[0]))
    if len([block for block in ours if DEFAULT_INSTANCE.fullmatch(block[0])]) > 1:
        raise FlatnetError("the rendered FRR part holds more than one `router bgp` block; nothing was changed.")
    return ours


def _merge(running: Optional[Instance], ours: Optional[Instance]) -> Optional[Instance]:
    """The running instance with flatnet's lines replaced by ours (ours None: removed); every other line kept."""
    if running is None:
        return ours
    members = _members(running.lines)
    if ours is not None:
        running_as, our_as = running.header.split()[2], ours.header.split()[2]
        if running_as != our_as:
            raise FlatnetError("the switch's BGP instance runs AS %s, but flatnet_fabric.switches[].as_number gives %s; flatnet "
                               "adds its peer group to the running instance and never replaces it. Set as_number: %s for this "
                               "switch (and check that the cluster's BGPPeer uses it too); nothing was changed."
                               % (running_as, our_as, running_as))
        for address in _members(ours.lines):
            taken = [line for line in running.lines if line.startswith(" neighbor %s " % address) and address not in members]
            if taken:
                raise FlatnetError("the switch already has a neighbor %s of its own (%r), and flatnet would make it a member of "
                                   "its peer group %s; it cannot tell that neighbor's lines from its own. Remove the neighbor from "
                                   "the switch, or leave that node out of flatnet_cluster.peer_selector (or use "
                                   "switch_bgp_neighbor_mode: listen_range); nothing was changed." % (address, mask(taken[0]), PEER_GROUP))
    replaced = {_setting_key(line) for line in (ours.lines + [line for body in ours.families.values() for line in body] if ours else [])}
    replaced.discard(None)

    def kept(lines: Sequence[str]) -> List[str]:
        return [line for line in lines if not _is_ours(line, members) and _setting_key(line) not in replaced]

    lines = kept(running.lines) + (ours.lines if ours else [])
    families = {family: kept(body) for family, body in running.families.items()}
    for family, body in (ours.families.items() if ours else ()):
        families[family] = families.get(family, []) + body
    return Instance(running.header, lines, families)


def compose(running: str, managed: str, restore: Optional[Mapping[str, Any]] = None) -> str:
    """The running configuration with flatnet's part replaced by ``managed`` ("" removes it); every other line kept.

    flatnet's part is its prefix lists and route maps (FLATNET-), and inside the default BGP instance its peer group,
    the group's members, its listen range, their lines in each address family, and the instance settings the part
    renders (router-id, graceful restart, maximum-paths). VRF instances and every other block stay as they run.
    ``restore``, a record of the start (:func:`read_record`), puts the instance settings it holds back as they were.
    """
    ours = _check_rendered(managed)
    our_instance = next((_instance(block) for block in ours if DEFAULT_INSTANCE.fullmatch(block[0])), None)
    kept: List[List[str]] = []
    running_instance: Optional[Instance] = None
    at = -1
    for block in blocks(running):
        if OWNED_TOP.fullmatch(block[0]):
            continue
        if DEFAULT_INSTANCE.fullmatch(block[0]) and running_instance is None:
            running_instance, at = _instance(block), len(kept)
            kept.append([])
            continue
        kept.append(block)
    merged = _merge(running_instance, our_instance)
    if restore and merged is not None:
        merged = _restored(merged, restore)
    tops = [block for block in ours if not DEFAULT_INSTANCE.fullmatch(block[0])]
    if at >= 0:
        kept[at] = _lines_of(merged) if merged is not None else []
    elif merged is not None:
        kept.append(_lines_of(merged))
    lines: List[str] = []
    for block in [block for block in kept if block] + tops:
        lines.extend(block)
        lines.append("!")
    return "\n".join(lines) + "\n"


def _default_instance(config: str) -> Optional[Instance]:
    return next((_instance(block) for block in blocks(config) if DEFAULT_INSTANCE.fullmatch(block[0])), None)


def _settings(instance: Instance) -> Dict[Tuple[str, str], str]:
    """The instance-wide setting lines, by (section, key): the section is "" or an address family's line."""
    found: Dict[Tuple[str, str], str] = {}
    for section, lines in [("", instance.lines)] + list(instance.families.items()):
        for line in lines:
            key = _setting_key(line)
            if key:
                found[(section, key)] = line
    return found


def _setting_diff(running: str, candidate: str) -> List[Tuple[Tuple[str, str], Optional[str], Optional[str]]]:
    """(section and key, line before, line after) of every instance setting that differs between the two default
    instances; nothing when either has none (a new instance is all flatnet's)."""
    theirs, ours = _default_instance(running), _default_instance(candidate)
    if theirs is None or ours is None:
        return []
    before, after = _settings(theirs), _settings(ours)
    keys = list(after) + [key for key in before if key not in after]
    return [(key, before.get(key), after.get(key)) for key in keys if before.get(key) != after.get(key)]


def setting_changes(running: str, candidate: str) -> List[str]:
    """The instance-wide settings of the switch's default instance that ``candidate`` changes, as 'new (was: old)'.

    They apply to the whole instance, the switch's own neighbors included, so the module says so apart from the delta.
    """
    return ["%s (was: %s)" % ((after or "").strip() or "not set", (before or "").strip() or "not set")
            for _key, before, after in _setting_diff(running, candidate)]


# The record of the start on the switch: the instance settings flatnet changed, each as it was before its first change.
RECORD_NAME = "flatnet-start.json"
UNSAVED_NAME = ".flatnet-unsaved"
# The daemons whose part flatnet reads and changes: without them vtysh shows a switch without BGP.
REQUIRED_DAEMONS = ("zebra", "bgpd")
_SECTION = re.compile(r" address-family (ipv4|ipv6) unicast")


def default_record_path(pathspace: Optional[str], file_dir: Optional[str]) -> str:
    """FRR's configuration directory (/etc/frr, per pathspace /etc/frr/<pathspace>), or ``file_dir``, + the name."""
    return os.path.join(file_dir or "/etc/frr", pathspace or "", RECORD_NAME)


def _check_record(record: Any, path: str) -> Dict[str, Any]:
    entries = record.get("settings") if isinstance(record, dict) and record.get("version") == 1 else None
    header = record.get("instance") if isinstance(record, dict) else None
    good = isinstance(entries, list) and isinstance(header, str) and DEFAULT_INSTANCE.fullmatch(header) is not None
    for entry in entries if good else ():
        line, section, key = (entry.get(name) for name in ("line", "section", "key")) if isinstance(entry, dict) else (0, 0, 0)
        good = good and key in _SETTING_KEYS and (section == "" or (isinstance(section, str) and _SECTION.fullmatch(section) is not None))
        good = good and (line is None or (isinstance(line, str) and line.isprintable() and _setting_key(line) == key))
    if not good:
        raise FlatnetError("%s is not a record of the start that flatnet wrote (version 1: the instance and its settings, "
                           "each an FRR line of bgp router-id, bgp graceful-restart or maximum-paths); restore it from a "
                           "backup, or delete it to leave the switch's instance settings as they are; nothing was changed." % path)
    return record


def read_record(path: str) -> Optional[Dict[str, Any]]:
    """The record of the start on the switch, None when there is none."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise FlatnetError("cannot read the record of the start %s: %s" % (path, err.strerror)) from None
    try:
        loaded = json.loads(text)
    except ValueError:
        loaded = None
    return _check_record(loaded, path)


def recorded(running: str, candidate: str, record: Optional[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    """The record with each setting the candidate changes and the record lacks, as it runs now; None: nothing to keep."""
    entries = [dict(entry) for entry in (record or {}).get("settings") or []]
    known = {(entry["section"], entry["key"]) for entry in entries}
    for (section, key), before, _after in _setting_diff(running, candidate):
        if (section, key) not in known:
            entries.append({"section": section, "key": key, "line": before})
    theirs = _default_instance(running)
    if not entries or theirs is None:
        return dict(record) if record else None
    return {"version": 1, "instance": (record or {}).get("instance") or theirs.header, "settings": entries}


def _restored(instance: Instance, record: Mapping[str, Any]) -> Instance:
    """The instance with each recorded setting as the record holds it (a setting that was not there is taken out)."""
    if record.get("instance") != instance.header:
        raise FlatnetError("the record of the start was made for `%s`, but the switch runs `%s`; delete the record to leave "
                           "the instance settings as they are; nothing was changed." % (record.get("instance"), instance.header))
    lines, families = list(instance.lines), {family: list(body) for family, body in instance.families.items()}
    for entry in record.get("settings") or []:
        body = lines if not entry["section"] else families.setdefault(entry["section"], [])
        body[:] = [line for line in body if _setting_key(line) != entry["key"]] + ([entry["line"]] if entry["line"] else [])
    return Instance(instance.header, lines, families)


def write_record(path: str, record: Mapping[str, Any]) -> None:
    """Write the record (0600) in place of the old one, whole or not at all, on disk before this returns."""
    try:
        _files.replace(path, json.dumps(record, indent=1, sort_keys=True) + "\n", 0o600)
    except OSError as err:
        raise FlatnetError("cannot write the record of the start %s (%s): give the switch a directory flatnet may write "
                           "(switch_bgp_frr_record_path); nothing was changed." % (path, err.strerror)) from None


def unsaved_marker(record_path: str) -> str:
    """The marker beside the record that says a change runs but may not be saved yet (a run that died before
    ``write memory``): the next run saves even when no line differs any more."""
    return os.path.join(os.path.dirname(record_path) or ".", UNSAVED_NAME)


def _mark_unsaved(path: str) -> None:
    try:
        _files.replace(path, "flatnet changed the running configuration; write memory has not followed yet\n", 0o600)
    except OSError as err:
        raise FlatnetError("cannot write %s (%s): give the switch a directory flatnet may write (switch_bgp_frr_record_path); "
                           "nothing was changed." % (path, err.strerror)) from None


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
    """One FRR instance, reached with vtysh and frr-reload.py (optionally in a pathspace).

    Every command runs under ``timeout`` (coreutils), so a hung vtysh or frr-reload.py ends after ``timeout`` seconds.
    Outputs and errors are masked before they leave this class.

    Where FRR runs in a container (SONiC's bgp container), ``command_prefix`` comes before every vtysh and
    frr-reload.py command (``docker exec -i bgp``), and the configuration files are written into ``file_dir``, a
    directory the container mounts, which its commands see as ``file_dir_inside``.
    """

    # pylint: disable-next=too-many-arguments,too-many-positional-arguments
    def __init__(self, run: Runner, pathspace: Optional[str] = None, vtysh: str = "vtysh",
                 reload_script: str = "/usr/lib/frr/frr-reload.py", python: str = "python3", timeout: int = 120,
                 secrets: Sequence[str] = (), command_prefix: Sequence[str] = (), file_dir: Optional[str] = None,
                 file_dir_inside: Optional[str] = None) -> None:
        self.run = run
        self.pathspace = pathspace
        self.vtysh = vtysh
        self.reload_script = reload_script
        self.python = python
        self.timeout = timeout
        self.secrets = list(secrets)
        self.command_prefix = list(command_prefix)
        self.file_dir = file_dir
        self.file_dir_inside = file_dir_inside
        # The daemons vtysh reached when the running configuration was read; a save needs every one of them.
        self.daemons_seen: List[str] = []

    def _bounded(self, command: List[str]) -> List[str]:
        return ["timeout", "--kill-after=10", str(self.timeout)] + self.command_prefix + command

    def temp(self, content: str) -> str:
        """A 0600 file with ``content`` for vtysh or frr-reload.py to read (in ``file_dir`` when given)."""
        return _temp(content, self.file_dir)

    def seen(self, path: str) -> str:
        """``path`` as the prefixed commands see it."""
        return os.path.join(self.file_dir_inside, os.path.basename(path)) if self.file_dir_inside else path

    def _vtysh(self, *args: str) -> List[str]:
        return self._bounded([self.vtysh] + (["-N", self.pathspace] if self.pathspace else []) + list(args))

    def _reload(self, mode: str, path: str) -> List[str]:
        command = [self.python, self.reload_script, mode, "--stdout"]
        if self.pathspace:
            command += ["--pathspace", self.pathspace]
        if os.path.dirname(self.vtysh):
            command += ["--bindir", os.path.dirname(self.vtysh)]
        return self._bounded(command + [self.seen(path)])

    def _check(self, command: List[str], what: str) -> str:
        rc, out, err = self.run(command)
        if rc == 124:
            raise FlatnetError("%s did not end within %d seconds and was stopped" % (what, self.timeout))
        if rc != 0:
            raise FlatnetError("%s failed (exit %d): %s" % (what, rc, mask((err or out).strip()[-2000:], self.secrets)))
        return out

    def daemons(self) -> List[str]:
        """The daemons vtysh reaches (``show daemons``)."""
        return self._check(self._vtysh("-c", "show daemons"), "listing FRR's daemons (show daemons)").split()

    def _need(self, before: List[str]) -> None:
        missing = [name for name in REQUIRED_DAEMONS if name not in before]
        if missing:
            raise FlatnetError("FRR's %s %s not running (vtysh reaches: %s). vtysh leaves a stopped daemon's part out of the "
                               "running configuration without an error, so flatnet cannot tell its part from the rest; nothing "
                               "was changed. Start FRR again (for example systemctl restart frr) and run again."
                               % (" and ".join(missing), "is" if len(missing) == 1 else "are", " ".join(before) or "none"))

    def running(self) -> str:
        """The running configuration, read while zebra and bgpd run (checked before and after the read: vtysh omits a
        stopped daemon's part without an error)."""
        before = self.daemons()
        self._need(before)
        text = self._check(self._vtysh("-c", "show running-config"), "reading FRR's running configuration")
        after = self.daemons()
        self._need(after)
        self.daemons_seen = [name for name in before if name in after]
        return text

    def validate(self, path: str) -> None:
        """vtysh's own check of a configuration file (nothing is applied)."""
        self._check(self._vtysh("-C", "-f", self.seen(path)), "FRR rejected the configuration (vtysh -C)")

    def delta(self, path: str) -> Delta:
        """What frr-reload.py would change to reach the file."""
        return parse_delta(self._check(self._reload("--test", path), "frr-reload.py --test"))

    def reload(self, path: str) -> None:
        """Apply the file with frr-reload.py."""
        self._check(self._reload("--reload", path), "frr-reload.py --reload")

    def summary(self) -> Dict[str, Any]:
        """FRR's `show bgp summary json`: the default instance's peers per address family."""
        text = self._check(self._vtysh("-c", "show bgp summary json"), "reading FRR's BGP summary")
        try:
            shown = json.loads(text or "{}")
        except ValueError as error:
            raise FlatnetError("FRR's BGP summary is not JSON: %s" % error) from None
        return shown if isinstance(shown, dict) else {}

    def clear(self, neighbor: str) -> None:
        """Reset the session with ``neighbor`` (``clear bgp``): one that its maximum-prefix tore down opens again."""
        ipaddress.ip_address(neighbor)  # an address, never anything a shell or vtysh would read as more
        self._check(self._vtysh("-c", "clear bgp %s" % neighbor), "clearing the BGP session with %s" % neighbor)

    def save(self) -> None:
        """Write the running configuration to FRR's startup file, so it survives a restart; refused while a daemon that
        ran when the configuration was read is stopped (``write memory`` would drop its part from the file)."""
        now = self.daemons()
        gone = [name for name in self.daemons_seen if name not in now]
        if gone:
            raise FlatnetError("FRR's %s stopped during the change, so the configuration was not saved: write memory would "
                               "drop %s part from the startup file. Start FRR's daemons again and run again; the next run "
                               "saves." % (" and ".join(gone), "its" if len(gone) == 1 else "their"))
        self._check(self._vtysh("-c", "write memory"), "saving FRR's configuration (write memory)")


def container_options(params: Mapping[str, Any]) -> Dict[str, Any]:
    """The Frr arguments of the modules' container options (the frr_container doc fragment)."""
    return {"command_prefix": params.get("command_prefix") or (), "file_dir": params.get("file_dir"),
            "file_dir_inside": params.get("file_dir_inside")}


def sessions(running: str, summary: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """flatnet's BGP sessions: each member of the FLATNET peer group (or peer of its listen range) in each address
    family of the summary, with its state, the prefixes it sent the switch, and how long it has been up."""
    instance = next((_instance(block) for block in blocks(running) if DEFAULT_INSTANCE.fullmatch(block[0])), None)
    if instance is None:
        return []
    members = _members(instance.lines)
    ranges = [ipaddress.ip_network(line.split()[3], strict=False) for line in instance.lines if _LISTEN.fullmatch(line)]

    def ours(address: str) -> bool:
        if address in members:
            return True
        try:
            return any(ipaddress.ip_address(address) in network for network in ranges)
        except ValueError:
            return False

    found = []
    for family, table in sorted(summary.items()):
        peers = table.get("peers") if isinstance(table, dict) else None
        for address, peer in sorted((peers or {}).items()):
            if ours(address):
                session = {"neighbor": address, "family": family, "state": peer.get("state"), "remote_as": peer.get("remoteAs"),
                           "prefixes_received": peer.get("pfxRcd"), "uptime": peer.get("peerUptime"),
                           "established": peer.get("state") == "Established",
                           # Down because the node sent more than the maximum-prefix: FRR's "Idle (PfxCt)".
                           "tripped": "PfxCt" in str(peer.get("state")) or peer.get("peerState") == "PfxCt"}
                if session["established"]:
                    up = session["uptime"]
                else:
                    # A session that is down shows the time since it went down, or "never"; neither is an uptime.
                    up = "never" if session["uptime"] in (None, "never") else "-"
                received = "no" if session["prefixes_received"] is None else session["prefixes_received"]
                state = "%s (max-prefix)" % session["state"] if session["tripped"] and "PfxCt" not in str(session["state"]) else session["state"]
                session["row"] = "%s %s: %s, %s prefixes received, up %s" % (address, family, state, received, up)
                found.append(session)
    return found


_MAXIMUM_PREFIX = re.compile(r"  neighbor FLATNET maximum-prefix (\d+).*")
# FRR's summary keys per address family line.
_SUMMARY_FAMILY = {" address-family ipv4 unicast": "ipv4Unicast", " address-family ipv6 unicast": "ipv6Unicast"}


def prefix_limits(config: str) -> Dict[str, int]:
    """The FLATNET peer group's maximum-prefix per address family (the summary's family names) in ``config``."""
    instance = _default_instance(config)
    limits: Dict[str, int] = {}
    for family, body in (instance.families.items() if instance else ()):
        for line in body:
            found = _MAXIMUM_PREFIX.fullmatch(line)
            if found and family in _SUMMARY_FAMILY:
                limits[_SUMMARY_FAMILY[family]] = int(found.group(1))
    return limits


def prefix_limit_risks(candidate: str, running: str, summary: Mapping[str, Any]) -> List[str]:
    """A line for each of flatnet's sessions that now receives more prefixes than the candidate's maximum-prefix of its
    family allows: FRR would tear that session down the moment the limit applies."""
    limits = prefix_limits(candidate)
    risks = []
    for session in sessions(running, summary):
        limit, received = limits.get(session["family"]), session["prefixes_received"]
        if limit is not None and isinstance(received, int) and received > limit:
            risks.append("maximum-prefix %d is below the %d prefixes that %s sends now (%s): the switch would tear that "
                         "session down when the limit applies; raise switch_bgp_maximum_prefix, or narrow what the node "
                         "advertises" % (limit, received, session["neighbor"], session["family"]))
    return risks


def _temp(content: str, directory: Optional[str] = None) -> str:
    # mkstemp makes the file 0600: it holds the switch's whole configuration, secrets included.
    handle, path = tempfile.mkstemp(prefix="flatnet-frr-", suffix=".conf", dir=directory)
    with os.fdopen(handle, "w") as stream:
        stream.write(content)
    return path


def _as_file(running: str) -> str:
    """A running configuration as a file frr-reload.py can load back."""
    return "\n".join(line for line in running.splitlines() if not NOISE.match(line)) + "\n"


def _reload_or_restore(frr: Frr, path: str, running: str) -> None:
    """frr-reload.py the candidate; when that fails, load the configuration that ran before and report both errors."""
    try:
        frr.reload(path)
        return
    except FlatnetError as failed:
        first = str(failed)
    previous = frr.temp(_as_file(running))
    try:
        frr.reload(previous)
    except FlatnetError as second:
        raise FlatnetError("%s. Putting the previous configuration back failed too: %s. Check the switch by hand (show "
                           "running-config)." % (first, second)) from None
    finally:
        os.unlink(previous)
    raise FlatnetError("%s. The configuration that ran before was put back." % first)


class Applied(NamedTuple):
    """What apply did: the delta (masked), the instance-wide settings it changed, the record of the start, the
    risks of the change (a prefix limit below what a session receives now), and whether it saved (or would save) a
    change an earlier run applied but never saved."""

    delta: Delta
    settings: List[str]
    record: Optional[Dict[str, Any]] = None
    risks: Sequence[str] = ()
    saved_late: bool = False


def apply(frr: Frr, managed: str, check_mode: bool, save: bool = True, record_path: Optional[str] = None) -> Applied:
    """Make FRR run flatnet's part (``managed``; "" removes it) and save; return the delta (masked) and the settings.

    With ``record_path``, the instance settings the part changes are recorded there, as they ran, before their first
    change; a removal puts them back from it and then deletes it. Beside it, a marker stands from before a reload until
    the save after it: a run that finds it saves, so that a run killed in between never leaves the startup
    configuration behind the running one.
    """
    marker = unsaved_marker(record_path) if record_path and save else None
    unsaved = marker is not None and os.path.exists(marker)
    running = frr.running()
    record = read_record(record_path) if record_path else None
    candidate = compose(running, managed, None if managed else record)
    settings = setting_changes(running, candidate)
    keep = recorded(running, candidate, record) if managed and record_path else None
    path = frr.temp(candidate)
    try:
        frr.validate(path)
        delta = frr.delta(path)
        risks = _risks(frr, candidate, running, delta)
        if not delta.empty and not check_mode:
            if keep is not None and keep != record:
                # Before the change: a record written after it could be lost with what it had to remember.
                write_record(str(record_path), keep)
            if marker is not None and not unsaved:
                _mark_unsaved(marker)
                unsaved = True
            _reload_or_restore(frr, path, running)
            left = frr.delta(path)
            if not left.empty:
                raise FlatnetError("FRR did not take the whole configuration; still to add: %s; still to delete: %s"
                                   % ("; ".join(mask(line, frr.secrets) for line in left.add) or "nothing",
                                      "; ".join(mask(line, frr.secrets) for line in left.delete) or "nothing"))
            if save:
                frr.save()
        elif unsaved and not check_mode:
            frr.save()
    finally:
        os.unlink(path)
    if unsaved and not check_mode:
        _files.remove(str(marker))
    if not managed and record is not None and not check_mode:
        _files.remove(str(record_path))
    return Applied(Delta([mask(line, frr.secrets) for line in delta.delete], [mask(line, frr.secrets) for line in delta.add]),
                   [mask(line, frr.secrets) for line in settings] if not delta.empty else [], keep if managed else record, risks,
                   saved_late=unsaved and delta.empty)


def _risks(frr: Frr, candidate: str, running: str, delta: Delta) -> List[str]:
    """The risks of a delta that sets a maximum-prefix, read against the sessions as they are (one summary read)."""
    if not any("maximum-prefix" in line for line in delta.add):
        return []
    try:
        summary = frr.summary()
    except FlatnetError:
        # The risk is a warning: a switch that cannot show its summary (bgpd starting) gets none, not a failed run.
        return []
    return prefix_limit_risks(candidate, running, summary)


def diff_text(delta: Delta) -> str:
    """The delta as a unified-diff-like text for Ansible's --diff."""
    return "".join("-%s\n" % line for line in delta.delete) + "".join("+%s\n" % line for line in delta.add)
