# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The network lab's pure parts: the topology from the inventory, the seed, pod addressing, nftables and the overlay."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from kubeapi import seed as seeds
from netlab import frr, kube, model, nftables, overlay


@pytest.fixture
def topo(example: dict) -> model.Topology:
    """The example's lab with the default prefix."""
    return model.topology(example, "fn-")


def test_example_topology_names_and_addresses(topo: model.Topology) -> None:
    assert [(node.name, node.ip, node.prefixlen, node.netns, node.switch_port) for node in topo.nodes] == [
        ("node1", "10.200.20.105", 24, "fn-node1", "vn0"), ("node2", "10.200.20.106", 24, "fn-node2", "vn1"),
        ("node3", "10.200.20.107", 24, "fn-node3", "vn2"), ("node4", "10.200.20.108", 24, "fn-node4", "vn3")]
    assert topo.nodes[0].labels == {"node-role.kubernetes.io/ingress": "ingress"} and topo.nodes[2].labels == {}
    assert (topo.switch.netns, topo.switch.pathspace, topo.switch.peer_ip, topo.switch.transit_ip) == (
        "fn-switch-switch1", "fn-switch-switch1", "10.200.20.254", "10.200.21.1")
    assert (topo.gateway.netns, topo.gateway.transit_ip, topo.gateway.lan_ip) == ("fn-gw-office-gw1", "10.200.21.2", "192.168.10.1")
    assert (topo.pc_netns, topo.pc_ip, topo.office_lan_prefixlen, topo.transit_prefixlen) == ("fn-pc", "192.168.10.10", 24, 30)
    assert topo.dns_service_ip == "10.233.0.3" and topo.pods_per_node == 2
    assert topo.encapsulation == {"ipip_mode": "Always", "vxlan_mode": "Never"}
    assert topo.all_pod_netns()[:2] == ["fn-pod-node1-0", "fn-pod-node1-1"] and len(topo.all_pod_netns()) == 9
    assert topo.all_pod_netns()[-1] == topo.cluster_dns_netns == "fn-pod-dns"
    assert topo.dns_server == model.DnsServer(name="office-dns1", kind="bind", netns="fn-dns", ip="192.168.10.53")
    assert "fn-dns" in topo.namespaces
    assert topo.cluster_ranges() == ["10.233.64.0/18", "10.233.0.0/18"] and topo.service_ranges() == ["10.233.0.0/18"]
    assert topo.skipped == []


def test_pod_groups_alternate_between_service_selectors(topo: model.Topology) -> None:
    groups = topo.pod_groups()
    assert [(group.namespace, group.labels, group.ports) for group in groups] == [
        ("default", {"app": "web"}, ((8080, "TCP"),)), ("default", {"app": "api"}, ((8080, "TCP"),))]


def test_another_inventory_gets_its_own_twin(example: dict) -> None:
    other = copy.deepcopy(example)
    other["flatnet_cluster"]["pools"][0].update(cidr="172.30.0.0/16", block_size=26)
    other["flatnet_cluster"]["service_cluster_ips"] = ["172.31.0.0/20"]
    other["flatnet_fabric"]["switches"] = [{"name": "tor-a", "platform": "frr", "as_number": 65010, "peer_ip": "10.9.0.1"},
                                           {"name": "tor-b", "platform": "frr", "as_number": 65011, "peer_ip": "10.9.0.2"}]
    other["flatnet_office"]["networks"] = ["172.16.5.0/25"]
    other["flatnet_office"]["gateways"] = [{"name": "gw-a", "next_hop": "10.9.9.1"}]
    other["netlab"] = {"node_network": "10.9.0.0/26", "nodes": [{"name": "w%d" % index, "ip": "10.9.0.%d" % (10 + index)} for index in range(3)],
                       "pods_per_node": 3, "services": [], "transit_network": "10.9.9.0/29", "office_pc": "172.16.5.100"}
    topo = model.topology(other, "ft-")
    assert [node.netns for node in topo.nodes] == ["ft-w0", "ft-w1", "ft-w2"] and topo.nodes[0].prefixlen == 26
    assert (topo.switch.netns, topo.switch.transit_ip) == ("ft-switch-tor-a", "10.9.9.1")
    assert (topo.gateway.netns, topo.gateway.transit_ip, topo.gateway.lan_ip) == ("ft-gw-gw-a", "10.9.9.2", "172.16.5.1")
    assert topo.skipped == ["switch tor-b"] and topo.dns_service_ip is None
    assert topo.encapsulation == {"ipip_mode": "Never", "vxlan_mode": "Never"}
    assert [(group.labels, group.ports) for group in topo.pod_groups()] == [({"app": "pod"}, ((8080, "TCP"),))]
    seeds.check(kube.seed_description(topo))


