# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Forward the cluster's names from an office DNS server to the cluster DNS.

One description of the forwarding (the zones, the cluster DNS addresses and
the office networks allowed to ask) is rendered for each kind of server:
BIND, Unbound and dnsmasq files, a CoreDNS server block, and the arguments of
Windows DNS conditional forwarders.

For the three servers that run on Linux, ``apply`` writes the files, runs the
server's own checker on the whole configuration and only then reloads. When
the checker refuses the result, every file is put back as it was, so the
running server (which never read the rejected files) keeps serving its
previous configuration.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from ansible_collections.flatnet.kube.plugins.module_utils import _files as files
from ansible_collections.flatnet.kube.plugins.module_utils import _netmath as netmath
from ansible_collections.flatnet.kube.plugins.module_utils import _text
from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError

FILE_SERVERS = ("bind", "unbound", "dnsmasq")
HEADER = "Managed by flatnet.kube (role dns_forward). Changes here are overwritten."
ACL_NAME = "flatnet-kube-office"
# By full match: '$' alone would also take a label with a line break at its end.
_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_WINDOWS_REPLICATION = ("none", "domain", "forest", "legacy")

Runner = Callable[[Sequence[str]], Tuple[int, str, str]]


class Forwarding(NamedTuple):
    """What an office DNS server forwards (the cluster domain first), to where, for whom."""

    zones: List[str]
    forwarders: List[str]
    clients: List[str]

    @property
    def domain(self) -> str:
        """The cluster domain, the first zone."""
        return self.zones[0]

    @property
    def reverse_zones(self) -> List[str]:
        """The zones after the cluster domain."""
        return self.zones[1:]


def _zone_name(value: Any, name: str) -> str:
    text = _text.check_one_line(str(value), name).strip(" ").lower().rstrip(".")
    if not text or len(text) > 253 or not all(_LABEL.fullmatch(label) for label in text.split(".")):
        raise FlatnetError(f"{name}: {str(value)!r} is not a DNS zone name; use dot-separated labels of letters, digits "
                           "and '-' (for example cluster.local or 64.233.10.in-addr.arpa).")
    return text


def forwarding(domain: Any, reverse_zones: Any, forwarders: Any, clients: Any) -> Forwarding:
    """Check and normalise the forwarding; every error names the setting, the value and the fix."""
    if not forwarders:
        raise FlatnetError("flatnet_cluster.dns_service_ip: the address of the cluster DNS is not known. Set it to the ClusterIP "
                           "of the kube-dns Service (kubectl -n kube-system get svc kube-dns), or run preflight with "
                           "preflight_discover: true so that it is read from the cluster.")
    if not clients:
        raise FlatnetError("flatnet_office.networks: no office network is given, so no client would be allowed to ask; "
                           "list the office networks.")
    zones = [_zone_name(domain, "flatnet_cluster.domain")]
    for index, zone in enumerate(reverse_zones or []):
        name = _zone_name(zone, f"reverse_zones[{index}]")
        if not name.endswith((".in-addr.arpa", ".ip6.arpa")):
            raise FlatnetError(f"reverse_zones[{index}]: {zone!r} is not a reverse zone; it must end in in-addr.arpa or ip6.arpa.")
        if name not in zones:
            zones.append(name)
    addresses = [str(netmath.parse_address(item, name=f"dns_forward_forwarders[{index}]")) for index, item in enumerate(forwarders)]
    networks = [str(net) for net in netmath.summarise(clients, name="flatnet_office.networks")]
    return Forwarding(zones=zones, forwarders=addresses, clients=networks)


def forwarding_of(zones: Any, forwarders: Any, clients: Any) -> Forwarding:
    """The forwarding of a zone list whose first entry is the cluster domain."""
    zones = list(zones or [])
    return forwarding(zones[0] if zones else "", zones[1:], list(forwarders or []), list(clients or []))


# --- BIND ------------------------------------------------------------------------------------------------------------


def _comment(lines: Sequence[str], mark: str = "#") -> List[str]:
    return [f"{mark} {line}".rstrip() for line in lines]


