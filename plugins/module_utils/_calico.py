# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Calico's resources as flatnet.kube writes them: model, rules, reconcile.

Each kind has a table of module option -> spec field, Calico's defaults
(so that a spec the server defaulted compares equal to one we wrote), and
the rules Calico itself enforces (block sizes, immutable fields, overlaps,
mutually exclusive fields). The rules run before anything is written.

``reconcile`` is the one read-modify-write loop: it reads the object,
merges the managed fields over what is there, writes only when the
normalised spec differs, sends the resourceVersion it read, and retries a
409 Conflict a bounded number of times.
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError
from ansible_collections.flatnet.kube.plugins.module_utils import _k8s as k8s
from ansible_collections.flatnet.kube.plugins.module_utils import _netmath as netmath
from ansible_collections.flatnet.kube.plugins.module_utils import _selector as selector

ENCAPSULATION_MODES = ("Never", "Always", "CrossSubnet")
LOG_SEVERITIES = ("Debug", "Info", "Warning", "Error", "Fatal")
SOURCE_ADDRESSES = ("UseNodeIP", "None")
DEFAULT_RETRIES = 5

MIGRATION_HINT = ("Calico cannot change a pool's cidr or block_size in place, because allocated blocks and addresses belong to "
                  "them. To migrate: create a new pool with the new values, set disabled: true on the old pool, recreate the "
                  "pods so they take addresses from the new pool, then delete the old pool.")


class Kind(NamedTuple):
    """A Calico kind: its name and its REST plural (all are cluster-scoped)."""

    kind: str
    plural: str


IPPOOL = Kind("IPPool", "ippools")
BGPPEER = Kind("BGPPeer", "bgppeers")
BGPCONFIGURATION = Kind("BGPConfiguration", "bgpconfigurations")

# Module option -> Calico spec field, per kind.
IPPOOL_FIELDS = {
    "cidr": "cidr",
    "block_size": "blockSize",
    "ipip_mode": "ipipMode",
    "vxlan_mode": "vxlanMode",
    "nat_outgoing": "natOutgoing",
    "disabled": "disabled",
    "disable_bgp_export": "disableBGPExport",
    "node_selector": "nodeSelector",
}
BGPPEER_FIELDS = {
    "peer_ip": "peerIP",
    "as_number": "asNumber",
    "node": "node",
    "node_selector": "nodeSelector",
    "peer_selector": "peerSelector",
    "password_secret": "password",
    "keep_original_next_hop": "keepOriginalNextHop",
    "source_address": "sourceAddress",
    "max_restart_time": "maxRestartTime",
    "ttl_security": "ttlSecurity",
    "filters": "filters",
}
BGPCONFIGURATION_FIELDS = {
    "as_number": "asNumber",
    "node_to_node_mesh": "nodeToNodeMeshEnabled",
    "service_cluster_ips": "serviceClusterIPs",
    "service_external_ips": "serviceExternalIPs",
    "service_loadbalancer_ips": "serviceLoadBalancerIPs",
    "listen_port": "listenPort",
    "log_severity_screen": "logSeverityScreen",
}

# A managed field's value that means: this field must not be there (a BGPPeer's password once the switch has none).
REMOVE = object()

# Options of which a BGPPeer may set only one, and their spec fields; setting one field clears the other.
BGPPEER_EXCLUSIVE_OPTIONS = (("node", "node_selector"), ("peer_ip", "peer_selector"))
BGPPEER_EXCLUSIVE = tuple((BGPPEER_FIELDS[first], BGPPEER_FIELDS[second]) for first, second in BGPPEER_EXCLUSIVE_OPTIONS)
SERVICE_RANGE_FIELDS = ("serviceClusterIPs", "serviceExternalIPs", "serviceLoadBalancerIPs")
BGPCONFIGURATION_DEFAULT_ONLY = ("asNumber", "nodeToNodeMeshEnabled") + SERVICE_RANGE_FIELDS


def _spec_from_params(params: Mapping[str, Any], fields: Mapping[str, str]) -> Dict[str, Any]:
    """The spec fields the user set (None means: leave as it is)."""
    return dict((field, params[option]) for option, field in fields.items() if params.get(option) is not None)