@pytest.mark.parametrize("change, message", [
    (lambda v: v["flatnet_office"]["gateways"][0].update(next_hop="10.200.21.2"), "is not the switch's transit address 10.200.21.1"),
    (lambda v: v["netlab"]["nodes"][0].update(ip="10.200.30.5"), "netlab.nodes[0].ip: 10.200.30.5 is not in 10.200.20.0/24"),
    (lambda v: v["netlab"].update(office_pc="192.168.11.10"), "netlab.office_pc: 192.168.11.10 is not in 192.168.10.0/24"),
    (lambda v: v["flatnet_fabric"]["switches"][0].update(peer_ip="10.1.1.1"), "peer_ip: 10.1.1.1 is not in 10.200.20.0/24"),
    (lambda v: v["netlab"].update(transit_network="10.200.21.0/31"), "fewer than two host addresses"),
    (lambda v: v["netlab"].update(colour="blue"), "netlab.colour: unknown key"),
    (lambda v: v["netlab"]["nodes"].append({"name": "node1", "ip": "10.200.20.9"}), "the name node1 is used twice"),
])
def test_descriptions_that_do_not_fit_are_refused(example: dict, change: Any, message: str) -> None:
    change(example)
    with pytest.raises(model.LabError) as err:
        model.topology(example, "fn-")
    assert message in str(err.value)


def test_veth_names_are_calicos() -> None:
    name = model.veth_name("default", "web-node1-0")
    assert re.fullmatch(r"cali[0-9a-f]{11}", name) and len(name) == 15
    assert name != model.veth_name("default", "web-node1-1")


def test_seed_is_the_cluster_before_site_yml(topo: model.Topology) -> None:
    desc = kube.seed_description(topo)
    built = seeds.build(desc)
    assert desc["calico"]["pools"] == [{"name": "default-pool", "cidr": "10.233.64.0/18", "block_size": 24, "nat_outgoing": True,
                                        "node_selector": "all()", "ipip_mode": "Always", "vxlan_mode": "Never"}]
    assert desc["dns"] == {"service_name": "kube-dns", "service_ip": "10.233.0.3"} and desc["service_cidr"] == "10.233.0.0/18"
    assert built.counts()["Node"] == 4 and built.counts()["IPAMBlock"] == 4
    nodes = {obj["metadata"]["name"]: obj for _group, plural, obj in built.objects if plural == "nodes"}
    assert nodes["node1"]["metadata"]["labels"]["node-role.kubernetes.io/ingress"] == "ingress"


def _blocks(topo: model.Topology) -> list:
    return [obj for _group, plural, obj in seeds.build(kube.seed_description(topo)).objects if plural == "ipamblocks"]


def test_pods_take_free_block_addresses_and_are_recorded(topo: model.Topology) -> None:
    blocks = _blocks(topo)
    pods, changed = kube.plan_pods(topo, blocks)
    assert [(pod.name, pod.node, pod.ip, pod.netns) for pod in pods[:5]] == [
        ("web-node1-0", "node1", "10.233.64.1", "fn-pod-node1-0"), ("api-node1-1", "node1", "10.233.64.2", "fn-pod-node1-1"),
        ("coredns-node1", "node1", "10.233.64.3", "fn-pod-dns"),
        ("web-node2-0", "node2", "10.233.65.1", "fn-pod-node2-0"), ("api-node2-1", "node2", "10.233.65.2", "fn-pod-node2-1")]
    assert (pods[2].namespace, pods[2].labels, pods[2].ports) == ("kube-system", {"k8s-app": "kube-dns"}, ((53, "UDP"), (53, "TCP")))
    assert len(changed) == 4 and len(pods) == 9
    spec = changed[0]["spec"]
    assert spec["allocations"][:5] == [0, 1, 2, 3, None] and 1 not in spec["unallocated"] and 4 in spec["unallocated"]
    assert spec["attributes"][1]["secondary"]["pod"] == "web-node1-0" and spec["sequenceNumber"] == 4
    assert kube.free_ordinals(changed[0])[:2] == [4, 5]


def test_too_small_blocks_are_refused(topo: model.Topology) -> None:
    blocks = _blocks(topo)
    for block in blocks:
        block["spec"]["allocations"] = [0] * len(block["spec"]["allocations"])
    with pytest.raises(ValueError, match="node node1 has 0 free pod addresses"):
        kube.plan_pods(topo, blocks)


def _service(name: str, cluster_ip: str, port: int, target: int, selector: dict) -> dict:
    return {"metadata": {"namespace": "default", "name": name, "labels": {}},
            "spec": {"clusterIP": cluster_ip, "selector": selector, "ports": [{"name": "http", "port": port, "targetPort": target, "protocol": "TCP"}]}}


