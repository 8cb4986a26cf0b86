# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of module_utils._discovery: the facts read from each object, and discover()'s fixed set of calls.

discover() runs on a real KubeClient whose transport is replaced by
FakeCluster, which answers from canned lists and records every URL, so the
tests count the API calls exactly as the API server would see them.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional

import pytest

from ansible_collections.flatnet.kube.plugins.module_utils import _discovery as discovery
from ansible_collections.flatnet.kube.plugins.module_utils import _k8s as k8s

HOST = "https://10.200.20.105:6443"
CRD = "crd.projectcalico.org/v1"
V3 = "projectcalico.org/v3"
INGRESS = "node-role.kubernetes.io/ingress"
DNS_SERVICES = "/api/v1/namespaces/kube-system/services?labelSelector=k8s-app%3Dkube-dns"
COREDNS = "/api/v1/namespaces/kube-system/configmaps/coredns"

KUBEADM_COREFILE = """.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
"""

CUSTOM_DOMAIN_COREFILE = """example.internal:53 {
    errors
    forward . 10.200.20.53
}
.:53 {
    errors
    health
    ready
    # kubernetes cluster.local in-addr.arpa ip6.arpa   (before the rename)
    kubernetes k8s.example.internal 233.10.in-addr.arpa ip6.arpa {
        pods verified
        fallthrough in-addr.arpa ip6.arpa
    }
    forward . /etc/resolv.conf
    cache 30
}
"""

TRAILING_DOTS_COREFILE = """.:53 {
    kubernetes cluster.local. in-addr.arpa. ip6.arpa. {
        fallthrough in-addr.arpa. ip6.arpa.
    }
    forward . /etc/resolv.conf
}
"""

NO_KUBERNETES_COREFILE = """.:53 {
    errors
    hosts /etc/coredns/NodeHosts {
        fallthrough
    }
    forward . /etc/resolv.conf
    cache 30
}
"""

REVERSE_ONLY_COREFILE = """.:53 {
    kubernetes in-addr.arpa ip6.arpa {
        pods insecure
    }
    forward . /etc/resolv.conf
}
"""

# The kubernetes plugin without a block: its zones are the rest of its line, not the next plugin.
REVERSE_ONLY_NO_BLOCK_COREFILE = """.:53 {
    kubernetes in-addr.arpa ip6.arpa
    forward . /etc/resolv.conf
}
"""

NO_ZONES_COREFILE = """.:53 {
    kubernetes
    forward . /etc/resolv.conf
}
"""


# --------------------------------------------------------------------------
# Objects as the API server lists them
# --------------------------------------------------------------------------


def node(name: str, address: str, ingress: bool = False, ready: str = "True") -> Dict[str, Any]:
    """A Node as kubelet and calico-node leave it."""
    labels = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}
    if ingress:
        labels[INGRESS] = "ingress"
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {
            "name": name, "labels": labels, "resourceVersion": "4711",
            "annotations": {"projectcalico.org/IPv4Address": address + "/24", "projectcalico.org/ASNumber": "64513",
                            "node.alpha.kubernetes.io/ttl": "0"},
        },
        "spec": {"podCIDR": "10.233.64.0/24"},
        "status": {
            "addresses": [{"type": "InternalIP", "address": address}, {"type": "Hostname", "address": name}],
            "conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": ready}],
        },
    }


