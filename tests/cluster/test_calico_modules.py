# SPDX-License-Identifier: GPL-3.0-or-later
"""The Calico modules against the lab's API emulator, read back with the official client."""

from __future__ import annotations

from typing import Any, Dict

import pytest
from kubernetes.client.exceptions import ApiException

from ansible_collections.flatnet.kube.plugins.modules import calico_bgp_configuration, calico_bgp_peer, calico_ippool

from kube_helpers import bad_token_kubeconfig, inject_conflict  # pylint: disable=import-error

POOL_PATH = "/apis/crd.projectcalico.org/v1/ippools/default-pool"
SELECTOR = "node-role.kubernetes.io/ingress == 'ingress'"


def auth(emulator: Any, **options: Any) -> Dict[str, Any]:
    return dict({"kubeconfig": emulator.kubeconfig_path}, **options)


# --- calico_ippool ---


def test_ippool_create_then_rerun_is_unchanged(cluster, kube, run_module):
    args = auth(cluster, name="extra-pool", cidr="10.234.0.0/20", block_size=26, nat_outgoing=True)
    result = run_module(calico_ippool.main, args).result
    assert result["changed"] is True and result["api_group"] == "crd.projectcalico.org/v1"
    stored = kube.get("ippools", "extra-pool")["spec"]
    # A new pool gets Calico's defaults written out, so calico-node reads the same thing calicoctl would write.
    assert stored == {"cidr": "10.234.0.0/20", "blockSize": 26, "ipipMode": "Never", "vxlanMode": "Never", "natOutgoing": True,
                      "disabled": False, "disableBGPExport": False, "nodeSelector": "all()"}
    assert result["diff"]["before"] == {} and result["diff"]["after"]["spec"] == stored
    before = kube.writes()
    again = run_module(calico_ippool.main, args).result
    assert again["changed"] is False
    assert kube.writes() == before  # no write at all on the rerun


def test_ippool_update_keeps_unmanaged_fields_and_sends_resource_version(cluster, kube, run_module):
    current = kube.get("ippools", "default-pool")
    result = run_module(calico_ippool.main, auth(cluster, name="default-pool", ipip_mode="Never")).result
    assert result["changed"] is True
    stored = kube.get("ippools", "default-pool")
    assert stored["spec"] == dict(current["spec"], ipipMode="Never")
    assert int(stored["metadata"]["resourceVersion"]) > int(current["metadata"]["resourceVersion"])
    assert result["diff"]["before"]["spec"]["ipipMode"] == "Always" and result["diff"]["after"]["spec"]["ipipMode"] == "Never"


def test_ippool_check_mode_writes_nothing_but_is_validated_by_the_server(cluster, kube, run_module):
    state = kube.state()
    result = run_module(calico_ippool.main, auth(cluster, name="extra-pool", cidr="10.234.0.0/20", _ansible_check_mode=True)).result
    assert result["changed"] is True
    assert result["ippool"]["spec"]["cidr"] == "10.234.0.0/20"
    assert kube.state() == state
    writes = kube.writes()
    assert writes and all("dryRun=All" in entry["query"] for entry in writes)
    with pytest.raises(ApiException) as missing:
        kube.get("ippools", "extra-pool")
    assert missing.value.status == 404


@pytest.mark.parametrize("options, message", [
    ({"name": "default-pool", "cidr": "10.244.0.0/16"}, "cidr cannot change from 10.233.64.0/18 to 10.244.0.0/16"),
    ({"name": "default-pool", "block_size": 26}, "block_size cannot change from 24 to 26"),
    ({"name": "extra", "cidr": "10.234.0.0/20", "block_size": 33}, "33 is out of range for an IPv4 pool"),
    ({"name": "extra", "cidr": "10.234.0.0/27", "block_size": 26}, "pool prefix /27 is longer than block_size 26"),
    ({"name": "extra", "cidr": "10.233.100.0/24"}, "overlaps the existing IPPool default-pool (10.233.64.0/18)"),
    ({"name": "extra", "cidr": "10.234.0.0/20", "ipip_mode": "Always", "vxlan_mode": "Always"}, "are both enabled"),
    ({"name": "extra6", "cidr": "fd00:10:234::/64", "block_size": 122, "ipip_mode": "Always"}, "IP-in-IP carries IPv4 only"),
    ({"name": "extra", "block_size": 26}, "cidr is required to create it"),
    ({"name": "extra", "cidr": "10.234.0.1/20"}, "has host bits set"),
])
def test_ippool_rules_fail_before_any_write(cluster, kube, run_module, options, message):
    state = kube.state()
    result = run_module(calico_ippool.main, auth(cluster, **options)).result
    assert result["failed"] is True
    assert message in result["msg"]
    assert kube.writes() == [] and kube.state() == state


