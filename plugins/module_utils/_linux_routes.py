# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Static routes of a Linux host through iproute2: read, compare, apply, persist.

This is the logic of the linux_route module. It runs on the managed host.
The kernel keeps one route per slot: family, table, destination and metric
(IPv4 also has TOS, which flatnet.kube never sets). ``ip route replace``
writes a slot, so a wanted route either already sits in its slot, or one
replace puts it there.

Routes are read with ``ip -N -j route show table T``: JSON, and numeric
protocols, because names are ambiguous (FRR's rt_protos.d names protocol
196 ``static`` too). Names the user gives are resolved the way iproute2
does: from its rt_protos and rt_tables files, lowest number first.

Every ip command goes through a runner (``module.run_command`` in the
module, a fake in unit tests). Bad input and failed commands raise
FlatnetError with a message that names the setting.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import shlex
from typing import Any, Callable, Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

from ansible_collections.flatnet.kube.plugins.module_utils import _files as files
from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError
from ansible_collections.flatnet.kube.plugins.module_utils import _netmath as netmath

Runner = Callable[[List[str]], Tuple[int, str, str]]
Names = Dict[int, str]

# iproute2's compiled-in names; its files add to them.
PROTOCOLS: Names = {
    0: "unspec", 1: "redirect", 2: "kernel", 3: "boot", 4: "static", 8: "gated", 9: "ra", 10: "mrt", 11: "zebra",
    12: "bird", 13: "dnrouted", 14: "xorp", 15: "ntk", 16: "dhcp", 18: "keepalived", 42: "babel", 99: "openr",
    186: "bgp", 187: "isis", 188: "ospf", 189: "rip", 192: "eigrp",
}
TABLES: Names = {0: "unspec", 253: "default", 254: "main", 255: "local"}
# Where iproute2 looks for its name files, oldest layout first; later files win for the same number.
CONF_DIRS = ("/usr/lib/iproute2", "/usr/share/iproute2", "/etc/iproute2")

BOOT = 3
MAIN = 254
DEFAULT_METRIC = {4: 0, 6: 1024}
MAX_TABLE = 4294967295
MAX_METRIC = 4294967295
# Protocols the kernel sets on routes it makes itself: purging them would cut the host off.
KERNEL_PROTOCOLS = (0, 1, 2)
UNREACHABLE = ("Nexthop has invalid gateway", "Network is unreachable", "No route to host")
NETWORKD_PROTOCOLS = ("kernel", "boot", "static", "ra", "dhcp")

PERSIST_STYLES = ("none", "networkd", "ifupdown", "script")
PERSIST_PATHS = {
    "networkd": "/etc/systemd/network/{interface}.network.d/flatnet-routes.conf",
    "ifupdown": "/etc/network/interfaces.d/flatnet-routes",
    "script": "/usr/local/sbin/flatnet-routes",
}
PERSIST_MODES = {"networkd": 0o644, "ifupdown": 0o644, "script": 0o755}
HEADER = "Routes of flatnet.kube.linux_route. Ansible rewrites this file; change the play, not the file."

_IFNAME = re.compile(r"[A-Za-z0-9_.@+-]{1,15}")
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]*")
_DIGITS = re.compile(r"[0-9]+")
_SCRIPT_LINE = re.compile(r"^\s*(?:up\s+)?ip\s+(?:-[46]\s+)?route\s+replace\s+(.+)$")


class Route(NamedTuple):
    """One route, wanted (from the options or a persisted file) or read from the kernel."""

    family: int
    dest: str
    via: Optional[str] = None
    dev: Optional[str] = None
    metric: Optional[int] = None
    table: str = "main"
    table_id: Union[int, str] = MAIN
    proto: str = "static"
    proto_id: Optional[int] = 4
    kind: str = "unicast"
    nexthops: Tuple[Tuple[Optional[str], Optional[str]], ...] = ()


