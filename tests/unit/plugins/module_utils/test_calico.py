# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of module_utils._calico: the resource model, Calico's rules and the read-modify-write loop.

The loop runs against FakeClient, an in-memory stand-in for KubeClient that
keeps resourceVersions the way the API server does: every write bumps it,
and a PUT carrying a stale one is refused with 409 Conflict.
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

import pytest

from ansible_collections.flatnet.kube.plugins.module_utils import _calico as calico
from ansible_collections.flatnet.kube.plugins.module_utils import _k8s as k8s
from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError

GROUP = "crd.projectcalico.org/v1"
POOLS = "/apis/crd.projectcalico.org/v1/ippools"
POOL_PATH = POOLS + "/default-pool"
PEERS = "/apis/crd.projectcalico.org/v1/bgppeers"
PEER_PATH = PEERS + "/peer-switch"
CONFIG_PATH = "/apis/crd.projectcalico.org/v1/bgpconfigurations/default"
SEED_SELECTOR = "node-role.kubernetes.io/ingress == 'ingress'"
MIGRATION = "set disabled: true on the old pool"

# The seed's pool as the API server returns it (defaults filled in, allowedUses added by Calico).
SEED_POOL_SPEC = {
    "cidr": "10.233.64.0/18", "blockSize": 24, "ipipMode": "Never", "vxlanMode": "Never", "natOutgoing": True,
    "disabled": False, "disableBGPExport": False, "nodeSelector": "all()", "allowedUses": ["Workload", "Tunnel"],
}
SEED_POOL_PARAMS = {
    "name": "default-pool", "state": "present", "cidr": "10.233.64.0/18", "block_size": 24, "ipip_mode": "Never",
    "vxlan_mode": "Never", "nat_outgoing": True, "disabled": None, "disable_bgp_export": None, "node_selector": "all()",
}


# --------------------------------------------------------------------------
# A fake API server behind KubeClient's get/list/write
# --------------------------------------------------------------------------


def status_error(status: int, reason: str, message: str) -> k8s.KubeError:
    """The KubeError KubeClient raises for a Status answer."""
    return k8s.KubeError("Kubernetes API answered %d %s: %s" % (status, reason, message), status=status, reason=reason)


def pool_server_defaults(spec: Mapping[str, Any]) -> Dict[str, Any]:
    """What Calico fills into a pool it stores."""
    result = calico.ippool_defaults(spec["cidr"])
    result["allowedUses"] = ["Workload", "Tunnel"]
    result.update(spec)
    return result


class FakeClient:  # pylint: disable=too-many-instance-attributes
    """KubeClient's get/list/write over an in-memory store, recording every request.

    rivals: after each of our first N reads of an object, another writer
    updates it (so our write, carrying the version we read, meets 409).
    race: an object another writer creates just before our first write.
    fail: an error every write raises.
    """

    def __init__(self, objects: Optional[Mapping[str, Dict[str, Any]]] = None, rivals: int = 0,
                 race: Optional[Tuple[str, Dict[str, Any]]] = None, fail: Optional[Exception] = None,
                 defaults: Callable[[Mapping[str, Any]], Dict[str, Any]] = dict) -> None:
        self.store: Dict[str, Dict[str, Any]] = copy.deepcopy(dict(objects or {}))
        self.requests: List[Tuple[str, str]] = []
        self.bodies: List[Any] = []
        self.rivals = rivals
        self.race = race
        self.fail = fail
        self.defaults = defaults
        self.version = 1000

    def _record(self, method: str, path: str, body: Any) -> None:
        self.requests.append((method, path))
        self.bodies.append(copy.deepcopy(body))

    def _save(self, path: str, body: Mapping[str, Any]) -> Dict[str, Any]:
        obj = copy.deepcopy(dict(body))
        obj["spec"] = self.defaults(obj.get("spec") or {})
        metadata = obj.setdefault("metadata", {})
        self.version += 1
        metadata["resourceVersion"] = str(self.version)
        metadata.setdefault("uid", "uid-" + metadata["name"])
        metadata.setdefault("creationTimestamp", "2024-05-01T10:00:00Z")
        self.store[path] = obj
        return copy.deepcopy(obj)

    def get(self, path: str) -> Optional[Dict[str, Any]]:
        """The stored object, or None."""
        self._record("GET", path, None)
        obj = copy.deepcopy(self.store.get(path))
        if obj is not None and self.rivals:
            self.rivals -= 1
            rival = copy.deepcopy(obj)
            rival["metadata"].setdefault("annotations", {})["example.com/touched"] = str(self.rivals)
            self._save(path, rival)
        return obj

    def list(self, path: str, label_selector: Optional[str] = None) -> List[Dict[str, Any]]:
        """The stored objects under a collection path."""
        self._record("GET", path, label_selector)
        return [copy.deepcopy(obj) for key, obj in sorted(self.store.items()) if key.rsplit("/", 1)[0] == path]

    def delete(self, path: str, current: Optional[Mapping[str, Any]] = None) -> bool:
        """KubeClient's own delete (its DeleteOptions), over this store's write."""
        return k8s.KubeClient.delete(self, path, current)  # type: ignore[arg-type]

    def write(self, method: str, path: str, body: Any = None, content_type: Optional[str] = None) -> Dict[str, Any]:
        """POST, PUT or DELETE with the API server's version rules."""
        assert content_type is None
        self._record(method, path, body)
        if self.race is not None:
            race_path, race_obj = self.race
            self.race = None
            self._save(race_path, race_obj)
        if self.fail is not None:
            raise self.fail
        if method == "POST":
            if "resourceVersion" in body["metadata"]:
                raise status_error(400, "BadRequest", "resourceVersion should not be set on objects to be created")
            target = path + "/" + body["metadata"]["name"]
            if target in self.store:
                raise status_error(409, "AlreadyExists", "%s already exists" % body["metadata"]["name"])
            return self._save(target, body)
        current = self.store.get(path)
        if current is None:
            raise status_error(404, "NotFound", path)
        if method == "DELETE":
            wanted = (body or {}).get("preconditions") or {}
            if wanted.get("resourceVersion", current["metadata"]["resourceVersion"]) != current["metadata"]["resourceVersion"]:
                raise status_error(409, "Conflict", "Precondition failed: ResourceVersion in precondition: %s" % wanted["resourceVersion"])
            del self.store[path]
            return {"kind": "Status", "status": "Success"}
        if body["metadata"].get("resourceVersion") != current["metadata"]["resourceVersion"]:
            raise status_error(409, "Conflict", "the object has been modified; please apply your changes to the latest version")
        return self._save(path, body)


