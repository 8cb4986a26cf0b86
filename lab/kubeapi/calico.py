# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Calico's own defaulting and validation, as its API server applies them to projectcalico.org/v3.

The wording of the reasons follows Calico v3.30 (libcalico-go's IPPool client
and its v3 validator); a failure is answered as 422 Invalid whose message is
Calico's ``error with field ...`` text. Also here: the conversion between the
stored crd.projectcalico.org/v1 form and the v3 view.

Not emulated: selector syntax checks, the BGPFilter interface pattern and the
global FelixConfiguration updates Calico makes when a pool enables IPIP or VXLAN.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from typing import Any, Callable, Optional

from .errors import invalid_text
from .resources import CRD_GROUP, Resource

_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_MODE_RE = re.compile("^(Always|CrossSubnet|Never)$")
_LOG_LEVEL_RE = re.compile("^(Trace|Debug|Info|Warning|Error|Fatal)$")
_SOURCE_ADDRESS_RE = re.compile("^(UseNodeIP|None)$")
_STANDARD_COMMUNITY = re.compile(r"^(\d+):(\d+)$")
_LARGE_COMMUNITY = re.compile(r"^(\d+):(\d+):(\d+)$")
_IPV4_PORT = re.compile(r"^(\d+).(\d+).(\d+).(\d+):(\d+)$")
_IPV6_PORT = re.compile(r"^\[[0-9a-fA-F:.]+\]:(\d+)$")
_NO_VALUE = object()
ASN_MAX = 4294967295

# Top-level spec fields that are pointers in Calico's Go types (a zero value survives encoding);
# every other spec field is omitempty and vanishes when zero.
_KEEP_ZERO = {
    "ippools": {"cidr", "assignmentMode"},
    "bgppeers": {"nextHopMode", "maxRestartTime", "numAllowedLocalASNumbers", "ttlSecurity", "reversePeering", "password"},
    "bgpconfigurations": {"nodeToNodeMeshEnabled", "asNumber", "serviceLoadBalancerAggregation", "nodeMeshPassword",
                          "nodeMeshMaxRestartTime", "bindMode"},
    "blockaffinities": {"state", "node", "cidr"},
}


def go_value(value: Any) -> str:
    """A value as Go's %v prints it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[%s]" % " ".join(go_value(item) for item in value)
    if isinstance(value, dict):
        return "map[%s]" % " ".join("%s:%s" % (key, go_value(item)) for key, item in sorted(value.items()))
    if value is None:
        return "<nil>"
    return str(value)


@dataclass
class Errored:
    """One of Calico's ErroredFields."""

    name: str
    value: Any = _NO_VALUE
    reason: str = ""

    def __str__(self) -> str:
        text = self.name if self.value is _NO_VALUE else "%s = '%s'" % (self.name, go_value(self.value))
        return "%s (%s)" % (text, self.reason) if self.reason else text


def tag_error(name: str, value: Any, tag: str) -> Errored:
    """A field validator failure, worded like Calico's extractReason."""
    return Errored(name, value, "Reason: failed to validate Field: %s because of Tag: %s " % (name.rsplit(".", 1)[-1], tag))


def message(errors: list) -> str:
    """Calico's ErrorValidation text."""
    if len(errors) == 1:
        return "error with field %s" % errors[0]
    return "error with the following fields:\n" + "".join("-  %s\n" % err for err in errors)


def _raise(res: Resource, name: str, errors: list) -> None:
    causes = [{"reason": "FieldValueInvalid", "message": err.reason, "field": err.name} for err in errors]
    raise invalid_text(res.group, res.kind, name, message(errors), causes)


# --- storage conversion ---------------------------------------------------------------------------------------------


def to_view(res: Resource, stored: dict) -> dict:
    """A stored object as the v3 API shows it."""
    view = dict(stored)
    view["apiVersion"] = res.group_version
    spec = dict(view.get("spec") or {})
    if res.plural == "blockaffinities":
        deleted = str(spec.pop("deleted", "false")).lower() == "true"
        if deleted:
            spec["deleted"] = True
    if res.plural == "ippools" and spec.get("cidr"):
        if not spec.get("blockSize"):
            spec["blockSize"] = 122 if ":" in spec["cidr"] else 26
        spec.setdefault("nodeSelector", "all()")
    drop_zero(res, spec)
    view["spec"] = spec
    return view