def bind_zones(fwd: Forwarding) -> str:
    """The top-level include: the office ACL and one forward-only zone per name."""
    out = _comment([HEADER, "The cluster domain and the reverse zones of its pod and Service ranges go to the cluster DNS,",
                    "with no fallback to recursion (forward only)."])
    out += ["", f'acl "{ACL_NAME}" {{'] + [f"\t{net};" for net in fwd.clients] + ["};"]
    servers = " ".join(f"{address};" for address in fwd.forwarders)
    for zone in fwd.zones:
        out += ["", f'zone "{zone}" {{', "\ttype forward;", "\tforward only;", f"\tforwarders {{ {servers} }};", "};"]
    return "\n".join(out) + "\n"


def bind_options(fwd: Forwarding, dnssec_except: bool = True, restrict_clients: bool = True) -> str:
    """The include inside ``options { }``: validate-except for the zones, recursion for the office only."""
    out = _comment([HEADER, "Included inside the options block."])
    if dnssec_except:
        out += [""] + _comment(["The cluster zones are neither signed nor delegated from the root: a validating server",
                                "would answer SERVFAIL for them. Leave them out of DNSSEC validation."])
        out += ["validate-except {"] + [f'\t"{zone}";' for zone in fwd.zones] + ["};"]
    if restrict_clients:
        out += [""] + _comment(["Recursion, and answers from the cache, for this host and the office networks only,",
                                "so that the forwarder never becomes an open resolver."])
        out += [f'allow-recursion {{ localhost; "{ACL_NAME}"; }};', f'allow-query-cache {{ localhost; "{ACL_NAME}"; }};']
    return "\n".join(out) + "\n"


# --- Unbound ---------------------------------------------------------------------------------------------------------


def unbound(fwd: Forwarding, restrict_clients: bool = True) -> str:
    """An unbound.conf.d file: access, DNSSEC and local-zone exceptions, one forward-zone per name."""
    out = _comment([HEADER])
    out += ["server:"]
    if restrict_clients:
        out += ["\t# Recursion for the office networks (Unbound refuses every other client by default)."]
        out += [f"\taccess-control: {net} allow" for net in fwd.clients]
    out += ["\t# Not signed, not delegated from the root: no DNSSEC validation for these zones."]
    out += [f'\tdomain-insecure: "{zone}"' for zone in fwd.zones]
    out += ["\t# Answers with private addresses are expected from the cluster domain.", f'\tprivate-domain: "{fwd.domain}"']
    if fwd.reverse_zones:
        out += ["\t# Unbound answers private reverse zones itself by default; let these through to the forwarder."]
        out += [f'\tlocal-zone: "{zone}." transparent' for zone in fwd.reverse_zones]
    for zone in fwd.zones:
        out += ["", "forward-zone:", f'\tname: "{zone}"'] + [f"\tforward-addr: {address}" for address in fwd.forwarders]
        out += ["\tforward-first: no"]
    return "\n".join(out) + "\n"


# --- dnsmasq ---------------------------------------------------------------------------------------------------------


def dnsmasq(fwd: Forwarding, restrict_clients: bool = True) -> str:
    """A dnsmasq.d file: server=/zone/address for every name and forwarder."""
    out = _comment([HEADER, "The cluster domain and the reverse zones of its pod and Service ranges go to the cluster DNS only."])
    out += [f"server=/{zone}/{address}" for zone in fwd.zones for address in fwd.forwarders]
    out += _comment(["Private addresses are expected from the cluster domain (matters with stop-dns-rebind)."])
    out += [f"rebind-domain-ok=/{fwd.domain}/"]
    if restrict_clients:
        out += _comment(["dnsmasq has no per-client ACL: answer hosts on directly connected networks only",
                         f"(the office networks: {', '.join(fwd.clients)}). No effect with interface= or listen-address=."])
        out += ["local-service"]
    return "\n".join(out) + "\n"


# --- CoreDNS and Windows DNS (rendered; applied by the role's tasks) -------------------------------------------------


def coredns(fwd: Forwarding, restrict_clients: bool = True, cache: int = 30) -> str:
    """A Corefile server block for the zones, to be imported into the office CoreDNS's Corefile."""
    keys = [f"{zone}:53" for zone in fwd.zones]
    out = _comment([HEADER, "Import it from the Corefile (import <this file>); the reload plugin picks up changes."])
    out += [key + "," for key in keys[:-1]] + [keys[-1] + " {"]
    if restrict_clients:
        out += ["    acl {", f"        allow net {' '.join(fwd.clients)}", "        block", "    }"]
    out += [f"    forward . {' '.join(fwd.forwarders)}", f"    cache {cache}", "    errors", "}"]
    return "\n".join(out) + "\n"


