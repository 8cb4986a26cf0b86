# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The switch model on Arista EOS (arista.eos), as its resource modules' data.

eos_prefix_lists: the inbound lists. eos_route_maps: the outbound deny (it writes and reads back a bare
`route-map FLATNET-OUT deny 10`). eos_bgp_global: the peer group's declaration (`neighbor FLATNET peer group`), its
remote AS, TTL security (`ttl maximum-hops`, EOS's GTSM) and route limit, and the instance settings asked for
(router-id, `maximum-paths N ecmp N`). eos_bgp_address_family: the group's activation in each
address family. Each module gets one entry per neighbor holding all of its settings: the modules key neighbors by
address, so a second entry for the same neighbor would replace the first.

``cli`` is what no EOS module carries faithfully, as EOS configuration text indented as the running configuration
shows it (three spaces a level), sent with cli_config after eos_bgp_global and before eos_bgp_address_family:

- graceful restart (off by default on EOS): eos_bgp_global writes `graceful-restart` but reads it back as nothing;
- the group's description: eos_bgp_global reads back only a one-word description;
- its password: the module masks it in what it renders (no_log), and EOS keeps it encrypted (`password 7 ...`);
- the members: eos_bgp_global writes `neighbor <address> peer group` without the group's name, which on EOS declares
  a peer group named after the address;
- the listen range: eos_bgp_global writes `dynamic peer max  range ...`, and reads back only a `peer group` form that
  EOS does not write (`bgp listen range <prefix> peer-group FLATNET remote-as <AS>`);
- the address families' prefix list and route map: eos_bgp_address_family writes one setting per neighbor and
  family (the first of activate, prefix-list, route-map it holds, once per setting), so it carries only the
  activation, which comes last: the family is turned on once its filters are in place.

A module that cannot read a line back would send it again on every merge; cli_config compares the lines with the
running configuration instead.

IPv4 is activated explicitly as IPv6 is: EOS activates a neighbor in IPv4 unicast by itself only while the instance
keeps `bgp default ipv4-unicast`, which flatnet does not touch (no module data here carries `bgp_params`, so no
module writes a `bgp default` line).

EOS limits a peer's routes over all its address families together (`neighbor FLATNET maximum-routes N`, no limit per
family): N is the sum of the families' maximum-prefix. A prefix-list entry takes one bound (eos_prefix_lists writes
and reads back a single `ge`, `le` or `eq`): the plan's entries (`le 32` / `le 128`, or `ge N` up to the host length)
always fit; a list with an entry that needs both goes into ``cli`` whole.

