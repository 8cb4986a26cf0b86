# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of module_utils._reconcile_intent: the example intent held against the seed cluster's facts.

The facts have the shape cluster_network_info's discover() returns, for the
seed: four nodes at 10.200.20.105-108 with node1 and node2 labelled for
ingress, the pool default-pool 10.233.64.0/18 in /24 blocks, kube-dns at
10.233.0.3 and the domain cluster.local.
"""

from __future__ import annotations

from typing import Any, Dict, List

import pytest
import yaml

from ansible_collections.flatnet.kube.plugins.module_utils import _calico as calico
from ansible_collections.flatnet.kube.plugins.module_utils import _intent as intent_module
from ansible_collections.flatnet.kube.plugins.module_utils import _reconcile_intent as reconcile_intent
from intent_helpers import EXAMPLE_INTENT, example_with_defaults, with_defaults  # pylint: disable=import-error

VARIABLES = ["flatnet_cluster", "flatnet_fabric", "flatnet_office"]
INGRESS = "node-role.kubernetes.io/ingress"
SEED_SELECTOR = "node-role.kubernetes.io/ingress == 'ingress'"
SEED_NODES = [("node1", "10.200.20.105", True), ("node2", "10.200.20.106", True), ("node3", "10.200.20.107", False),
              ("node4", "10.200.20.108", False)]
NO_MATCH = ("flatnet_cluster.peer_selector: \"node-role.kubernetes.io/ingress == 'ingress'\" matches none of the cluster's 4 nodes "
            "(node1, node2, node3, node4); label the nodes that should peer (kubectl label node NAME KEY=VALUE) or change the selector.")
NO_DNS = ("flatnet_cluster.dns_service_ip: the cluster has no Service labelled k8s-app=kube-dns in kube-system, and "
          "flatnet_office.dns_servers needs its address; set flatnet_cluster.dns_service_ip.")


@pytest.fixture(name="intent")
def fixture_intent() -> Dict[str, Any]:
    """The example inventory's intent with the schema defaults applied; a fresh copy per test."""
    return example_with_defaults()


def node_entry(name: str, address: str, ingress: bool) -> Dict[str, Any]:
    """One node as discover() reports it."""
    labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}
    if ingress:
        labels[INGRESS] = "ingress"
    return {"name": name, "labels": labels, "internal_ips": [address], "internal_ip": address, "ready": True,
            "bgp": {"ipv4_address": address + "/24", "ipv6_address": None, "as_number": None}}


@pytest.fixture(name="facts")
def fixture_facts() -> Dict[str, Any]:
    """The seed cluster as discover() reports it."""
    return {
        "api_group": "crd.projectcalico.org/v1",
        "nodes": [node_entry(*entry) for entry in SEED_NODES],
        "pools": [{"name": "default-pool", "spec": {"cidr": "10.233.64.0/18", "blockSize": 24, "ipipMode": "Never", "vxlanMode": "Never",
                                                    "natOutgoing": True, "disabled": False, "nodeSelector": "all()"}}],
        "blocks": [{"cidr": "10.233.64.0/24", "node": "node1", "allocated": 7}, {"cidr": "10.233.65.0/24", "node": "node2", "allocated": 3},
                   {"cidr": "10.233.66.0/24", "node": "node3", "allocated": 5}, {"cidr": "10.233.67.0/24", "node": "node4", "allocated": 2}],
        "blocks_by_node": {"node1": ["10.233.64.0/24"], "node2": ["10.233.65.0/24"], "node3": ["10.233.66.0/24"],
                           "node4": ["10.233.67.0/24"]},
        "dns_service": {"namespace": "kube-system", "name": "kube-dns", "cluster_ip": "10.233.0.3", "cluster_ips": ["10.233.0.3"],
                        "ports": [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53}]},
        "cluster_domain": "cluster.local",
        "bgp_configurations": [{"name": "default", "spec": {"asNumber": 64513, "nodeToNodeMeshEnabled": True}}],
        "bgp_peers": [{"name": "peer-switch", "spec": {"peerIP": "10.200.20.254", "asNumber": 65200, "nodeSelector": SEED_SELECTOR}}],
        "node_status": [{"node": "node1", "established": 1, "peers": []}, {"node": "node2", "established": 1, "peers": []}],
    }


SEED_PLAN = {
    "discovered": True,
    "api_group": "crd.projectcalico.org/v1",
    "nodes": [{"name": "node1", "ip": "10.200.20.105", "peering": True}, {"name": "node2", "ip": "10.200.20.106", "peering": True},
              {"name": "node3", "ip": "10.200.20.107", "peering": False}, {"name": "node4", "ip": "10.200.20.108", "peering": False}],
    "peering_nodes": [{"name": "node1", "ip": "10.200.20.105"}, {"name": "node2", "ip": "10.200.20.106"}],
    "blocks_by_node": {"node1": ["10.233.64.0/24"], "node2": ["10.233.65.0/24"], "node3": ["10.233.66.0/24"], "node4": ["10.233.67.0/24"]},
    "dns_service_ip": "10.233.0.3",
}