def windows_zones(fwd: Forwarding, replication: str = "none", timeout: Optional[int] = None) -> List[Dict[str, Any]]:
    """The arguments of one ansible.windows.win_dns_zone conditional forwarder per zone."""
    if replication not in _WINDOWS_REPLICATION:
        raise FlatnetError(f"dns_forward_windows_replication: {replication!r} is not one of {', '.join(_WINDOWS_REPLICATION)}.")
    if timeout is not None and not 0 <= int(timeout) <= 15:
        raise FlatnetError(f"dns_forward_windows_timeout: {timeout!r} is out of range; Windows accepts 0 to 15 seconds.")
    zones = []
    for zone in fwd.zones:
        item: Dict[str, Any] = {"name": zone, "type": "forwarder", "dns_servers": list(fwd.forwarders), "replication": replication,
                                "state": "present"}
        if timeout is not None:
            item["forwarder_timeout"] = int(timeout)
        zones.append(item)
    return zones


# --- includes --------------------------------------------------------------------------------------------------------


def include_line(server: str, path: str) -> str:
    """The one line that makes a server read a file."""
    if server == "bind":
        return f'include "{path}";'
    if server == "unbound":
        return f'include-toplevel: "{path}"'
    return f"conf-file={path}"


def _has_include(text: str, server: str, path: str) -> bool:
    quoted = re.escape(path)
    pattern = {"bind": rf'^\s*include\s+"{quoted}"\s*;', "unbound": rf'^\s*include(-toplevel)?:\s*"?{quoted}"?\s*$',
               "dnsmasq": rf"^\s*conf-file={quoted}\s*$"}[server]
    return re.search(pattern, text, re.MULTILINE) is not None


def with_include(text: str, server: str, path: str) -> str:
    """The text of a server's file with the include line added at its end, unless it is there already."""
    if _has_include(text, server, path):
        return text
    if text and not text.endswith("\n"):
        text += "\n"
    return text + include_line(server, path) + "\n"


def without_include(text: str, server: str, path: str) -> str:
    """The text of a server's file without flatnet's include line for ``path`` (as with_include and
    with_options_include put it there: a line of its own, or after ``options {`` on that line)."""
    line = include_line(server, path)
    text = text.replace(" " + line, "") if server == "bind" and re.search(r"options\s*\{ " + re.escape(line), text) else text
    return "".join(kept for kept in text.splitlines(keepends=True) if not _has_include(kept, server, path))


def with_options_include(text: str, path: str, where: str) -> str:
    """A BIND file with ``include`` added as the first statement of its ``options {`` block."""
    if _has_include(text, "bind", path):
        return text
    match = re.search(r"^[ \t]*options\s*\{", text, re.MULTILINE)
    if match is None:
        raise FlatnetError(f"dns_forward_bind_options_in: {where} has no 'options {{' block to include {path} in. Give the file "
                           "that holds named.conf's options block (on Debian /etc/bind/named.conf.options).")
    end = match.end()
    line_end = re.match(r"[ \t]*\n", text[end:])
    if line_end:
        end += line_end.end()
        return text[:end] + "\t" + include_line("bind", path) + "\n" + text[end:]
    return text[:end] + " " + include_line("bind", path) + text[end:]


# --- files -----------------------------------------------------------------------------------------------------------


class FileChange(NamedTuple):
    """One file: its content now (None when absent) and the content wanted (None: the file must go)."""

    path: str
    before: Optional[str]
    after: Optional[str]

    @property
    def changed(self) -> bool:
        """Whether the file must be written."""
        return self.before != self.after


def read(path: str) -> Optional[str]:
    """A file's text, None when it does not exist."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise FlatnetError(f"cannot read {path}: {err.strerror}") from err


def write(path: str, content: str, mode: int = 0o644) -> None:
    """Replace a file atomically (a temporary file in the same directory, then a rename), keeping an existing file's mode."""
    directory = os.path.dirname(path) or "."
    if not os.path.isdir(directory):
        raise FlatnetError(f"cannot write {path}: the directory {directory} does not exist")
    try:
        found = os.stat(path)
    except FileNotFoundError:
        found = None
    if found is not None:
        mode = found.st_mode & 0o7777
    owner = (found.st_uid, found.st_gid) if found is not None and os.geteuid() == 0 else None
    try:
        files.replace(path, content, mode, owner)
    except OSError as err:
        raise FlatnetError(f"cannot write {path}: {err.strerror}") from err


