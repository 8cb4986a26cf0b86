# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The switch model on Junos: set commands for review and apply, and the data of the Junos resource modules.

Junos writes the part as ``set`` commands (what a network engineer pastes, and what junos_config loads with
``format: set``). The resource modules render NETCONF XML, not set commands, and two of the statements flatnet
needs are lost on their way (the group's ``import`` list is written as its Python text, ``multipath`` is never
written), so they only carry the same data for a round trip through the vendor's own parser; the commands are the
part. Junos has no route-map: the inbound policy-statement accepts the prefix lists' ranges (each prefix and the
longer ones, down to the entry's ``le``) and rejects the rest, the outbound one rejects everything.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping

COMMENT_JUNOS = "#"
_FAMILY = {4: "inet", 6: "inet6"}
_ACTION = {"permit": "accept", "deny": "reject"}


def _quoted(text: str) -> str:
    """A Junos string argument: double quotes, with its own quotes and backslashes escaped."""
    return '"%s"' % text.replace("\\", "\\\\").replace('"', '\\"')


def _host_length(family: Mapping[str, Any]) -> int:
    return 32 if family["family"] == 4 else 128


def _to_host_routes(family: Mapping[str, Any], entry: Mapping[str, Any]) -> bool:
    """Whether the entry is its prefix and every longer one, which a prefix list with ``orlonger`` says exactly."""
    return entry["ge"] == entry["prefixlen"] and entry["le"] == _host_length(family)


def _listed(family: Mapping[str, Any]) -> List[Mapping[str, Any]]:
    return [entry for entry in family["prefix_list"]["entries"] if entry["action"] == "permit" and _to_host_routes(family, entry)]


def _ranged(family: Mapping[str, Any]) -> List[Mapping[str, Any]]:
    return [entry for entry in family["prefix_list"]["entries"] if entry not in _listed(family)]


def import_policy_name(part: Mapping[str, Any]) -> str:
    """The inbound policy-statement: named as the first family's prefix list (Junos keeps lists and policies apart)."""
    return part["families"][0]["prefix_list"]["name"]


def _policy_commands(part: Mapping[str, Any]) -> List[str]:
    policy = "set policy-options policy-statement %s" % import_policy_name(part)
    lines = []
    for family in part["families"]:
        for entry in _listed(family):
            lines.append("set policy-options prefix-list %s %s" % (family["prefix_list"]["name"], entry["prefix"]))
    for family in part["families"]:
        if _listed(family):
            lines.append("%s term accept from prefix-list-filter %s orlonger" % (policy, family["prefix_list"]["name"]))
    # An entry that does not reach the host routes (or denies) needs its own length range: a route-filter says it.
    for family in part["families"]:
        for entry in _ranged(family):
            lines.append("%s term %s from route-filter %s prefix-length-range /%d-/%d" % (
                policy, "accept-ranges" if entry["action"] == "permit" else "reject-ranges", entry["prefix"], entry["ge"], entry["le"]))
            lines.append("%s term %s then %s" % (policy, "accept-ranges" if entry["action"] == "permit" else "reject-ranges",
                                                 _ACTION[entry["action"]]))
    if any(_listed(family) for family in part["families"]):
        lines.append("%s term accept then accept" % policy)
    lines.append("%s term reject then reject" % policy)
    out = part["route_map_out"]
    lines.append("set policy-options policy-statement %s then %s" % (out["name"], _ACTION[out["action"]]))
    return sorted(set(lines), key=lines.index)


def _instance_commands(part: Mapping[str, Any]) -> List[str]:
    # routing-options is instance-wide: only what the model asks for. The local AS (routing-options
    # autonomous-system) is the switch's own and is never set here.
    lines = []
    if part["router_id"]:
        lines.append("set routing-options router-id %s" % part["router_id"])
    if part["graceful_restart"]:
        lines.append("set routing-options graceful-restart")
    return lines