def to_storage(res: Resource, view: dict) -> dict:
    """A v3 object as Calico's API server stores it (crd.projectcalico.org/v1)."""
    stored = dict(view)
    stored["apiVersion"] = CRD_GROUP + "/v1"
    spec = dict(stored.get("spec") or {})
    if res.plural == "blockaffinities":
        spec["deleted"] = "true" if spec.get("deleted") else "false"
    stored["spec"] = spec
    return stored


def drop_zero(res: Resource, spec: dict) -> None:
    """Go's omitempty: zero-valued non-pointer fields are not encoded."""
    keep = _KEEP_ZERO.get(res.plural, set())
    for key in list(spec):
        if key not in keep and spec[key] in (False, 0, "", [], {}, None) and not isinstance(spec[key], float):
            del spec[key]


# --- entry point -----------------------------------------------------------------------------------------------------


def validate(res: Resource, obj: dict, old: Optional[dict], siblings: Callable[[], list]) -> None:
    """Default and validate a v3 object in place; raise 422 with Calico's message on failure."""
    spec = obj.setdefault("spec", {})
    name = obj["metadata"].get("name", "")
    handler = _HANDLERS.get(res.plural)
    errors = handler(spec, name, (old or {}).get("spec") if old is not None else None, siblings) if handler else []
    if errors:
        _raise(res, name, errors)
    drop_zero(res, spec)


# --- ASN -------------------------------------------------------------------------------------------------------------


def parse_asn(value: Any) -> Optional[int]:
    """An AS number from an integer, "64512" or dotted "1.10"; None if invalid."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= ASN_MAX else None
    if isinstance(value, str):
        if value.isdigit():
            number = int(value)
            return number if number <= ASN_MAX else None
        parts = value.split(".")
        if len(parts) == 2 and all(part.isdigit() and int(part) < 65536 for part in parts):
            return (int(parts[0]) << 16) + int(parts[1])
    return None


def _normalise_asn(spec: dict, errors: list, field_name: str = "ASNumber") -> None:
    if "asNumber" not in spec:
        return
    number = parse_asn(spec["asNumber"])
    if number is None:
        errors.append(Errored(field_name, spec["asNumber"], "invalid AS Number format (%s)" % go_value(spec["asNumber"])))
    else:
        spec["asNumber"] = number


# --- IPPool ----------------------------------------------------------------------------------------------------------


def _parse_cidr(text: str) -> Optional[ipaddress.IPv4Interface | ipaddress.IPv6Interface]:
    if not isinstance(text, str) or "/" not in text:
        return None
    try:
        return ipaddress.ip_interface(text)
    except ValueError:
        return None


def _pool_defaults_and_checks(spec: dict, name: str, old: Optional[dict], siblings: Callable[[], list]) -> list:
    """libcalico-go's ipPools.validateAndSetDefaults."""
    cidr_text = spec.get("cidr", "")
    if not cidr_text:
        return [Errored("IPPool.Spec.CIDR", reason="IPPool CIDR must be specified")]
    iface = _parse_cidr(cidr_text)
    if iface is None:
        return [Errored("IPPool.Spec.CIDR", cidr_text, "IPPool CIDR must be a valid subnet")]
    network = iface.network
    spec["cidr"] = str(network)
    errors = _pool_first_defaults(spec, network, old)
    if old is not None and "LoadBalancer" in (old.get("allowedUses") or []):
        if any(use != "LoadBalancer" for use in spec["allowedUses"]):
            return [Errored("IPPool.Spec.AllowedUses", spec["allowedUses"],
                            "IPPool allowed use cannot be changed from LoadBalacer to Workload or Tunnel")]
    spec.setdefault("assignmentMode", "Automatic")
    errors.extend(_pool_size_checks(spec, network, old))
    if old is None:
        errors.extend(_pool_overlaps(spec, name, network, siblings))
    if not spec.get("ipipMode"):
        spec["ipipMode"] = "Never"
    if not spec.get("vxlanMode"):
        spec["vxlanMode"] = "Never"
    if spec["vxlanMode"] != "Never" and spec["ipipMode"] != "Never":
        errors.append(Errored("IPPool.Spec.VXLANMode", spec["vxlanMode"], "Cannot enable both VXLAN and IPIP on the same IPPool"))
    if network.version == 6 and spec["ipipMode"] != "Never":
        errors.append(Errored("IPPool.Spec.IPIPMode", spec["ipipMode"], "IPIP is not supported on an IPv6 IP pool"))
    if iface.ip != network.network_address:
        errors.append(Errored("IPPool.Spec.CIDR", spec["cidr"], "IPPool CIDR is not strictly masked"))
    errors.extend(_link_local(network, "IPPool.Spec.CIDR", spec["cidr"], "IPPool CIDR"))
    return errors