def restore(changes: Sequence[FileChange]) -> None:
    """Put files back as they were: the previous file from its backup (or the text read before), or remove a file that
    did not exist; then drop the backups."""
    for change in changes:
        if change.before is None:
            files.remove(change.path)
            continue
        kept = read(backup_path(change.path))
        write(change.path, change.before if kept is None else kept)
    drop_backups(changes)


def backup_path(path: str) -> str:
    """Where the previous file is kept while a change is under way (a dot file: dnsmasq's conf-dir skips it)."""
    return os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".flatnet-prev")


def marker_path(path: str) -> str:
    """The marker beside flatnet's file ``path`` that says files were written and not yet loaded by the server."""
    return os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".flatnet-pending")


def drop_backups(changes: Sequence[FileChange]) -> None:
    """Remove the backups of the changes."""
    for change in changes:
        files.remove(backup_path(change.path))


def _back_up(change: FileChange) -> None:
    """Keep the file as it is before it changes, with its mode, on disk before the change."""
    if change.before is None:
        return
    found = os.stat(change.path)
    owner = (found.st_uid, found.st_gid) if os.geteuid() == 0 else None
    try:
        files.replace(backup_path(change.path), change.before, found.st_mode & 0o7777, owner)
    except OSError as err:
        raise FlatnetError(f"cannot keep a backup of {change.path} before changing it: {err.strerror}; nothing was changed") from err


class Settings(NamedTuple):
    """Where a server's files are and how it is checked and reloaded."""

    server: str
    path: str
    include_in: str = ""
    options_path: str = ""
    options_in: str = ""
    dnssec_except: bool = True
    restrict_clients: bool = True
    check_command: Tuple[str, ...] = ()
    reload_command: Tuple[str, ...] = ()
    flush_command: Tuple[str, ...] = ()


DEFAULT_CHECK = {"bind": ("named-checkconf",), "unbound": ("unbound-checkconf",), "dnsmasq": ("dnsmasq", "--test")}
DEFAULT_RELOAD = {"bind": ("rndc", "reload"), "unbound": ("unbound-control", "reload"), "dnsmasq": ("systemctl", "restart", "dnsmasq")}
# A reload keeps the cache, and with it the NXDOMAIN the server got from the root for the cluster domain before it
# forwarded it (kept up to BIND's max-ncache-ttl, 3 hours). The zone name goes last. unbound-control reload and
# dnsmasq's restart empty the whole cache themselves.
DEFAULT_FLUSH = {"bind": ("rndc", "flushtree"), "unbound": (), "dnsmasq": ()}


def _check_path(value: str, name: str) -> None:
    """A path goes into an include line between double quotes: one line, no quote, no backslash."""
    _text.check_one_line(value, name)
    if '"' in value or "\\" in value:
        raise FlatnetError(f"{name}: {value!r} holds a double quote or a backslash, which would end the include line's "
                           "string early; use a plain path such as /etc/bind/flatnet-kube.zones.conf.")