def server_object(kind: str, name: str, spec: Mapping[str, Any], version: str = "500") -> Dict[str, Any]:
    """An object as the API server returns it."""
    return {
        "apiVersion": GROUP, "kind": kind,
        "metadata": {
            "name": name, "uid": "3f1c6a52-0000-4000-8000-00000000000%d" % len(name), "resourceVersion": version,
            "generation": 1, "creationTimestamp": "2024-05-01T09:00:00Z", "labels": {"app.kubernetes.io/managed-by": "flatnet"},
            "managedFields": [{"manager": "calicoctl", "operation": "Update"}],
        },
        "spec": dict(spec),
    }


def view(name: str, spec: Mapping[str, Any], labels: bool = True) -> Dict[str, Any]:
    """An object as a diff shows it."""
    metadata: Dict[str, Any] = {"name": name}
    if labels:
        metadata["labels"] = {"app.kubernetes.io/managed-by": "flatnet"}
    return {"metadata": metadata, "spec": dict(spec)}


def reconcile_pool(client: FakeClient, managed: Mapping[str, Any], others: Optional[List[Dict[str, Any]]] = None,
                   retries: int = calico.DEFAULT_RETRIES, group: str = GROUP) -> calico.Outcome:
    """Reconcile the seed pool the way the calico_ippool module does."""
    return calico.reconcile(client, group, calico.IPPOOL, "default-pool", managed, calico.normalise_ippool,  # type: ignore[arg-type]
                            check=lambda spec, current: calico.check_ippool("default-pool", spec, current, others or []),
                            merge=calico.merge_ippool, retries=retries)


# --------------------------------------------------------------------------
# IPPool: defaults, normal form, options
# --------------------------------------------------------------------------


@pytest.mark.parametrize("cidr, block_size", [("10.233.64.0/18", 26), ("fd00:10:233::/56", 122)])
def test_ippool_defaults(cidr, block_size):
    assert calico.ippool_defaults(cidr) == {
        "blockSize": block_size, "ipipMode": "Never", "vxlanMode": "Never", "natOutgoing": False, "disabled": False,
        "disableBGPExport": False, "nodeSelector": "all()",
    }


def test_normalise_ippool_fills_defaults_and_canonicalises():
    spec = {"cidr": " 10.233.64.0/18", "natOutgoing": True, "nodeSelector": 'node-role.kubernetes.io/ingress=="ingress"'}
    assert calico.normalise_ippool(spec) == {
        "cidr": "10.233.64.0/18", "blockSize": 26, "ipipMode": "Never", "vxlanMode": "Never", "natOutgoing": True,
        "disabled": False, "disableBGPExport": False, "nodeSelector": SEED_SELECTOR,
    }
    assert spec["cidr"] == " 10.233.64.0/18"


def test_normalise_ippool_ipv6():
    assert calico.normalise_ippool({"cidr": "FD00:10:233::/56", "vxlanMode": "Always"}) == {
        "cidr": "fd00:10:233::/56", "blockSize": 122, "ipipMode": "Never", "vxlanMode": "Always", "natOutgoing": False,
        "disabled": False, "disableBGPExport": False, "nodeSelector": "all()",
    }


def test_normalise_ippool_keeps_server_fields_and_none():
    assert calico.normalise_ippool(None) is None
    assert calico.normalise_ippool({"disabled": True}) == {"disabled": True}
    assert calico.normalise_ippool(SEED_POOL_SPEC) == SEED_POOL_SPEC


def test_normalise_ippool_equates_written_and_served_specs():
    written = calico.merge_ippool({}, calico.ippool_spec(SEED_POOL_PARAMS))
    served = {"cidr": "10.233.64.0/18", "blockSize": 24, "natOutgoing": True, "nodeSelector": "all( )", "disabled": False}
    expected = dict(SEED_POOL_SPEC)
    del expected["allowedUses"]
    assert calico.normalise_ippool(written) == calico.normalise_ippool(served) == expected


def test_ippool_spec_maps_options_and_ignores_none():
    params = {
        "name": "default-pool", "state": "present", "cidr": "10.233.64.0/18", "block_size": 24, "ipip_mode": "CrossSubnet",
        "vxlan_mode": None, "nat_outgoing": True, "disabled": False, "disable_bgp_export": True,
        "node_selector": "node-role.kubernetes.io/ingress=='ingress'",
    }
    assert calico.ippool_spec(params) == {
        "cidr": "10.233.64.0/18", "blockSize": 24, "ipipMode": "CrossSubnet", "natOutgoing": True, "disabled": False,
        "disableBGPExport": True, "nodeSelector": SEED_SELECTOR,
    }
    assert calico.ippool_spec({"cidr": None, "disabled": True}) == {"disabled": True}
    assert not calico.ippool_spec({})


@pytest.mark.parametrize("params, name", [
    ({"cidr": "10.233.64.1/18"}, "cidr: '10.233.64.1/18' has host bits set"),
    ({"cidr": "10.233.64.0"}, "cidr: '10.233.64.0' is not a valid CIDR"),
    ({"node_selector": "role = 'x'"}, "node_selector"),
])
def test_ippool_spec_names_the_bad_option(params, name):
    with pytest.raises(FlatnetError) as caught:
        calico.ippool_spec(params)
    assert str(caught.value).startswith(name), str(caught.value)


