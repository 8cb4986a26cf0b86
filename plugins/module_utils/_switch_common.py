# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pieces of the switch model's forms that several platforms share."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping


def prefix_list_resources(part: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """The inbound prefix lists as the vendors' ``*_prefix_lists`` modules take them (cisco.ios, cisco.nxos, vyos.vyos
    and arista.eos share the shape): per address family, the list with its entries. ``ge`` is written only when it is
    longer than the prefix itself, as those CLIs take it (`ge 18` on a /18 is refused)."""
    written = []
    for family in part["families"]:
        entries = []
        for entry in family["prefix_list"]["entries"]:
            rule: Dict[str, Any] = {"sequence": entry["seq"], "action": entry["action"], "prefix": entry["prefix"]}
            if entry["ge"] > entry["prefixlen"]:
                rule["ge"] = entry["ge"]
            rule["le"] = entry["le"]
            entries.append(rule)
        written.append({"afi": family["afi"], "prefix_lists": [{"name": family["prefix_list"]["name"], "entries": entries}]})
    return written


def policy_removal(part: Mapping[str, Any]) -> List[str]:
    """The top-level lines that take the outbound route map and the inbound prefix lists out (`no route-map ...`,
    `no ip prefix-list ...`, `no ipv6 prefix-list ...`), in the CLIs that write them so (FRR, IOS, NX-OS, EOS)."""
    return ["no route-map %s" % part["route_map_out"]["name"]] + [
        "no %s prefix-list %s" % ("ip" if family["family"] == 4 else "ipv6", family["prefix_list"]["name"]) for family in part["families"]]