def plan_files(fwd: Forwarding, settings: Settings) -> List[FileChange]:
    """Every file the server needs, with its present and wanted content."""
    if settings.server not in FILE_SERVERS:
        raise FlatnetError(f"server: {settings.server!r} is not one of {', '.join(FILE_SERVERS)}")
    for option in ("path", "include_in", "options_path", "options_in"):
        _check_path(getattr(settings, option), option)
    if not os.path.isabs(settings.path):
        raise FlatnetError(f"path: {settings.path!r} must be an absolute path, so that the server finds it wherever it runs.")
    if settings.server == "bind":
        content = bind_zones(fwd)
    elif settings.server == "unbound":
        content = unbound(fwd, settings.restrict_clients)
    else:
        content = dnsmasq(fwd, settings.restrict_clients)
    changes = [FileChange(settings.path, read(settings.path), content)]
    # The server's own files get their include lines; one file may take both of BIND's.
    edits: Dict[str, List[Callable[[str], str]]] = {}
    if settings.include_in:
        edits.setdefault(settings.include_in, []).append(lambda text: with_include(text, settings.server, settings.path))
    if settings.server == "bind" and (settings.dnssec_except or settings.restrict_clients):
        if not settings.options_path or not settings.options_in:
            raise FlatnetError("options_path and options_in: BIND needs the options include (validate-except and the client "
                               "ACL live in the options block); give both, or turn off dnssec_except and restrict_clients.")
        if not os.path.isabs(settings.options_path):
            raise FlatnetError(f"options_path: {settings.options_path!r} must be an absolute path.")
        changes.append(FileChange(settings.options_path, read(settings.options_path),
                                  bind_options(fwd, settings.dnssec_except, settings.restrict_clients)))
        edits.setdefault(settings.options_in, []).append(lambda text: with_options_include(text, settings.options_path, settings.options_in))
    owned = {change.path for change in changes}
    for path, functions in edits.items():
        if path in owned:
            raise FlatnetError(f"{path} is both a file flatnet writes and the server's own file that includes it; give them "
                               "different paths.")
        changes.append(_edited(path, functions))
    return changes


def plan_removal(settings: Settings) -> List[FileChange]:
    """What taking the forwarding away changes: flatnet's own files go, and its include lines leave the server's files."""
    for option in ("path", "include_in", "options_path", "options_in"):
        _check_path(getattr(settings, option), option)
    owned = [path for path in (settings.path, settings.options_path if settings.server == "bind" else "") if path]
    changes = [FileChange(path, read(path), None) for path in owned]
    includes = [(settings.include_in, settings.path)] if settings.include_in else []
    if settings.server == "bind" and settings.options_in and settings.options_path:
        includes.append((settings.options_in, settings.options_path))
    edits: Dict[str, List[Callable[[str], str]]] = {}
    for where, path in includes:
        edits.setdefault(where, []).append(lambda text, path=path: without_include(text, settings.server, path))
    # A server file that is gone holds no include line to take out.
    changes += [_edited(where, functions) for where, functions in edits.items() if os.path.exists(where)]
    return changes


def _edited(path: str, functions: Sequence[Callable[[str], str]]) -> FileChange:
    before = read(path)
    if before is None:
        raise FlatnetError(f"{path} does not exist; it is the server's own configuration file, which gets one include line. "
                           "Check the path, or leave it empty when the server already reads the directory.")
    after = before
    for function in functions:
        after = function(after)
    return FileChange(path, before, after)


class Outcome(NamedTuple):
    """What apply did: the files written, the checker that accepted them, whether the reload ran, the zones flushed."""

    changed: bool
    files: List[str]
    checked: str
    reloaded: bool
    flushed: Tuple[str, ...] = ()
    warnings: Tuple[str, ...] = ()


def _command_text(command: Sequence[str]) -> str:
    return " ".join(command)


def flush_commands(settings: Settings, zones: Sequence[str]) -> List[List[str]]:
    """One cache flush per zone, run after a reload; none when the server has no flush command."""
    return [list(settings.flush_command) + [zone] for zone in zones] if settings.flush_command else []


