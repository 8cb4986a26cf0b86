# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Clients nobody here wrote: the dynamic client's discovery, kubectl, and kubernetes.core from Ansible."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from kubernetes import client as k8s
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.exceptions import ConflictError, UnprocessibleEntityError
from poll import until  # pylint: disable=import-error


def test_dynamic_client_discovers_and_gets_pools_by_kind(api_client, tmp_path):
    dyn = DynamicClient(api_client, cache_file=str(tmp_path / "discovery.json"))
    pools = dyn.resources.get(kind="IPPool")
    assert (pools.group_version, pools.namespaced, pools.name) == ("crd.projectcalico.org/v1", False, "ippools")
    items = pools.get().items
    assert [item.metadata.name for item in items] == ["default-pool"]
    assert pools.get(name="default-pool").spec.cidr == "10.233.64.0/18"
    services = dyn.resources.get(api_version="v1", kind="Service")
    assert services.namespaced and services.short_names == ["svc"]
    assert services.get(namespace="kube-system", name="kube-dns").spec.clusterIP == "10.233.0.3"
    peers = dyn.resources.get(api_version="crd.projectcalico.org/v1", kind="BGPPeer")
    body = {"apiVersion": "crd.projectcalico.org/v1", "kind": "BGPPeer", "metadata": {"name": "sw"},
            "spec": {"peerIP": "10.200.20.254", "asNumber": 65200}}
    made = peers.create(body=body)
    with pytest.raises(ConflictError):
        peers.create(body=body)
    with pytest.raises(UnprocessibleEntityError):
        peers.create(body=dict(body, metadata={"name": "Not Valid"}))
    patched = peers.patch(name="sw", body={"spec": {"asNumber": 65201}}, content_type="application/merge-patch+json")
    assert patched.spec.asNumber == 65201 and patched.metadata.uid == made.metadata.uid
    assert dyn.resources.get(api_version="apiextensions.k8s.io/v1", kind="CustomResourceDefinition").get(
        name="ippools.crd.projectcalico.org").spec.scope == "Cluster"


def test_kubectl_get_nodes_json(kubectl):
    nodes = json.loads(kubectl("get", "nodes", "-o", "json").stdout)
    assert nodes["kind"] == "List"
    found = {n["metadata"]["name"]: [a["address"] for a in n["status"]["addresses"] if a["type"] == "InternalIP"][0] for n in nodes["items"]}
    assert found == {"node1": "10.200.20.105", "node2": "10.200.20.106", "node3": "10.200.20.107", "node4": "10.200.20.108"}
    table = kubectl("get", "nodes", "-l", "node-role.kubernetes.io/ingress").stdout.splitlines()
    assert table[0].split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert [line.split()[:3] for line in table[1:]] == [["node1", "Ready", "ingress"], ["node2", "Ready", "ingress"]]


def test_kubectl_get_ippools_json(kubectl):
    pools = json.loads(kubectl("get", "ippools.crd.projectcalico.org", "-o", "json").stdout)
    assert [(p["metadata"]["name"], p["spec"]["cidr"], p["spec"]["ipipMode"]) for p in pools["items"]] == [
        ("default-pool", "10.233.64.0/18", "Always")]


def test_kubectl_get_services_all_namespaces(kubectl):
    lines = kubectl("get", "svc", "-A").stdout.splitlines()
    assert lines[0].split() == ["NAMESPACE", "NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    rows = {tuple(line.split()[:2]): line.split()[2:6] for line in lines[1:]}
    assert rows[("kube-system", "kube-dns")] == ["ClusterIP", "10.233.0.3", "<none>", "53/UDP,53/TCP,9153/TCP"]
    assert rows[("default", "web")] == ["ClusterIP", "10.233.0.10", "<none>", "80/TCP"]
    assert rows[("kube-system", "metrics-server")][1] == "10.233.0.30" and len(rows) == 5


def test_kubectl_get_crd(kubectl):
    lines = kubectl("get", "crd").stdout.splitlines()
    assert lines[0].split() == ["NAME", "CREATED", "AT"]
    assert sorted(line.split()[0] for line in lines[1:]) == sorted("%s.crd.projectcalico.org" % plural for plural in (
        "bgpconfigurations", "bgpfilters", "bgppeers", "blockaffinities", "caliconodestatuses", "ipamblocks", "ippools"))


def test_kubectl_apply_and_strict_validation(kubectl):
    peer = {"apiVersion": "crd.projectcalico.org/v1", "kind": "BGPPeer", "metadata": {"name": "switch"},
            "spec": {"peerIP": "10.200.20.254", "asNumber": 65200}}
    assert "created" in kubectl("apply", "-f", "-", stdin=json.dumps(peer)).stdout
    assert "unchanged" in kubectl("apply", "-f", "-", stdin=json.dumps(peer)).stdout
    peer["spec"]["asNumber"] = 65201
    assert "configured" in kubectl("apply", "-f", "-", stdin=json.dumps(peer)).stdout
    peer["spec"]["typo"] = 1
    failed = kubectl("apply", "-f", "-", stdin=json.dumps(peer), check=False)
    assert failed.returncode != 0 and 'strict decoding error: unknown field "spec.typo"' in failed.stderr
    assert "deleted" in kubectl("delete", "bgppeers.crd.projectcalico.org", "switch").stdout


def test_kubectl_wait_for_delete_uses_watch(kubectl, api_client, emulator, raw):
    core = k8s.CoreV1Api(api_client)
    core.create_namespaced_config_map("default", {"metadata": {"name": "doomed"}})
    waiting = kubectl("wait", "--for=delete", "configmap/doomed", "--timeout=30s", background=True)

    def watching() -> bool:
        log = raw(emulator, "GET", "/_emulator/requests")[2]["requests"]
        return any(r["path"] == "/api/v1/namespaces/default/configmaps" and "watch=true" in r["query"] for r in log)

    # Delete only once kubectl watches; deleted earlier, kubectl would find nothing to wait for.
    assert until(watching, bool, seconds=30, step=0.1), "kubectl never started its watch"
    core.delete_namespaced_config_map("doomed", "default")
    out, err = waiting.communicate(timeout=30)
    assert waiting.returncode == 0, out + err
    assert "configmap/doomed condition met" in out


def test_kubernetes_core_k8s_info(emulator, tmp_path):
    ansible = os.path.join(os.path.dirname(sys.executable), "ansible")
    if not os.access(ansible, os.X_OK):
        pytest.fail("ansible is not installed beside %s; run `make install`" % sys.executable)
    env = dict(os.environ, K8S_AUTH_KUBECONFIG=emulator.kubeconfig_path, ANSIBLE_LOCALHOST_WARNING="false",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="false", ANSIBLE_LOAD_CALLBACK_PLUGINS="true", ANSIBLE_STDOUT_CALLBACK="json",
               HOME=str(tmp_path), TMPDIR=str(tmp_path))
    result = subprocess.run([ansible, "localhost", "-m", "kubernetes.core.k8s_info", "-a", "api_version=v1 kind=Service namespace=kube-system"],
                            capture_output=True, text=True, timeout=60, cwd=str(tmp_path), env=env, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    task = json.loads(result.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
    assert sorted((s["metadata"]["name"], s["spec"]["clusterIP"]) for s in task["resources"]) == [
        ("kube-dns", "10.233.0.3"), ("metrics-server", "10.233.0.30")]