def _pod(name: str, ip: str, app: str, node: str) -> dict:
    return {"metadata": {"namespace": "default", "name": name, "labels": {"app": app}, "uid": name}, "spec": {"nodeName": node}, "status": {"podIP": ip}}


def test_endpoints_follow_the_selector() -> None:
    pods = [_pod("web-b", "10.233.65.1", "web", "node2"), _pod("web-a", "10.233.64.1", "web", "node1"), _pod("api-a", "10.233.64.2", "api", "node1")]
    body = kube.endpoints_for(_service("web", "10.233.0.10", 80, 8080, {"app": "web"}), pods)
    assert [address["ip"] for address in body["subsets"][0]["addresses"]] == ["10.233.64.1", "10.233.65.1"]
    assert body["subsets"][0]["ports"] == [{"port": 8080, "protocol": "TCP", "name": "http"}]
    assert "subsets" not in kube.endpoints_for(_service("none", "10.233.0.11", 80, 8080, {"app": "none"}), pods)


def test_kube_proxy_table_dnats_to_every_endpoint() -> None:
    pods = [_pod("web-a", "10.233.64.1", "web", "node1"), _pod("web-b", "10.233.65.1", "web", "node2")]
    services = [_service("web", "10.233.0.10", 80, 8080, {"app": "web"}), _service("idle", "10.233.0.11", 80, 8080, {"app": "idle"})]
    endpoints = [kube.endpoints_for(service, pods) for service in services]
    ruleset = nftables.render_kube_proxy(services, endpoints, ["10.233.64.0/18", "10.233.0.0/18"])
    assert ruleset.startswith("table ip flatnet-kube-proxy\ndelete table ip flatnet-kube-proxy\ntable ip flatnet-kube-proxy {\n")
    assert 'ip daddr 10.233.0.10 tcp dport 80 jump svc-0 comment "default/web:http"' in ruleset
    assert "numgen random mod 2 vmap { 0 : jump svc-0-ep-0, 1 : jump svc-0-ep-1 }" in ruleset
    assert "meta l4proto tcp dnat to 10.233.64.1:8080" in ruleset and "meta l4proto tcp dnat to 10.233.65.1:8080" in ruleset
    assert "10.233.0.11" not in ruleset
    assert "elements = { 10.233.0.0/18, 10.233.64.0/18 }" in ruleset
    assert "ip saddr != @cluster-ranges meta mark set meta mark | 0x4000" in ruleset


def test_nat_outgoing_spares_every_pool_and_service_range() -> None:
    pools = [{"spec": {"cidr": "10.233.64.0/18", "natOutgoing": True}}, {"spec": {"cidr": "192.168.10.0/24", "disabled": True}},
             {"spec": {"cidr": "fd00::/64", "natOutgoing": True}}]
    ruleset = nftables.render_nat_outgoing(pools, ["10.233.0.0/18"])
    assert "elements = { 10.233.64.0/18 }" in ruleset
    assert "elements = { 10.233.0.0/18, 10.233.64.0/18, 192.168.10.0/24 }" in ruleset
    assert 'ip saddr @masq-pools ip daddr != @all-ranges oifname "eth0" masquerade' in ruleset
    assert "masquerade" not in nftables.render_nat_outgoing([{"spec": {"cidr": "10.233.64.0/18"}}], [])


def test_overlay_reaches_the_twins_through_netns(topo: model.Topology) -> None:
    found = overlay.overlay(topo, "/usr/bin/python3")["all"]
    hosts = found["hosts"]
    # become is off on the twins: they run as root, and a production inventory's sudo is not there.
    assert hosts["switch1"] == {"ansible_connection": "flatnet.kube.netns", "ansible_netns_name": "fn-switch-switch1", "ansible_become": False,
                                "ansible_python_interpreter": "/usr/bin/python3", "switch_bgp_frr_pathspace": "fn-switch-switch1"}
    assert hosts["office-gw1"] == {"ansible_connection": "flatnet.kube.netns", "ansible_netns_name": "fn-gw-office-gw1", "ansible_become": False,
                                   "ansible_python_interpreter": "/usr/bin/python3"}
    assert found["children"]["office_probes"]["hosts"]["office-pc"]["ansible_become"] is False


def test_frr_starts_without_bgp() -> None:
    text = frr.frr_conf("box")
    assert text.splitlines()[:3] == ["frr defaults traditional", "hostname box", "service integrated-vtysh-config"]
    assert "router bgp" not in text


def test_the_switchs_own_configuration_takes_the_as_as_the_inventory_writes_it():
    from netlab import uplink  # pylint: disable=import-outside-toplevel,import-error
    assert [uplink.asplain(value) for value in (65200, "65200", "1.20")] == [65200, 65200, 65556]
