# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Calico CRDs (crd.projectcalico.org/v1) through CustomObjectsApi: CRUD, conflicts, validation, pruning, patches."""

from __future__ import annotations

import json

import pytest
from kubernetes import client as k8s
from kubernetes.client.rest import ApiException

GROUP, VERSION = "crd.projectcalico.org", "v1"


def _body(kind: str, name: str, spec: dict, labels: dict = None) -> dict:
    meta = {"name": name}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "%s/%s" % (GROUP, VERSION), "kind": kind, "metadata": meta, "spec": spec}


def _error(err: pytest.ExceptionInfo) -> dict:
    return json.loads(err.value.body)


@pytest.fixture
def custom(api_client):
    return k8s.CustomObjectsApi(api_client)


def test_seeded_pool_blocks_and_affinities(custom):
    pools = custom.list_cluster_custom_object(GROUP, VERSION, "ippools")
    assert pools["kind"] == "IPPoolList"
    assert [(p["metadata"]["name"], p["spec"]["cidr"], p["spec"]["blockSize"], p["spec"]["ipipMode"], p["spec"]["natOutgoing"])
            for p in pools["items"]] == [("default-pool", "10.233.64.0/18", 24, "Always", True)]
    assert pools["items"][0]["kind"] == "IPPool" and pools["items"][0]["apiVersion"] == "crd.projectcalico.org/v1"
    blocks = custom.list_cluster_custom_object(GROUP, VERSION, "ipamblocks")["items"]
    assert [(b["metadata"]["name"], b["spec"]["affinity"]) for b in blocks] == [
        ("10-233-64-0-24", "host:node1"), ("10-233-65-0-24", "host:node2"), ("10-233-66-0-24", "host:node3"), ("10-233-67-0-24", "host:node4")]
    first = blocks[0]["spec"]
    assert len(first["allocations"]) == 256 and first["strictAffinity"] is False
    assert len(first["unallocated"]) + sum(1 for a in first["allocations"] if a is not None) == 256
    affinity = custom.get_cluster_custom_object(GROUP, VERSION, "blockaffinities", "node3-10-233-66-0-24")["spec"]
    assert affinity == {"cidr": "10.233.66.0/24", "deleted": "false", "node": "node3", "state": "confirmed"}
    assert custom.list_cluster_custom_object(GROUP, VERSION, "bgppeers")["items"] == []
    assert custom.list_cluster_custom_object(GROUP, VERSION, "bgpconfigurations")["items"] == []


@pytest.mark.parametrize("plural,kind,spec,change", [
    ("ippools", "IPPool", {"cidr": "10.244.0.0/16", "blockSize": 26, "ipipMode": "Never", "natOutgoing": True}, {"disabled": True}),
    ("bgppeers", "BGPPeer", {"peerIP": "10.200.20.254", "asNumber": 65200, "nodeSelector": "has(node-role.kubernetes.io/ingress)"},
     {"asNumber": 65201}),
    ("bgpconfigurations", "BGPConfiguration", {"asNumber": 64513, "nodeToNodeMeshEnabled": False,
                                               "serviceClusterIPs": [{"cidr": "10.233.0.0/18"}]}, {"logSeverityScreen": "Info"}),
])
def test_crud(custom, plural, kind, spec, change):
    name = "default" if plural == "bgpconfigurations" else "test-%s" % plural
    made = custom.create_cluster_custom_object(GROUP, VERSION, plural, _body(kind, name, spec))
    assert made["spec"] == spec and made["metadata"]["generation"] == 1
    got = custom.get_cluster_custom_object(GROUP, VERSION, plural, name)
    assert got == made
    got["spec"].update(change)
    replaced = custom.replace_cluster_custom_object(GROUP, VERSION, plural, name, got)
    assert replaced["metadata"]["generation"] == 2 and replaced["metadata"]["uid"] == made["metadata"]["uid"]
    assert int(replaced["metadata"]["resourceVersion"]) > int(made["metadata"]["resourceVersion"])
    patched = custom.patch_cluster_custom_object(GROUP, VERSION, plural, name, {"metadata": {"labels": {"team": "net"}}})
    assert patched["metadata"]["labels"] == {"team": "net"} and patched["metadata"]["generation"] == 2
    listed = custom.list_cluster_custom_object(GROUP, VERSION, plural, label_selector="team=net")["items"]
    assert [item["metadata"]["name"] for item in listed] == [name]
    status = custom.delete_cluster_custom_object(GROUP, VERSION, plural, name)
    assert status["status"] == "Success"
    assert status["details"] == {"name": name, "group": GROUP, "kind": plural, "uid": made["metadata"]["uid"]}
    with pytest.raises(ApiException) as err:
        custom.get_cluster_custom_object(GROUP, VERSION, plural, name)
    assert err.value.status == 404
    assert _error(err)["message"] == '%s.%s "%s" not found' % (plural, GROUP, name)
    assert _error(err)["details"] == {"name": name, "group": GROUP, "kind": plural}