def test_merge_ippool_new_pool_gets_defaults():
    managed = {"cidr": "10.233.64.0/18", "blockSize": 24, "natOutgoing": True}
    assert calico.merge_ippool({}, managed) == {
        "cidr": "10.233.64.0/18", "blockSize": 24, "ipipMode": "Never", "vxlanMode": "Never", "natOutgoing": True,
        "disabled": False, "disableBGPExport": False, "nodeSelector": "all()",
    }
    assert calico.merge_ippool({}, {"disabled": True}) == {"disabled": True}


def test_merge_ippool_existing_keeps_unmanaged_fields():
    current = {"cidr": "10.233.64.0/18", "blockSize": 24, "ipipMode": "Always", "natOutgoing": False, "nodeSelector": "has(zone)",
               "allowedUses": ["Workload"]}
    before = copy.deepcopy(current)
    assert calico.merge_ippool(current, {"natOutgoing": True, "disabled": True}) == {
        "cidr": "10.233.64.0/18", "blockSize": 24, "ipipMode": "Always", "natOutgoing": True, "nodeSelector": "has(zone)",
        "allowedUses": ["Workload"], "disabled": True,
    }
    assert current == before


# --------------------------------------------------------------------------
# IPPool: Calico's rules
# --------------------------------------------------------------------------


def pool_object(name: str, cidr: str, block_size: Optional[int] = None) -> Dict[str, Any]:
    """A pool as the API lists it."""
    spec: Dict[str, Any] = {"cidr": cidr}
    if block_size is not None:
        spec["blockSize"] = block_size
    return {"metadata": {"name": name, "resourceVersion": "7"}, "spec": spec}


def check_error(spec: Mapping[str, Any], current: Optional[Dict[str, Any]] = None, others: Optional[List[Dict[str, Any]]] = None) -> str:
    """The message check_ippool raises for the seed pool."""
    with pytest.raises(FlatnetError) as caught:
        calico.check_ippool("default-pool", spec, current, others or [])
    return str(caught.value)


def test_check_ippool_create_needs_cidr():
    assert check_error({"blockSize": 24}) == ("IPPool default-pool does not exist yet, so cidr is required to create it, "
                                              "e.g. cidr: 10.233.64.0/18.")


@pytest.mark.parametrize("cidr, block_size, expected", [
    ("10.233.64.0/18", 19, "IPPool default-pool.block_size: 19 is out of range for an IPv4 pool; use 20 to 32"),
    ("10.233.64.0/18", 33, "IPPool default-pool.block_size: 33 is out of range for an IPv4 pool; use 20 to 32"),
    ("fd00:10:233::/56", 115, "IPPool default-pool.block_size: 115 is out of range for an IPv6 pool; use 116 to 128"),
    ("fd00:10:233::/56", 129, "IPPool default-pool.block_size: 129 is out of range for an IPv6 pool; use 116 to 128"),
    ("10.233.64.0/24", 22, "IPPool default-pool.block_size: 22 does not fit pool '10.233.64.0/24': pool prefix /24 is longer than "
                           "block_size 22"),
    ("fd00:10:233::/120", 118, "IPPool default-pool.block_size: 118 does not fit pool 'fd00:10:233::/120'"),
])
def test_check_ippool_block_size(cidr, block_size, expected):
    assert check_error({"cidr": cidr, "blockSize": block_size}).startswith(expected)


@pytest.mark.parametrize("cidr, block_size", [("10.233.64.0/18", 20), ("10.233.64.0/18", 32), ("10.233.64.0/24", 24),
                                              ("fd00:10:233::/56", 116), ("fd00:10:233::/56", 128), ("fd00:10:233::/56", None)])
def test_check_ippool_block_size_limits_pass(cidr, block_size):
    spec = {"cidr": cidr} if block_size is None else {"cidr": cidr, "blockSize": block_size}
    assert calico.check_ippool("default-pool", spec, None, []) is None


def test_check_ippool_one_encapsulation():
    assert check_error({"cidr": "10.233.64.0/18", "ipipMode": "Always", "vxlanMode": "CrossSubnet"}) == (
        "IPPool default-pool: ipip_mode Always and vxlan_mode CrossSubnet are both enabled; Calico allows one encapsulation per pool. "
        "Set one of them to Never.")


def test_check_ippool_no_ipip_on_ipv6():
    assert check_error({"cidr": "fd00:10:233::/56", "ipipMode": "CrossSubnet"}) == (
        "IPPool default-pool: ipip_mode CrossSubnet on the IPv6 pool fd00:10:233::/56; IP-in-IP carries IPv4 only. "
        "Set ipip_mode: Never.")


@pytest.mark.parametrize("spec, current, change", [
    ({"cidr": "10.233.128.0/18", "blockSize": 24}, pool_object("default-pool", "10.233.64.0/18", 24),
     "cidr cannot change from 10.233.64.0/18 to 10.233.128.0/18"),
    ({"cidr": "10.233.64.0/18", "blockSize": 26}, pool_object("default-pool", "10.233.64.0/18", 24),
     "block_size cannot change from 24 to 26"),
    # A pool created without blockSize has Calico's default, 26.
    ({"cidr": "10.233.64.0/18", "blockSize": 24}, pool_object("default-pool", "10.233.64.0/18"),
     "block_size cannot change from 26 to 24"),
])
def test_check_ippool_immutable_fields(spec, current, change):
    message = check_error(spec, current)
    assert message == "IPPool default-pool: %s. %s" % (change, calico.MIGRATION_HINT)
    assert MIGRATION in message


def test_check_ippool_unchanged_current_passes():
    current = pool_object("default-pool", " 10.233.64.0/18", 24)
    assert calico.check_ippool("default-pool", {"cidr": "10.233.64.0/18", "blockSize": 24, "natOutgoing": True}, current, []) is None