# pylint: disable-next=too-many-arguments,too-many-positional-arguments,too-many-locals
def apply(changes: Sequence[FileChange], run: Runner, check_command: Sequence[str], reload_command: Sequence[str],
          check_mode: bool, flush: Sequence[Sequence[str]] = (), marker: Optional[str] = None) -> Outcome:
    """Write the changed files, check the whole configuration, reload; put everything back on any failure.

    Before the first write, ``marker`` (see marker_path) records that files are being changed, and each file is kept
    as a backup; both go once the server has reloaded. A run that died in between left the marker: the next run
    reloads even when no file differs any more, so the server never stays on a configuration older than its files.
    A failed reload puts the files back from their backups and reloads those, and the error says whether that worked.

    After a reload, each command of ``flush`` (see flush_commands) empties the cache of one zone. A flush that fails
    is a warning: the new configuration is loaded, and what the cache still holds ages out by its TTL.
    """
    todo = [change for change in changes if change.changed]
    pending = marker is not None and os.path.exists(marker)
    notes: List[str] = []
    if pending:
        notes.append("an earlier run changed the server's files but did not see the server load them (it stopped before the "
                     "reload, or the reload failed); this run %s the server" % ("would reload" if check_mode else "reloads"))
    if not todo and not pending:
        return Outcome(False, [], "", False)
    if check_mode:
        return Outcome(True, [change.path for change in todo], "", False, warnings=tuple(notes))
    if marker is not None:
        files.replace(marker, json.dumps({"files": [change.path for change in todo]}) + "\n", 0o600)
    written: List[FileChange] = []
    try:
        for change in todo:
            _back_up(change)
            written.append(change)
            if change.after is None:
                files.remove(change.path)
            else:
                write(change.path, change.after)
        code, out, err = run(list(check_command))
    except BaseException:
        restore(written)
        if not pending:
            _done(marker)
        raise
    if code != 0:
        restore(written)
        # The files are as the server last loaded them (the checker refused the new ones, nothing was reloaded).
        if not pending:
            _done(marker)
        raise FlatnetError(_check_failure(check_command, code, out, err))
    code, out, reload_err = run(list(reload_command))
    if code != 0:
        raise FlatnetError(_reload_failure(written, run, reload_command, code, (reload_err or out).strip(), marker))
    drop_backups(written)
    _done(marker)
    flushed: List[str] = []
    warnings: List[str] = notes
    for command in flush:
        code, out, err = run(list(command))
        if code == 0:
            flushed.append(command[-1])
        else:
            warnings.append(f"{_command_text(command)} failed (exit {code}): {(err or out).strip() or 'no output'}. The new "
                            "configuration is loaded; answers cached before it (such as an NXDOMAIN for the zone) last until "
                            "their TTL runs out.")
    return Outcome(True, [change.path for change in todo], _command_text(check_command), True, tuple(flushed), tuple(warnings))


def _done(marker: Optional[str]) -> None:
    if marker is not None:
        files.remove(marker)


# pylint: disable-next=too-many-arguments,too-many-positional-arguments
def _reload_failure(written: Sequence[FileChange], run: Runner, reload_command: Sequence[str], code: int, said: str,
                    marker: Optional[str]) -> str:
    """Put the files back, load them again, and say truthfully where that leaves the server."""
    restore(written)
    again, out, err = run(list(reload_command))
    head = f"{_command_text(reload_command)} failed (exit {code}): {said or 'no output'}. The files were put back as they were"
    if again == 0:
        _done(marker)
        return head + f", and {_command_text(reload_command)} loaded them again: the server serves its previous configuration."
    # The marker stays: whatever the server runs now, the next run reloads it.
    return head + (f", but loading them again failed too (exit {again}): {(err or out).strip() or 'no output'}. The server may be "
                   "down or not serving its configuration; check it (its service status and log) before you run again.")


def _check_failure(command: Sequence[str], code: int, out: str, err: str) -> str:
    text = "\n".join(part.strip() for part in (out, err) if part and part.strip())
    message = (f"{_command_text(command)} rejected the new configuration (exit {code}): {text or 'no output'}. Nothing was reloaded: "
               "the files were put back as they were, and the server keeps serving its previous configuration.")
    if "redefined" in text or "duplicate" in text.lower():
        message += (" An option of the flatnet include is already set in your configuration; remove yours, or set "
                    "dns_forward_restrict_clients or dns_forward_bind_dnssec_except to false and keep your own.")
    return message


def diff(changes: Sequence[FileChange]) -> List[Dict[str, str]]:
    """Ansible's diff, one entry per changed file."""
    return [{"before_header": change.path + ("" if change.before is not None else " (absent)"),
             "after_header": change.path + ("" if change.after is not None else " (absent)"),
             "before": change.before or "", "after": change.after or ""} for change in changes if change.changed]


def settings_from(params: Mapping[str, Any]) -> Settings:
    """The module's parameters as Settings, with the server's default checker and reload commands."""
    server = params["server"]
    return Settings(server=server, path=params["path"], include_in=params.get("include_in") or "",
                    options_path=params.get("options_path") or "", options_in=params.get("options_in") or "",
                    dnssec_except=bool(params.get("dnssec_except", True)), restrict_clients=bool(params.get("restrict_clients", True)),
                    check_command=tuple(params.get("check_command") or DEFAULT_CHECK[server]),
                    reload_command=tuple(params.get("reload_command") or DEFAULT_RELOAD[server]),
                    flush_command=tuple(DEFAULT_FLUSH[server] if params.get("flush_command") is None else params["flush_command"]))
