# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The switch model on Cisco IOS / IOS-XE (cisco.ios) and Cisco NX-OS (cisco.nxos), as their resource modules' data.

IOS: ios_prefix_lists; ios_bgp_global (the group's members, the listen range, router-id and graceful restart);
ios_bgp_address_family (the group's activation, lists and maximum-prefix, and maximum-paths). ``cli`` is what no IOS
module carries faithfully, as IOS configuration text, sent before ios_bgp_global: the route map (ios_route_maps
writes an entry only with a match, set or description in it), the group's declaration (ios_bgp_global writes
`neighbor X peer-group NAME`, never `neighbor NAME peer-group`), its remote AS (a member joins a group only once the
group has one, and ios_bgp_global may order the members first), its description (ios_bgp_global reads one holding
a quote back with quotes around it), its password (ios_bgp_global masks a key in what it renders, and reads back only a key with an encryption type)
and its TTL security (ios_bgp_global cannot read `ttl-security hops N` back). A module that cannot read a line back
would send it again on every merge; cli_config compares the lines with the running configuration instead.

ios_bgp_global fills ``bgp.default`` (ipv4-unicast, route-target filter) from its argument defaults whenever ``bgp``
is given, and compares it with the device's: a difference would send `bgp default ...` or `no bgp default ...`,
instance-wide settings that change every other neighbor. The data therefore always carries them: the module's
defaults here (what it assumes of a configuration without those lines, so `rendered` adds nothing), and before a
merge the device's own values (``with_gathered_defaults_ios``), so that the merge adds nothing either.

NX-OS has no peer groups: its equivalent is the peer template (`template peer FLATNET`, nxos_bgp_templates: the
remote AS, TTL security and the address families with their lists and maximum-prefix), which the members and the
listen range (a prefix neighbor) take with `inherit peer FLATNET` (nxos_bgp_global, with the router-id);
maximum-paths is the instance's address family (nxos_bgp_address_family). ``cli`` holds the route map, graceful
restart (on by default on NX-OS; nxos_bgp_global reads back only `no graceful-restart`), the template's description
(nxos_bgp_templates reads back only a one-word description) and its password (masked by the module as on IOS).

4-byte ASNs are written asplain on both (see ``_asplain``).
"""

from __future__ import annotations

import copy
import re
from typing import Any, Dict, List, Mapping, Optional

from ansible_collections.flatnet.kube.plugins.module_utils import _switch_common

COMMENT_IOS = "!"
COMMENT_NXOS = "!"

# What ios_bgp_global takes for an instance with no `bgp default` lines (its argument defaults, and what its parser
# reads from such a configuration): the data carries exactly these, so that the module adds no line of its own.
IOS_BGP_DEFAULTS: Dict[str, Any] = {"ipv4_unicast": True, "route_target": {"filter": True}}


def _asplain(asn: int) -> str:
    # asplain: IOS and NX-OS take both forms, and write asplain unless `bgp asnotation dot` / `as-format asdot` was
    # set, an instance-wide display setting flatnet leaves alone; the modules compare the AS as the text the device
    # writes, so asplain is what stays idempotent. The modules take the AS as a string.
    return str(asn)


def _maximum_paths(part: Mapping[str, Any]) -> Optional[Dict[str, int]]:
    if part["maximum_paths"] is None:
        return None
    kind = "ibgp" if part["peer_group"]["session_type"] == "ibgp" else "paths"
    return {kind: part["maximum_paths"]}


# ---- IOS ----------------------------------------------------------------------------------------------------------

def _ios_bgp_global(part: Mapping[str, Any]) -> Dict[str, Any]:
    bgp: Dict[str, Any] = {"default": copy.deepcopy(IOS_BGP_DEFAULTS)}
    if part["router_id"]:
        bgp["router_id"] = {"address": part["router_id"]}
    if part["graceful_restart"]:
        bgp["graceful_restart"] = {"set": True}
    if part["listen_range"]:
        bgp["listen"] = {"range": {"host_with_subnet": part["listen_range"], "peer_group": part["peer_group"]["name"]}}
    neighbors = [{"neighbor_address": address, "peer_group": part["peer_group"]["name"]} for address in part["neighbors"]]
    return {"as_number": _asplain(part["as_number"]), "bgp": bgp, "neighbors": neighbors}


def _ios_address_families(part: Mapping[str, Any]) -> Dict[str, Any]:
    name = part["peer_group"]["name"]
    families = []
    for family in part["families"]:
        # Activated explicitly: IOS activates a neighbor in IPv4 unicast by itself only while the instance keeps
        # `bgp default ipv4-unicast`, which flatnet does not touch; IPv6 always needs it.
        neighbor = {"neighbor_address": name, "activate": True,
                    "prefix_lists": [{"name": family["prefix_list"]["name"], "in": True}],
                    "route_maps": [{"name": part["route_map_out"]["name"], "out": True}],
                    "maximum_prefix": {"number": family["maximum_prefix"]}}
        written: Dict[str, Any] = {"afi": family["afi"], "safi": "unicast", "neighbors": [neighbor]}
        paths = _maximum_paths(part)
        if paths:
            written["maximum_paths"] = paths
        families.append(written)
    return {"as_number": _asplain(part["as_number"]), "address_family": families}


def _password(password: str) -> str:
    # Without an encryption type the key is taken as it is (type 0), the form IOS writes it back in unless service
    # password-encryption is on; an explicit 0 only where the key itself starts like a type.
    return "0 %s" % password if re.match(r"[0-9]\s", password) else password


def _ios_cli(part: Mapping[str, Any]) -> List[str]:
    group = part["peer_group"]
    out = part["route_map_out"]
    lines = ["route-map %s %s %d" % (out["name"], out["action"], out["seq"]),
             "router bgp %s" % _asplain(part["as_number"]), " neighbor %s peer-group" % group["name"],
             # iBGP: the switch's own AS (IOS has no `internal`).
             " neighbor %s remote-as %s" % (group["name"], _asplain(group["remote_as"])),
             " neighbor %s description %s" % (group["name"], group["description"])]
    if group["password"]:
        lines.append(" neighbor %s password %s" % (group["name"], _password(group["password"])))
    if group["ttl_security_hops"]:
        lines.append(" neighbor %s ttl-security hops %d" % (group["name"], group["ttl_security_hops"]))
    return lines


def resources_ios(part: Mapping[str, Any]) -> Dict[str, Any]:
    """The data of ios_prefix_lists, ios_bgp_global and ios_bgp_address_family for the part, and ``cli``: what they
    cannot carry (the route map, the peer group's declaration, remote AS, description, password and TTL security; see
    the module's docstring), as IOS configuration text indented as the running configuration shows it, applied after
    the prefix lists and before ios_bgp_global, whose members join the group."""
    return {"prefix_lists": _switch_common.prefix_list_resources(part), "cli": _ios_cli(part),
            "bgp_global": _ios_bgp_global(part), "bgp_address_family": _ios_address_families(part)}


def with_gathered_defaults_ios(bgp_global: Mapping[str, Any], gathered: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
    """ios_bgp_global's data with the device's own ``bgp default`` values (from its gathered configuration), so that a
    merge sends no `bgp default` line: the module compares them with the device's and would send a difference.

    A device with no BGP instance has none: the module then takes its argument defaults, and so does the data.
    """
    written = copy.deepcopy(dict(bgp_global))
    default = ((gathered or {}).get("bgp") or {}).get("default")
    written.setdefault("bgp", {})["default"] = copy.deepcopy(dict(default)) if default else copy.deepcopy(IOS_BGP_DEFAULTS)
    return written


# ---- NX-OS --------------------------------------------------------------------------------------------------------

def _nxos_template(part: Mapping[str, Any]) -> Dict[str, Any]:
    group = part["peer_group"]
    written: Dict[str, Any] = {"name": group["name"], "remote_as": _asplain(group["remote_as"])}
    if group["ttl_security_hops"]:
        written["ttl_security"] = {"hops": group["ttl_security_hops"]}
    written["address_family"] = [{"afi": family["afi"], "safi": "unicast",
                                  "prefix_list": {"inbound": family["prefix_list"]["name"]},
                                  "route_map": {"outbound": part["route_map_out"]["name"]},
                                  "maximum_prefix": {"max_prefix_limit": family["maximum_prefix"]}}
                                 for family in part["families"]]
    return {"as_number": _asplain(part["as_number"]), "neighbor": [written]}


def _nxos_bgp_global(part: Mapping[str, Any]) -> Dict[str, Any]:
    name = part["peer_group"]["name"]
    written: Dict[str, Any] = {"as_number": _asplain(part["as_number"])}
    if part["router_id"]:
        written["router_id"] = part["router_id"]
    # A listen range is a prefix neighbor on NX-OS: every address in it may open a session, with the template's settings.
    peers = ([part["listen_range"]] if part["listen_range"] else []) + list(part["neighbors"])
    written["neighbors"] = [{"neighbor_address": peer, "inherit": {"peer": name}} for peer in peers]
    return written


def _nxos_bgp_address_family(part: Mapping[str, Any]) -> Dict[str, Any]:
    families = []
    if part["maximum_paths"] is not None:
        kind = "ibgp" if part["peer_group"]["session_type"] == "ibgp" else None
        paths: Dict[str, Any] = {"ibgp": {"parallel_paths": part["maximum_paths"]}} if kind else {"parallel_paths": part["maximum_paths"]}
        families = [{"afi": family["afi"], "safi": "unicast", "maximum_paths": paths} for family in part["families"]]
    return {"as_number": _asplain(part["as_number"]), "address_family": families}


def _nxos_cli(part: Mapping[str, Any]) -> List[str]:
    group = part["peer_group"]
    out = part["route_map_out"]
    lines = ["route-map %s %s %d" % (out["name"], out["action"], out["seq"]), "router bgp %s" % _asplain(part["as_number"])]
    if part["graceful_restart"]:
        # NX-OS restarts gracefully unless `no graceful-restart` was set, and nxos_bgp_global reads back only that line.
        lines.append("  graceful-restart")
    lines += ["  template peer %s" % group["name"], "    description %s" % group["description"]]
    if group["password"]:
        lines.append("    password %s" % _password(group["password"]))
    return lines


def resources_nxos(part: Mapping[str, Any]) -> Dict[str, Any]:
    """The data of nxos_prefix_lists, nxos_bgp_templates (the peer template FLATNET: NX-OS's peer group), nxos_bgp_global
    (the members and the listen range, which inherit the template, and the instance settings asked for) and
    nxos_bgp_address_family (maximum-paths) for the part, and ``cli``: the route map and the template's password, as
    NX-OS configuration text, applied after the prefix lists."""
    return {"prefix_lists": _switch_common.prefix_list_resources(part), "cli": _nxos_cli(part), "bgp_templates": _nxos_template(part),
            "bgp_global": _nxos_bgp_global(part), "bgp_address_family": _nxos_bgp_address_family(part)}


def removal_nxos(part: Mapping[str, Any]) -> str:
    """NX-OS commands that take flatnet's part out: the members, the listen range (a prefix neighbor), the peer
    template, then the route map and the prefix lists."""
    lines = ["router bgp %s" % _asplain(part["as_number"])]
    if part["listen_range"]:
        lines.append("  no neighbor %s" % part["listen_range"])
    lines += ["  no neighbor %s" % address for address in part["neighbors"]]
    lines += ["  no template peer %s" % part["peer_group"]["name"], "exit"] + _switch_common.policy_removal(part)
    return "\n".join(lines) + "\n"


# ---- the commands as the running configuration shows them -----------------------------------------------------------

_TOP = re.compile(r"(ip|ipv6) prefix-list .*|route-map \S+ (permit|deny) \d+|router bgp .*")
_PEER = re.compile(r"(template peer|neighbor) \S+")


def running_config(commands: List[str], platform: str) -> str:
    """The commands (as the modules render them: one context line, then its lines unindented) indented as ``platform``'s
    running configuration shows them, which is what the vendor's parsers read: IOS one space a level, NX-OS two.

    Each module's output starts with its `router bgp` line, so a context is always entered before its lines.
    """
    step = " " if platform == "ios" else "  "
    lines = []
    depth = 0  # the depth of the lines that follow the current context line
    in_peer = False  # NX-OS: inside a `template peer` or `neighbor` (an address family there is one level deeper)
    for command in commands:
        line = command.strip()
        if not line:
            continue
        if _TOP.fullmatch(line):
            level, depth, in_peer = 0, 1, False
        elif line == "exit-address-family":
            level, depth = 1, 1
        elif line.startswith("address-family "):
            level = 2 if in_peer else 1
            depth = level + 1
        elif platform == "nxos" and _PEER.fullmatch(line):
            level, depth, in_peer = 1, 2, True
        else:
            level = depth
        lines.append(step * level + line)
    return "\n".join(lines) + "\n"


def outside_flatnet_contexts(part: Mapping[str, Any], commands: List[str]) -> List[str]:
    """The commands without the lines inside flatnet's own NX-OS contexts (`template peer FLATNET`, `neighbor <member>`
    or the listen range's prefix neighbor, and the address families in them): those lines (remote-as, description,
    maximum-prefix...) name nothing, but they belong to flatnet's template or neighbors, whose context line stays."""
    own = {"template peer %s" % part["peer_group"]["name"]} | {"neighbor %s" % peer for peer in list(part["neighbors"]) + (
        [part["listen_range"]] if part["listen_range"] else [])}
    kept = []
    inside = False
    for command in commands:
        line = command.strip()
        if _TOP.fullmatch(line) or _PEER.fullmatch(line):
            inside = line in own
            kept.append(command)
        elif not inside:
            kept.append(command)
    return kept