def test_check_ippool_overlap_names_the_other_pool():
    others = [pool_object("office-pass", "192.168.10.0/24"), pool_object("legacy", "10.233.96.0/19")]
    assert check_error({"cidr": "10.233.64.0/18"}, None, others) == (
        "IPPool default-pool: cidr 10.233.64.0/18 overlaps the existing IPPool legacy (10.233.96.0/19); Calico pools must not overlap. "
        "Choose a range outside it, or delete or shrink that pool first.")


def test_check_ippool_same_name_or_cidrless_other_is_no_overlap():
    others = [pool_object("default-pool", "10.233.64.0/18", 24), {"metadata": {"name": "broken"}, "spec": {}},
              pool_object("office-pass", "192.168.10.0/24")]
    assert calico.check_ippool("default-pool", {"cidr": "10.233.64.0/18", "blockSize": 24}, others[0], others) is None


def test_check_ippool_valid_seed_pool_passes():
    assert calico.check_ippool("default-pool", calico.merge_ippool({}, calico.ippool_spec(SEED_POOL_PARAMS)), None, []) is None


# --------------------------------------------------------------------------
# BGPPeer
# --------------------------------------------------------------------------


PEER_PARAMS = {
    "name": "peer-switch", "state": "present", "peer_ip": "10.200.20.254", "as_number": "0.65200", "node": None,
    "node_selector": 'node-role.kubernetes.io/ingress=="ingress"', "peer_selector": None,
    "password_secret": {"name": "bgp-secrets", "key": "switch1"}, "keep_original_next_hop": None, "source_address": None,
    "max_restart_time": None, "ttl_security": None, "filters": None,
}


def test_bgppeer_spec_seed():
    assert calico.bgppeer_spec(PEER_PARAMS) == {
        "peerIP": "10.200.20.254", "asNumber": 65200, "nodeSelector": SEED_SELECTOR,
        "password": {"secretKeyRef": {"name": "bgp-secrets", "key": "switch1"}},
    }


def test_bgppeer_spec_canonical_forms_and_plain_fields():
    params = {"peer_ip": "2001:DB8:0::FE", "as_number": 4200000001, "peer_selector": "has( route-reflector )",
              "keep_original_next_hop": True, "source_address": "None", "max_restart_time": "2m", "ttl_security": 1,
              "filters": ["office-only"], "node": None}
    assert calico.bgppeer_spec(params) == {
        "peerIP": "2001:db8::fe", "asNumber": 4200000001, "peerSelector": "has(route-reflector)", "keepOriginalNextHop": True,
        "sourceAddress": "None", "maxRestartTime": "2m", "ttlSecurity": 1, "filters": ["office-only"],
    }


@pytest.mark.parametrize("params, name", [
    ({"as_number": "65200.1.1"}, "as_number: '65200.1.1' is not a valid AS number"),
    ({"peer_ip": "10.200.20.0/24"}, "peer_ip: '10.200.20.0/24' is not an IP address"),
    ({"node_selector": "all(("}, "node_selector"),
    ({"peer_selector": ""}, "peer_selector is empty"),
])
def test_bgppeer_spec_names_the_bad_option(params, name):
    with pytest.raises(FlatnetError) as caught:
        calico.bgppeer_spec(params)
    assert str(caught.value).startswith(name), str(caught.value)


@pytest.mark.parametrize("params, message", [
    ({"node": "node1", "node_selector": "all()"}, "node and node_selector are mutually exclusive in a Calico BGPPeer; set only one of them."),
    ({"peer_ip": "10.200.20.254", "peer_selector": "has(rr)"},
     "peer_ip and peer_selector are mutually exclusive in a Calico BGPPeer; set only one of them."),
])
def test_check_bgppeer_options_exclusive(params, message):
    with pytest.raises(FlatnetError) as caught:
        calico.check_bgppeer_options(params)
    assert str(caught.value) == message


def test_check_bgppeer_options_one_of_each_pair_passes():
    assert calico.check_bgppeer_options(PEER_PARAMS) is None
    assert calico.check_bgppeer_options({"node": "node1", "node_selector": None, "peer_ip": None, "peer_selector": "has(rr)"}) is None


@pytest.mark.parametrize("current, managed, merged", [
    ({"node": "node1", "peerIP": "10.200.20.254", "asNumber": 65200, "keepOriginalNextHop": True},
     {"nodeSelector": SEED_SELECTOR},
     {"nodeSelector": SEED_SELECTOR, "peerIP": "10.200.20.254", "asNumber": 65200, "keepOriginalNextHop": True}),
    ({"nodeSelector": SEED_SELECTOR, "peerIP": "10.200.20.254", "asNumber": 65200},
     {"node": "node1"},
     {"node": "node1", "peerIP": "10.200.20.254", "asNumber": 65200}),
    ({"nodeSelector": "all()", "peerIP": "10.200.20.254", "asNumber": 65200},
     {"peerSelector": "has(route-reflector)"},
     {"nodeSelector": "all()", "peerSelector": "has(route-reflector)", "asNumber": 65200}),
    ({"nodeSelector": "all()", "peerSelector": "has(route-reflector)"},
     {"peerIP": "10.200.20.254", "asNumber": 65200},
     {"nodeSelector": "all()", "peerIP": "10.200.20.254", "asNumber": 65200}),
    ({"nodeSelector": "all()", "peerIP": "10.200.20.254", "asNumber": 65200},
     {"asNumber": 65201},
     {"nodeSelector": "all()", "peerIP": "10.200.20.254", "asNumber": 65201}),
])
def test_merge_bgppeer_clears_the_other_field_of_a_pair(current, managed, merged):
    before = copy.deepcopy(current)
    assert calico.merge_bgppeer(current, managed) == merged
    assert current == before


@pytest.mark.parametrize("spec, message", [
    ({}, "BGPPeer peer-switch needs peer_ip (the switch address) or peer_selector (other Calico nodes)."),
    ({"nodeSelector": "all()", "asNumber": 65200, "peerIP": ""},
     "BGPPeer peer-switch needs peer_ip (the switch address) or peer_selector (other Calico nodes)."),
    ({"peerIP": "10.200.20.254"}, "BGPPeer peer-switch: as_number is required with peer_ip, e.g. as_number: 65200."),
])
def test_check_bgppeer(spec, message):
    with pytest.raises(FlatnetError) as caught:
        calico.check_bgppeer("peer-switch", spec)
    assert str(caught.value) == message