def _pool_first_defaults(spec: dict, network: Any, old: Optional[dict]) -> list:
    """nodeSelector, blockSize and allowedUses defaults, and the CIDR immutability check between them."""
    if not spec.get("nodeSelector"):
        spec["nodeSelector"] = "all()"
    errors = []
    if old is not None and old.get("cidr") != spec["cidr"]:
        errors.append(Errored("IPPool.Spec.CIDR", spec["cidr"], "IPPool CIDR cannot be modified"))
    if not spec.get("blockSize"):
        spec["blockSize"] = 26 if network.version == 4 else 122
    if not spec.get("allowedUses"):
        spec["allowedUses"] = ["Workload", "Tunnel"]
    return errors


def _pool_size_checks(spec: dict, network: Any, old: Optional[dict]) -> list:
    errors = []
    size = spec["blockSize"]
    if old is not None and old.get("blockSize", 26 if network.version == 4 else 122) != size:
        errors.append(Errored("IPPool.Spec.BlockSize", size, "IPPool BlockSize cannot be modified"))
    if network.version == 4 and not 20 <= size <= 32:
        errors.append(Errored("IPPool.Spec.BlockSize", size, "IPv4 block size must be between 20 and 32"))
    if network.version == 6 and not 116 <= size <= 128:
        errors.append(Errored("IPPool.Spec.BlockSize", size, "IPv6 block size must be between 116 and 128"))
    if not spec.get("disabled") and network.prefixlen > size:
        errors.append(Errored("IPPool.Spec.CIDR", spec["cidr"],
                              "IP pool size is too small for use with Calico IPAM. It must be equal to or greater than the block size."))
    return errors


def _pool_overlaps(spec: dict, name: str, network: Any, siblings: Callable[[], list]) -> list:
    errors = []
    for other in siblings():
        other_name = other.get("metadata", {}).get("name")
        other_cidr = (other.get("spec") or {}).get("cidr", "")
        other_iface = _parse_cidr(other_cidr)
        if other_name == name or other_iface is None or other_iface.version != network.version:
            continue
        if other_iface.network.overlaps(network):
            errors.append(Errored("IPPool.Spec.CIDR", spec["cidr"],
                                  "IPPool(%s) CIDR overlaps with IPPool(%s) CIDR %s" % (name, other_name, other_cidr)))
    return errors


def _link_local(network: Any, field_name: str, value: str, what: str) -> list:
    if network.version == 4 and network.overlaps(ipaddress.ip_network("169.254.0.0/16")):
        return [Errored(field_name, value, "%s overlaps with IPv4 Link Local range 169.254.0.0/16" % what)]
    if network.version == 6 and network.overlaps(ipaddress.ip_network("fe80::/10")):
        return [Errored(field_name, value, "%s overlaps with IPv6 Link Local range fe80::/10" % what)]
    return []