class Host:
    """How the logic reaches the host: the ip command through a runner, and iproute2's name files."""

    def __init__(self, run: Runner, ip: str = "ip", conf_dirs: Sequence[str] = CONF_DIRS) -> None:
        self.run = run
        self.ip = ip
        self.conf_dirs = tuple(conf_dirs)
        self.numeric = True
        self._names: Optional[Tuple[Names, Names]] = None

    def names(self) -> Tuple[Names, Names]:
        """The protocol and table names of this host, read once."""
        if self._names is None:
            self._names = (load_names(PROTOCOLS, "rt_protos", self.conf_dirs), load_names(TABLES, "rt_tables", self.conf_dirs))
        return self._names


# --- names of protocols and tables ---


def _read(path: str) -> Optional[str]:
    """The text of a file, or None when it does not exist."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def _parse_names(text: str, names: Names) -> None:
    """Add the 'number name' lines of an iproute2 name file to *names*."""
    for line in text.splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) < 2:
            continue
        try:
            number = int(fields[0], 0)
        except ValueError:
            continue
        names[number] = fields[1]


def load_names(builtin: Names, base: str, conf_dirs: Sequence[str]) -> Names:
    """iproute2's number -> name table: built-in names, then each file and its .d directory."""
    names = dict(builtin)
    for directory in conf_dirs:
        text = _read(os.path.join(directory, base))
        if text is not None:
            _parse_names(text, names)
        folder = os.path.join(directory, base + ".d")
        if os.path.isdir(folder):
            for entry in sorted(os.listdir(folder)):
                if entry.endswith(".conf"):
                    _parse_names(_read(os.path.join(folder, entry)) or "", names)
    return names


def name_to_id(names: Names, text: str) -> Optional[int]:
    """A number or a name as iproute2 reads it (the lowest number with that name); None if unknown."""
    if _DIGITS.fullmatch(text):
        return int(text)
    matches = [number for number, name in names.items() if name == text]
    return min(matches) if matches else None


def id_to_name(names: Names, number: int) -> str:
    """The name that means *number* both ways, else the number itself."""
    name = names.get(number)
    if name is not None and name_to_id(names, name) == number:
        return name
    return str(number)


# --- wanted routes ---


def _next_hop(value: Any, dev: Optional[str], name: str) -> str:
    """Validate a next hop; IPv6 link-local next hops are fine when the interface is named."""
    try:
        return str(ipaddress.ip_address(str(netmath.parse_address(value, name))))
    except FlatnetError as error:
        problem = error
    try:
        address = ipaddress.ip_address(str(value).strip())
    except ValueError:
        raise problem from None
    if address.version != 6 or not address.is_link_local:
        raise problem
    if dev is None:
        raise FlatnetError(f"{name}: {value!r} is an IPv6 link-local address; a link-local next hop needs dev, "
                           "the interface it is reached through")
    return str(address)


def _check_dev(value: Any, name: str) -> str:
    text = str(value)
    if not _IFNAME.fullmatch(text) or text in (".", ".."):
        raise FlatnetError(f"{name}: {value!r} is not an interface name. Linux names are 1 to 15 characters "
                           "of letters, digits and _ . @ + -, e.g. 'eth1' or 'bond0.21'.")
    return text


def _check_metric(value: Any, name: str) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_METRIC:
        raise FlatnetError(f"{name}: {value!r} is not a route metric; use a whole number from 0 to {MAX_METRIC}.")
    return value


def _check_table(value: Any, name: str, tables: Names) -> Tuple[str, Union[int, str]]:
    text = str(value).strip()
    number = name_to_id(tables, text)
    if number is None:
        if _NAME.fullmatch(text):
            raise FlatnetError(f"{name}: {text!r} is not a routing table of this host. Use a number from 1 to "
                               f"{MAX_TABLE}, main, or a name listed in /etc/iproute2/rt_tables.")
        raise FlatnetError(f"{name}: {value!r} is not a routing table; use a number from 1 to {MAX_TABLE} or a name such as main.")
    if not 1 <= number <= MAX_TABLE:
        raise FlatnetError(f"{name}: {value!r} is not a routing table to write to; use a number from 1 to {MAX_TABLE} or main.")
    return text, number