@pytest.mark.parametrize("spec", [{"peerIP": "10.200.20.254", "asNumber": 65200}, {"peerSelector": "has(route-reflector)"}])
def test_check_bgppeer_passes(spec):
    assert calico.check_bgppeer("peer-switch", spec) is None


def test_normalise_bgppeer_defaults():
    assert calico.normalise_bgppeer(None) is None
    assert calico.normalise_bgppeer({"peerIP": "10.200.20.254", "asNumber": 65200}) == {
        "peerIP": "10.200.20.254", "asNumber": 65200, "keepOriginalNextHop": False, "sourceAddress": "UseNodeIP"}


def test_normalise_bgppeer_equates_written_and_served_specs():
    written = calico.bgppeer_spec(PEER_PARAMS)
    served = {
        "peerIP": "10.200.20.254", "asNumber": 65200, "nodeSelector": "node-role.kubernetes.io/ingress == \"ingress\"", "node": "",
        "peerSelector": "", "keepOriginalNextHop": False, "sourceAddress": "UseNodeIP",
        "password": {"secretKeyRef": {"name": "bgp-secrets", "key": "switch1"}},
    }
    assert calico.normalise_bgppeer(written) == calico.normalise_bgppeer(served) == {
        "peerIP": "10.200.20.254", "asNumber": 65200, "nodeSelector": SEED_SELECTOR, "keepOriginalNextHop": False,
        "sourceAddress": "UseNodeIP", "password": {"secretKeyRef": {"name": "bgp-secrets", "key": "switch1"}},
    }


@pytest.mark.parametrize("served", [
    {"peerIP": "10.200.20.254", "asNumber": 65200, "nodeSelector": SEED_SELECTOR, "keepOriginalNextHop": True},
    {"peerIP": "10.200.20.254", "asNumber": 65200, "nodeSelector": SEED_SELECTOR, "sourceAddress": "None"},
    {"peerIP": "10.200.20.253", "asNumber": 65200, "nodeSelector": SEED_SELECTOR},
])
def test_normalise_bgppeer_tells_real_differences(served):
    written = {"peerIP": "10.200.20.254", "asNumber": 65200, "nodeSelector": SEED_SELECTOR}
    assert calico.normalise_bgppeer(written) != calico.normalise_bgppeer(served)


# --------------------------------------------------------------------------
# BGPConfiguration
# --------------------------------------------------------------------------


CONFIG_PARAMS = {
    "name": "default", "state": "present", "as_number": "0.64513", "node_to_node_mesh": True,
    "service_cluster_ips": ["10.233.0.0/18"], "service_external_ips": ["192.168.20.0/24", "10.200.30.0/24"],
    "service_loadbalancer_ips": None, "listen_port": 179, "log_severity_screen": "Info",
}


def test_bgpconfiguration_spec_seed():
    assert calico.bgpconfiguration_spec("default", CONFIG_PARAMS) == {
        "asNumber": 64513, "nodeToNodeMeshEnabled": True, "serviceClusterIPs": [{"cidr": "10.233.0.0/18"}],
        "serviceExternalIPs": [{"cidr": "192.168.20.0/24"}, {"cidr": "10.200.30.0/24"}], "listenPort": 179,
        "logSeverityScreen": "Info",
    }


def test_bgpconfiguration_spec_asdot_and_ignored_none():
    assert calico.bgpconfiguration_spec("default", {"as_number": "1.10", "node_to_node_mesh": False, "listen_port": None}) == {
        "asNumber": 65546, "nodeToNodeMeshEnabled": False}


@pytest.mark.parametrize("port", [0, 65536, -179])
def test_bgpconfiguration_spec_listen_port_range(port):
    with pytest.raises(FlatnetError) as caught:
        calico.bgpconfiguration_spec("default", {"listen_port": port})
    assert str(caught.value) == "listen_port: %d is out of range; use 1 to 65535 (BGP's port is 179)." % port


@pytest.mark.parametrize("port", [1, 179, 65535])
def test_bgpconfiguration_spec_listen_port_limits_pass(port):
    assert calico.bgpconfiguration_spec("default", {"listen_port": port}) == {"listenPort": port}


@pytest.mark.parametrize("params, fields", [
    ({"as_number": 64513}, "as_number"),
    ({"node_to_node_mesh": False, "service_cluster_ips": ["10.233.0.0/18"]}, "node_to_node_mesh, service_cluster_ips"),
    ({"service_external_ips": ["192.168.20.0/24"], "service_loadbalancer_ips": ["192.168.21.0/24"]},
     "service_external_ips, service_loadbalancer_ips"),
])
def test_bgpconfiguration_spec_node_config_refuses_cluster_fields(params, fields):
    with pytest.raises(FlatnetError) as caught:
        calico.bgpconfiguration_spec("node.node1", params)
    assert str(caught.value) == "BGPConfiguration node.node1: %s can be set only in the BGPConfiguration named 'default'." % fields


def test_bgpconfiguration_spec_node_config_takes_node_fields():
    assert calico.bgpconfiguration_spec("node.node1", {"listen_port": 1179, "log_severity_screen": "Debug", "as_number": None}) == {
        "listenPort": 1179, "logSeverityScreen": "Debug"}


@pytest.mark.parametrize("name", ["cluster", "node1", "Default", "nodes.node1"])
def test_bgpconfiguration_spec_bad_name(name):
    with pytest.raises(FlatnetError) as caught:
        calico.bgpconfiguration_spec(name, {})
    assert str(caught.value) == ("BGPConfiguration name %r: use 'default' for the cluster, or 'node.<node name>' for one node." % name)


