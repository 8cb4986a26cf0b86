# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulated API's core kinds, errors, persistence and test hooks, through the official kubernetes client."""

from __future__ import annotations

import json

import pytest
from kubernetes import client as k8s
from kubernetes import watch
from kubernetes import config as k8s_config
from kubernetes.client.rest import ApiException

from kubeapi.server import Emulator

NODE_IPS = {"node1": "10.200.20.105", "node2": "10.200.20.106", "node3": "10.200.20.107", "node4": "10.200.20.108"}


def _internal_ip(node: k8s.V1Node) -> str:
    return [a.address for a in node.status.addresses if a.type == "InternalIP"][0]


def test_nodes_are_seeded_with_internal_ips(api_client):
    nodes = k8s.CoreV1Api(api_client).list_node().items
    assert {node.metadata.name: _internal_ip(node) for node in nodes} == NODE_IPS
    node1 = [node for node in nodes if node.metadata.name == "node1"][0]
    assert node1.metadata.labels["node-role.kubernetes.io/ingress"] == "ingress"
    assert node1.metadata.labels["kubernetes.io/hostname"] == "node1"
    assert node1.metadata.annotations["projectcalico.org/IPv4Address"] == "10.200.20.105/24"
    assert node1.metadata.annotations["projectcalico.org/IPv4IPIPTunnelAddr"] == "10.233.64.0"
    assert [c.status for c in node1.status.conditions if c.type == "Ready"] == ["True"]


def test_dns_service_and_corefile(api_client):
    core = k8s.CoreV1Api(api_client)
    dns = core.read_namespaced_service("kube-dns", "kube-system")
    assert dns.spec.cluster_ip == "10.233.0.3"
    assert dns.spec.selector == {"k8s-app": "kube-dns"}
    assert sorted((p.name, p.port, p.protocol) for p in dns.spec.ports) == [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")]
    corefile = core.read_namespaced_config_map("coredns", "kube-system").data["Corefile"]
    assert "kubernetes cluster.local in-addr.arpa ip6.arpa {" in corefile
    assert "fallthrough in-addr.arpa ip6.arpa" in corefile


def test_services_listed_cluster_wide(api_client):
    services = k8s.CoreV1Api(api_client).list_service_for_all_namespaces().items
    found = {(s.metadata.namespace, s.metadata.name): s.spec.cluster_ip for s in services}
    assert found == {("default", "kubernetes"): "10.233.0.1", ("default", "web"): "10.233.0.10", ("default", "api"): "10.233.0.20",
                     ("kube-system", "kube-dns"): "10.233.0.3", ("kube-system", "metrics-server"): "10.233.0.30"}
    web = [s for s in services if s.metadata.name == "web"][0]
    assert (web.spec.ports[0].port, web.spec.ports[0].target_port, web.spec.type) == (80, 8080, "ClusterIP")
    assert web.spec.cluster_ips == ["10.233.0.10"] and web.spec.ip_families == ["IPv4"]


def test_bad_token_is_401(emulator, client_for, raw):
    with pytest.raises(ApiException) as err:
        k8s.CoreV1Api(client_for(emulator, "not-the-token")).list_node()
    assert err.value.status == 401
    status, _headers, body = raw(emulator, "GET", "/api/v1/nodes", auth=False)
    assert status == 401
    assert body == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "Unauthorized",
                    "reason": "Unauthorized", "code": 401}
    assert raw(emulator, "GET", "/version", auth=False)[2]["gitVersion"] == "v1.30.4"
    assert raw(emulator, "GET", "/healthz", auth=False)[:3:2] == (200, "ok")


def test_not_found_status_body(emulator, raw):
    status, _headers, body = raw(emulator, "GET", "/api/v1/namespaces/default/services/nope")
    assert status == 404
    assert body["message"] == 'services "nope" not found'
    assert body["details"] == {"name": "nope", "kind": "services"}
    assert raw(emulator, "GET", "/apis/nothing.example/v1")[0] == 404


def test_label_and_field_selectors(api_client):
    core = k8s.CoreV1Api(api_client)
    ingress = core.list_node(label_selector="node-role.kubernetes.io/ingress=ingress").items
    assert sorted(n.metadata.name for n in ingress) == ["node1", "node2"]
    others = core.list_node(label_selector="!node-role.kubernetes.io/ingress").items
    assert sorted(n.metadata.name for n in others) == ["node3", "node4"]
    chosen = core.list_node(label_selector="kubernetes.io/hostname in (node1, node3),kubernetes.io/os==linux").items
    assert sorted(n.metadata.name for n in chosen) == ["node1", "node3"]
    assert [n.metadata.name for n in core.list_node(label_selector="kubernetes.io/hostname notin (node1,node2,node3)").items] == ["node4"]
    assert [n.metadata.name for n in core.list_node(field_selector="metadata.name=node2").items] == ["node2"]
    names = [s.metadata.name for s in core.list_service_for_all_namespaces(field_selector="metadata.namespace!=default").items]
    assert sorted(names) == ["kube-dns", "metrics-server"]
    with pytest.raises(ApiException) as err:
        core.list_node(field_selector="spec.podCIDR=x")
    assert err.value.status == 400