def _pool_validator(spec: dict) -> list:
    """The v3 validator's field and struct checks of an IPPoolSpec."""
    errors = []
    for key, go_name, tag in (("ipipMode", "IPIPMode", "ipIpMode"), ("vxlanMode", "VXLANMode", "vxlanMode")):
        if spec.get(key) and not _MODE_RE.match(spec[key]):
            errors.append(tag_error(go_name, spec[key], tag))
    if "ipip" in spec:
        errors.append(tag_error("IPIP", spec["ipip"], "mustBeNil"))
    if spec.get("nat-outgoing"):
        errors.append(tag_error("NATOutgoingV1", spec["nat-outgoing"], "mustBeFalse"))
    network = ipaddress.ip_interface(spec["cidr"]).network
    uses = spec.get("allowedUses") or []
    balancer = "LoadBalancer" in uses
    if network.version == 6 and spec.get("ipipMode", "Never") != "Never":
        errors.append(Errored("IPpool.IPIPMode", spec["ipipMode"], "IPIPMode other than 'Never' is not supported on an IPv6 IP pool"))
    if balancer and (spec.get("ipipMode", "Never") != "Never" or spec.get("vxlanMode", "Never") != "Never"):
        errors.append(Errored("IPpool.IPIPMode", spec.get("ipipMode"),
                              "Neither IPIPMode nor VXLANMode can be enabled on AllowedUses LoadBalancer IP pool"))
    for use in uses:
        if use not in ("Workload", "Tunnel", "LoadBalancer"):
            errors.append(Errored("IPpool.AllowedUses", uses, "unknown use: %s" % use))
        elif use != "LoadBalancer" and balancer:
            errors.append(Errored("IPpool.AllowedUses", uses, "LoadBalancer cannot be used at the same time as: %s" % use))
    return errors


def _ippool(spec: dict, name: str, old: Optional[dict], siblings: Callable[[], list]) -> list:
    errors = _pool_defaults_and_checks(spec, name, old, siblings)
    return errors or _pool_validator(spec)


# --- BGPPeer ---------------------------------------------------------------------------------------------------------


def split_peer_ip(text: str) -> Optional[str]:
    """The IP of ``<IP>``, ``<IPv4>:<port>`` or ``[<IPv6>]:<port>``; None if invalid."""
    address = text
    if _IPV4_PORT.match(text) or _IPV6_PORT.match(text):
        address, _sep, port = text.rpartition(":")
        address = address.strip("[]")
        if not port.isdigit() or not 1 <= int(port) <= 65535:
            return None
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def _reachable_by(spec: dict) -> Optional[str]:
    reachable = spec.get("reachableBy", "")
    peer_ip = spec.get("peerIP", "")
    if not reachable:
        return None
    if not peer_ip:
        return "ReachablyBy field must be empty when PeerIP is empty"
    try:
        gateway = ipaddress.ip_address(reachable)
    except ValueError:
        return "ReachableBy is invalid address"
    peer = split_peer_ip(peer_ip)
    if peer is None:
        return "PeerIP is invalid address"
    if ipaddress.ip_address(peer).version != gateway.version:
        return "ReachableBy and PeerIP address family mismatched"
    return None


def _peer_fields(spec: dict) -> list:
    errors = []
    if spec.get("node") and not _NAME_RE.match(spec["node"]):
        errors.append(tag_error("Node", spec["node"], "name"))
    if spec.get("peerIP") and split_peer_ip(spec["peerIP"]) is None:
        errors.append(tag_error("PeerIP", spec["peerIP"], "IP:port"))
    if spec.get("sourceAddress") and not _SOURCE_ADDRESS_RE.match(spec["sourceAddress"]):
        errors.append(tag_error("SourceAddress", spec["sourceAddress"], "sourceAddress"))
    for index, filter_name in enumerate(spec.get("filters") or []):
        if not _NAME_RE.match(filter_name):
            errors.append(tag_error("Filters[%d]" % index, filter_name, "name"))
    return errors