def _check_proto(value: Any, name: str, protocols: Names) -> Tuple[str, int]:
    text = str(value).strip()
    number = name_to_id(protocols, text)
    if number is None or not 0 <= number <= 255:
        raise FlatnetError(f"{name}: {value!r} is not a routing protocol of this host. Use a number from 3 to 255, "
                           "static, or a name listed in /etc/iproute2/rt_protos.")
    if number in KERNEL_PROTOCOLS:
        raise FlatnetError(f"{name}: {value!r} marks routes the kernel makes itself; use static (the default) "
                           "or a number of your own such as 250.")
    return text, number


def make_route(item: Mapping[str, Any], name: str, names: Tuple[Names, Names], need_next_hop: bool = True) -> Route:
    """Validate one route given as dest, via, dev, metric, table and proto; *name* prefixes the messages."""
    protocols, tables = names
    network = netmath.parse_cidr(item.get("dest"), f"{name}.dest")
    dev = None if item.get("dev") in (None, "") else _check_dev(item["dev"], f"{name}.dev")
    via = None
    if item.get("via") not in (None, ""):
        via = _next_hop(item["via"], dev, f"{name}.via")
        version = ipaddress.ip_address(via).version
        if version != network.version:
            raise FlatnetError(f"{name}.via: {item['via']!r} is an IPv{version} address but {name}.dest {str(network)!r} is "
                               f"IPv{network.version}; give a next hop of the same family (IPv4 routes via IPv6 next hops "
                               "are not supported).")
    if need_next_hop and via is None and dev is None:
        raise FlatnetError(f"{name}: a route needs via (the next hop), dev (the interface) or both; "
                           f"{str(network)!r} has neither.")
    table, table_id = _check_table(item.get("table") if item.get("table") is not None else "main", f"{name}.table", tables)
    proto, proto_id = _check_proto(item.get("proto") if item.get("proto") is not None else "static", f"{name}.proto", protocols)
    return Route(network.version, _network(str(network)), via, dev, _check_metric(item.get("metric"), f"{name}.metric"),
                 table, table_id, proto, proto_id)


def wanted_routes(items: Sequence[Mapping[str, Any]], names: Tuple[Names, Names], need_next_hop: bool = True) -> List[Route]:
    """The routes of the routes option, validated; two routes for one slot are refused."""
    routes: List[Route] = []
    seen: Dict[Tuple[Any, ...], int] = {}
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise FlatnetError(f"routes[{index}]: {item!r} is not a route; give a dictionary with dest and via or dev.")
        route = make_route(item, f"routes[{index}]", names, need_next_hop)
        key = slot(route)
        if key in seen:
            raise FlatnetError(f"routes[{index}]: {route.dest} has the same dest, metric and table as routes[{seen[key]}]; "
                               "the kernel keeps one route per destination and metric, so merge them or give one another metric.")
        seen[key] = index
        routes.append(route)
    return routes


# --- routes the kernel has ---


def _network(text: str) -> str:
    return str(ipaddress.ip_network(text, strict=False))


def _address(text: Optional[str]) -> Optional[str]:
    return None if text is None else str(ipaddress.ip_address(text))


def _current_route(entry: Mapping[str, Any], family: int, table: str, table_id: Union[int, str], protocols: Names) -> Route:
    """One entry of ip -j route output as a Route."""
    dst = str(entry.get("dst", "default"))
    dest = ("0.0.0.0/0" if family == 4 else "::/0") if dst == "default" else _network(dst)
    proto_text = str(entry.get("protocol", BOOT))
    proto_id = name_to_id(protocols, proto_text)
    metric = entry.get("metric")
    nexthops = tuple((_address(hop.get("gateway")), hop.get("dev")) for hop in entry.get("nexthops") or ())
    return Route(family, dest, _address(entry.get("gateway")), entry.get("dev"),
                 int(metric) if metric is not None else DEFAULT_METRIC[family], table, table_id,
                 id_to_name(protocols, proto_id) if proto_id is not None else proto_text, proto_id,
                 str(entry.get("type", "unicast")), nexthops)


def parse_routes(text: str, family: int, table: str, table_id: Union[int, str], protocols: Names) -> List[Route]:
    """The routes in the output of ``ip -j route show table T`` for one family."""
    text = text.strip()
    if not text:
        return []
    try:
        entries = json.loads(text)
    except ValueError:
        raise FlatnetError("ip printed routes that are not JSON; this module needs iproute2 4.17 or later "
                           f"(for ip -j): {text[:80]!r}") from None
    if not isinstance(entries, list):
        raise FlatnetError(f"ip printed JSON that is not a list of routes: {text[:80]!r}")
    return [_current_route(entry, family, table, table_id, protocols) for entry in entries if isinstance(entry, Mapping)]


