# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/site.yml against the lab's API emulator: the seed's resources, idempotence, check mode, bad input."""

from __future__ import annotations

import json
import os
import re
from typing import Any, Callable, Dict

import pytest

READ_BACK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "files", "read_back.yml")
SELECTOR = "node-role.kubernetes.io/ingress == 'ingress'"
PASSWORD = "Md5-n3ver-shown"

# The seed's YAML, as the blog post shows it.
SEED_POOL = {"cidr": "10.233.64.0/18", "blockSize": 24, "ipipMode": "Never", "vxlanMode": "Never", "natOutgoing": True,
             "nodeSelector": "all()"}
SEED_PEER = {"asNumber": 65200, "peerIP": "10.200.20.254", "nodeSelector": SELECTOR}
SEED_BGP = {"asNumber": 64513, "listenPort": 179, "nodeToNodeMeshEnabled": True, "serviceClusterIPs": [{"cidr": "10.233.0.0/18"}]}


def _recap(output: str) -> Dict[str, int]:
    match = re.search(r"localhost\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", output)
    assert match, output
    return dict(zip(("ok", "changed", "unreachable", "failed"), map(int, match.groups())))


# The cluster side only: the switch and gateway plays need the network lab.
CLUSTER_ONLY = ["--limit", "localhost"]


def _against(cluster: Any, extra: Callable[[Dict[str, Any]], None] = lambda intent: None) -> Callable[[Dict[str, Any]], None]:
    def edit(intent: Dict[str, Any]) -> None:
        intent["flatnet_cluster"]["api"] = {"kubeconfig": cluster.kubeconfig_path}
        extra(intent)
    return edit


def test_site_makes_the_seed_resources_and_a_rerun_changes_nothing(cluster, kube, run_playbook, tmp_path):
    first = run_playbook("site.yml", _against(cluster), args=CLUSTER_ONLY)
    assert first.returncode == 0, first.stdout + first.stderr
    # The record of the start, the pool's ipipMode, the BGPConfiguration, the BGPPeer.
    assert _recap(first.stdout)["changed"] == 4
    record = json.loads(kube.core.read_namespaced_config_map("flatnet-start-dev", "kube-system").data["start.json"])
    assert record["bgpconfiguration"] is None and record["pools"]["default-pool"]["spec"]["ipipMode"] == "Always"
    pool = kube.get("ippools", "default-pool")["spec"]
    assert dict((key, pool[key]) for key in SEED_POOL) == SEED_POOL
    assert kube.get("bgppeers", "peer-switch")["spec"] == SEED_PEER
    assert kube.get("bgpconfigurations", "default")["spec"] == SEED_BGP
    assert kube.names("ippools") == ["default-pool"]  # the office pass-through is off by default

    second = run_playbook("site.yml", _against(cluster), args=CLUSTER_ONLY)
    assert second.returncode == 0 and _recap(second.stdout)["changed"] == 0, second.stdout

    output = tmp_path / "read-back.json"
    read = run_playbook(READ_BACK, _against(cluster), args=["-e", "read_back_output=%s" % output])
    assert read.returncode == 0, read.stdout + read.stderr
    resources = json.loads(output.read_text(encoding="utf-8"))
    assert [item["spec"] for item in resources["IPPool"]] == [kube.get("ippools", "default-pool")["spec"]]
    assert [item["spec"] for item in resources["BGPPeer"]] == [SEED_PEER]
    assert [item["spec"] for item in resources["BGPConfiguration"]] == [SEED_BGP]


def test_check_diff_shows_the_change_and_writes_nothing(cluster, kube, run_playbook):
    state = kube.state()
    result = run_playbook("site.yml", _against(cluster), args=CLUSTER_ONLY + ["--check", "--diff"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert _recap(result.stdout)["changed"] == 4
    assert '-        "ipipMode": "Always",' in result.stdout and '+        "ipipMode": "Never",' in result.stdout
    assert '"peerIP": "10.200.20.254"' in result.stdout
    assert kube.state() == state
    writes = kube.writes()
    assert writes and all("dryRun=All" in entry["query"] for entry in writes)


def test_the_office_passthrough_pools(cluster, kube, run_playbook):
    on = run_playbook("site.yml", _against(cluster), args=CLUSTER_ONLY + ["-e", "calico_pool_office_passthrough=true"])
    assert on.returncode == 0, on.stdout + on.stderr
    assert kube.get("ippools", "office-192-168-10-0-24")["spec"]["disabled"] is True
    off = run_playbook("site.yml", _against(cluster), args=CLUSTER_ONLY)
    assert off.returncode == 0 and kube.names("ippools") == ["default-pool"]


def test_a_password_goes_to_a_secret_calico_node_can_read(cluster, kube, run_playbook):
    def with_password(intent: Dict[str, Any]) -> None:
        intent["flatnet_fabric"]["switches"][0]["password"] = PASSWORD

    first = run_playbook("site.yml", _against(cluster, with_password), args=CLUSTER_ONLY + ["--diff"])
    assert first.returncode == 0, first.stdout + first.stderr
    assert PASSWORD not in first.stdout + first.stderr
    assert kube.get("bgppeers", "peer-switch")["spec"]["password"] == {"secretKeyRef": {"name": "bgp-peer-switch", "key": "password"}}
    secret = kube.core.read_namespaced_secret("bgp-peer-switch", "kube-system")
    assert secret.data == {"password": "TWQ1LW4zdmVyLXNob3du"}  # base64 of PASSWORD
    role = kube.rbac.read_namespaced_role("flatnet-bgp-passwords", "kube-system")
    assert [(rule.resources, rule.resource_names, sorted(rule.verbs)) for rule in role.rules] == [
        (["secrets"], ["bgp-peer-switch"], ["get", "list", "watch"])]
    binding = kube.rbac.read_namespaced_role_binding("flatnet-bgp-passwords", "kube-system")
    assert [(subject.kind, subject.name, subject.namespace) for subject in binding.subjects] == [("ServiceAccount", "calico-node", "kube-system")]
    second = run_playbook("site.yml", _against(cluster, with_password), args=CLUSTER_ONLY)
    assert second.returncode == 0 and _recap(second.stdout)["changed"] == 0, second.stdout
    assert PASSWORD not in second.stdout + second.stderr


def _cidr_with_host_bits(intent: Dict[str, Any]) -> None:
    intent["flatnet_cluster"]["pools"][0]["cidr"] = "10.233.64.1/18"


def _pool_resized(intent: Dict[str, Any]) -> None:
    intent["flatnet_cluster"]["pools"][0]["block_size"] = 26


def _selector_matches_nothing(intent: Dict[str, Any]) -> None:
    intent["flatnet_cluster"]["peer_selector"] = {"node-role.kubernetes.io/bgp": "true"}


@pytest.mark.parametrize("edit, message", [
    (_cidr_with_host_bits, "has host bits set"),
    (_pool_resized, "flatnet_cluster.pools[0].block_size: '26' differs from the cluster's IPPool default-pool (blockSize: 24)"),
    (_selector_matches_nothing, "matches none of the cluster's 4 nodes"),
])
def test_bad_input_changes_nothing_in_the_cluster(cluster, kube, run_playbook, edit, message):
    state = kube.state()
    result = run_playbook("site.yml", _against(cluster, edit), args=CLUSTER_ONLY)
    assert result.returncode == 2
    assert message in result.stdout.replace("\\n", "\n")
    assert "calico_pool" not in result.stdout.split("PLAY RECAP")[0].split("FAILED!")[-1]
    assert kube.writes() == [] and kube.state() == state