def test_create_update_delete_configmap(api_client):
    core = k8s.CoreV1Api(api_client)
    made = core.create_namespaced_config_map("default", {"metadata": {"name": "c1", "labels": {"app": "x"}}, "data": {"a": "1"}})
    assert made.metadata.uid and made.metadata.creation_timestamp and made.metadata.generation is None
    with pytest.raises(ApiException) as err:
        core.create_namespaced_config_map("default", {"metadata": {"name": "c1"}})
    assert err.value.status == 409 and '"reason":"AlreadyExists"' in err.value.body.replace(" ", "")
    patched = core.patch_namespaced_config_map("c1", "default", {"data": {"b": "2"}})
    assert patched.data == {"a": "1", "b": "2"}
    assert int(patched.metadata.resource_version) > int(made.metadata.resource_version)
    status = core.delete_namespaced_config_map("c1", "default")
    assert status["status"] == "Success"
    assert status["details"] == {"name": "c1", "kind": "configmaps", "uid": made.metadata.uid}
    with pytest.raises(ApiException) as err:
        core.delete_namespaced_config_map("c1", "default")
    assert err.value.status == 404


def test_create_in_missing_namespace_and_namespace_mismatch(emulator, raw):
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}}
    status, _headers, body = raw(emulator, "POST", "/api/v1/namespaces/ghost/configmaps", config_map)
    assert (status, body["message"]) == (404, 'namespaces "ghost" not found')
    config_map["metadata"]["namespace"] = "kube-system"
    status, _headers, body = raw(emulator, "POST", "/api/v1/namespaces/default/configmaps", config_map)
    assert status == 400 and body["message"] == "the namespace of the provided object does not match the namespace sent on the request"


def test_generate_name_and_service_ip_allocation(api_client):
    core = k8s.CoreV1Api(api_client)
    svc = core.create_namespaced_service("default", {"metadata": {"generateName": "gen-"}, "spec": {"ports": [{"port": 81}]}})
    assert svc.metadata.name.startswith("gen-") and len(svc.metadata.name) == 9
    assert svc.spec.cluster_ip.startswith("10.233.") and svc.spec.ports[0].target_port == 81
    with pytest.raises(ApiException) as err:
        core.create_namespaced_service("default", {"metadata": {"name": "dup"}, "spec": {"clusterIP": "10.233.0.10", "ports": [{"port": 1}]}})
    assert err.value.status == 422 and "provided IP is already allocated" in err.value.body


def test_dry_run_create_writes_nothing(api_client, emulator, raw):
    core = k8s.CoreV1Api(api_client)
    before = core.list_namespace().metadata.resource_version
    made = core.create_namespace({"metadata": {"name": "dry"}}, dry_run="All")
    assert made.metadata.name == "dry" and made.metadata.labels["kubernetes.io/metadata.name"] == "dry"
    assert core.list_namespace().metadata.resource_version == before
    with pytest.raises(ApiException) as err:
        core.read_namespace("dry")
    assert err.value.status == 404
    assert raw(emulator, "DELETE", "/api/v1/namespaces/default/services/web?dryRun=All")[0] == 200
    assert core.read_namespaced_service("web", "default").spec.cluster_ip == "10.233.0.10"


def test_bad_name_is_422(api_client):
    with pytest.raises(ApiException) as err:
        k8s.CoreV1Api(api_client).create_namespaced_config_map("default", {"metadata": {"name": "Bad_Name"}})
    assert err.value.status == 422
    assert 'ConfigMap \\"Bad_Name\\" is invalid: metadata.name: Invalid value: \\"Bad_Name\\": a lowercase RFC 1123 subdomain' in err.value.body


def test_namespace_deletion_removes_contents(api_client):
    core = k8s.CoreV1Api(api_client)
    core.create_namespace({"metadata": {"name": "team"}})
    core.create_namespaced_config_map("team", {"metadata": {"name": "c"}})
    gone = core.delete_namespace("team")
    assert gone["status"]["phase"] == "Terminating"
    assert core.list_namespaced_config_map("team").items == []
    with pytest.raises(ApiException) as err:
        core.delete_namespace("kube-system")
    assert err.value.status == 403