def _ip(host: Host, argv: List[str]) -> Tuple[int, str, str]:
    return host.run([host.ip] + argv)


def read_routes(host: Host, family: int, table: str, table_id: Union[int, str]) -> List[Route]:
    """The routes of one table and family; a table that does not exist yet is empty."""
    while True:
        flags = ["-N", "-j"] if host.numeric else ["-j"]
        argv = flags + [f"-{family}", "route", "show", "table", table]
        rc, out, err = _ip(host, argv)
        if rc != 0 and host.numeric and '"-N"' in err:
            host.numeric = False
            continue
        break
    if rc != 0:
        if "table does not exist" in err or "Address family not supported" in err:
            return []
        if '"-j"' in err or '"-json"' in err:
            raise FlatnetError("ip on this host has no JSON output (ip -j); install iproute2 4.17 or later")
        raise FlatnetError(f"'{' '.join(['ip'] + argv)}' failed: {(err or out).strip()}")
    return parse_routes(out, family, table, table_id, host.names()[0])


# --- comparing ---


def effective_metric(route: Route) -> int:
    """The metric the kernel files a route under: IPv6 makes 0 and no metric into 1024."""
    if route.metric is None or (route.family == 6 and route.metric == 0):
        return DEFAULT_METRIC[route.family]
    return route.metric


def slot(route: Route) -> Tuple[Any, ...]:
    """What identifies a route to the kernel: family, table, destination and metric."""
    return (route.family, route.table_id, route.dest, effective_metric(route))


def satisfies(current: Route, wanted: Route, any_next_hop: bool = False) -> bool:
    """Whether a kernel route is the wanted one (with any_next_hop, a missing via or dev matches anything)."""
    if slot(current) != slot(wanted) or current.kind != "unicast" or current.proto_id != wanted.proto_id:
        return False
    if wanted.dev is not None and current.dev != wanted.dev:
        return False
    if wanted.via is None and any_next_hop:
        return True
    return not current.nexthops and current.via == wanted.via


def _sort_key(route: Route) -> Tuple[Any, ...]:
    network = ipaddress.ip_network(route.dest)
    return (route.family, str(route.table_id), int(network.network_address), network.prefixlen, effective_metric(route))


def route_line(route: Route) -> str:
    """A route as ip route shows it, e.g. '10.233.0.0/17 via 10.200.21.1 dev eth1 proto static'."""
    words = [route.dest]
    if route.kind != "unicast":
        words.insert(0, route.kind)
    for via, dev in route.nexthops:
        words += ["nexthop"] + (["via", via] if via else []) + (["dev", dev] if dev else [])
    if route.via:
        words += ["via", route.via]
    if route.dev:
        words += ["dev", route.dev]
    words += ["proto", route.proto]
    if route.metric is not None and effective_metric(route) != DEFAULT_METRIC[route.family]:
        words += ["metric", str(route.metric)]
    if route.table_id != MAIN:
        words += ["table", route.table]
    return " ".join(words)


def route_dict(route: Route) -> Dict[str, Any]:
    """A route as the module returns it, in the shape of the routes option."""
    return {"dest": route.dest, "via": route.via, "dev": route.dev, "metric": route.metric, "table": route.table,
            "proto": route.proto}


class Plan(NamedTuple):
    """What to change: routes to write, routes to delete, and the routes concerned before and after."""

    add: List[Route]
    remove: List[Route]
    before: List[Route]
    after: List[Route]


def within(route: Route, scope: Sequence[str]) -> bool:
    """Whether a route's destination lies inside one of the ranges of ``scope`` (every range when scope is empty)."""
    if not scope:
        return True
    try:
        dest = ipaddress.ip_network(route.dest if route.dest != "default" else ("0.0.0.0/0" if route.family == 4 else "::/0"))
    except ValueError:
        return False
    return any(dest.version == net.version and dest.subnet_of(net) for net in (ipaddress.ip_network(text) for text in scope))


