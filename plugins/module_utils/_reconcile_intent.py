# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The intent held against what the cluster reports (cluster_network_info).

Problems found here stop the run before anything changes, like those of
the intent alone: a pool whose cidr or block size differs from the pool
of the same name, an intent pool overlapping a pool of another name, a
cluster domain or DNS address that differs from the cluster's, and a peer
selector that matches no node. The rest becomes the discovered part of the
plan: the nodes, the peering nodes and the DNS Service address.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

from ansible_collections.flatnet.kube.plugins.module_utils import _calico as calico
from ansible_collections.flatnet.kube.plugins.module_utils import _netmath as netmath
from ansible_collections.flatnet.kube.plugins.module_utils import _selector as selector


def _pool_problems(intent_pools: List[Mapping[str, Any]], cluster_pools: List[Mapping[str, Any]]) -> List[str]:
    problems = []
    existing = dict((pool["name"], calico.normalise_ippool(pool.get("spec") or {}) or {}) for pool in cluster_pools)
    for index, pool in enumerate(intent_pools):
        path = "flatnet_cluster.pools[%d]" % index
        blocks = netmath.pool_blocks(pool["cidr"], pool.get("block_size"))
        network = blocks["cidr"]
        wanted = calico.normalise_ippool({"cidr": network, "blockSize": blocks["block_size"]}) or {}
        current = existing.get(pool["name"])
        if current and current.get("cidr"):
            for field, option in (("cidr", "cidr"), ("blockSize", "block_size")):
                if current.get(field) != wanted[field]:
                    problems.append("%s.%s: '%s' differs from the cluster's IPPool %s (%s: %s). %s"
                                    % (path, option, wanted[field], pool["name"], field, current.get(field), calico.MIGRATION_HINT))
        for name, spec in existing.items():
            if name != pool["name"] and spec.get("cidr") and netmath.cidr_conflicts({"a": str(network), "b": spec["cidr"]}):
                problems.append("%s.cidr: '%s' overlaps the cluster's IPPool %s (%s); to manage that pool, set %s.name: %s, "
                                "or choose a range outside it." % (path, network, name, spec["cidr"], path, name))
    return problems


def _dns_problems(cluster: Mapping[str, Any], office: Mapping[str, Any], facts: Mapping[str, Any]) -> List[str]:
    problems = []
    domain, found = cluster.get("domain", "cluster.local"), facts.get("cluster_domain")
    if found and found != domain:
        problems.append("flatnet_cluster.domain: '%s' differs from the cluster's domain '%s' (CoreDNS ConfigMap kube-system/coredns); "
                        "set flatnet_cluster.domain: %s." % (domain, found, found))
    service = facts.get("dns_service") or {}
    pinned = cluster.get("dns_service_ip")
    if pinned and service and pinned not in service.get("cluster_ips", []):
        problems.append("flatnet_cluster.dns_service_ip: '%s' is not an address of the cluster's DNS Service %s/%s (%s); "
                        "set it to %s or leave it unset to use the discovered address."
                        % (pinned, service.get("namespace"), service.get("name"), ", ".join(service["cluster_ips"]), service["cluster_ip"]))
    if not pinned and not service and office.get("dns_servers"):
        problems.append("flatnet_cluster.dns_service_ip: the cluster has no Service labelled k8s-app=kube-dns in kube-system, and "
                        "flatnet_office.dns_servers needs its address; set flatnet_cluster.dns_service_ip.")
    return problems


def _node_problems(intent: Mapping[str, Any], facts: Mapping[str, Any], peer_selector: str) -> List[str]:
    problems = []
    nodes = facts.get("nodes") or []
    cluster = intent["flatnet_cluster"]
    ranges = dict(("flatnet_cluster.pools[%d].cidr" % index, pool["cidr"]) for index, pool in enumerate(cluster["pools"]))
    ranges.update(("flatnet_cluster.service_cluster_ips[%d]" % index, cidr) for index, cidr in enumerate(cluster["service_cluster_ips"]))
    for node in nodes:
        for path, cidr in ranges.items():
            if node.get("internal_ip") and netmath.parse_address(node["internal_ip"]) in netmath.parse_cidr(cidr):
                problems.append("node %s: its address %s lies inside %s '%s'; node, pod and Service ranges must be separate."
                                % (node["name"], node["internal_ip"], path, cidr))
    if nodes and not any(selector.matches(peer_selector, node.get("labels") or {}) for node in nodes):
        problems.append("flatnet_cluster.peer_selector: \"%s\" matches none of the cluster's %d nodes (%s); label the nodes that "
                        "should peer (kubectl label node NAME KEY=VALUE) or change the selector."
                        % (peer_selector, len(nodes), ", ".join(node["name"] for node in nodes)))
    switch_ips = dict((switch["peer_ip"], index) for index, switch in enumerate(intent["flatnet_fabric"]["switches"]))
    for node in nodes:
        if node.get("internal_ip") in switch_ips:
            problems.append("flatnet_fabric.switches[%d].peer_ip: '%s' is the address of node %s; use the switch's own address."
                            % (switch_ips[node["internal_ip"]], node["internal_ip"], node["name"]))
    return problems


def check_against_cluster(intent: Mapping[str, Any], facts: Mapping[str, Any]) -> List[str]:
    """Every disagreement between the intent and the cluster, as messages."""
    cluster = intent["flatnet_cluster"]
    peer_selector = selector.to_calico(cluster["peer_selector"])
    return (_pool_problems(cluster["pools"], facts.get("pools") or []) + _dns_problems(cluster, intent["flatnet_office"], facts)
            + _node_problems(intent, facts, peer_selector))


def cluster_plan(intent: Mapping[str, Any], facts: Optional[Mapping[str, Any]],
                 peering_nodes: Sequence[Mapping[str, Any]] = ()) -> Dict[str, Any]:
    """The discovered part of the plan (empty values when nothing was discovered; then the peering nodes given, for a
    plan made without a cluster to read, such as a configuration rendered for review)."""
    cluster = intent["flatnet_cluster"]
    if not facts:
        return {"discovered": False, "api_group": None, "nodes": [], "blocks_by_node": {},
                "peering_nodes": [{"name": node["name"], "ip": node["ip"]} for node in peering_nodes],
                "dns_service_ip": cluster.get("dns_service_ip")}
    peer_selector = selector.to_calico(cluster["peer_selector"])
    nodes = [{"name": node["name"], "ip": node.get("internal_ip"), "peering": selector.matches(peer_selector, node.get("labels") or {})}
             for node in facts.get("nodes") or []]
    service = facts.get("dns_service") or {}
    return {
        "discovered": True,
        "api_group": facts.get("api_group"),
        "nodes": nodes,
        "peering_nodes": [{"name": node["name"], "ip": node["ip"]} for node in nodes if node["peering"]],
        "blocks_by_node": dict(facts.get("blocks_by_node") or {}),
        "dns_service_ip": cluster.get("dns_service_ip") or service.get("cluster_ip"),
    }