def test_ippool_cidr_change_explains_the_migration(cluster, run_module):
    result = run_module(calico_ippool.main, auth(cluster, name="default-pool", cidr="10.244.0.0/16")).result
    assert "create a new pool with the new values, set disabled: true on the old pool" in result["msg"]


def test_ippool_absent_deletes_then_is_unchanged(cluster, kube, run_module):
    result = run_module(calico_ippool.main, auth(cluster, name="default-pool", state="absent")).result
    assert result["changed"] is True and result["diff"]["after"] == {}
    assert "default-pool" not in kube.names("ippools")
    again = run_module(calico_ippool.main, auth(cluster, name="default-pool", state="absent")).result
    assert again["changed"] is False


def test_a_conflict_is_reread_and_retried(cluster, kube, run_module):
    inject_conflict(cluster, POOL_PATH, 2)
    result = run_module(calico_ippool.main, auth(cluster, name="default-pool", ipip_mode="Never")).result
    assert result["changed"] is True
    puts = [entry for entry in kube.writes() if entry["method"] == "PUT"]
    assert [entry["status"] for entry in puts] == [409, 409, 200]
    stored = kube.get("ippools", "default-pool")
    assert stored["spec"]["ipipMode"] == "Never"
    # The other writer's change survives: the module re-read before writing again.
    assert stored["metadata"]["annotations"]["lab.flatnet.kube/concurrent-writes"]


def test_conflicts_beyond_the_retries_fail_clearly(cluster, kube, run_module):
    inject_conflict(cluster, POOL_PATH, 10)
    result = run_module(calico_ippool.main, auth(cluster, name="default-pool", ipip_mode="Never", conflict_retries=2)).result
    assert result["failed"] is True
    assert "3 writes in a row met a newer resourceVersion (409 Conflict)" in result["msg"]
    assert [entry["status"] for entry in kube.writes()] == [409, 409, 409]


def test_a_refused_token_is_a_clear_401(cluster, tmp_path, run_module):
    result = run_module(calico_ippool.main, {"kubeconfig": bad_token_kubeconfig(cluster, str(tmp_path)), "name": "default-pool"}).result
    assert result["failed"] is True and result["status"] == 401
    assert "401 Unauthorized" in result["msg"] and "K8S_AUTH_*" in result["msg"]


def test_auth_from_k8s_auth_environment(cluster, monkeypatch, run_module):
    monkeypatch.setenv("K8S_AUTH_KUBECONFIG", cluster.kubeconfig_path)
    result = run_module(calico_ippool.main, {"name": "default-pool", "ipip_mode": "Always"}).result
    assert result["changed"] is False


def test_auth_from_host_and_token(cluster, run_module):
    result = run_module(calico_ippool.main, {"host": cluster.url, "api_key": cluster.token, "ca_cert": cluster.ca_path,
                                             "name": "default-pool", "ipip_mode": "Always"}).result
    assert result["changed"] is False


def test_the_token_never_shows(cluster, run_module):
    stdout = run_module(calico_ippool.main, {"host": cluster.url, "api_key": cluster.token, "ca_cert": cluster.ca_path,
                                             "name": "default-pool", "ipip_mode": "Never"}).stdout
    assert cluster.token not in stdout


# --- calico_bgp_peer ---


def test_bgp_peer_seed_create_rerun_and_diff(cluster, kube, run_module):
    args = auth(cluster, name="peer-switch", peer_ip="10.200.20.254", as_number="0.65200", node_selector=SELECTOR)
    result = run_module(calico_bgp_peer.main, args).result
    assert result["changed"] is True
    assert kube.get("bgppeers", "peer-switch")["spec"] == {"peerIP": "10.200.20.254", "asNumber": 65200, "nodeSelector": SELECTOR}
    again = run_module(calico_bgp_peer.main, args).result
    assert again["changed"] is False