def test_bgpconfiguration_spec_names_the_bad_range():
    with pytest.raises(FlatnetError) as caught:
        calico.bgpconfiguration_spec("default", {"service_cluster_ips": ["10.233.0.0/18", "10.233.0.1/18"]})
    assert str(caught.value).startswith("service_cluster_ips[1]: '10.233.0.1/18' has host bits set"), str(caught.value)


def test_normalise_bgpconfiguration_sorts_and_fills_defaults():
    assert calico.normalise_bgpconfiguration(None) is None
    spec = {"asNumber": 64513, "serviceClusterIPs": [{"cidr": "10.233.0.0/18"}],
            "serviceExternalIPs": [{"cidr": "fd00:10:233:1::/112"}, "192.168.20.0/24", {"cidr": "10.200.30.0/24"}],
            "serviceLoadBalancerIPs": [], "listenPort": 179}
    assert calico.normalise_bgpconfiguration(spec) == {
        "asNumber": 64513, "serviceClusterIPs": [{"cidr": "10.233.0.0/18"}],
        "serviceExternalIPs": [{"cidr": "10.200.30.0/24"}, {"cidr": "192.168.20.0/24"}, {"cidr": "fd00:10:233:1::/112"}],
        "listenPort": 179, "nodeToNodeMeshEnabled": True, "logSeverityScreen": "Info",
    }


def test_normalise_bgpconfiguration_keeps_explicit_values():
    assert calico.normalise_bgpconfiguration({"nodeToNodeMeshEnabled": False, "logSeverityScreen": "Warning", "serviceClusterIPs": None}) == {
        "nodeToNodeMeshEnabled": False, "logSeverityScreen": "Warning"}


# --------------------------------------------------------------------------
# reconcile: create, no-op, update
# --------------------------------------------------------------------------


@pytest.mark.parametrize("group", ["crd.projectcalico.org/v1", "projectcalico.org/v3"])
def test_reconcile_creates_then_is_idempotent(group):
    client = FakeClient(defaults=pool_server_defaults)
    collection, path = "/apis/%s/ippools" % group, "/apis/%s/ippools/default-pool" % group
    outcome = reconcile_pool(client, calico.ippool_spec(SEED_POOL_PARAMS), group=group)
    written = {"cidr": "10.233.64.0/18", "blockSize": 24, "ipipMode": "Never", "vxlanMode": "Never", "natOutgoing": True,
               "disabled": False, "disableBGPExport": False, "nodeSelector": "all()"}
    assert client.requests == [("GET", path), ("POST", collection)]
    assert client.bodies[1] == {"apiVersion": group, "kind": "IPPool", "metadata": {"name": "default-pool"}, "spec": written}
    stored = client.store[path]
    assert stored["spec"] == SEED_POOL_SPEC
    assert outcome == calico.Outcome(True, None, view("default-pool", SEED_POOL_SPEC, labels=False), stored)
    assert calico.module_result(outcome, "ippool") == (True, {
        "ippool": stored, "diff": {"before": {}, "after": view("default-pool", SEED_POOL_SPEC, labels=False)}})

    again = reconcile_pool(client, calico.ippool_spec(SEED_POOL_PARAMS), group=group)
    assert client.requests[2:] == [("GET", path)]
    assert again == calico.Outcome(False, view("default-pool", SEED_POOL_SPEC, labels=False),
                                   view("default-pool", SEED_POOL_SPEC, labels=False), stored)


def test_reconcile_no_op_on_server_defaults():
    client = FakeClient({POOL_PATH: server_object("IPPool", "default-pool", SEED_POOL_SPEC)})
    managed = {"cidr": "10.233.64.0/18", "blockSize": 24, "natOutgoing": True, "nodeSelector": "all()"}
    outcome = reconcile_pool(client, managed)
    assert client.requests == [("GET", POOL_PATH)]
    assert outcome.changed is False
    assert outcome.before == outcome.after == view("default-pool", SEED_POOL_SPEC)
    assert outcome.obj == server_object("IPPool", "default-pool", SEED_POOL_SPEC)
    changed, result = calico.module_result(outcome, "ippool")
    assert changed is False
    assert result["diff"] == {"before": view("default-pool", SEED_POOL_SPEC), "after": view("default-pool", SEED_POOL_SPEC)}


def test_reconcile_updates_with_the_version_read():
    current = server_object("IPPool", "default-pool", SEED_POOL_SPEC, version="500")
    client = FakeClient({POOL_PATH: current})
    outcome = reconcile_pool(client, {"natOutgoing": False, "disabled": True})
    assert client.requests == [("GET", POOL_PATH), ("PUT", POOL_PATH)]
    new_spec = dict(SEED_POOL_SPEC, natOutgoing=False, disabled=True)
    put = client.bodies[1]
    assert put["metadata"]["resourceVersion"] == "500"
    assert put == dict(current, spec=new_spec)
    assert client.store[POOL_PATH]["metadata"]["resourceVersion"] == "1001"
    assert outcome == calico.Outcome(True, view("default-pool", SEED_POOL_SPEC), view("default-pool", new_spec), client.store[POOL_PATH])
    assert calico.module_result(outcome, "ippool") == (True, {
        "ippool": client.store[POOL_PATH],
        "diff": {"before": view("default-pool", SEED_POOL_SPEC), "after": view("default-pool", new_spec)}})


# --------------------------------------------------------------------------
# reconcile: conflicts and errors
# --------------------------------------------------------------------------


@pytest.mark.parametrize("rivals", [1, 2, 5])
def test_reconcile_retries_a_conflict(rivals):
    client = FakeClient({POOL_PATH: server_object("IPPool", "default-pool", SEED_POOL_SPEC, version="500")}, rivals=rivals)
    outcome = reconcile_pool(client, {"natOutgoing": False})
    assert client.requests == [("GET", POOL_PATH), ("PUT", POOL_PATH)] * (rivals + 1)
    # Each PUT carries the version its own GET returned: 500, then each rival's.
    assert [body["metadata"]["resourceVersion"] for body in client.bodies[1::2]] == ["500"] + [str(1001 + n) for n in range(rivals)]
    assert outcome.changed is True
    assert outcome.obj == client.store[POOL_PATH]
    assert outcome.obj["spec"]["natOutgoing"] is False
    assert outcome.obj["metadata"]["annotations"] == {"example.com/touched": "0"}