# --- IPPool ---


def ippool_defaults(cidr: str) -> Dict[str, Any]:
    """Calico's defaults for a pool, as its API server fills them in."""
    version = netmath.parse_cidr(cidr).version
    return {"blockSize": netmath.DEFAULT_BLOCK_SIZES[version], "ipipMode": "Never", "vxlanMode": "Never",
            "natOutgoing": False, "disabled": False, "disableBGPExport": False, "nodeSelector": "all()"}


def normalise_ippool(spec: Optional[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    """A pool spec with defaults filled in and the CIDR and selector in canonical form."""
    if spec is None:
        return None
    result = dict(spec)
    if result.get("cidr"):
        result["cidr"] = str(netmath.parse_cidr(result["cidr"], name="spec.cidr"))
        for field, value in ippool_defaults(result["cidr"]).items():
            result.setdefault(field, value)
    if result.get("nodeSelector"):
        result["nodeSelector"] = selector.canonical(result["nodeSelector"], name="spec.nodeSelector")
    return result


def ippool_spec(params: Mapping[str, Any]) -> Dict[str, Any]:
    """The managed IPPool fields from module options, in canonical form."""
    spec = _spec_from_params(params, IPPOOL_FIELDS)
    if "cidr" in spec:
        spec["cidr"] = str(netmath.parse_cidr(spec["cidr"], name="cidr"))
    if "nodeSelector" in spec:
        spec["nodeSelector"] = selector.canonical(spec["nodeSelector"], name="node_selector")
    return spec


def merge_ippool(current: Mapping[str, Any], managed: Mapping[str, Any]) -> Dict[str, Any]:
    """Managed fields over the current spec; a new pool gets Calico's defaults written out."""
    if current:
        base = dict(current)
    else:
        base = ippool_defaults(managed["cidr"]) if managed.get("cidr") else {}
    base.update(managed)
    return base


def check_ippool(name: str, spec: Mapping[str, Any], current: Optional[Mapping[str, Any]], others: Sequence[Mapping[str, Any]]) -> None:
    """Calico's pool rules, on the spec that would be written; raise FlatnetError."""
    if current is None and not spec.get("cidr"):
        raise FlatnetError("IPPool %s does not exist yet, so cidr is required to create it, e.g. cidr: 10.233.64.0/18." % name)
    full = normalise_ippool(spec) or {}
    network = netmath.parse_cidr(full["cidr"], name="cidr")
    netmath.calico_blocks(full["cidr"], full["blockSize"], name="IPPool %s" % name)
    if full["ipipMode"] != "Never" and full["vxlanMode"] != "Never":
        raise FlatnetError("IPPool %s: ipip_mode %s and vxlan_mode %s are both enabled; Calico allows one encapsulation per pool. "
                           "Set one of them to Never." % (name, full["ipipMode"], full["vxlanMode"]))
    if network.version == 6 and full["ipipMode"] != "Never":
        raise FlatnetError("IPPool %s: ipip_mode %s on the IPv6 pool %s; IP-in-IP carries IPv4 only. Set ipip_mode: Never."
                           % (name, full["ipipMode"], network))
    _check_immutable(name, full, normalise_ippool((current or {}).get("spec")))
    _check_pool_overlap(name, network, others)


def _check_immutable(name: str, wanted: Mapping[str, Any], current: Optional[Mapping[str, Any]]) -> None:
    if current is None:
        return
    for field, option in (("cidr", "cidr"), ("blockSize", "block_size")):
        if current.get(field) is not None and wanted.get(field) != current.get(field):
            raise FlatnetError("IPPool %s: %s cannot change from %s to %s. %s"
                               % (name, option, current.get(field), wanted.get(field), MIGRATION_HINT))


def _check_pool_overlap(name: str, network: Any, others: Sequence[Mapping[str, Any]]) -> None:
    for other in others:
        other_name = (other.get("metadata") or {}).get("name")
        other_cidr = (other.get("spec") or {}).get("cidr")
        if other_name == name or not other_cidr:
            continue
        conflicts = netmath.cidr_conflicts({"IPPool %s" % name: str(network), "IPPool %s" % other_name: other_cidr})
        if conflicts:
            raise FlatnetError("IPPool %s: cidr %s overlaps the existing IPPool %s (%s); Calico pools must not overlap. "
                               "Choose a range outside it, or delete or shrink that pool first." % (name, network, other_name, other_cidr))


# --- BGPPeer ---


def normalise_bgppeer(spec: Optional[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    """A BGPPeer spec with canonical selectors and address, and Calico's defaults."""
    if spec is None:
        return None
    result = dict(spec)
    for field in ("nodeSelector", "peerSelector"):
        if result.get(field):
            result[field] = selector.canonical(result[field], name="spec." + field)
    if result.get("peerIP"):
        result["peerIP"] = str(netmath.parse_address(result["peerIP"], name="spec.peerIP"))
    result.setdefault("keepOriginalNextHop", False)
    result.setdefault("sourceAddress", "UseNodeIP")
    return dict((key, value) for key, value in result.items() if value not in ("", None))


def bgppeer_spec(params: Mapping[str, Any]) -> Dict[str, Any]:
    """The managed BGPPeer fields from module options."""
    if params.get("remove_password") and params.get("password_secret") is not None:
        raise FlatnetError("password_secret and remove_password: true contradict each other; give the Secret, or remove the password.")
    spec = _spec_from_params(params, BGPPEER_FIELDS)
    if "asNumber" in spec:
        spec["asNumber"] = netmath.asn_plain(spec["asNumber"], name="as_number")
    if "peerIP" in spec:
        spec["peerIP"] = str(netmath.parse_address(spec["peerIP"], name="peer_ip"))
    for field, option in (("nodeSelector", "node_selector"), ("peerSelector", "peer_selector")):
        if field in spec:
            spec[field] = selector.canonical(spec[field], name=option)
    if "password" in spec:
        secret = spec["password"]
        spec["password"] = {"secretKeyRef": {"name": secret["name"], "key": secret["key"]}}
    if params.get("remove_password"):
        spec["password"] = REMOVE
    return spec


def check_bgppeer_options(params: Mapping[str, Any]) -> None:
    """The pairs Calico allows only one of, named by module option."""
    for first, second in BGPPEER_EXCLUSIVE_OPTIONS:
        if params.get(first) is not None and params.get(second) is not None:
            raise FlatnetError("%s and %s are mutually exclusive in a Calico BGPPeer; set only one of them." % (first, second))


def merge_bgppeer(current: Mapping[str, Any], managed: Mapping[str, Any]) -> Dict[str, Any]:
    """Managed fields over the current spec; setting one of an exclusive pair clears the other; a field managed as
    REMOVE goes."""
    merged = dict(current)
    for first, second in BGPPEER_EXCLUSIVE:
        if first in managed:
            merged.pop(second, None)
        if second in managed:
            merged.pop(first, None)
    merged.update(managed)
    return dict((field, value) for field, value in merged.items() if value is not REMOVE)


def check_bgppeer(name: str, spec: Mapping[str, Any]) -> None:
    """A peer needs an address or a peer selector, and an AS."""
    if not spec.get("peerIP") and not spec.get("peerSelector"):
        raise FlatnetError("BGPPeer %s needs peer_ip (the switch address) or peer_selector (other Calico nodes)." % name)
    if spec.get("peerIP") and not spec.get("asNumber"):
        raise FlatnetError("BGPPeer %s: as_number is required with peer_ip, e.g. as_number: 65200." % name)


# --- BGPConfiguration ---


def _cidr_entries(cidrs: Sequence[Any], name: str) -> List[Dict[str, str]]:
    return [{"cidr": str(netmath.parse_cidr(entry["cidr"] if isinstance(entry, Mapping) else entry, name="%s[%d]" % (name, index)))}
            for index, entry in enumerate(cidrs)]


def normalise_bgpconfiguration(spec: Optional[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    """A BGPConfiguration spec with sorted canonical service ranges and Calico's defaults."""
    if spec is None:
        return None
    result = dict(spec)
    for field in SERVICE_RANGE_FIELDS:
        entries = _cidr_entries(result.get(field) or [], "spec." + field)
        if entries:
            result[field] = sorted(entries, key=lambda entry: netmath.parse_cidr(entry["cidr"]).sort_key())
        else:
            result.pop(field, None)
    result.setdefault("nodeToNodeMeshEnabled", True)
    result.setdefault("logSeverityScreen", "Info")
    return result


def bgpconfiguration_spec(name: str, params: Mapping[str, Any]) -> Dict[str, Any]:
    """The managed BGPConfiguration fields from module options."""
    spec = _spec_from_params(params, BGPCONFIGURATION_FIELDS)
    if "asNumber" in spec:
        spec["asNumber"] = netmath.asn_plain(spec["asNumber"], name="as_number")
    for field, option in (("serviceClusterIPs", "service_cluster_ips"), ("serviceExternalIPs", "service_external_ips"),
                          ("serviceLoadBalancerIPs", "service_loadbalancer_ips")):
        if field in spec:
            spec[field] = _cidr_entries(spec[field], option)
    if "listenPort" in spec and not 1 <= spec["listenPort"] <= 65535:
        raise FlatnetError("listen_port: %s is out of range; use 1 to 65535 (BGP's port is 179)." % spec["listenPort"])
    if name != "default":
        if not name.startswith("node."):
            raise FlatnetError("BGPConfiguration name %r: use 'default' for the cluster, or 'node.<node name>' for one node." % name)
        options = dict((field, option) for option, field in BGPCONFIGURATION_FIELDS.items())
        set_default_only = [options[field] for field in BGPCONFIGURATION_DEFAULT_ONLY if field in spec]
        if set_default_only:
            raise FlatnetError("BGPConfiguration %s: %s can be set only in the BGPConfiguration named 'default'."
                               % (name, ", ".join(set_default_only)))
    return spec


def merge_bgpconfiguration(current: Mapping[str, Any], managed: Mapping[str, Any]) -> Dict[str, Any]:
    """Managed fields over the current spec; an empty range list removes the field."""
    merged = _merge_over(current, managed)
    for field in SERVICE_RANGE_FIELDS:
        if field in merged and not merged[field]:
            del merged[field]
    return merged


# --- the read-modify-write loop ---


class Outcome(NamedTuple):
    """What reconcile or remove did."""

    changed: bool
    before: Optional[Dict[str, Any]]
    after: Optional[Dict[str, Any]]
    obj: Optional[Dict[str, Any]]


def _body(group: str, kind: Kind, name: str, spec: Mapping[str, Any], current: Optional[Mapping[str, Any]],
          labels: Optional[Mapping[str, str]] = None) -> Dict[str, Any]:
    if current is None:
        metadata: Dict[str, Any] = {"name": name}
        if labels:
            metadata["labels"] = dict(labels)
        return {"apiVersion": group, "kind": kind.kind, "metadata": metadata, "spec": dict(spec)}
    body = copy.deepcopy(dict(current))
    body["apiVersion"], body["kind"], body["spec"] = group, kind.kind, dict(spec)
    if labels:
        body.setdefault("metadata", {})["labels"] = dict((body["metadata"].get("labels") or {}), **labels)
    return body


def labels_missing(current: Optional[Mapping[str, Any]], labels: Optional[Mapping[str, str]]) -> bool:
    """Whether an object lacks one of the labels, or holds another value for it."""
    held = ((current or {}).get("metadata") or {}).get("labels") or {}
    return any(held.get(key) != value for key, value in (labels or {}).items())


def _merge_over(current: Mapping[str, Any], managed: Mapping[str, Any]) -> Dict[str, Any]:
    """Managed fields over the current spec."""
    return dict(current, **managed)


def reconcile(client: k8s.KubeClient, group: str, kind: Kind, name: str, managed: Mapping[str, Any],
              normalise: Callable[[Any], Any], check: Callable[[Mapping[str, Any], Optional[Mapping[str, Any]]], None],
              merge: Callable[[Mapping[str, Any], Mapping[str, Any]], Dict[str, Any]] = _merge_over,
              retries: int = DEFAULT_RETRIES, labels: Optional[Mapping[str, str]] = None) -> Outcome:
    """Make the object carry the managed fields and labels (other labels stay); retry a stale write up to `retries`
    times."""
    path = k8s.object_path(group, kind.plural, name)
    for _attempt in range(retries + 1):
        current = client.get(path)
        spec = merge((current or {}).get("spec") or {}, managed)
        check(spec, current)
        if current is not None and normalise(spec) == normalise(current.get("spec") or {}) and not labels_missing(current, labels):
            view = k8s.strip_server_fields(current)
            return Outcome(False, view, view, current)
        try:
            if current is None:
                written = client.write("POST", k8s.collection_path(group, kind.plural), _body(group, kind, name, spec, None, labels))
            else:
                written = client.write("PUT", path, _body(group, kind, name, spec, current, labels))
        except k8s.KubeError as error:
            if error.status == k8s.CONFLICT:
                continue
            raise
        return Outcome(True, k8s.strip_server_fields(current), k8s.strip_server_fields(written), written)
    raise k8s.KubeError("%s %s kept changing under us: %d writes in a row met a newer resourceVersion (409 Conflict). Another "
                        "controller may be rewriting it; find it, or try again." % (kind.kind, name, retries + 1), status=k8s.CONFLICT)


def remove(client: k8s.KubeClient, group: str, kind: Kind, name: str) -> Outcome:
    """Delete the object if it exists."""
    path = k8s.object_path(group, kind.plural, name)
    current = client.get(path)
    if current is None:
        return Outcome(False, None, None, None)
    client.delete(path, current)
    return Outcome(True, k8s.strip_server_fields(current), None, None)


def list_objects(client: k8s.KubeClient, group: str, kind: Kind) -> List[Dict[str, Any]]:
    """All objects of a kind."""
    return client.list(k8s.collection_path(group, kind.plural))


def module_result(outcome: Outcome, key: str) -> Tuple[bool, Dict[str, Any]]:
    """changed and the module's return values (with a diff)."""
    return outcome.changed, {key: outcome.obj, "diff": {"before": outcome.before or {}, "after": outcome.after or {}}}


class Resource(NamedTuple):
    """How one Calico kind is managed by its module."""

    kind: Kind
    key: str
    managed: Callable[[Mapping[str, Any]], Dict[str, Any]]
    normalise: Callable[[Any], Any]
    check: Callable[[str, Mapping[str, Any], Optional[Mapping[str, Any]], Sequence[Mapping[str, Any]]], None]
    merge: Callable[[Mapping[str, Any], Mapping[str, Any]], Dict[str, Any]] = _merge_over
    needs_others: bool = False


IPPOOL_RESOURCE = Resource(IPPOOL, "ippool", ippool_spec, normalise_ippool, check_ippool, merge_ippool, needs_others=True)
BGPPEER_RESOURCE = Resource(BGPPEER, "bgppeer", bgppeer_spec, normalise_bgppeer,
                            lambda name, spec, current, others: check_bgppeer(name, spec), merge_bgppeer)
BGPCONFIGURATION_RESOURCE = Resource(BGPCONFIGURATION, "bgpconfiguration", lambda params: bgpconfiguration_spec(params["name"], params),
                                     normalise_bgpconfiguration, lambda name, spec, current, others: None, merge_bgpconfiguration)


def run_module(params: Mapping[str, Any], check_mode: bool, resource: Resource) -> Dict[str, Any]:
    """What a Calico module does: check the options, then reconcile or remove one object."""
    name = params["name"]
    managed = resource.managed(params) if params["state"] == "present" else {}
    client = k8s.KubeClient(params, check_mode=check_mode)
    group = client.calico_group(params["api_group"])
    if params["state"] == "absent":
        outcome = remove(client, group, resource.kind, name)
    else:
        others = list_objects(client, group, resource.kind) if resource.needs_others else []
        outcome = reconcile(client, group, resource.kind, name, managed, resource.normalise,
                            check=lambda spec, current: resource.check(name, spec, current, others),
                            merge=resource.merge, retries=params["conflict_retries"], labels=params.get("labels"))
    changed, result = module_result(outcome, resource.key)
    return dict(result, changed=changed, api_group=group)