def test_already_exists_and_stale_replace(custom):
    peer = _body("BGPPeer", "sw", {"peerIP": "10.200.20.254", "asNumber": 65200})
    made = custom.create_cluster_custom_object(GROUP, VERSION, "bgppeers", peer)
    with pytest.raises(ApiException) as err:
        custom.create_cluster_custom_object(GROUP, VERSION, "bgppeers", peer)
    assert err.value.status == 409 and _error(err)["reason"] == "AlreadyExists"
    assert _error(err)["message"] == 'bgppeers.crd.projectcalico.org "sw" already exists'
    custom.patch_cluster_custom_object(GROUP, VERSION, "bgppeers", "sw", {"spec": {"asNumber": 65201}})
    stale = dict(made, spec={"peerIP": "10.200.20.254", "asNumber": 65202})
    with pytest.raises(ApiException) as err:
        custom.replace_cluster_custom_object(GROUP, VERSION, "bgppeers", "sw", stale)
    assert err.value.status == 409 and _error(err)["reason"] == "Conflict"
    assert _error(err)["message"] == ('Operation cannot be fulfilled on bgppeers.crd.projectcalico.org "sw": the object has been modified; '
                                      'please apply your changes to the latest version and try again')
    # Without a resourceVersion a custom resource cannot be replaced at all (no unconditional update for CRDs).
    stale["metadata"] = {"name": "sw"}
    with pytest.raises(ApiException) as err:
        custom.replace_cluster_custom_object(GROUP, VERSION, "bgppeers", "sw", stale)
    assert err.value.status == 422 and "metadata.resourceVersion: Invalid value: 0x0: must be specified for an update" in _error(err)["message"]
    with pytest.raises(ApiException) as err:
        custom.patch_cluster_custom_object(GROUP, VERSION, "bgppeers", "sw", {"metadata": {"resourceVersion": "1"}, "spec": {"asNumber": 1}})
    assert err.value.status == 409


def test_no_op_update_keeps_resource_version(custom):
    pool = custom.get_cluster_custom_object(GROUP, VERSION, "ippools", "default-pool")
    again = custom.replace_cluster_custom_object(GROUP, VERSION, "ippools", "default-pool", pool)
    assert again["metadata"]["resourceVersion"] == pool["metadata"]["resourceVersion"]