# pylint: disable-next=too-many-arguments,too-many-positional-arguments
def plan(wanted: Sequence[Route], current: Sequence[Route], state: str, purge: bool, scope: Sequence[str] = ()) -> Plan:
    """Compare the wanted routes with the kernel's.

    present: each wanted route missing from its slot is written. With purge,
    unicast routes of the same family, table and protocol as a wanted route
    whose slots hold no wanted route are deleted, when their destination lies
    inside ``scope`` (any, when it is empty): a default route or a route
    outside the ranges is never purged.
    absent: kernel routes that satisfy a wanted route (a missing via or dev
    matching any) are deleted.
    """
    add: List[Route] = []
    remove: List[Route] = []
    before: List[Route] = []
    after: List[Route] = []
    slots = {slot(route) for route in wanted}
    for route in wanted:
        in_slot = [item for item in current if slot(item) == slot(route)]
        before += in_slot
        if state == "absent":
            gone = [item for item in in_slot if satisfies(item, route, any_next_hop=True)]
            remove += gone
            after += [item for item in in_slot if item not in gone]
        elif any(satisfies(item, route) for item in in_slot):
            after += in_slot
        else:
            add.append(route)
            after += in_slot[1:] + [route]
    if state == "present" and purge:
        scopes = {(route.family, route.table_id, route.proto_id) for route in wanted}
        for item in current:
            if (item.kind == "unicast" and (item.family, item.table_id, item.proto_id) in scopes and slot(item) not in slots
                    and within(item, scope)):
                remove.append(item)
                before.append(item)
    return Plan(add, remove, sorted(before, key=_sort_key), sorted(after, key=_sort_key))


# --- commands ---


def replace_command(route: Route) -> List[str]:
    """The ip command that writes a route into its slot."""
    argv = [f"-{route.family}", "route", "replace", route.dest]
    if route.via:
        argv += ["via", route.via]
    if route.dev:
        argv += ["dev", route.dev]
    if route.metric is not None:
        argv += ["metric", str(route.metric)]
    if route.table_id != MAIN:
        argv += ["table", route.table]
    return argv + ["proto", route.proto]


def delete_command(route: Route) -> List[str]:
    """The ip command that deletes exactly this kernel route."""
    argv = [f"-{route.family}", "route", "del", route.dest]
    if route.via and not route.nexthops:
        argv += ["via", route.via]
    if route.dev and not route.nexthops:
        argv += ["dev", route.dev]
    argv += ["metric", str(effective_metric(route))]
    if route.table_id != MAIN:
        argv += ["table", route.table]
    return argv + ["proto", str(route.proto_id) if route.proto_id is not None else route.proto]


def shown(argv: Sequence[str]) -> str:
    """A command as a person would type it."""
    return " ".join(shlex.quote(word) for word in ["ip"] + list(argv))


def _replace_error(route: Route, name: str, err: str, argv: List[str]) -> FlatnetError:
    said = err.strip()
    if route.via and any(text in said for text in UNREACHABLE):
        return FlatnetError(f"{name}.via {route.via} is not on a connected network of this host; add the transit link first "
                            f"(ip said: {said})")
    if route.dev and ("Cannot find device" in said or "No such device" in said):
        return FlatnetError(f"{name}.dev {route.dev} is not an interface of this host (ip said: {said})")
    return FlatnetError(f"{name}: '{shown(argv)}' failed: {said}")


def apply(host: Host, changes: Plan, wanted: Sequence[Route]) -> None:
    """Run the plan: writes first (so traffic keeps a route), then deletes. A route already gone is fine."""
    for route in changes.add:
        argv = replace_command(route)
        rc, out, err = _ip(host, argv)
        if rc != 0:
            raise _replace_error(route, f"routes[{list(wanted).index(route)}]", err or out, argv)
    for route in changes.remove:
        argv = delete_command(route)
        rc, out, err = _ip(host, argv)
        if rc != 0 and "No such process" not in err:
            raise FlatnetError(f"'{shown(argv)}' failed: {(err or out).strip()}")


# --- persistence ---