def _bgppeer(spec: dict, _name: str, _old: Optional[dict], _siblings: Callable[[], list]) -> list:
    errors: list = []
    _normalise_asn(spec, errors)
    errors.extend(_peer_fields(spec))
    asn = spec.get("asNumber", 0) if not errors else 0
    pairs = (
        (spec.get("node") and spec.get("nodeSelector"), "Node", spec.get("node"), "Node field must be empty when NodeSelector is specified"),
        (spec.get("peerIP") and spec.get("peerSelector"), "PeerIP", spec.get("peerIP"), "PeerIP field must be empty when PeerSelector is specified"),
        (asn and spec.get("peerSelector"), "ASNumber", asn, "ASNumber field must be empty when PeerSelector is specified"),
        (not asn and spec.get("localWorkloadSelector"), "ASNumber", asn,
         "ASNumber field must NOT be empty when LocalWorkloadSelector is specified"),
        (spec.get("peerIP") and spec.get("localWorkloadSelector"), "PeerIP", spec.get("peerIP"),
         "PeerIP field must be empty when LocalWorkloadSelector is specified"),
        (spec.get("peerSelector") and spec.get("localWorkloadSelector"), "PeerSelector", spec.get("peerIP", ""),
         "PeerSelector field must be empty when LocalWorkloadSelector is specified"),
        (spec.get("keepOriginalNextHop") and spec.get("nextHopMode") is not None, "KeepOriginalNextHop", spec.get("peerIP", ""),
         "The KeepOriginalNextHop field is deprecated. It must not be set to true when NextHopMode is configured."),
    )
    for failed, field_name, value, reason in pairs:
        if failed:
            errors.append(Errored(field_name, value, reason))
    reachable = _reachable_by(spec)
    if reachable:
        errors.append(Errored("ReachableBy", spec.get("reachableBy"), reachable))
    return errors


# --- BGPConfiguration ----------------------------------------------------------------------------------------------


def _valid_community(value: str) -> Optional[str]:
    """None when valid, else the reason."""
    if _STANDARD_COMMUNITY.match(value):
        bits = 16
    elif _LARGE_COMMUNITY.match(value):
        bits = 32
    else:
        return "invalid community value or format used."
    if any(int(part) >= 1 << bits for part in value.split(":")):
        return "invalid community value, expected %d bit value" % bits
    return None


def _network_ok(text: str, version: int = 0) -> bool:
    iface = _parse_cidr(text) if "/" in str(text) else None
    if iface is None:
        try:
            iface = ipaddress.ip_interface(text)
        except ValueError:
            return False
    return iface.ip == iface.network.network_address and (not version or iface.version == version)


def _bgpconfig_fields(spec: dict) -> list:
    errors = []
    if spec.get("logSeverityScreen") and not _LOG_LEVEL_RE.match(spec["logSeverityScreen"]):
        errors.append(tag_error("LogSeverityScreen", spec["logSeverityScreen"], "logLevel"))
    for key in ("serviceClusterIPs", "serviceExternalIPs", "serviceLoadBalancerIPs"):
        for block in spec.get(key) or []:
            if block.get("cidr") and not _network_ok(block["cidr"]):
                errors.append(tag_error("CIDR", block["cidr"], "net"))
    for key, version in (("localWorkloadPeeringIPV4", 4), ("localWorkloadPeeringIPV6", 6)):
        if spec.get(key):
            try:
                ok = ipaddress.ip_address(spec[key]).version == version
            except ValueError:
                ok = False
            if not ok:
                errors.append(tag_error(key[0].upper() + key[1:], spec[key], "ipv%d" % version))
    return errors


def _bgpconfig_struct(spec: dict) -> list:
    errors = []
    communities = spec.get("communities") or []
    for community in communities:
        reason = _valid_community(community.get("value", ""))
        if reason:
            errors.append(Errored("Spec.Communities[].Value", community.get("value", ""), reason))
    if communities and not spec.get("prefixAdvertisements"):
        errors.append(Errored("Spec.Communities[]", communities, "communities are defined but not used in Spec.PrefixAdvertisement[]."))
    names = {community.get("name") for community in communities}
    for advert in spec.get("prefixAdvertisements") or []:
        if not _network_ok(advert.get("cidr", "")) and _parse_cidr(advert.get("cidr", "")) is None:
            errors.append(Errored("Spec.PrefixAdvertisement[].CIDR", advert.get("cidr", ""), "invalid CIDR value."))
        for value in advert.get("communities") or []:
            if _valid_community(value) and value not in names:
                errors.append(Errored("Spec.PrefixAdvertisement[].Communities[]", value, "community used is invalid or not defined."))
    mesh_off = spec.get("nodeToNodeMeshEnabled") is False
    if mesh_off and "nodeMeshPassword" in spec:
        errors.append(Errored("Spec.NodeMeshPassword", spec, "spec.NodeMeshPassword cannot be set if spec.NodeToNodeMesh is disabled"))
    if mesh_off and "nodeMeshMaxRestartTime" in spec:
        errors.append(Errored("Spec.NodeMeshMaxRestartTime", spec,
                              "spec.NodeMeshMaxRestartTime cannot be set if spec.NodeToNodeMesh is disabled"))
    return errors