# --------------------------------------------------------------------------
# The seed agrees with its cluster
# --------------------------------------------------------------------------


def test_seed_has_no_problem_and_an_exact_cluster_plan(intent, facts):
    assert not reconcile_intent.check_against_cluster(intent, facts)
    assert reconcile_intent.cluster_plan(intent, facts) == SEED_PLAN


def test_raw_example_yaml_works_too(facts):
    with EXAMPLE_INTENT.open(encoding="utf-8") as stream:
        raw = yaml.safe_load(stream)
    assert not reconcile_intent.check_against_cluster(raw, facts)
    assert reconcile_intent.cluster_plan(raw, facts) == SEED_PLAN


@pytest.mark.parametrize("facts_value", [None, {}])
def test_cluster_plan_without_facts(intent, facts_value):
    assert reconcile_intent.cluster_plan(intent, facts_value) == {
        "discovered": False, "api_group": None, "nodes": [], "peering_nodes": [], "blocks_by_node": {}, "dns_service_ip": None}
    intent["flatnet_cluster"]["dns_service_ip"] = "10.233.0.3"
    assert reconcile_intent.cluster_plan(intent, facts_value)["dns_service_ip"] == "10.233.0.3"


def test_match_labels_selector_and_pinned_dns(intent, facts):
    intent["flatnet_cluster"]["peer_selector"] = {INGRESS: "ingress"}
    intent["flatnet_cluster"]["dns_service_ip"] = "10.233.0.3"
    assert not reconcile_intent.check_against_cluster(intent, facts)
    assert reconcile_intent.cluster_plan(intent, facts) == SEED_PLAN


def test_pinned_dns_matches_a_dual_stack_address(intent, facts):
    facts["dns_service"]["cluster_ips"] = ["10.233.0.3", "fd00:10:233::a"]
    intent["flatnet_cluster"]["dns_service_ip"] = "fd00:10:233::a"
    assert not reconcile_intent.check_against_cluster(intent, facts)
    assert reconcile_intent.cluster_plan(intent, facts)["dns_service_ip"] == "fd00:10:233::a"


@pytest.mark.parametrize("change", [
    # Facts that differ from the seed without being a problem.
    lambda intent, facts: facts.update(cluster_domain=None),
    lambda intent, facts: facts.update(nodes=[], blocks_by_node={}),
    lambda intent, facts: facts.update(pools=[]),
    lambda intent, facts: facts["pools"].append({"name": "office-192-168-10-0-24", "spec": {"cidr": "192.168.10.0/24", "disabled": True}}),
    lambda intent, facts: facts["pools"].append({"name": "half-made", "spec": {}}),
    lambda intent, facts: facts["pools"][0]["spec"].update(cidr=" 10.233.64.0/18", natOutgoing=False, ipipMode="Always"),
    lambda intent, facts: (facts.update(dns_service=None), intent["flatnet_office"].update(dns_servers=[])),
    lambda intent, facts: (facts.update(dns_service=None), intent["flatnet_cluster"].update(dns_service_ip="10.233.0.10")),
    lambda intent, facts: facts["nodes"][3].update(internal_ip=None, internal_ips=[]),
])
def test_harmless_differences(intent, facts, change):
    change(intent, facts)
    assert not reconcile_intent.check_against_cluster(intent, facts)


# --------------------------------------------------------------------------
# Each problem
# --------------------------------------------------------------------------


def pool_spec(cidr: str, block_size: Any = 24) -> Dict[str, Any]:
    """A cluster pool's spec."""
    spec: Dict[str, Any] = {"cidr": cidr, "ipipMode": "Never", "vxlanMode": "Never", "natOutgoing": True}
    if block_size is not None:
        spec["blockSize"] = block_size
    return spec