The syntax is EOS 4.23 and later (`peer group` with a space; `bgp listen range` keeps `peer-group`). eos_bgp_global
marks any neighbor password it reads (its type too) as a secret of its output, and masks that text wherever it
occurs in what it returns: a type `7` (EOS's stored form) turns every 7 of its commands into asterisks.

4-byte ASNs are written asplain (EOS writes them so unless `bgp asn notation asdot` was set, an instance-wide
display setting flatnet leaves alone); the modules take the AS as a string.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, Optional

from ansible_collections.flatnet.kube.plugins.module_utils import _switch_common

COMMENT_EOS = "!"
STEP = "   "  # EOS's running configuration indents three spaces a level
_HOST = {4: 32, 6: 128}
_LIST_KEYWORD = {4: "ip", 6: "ipv6"}


def _asplain(asn: int) -> str:
    return str(asn)


def _match(entry: Mapping[str, Any], family: int) -> Optional[Dict[str, Any]]:
    """The entry's one bound as eos_prefix_lists takes it (None: the prefix itself only); KeyError when it needs both."""
    longer, shorter = entry["ge"] > entry["prefixlen"], entry["le"] < _HOST[family]
    if longer and shorter and entry["ge"] != entry["le"]:
        raise KeyError(entry["prefix"])
    if longer and shorter:
        return {"operator": "eq", "masklen": entry["le"]}
    if longer:
        return {"operator": "ge", "masklen": entry["ge"]}
    if entry["le"] > entry["prefixlen"]:
        return {"operator": "le", "masklen": entry["le"]}
    return None


def _entries(family: Mapping[str, Any]) -> Optional[List[Dict[str, Any]]]:
    written = []
    for entry in family["prefix_list"]["entries"]:
        rule: Dict[str, Any] = {"sequence": entry["seq"], "action": entry["action"], "address": entry["prefix"]}
        try:
            match = _match(entry, family["family"])
        except KeyError:
            return None
        if match:
            rule["match"] = match
        written.append(rule)
    return written


def _prefix_lists(part: Mapping[str, Any]) -> List[Dict[str, Any]]:
    written = []
    for family in part["families"]:
        entries = _entries(family)
        if entries is not None:
            written.append({"afi": family["afi"], "prefix_lists": [{"name": family["prefix_list"]["name"], "entries": entries}]})
    return written


def _prefix_lists_cli(part: Mapping[str, Any]) -> List[str]:
    """The lists eos_prefix_lists cannot carry (an entry with both bounds), as EOS writes them."""
    lines = []
    for family in part["families"]:
        if _entries(family) is None:
            lines.append("%s prefix-list %s" % (_LIST_KEYWORD[family["family"]], family["prefix_list"]["name"]))
            for entry in family["prefix_list"]["entries"]:
                bounds = "".join((" ge %d" % entry["ge"] if entry["ge"] > entry["prefixlen"] else "",
                                  " le %d" % entry["le"] if entry["le"] > entry["prefixlen"] else ""))
                lines.append("%sseq %d %s %s%s" % (STEP, entry["seq"], entry["action"], entry["prefix"], bounds))
    return lines


def _route_maps(part: Mapping[str, Any]) -> List[Dict[str, Any]]:
    out = part["route_map_out"]
    return [{"route_map": out["name"], "entries": [{"action": out["action"], "sequence": out["seq"]}]}]


def maximum_routes(part: Mapping[str, Any]) -> int:
    """The group's route limit: EOS counts a peer's routes over all its families, so the families' limits add up."""
    return sum(family["maximum_prefix"] for family in part["families"])


def _bgp_global(part: Mapping[str, Any]) -> Dict[str, Any]:
    group = part["peer_group"]
    # The declaration first: the group's other lines need it.
    neighbor: Dict[str, Any] = {"neighbor_address": group["name"], "peer_group": group["name"],
                                # iBGP: the switch's own AS (EOS has no `internal`).
                                "remote_as": _asplain(group["remote_as"])}
    if group["ttl_security_hops"]:
        neighbor["ttl"] = group["ttl_security_hops"]
    neighbor["maximum_received_routes"] = {"count": maximum_routes(part)}
    written: Dict[str, Any] = {"as_number": _asplain(part["as_number"]), "neighbor": [neighbor]}
    if part["router_id"]:
        written["router_id"] = part["router_id"]
    if part["maximum_paths"] is not None:
        # EOS's maximum-paths is the instance's, for every family and for iBGP and eBGP alike; `ecmp` the same number,
        # so that as many paths are installed as are chosen.
        written["maximum_paths"] = {"max_equal_cost_paths": part["maximum_paths"], "max_installed_ecmp_paths": part["maximum_paths"]}
    return written


def _bgp_address_family(part: Mapping[str, Any]) -> Dict[str, Any]:
    name = part["peer_group"]["name"]
    # No safi: EOS writes `address-family ipv4`, and the module reads the word after the family as the safi.
    return {"as_number": _asplain(part["as_number"]),
            "address_family": [{"afi": family["afi"], "neighbor": [{"peer": name, "activate": True}]} for family in part["families"]]}


def _password(password: str) -> str:
    # Type 0: the key as it is (EOS stores it encrypted, as `password 7 ...`); explicit, so that a key starting with
    # a digit and a space is not taken for a type.
    return "0 %s" % password


def _bgp_cli(part: Mapping[str, Any]) -> List[str]:
    group = part["peer_group"]
    name = group["name"]
    lines = ["router bgp %s" % _asplain(part["as_number"])]
    if part["graceful_restart"]:
        # Off by default on EOS; eos_bgp_global writes `graceful-restart` but does not read it back.
        lines.append("%sgraceful-restart" % STEP)
    lines.append("%sneighbor %s description %s" % (STEP, name, group["description"]))
    if group["password"]:
        lines.append("%sneighbor %s password %s" % (STEP, name, _password(group["password"])))
    if part["listen_range"]:
        lines.append("%sbgp listen range %s peer-group %s remote-as %s" % (STEP, part["listen_range"], name, _asplain(group["remote_as"])))
    lines += ["%sneighbor %s peer group %s" % (STEP, address, name) for address in part["neighbors"]]
    for family in part["families"]:
        lines += ["%s!" % STEP, "%saddress-family %s" % (STEP, family["afi"]),
                  "%sneighbor %s prefix-list %s in" % (STEP * 2, name, family["prefix_list"]["name"]),
                  "%sneighbor %s route-map %s out" % (STEP * 2, name, part["route_map_out"]["name"])]
    return lines


def resources_eos(part: Mapping[str, Any]) -> Dict[str, Any]:
    """The data of eos_prefix_lists, eos_route_maps, eos_bgp_global and eos_bgp_address_family for the part, and
    ``cli``: what they cannot carry (graceful restart, the group's description and password, its members or listen range, the families'
    prefix list and route map; see the module's docstring), as EOS configuration text indented as the running
    configuration shows it, applied after eos_bgp_global and before eos_bgp_address_family."""
    return {"prefix_lists": _prefix_lists(part), "route_maps": _route_maps(part), "bgp_global": _bgp_global(part),
            "cli": _prefix_lists_cli(part) + _bgp_cli(part), "bgp_address_family": _bgp_address_family(part)}


def removal_eos(part: Mapping[str, Any]) -> str:
    """EOS commands that take flatnet's part out: the listen range, the members, the peer group (which takes its
    address-family settings with it), then the route map and the prefix lists. The instance settings (router-id,
    graceful restart, maximum-paths) stay: after the change they are the instance's own."""
    name = part["peer_group"]["name"]
    lines = ["router bgp %s" % _asplain(part["as_number"])]
    if part["listen_range"]:
        lines.append("%sno bgp listen range %s peer-group %s" % (STEP, part["listen_range"], name))
    lines += ["%sno neighbor %s" % (STEP, address) for address in part["neighbors"]]
    lines += ["%sno neighbor %s peer group" % (STEP, name), "exit"] + _switch_common.policy_removal(part)
    return "\n".join(lines) + "\n"


# ---- the commands as the running configuration shows them -----------------------------------------------------------

_TOP = re.compile(r"(ip|ipv6) prefix-list \S+|route-map \S+ (permit|deny) \d+|router bgp \S+")


def running_config(commands: List[str]) -> str:
    """The commands indented as EOS's running configuration shows them (three spaces a level), which is what the
    arista.eos parsers read. The modules render a context line with its lines unindented after it, and `exit` after
    an address family, where the running configuration has `!` (eos_bgp_global's parser reads the instance's own
    lines again only after a `!`); the ``cli`` lines are indented already and stay as they are.
    """
    lines = []
    depth = 0  # the depth of the unindented lines that follow the current context line
    for command in commands:
        if not command.strip():
            continue
        if command[0].isspace():
            lines.append(command.rstrip())
            continue
        line = command.strip()
        if _TOP.fullmatch(line):
            level, depth = 0, 1
        elif line == "exit":
            line, level, depth = "!", 1, 1
        elif line.startswith("address-family "):
            level, depth = 1, 2
        else:
            level = depth
        lines.append(STEP * level + line)
    return "\n".join(lines) + "\n"


def outside_flatnet_contexts(part: Mapping[str, Any], commands: List[str]) -> List[str]:
    """The commands without the entries of flatnet's own prefix lists: EOS writes them as `seq ...` lines under the
    list's line (`ip prefix-list FLATNET-IN`), and they name nothing themselves."""
    own = {"%s prefix-list %s" % (_LIST_KEYWORD[family["family"]], family["prefix_list"]["name"]) for family in part["families"]}
    kept = []
    inside = False
    for command in commands:
        line = command.strip()
        if inside and line.startswith("seq "):
            continue
        inside = line in own
        kept.append(command)
    return kept
