# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""projectcalico.org/v3 (with --calico-v3): Calico's defaulting and validation, and storage shared with crd.projectcalico.org/v1."""

from __future__ import annotations

import json

import pytest
from kubernetes import client as k8s
from kubernetes.client.rest import ApiException

V3 = ("projectcalico.org", "v3")
CRD = ("crd.projectcalico.org", "v1")


def _obj(kind: str, name: str, spec: dict) -> dict:
    return {"apiVersion": "projectcalico.org/v3", "kind": kind, "metadata": {"name": name}, "spec": spec}


def _fails(call, *args, **kwargs) -> dict:
    with pytest.raises(ApiException) as err:
        call(*args, **kwargs)
    body = json.loads(err.value.body)
    body["http"] = err.value.status
    return body


@pytest.fixture
def custom(api_client_v3):
    return k8s.CustomObjectsApi(api_client_v3)


def test_v3_served_only_when_asked(emulator, emulator_v3, raw):
    assert raw(emulator, "GET", "/apis/projectcalico.org/v3")[0] == 404
    groups = [g["name"] for g in raw(emulator_v3, "GET", "/apis")[2]["groups"]]
    assert "projectcalico.org" in groups and "crd.projectcalico.org" in groups
    resources = {r["name"]: r for r in raw(emulator_v3, "GET", "/apis/projectcalico.org/v3")[2]["resources"]}
    assert set(resources) == {"ippools", "bgppeers", "bgpconfigurations", "bgpfilters", "caliconodestatuses", "blockaffinities"}
    assert resources["blockaffinities"]["verbs"] == ["get", "list", "watch"]
    assert resources["bgpconfigurations"]["shortNames"] == ["bgpconfig", "bgpconfigs"]


def test_pool_defaults(custom):
    made = custom.create_cluster_custom_object(*V3, "ippools", _obj("IPPool", "extra", {"cidr": "10.244.0.0/16"}))
    assert made["apiVersion"] == "projectcalico.org/v3"
    assert made["spec"] == {"cidr": "10.244.0.0/16", "blockSize": 26, "ipipMode": "Never", "vxlanMode": "Never", "nodeSelector": "all()",
                            "allowedUses": ["Workload", "Tunnel"], "assignmentMode": "Automatic"}
    six = custom.create_cluster_custom_object(*V3, "ippools", _obj("IPPool", "six", {"cidr": "fd00:10:244::/64"}))
    assert six["spec"]["blockSize"] == 122


def test_v3_write_is_visible_under_crd_v1(custom):
    custom.create_cluster_custom_object(*V3, "bgpconfigurations", _obj("BGPConfiguration", "default", {
        "asNumber": 64513, "nodeToNodeMeshEnabled": False, "serviceClusterIPs": [{"cidr": "10.233.0.0/18"}]}))
    stored = custom.get_cluster_custom_object(*CRD, "bgpconfigurations", "default")
    assert stored["apiVersion"] == "crd.projectcalico.org/v1" and stored["spec"]["asNumber"] == 64513
    custom.patch_cluster_custom_object(*CRD, "bgpconfigurations", "default", {"spec": {"logSeverityScreen": "Info"}})
    seen = custom.get_cluster_custom_object(*V3, "bgpconfigurations", "default")
    assert seen["apiVersion"] == "projectcalico.org/v3" and seen["spec"]["logSeverityScreen"] == "Info"
    assert seen["metadata"]["resourceVersion"] == custom.get_cluster_custom_object(*CRD, "bgpconfigurations", "default")["metadata"]["resourceVersion"]


def test_overlapping_pool_rejected(custom):
    body = _fails(custom.create_cluster_custom_object, *V3, "ippools", _obj("IPPool", "overlap", {"cidr": "10.233.80.0/20"}))
    assert body["http"] == 422 and body["reason"] == "Invalid"
    assert body["message"] == ("error with field IPPool.Spec.CIDR = '10.233.80.0/20' "
                               "(IPPool(overlap) CIDR overlaps with IPPool(default-pool) CIDR 10.233.64.0/18)")