def seed_nodes(count: int = 4) -> List[Dict[str, Any]]:
    """node1..nodeN at 10.200.20.105 onwards, node1 and node2 labelled for ingress."""
    return [node("node%d" % number, "10.200.%d.%d" % (20 + (104 + number) // 250, (104 + number) % 250), ingress=number <= 2)
            for number in range(1, count + 1)]


def block(cidr: str, host: Optional[str], allocations: List[Optional[int]]) -> Dict[str, Any]:
    """An IPAM block."""
    return {"apiVersion": CRD, "kind": "IPAMBlock", "metadata": {"name": cidr.replace(".", "-").replace("/", "-")},
            "spec": {"cidr": cidr, "affinity": "host:%s" % host if host else None, "allocations": allocations,
                     "unallocated": [], "attributes": [], "strictAffinity": False}}


def service(name: str, cluster_ip: str, ports: Optional[List[Dict[str, Any]]] = None) -> Dict[str, Any]:
    """A Service in kube-system labelled k8s-app=kube-dns."""
    spec: Dict[str, Any] = {"clusterIP": cluster_ip, "ports": ports or [], "type": "ClusterIP"}
    if cluster_ip not in ("None", ""):
        spec["clusterIPs"] = [cluster_ip]
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}},
            "spec": spec}