def _group_commands(part: Mapping[str, Any]) -> List[str]:
    group = part["peer_group"]
    prefix = "set protocols bgp group %s" % group["name"]
    # AS numbers in asplain: Junos always accepts it, whatever its asdot-notation display setting.
    lines = ["%s type %s" % (prefix, "internal" if group["session_type"] == "ibgp" else "external"),
             "%s peer-as %d" % (prefix, group["remote_as"]),
             "%s description %s" % (prefix, _quoted(group["description"]))]
    if group["password"]:
        lines.append("%s authentication-key %s" % (prefix, _quoted(group["password"])))
    lines += ["%s import %s" % (prefix, import_policy_name(part)), "%s export %s" % (prefix, part["route_map_out"]["name"])]
    # Junos multipath takes no count: it spreads over every equal path (all nodes share one AS, so not multiple-as).
    if part["maximum_paths"] is not None and part["maximum_paths"] > 1:
        lines.append("%s multipath" % prefix)
    for family in part["families"]:
        # Without teardown, Junos only logs when the limit is passed; the other platforms close the session.
        lines += ["%s family %s unicast prefix-limit maximum %d" % (prefix, _FAMILY[family["family"]], family["maximum_prefix"]),
                  "%s family %s unicast prefix-limit teardown" % (prefix, _FAMILY[family["family"]])]
    if part["listen_range"]:
        lines.append("%s allow %s" % (prefix, part["listen_range"]))
    lines += ["%s neighbor %s" % (prefix, address) for address in part["neighbors"]]
    return lines


def commands_junos(part: Mapping[str, Any]) -> List[str]:
    """flatnet's part as Junos set commands, in the order they load: lists and policies, instance settings, group."""
    return _policy_commands(part) + _instance_commands(part) + _group_commands(part)


def _prefix_lists(part: Mapping[str, Any]) -> List[Dict[str, Any]]:
    return [{"name": family["prefix_list"]["name"], "address_prefixes": [entry["prefix"] for entry in _listed(family)]}
            for family in part["families"] if _listed(family)]


def _bgp_global(part: Mapping[str, Any]) -> Dict[str, Any]:
    group = part["peer_group"]
    written: Dict[str, Any] = {"name": group["name"], "type": "internal" if group["session_type"] == "ibgp" else "external",
                               # The module keeps an AS as a string.
                               "peer_as": str(group["remote_as"]), "description": group["description"],
                               "export": part["route_map_out"]["name"]}
    # No authentication_key: the module masks it in what it renders and parses (its argument is no_log), so it cannot
    # come back; the key is in the set commands only.
    if part["listen_range"]:
        written["allow"] = [part["listen_range"]]
    if part["neighbors"]:
        written["neighbors"] = [{"neighbor_address": address} for address in part["neighbors"]]
    return {"groups": [written]}


def _bgp_address_family(part: Mapping[str, Any]) -> Dict[str, Any]:
    return {"groups": [{"name": part["peer_group"]["name"], "address_family": [
        {"afi": _FAMILY[family["family"]], "af_type": [{"type": "unicast", "prefix_limit": {"maximum": family["maximum_prefix"], "teardown": True}}]}
        for family in part["families"]]}]}


def resources_junos(part: Mapping[str, Any]) -> Dict[str, Any]:
    """The data of junos_prefix_lists, junos_bgp_global and junos_bgp_address_family for the part, and ``cli``: the
    whole part as set commands, which is what is reviewed and applied (the modules' data is for the round trip)."""
    return {"prefix_lists": _prefix_lists(part), "bgp_global": _bgp_global(part), "bgp_address_family": _bgp_address_family(part),
            "cli": commands_junos(part)}


def removal_junos(part: Mapping[str, Any]) -> str:
    """Junos commands that take flatnet's part out: the group's members or listen range, the group, then its policies
    and prefix lists. routing-options (router-id, graceful restart) stays the instance's own."""
    group = "protocols bgp group %s" % part["peer_group"]["name"]
    lines = ["delete %s neighbor %s" % (group, address) for address in part["neighbors"]]
    if part["listen_range"]:
        lines.append("delete %s allow %s" % (group, part["listen_range"]))
    lines += ["delete %s" % group, "delete policy-options policy-statement %s" % import_policy_name(part),
              "delete policy-options policy-statement %s" % part["route_map_out"]["name"]]
    lines += ["delete policy-options prefix-list %s" % family["prefix_list"]["name"] for family in part["families"] if _listed(family)]
    return "\n".join(lines) + "\n"