@pytest.mark.parametrize("retries", [1, 3, calico.DEFAULT_RETRIES])
def test_reconcile_gives_up_after_retries(retries):
    client = FakeClient({POOL_PATH: server_object("IPPool", "default-pool", SEED_POOL_SPEC)}, rivals=100)
    with pytest.raises(k8s.KubeError) as caught:
        reconcile_pool(client, {"natOutgoing": False}, retries=retries)
    assert client.requests == [("GET", POOL_PATH), ("PUT", POOL_PATH)] * (retries + 1)
    assert caught.value.status == 409
    assert str(caught.value) == (
        "IPPool default-pool kept changing under us: %d writes in a row met a newer resourceVersion (409 Conflict). Another controller "
        "may be rewriting it; find it, or try again." % (retries + 1))


def test_reconcile_create_race_turns_into_update():
    rival = server_object("IPPool", "default-pool", dict(SEED_POOL_SPEC, natOutgoing=False), version="700")
    client = FakeClient(race=(POOL_PATH, rival))
    outcome = reconcile_pool(client, calico.ippool_spec(SEED_POOL_PARAMS))
    assert client.requests == [("GET", POOL_PATH), ("POST", POOLS), ("GET", POOL_PATH), ("PUT", POOL_PATH)]
    assert client.bodies[3]["metadata"]["resourceVersion"] == "1001"
    assert outcome.before == view("default-pool", dict(SEED_POOL_SPEC, natOutgoing=False))
    assert outcome.after == view("default-pool", SEED_POOL_SPEC)


@pytest.mark.parametrize("error", [
    status_error(422, "Invalid", 'IPPool.crd.projectcalico.org "default-pool" is invalid'),
    status_error(403, "Forbidden", "ippools is forbidden"),
    k8s.KubeError("cannot reach the Kubernetes API at https://10.200.20.105:6443: timed out"),
])
def test_reconcile_other_errors_propagate(error):
    client = FakeClient({POOL_PATH: server_object("IPPool", "default-pool", SEED_POOL_SPEC)}, fail=error)
    with pytest.raises(k8s.KubeError) as caught:
        reconcile_pool(client, {"natOutgoing": False})
    assert caught.value is error
    assert client.requests == [("GET", POOL_PATH), ("PUT", POOL_PATH)]


def test_reconcile_read_error_propagates():
    class Unreadable(FakeClient):
        """Every read is refused."""

        def get(self, path: str) -> Optional[Dict[str, Any]]:
            self._record("GET", path, None)
            raise status_error(401, "Unauthorized", "Unauthorized")

    client = Unreadable()
    with pytest.raises(k8s.KubeError) as caught:
        reconcile_pool(client, {"natOutgoing": False})
    assert caught.value.status == 401
    assert client.requests == [("GET", POOL_PATH)]


@pytest.mark.parametrize("objects, managed, others, message", [
    ({POOL_PATH: server_object("IPPool", "default-pool", SEED_POOL_SPEC)}, {"cidr": "10.233.128.0/18"}, [],
     "IPPool default-pool: cidr cannot change from 10.233.64.0/18 to 10.233.128.0/18. " + calico.MIGRATION_HINT),
    ({POOL_PATH: server_object("IPPool", "default-pool", SEED_POOL_SPEC)}, {"blockSize": 26}, [],
     "IPPool default-pool: block_size cannot change from 24 to 26. " + calico.MIGRATION_HINT),
    ({}, {"natOutgoing": True}, [],
     "IPPool default-pool does not exist yet, so cidr is required to create it, e.g. cidr: 10.233.64.0/18."),
    ({}, {"cidr": "10.233.64.0/18"}, [pool_object("legacy", "10.233.0.0/16")],
     "IPPool default-pool: cidr 10.233.64.0/18 overlaps the existing IPPool legacy (10.233.0.0/16); Calico pools must not overlap. "
     "Choose a range outside it, or delete or shrink that pool first."),
    ({POOL_PATH: server_object("IPPool", "default-pool", SEED_POOL_SPEC)}, {"vxlanMode": "Always", "ipipMode": "Always"}, [],
     "IPPool default-pool: ipip_mode Always and vxlan_mode Always are both enabled; Calico allows one encapsulation per pool. "
     "Set one of them to Never."),
])
def test_reconcile_checks_before_writing(objects, managed, others, message):
    client = FakeClient(objects)
    with pytest.raises(FlatnetError) as caught:
        reconcile_pool(client, managed, others)
    assert str(caught.value) == message
    assert client.requests == [("GET", POOL_PATH)]
    assert client.store == objects


# --------------------------------------------------------------------------
# reconcile: BGPPeer and BGPConfiguration as their modules call it
# --------------------------------------------------------------------------


def reconcile_peer(client: FakeClient, params: Mapping[str, Any]) -> calico.Outcome:
    """Reconcile the seed's BGPPeer the way the calico_bgp_peer module does."""
    calico.check_bgppeer_options(params)
    return calico.reconcile(client, GROUP, calico.BGPPEER, "peer-switch", calico.bgppeer_spec(params),  # type: ignore[arg-type]
                            calico.normalise_bgppeer, check=lambda spec, current: calico.check_bgppeer("peer-switch", spec),
                            merge=calico.merge_bgppeer)