def persist_path(style: str, path: Optional[str], interface: Optional[str]) -> str:
    """The file a persistence style writes: the given path, or the style's usual place."""
    if style in ("networkd", "ifupdown") and not interface:
        raise FlatnetError(f"persist_interface: persist={style} needs the interface the routes leave through, e.g. 'eth1'.")
    if interface:
        _check_dev(interface, "persist_interface")
    return path or PERSIST_PATHS[style].format(interface=interface)


def check_persistable(style: str, interface: Optional[str], routes: Sequence[Route]) -> None:
    """Routes in a networkd or ifupdown file belong to its interface, and networkd knows few protocol names."""
    for index, route in enumerate(routes):
        if style in ("networkd", "ifupdown") and route.dev not in (None, interface):
            raise FlatnetError(f"routes[{index}].dev: {route.dev!r} is not persist_interface {interface!r}; the {style} file "
                               "holds the routes of one interface, so call the module once per interface.")


def _networkd_proto(route: Route) -> str:
    return route.proto if route.proto in NETWORKD_PROTOCOLS else str(route.proto_id)


def _networkd_table(route: Route) -> str:
    return TABLES.get(route.table_id, str(route.table_id)) if isinstance(route.table_id, int) else route.table


def render(style: str, routes: Sequence[Route], interface: Optional[str]) -> str:
    """The text of a persistence file that holds *routes*."""
    if style == "script":
        lines = ["#!/bin/sh", f"# {HEADER}",
                 "# Run it once the links are up, e.g. from a oneshot systemd unit ordered after network-online.target.",
                 "set -e"]
        lines += [shown(replace_command(route)) for route in routes]
    elif style == "ifupdown":
        lines = [f"# {HEADER}",
                 f"# ifup runs the up lines once {interface} is up; /etc/network/interfaces must source interfaces.d.",
                 f"iface {interface} inet manual"]
        lines += [f"    up {shown(replace_command(route))}" for route in routes]
    else:
        lines = [f"# {HEADER}",
                 "# systemd-networkd reads it at boot or on 'networkctl reload'."]
        for route in routes:
            lines += ["", "[Route]", f"Destination={route.dest}"]
            if route.via:
                lines.append(f"Gateway={route.via}")
            if route.metric is not None:
                lines.append(f"Metric={route.metric}")
            if route.table_id != MAIN:
                lines.append(f"Table={_networkd_table(route)}")
            lines.append(f"Protocol={_networkd_proto(route)}")
    return "\n".join(lines) + "\n"


def _command_fields(words: List[str]) -> Dict[str, Any]:
    fields: Dict[str, Any] = {"dest": words[0]}
    for key, value in zip(words[1::2], words[2::2]):
        if key in ("via", "dev", "table", "proto"):
            fields[key] = value
        elif key == "metric":
            fields[key] = int(value) if _DIGITS.fullmatch(value) else value
    return fields


def _networkd_fields(section: List[str]) -> Dict[str, Any]:
    keys = {"Destination": "dest", "Gateway": "via", "Table": "table", "Protocol": "proto", "Metric": "metric"}
    fields: Dict[str, Any] = {}
    for line in section:
        key, _sep, value = line.partition("=")
        if key.strip() in keys:
            value = value.strip()
            fields[keys[key.strip()]] = int(value) if key.strip() == "Metric" and _DIGITS.fullmatch(value) else value
    return fields


def parse_persisted(style: str, text: str, path: str, names: Tuple[Names, Names], interface: Optional[str] = None) -> List[Route]:
    """The routes in a file this module wrote (other lines are not kept); a networkd route is on *interface*."""
    found: List[Tuple[int, Dict[str, Any]]] = []
    if style == "networkd":
        section: Optional[List[str]] = None
        start = 0
        for number, line in enumerate(text.splitlines() + ["[End]"], 1):
            if line.strip().startswith("["):
                if section is not None:
                    found.append((start, dict(_networkd_fields(section), dev=interface)))
                section, start = ([], number) if line.strip() == "[Route]" else (None, number)
            elif section is not None:
                section.append(line)
    else:
        for number, line in enumerate(text.splitlines(), 1):
            match = _SCRIPT_LINE.match(line)
            if match:
                found.append((number, _command_fields(shlex.split(match.group(1)))))
    return [make_route(fields, f"{path} line {number}", names, need_next_hop=False) for number, fields in found]