def test_cidr_and_block_size_cannot_change(custom):
    body = _fails(custom.patch_cluster_custom_object, *V3, "ippools", "default-pool", {"spec": {"cidr": "10.233.128.0/18"}})
    assert body["http"] == 422 and "IPPool CIDR cannot be modified" in body["message"]
    body = _fails(custom.patch_cluster_custom_object, *V3, "ippools", "default-pool", {"spec": {"blockSize": 26}})
    assert body["http"] == 422 and "IPPool BlockSize cannot be modified" in body["message"]
    changed = custom.patch_cluster_custom_object(*V3, "ippools", "default-pool", {"spec": {"ipipMode": "Never"}})
    assert changed["spec"]["ipipMode"] == "Never"


def test_pool_semantic_checks(custom):
    body = _fails(custom.create_cluster_custom_object, *V3, "ippools", _obj("IPPool", "both", {
        "cidr": "10.250.0.0/16", "ipipMode": "Always", "vxlanMode": "Always"}))
    assert "Cannot enable both VXLAN and IPIP on the same IPPool" in body["message"]
    body = _fails(custom.create_cluster_custom_object, *V3, "ippools", _obj("IPPool", "v6ipip", {"cidr": "fd00::/64", "ipipMode": "Always"}))
    assert "IPIP is not supported on an IPv6 IP pool" in body["message"]
    body = _fails(custom.create_cluster_custom_object, *V3, "ippools", _obj("IPPool", "size", {"cidr": "10.251.0.0/16", "blockSize": 33}))
    assert "IPv4 block size must be between 20 and 32" in body["message"]
    body = _fails(custom.create_cluster_custom_object, *V3, "ippools", _obj("IPPool", "junk", {"cidr": "10.300.0.0/16"}))
    assert body["message"] == "error with field IPPool.Spec.CIDR = '10.300.0.0/16' (IPPool CIDR must be a valid subnet)"


def test_exclusive_peer_fields(custom):
    body = _fails(custom.create_cluster_custom_object, *V3, "bgppeers", _obj("BGPPeer", "both", {
        "node": "node1", "nodeSelector": "all()", "peerIP": "10.200.20.254", "asNumber": 65200}))
    assert body["http"] == 422
    assert body["message"] == "error with field Node = 'node1' (Node field must be empty when NodeSelector is specified)"
    body = _fails(custom.create_cluster_custom_object, *V3, "bgppeers", _obj("BGPPeer", "sel", {"peerIP": "10.0.0.1", "peerSelector": "all()"}))
    assert "PeerIP field must be empty when PeerSelector is specified" in body["message"]
    body = _fails(custom.create_cluster_custom_object, *V3, "bgppeers", _obj("BGPPeer", "asn", {"peerIP": "10.0.0.1", "asNumber": 4294967296}))
    assert body["http"] == 422 and "invalid AS Number format" in body["message"]
    peer = custom.create_cluster_custom_object(*V3, "bgppeers", _obj("BGPPeer", "ok", {"peerIP": "10.200.20.254", "asNumber": "65200",
                                                                                       "nodeSelector": "has(node-role.kubernetes.io/ingress)"}))
    assert peer["spec"]["asNumber"] == 65200


def test_block_affinities_are_read_only(custom):
    affinities = custom.list_cluster_custom_object(*V3, "blockaffinities")["items"]
    assert len(affinities) == 4 and "deleted" not in affinities[0]["spec"] and affinities[0]["spec"]["state"] == "confirmed"
    body = _fails(custom.delete_cluster_custom_object, *V3, "blockaffinities", affinities[0]["metadata"]["name"])
    assert body["http"] == 405


def test_v3_unknown_fields_are_dropped_with_a_warning_or_refused_when_strict(custom):
    data, status, headers = custom.create_cluster_custom_object_with_http_info(*V3, "bgppeers", _obj("BGPPeer", "loose", {
        "peerIP": "10.200.20.254", "asNumber": 65200, "peerASN": 1}))
    assert status == 201 and "peerASN" not in data["spec"] and 'unknown field \\"spec.peerASN\\"' in headers["Warning"]
    refused = _fails(custom.create_cluster_custom_object, *V3, "bgppeers", _obj("BGPPeer", "strict", {
        "peerIP": "10.200.20.254", "asNumber": 65200, "peerASN": 1}), field_validation="Strict")
    assert refused["http"] == 400 and refused["message"] == ('BGPPeer in version "v3" cannot be handled as a BGPPeer: strict decoding '
                                                             'error: unknown field "spec.peerASN"')
    assert _fails(custom.get_cluster_custom_object, *V3, "bgppeers", "strict")["http"] == 404
