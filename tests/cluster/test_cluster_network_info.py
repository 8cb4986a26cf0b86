# SPDX-License-Identifier: GPL-3.0-or-later
"""cluster_network_info against the lab's API emulator."""

from __future__ import annotations

import copy
import json
from typing import Any, Dict

import yaml

from ansible_collections.flatnet.kube.plugins.modules import cluster_network_info

from kube_helpers import SEED  # pylint: disable=import-error
from kubeapi.server import Emulator  # pylint: disable=import-error


def test_reads_the_seed_cluster(cluster, run_module):
    result = run_module(cluster_network_info.main, {"kubeconfig": cluster.kubeconfig_path}).result
    assert result["changed"] is False
    assert result["api_group"] == "crd.projectcalico.org/v1"
    nodes = dict((node["name"], node) for node in result["nodes"])
    assert sorted(nodes) == ["node1", "node2", "node3", "node4"]
    assert [nodes[name]["internal_ip"] for name in sorted(nodes)] == ["10.200.20.105", "10.200.20.106", "10.200.20.107", "10.200.20.108"]
    assert nodes["node1"]["labels"]["node-role.kubernetes.io/ingress"] == "ingress"
    assert nodes["node1"]["bgp"]["ipv4_address"] == "10.200.20.105/24"
    assert all(node["ready"] for node in nodes.values())
    assert result["pools"][0]["name"] == "default-pool" and result["pools"][0]["spec"]["cidr"] == "10.233.64.0/18"
    assert sorted(cidr for cidrs in result["blocks_by_node"].values() for cidr in cidrs) == [
        "10.233.64.0/24", "10.233.65.0/24", "10.233.66.0/24", "10.233.67.0/24"]
    assert set(result["blocks_by_node"]) == set(nodes)
    assert result["dns_service"]["cluster_ip"] == "10.233.0.3" and result["dns_service"]["namespace"] == "kube-system"
    assert result["cluster_domain"] == "cluster.local"
    assert result["bgp_peers"] == [] and result["bgp_configurations"] == [] and result["node_status"] == []


def _seed_with_nodes(count: int) -> Dict[str, Any]:
    with open(SEED, encoding="utf-8") as handle:
        seed = yaml.safe_load(handle)
    template = seed["nodes"][-1]
    seed["nodes"] = [dict(copy.deepcopy(template), name="node%d" % index, internal_ip="10.200.%d.%d" % (20 + index // 200, 10 + index % 200))
                     for index in range(1, count + 1)]
    return seed


def test_api_calls_do_not_grow_with_the_node_count(tmp_path, run_module):
    counts = {}
    for nodes in (4, 60):
        with Emulator(str(tmp_path / ("c%d" % nodes)), seed=_seed_with_nodes(nodes)) as emulator:
            logged_before = len(emulator.requests())
            result = run_module(cluster_network_info.main, {"kubeconfig": emulator.kubeconfig_path}).result
            assert len(result["nodes"]) == nodes
            assert len(emulator.requests()) - logged_before == result["api_calls"]
            counts[nodes] = result["api_calls"]
    assert counts[4] == counts[60] <= 10


def test_check_mode_reads_the_same(cluster, run_module):
    normal = run_module(cluster_network_info.main, {"kubeconfig": cluster.kubeconfig_path}).result
    checked = run_module(cluster_network_info.main, {"kubeconfig": cluster.kubeconfig_path, "_ansible_check_mode": True}).result
    assert checked["nodes"] == normal["nodes"] and checked["dns_service"] == normal["dns_service"]


def test_v3_cluster(cluster_v3, run_module):
    result = run_module(cluster_network_info.main, {"kubeconfig": cluster_v3.kubeconfig_path}).result
    assert result["api_group"] == "projectcalico.org/v3"
    assert result["pools"][0]["spec"]["cidr"] == "10.233.64.0/18"
    assert len(result["blocks"]) == 4


def test_a_kubeconfig_given_as_a_mapping_never_shows_its_token(cluster, run_module):
    with open(cluster.kubeconfig_path, encoding="utf-8") as handle:
        kubeconfig = yaml.safe_load(handle)
    token = kubeconfig["users"][0]["user"]["token"]
    done = run_module(cluster_network_info.main, {"kubeconfig": kubeconfig})
    assert done.result["nodes"] and token not in done.stdout  # read with it, and masked in the invocation shown
    assert "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in json.dumps(done.result["invocation"]["module_args"]["kubeconfig"])