_DEFAULT_ONLY = (
    ("nodeToNodeMeshEnabled", "NodeToNodeMeshEnabled", "nodeToNodeMeshEnabled"),
    ("asNumber", "ASNumber", "ASNumber"),
    ("serviceLoadBalancerIPs", "ServiceLoadBalancerIPs", "ServiceLoadBalancerIPs"),
    ("serviceExternalIPs", "ServiceExternalIPs", "ServiceExternalIPs"),
    ("serviceClusterIPs", "ServiceClusterIPs", "ServiceClusterIPs"),
    ("nodeMeshPassword", "NodeMeshPassword", "nodeMeshPassword"),
    ("nodeMeshMaxRestartTime", "NodeMeshMaxRestartTime", "nodeMeshMaxRestartTime"),
)


def _bgpconfiguration(spec: dict, name: str, _old: Optional[dict], _siblings: Callable[[], list]) -> list:
    errors: list = []
    _normalise_asn(spec, errors)
    errors.extend(_bgpconfig_fields(spec))
    errors.extend(_bgpconfig_struct(spec))
    if errors or name == "default":
        return errors
    for key, go_name, word in _DEFAULT_ONLY:
        value = spec.get(key)
        if value is not None and value != []:
            errors.append(Errored("BGPConfiguration.Spec." + go_name, reason="Cannot set %s on a non default BGP Configuration." % word))
    return errors


# --- BGPFilter -------------------------------------------------------------------------------------------------------


def _filter_rule(rule: dict, version: int) -> list:
    errors = []
    if rule.get("cidr") and not _network_ok(rule["cidr"], version):
        errors.append(tag_error("CIDR", rule["cidr"], "netv%d" % version))
    if rule.get("action") not in ("Accept", "Reject"):
        errors.append(tag_error("Action", rule.get("action", ""), "filterAction"))
    if rule.get("matchOperator") and rule["matchOperator"] not in ("Equal", "NotEqual", "In", "NotIn"):
        errors.append(tag_error("MatchOperator", rule["matchOperator"], "matchOperator"))
    if rule.get("source") and rule["source"] != "RemotePeers":
        errors.append(tag_error("Source", rule["source"], "oneof"))
    if rule.get("cidr") and not rule.get("matchOperator"):
        errors.append(Errored("CIDR", rule["cidr"], "MatchOperator cannot be empty when CIDR is not"))
    if not rule.get("cidr") and rule.get("matchOperator"):
        errors.append(Errored("MatchOperator", rule["matchOperator"], "CIDR cannot be empty when MatchOperator is not"))
    if not rule.get("cidr") and rule.get("prefixLength") is not None:
        errors.append(Errored("PrefixLength", rule["prefixLength"], "CIDR cannot be empty when PrefixLength is not"))
    return errors


def _bgpfilter(spec: dict, _name: str, _old: Optional[dict], _siblings: Callable[[], list]) -> list:
    errors = []
    for key, version in (("exportV4", 4), ("importV4", 4), ("exportV6", 6), ("importV6", 6)):
        for rule in spec.get(key) or []:
            errors.extend(_filter_rule(rule, version))
    return errors


def _caliconodestatus(spec: dict, _name: str, _old: Optional[dict], _siblings: Callable[[], list]) -> list:
    errors = []
    if spec.get("node") and not _NAME_RE.match(spec["node"]):
        errors.append(tag_error("Node", spec["node"], "name"))
    for index, klass in enumerate(spec.get("classes") or []):
        if klass not in ("Agent", "BGP", "Routes"):
            errors.append(tag_error("Classes[%d]" % index, klass, "oneof"))
    period = spec.get("updatePeriodSeconds")
    if period is not None and not 0 <= period <= 86400:
        errors.append(tag_error("UpdatePeriodSeconds", period, "max"))
    return errors


_HANDLERS: dict = {
    "ippools": _ippool,
    "bgppeers": _bgppeer,
    "bgpconfigurations": _bgpconfiguration,
    "bgpfilters": _bgpfilter,
    "caliconodestatuses": _caliconodestatus,
}