PROBLEMS = {
    "pool cidr differs": (
        lambda intent, facts: facts["pools"][0].update(spec=pool_spec("10.233.128.0/18")),
        ["flatnet_cluster.pools[0].cidr: '10.233.64.0/18' differs from the cluster's IPPool default-pool (cidr: 10.233.128.0/18). "
         + calico.MIGRATION_HINT]),
    "pool block size differs": (
        lambda intent, facts: facts["pools"][0].update(spec=pool_spec("10.233.64.0/18", 26)),
        ["flatnet_cluster.pools[0].block_size: '24' differs from the cluster's IPPool default-pool (blockSize: 26). "
         + calico.MIGRATION_HINT]),
    "pool block size is Calico's default": (
        lambda intent, facts: facts["pools"][0].update(spec=pool_spec("10.233.64.0/18", None)),
        ["flatnet_cluster.pools[0].block_size: '24' differs from the cluster's IPPool default-pool (blockSize: 26). "
         + calico.MIGRATION_HINT]),
    "pool cidr and block size differ": (
        lambda intent, facts: facts["pools"][0].update(spec=pool_spec("10.233.0.0/16", 26)),
        ["flatnet_cluster.pools[0].cidr: '10.233.64.0/18' differs from the cluster's IPPool default-pool (cidr: 10.233.0.0/16). "
         + calico.MIGRATION_HINT,
         "flatnet_cluster.pools[0].block_size: '24' differs from the cluster's IPPool default-pool (blockSize: 26). "
         + calico.MIGRATION_HINT]),
    "pool of another name overlaps": (
        lambda intent, facts: facts["pools"][0].update(name="default-ipv4-ippool"),
        ["flatnet_cluster.pools[0].cidr: '10.233.64.0/18' overlaps the cluster's IPPool default-ipv4-ippool (10.233.64.0/18); to manage "
         "that pool, set flatnet_cluster.pools[0].name: default-ipv4-ippool, or choose a range outside it."]),
    "pool of another name overlaps partly": (
        lambda intent, facts: facts["pools"].append({"name": "legacy", "spec": pool_spec("10.233.96.0/20")}),
        ["flatnet_cluster.pools[0].cidr: '10.233.64.0/18' overlaps the cluster's IPPool legacy (10.233.96.0/20); to manage "
         "that pool, set flatnet_cluster.pools[0].name: legacy, or choose a range outside it."]),
    "domain differs": (
        lambda intent, facts: facts.update(cluster_domain="k8s.example.internal"),
        ["flatnet_cluster.domain: 'cluster.local' differs from the cluster's domain 'k8s.example.internal' (CoreDNS ConfigMap "
         "kube-system/coredns); set flatnet_cluster.domain: k8s.example.internal."]),
    "pinned DNS address differs": (
        lambda intent, facts: intent["flatnet_cluster"].update(dns_service_ip="10.233.0.10"),
        ["flatnet_cluster.dns_service_ip: '10.233.0.10' is not an address of the cluster's DNS Service kube-system/kube-dns "
         "(10.233.0.3); set it to 10.233.0.3 or leave it unset to use the discovered address."]),
    "no DNS Service for the office DNS servers": (
        lambda intent, facts: facts.update(dns_service=None),
        [NO_DNS]),
    "selector matches no node": (
        lambda intent, facts: [node["labels"].pop(INGRESS, None) for node in facts["nodes"]],
        [NO_MATCH]),
    "node inside the pod range": (
        lambda intent, facts: facts["nodes"][3].update(internal_ip="10.233.64.20", internal_ips=["10.233.64.20"]),
        ["node node4: its address 10.233.64.20 lies inside flatnet_cluster.pools[0].cidr '10.233.64.0/18'; node, pod and Service "
         "ranges must be separate."]),
    "node inside the Service range": (
        lambda intent, facts: facts["nodes"][2].update(internal_ip="10.233.0.50"),
        ["node node3: its address 10.233.0.50 lies inside flatnet_cluster.service_cluster_ips[0] '10.233.0.0/18'; node, pod and "
         "Service ranges must be separate."]),
    "switch peer_ip is a node": (
        lambda intent, facts: intent["flatnet_fabric"]["switches"][0].update(peer_ip="10.200.20.106"),
        ["flatnet_fabric.switches[0].peer_ip: '10.200.20.106' is the address of node node2; use the switch's own address."]),
}


@pytest.mark.parametrize("case", sorted(PROBLEMS))
def test_problem(intent, facts, case):
    change, expected = PROBLEMS[case]
    change(intent, facts)
    assert not intent_module.check_intent(intent), "the intent alone must be valid"
    assert reconcile_intent.check_against_cluster(intent, facts) == expected


@pytest.mark.parametrize("case", sorted(PROBLEMS))
def test_plan_intent_raises_for_each_problem(intent, facts, case):
    change, expected = PROBLEMS[case]
    change(intent, facts)
    with pytest.raises(intent_module.IntentError) as caught:
        intent_module.plan_intent(intent, VARIABLES, facts)
    assert caught.value.problems == expected
    count = len(expected)
    assert str(caught.value) == "the flatnet intent has %d problem%s; nothing was changed:\n- %s" % (
        count, "" if count == 1 else "s", "\n- ".join(expected))


