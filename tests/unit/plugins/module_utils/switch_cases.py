# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The switch cases of the renderer tests: the example's plan with two peering nodes, and switch_bgp's options."""

from __future__ import annotations

import copy
from typing import Any, Dict, Tuple

from intent_helpers import example_with_defaults  # pylint: disable=import-error

from ansible_collections.flatnet.kube.plugins.module_utils import _intent, _switch

DEFAULTS = {"neighbor_mode": "neighbors", "listen_range": "", "maximum_paths": 8, "maximum_prefix": 208, "graceful_restart": False,
            "ttl_security": False, "router_id": ""}
NODES = [{"name": "node2", "ip": "10.200.20.105"}, {"name": "node3", "ip": "10.200.20.106"}]

# name: (edit of the intent, options, password)
CASES: Dict[str, Tuple[Dict[str, Any], Dict[str, Any], Any]] = {
    "neighbors-ebgp-password": ({}, {}, "s3cret-pw"),
    "ibgp-instance-settings": ({"session_type": "ibgp", "as_number": 64513},
                               {"router_id": "10.200.20.254", "graceful_restart": True, "ttl_security": True, "maximum_paths": 4}, None),
    "listen-range": ({}, {"neighbor_mode": "listen_range", "listen_range": "10.200.20.0/24", "maximum_paths": None}, "s3cret-pw"),
}


def plan_of(switch_edit: Dict[str, Any], intent_edit=None) -> Dict[str, Any]:
    """The example's plan, its switch edited, with two peering nodes as preflight would discover them."""
    intent = example_with_defaults()
    intent["flatnet_fabric"]["switches"][0].update(switch_edit)
    if intent_edit:
        intent_edit(intent)
    plan = _intent.build_plan(intent)
    plan["cluster"]["peering_nodes"] = copy.deepcopy(NODES)
    return plan


def options_of(edit: Dict[str, Any]) -> Dict[str, Any]:
    """switch_bgp's options: its defaults with this case's changes."""
    return dict(DEFAULTS, **edit)


def part_of(name: str) -> Dict[str, Any]:
    """The switch model of the case ``name`` of CASES."""
    edit, options, password = CASES[name]
    return _switch.model(plan_of(edit), "switch1", options_of(options), password)


def with_ipv6(part: Dict[str, Any], service_range: bool = False) -> Dict[str, Any]:
    """The part with an IPv6 family: a pool prefix to host routes, and with ``service_range`` a Service range too."""
    part = copy.deepcopy(part)
    entries = [{"seq": 10, "action": "permit", "prefix": "fd00:10:233::/56", "prefixlen": 56, "ge": 64, "le": 128}]
    if service_range:
        entries.append({"seq": 20, "action": "permit", "prefix": "fd00:10:96::/108", "prefixlen": 108, "ge": 108, "le": 128})
    part["families"].append({"family": 6, "afi": "ipv6", "maximum_prefix": 300, "prefix_list": {"name": "FLATNET-IN6", "entries": entries}})
    return part