def test_invalid_name_is_422(custom):
    with pytest.raises(ApiException) as err:
        custom.create_cluster_custom_object(GROUP, VERSION, "ippools", _body("IPPool", "Bad_Name", {"cidr": "10.1.0.0/16"}))
    body = _error(err)
    assert err.value.status == 422 and body["reason"] == "Invalid"
    assert body["message"].startswith('IPPool.crd.projectcalico.org "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": '
                                      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters")
    assert body["details"]["causes"][0]["reason"] == "FieldValueInvalid" and body["details"]["causes"][0]["field"] == "metadata.name"
    assert body["details"]["kind"] == "IPPool" and body["details"]["group"] == GROUP


def test_wrong_type_is_422(custom):
    with pytest.raises(ApiException) as err:
        custom.create_cluster_custom_object(GROUP, VERSION, "ippools", _body("IPPool", "typed", {"cidr": "10.1.0.0/16", "blockSize": "26"}))
    body = _error(err)
    assert err.value.status == 422
    assert body["message"] == ('IPPool.crd.projectcalico.org "typed" is invalid: spec.blockSize: Invalid value: "string": '
                               'spec.blockSize in body must be of type integer: "string"')
    with pytest.raises(ApiException) as err:
        custom.create_cluster_custom_object(GROUP, VERSION, "ippools", _body("IPPool", "nocidr", {"blockSize": 26}))
    assert "spec.cidr: Required value" in _error(err)["message"]


def test_unknown_fields_are_pruned_with_a_warning(custom):
    data, status, headers = custom.create_cluster_custom_object_with_http_info(
        GROUP, VERSION, "bgppeers", _body("BGPPeer", "pruned", {"peerIP": "10.200.20.254", "asNumber": 65200, "peerASN": 1}))
    assert status == 201
    assert headers["Warning"] == '299 - "unknown field \\"spec.peerASN\\""'
    assert data["spec"] == {"peerIP": "10.200.20.254", "asNumber": 65200}
    assert custom.get_cluster_custom_object(GROUP, VERSION, "bgppeers", "pruned")["spec"] == {"peerIP": "10.200.20.254", "asNumber": 65200}
    with pytest.raises(ApiException) as err:
        custom.create_cluster_custom_object(GROUP, VERSION, "bgppeers", _body("BGPPeer", "strict", {"peerASN": 1}), field_validation="Strict")
    assert err.value.status == 400 and 'unknown field \\"spec.peerASN\\"' in err.value.body


def test_strategic_merge_patch_is_415_for_custom_resources(custom):
    with pytest.raises(ApiException) as err:
        custom.patch_cluster_custom_object(GROUP, VERSION, "ippools", "default-pool", {"spec": {"ipipMode": "Never"}},
                                           _content_type="application/strategic-merge-patch+json")
    body = _error(err)
    assert err.value.status == 415 and body["reason"] == "UnsupportedMediaType"
    assert body["message"] == ("the body of the request was in an unknown format - accepted media types include: "
                               "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")


def test_json_patch(custom):
    ops = [{"op": "test", "path": "/spec/ipipMode", "value": "Always"}, {"op": "replace", "path": "/spec/ipipMode", "value": "Never"},
           {"op": "add", "path": "/metadata/labels", "value": {"a": "b"}}, {"op": "remove", "path": "/spec/natOutgoing"}]
    patched = custom.patch_cluster_custom_object(GROUP, VERSION, "ippools", "default-pool", ops, _content_type="application/json-patch+json")
    assert patched["spec"]["ipipMode"] == "Never" and "natOutgoing" not in patched["spec"] and patched["metadata"]["labels"] == {"a": "b"}
    with pytest.raises(ApiException) as err:
        custom.patch_cluster_custom_object(GROUP, VERSION, "ippools", "default-pool",
                                           [{"op": "test", "path": "/spec/ipipMode", "value": "Always"}],
                                           _content_type="application/json-patch+json")
    assert err.value.status == 422


def test_dry_run_writes_nothing(custom):
    before = custom.list_cluster_custom_object(GROUP, VERSION, "ippools")["metadata"]["resourceVersion"]
    made = custom.create_cluster_custom_object(GROUP, VERSION, "ippools", _body("IPPool", "dry", {"cidr": "10.9.0.0/16"}), dry_run="All")
    assert made["metadata"]["name"] == "dry" and "resourceVersion" not in made["metadata"]
    custom.patch_cluster_custom_object(GROUP, VERSION, "ippools", "default-pool", {"spec": {"ipipMode": "Never"}}, dry_run="All")
    after = custom.list_cluster_custom_object(GROUP, VERSION, "ippools")
    assert after["metadata"]["resourceVersion"] == before
    assert [p["spec"]["ipipMode"] for p in after["items"]] == ["Always"]


def test_inject_conflict_fails_exactly_n_writes(custom, emulator, raw):
    path = "/apis/crd.projectcalico.org/v1/ippools/default-pool"
    assert raw(emulator, "POST", "/_emulator/inject-conflict", {"path": path, "times": 2})[0] == 200
    failures = 0
    for attempt in range(4):
        pool = custom.get_cluster_custom_object(GROUP, VERSION, "ippools", "default-pool")
        pool["spec"]["ipipMode"] = "Never" if attempt % 2 == 0 else "CrossSubnet"
        try:
            custom.replace_cluster_custom_object(GROUP, VERSION, "ippools", "default-pool", pool)
        except ApiException as err:
            assert err.status == 409 and json.loads(err.body)["reason"] == "Conflict"
            failures += 1
    assert failures == 2
    pool = custom.get_cluster_custom_object(GROUP, VERSION, "ippools", "default-pool")
    assert pool["metadata"]["annotations"]["lab.flatnet.kube/concurrent-writes"] == "2"
    assert pool["spec"]["ipipMode"] == "CrossSubnet"


def test_inject_fault_answers_as_a_busy_or_broken_server_and_counts_down(custom, emulator, raw):
    path = "/apis/crd.projectcalico.org/v1/ippools"
    assert raw(emulator, "POST", "/_emulator/inject-fault", {"path": path, "fault": "429", "times": 2, "retry_after": 1})[0] == 200
    status, headers, body = raw(emulator, "GET", path)
    assert status == 429 and headers["Retry-After"] == "1" and body["reason"] == "TooManyRequests" and body["code"] == 429
    # The official client's urllib3 honours a 429's Retry-After by itself: it waits and meets the twin serving again.
    assert custom.list_cluster_custom_object(GROUP, VERSION, "ippools")["items"]
    assert [entry["status"] for entry in emulator.requests()[-3:]] == [429, 429, 200]
    assert raw(emulator, "POST", "/_emulator/inject-fault", {"path": path, "fault": "503", "times": 1, "methods": ["POST"]})[0] == 200
    assert custom.list_cluster_custom_object(GROUP, VERSION, "ippools")["items"]  # a GET does not meet a POST's fault
    pool = {"apiVersion": "%s/%s" % (GROUP, VERSION), "kind": "IPPool", "metadata": {"name": "p"}, "spec": {"cidr": "10.9.0.0/16"}}
    with pytest.raises(ApiException) as caught:
        custom.create_cluster_custom_object(GROUP, VERSION, "ippools", pool)
    names = [item["metadata"]["name"] for item in custom.list_cluster_custom_object(GROUP, VERSION, "ippools")["items"]]
    assert caught.value.status == 503 and "p" not in names


@pytest.mark.parametrize("spec", [{"path": "/apis", "fault": "418"}, {"path": "apis", "fault": "500"},
                                  {"path": "/apis", "fault": "stall", "seconds": 600}, {"path": "/apis", "fault": "500", "times": -1},
                                  {"path": "/apis", "fault": "500", "methods": "PUT"}])
def test_inject_fault_refuses_a_spec_it_cannot_keep_bounded(emulator, raw, spec):
    assert raw(emulator, "POST", "/_emulator/inject-fault", spec)[0] == 400


def test_a_put_of_a_custom_resource_without_a_resource_version_is_refused_as_the_real_server_does(custom):
    pool = custom.get_cluster_custom_object(GROUP, VERSION, "ippools", "default-pool")
    del pool["metadata"]["resourceVersion"]
    pool["spec"]["ipipMode"] = "Never"
    with pytest.raises(ApiException) as caught:
        custom.replace_cluster_custom_object(GROUP, VERSION, "ippools", "default-pool", pool)
    status = json.loads(caught.value.body)
    assert caught.value.status == 422 and status["reason"] == "Invalid"
    assert status["message"] == ('IPPool.crd.projectcalico.org "default-pool" is invalid: metadata.resourceVersion: Invalid value: 0x0: '
                                 "must be specified for an update")
    # A merge patch takes the stored version.
    custom.patch_cluster_custom_object(GROUP, VERSION, "ippools", "default-pool", {"spec": {"ipipMode": "Never"}})