def test_every_problem_at_once(intent, facts):
    facts["pools"][0]["spec"]["blockSize"] = 26
    facts["cluster_domain"] = "k8s.example.internal"
    facts["dns_service"] = None
    for node in facts["nodes"]:
        node["labels"].pop(INGRESS, None)
    facts["nodes"][0]["internal_ip"] = "10.233.100.1"
    intent["flatnet_fabric"]["switches"][0]["peer_ip"] = "10.200.20.108"
    problems = reconcile_intent.check_against_cluster(intent, facts)
    assert [problem.split(":", 1)[0] for problem in problems] == [
        "flatnet_cluster.pools[0].block_size", "flatnet_cluster.domain", "flatnet_cluster.dns_service_ip", "node node1",
        "flatnet_cluster.peer_selector", "flatnet_fabric.switches[0].peer_ip"]
    assert problems[2] == NO_DNS
    assert problems[4] == NO_MATCH


def test_multiple_pools_are_named_by_index(intent, facts):
    intent["flatnet_cluster"]["pools"].append({"name": "second-pool", "cidr": "10.234.0.0/18", "block_size": 26})
    intent["flatnet_cluster"] = with_defaults(intent_module.INTENT_SPEC["flatnet_cluster"]["options"], intent["flatnet_cluster"])
    facts["pools"].append({"name": "second-pool", "spec": pool_spec("10.234.0.0/18", 24)})
    facts["nodes"][1]["internal_ip"] = "10.234.0.7"
    assert reconcile_intent.check_against_cluster(intent, facts) == [
        "flatnet_cluster.pools[1].block_size: '26' differs from the cluster's IPPool second-pool (blockSize: 24). " + calico.MIGRATION_HINT,
        "node node2: its address 10.234.0.7 lies inside flatnet_cluster.pools[1].cidr '10.234.0.0/18'; node, pod and Service ranges "
        "must be separate."]


# --------------------------------------------------------------------------
# plan_intent with facts
# --------------------------------------------------------------------------


def test_plan_intent_with_facts(intent, facts):
    plan = intent_module.plan_intent(intent, VARIABLES, facts)
    without = intent_module.plan_intent(intent, VARIABLES)
    assert plan["cluster"]["discovered"] is True
    assert dict((key, plan["cluster"][key]) for key in SEED_PLAN) == SEED_PLAN
    assert without["cluster"]["discovered"] is False
    assert without["cluster"]["dns_service_ip"] is None
    other_keys = set(plan["cluster"]) - set(SEED_PLAN)
    assert dict((key, plan["cluster"][key]) for key in other_keys) == dict((key, without["cluster"][key]) for key in other_keys)
    # The prefix limit counts the Service ranges once per node (add-path): the cluster's nodes when read, else one.
    counted = {key: plan["fabric"].pop(key) for key in ("max_prefix", "max_prefix_formula")}
    assumed = {key: without["fabric"].pop(key) for key in ("max_prefix", "max_prefix_formula")}
    nodes, ranges = len(plan["cluster"]["nodes"]), len(plan["cluster"]["service_cluster_ips"])
    assert nodes > 1 and counted["max_prefix"] - assumed["max_prefix"] == ranges * (nodes - 1)
    assert "x %d nodes (add-path copies; the cluster's nodes)" % nodes in counted["max_prefix_formula"]
    assert counted["max_prefix_formula"].endswith("= %d" % counted["max_prefix"])
    assert (plan["fabric"], plan["office"]) == (without["fabric"], without["office"])
    plan["fabric"].update(counted)
    assert plan == intent_module.build_plan(intent, facts)


def test_plan_intent_with_empty_facts_is_undiscovered(intent):
    assert intent_module.plan_intent(intent, VARIABLES, {}) == intent_module.plan_intent(intent, VARIABLES)


def test_plan_intent_reports_intent_problems_before_cluster_problems(intent, facts):
    intent["flatnet_cluster"]["domain"] = "cluster..local"
    facts["cluster_domain"] = "k8s.example.internal"
    with pytest.raises(intent_module.IntentError) as caught:
        intent_module.plan_intent(intent, VARIABLES, facts)
    problems: List[str] = caught.value.problems
    assert len(problems) == 1
    assert problems[0].startswith("flatnet_cluster.domain: 'cluster..local' is not a valid cluster domain")


def test_plan_intent_reports_mistyped_variables_before_cluster_problems(intent, facts):
    facts["dns_service"] = None
    with pytest.raises(intent_module.IntentError) as caught:
        intent_module.plan_intent(intent, VARIABLES + ["flatnet_clustr"], facts)
    assert caught.value.problems == intent_module.check_variables(["flatnet_clustr"])
