# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""flatnet.kube.cluster_prune against the lab's API emulator: only objects with both ownership labels go."""

from __future__ import annotations

from typing import Any, Dict

import pytest
from kubernetes import client as k8s_client

from ansible_collections.flatnet.kube.plugins.modules import cluster_prune

OWNED = {"app.kubernetes.io/managed-by": "flatnet.kube", "flatnet.kube/cluster": "dev"}
OTHER_CLUSTER = {"app.kubernetes.io/managed-by": "flatnet.kube", "flatnet.kube/cluster": "staging"}
ONLY_MANAGED_BY = {"app.kubernetes.io/managed-by": "flatnet.kube"}


def _peer(kube: Any, name: str, labels: Dict[str, str]) -> None:
    kube.custom.create_cluster_custom_object("crd.projectcalico.org", "v1", "bgppeers", {
        "apiVersion": "crd.projectcalico.org/v1", "kind": "BGPPeer", "metadata": {"name": name, "labels": labels},
        "spec": {"peerIP": "10.200.20.254", "asNumber": 65200}})


def _secret(kube: Any, name: str, labels: Dict[str, str]) -> None:
    kube.core.create_namespaced_secret("kube-system", k8s_client.V1Secret(
        metadata=k8s_client.V1ObjectMeta(name=name, labels=labels), string_data={"password": "Do-not-show-1"}))


def _role(kube: Any, name: str, labels: Dict[str, str]) -> None:
    kube.rbac.create_namespaced_role("kube-system", k8s_client.V1Role(
        metadata=k8s_client.V1ObjectMeta(name=name, labels=labels),
        rules=[k8s_client.V1PolicyRule(api_groups=[""], resources=["secrets"], resource_names=[name], verbs=["get"])]))


@pytest.fixture(name="objects")
def fixture_objects(kube: Any) -> Any:
    """Owned objects of two switches, and strangers that must stay."""
    for name in ("peer-switch", "peer-switch2"):
        _peer(kube, name, OWNED)
    _peer(kube, "peer-uplink", {"team": "net"})
    _peer(kube, "peer-staging", OTHER_CLUSTER)
    _peer(kube, "peer-half", ONLY_MANAGED_BY)
    for name in ("bgp-peer-switch", "bgp-peer-switch2"):
        _secret(kube, name, OWNED)
    _secret(kube, "bgp-theirs", {})
    _role(kube, "flatnet-bgp-passwords", OWNED)
    return kube


def _secrets(kube: Any) -> list:
    return sorted(item.metadata.name for item in kube.core.list_namespaced_secret("kube-system").items if item.metadata.name.startswith("bgp-"))


def _args(cluster: Any, **options: Any) -> Dict[str, Any]:
    return dict({"kubeconfig": cluster.kubeconfig_path, "cluster": "dev"}, **options)


def test_only_owned_objects_not_kept_are_deleted_and_a_rerun_changes_nothing(cluster, objects, run_module):
    keep = {"bgppeers": ["peer-switch"], "secrets": ["bgp-peer-switch"], "roles": ["flatnet-bgp-passwords"]}
    run = run_module(cluster_prune.main, _args(cluster, keep=keep))
    result = run.result
    assert result["changed"] is True
    assert result["pruned"] == [{"kind": "BGPPeer", "name": "peer-switch2"},
                                {"kind": "Secret", "name": "bgp-peer-switch2", "namespace": "kube-system"}]
    assert objects.names("bgppeers") == ["peer-half", "peer-staging", "peer-switch", "peer-uplink"]
    assert _secrets(objects) == ["bgp-peer-switch", "bgp-theirs"]
    assert "Do-not-show-1" not in run.stdout and "RG8tbm90LXNob3ctMQ" not in run.stdout
    again = run_module(cluster_prune.main, _args(cluster, keep=keep)).result
    # The rerun lists the same kinds and deletes nothing: two requests fewer, each tried once.
    assert again.pop("api_requests") == {"requests": result["api_requests"]["requests"] - 2, "attempts": result["api_requests"]["requests"] - 2,
                                         "waited_seconds": 0.0}
    result.pop("api_requests")
    assert again == dict(result, changed=False, pruned=[], diff={"before": "", "after": ""})


def test_nothing_kept_removes_every_owned_object_of_the_listed_kinds_only(cluster, objects, run_module):
    result = run_module(cluster_prune.main, _args(cluster, kinds=["secrets", "roles"])).result
    assert [entry["name"] for entry in result["pruned"]] == ["bgp-peer-switch", "bgp-peer-switch2", "flatnet-bgp-passwords"]
    assert objects.names("bgppeers") == ["peer-half", "peer-staging", "peer-switch", "peer-switch2", "peer-uplink"]
    assert [item.metadata.name for item in objects.rbac.list_namespaced_role("kube-system").items] == []


def test_check_mode_deletes_nothing_and_says_what_would_go(cluster, objects, kube, run_module):
    state = kube.state()
    result = run_module(cluster_prune.main, _args(cluster, _ansible_check_mode=True, _ansible_diff=True)).result
    assert result["changed"] is True and "BGPPeer peer-switch2" in result["diff"]["before"]
    assert kube.state() == state


def test_an_unknown_keep_kind_fails_before_any_delete(cluster, objects, kube, run_module):
    result = run_module(cluster_prune.main, _args(cluster, keep={"bgppeer": ["peer-switch"]})).result
    assert result["failed"] is True and "not bgppeer" in result["msg"]
    assert [entry for entry in kube.writes() if entry["method"] == "DELETE"] == []