DNS_PORTS = [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
             {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
             {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153}]
SEED_POOL = {"apiVersion": CRD, "kind": "IPPool", "metadata": {"name": "default-pool", "resourceVersion": "12"},
             "spec": {"cidr": "10.233.64.0/18", "blockSize": 24, "ipipMode": "Never", "vxlanMode": "Never", "natOutgoing": True,
                      "nodeSelector": "all()"}}
SEED_CONFIG = {"metadata": {"name": "default"}, "spec": {"asNumber": 64513, "nodeToNodeMeshEnabled": True,
                                                         "serviceClusterIPs": [{"cidr": "10.233.0.0/18"}]}}
SEED_PEER = {"metadata": {"name": "peer-switch"}, "spec": {"peerIP": "10.200.20.254", "asNumber": 65200,
                                                           "nodeSelector": "%s == 'ingress'" % INGRESS}}


def node_status(name: str, states: List[str], v6_states: Optional[List[str]] = None) -> Dict[str, Any]:
    """A CalicoNodeStatus with one BGP peer per state."""
    return {"metadata": {"name": name + "-status"}, "spec": {"node": name, "classes": ["BGP"], "updatePeriodSeconds": 10},
            "status": {"bgp": {"numberEstablishedV4": states.count("Established"),
                               "peersV4": [{"peerIP": "10.200.20.%d" % (250 + index), "state": state, "type": "GlobalPeer",
                                            "since": "09:00:00"} for index, state in enumerate(states)],
                               "peersV6": [{"peerIP": "fd00::%d" % index, "state": state} for index, state in enumerate(v6_states or [])]}}}


class FakeCluster:  # pylint: disable=too-few-public-methods
    """The urllib3 pool behind a KubeClient: answers GETs from canned objects, 404 for the rest."""

    def __init__(self, groups: List[str], objects: Mapping[str, Any]) -> None:
        self.answers: Dict[str, Any] = {"/apis": {"kind": "APIGroupList", "groups": [
            {"name": group.split("/")[0], "versions": [{"groupVersion": group, "version": group.split("/")[1]}]} for group in groups]}}
        for path, value in objects.items():
            self.answers[path] = {"kind": "List", "items": value} if isinstance(value, list) else value
        self.paths: List[str] = []

    def request(self, method: str, url: str, **_kwargs: Any) -> Any:
        """Answer a GET from the table."""
        assert method == "GET" and url.startswith(HOST)
        path = url[len(HOST):]
        self.paths.append(path)
        answer = self.answers.get(path)
        status, body = (200, answer) if answer is not None else (404, {"kind": "Status", "reason": "NotFound", "code": 404})
        return type("Response", (), {"status": status, "data": json.dumps(body).encode("utf-8")})()


def cluster_objects(group: str, nodes: List[Dict[str, Any]], corefile: Optional[str] = KUBEADM_COREFILE) -> Dict[str, Any]:
    """The seed cluster's objects by the path that lists (or gets) them."""
    objects: Dict[str, Any] = {
        "/api/v1/nodes": nodes,
        "/apis/%s/ipamblocks" % CRD: [block("10.233.64.0/24", "node1", [0, None, 1, None]), block("10.233.65.0/24", "node2", [2]),
                                      block("10.233.66.0/24", "node1", []), block("10.233.67.0/24", None, [None])],
        DNS_SERVICES: [service("kube-dns", "10.233.0.3", DNS_PORTS)],
        "/apis/%s/ippools" % group: [SEED_POOL],
        "/apis/%s/bgpconfigurations" % group: [SEED_CONFIG],
        "/apis/%s/bgppeers" % group: [SEED_PEER],
        "/apis/%s/caliconodestatuses" % group: [node_status("node1", ["Established"]), node_status("node2", ["Idle"])],
    }
    if corefile is not None:
        objects[COREDNS] = {"kind": "ConfigMap", "metadata": {"name": "coredns", "namespace": "kube-system"},
                            "data": {"Corefile": corefile}}
    return objects


@pytest.fixture(name="connect")
def fixture_connect(monkeypatch, tmp_path):
    """Return a function that builds a KubeClient talking to a FakeCluster."""
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("KUBECONFIG", raising=False)

    def connect(groups: List[str], objects: Mapping[str, Any]):
        client = k8s.KubeClient({"host": HOST, "api_key": "token"})
        cluster = FakeCluster(groups, objects)
        monkeypatch.setattr(client, "_pool", cluster)
        return client, cluster

    return connect


# --------------------------------------------------------------------------
# Facts of single objects
# --------------------------------------------------------------------------


def test_node_facts_seed_node():
    assert discovery.node_facts(node("node1", "10.200.20.105", ingress=True)) == {
        "name": "node1",
        "labels": {"kubernetes.io/hostname": "node1", "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", INGRESS: "ingress"},
        "internal_ips": ["10.200.20.105"],
        "internal_ip": "10.200.20.105",
        "ready": True,
        "bgp": {"ipv4_address": "10.200.20.105/24", "ipv6_address": None, "as_number": "64513"},
    }


@pytest.mark.parametrize("ready, expected", [("True", True), ("False", False), ("Unknown", False)])
def test_node_facts_ready(ready, expected):
    assert discovery.node_facts(node("node3", "10.200.20.107", ready=ready))["ready"] is expected


def test_node_facts_dual_stack_and_bare_node():
    dual = node("node4", "10.200.20.108")
    dual["status"]["addresses"] = [{"type": "ExternalIP", "address": "203.0.113.8"}, {"type": "InternalIP", "address": "10.200.20.108"},
                                   {"type": "InternalIP", "address": "fd00:10:200:20::108"}]
    dual["metadata"]["annotations"]["projectcalico.org/IPv6Address"] = "fd00:10:200:20::108/64"
    facts = discovery.node_facts(dual)
    assert (facts["internal_ips"], facts["internal_ip"]) == (["10.200.20.108", "fd00:10:200:20::108"], "10.200.20.108")
    assert facts["bgp"]["ipv6_address"] == "fd00:10:200:20::108/64"
    assert discovery.node_facts({"metadata": {"name": "new"}}) == {
        "name": "new", "labels": {}, "internal_ips": [], "internal_ip": None, "ready": False,
        "bgp": {"ipv4_address": None, "ipv6_address": None, "as_number": None}}


def test_pool_facts():
    assert discovery.pool_facts(SEED_POOL) == {"name": "default-pool", "spec": SEED_POOL["spec"]}
    assert discovery.pool_facts({"metadata": {"name": "empty"}}) == {"name": "empty", "spec": {}}


@pytest.mark.parametrize("obj, expected", [
    (block("10.233.64.0/24", "node1", [0, None, 1, None]), {"cidr": "10.233.64.0/24", "node": "node1", "allocated": 2}),
    (block("10.233.65.0/24", "node-with.dots", []), {"cidr": "10.233.65.0/24", "node": "node-with.dots", "allocated": 0}),
    (block("10.233.66.0/24", None, [None, None]), {"cidr": "10.233.66.0/24", "node": None, "allocated": 0}),
    ({"spec": {"cidr": "10.233.67.0/24", "affinity": "virtual:loadbalancer"}}, {"cidr": "10.233.67.0/24", "node": None, "allocated": 0}),
])
def test_block_facts(obj, expected):
    assert discovery.block_facts(obj) == expected


def test_dns_service_facts_skips_headless():
    services = [service("kube-dns-headless", "None"), service("kube-dns-external", ""), service("kube-dns", "10.233.0.3", DNS_PORTS)]
    assert discovery.dns_service_facts(services) == {
        "namespace": "kube-system", "name": "kube-dns", "cluster_ip": "10.233.0.3", "cluster_ips": ["10.233.0.3"], "ports": DNS_PORTS}


def test_dns_service_facts_dual_stack_and_missing_cluster_ips():
    dual = service("coredns", "10.233.0.3")
    dual["spec"]["clusterIPs"] = ["10.233.0.3", "fd00:10:233::a"]
    old = service("kube-dns", "10.233.0.10")
    del old["spec"]["clusterIPs"]
    assert discovery.dns_service_facts([dual])["cluster_ips"] == ["10.233.0.3", "fd00:10:233::a"]
    assert discovery.dns_service_facts([old])["cluster_ips"] == ["10.233.0.10"]


@pytest.mark.parametrize("services", [[], [service("kube-dns", "None")]])
def test_dns_service_facts_none(services):
    assert discovery.dns_service_facts(services) is None


@pytest.mark.parametrize("corefile, domain", [
    (KUBEADM_COREFILE, "cluster.local"),
    (CUSTOM_DOMAIN_COREFILE, "k8s.example.internal"),
    (TRAILING_DOTS_COREFILE, "cluster.local"),
    (KUBEADM_COREFILE.replace("cluster.local", "Cluster.Local"), "cluster.local"),
    (KUBEADM_COREFILE.replace("\n", "\r\n"), "cluster.local"),
    (".:53 {\n    kubernetes 233.10.in-addr.arpa cluster.local {\n    }\n}\n", "cluster.local"),
    (".:53 {\n    kubernetes cluster.local # the cluster's zone\n    forward . /etc/resolv.conf\n}\n", "cluster.local"),
    (".:53 {\n\tkubernetes\tcluster.local\tin-addr.arpa{\n\t}\n}\n", "cluster.local"),
    (NO_KUBERNETES_COREFILE, None),
    (REVERSE_ONLY_COREFILE, None),
    (REVERSE_ONLY_NO_BLOCK_COREFILE, None),
    (NO_ZONES_COREFILE, None),
    (".:53 {\n    kubernetes {\n        pods insecure\n    }\n}\n", None),
    (".:53 {\n    # kubernetes cluster.local\n    forward . /etc/resolv.conf\n}\n", None),
    ("", None),
    (None, None),
])
def test_cluster_domain(corefile, domain):
    assert discovery.cluster_domain(corefile) == domain


def test_node_status_facts():
    status = node_status("node1", ["Established", "Idle", "Established"], ["Established", "Connect"])
    facts = discovery.node_status_facts(status)
    assert (facts["node"], facts["established"]) == ("node1", 3)
    assert [peer["state"] for peer in facts["peers"]] == ["Established", "Idle", "Established", "Established", "Connect"]
    assert facts["peers"][0] == {"peerIP": "10.200.20.250", "state": "Established", "type": "GlobalPeer", "since": "09:00:00"}
    assert discovery.node_status_facts({"metadata": {"name": "node3"}}) == {"node": "node3", "established": 0, "peers": []}


# --------------------------------------------------------------------------
# discover(): one call per kind
# --------------------------------------------------------------------------


def expected_paths(group: str) -> List[str]:
    """Every request discover() makes, in order."""
    return ["/apis", "/api/v1/nodes", "/apis/%s/ipamblocks" % CRD, DNS_SERVICES, "/apis/%s/ippools" % group, COREDNS,
            "/apis/%s/bgpconfigurations" % group, "/apis/%s/bgppeers" % group, "/apis/%s/caliconodestatuses" % group]


@pytest.mark.parametrize("served, group", [([CRD, V3], V3), ([CRD], CRD)])
def test_discover_seed(connect, served, group):
    client, cluster = connect(["apps/v1", "rbac.authorization.k8s.io/v1"] + served, cluster_objects(group, seed_nodes()))
    facts = discovery.discover(client)
    assert cluster.paths == expected_paths(group)
    assert client.calls == 9
    assert facts["api_group"] == group
    assert [(item["name"], item["internal_ip"], item["labels"].get(INGRESS), item["ready"]) for item in facts["nodes"]] == [
        ("node1", "10.200.20.105", "ingress", True), ("node2", "10.200.20.106", "ingress", True),
        ("node3", "10.200.20.107", None, True), ("node4", "10.200.20.108", None, True)]
    assert facts["nodes"][0] == discovery.node_facts(node("node1", "10.200.20.105", ingress=True))
    assert facts["pools"] == [{"name": "default-pool", "spec": SEED_POOL["spec"]}]
    assert facts["blocks"] == [{"cidr": "10.233.64.0/24", "node": "node1", "allocated": 2},
                               {"cidr": "10.233.65.0/24", "node": "node2", "allocated": 1},
                               {"cidr": "10.233.66.0/24", "node": "node1", "allocated": 0},
                               {"cidr": "10.233.67.0/24", "node": None, "allocated": 0}]
    assert facts["blocks_by_node"] == {"node1": ["10.233.64.0/24", "10.233.66.0/24"], "node2": ["10.233.65.0/24"]}
    assert facts["dns_service"] == {"namespace": "kube-system", "name": "kube-dns", "cluster_ip": "10.233.0.3",
                                    "cluster_ips": ["10.233.0.3"], "ports": DNS_PORTS}
    assert facts["cluster_domain"] == "cluster.local"
    assert facts["bgp_configurations"] == [{"name": "default", "spec": SEED_CONFIG["spec"]}]
    assert facts["bgp_peers"] == [{"name": "peer-switch", "spec": SEED_PEER["spec"]}]
    assert [(item["node"], item["established"]) for item in facts["node_status"]] == [("node1", 1), ("node2", 0)]
    assert sorted(facts) == ["api_group", "bgp_configurations", "bgp_peers", "blocks", "blocks_by_node", "cluster_domain",
                             "dns_service", "node_status", "nodes", "pools"]


def test_discover_explicit_group(connect):
    client, cluster = connect([CRD, V3], cluster_objects(CRD, seed_nodes()))
    assert discovery.discover(client, api_group=CRD)["api_group"] == CRD
    assert cluster.paths == expected_paths(CRD)


@pytest.mark.parametrize("count", [1, 4, 400])
def test_discover_calls_do_not_grow_with_nodes(connect, count):
    client, cluster = connect([CRD], cluster_objects(CRD, seed_nodes(count)))
    facts = discovery.discover(client)
    assert len(facts["nodes"]) == count
    assert facts["nodes"][-1]["name"] == "node%d" % count
    assert client.calls == len(cluster.paths) == 9
    assert cluster.paths == expected_paths(CRD)


def test_discover_empty_cluster(connect):
    """A cluster with Calico's CRDs but nothing else: no ConfigMap, no DNS Service, no node statuses."""
    client, cluster = connect([CRD], {})
    assert discovery.discover(client) == {
        "api_group": CRD, "nodes": [], "pools": [], "blocks": [], "blocks_by_node": {}, "dns_service": None, "cluster_domain": None,
        "bgp_configurations": [], "bgp_peers": [], "node_status": []}
    assert cluster.paths == expected_paths(CRD)


def test_discover_without_calico(connect):
    client, cluster = connect(["apps/v1", "rbac.authorization.k8s.io/v1"], cluster_objects(CRD, seed_nodes()))
    with pytest.raises(k8s.KubeError) as caught:
        discovery.discover(client)
    assert str(caught.value).startswith("the cluster serves no Calico API")
    assert cluster.paths == ["/apis"]
