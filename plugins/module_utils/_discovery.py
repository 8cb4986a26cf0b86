# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What only the cluster knows, read in a fixed handful of API calls.

One list call per kind, never one call per node: nodes, pools, IPAM
blocks, BGP configuration, peers, node status, the DNS Service and the
CoreDNS ConfigMap. The result is plain data for the plan.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, Optional

from ansible_collections.flatnet.kube.plugins.module_utils import _calico as calico
from ansible_collections.flatnet.kube.plugins.module_utils import _k8s as k8s

# calico-node's annotations on a Node.
IPV4_ANNOTATION = "projectcalico.org/IPv4Address"
IPV6_ANNOTATION = "projectcalico.org/IPv6Address"
ASN_ANNOTATION = "projectcalico.org/ASNumber"
DNS_SELECTOR = "k8s-app=kube-dns"
COREDNS_CONFIGMAPS = ("coredns",)
# IPAM blocks live only in the CRDs, also where Calico's API server runs.
IPAM_GROUP = "crd.projectcalico.org/v1"

# The plugin's zones: the rest of its own line, up to a block or a comment.
_KUBERNETES_PLUGIN = re.compile(r"^[ \t]*kubernetes(?=[\s{#]|$)([^{#\n]*)", re.MULTILINE)


def _metadata(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def node_facts(node: Mapping[str, Any]) -> Dict[str, Any]:
    """A Node's name, addresses, labels and calico-node's BGP annotations."""
    metadata = _metadata(node)
    annotations = metadata.get("annotations") or {}
    addresses = (node.get("status") or {}).get("addresses") or []
    internal = [address["address"] for address in addresses if address.get("type") == "InternalIP"]
    conditions = (node.get("status") or {}).get("conditions") or []
    return {
        "name": metadata.get("name"),
        "labels": dict(metadata.get("labels") or {}),
        "internal_ips": internal,
        "internal_ip": internal[0] if internal else None,
        "ready": any(condition.get("type") == "Ready" and condition.get("status") == "True" for condition in conditions),
        "bgp": {
            "ipv4_address": annotations.get(IPV4_ANNOTATION),
            "ipv6_address": annotations.get(IPV6_ANNOTATION),
            "as_number": annotations.get(ASN_ANNOTATION),
        },
    }


def pool_facts(pool: Mapping[str, Any]) -> Dict[str, Any]:
    """An IPPool's name and spec."""
    return {"name": _metadata(pool).get("name"), "spec": dict(pool.get("spec") or {})}


def block_facts(block: Mapping[str, Any]) -> Dict[str, Any]:
    """An IPAM block's CIDR and the node it is affine to."""
    spec = block.get("spec") or {}
    affinity = spec.get("affinity") or ""
    return {"cidr": spec.get("cidr"), "node": affinity[len("host:"):] if affinity.startswith("host:") else None,
            "allocated": sum(1 for slot in spec.get("allocations") or [] if slot is not None)}


def dns_service_facts(services: List[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    """The cluster DNS Service (label k8s-app=kube-dns), whatever it is named."""
    for service in services:
        spec = service.get("spec") or {}
        if spec.get("clusterIP") and spec["clusterIP"] != "None":
            return {"namespace": _metadata(service).get("namespace"), "name": _metadata(service).get("name"),
                    "cluster_ip": spec["clusterIP"], "cluster_ips": list(spec.get("clusterIPs") or [spec["clusterIP"]]),
                    "ports": [dict(port) for port in spec.get("ports") or []]}
    return None


def cluster_domain(corefile: Optional[str]) -> Optional[str]:
    """The cluster domain from a Corefile's kubernetes plugin: its first zone that is not a reverse zone."""
    for match in _KUBERNETES_PLUGIN.finditer(corefile or ""):
        for zone in match.group(1).split():
            zone = zone.rstrip(".").lower()
            if zone and not zone.endswith(".arpa") and zone != "arpa":
                return zone
    return None


def node_status_facts(status: Mapping[str, Any]) -> Dict[str, Any]:
    """A CalicoNodeStatus's BGP sessions."""
    bgp = (status.get("status") or {}).get("bgp") or {}
    peers = (bgp.get("peersV4") or []) + (bgp.get("peersV6") or [])
    return {"node": (status.get("spec") or {}).get("node") or _metadata(status).get("name"),
            "established": sum(1 for peer in peers if peer.get("state") == "Established"),
            "peers": [dict(peer) for peer in peers]}


def _corefile(client: k8s.KubeClient) -> Optional[str]:
    for name in COREDNS_CONFIGMAPS:
        configmap = client.get(k8s.object_path("v1", "configmaps", name, "kube-system"))
        if configmap:
            return (configmap.get("data") or {}).get("Corefile")
    return None


def discover(client: k8s.KubeClient, api_group: str = "auto") -> Dict[str, Any]:
    """Everything the plan needs from the cluster."""
    group = client.calico_group(api_group)
    nodes = [node_facts(node) for node in client.list("/api/v1/nodes")]
    blocks = [block_facts(block) for block in client.list(k8s.collection_path(IPAM_GROUP, "ipamblocks"))]
    by_node: Dict[str, List[str]] = {}
    for block in blocks:
        if block["node"]:
            by_node.setdefault(block["node"], []).append(block["cidr"])
    dns = dns_service_facts(client.list(k8s.collection_path("v1", "services", "kube-system"), label_selector=DNS_SELECTOR))
    return {
        "api_group": group,
        "nodes": nodes,
        "pools": [pool_facts(pool) for pool in calico.list_objects(client, group, calico.IPPOOL)],
        "blocks": blocks,
        "blocks_by_node": by_node,
        "dns_service": dns,
        "cluster_domain": cluster_domain(_corefile(client)),
        "bgp_configurations": [pool_facts(item) for item in calico.list_objects(client, group, calico.BGPCONFIGURATION)],
        "bgp_peers": [pool_facts(item) for item in calico.list_objects(client, group, calico.BGPPEER)],
        "node_status": [node_status_facts(item) for item in client.list(k8s.collection_path(group, "caliconodestatuses"))],
    }
