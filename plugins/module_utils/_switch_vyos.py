# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The switch model on VyOS (1.4 "sagitta" and later: `protocols bgp` without the AS in the path).

Only the prefix lists go through their resource module (vyos_prefix_lists): it renders and parses with no device.
The others cannot carry flatnet's part: vyos_route_maps, vyos_bgp_global and vyos_bgp_address_family ask the device
for its VyOS version before they render or parse anything (their templates differ between 1.3 and 1.4), and the BGP
modules only write `neighbor <address>`: no peer group, no listen range. The route map and the peer group are
therefore set commands (``cli``), in VyOS 1.4 syntax, applied with vyos_config.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping

from ansible_collections.flatnet.kube.plugins.module_utils import _switch_common

COMMENT_VYOS = "#"
_LIST = {4: "prefix-list", 6: "prefix-list6"}


def _quoted(text: str) -> str:
    """A value as VyOS's shell takes it: single quotes, or double quotes (with the shell's specials escaped) when the
    text holds a single quote."""
    if "'" not in text:
        return "'%s'" % text
    return '"%s"' % "".join("\\" + char if char in '\\"$`' else char for char in text)


def _route_map_commands(part: Mapping[str, Any]) -> List[str]:
    out = part["route_map_out"]
    return ["set policy route-map %s rule %d action %s" % (out["name"], out["seq"], _quoted(out["action"]))]


def _instance_commands(part: Mapping[str, Any]) -> List[str]:
    # Instance settings only when the model asks. The AS (protocols bgp system-as) is the switch's own: never set.
    lines = []
    if part["router_id"]:
        # Unquoted: an address, and the form that the foreign-line check of the router-id reads.
        lines.append("set protocols bgp parameters router-id %s" % part["router_id"])
    if part["maximum_paths"] is not None:
        kind = "ibgp" if part["peer_group"]["session_type"] == "ibgp" else "ebgp"
        lines += ["set protocols bgp address-family %s-unicast maximum-paths %s %s" % (family["afi"], kind, _quoted(str(part["maximum_paths"])))
                  for family in part["families"]]
    return lines


def _group_commands(part: Mapping[str, Any]) -> List[str]:
    group = part["peer_group"]
    prefix = "set protocols bgp peer-group %s" % group["name"]
    # asplain: VyOS takes an AS only as a plain number.
    lines = ["%s remote-as %s" % (prefix, _quoted("internal" if group["session_type"] == "ibgp" else str(group["remote_as"]))),
             "%s description %s" % (prefix, _quoted(group["description"]))]
    if group["password"]:
        lines.append("%s password %s" % (prefix, _quoted(group["password"])))
    if group["ttl_security_hops"]:
        lines.append("%s ttl-security hops %s" % (prefix, _quoted(str(group["ttl_security_hops"]))))
    for family in part["families"]:
        afi = "%s address-family %s-unicast" % (prefix, family["afi"])
        lines += ["%s prefix-list import %s" % (afi, _quoted(family["prefix_list"]["name"])),
                  "%s route-map export %s" % (afi, _quoted(part["route_map_out"]["name"])),
                  "%s maximum-prefix %s" % (afi, _quoted(str(family["maximum_prefix"])))]
    if part["listen_range"]:
        lines.append("set protocols bgp listen range %s peer-group %s" % (part["listen_range"], _quoted(group["name"])))
    lines += ["set protocols bgp neighbor %s peer-group %s" % (address, _quoted(group["name"])) for address in part["neighbors"]]
    return lines


def resources_vyos(part: Mapping[str, Any]) -> Dict[str, Any]:
    """vyos_prefix_lists' data for the part, and ``cli``: the route map, the instance settings asked for and the peer
    group with its members, as VyOS 1.4 set commands in the order they apply (after the prefix lists)."""
    return {"prefix_lists": _switch_common.prefix_list_resources(part), "cli": _route_map_commands(part) + _instance_commands(part) + _group_commands(part)}


def removal_vyos(part: Mapping[str, Any]) -> str:
    """VyOS commands that take flatnet's part out: the members, the listen range, the peer group, then the route map
    and the prefix lists. The instance settings (router-id, maximum-paths) stay the instance's own."""
    lines = ["delete protocols bgp neighbor %s" % address for address in part["neighbors"]]
    if part["listen_range"]:
        lines.append("delete protocols bgp listen range %s" % part["listen_range"])
    lines += ["delete protocols bgp peer-group %s" % part["peer_group"]["name"], "delete policy route-map %s" % part["route_map_out"]["name"]]
    lines += ["delete policy %s %s" % (_LIST[family["family"]], family["prefix_list"]["name"]) for family in part["families"]]
    return "\n".join(lines) + "\n"