# pylint: disable-next=too-many-arguments,too-many-positional-arguments
def persisted_routes(style: str, existing: Sequence[Route], wanted: Sequence[Route], state: str, purge: bool,
                     scope: Sequence[str] = ()) -> List[Route]:
    """The routes the file should hold: the same change as in the kernel, slot by slot."""
    if state == "present" and purge:
        # Purged inside the scope only, as in the kernel; a route of the file outside it stays.
        wanted_slots = {slot(route) for route in wanted}
        return [route for route in existing if not within(route, scope) and slot(route) not in wanted_slots] + list(wanted)
    by_slot = {slot(route): route for route in wanted}
    if state == "absent":
        return [route for route in existing if slot(route) not in by_slot]
    kept = [by_slot.get(slot(route), route) for route in existing]
    kept_slots = {slot(route) for route in kept}
    return kept + [route for route in wanted if slot(route) not in kept_slots]


def write_file(path: str, text: str, mode: int) -> None:
    """Write a file in one step, creating its directory."""
    os.makedirs(os.path.dirname(path) or ".", mode=0o755, exist_ok=True)
    files.replace(path, text, mode)


def persist(host: Host, params: Mapping[str, Any], wanted: Sequence[Route], check_mode: bool, path: str) -> Dict[str, Any]:
    """Bring the persistence file (its path and routes already checked) in line; returns changed, path and the file's diff."""
    style = params["persist"]
    interface = params.get("persist_interface")
    before = _read(path)
    existing = parse_persisted(style, before, path, host.names(), interface) if before else []
    routes = persisted_routes(style, existing, wanted, params["state"], params.get("purge", False), params.get("purge_within") or ())
    after = render(style, routes, interface) if routes else None
    changed = after != before
    if changed and not check_mode:
        if after is None:
            os.unlink(path)
        else:
            write_file(path, after, PERSIST_MODES[style])
    return {"changed": changed, "path": path,
            "diff": {"before_header": path, "after_header": path, "before": before or "", "after": after or ""}}


# --- the module's action ---


def purge_scope(ranges: Sequence[Any]) -> List[str]:
    """The purge_within ranges, each checked as a CIDR."""
    return [str(netmath.parse_cidr(value, name="purge_within[%d]" % index)) for index, value in enumerate(ranges)]


def _lines(routes: Iterable[Route]) -> str:
    return "".join(route_line(route) + "\n" for route in routes)


def manage(host: Host, params: Mapping[str, Any], check_mode: bool = False) -> Dict[str, Any]:
    """Read, compare, apply (unless check_mode) and persist; the module's result."""
    state = params.get("state", "present")
    wanted = wanted_routes(params.get("routes") or [], host.names(), need_next_hop=state == "present")
    path = None
    if params.get("persist", "none") != "none":
        # Checked before the kernel is touched.
        path = persist_path(params["persist"], params.get("persist_path"), params.get("persist_interface"))
        check_persistable(params["persist"], params.get("persist_interface"), wanted)
    current: List[Route] = []
    for family, table, table_id in sorted({(route.family, route.table, route.table_id) for route in wanted}, key=str):
        current += read_routes(host, family, table, table_id)
    scope = purge_scope(params.get("purge_within") or [])
    changes = plan(wanted, current, state, bool(params.get("purge")), scope)
    commands = [shown(replace_command(route)) for route in changes.add] + [shown(delete_command(route)) for route in changes.remove]
    if not check_mode:
        apply(host, changes, wanted)
    result: Dict[str, Any] = {
        "changed": bool(commands),
        "routes_added": [route_dict(route) for route in changes.add],
        "routes_removed": [route_dict(route) for route in changes.remove],
        "commands": commands,
        "diff": [{"before_header": "routes", "after_header": "routes", "before": _lines(changes.before), "after": _lines(changes.after)}],
    }
    if path is not None:
        saved = persist(host, params, wanted, check_mode, path)
        result["changed"] = result["changed"] or saved["changed"]
        result["persist_path"] = saved["path"]
        result["diff"].append(saved["diff"])
    return result