def test_bgp_peer_node_selector_replaces_node(cluster, kube, run_module):
    run_module(calico_bgp_peer.main, auth(cluster, name="peer-switch", peer_ip="10.200.20.254", as_number=65200, node="node1"))
    result = run_module(calico_bgp_peer.main, auth(cluster, name="peer-switch", node_selector=SELECTOR)).result
    assert result["changed"] is True
    assert kube.get("bgppeers", "peer-switch")["spec"] == {"peerIP": "10.200.20.254", "asNumber": 65200, "nodeSelector": SELECTOR}


@pytest.mark.parametrize("options, message", [
    ({"peer_ip": "10.200.20.254", "as_number": 65200, "node": "node1", "node_selector": SELECTOR}, "mutually exclusive: node|node_selector"),
    ({"peer_ip": "10.200.20.254", "peer_selector": "all()", "as_number": 65200}, "mutually exclusive: peer_ip|peer_selector"),
    ({"as_number": 65200, "node_selector": SELECTOR}, "needs peer_ip (the switch address) or peer_selector"),
    ({"peer_ip": "10.200.20.254", "node_selector": SELECTOR}, "as_number is required with peer_ip"),
    ({"peer_ip": "10.200.20.254", "as_number": 23456}, "AS_TRANS"),
    ({"peer_ip": "10.200.20.254", "as_number": "1.65536"}, "each half of asdot notation must be from 0 to 65535"),
    ({"peer_ip": "10.200.20.254", "as_number": 65200, "node_selector": "a = 'b'"}, "use == to compare"),
])
def test_bgp_peer_rules_fail_before_any_write(cluster, kube, run_module, options, message):
    result = run_module(calico_bgp_peer.main, auth(cluster, name="peer-switch", **options)).result
    assert result["failed"] is True and message in result["msg"]
    assert kube.writes() == []


def test_bgp_peer_absent(cluster, kube, run_module):
    run_module(calico_bgp_peer.main, auth(cluster, name="peer-switch", peer_ip="10.200.20.254", as_number=65200))
    result = run_module(calico_bgp_peer.main, auth(cluster, name="peer-switch", state="absent")).result
    assert result["changed"] is True and kube.names("bgppeers") == []


OWNED = {"app.kubernetes.io/managed-by": "flatnet.kube", "flatnet.kube/cluster": "dev"}


def test_bgp_peer_labels_are_set_kept_and_a_missing_one_is_a_change(cluster, kube, run_module):
    args = auth(cluster, name="peer-switch", peer_ip="10.200.20.254", as_number=65200, labels=OWNED)
    assert run_module(calico_bgp_peer.main, args).result["changed"] is True
    assert kube.get("bgppeers", "peer-switch")["metadata"]["labels"] == OWNED
    assert run_module(calico_bgp_peer.main, args).result["changed"] is False
    # Someone relabels it by hand, and adds a label of their own: flatnet's comes back, theirs stays.
    stored = kube.get("bgppeers", "peer-switch")
    stored["metadata"]["labels"] = {"flatnet.kube/cluster": "other", "team": "net"}
    kube.replace("bgppeers", "peer-switch", stored)
    assert run_module(calico_bgp_peer.main, args).result["changed"] is True
    assert kube.get("bgppeers", "peer-switch")["metadata"]["labels"] == dict(OWNED, team="net")


def test_bgp_peer_password_is_removed_when_asked_and_only_then(cluster, kube, run_module):
    secret = {"name": "bgp-peer-switch", "key": "password"}
    base = auth(cluster, name="peer-switch", peer_ip="10.200.20.254", as_number=65200)
    run_module(calico_bgp_peer.main, dict(base, password_secret=secret))
    # Without either option the reference stays, as an unmanaged field does.
    assert run_module(calico_bgp_peer.main, base).result["changed"] is False
    assert kube.get("bgppeers", "peer-switch")["spec"]["password"] == {"secretKeyRef": secret}
    removed = run_module(calico_bgp_peer.main, dict(base, remove_password=True)).result
    assert removed["changed"] is True and "password" in removed["diff"]["before"]["spec"] and "password" not in removed["diff"]["after"]["spec"]
    assert "password" not in kube.get("bgppeers", "peer-switch")["spec"]
    assert run_module(calico_bgp_peer.main, dict(base, remove_password=True)).result["changed"] is False
    both = run_module(calico_bgp_peer.main, dict(base, remove_password=True, password_secret=secret)).result
    assert both["failed"] is True and "contradict each other" in both["msg"]


# --- calico_bgp_configuration ---