def test_state_persists_across_restarts(tmp_path, seed_file):
    state = str(tmp_path / "persist")
    with Emulator(state, seed=seed_file) as first:
        token = first.token
        client = k8s_config.new_client_from_config(config_file=first.kubeconfig_path)
        made = k8s.CoreV1Api(client).create_namespaced_config_map("default", {"metadata": {"name": "kept"}, "data": {"k": "v"}})
        client.close()
    with Emulator(state, seed={"nodes": [{"name": "other", "internal_ip": "10.0.0.1"}]}) as second:
        assert second.token == token
        client = k8s_config.new_client_from_config(config_file=second.kubeconfig_path)
        core = k8s.CoreV1Api(client)
        kept = core.read_namespaced_config_map("kept", "default")
        assert (kept.metadata.uid, kept.data) == (made.metadata.uid, {"k": "v"})
        assert sorted(n.metadata.name for n in core.list_node().items) == sorted(NODE_IPS)
        later = core.create_namespaced_config_map("default", {"metadata": {"name": "later"}})
        assert int(later.metadata.resource_version) > int(made.metadata.resource_version)
        client.close()


def test_request_log_counts_requests(api_client, emulator, raw):
    assert raw(emulator, "DELETE", "/_emulator/requests")[0] == 200
    core = k8s.CoreV1Api(api_client)
    core.list_node()
    core.read_namespaced_service("web", "default")
    with pytest.raises(ApiException):
        core.read_namespaced_service("nope", "default")
    log = raw(emulator, "GET", "/_emulator/requests")[2]["requests"]
    assert [(r["method"], r["path"], r["status"]) for r in log] == [
        ("GET", "/api/v1/nodes", 200), ("GET", "/api/v1/namespaces/default/services/web", 200),
        ("GET", "/api/v1/namespaces/default/services/nope", 404)]


def test_watch_streams_events(api_client):
    core = k8s.CoreV1Api(api_client)
    start = core.list_namespaced_config_map("default").metadata.resource_version
    core.create_namespaced_config_map("default", {"metadata": {"name": "w", "labels": {"app": "w"}}, "data": {"a": "1"}})
    core.patch_namespaced_config_map("w", "default", {"data": {"a": "2"}})
    core.patch_namespaced_config_map("w", "default", {"metadata": {"labels": {"app": "other"}}})
    core.create_namespaced_config_map("kube-system", {"metadata": {"name": "elsewhere", "labels": {"app": "w"}}})
    watcher = watch.Watch()
    seen = []
    for event in watcher.stream(core.list_namespaced_config_map, "default", label_selector="app=w", resource_version=start, timeout_seconds=1):
        seen.append((event["type"], event["object"].metadata.name, event["object"].data))
    assert seen == [("ADDED", "w", {"a": "1"}), ("MODIFIED", "w", {"a": "2"}), ("DELETED", "w", {"a": "2"})]


def test_watch_from_a_compacted_version_is_410(tmp_path, seed_file, raw):
    state = str(tmp_path / "compacted")
    with Emulator(state, seed=seed_file):
        pass
    with Emulator(state) as emu:
        status, _headers, body = raw(emu, "GET", "/api/v1/nodes?watch=true&resourceVersion=3")
        event = json.loads(body.splitlines()[0]) if isinstance(body, str) else body
        assert status == 200 and event["type"] == "ERROR"
        assert (event["object"]["code"], event["object"]["reason"]) == (410, "Expired")


def test_a_bindings_role_ref_cannot_change_as_on_the_real_server(api_client):
    rbac = k8s.RbacAuthorizationV1Api(api_client)
    binding = k8s.V1RoleBinding(metadata=k8s.V1ObjectMeta(name="readers", namespace="kube-system"),
                                role_ref=k8s.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="Role", name="reader"),
                                subjects=[k8s.RbacV1Subject(kind="ServiceAccount", name="calico-node", namespace="kube-system")])
    made = rbac.create_namespaced_role_binding("kube-system", binding)
    made.role_ref.name = "writer"
    with pytest.raises(ApiException) as caught:
        rbac.replace_namespaced_role_binding("readers", "kube-system", made)
    status = json.loads(caught.value.body)
    assert caught.value.status == 422 and status["message"] == (
        'RoleBinding.rbac.authorization.k8s.io "readers" is invalid: roleRef: Invalid value: '
        'rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"writer"}: cannot change roleRef')
    made.role_ref.name = "reader"
    made.subjects[0].name = "calico-kube-controllers"
    assert rbac.replace_namespaced_role_binding("readers", "kube-system", made).subjects[0].name == "calico-kube-controllers"