def test_reconcile_bgppeer_node_selector_replaces_node():
    current = server_object("BGPPeer", "peer-switch", {"node": "node1", "peerIP": "10.200.20.254", "asNumber": 65200}, version="42")
    client = FakeClient({PEER_PATH: current})
    outcome = reconcile_peer(client, dict(PEER_PARAMS, password_secret=None))
    assert client.requests == [("GET", PEER_PATH), ("PUT", PEER_PATH)]
    assert client.bodies[1]["spec"] == {"peerIP": "10.200.20.254", "asNumber": 65200, "nodeSelector": SEED_SELECTOR}
    assert client.bodies[1]["metadata"]["resourceVersion"] == "42"
    # The diff shows the spec as stored, not with defaults filled in.
    assert outcome.before == view("peer-switch", {"node": "node1", "peerIP": "10.200.20.254", "asNumber": 65200})


def test_reconcile_bgppeer_served_defaults_are_no_change():
    served = {"peerIP": "10.200.20.254", "asNumber": 65200, "nodeSelector": "node-role.kubernetes.io/ingress == \"ingress\"",
              "node": "", "peerSelector": "", "keepOriginalNextHop": False, "sourceAddress": "UseNodeIP",
              "password": {"secretKeyRef": {"name": "bgp-secrets", "key": "switch1"}}}
    client = FakeClient({PEER_PATH: server_object("BGPPeer", "peer-switch", served)})
    outcome = reconcile_peer(client, PEER_PARAMS)
    assert client.requests == [("GET", PEER_PATH)]
    assert outcome.changed is False


def test_reconcile_bgppeer_creates_with_the_bare_spec():
    client = FakeClient()
    outcome = reconcile_peer(client, PEER_PARAMS)
    assert client.requests == [("GET", PEER_PATH), ("POST", PEERS)]
    assert client.bodies[1] == {"apiVersion": GROUP, "kind": "BGPPeer", "metadata": {"name": "peer-switch"},
                                "spec": calico.bgppeer_spec(PEER_PARAMS)}
    assert outcome.changed is True


def test_reconcile_bgppeer_check_runs_on_the_merged_spec():
    client = FakeClient()
    with pytest.raises(FlatnetError) as caught:
        reconcile_peer(client, {"peer_ip": "10.200.20.254", "node_selector": "all()"})
    assert str(caught.value) == "BGPPeer peer-switch: as_number is required with peer_ip, e.g. as_number: 65200."
    assert client.requests == [("GET", PEER_PATH)]


def test_reconcile_bgpconfiguration_no_op_then_change():
    served = {"asNumber": 64513, "logSeverityScreen": "Info", "nodeToNodeMeshEnabled": True, "listenPort": 179,
              "serviceClusterIPs": [{"cidr": "10.233.0.0/18"}],
              "serviceExternalIPs": [{"cidr": "10.200.30.0/24"}, {"cidr": "192.168.20.0/24"}]}
    client = FakeClient({CONFIG_PATH: server_object("BGPConfiguration", "default", served)})

    def run(params: Mapping[str, Any]) -> calico.Outcome:
        return calico.reconcile(client, GROUP, calico.BGPCONFIGURATION, "default",  # type: ignore[arg-type]
                                calico.bgpconfiguration_spec("default", params), calico.normalise_bgpconfiguration,
                                check=lambda spec, current: None)

    assert run(CONFIG_PARAMS).changed is False
    assert client.requests == [("GET", CONFIG_PATH)]
    outcome = run(dict(CONFIG_PARAMS, node_to_node_mesh=False))
    assert outcome.changed is True
    assert client.requests[1:] == [("GET", CONFIG_PATH), ("PUT", CONFIG_PATH)]
    assert client.bodies[2]["spec"] == {
        "asNumber": 64513, "logSeverityScreen": "Info", "nodeToNodeMeshEnabled": False, "listenPort": 179,
        "serviceClusterIPs": [{"cidr": "10.233.0.0/18"}],
        "serviceExternalIPs": [{"cidr": "192.168.20.0/24"}, {"cidr": "10.200.30.0/24"}]}


# --------------------------------------------------------------------------
# remove, list_objects, module_result
# --------------------------------------------------------------------------


def test_remove_existing():
    client = FakeClient({POOL_PATH: server_object("IPPool", "default-pool", SEED_POOL_SPEC)})
    outcome = calico.remove(client, GROUP, calico.IPPOOL, "default-pool")  # type: ignore[arg-type]
    assert client.requests == [("GET", POOL_PATH), ("DELETE", POOL_PATH)]
    # Only the object as read: its uid and resourceVersion are the DELETE's preconditions.
    uid = server_object("IPPool", "default-pool", {})["metadata"]["uid"]
    assert client.bodies[1] == {"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": uid, "resourceVersion": "500"}}
    assert not client.store
    assert outcome == calico.Outcome(True, view("default-pool", SEED_POOL_SPEC), None, None)
    assert calico.module_result(outcome, "ippool") == (True, {
        "ippool": None, "diff": {"before": view("default-pool", SEED_POOL_SPEC), "after": {}}})


def test_remove_absent():
    client = FakeClient()
    outcome = calico.remove(client, GROUP, calico.BGPPEER, "peer-switch")  # type: ignore[arg-type]
    assert client.requests == [("GET", PEER_PATH)]
    assert outcome == calico.Outcome(False, None, None, None)
    assert calico.module_result(outcome, "bgppeer") == (False, {"bgppeer": None, "diff": {"before": {}, "after": {}}})


def test_list_objects():
    legacy = server_object("IPPool", "legacy", {"cidr": "10.10.0.0/16"})
    seed = server_object("IPPool", "default-pool", SEED_POOL_SPEC)
    client = FakeClient({POOLS + "/legacy": legacy, POOL_PATH: seed, PEER_PATH: server_object("BGPPeer", "peer-switch", {})})
    assert calico.list_objects(client, GROUP, calico.IPPOOL) == [seed, legacy]  # type: ignore[arg-type]
    assert client.requests == [("GET", POOLS)]


def test_kinds():
    assert [(kind.kind, kind.plural) for kind in (calico.IPPOOL, calico.BGPPEER, calico.BGPCONFIGURATION)] == [
        ("IPPool", "ippools"), ("BGPPeer", "bgppeers"), ("BGPConfiguration", "bgpconfigurations")]