def test_bgp_configuration_seed_create_and_rerun(cluster, kube, run_module):
    args = auth(cluster, as_number=64513, node_to_node_mesh=True, listen_port=179, service_cluster_ips=["10.233.0.0/18"])
    result = run_module(calico_bgp_configuration.main, args).result
    assert result["changed"] is True
    assert kube.get("bgpconfigurations", "default")["spec"] == {
        "asNumber": 64513, "nodeToNodeMeshEnabled": True, "listenPort": 179, "serviceClusterIPs": [{"cidr": "10.233.0.0/18"}]}
    again = run_module(calico_bgp_configuration.main, args).result
    assert again["changed"] is False


def test_bgp_configuration_list_replaced(cluster, kube, run_module):
    run_module(calico_bgp_configuration.main, auth(cluster, service_cluster_ips=["10.233.0.0/18"]))
    result = run_module(calico_bgp_configuration.main, auth(cluster, service_cluster_ips=["10.233.0.0/18"],
                                                            service_loadbalancer_ips=["10.99.0.0/24"])).result
    assert result["changed"] is True
    assert kube.get("bgpconfigurations", "default")["spec"]["serviceLoadBalancerIPs"] == [{"cidr": "10.99.0.0/24"}]


@pytest.mark.parametrize("options, message", [
    ({"name": "node.node1", "as_number": 64513}, "as_number can be set only in the BGPConfiguration named 'default'"),
    ({"name": "custom"}, "use 'default' for the cluster, or 'node.<node name>'"),
    ({"listen_port": 70000}, "listen_port: 70000 is out of range"),
    ({"service_cluster_ips": ["10.233.0.1/18"]}, "has host bits set"),
])
def test_bgp_configuration_rules(cluster, kube, run_module, options, message):
    result = run_module(calico_bgp_configuration.main, auth(cluster, **options)).result
    assert result["failed"] is True and message in result["msg"]
    assert kube.writes() == []


# --- Calico's API server (projectcalico.org/v3) ---


def test_v3_is_used_where_served_and_server_defaults_are_no_change(cluster_v3, kube_v3, run_module):
    args = auth(cluster_v3, name="peer-switch", peer_ip="10.200.20.254", as_number=65200, node_selector=SELECTOR)
    result = run_module(calico_bgp_peer.main, args).result
    assert result["changed"] is True and result["api_group"] == "projectcalico.org/v3"
    again = run_module(calico_bgp_peer.main, args).result
    assert again["changed"] is False
    pool = auth(cluster_v3, name="extra-pool", cidr="10.234.0.0/20")
    created = run_module(calico_ippool.main, pool).result
    assert created["changed"] is True and created["ippool"]["apiVersion"] == "projectcalico.org/v3"
    assert run_module(calico_ippool.main, pool).result["changed"] is False
    # Calico's API server stores v3 objects as the CRDs calico-node reads.
    assert kube_v3.get("ippools", "extra-pool")["spec"]["cidr"] == "10.234.0.0/20"


def test_explicit_crd_group_on_a_v3_cluster(cluster_v3, run_module):
    result = run_module(calico_ippool.main, auth(cluster_v3, name="default-pool", ipip_mode="Never", api_group="crd.projectcalico.org/v1")).result
    assert result["changed"] is True and result["api_group"] == "crd.projectcalico.org/v1"


def test_v3_group_where_not_served_is_a_clear_error(cluster, run_module):
    result = run_module(calico_ippool.main, auth(cluster, name="default-pool", api_group="projectcalico.org/v3")).result
    assert result["failed"] is True and "api_group projectcalico.org/v3 is not served by this cluster" in result["msg"]


def test_bgp_configuration_empty_list_removes_the_field(cluster, kube, run_module):
    run_module(calico_bgp_configuration.main, auth(cluster, service_cluster_ips=["10.233.0.0/18"], service_external_ips=["10.98.0.0/24"]))
    result = run_module(calico_bgp_configuration.main, auth(cluster, service_external_ips=[], service_loadbalancer_ips=[])).result
    assert result["changed"] is True
    assert kube.get("bgpconfigurations", "default")["spec"] == {"serviceClusterIPs": [{"cidr": "10.233.0.0/18"}]}
    again = run_module(calico_bgp_configuration.main, auth(cluster, service_external_ips=[], service_loadbalancer_ips=[])).result
    assert again["changed"] is False
