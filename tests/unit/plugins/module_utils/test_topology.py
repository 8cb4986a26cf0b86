# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The topology picture of a plan (module_utils._topology): what it draws, how it quotes, what it refuses."""

from __future__ import annotations

import re
from typing import Any, Dict

import pytest

from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError
from ansible_collections.flatnet.kube.plugins.module_utils import _intent as intent_mod
from ansible_collections.flatnet.kube.plugins.module_utils._topology import topology_dot
from intent_helpers import example_with_defaults  # pylint: disable=import-error

NODES = [{"name": "node1", "ip": "10.200.20.105"}, {"name": "node2", "ip": "10.200.20.106"}]


def _plan(edit: Any = None, nodes: Any = ()) -> Dict[str, Any]:
    intent = example_with_defaults()
    if edit:
        edit(intent)
    return intent_mod.plan_intent(intent, peering_nodes=list(nodes))


def _boxes(dot: str) -> Dict[str, str]:
    return dict(re.findall(r'^\s+"([^"]+)" \[label="((?:[^"\\]|\\.)*)"', dot, re.MULTILINE))


def _edges(dot: str) -> list:
    return re.findall(r'^\s+"([^"]+)" -> "([^"]+)"', dot, re.MULTILINE)


def test_the_seed_with_its_peering_nodes() -> None:
    dot = topology_dot(_plan(nodes=NODES))
    boxes = _boxes(dot)
    assert sorted(boxes) == ["dns:office-dns1", "gateway:office-gw1", "node:node1", "node:node2", "office", "pools", "switch:switch1"]
    expected = ["switch1 (frr)", "flatnet's part: peer group FLATNET; cluster side: BGPPeer peer-switch", "AS 65200, ebgp, peer 10.200.20.254"]
    assert boxes["switch:switch1"].split("\\l")[:3] == expected
    assert "route 10.233.0.0/17 via 10.200.21.1" in boxes["gateway:office-gw1"]
    assert "forwards cluster.local + 128 reverse zones" in boxes["dns:office-dns1"]
    assert sorted(_edges(dot)) == sorted([("node:node1", "switch:switch1"), ("node:node2", "switch:switch1"),
                                          ("switch:switch1", "gateway:office-gw1"), ("gateway:office-gw1", "office"),
                                          ("office", "dns:office-dns1"), ("dns:office-dns1", "pools")])
    assert dot == topology_dot(_plan(nodes=NODES)) and dot.endswith("}\n")


def test_without_nodes_one_box_shows_the_selector() -> None:
    boxes = _boxes(topology_dot(_plan()))
    assert boxes["node:selector"].split("\\l")[:2] == ["peering nodes", "node-role.kubernetes.io/ingress == 'ingress'"]


def test_two_switches_each_get_every_session_and_the_gateway_uplink() -> None:
    def second_switch(intent: Dict[str, Any]) -> None:
        intent["flatnet_fabric"]["switches"].append(dict(intent["flatnet_fabric"]["switches"][0], name="switch2", peer_ip="10.200.20.253",
                                                         peer_name="peer-switch2", platform="eos"))

    edges = _edges(topology_dot(_plan(second_switch, NODES)))
    assert {("node:node1", "switch:switch2"), ("node:node2", "switch:switch2"), ("switch:switch2", "gateway:office-gw1")} <= set(edges)


def test_no_gateway_draws_the_office_route_as_the_office_own() -> None:
    def no_gateway(intent: Dict[str, Any]) -> None:
        intent["flatnet_office"]["gateways"] = []

    dot = topology_dot(_plan(no_gateway))
    assert '"switch:switch1" -> "office" [label="routed by the office\\l", style=dashed' in dot


def test_quotes_and_backslashes_are_escaped() -> None:
    plan = _plan()
    plan["cluster"]["peer_selector"] = 'a == "x\\y"'
    assert 'a == \\"x\\\\y\\"\\l' in topology_dot(plan)


@pytest.mark.parametrize("bad", [None, [], {"cluster": {}}, {"cluster": {}, "fabric": {}, "office": []}])
def test_anything_but_a_plan_is_refused(bad: Any) -> None:
    with pytest.raises(FlatnetError, match="expected the plan of flatnet.kube.preflight"):
        topology_dot(bad)


def test_a_control_character_is_refused() -> None:
    plan = _plan()
    plan["cluster"]["name"] = "dev\nx"
    with pytest.raises(FlatnetError, match="control character"):
        topology_dot(plan)
