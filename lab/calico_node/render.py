# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The BIRD configuration calico-node writes for one node, from the Calico resources.

``render_bird(node_name, resources)`` follows calico-node's confd (the
``bird.cfg``, ``bird_aggr.cfg`` and ``bird_ipam.cfg`` templates of Calico
v3.30 and the peering calculation that feeds them), written out as one file:

* router id: the node's IPv4 address (``projectcalico.org/IPv4Address``, else
  its InternalIP); local AS: the node's ``projectcalico.org/ASNumber``
  annotation, else the ``default`` BGPConfiguration's ``asNumber``, else 64512;
  ``listen bgp`` from ``listenPort`` (``node.<name>`` before ``default``) and,
  with ``bindMode: NodeIP``, the node address.
* ``protocol kernel`` (learn, persist, scan time 2, import all, graceful
  restart, merge paths) exporting through ``calico_kernel_programming``;
  ``protocol device``; ``protocol direct`` on every interface except ``cali*``,
  ``kube-ipvs*`` and the BGPConfiguration's ``ignoredInterfaces``; debug
  options from ``logSeverityScreen`` as Calico maps them.
* ``protocol static``: a blackhole for each IPv4 block affine to the node
  (not /32 blocks), a blackhole for each service range calico-node advertises
  from every node (``serviceClusterIPs``; ``serviceExternalIPs`` and
  ``serviceLoadBalancerIPs`` except single addresses; none on a node labelled
  ``node.kubernetes.io/exclude-from-external-load-balancers=true``), and
  ``route <peer>/32 via <reachableBy>`` for peers that name a gateway.
* ``calico_export_to_bgp_peers(internal_peer)``: drops pools with
  ``disableBGPExport``, tunnel interface routes towards iBGP peers and BPF
  local routes; ``calico_aggr`` accepts the node's confirmed blocks and rejects
  anything inside them; then the service ranges, then any route inside an
  enabled pool. ``calico_kernel_programming`` keeps the service ranges out of
  the kernel and accepts the rest.
* Node-to-node mesh (``nodeToNodeMeshEnabled``, default true): one
  ``Mesh_<ip>`` per other node with an IPv4 address that is not a route
  reflector, ``source address`` the node's own, ``passive on`` towards peers
  whose address compares (as text) greater than ours.
* BGPPeers: peers with neither ``node`` nor ``nodeSelector`` are global
  (``Global_<ip>``); those with ``node`` or a ``nodeSelector`` matching this
  node are node-specific (``Node_<ip>``), as are the automatic reverse peerings
  towards Calico nodes; ``_port_<n>`` is appended when a port is set. Peer
  selectors, ``sourceAddress``, ``maxRestartTime``, ``ttlSecurity``,
  ``keepOriginalNextHop``, ``nextHopMode``, ``numAllowedLocalASNumbers``,
  ``reachableBy``, route-reflector clients and passwords from Secrets (in the
  namespace calico-node runs in, ``kube-system``) are handled as Calico does.
* ``apply_communities`` from ``prefixAdvertisements``.

IPv4 only: calico-node also writes ``bird6.cfg`` for IPv6, which the lab does
not need, so there is no ``render_bird6``. Not rendered: BGPFilter resources
(peers import everything and export through ``calico_export_to_bgp_peers``),
peers on local workloads, per-Service routes (single external or
LoadBalancer addresses, ``externalTrafficPolicy: Local``) and WireGuard.

Stock BIRD 1.6 has no ``krt_tunnel`` attribute (it comes with Calico's own
BIRD build), so IPIP pools are programmed without it unless
``calico_bird=True`` asks for Calico's exact kernel filter.

The output is deterministic: everything Calico lists from its key-value
cache comes out in key order, and BGPPeers are considered in name order.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Callable, Optional

from . import selector_matcher

Matcher = Callable[[str, Mapping], bool]

DEFAULT_AS = "64512"
CALICO_NAMESPACE = "kube-system"
ANNOTATION_IPV4 = "projectcalico.org/IPv4Address"
ANNOTATION_AS = "projectcalico.org/ASNumber"
ANNOTATION_RR_CLUSTER = "projectcalico.org/RouteReflectorClusterID"
EXCLUDE_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers"
NODE_CONFIG_PREFIX = "node."

_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")
_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_COMMUNITY = re.compile(r"^\d+:\d+(:\d+)?$")
_INDENT = "  "


class RenderError(ValueError):
    """The resources cannot be turned into a configuration BIRD would load."""


@dataclass(frozen=True)
class NodeInfo:
    """What confd keeps about one node under /calico/bgp/v1/host/<name>."""

    name: str
    labels: Mapping
    ip: str
    network: str
    asn: str
    rr_cluster_id: str


@dataclass
class Peer:  # pylint: disable=too-many-instance-attributes
    """One peering as calico-node stores it for the templates."""

    ip: str
    asn: str
    port: int = 0
    rr_cluster_id: str = ""
    password: Optional[str] = None
    source_addr: str = ""
    keep_next_hop: bool = False
    restart_time: str = ""
    calico_node: bool = False
    num_allow_local_as: int = 0
    ttl_security: int = 0
    reachable_by: str = ""
    next_hop_mode: str = ""

    @property
    def key(self) -> str:
        """The last part of its key: the address, and ``-<port>`` when a port is set."""
        return self.ip if not self.port else "%s-%d" % (self.ip, self.port)

    @property
    def ident(self) -> str:
        """The protocol name suffix: dots as underscores, ``_port_<n>`` when a port is set."""
        ident = self.ip.replace(".", "_")
        return ident if not self.port else "%s_port_%d" % (ident, self.port)


# -- reading the resources ---------------------------------------------------------------------------------------


def _meta(obj: Mapping) -> Mapping:
    return obj.get("metadata") or {}


def _spec(obj: Optional[Mapping]) -> Mapping:
    return (obj or {}).get("spec") or {}


def asn_text(value: Any) -> str:
    """An AS number as BIRD wants it: plain digits (``"1.10"`` in asdot becomes 65546); "" when unset or unreadable."""
    if value is None or isinstance(value, bool):
        return ""
    text = str(value).strip()
    if re.fullmatch(r"\d+", text):
        return str(int(text))
    dotted = re.fullmatch(r"(\d+)\.(\d+)", text)
    if dotted and int(dotted.group(1)) < 65536 and int(dotted.group(2)) < 65536:
        return str(int(dotted.group(1)) * 65536 + int(dotted.group(2)))
    return ""


def duration_seconds(value: Any) -> str:
    """A Kubernetes duration (``"2m30s"``) as whole seconds, rounded as Go's math.Round does; "" when unreadable."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        total = float(value)
    else:
        text = str(value or "").strip()
        if not text:
            return ""
        if text == "0":
            return "0"
        pos, total = 0, 0.0
        for found in _DURATION_PART.finditer(text):
            if found.start() != pos:
                return ""
            total += float(found.group(1)) * _DURATION_UNITS[found.group(2)]
            pos = found.end()
        if pos != len(text):
            return ""
    return str(int(math.floor(total + 0.5)))


def _ipv4(text: Any) -> Optional[ipaddress.IPv4Address]:
    try:
        address = ipaddress.ip_address(str(text).strip())
    except ValueError:
        return None
    return address if isinstance(address, ipaddress.IPv4Address) else None


def _ipv4_network(text: Any) -> Optional[ipaddress.IPv4Network]:
    try:
        network = ipaddress.ip_network(str(text).strip(), strict=False)
    except ValueError:
        return None
    return network if isinstance(network, ipaddress.IPv4Network) else None


def _node_info(obj: Mapping) -> NodeInfo:
    """The BGP fields calico-node derives from a Kubernetes Node."""
    meta = _meta(obj)
    annotations = meta.get("annotations") or {}
    ip, network = "", ""
    annotated = str(annotations.get(ANNOTATION_IPV4) or "").strip()
    if annotated:
        try:
            interface = ipaddress.ip_interface(annotated)
        except ValueError:
            interface = None
        if isinstance(interface, ipaddress.IPv4Interface):
            ip, network = str(interface.ip), str(interface.network)
    if not ip:
        for address in (obj.get("status") or {}).get("addresses") or []:
            if address.get("type") == "InternalIP" and _ipv4(address.get("address")) is not None:
                ip = str(_ipv4(address.get("address")))
                network = "%s/32" % ip
                break
    return NodeInfo(name=str(meta.get("name") or ""), labels=dict(meta.get("labels") or {}), ip=ip, network=network,
                    asn=asn_text(annotations.get(ANNOTATION_AS)), rr_cluster_id=str(annotations.get(ANNOTATION_RR_CLUSTER) or ""))


def _secret_values(secrets: Iterable[Mapping], namespace: str) -> dict:
    """Secret name -> {key: text}, from ``data`` (base64) and ``stringData``."""
    found: dict = {}
    for secret in secrets:
        meta = _meta(secret)
        if meta.get("namespace", namespace) != namespace:
            continue
        values = {}
        for key, encoded in (secret.get("data") or {}).items():
            try:
                values[key] = base64.b64decode(str(encoded), validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                continue
        values.update({key: str(value) for key, value in (secret.get("stringData") or {}).items()})
        found[str(meta.get("name") or "")] = values
    return found


def _split_ip_port(text: str) -> tuple:
    """``10.0.0.1:179`` -> ("10.0.0.1", 179); ``[fd00::1]:179`` -> ("fd00::1", 179); anything else -> (text, 0)."""
    bracketed = re.fullmatch(r"\[([^\]]*)\]:(\d+)", text)
    if bracketed:
        host, port = bracketed.group(1), bracketed.group(2)
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:
        return text, 0
    if not port.isdigit() or int(port) > 65535:
        return text, 0
    return host, int(port)


class _Cluster:  # pylint: disable=too-many-instance-attributes
    """The resources, indexed the way confd's key-value cache holds them."""

    def __init__(self, resources: Mapping, matcher: Matcher, namespace: str) -> None:
        self.matcher = matcher
        infos = [_node_info(obj) for obj in resources.get("nodes") or []]
        self.nodes = {info.name: info for info in sorted(infos, key=lambda info: info.name) if info.name}
        self.node_ips = {info.ip for info in self.nodes.values() if info.ip}
        configs = {str(_meta(obj).get("name") or ""): obj for obj in resources.get("bgpconfigurations") or []}
        self.default = _spec(configs.get("default"))
        self.node_configs = {name[len(NODE_CONFIG_PREFIX):]: _spec(obj) for name, obj in configs.items() if name.startswith(NODE_CONFIG_PREFIX)}
        self.global_as = asn_text(self.default.get("asNumber")) or DEFAULT_AS
        self.global_port = int(self.default.get("listenPort") or 0)
        self.node_ports = {name: int(spec["listenPort"]) for name, spec in self.node_configs.items() if spec.get("listenPort")}
        self.secrets = _secret_values(resources.get("secrets") or [], namespace)
        self.peers = sorted(resources.get("bgppeers") or [], key=lambda obj: str(_meta(obj).get("name") or ""))
        self.pools = resources.get("ippools") or []
        self.blockaffinities = resources.get("blockaffinities")
        self.ipamblocks = resources.get("ipamblocks") or []

    def node_as(self, name: str) -> str:
        """A node's own AS number, else the cluster's."""
        info = self.nodes.get(name)
        return (info.asn if info else "") or self.global_as

    def matching(self, selector: str) -> list:
        """Names of the nodes a Calico selector chooses; none when it does not parse."""
        try:
            return [name for name, info in self.nodes.items() if self.matcher(selector, info.labels)]
        except Exception:  # pylint: disable=broad-exception-caught
            return []

    def secret(self, ref: Any) -> Optional[str]:
        """The text a ``secretKeyRef`` points at, or None (Calico then leaves the password out)."""
        key_ref = (ref or {}).get("secretKeyRef") if isinstance(ref, Mapping) else None
        if not isinstance(key_ref, Mapping):
            return None
        return self.secrets.get(str(key_ref.get("name") or ""), {}).get(str(key_ref.get("key") or ""))

    def nodes_with_ip_port_as(self, ip: str, asn: str, port: int) -> list:
        """The Calico nodes a peer address designates (the address, the AS and, when given, the listen port agree)."""
        wanted = asn or self.global_as
        found = []
        for name, info in self.nodes.items():
            if info.ip != ip or (info.asn or self.global_as) != wanted:
                continue
            if port:
                # Kept as Calico has it: a node's own port is compared, then the global one as well.
                if name in self.node_ports and port != self.node_ports[name]:
                    continue
                if self.global_port and self.global_port != port:
                    continue
            found.append(name)
        return found

    def listen_port_of(self, name: str) -> int:
        """The port a node listens on for BGP, 0 for BIRD's default."""
        return self.node_ports.get(name, self.global_port)


# -- peerings ----------------------------------------------------------------------------------------------------


def _next_hop(spec: Mapping) -> tuple:
    """(keepOriginalNextHop, nextHopMode): the mode, when set, overrides the older flag."""
    if spec.get("nextHopMode") is not None:
        return False, str(spec.get("nextHopMode") or "")
    return bool(spec.get("keepOriginalNextHop")), ""


def _with_peer_fields(peers: list, spec: Mapping, cluster: _Cluster) -> list:
    """Password, source address and restart time, which every kind of peering takes from the BGPPeer."""
    password = cluster.secret(spec.get("password"))
    for peer in peers:
        peer.password = password
        peer.source_addr = str(spec.get("sourceAddress") or "UseNodeIP")
        if spec.get("maxRestartTime") is not None:
            peer.restart_time = duration_seconds(spec.get("maxRestartTime"))
    return peers


def _node_as_peer(cluster: _Cluster, name: str, spec: Mapping) -> Optional[Peer]:
    """A Calico node as the other end of a peering (peer selectors and reverse peerings)."""
    info = cluster.nodes.get(name)
    if info is None or not info.ip:
        return None
    keep, mode = _next_hop(spec)
    return Peer(ip=info.ip, asn=cluster.node_as(name), port=cluster.listen_port_of(name), rr_cluster_id=info.rr_cluster_id,
                keep_next_hop=keep, next_hop_mode=mode, ttl_security=int(spec.get("ttlSecurity") or 0),
                reachable_by=str(spec.get("reachableBy") or ""))


def _address_peer(cluster: _Cluster, spec: Mapping) -> Optional[Peer]:
    """The peering a BGPPeer with ``peerIP`` describes; None when it is not an IPv4 peering calico-node would make."""
    host, port = _split_ip_port(str(spec.get("peerIP") or "").strip())
    address = _ipv4(host)
    if address is None:
        return None
    ip = str(address)
    asn = asn_text(spec.get("asNumber")) or "0"
    if not port:
        designated = cluster.nodes_with_ip_port_as(ip, asn_text(spec.get("asNumber")), 0)
        if designated:
            port = cluster.listen_port_of(designated[0])
    reachable_by = str(spec.get("reachableBy") or "")
    if reachable_by and _ipv4(reachable_by) is None:
        return None
    keep, mode = _next_hop(spec)
    return Peer(ip=ip, asn=asn, port=port, keep_next_hop=keep, next_hop_mode=mode, calico_node=ip in cluster.node_ips,
                ttl_security=int(spec.get("ttlSecurity") or 0), num_allow_local_as=int(spec.get("numAllowedLocalASNumbers") or 0),
                reachable_by=reachable_by)


def _local_nodes(cluster: _Cluster, spec: Mapping, default_all: bool) -> list:
    if spec.get("nodeSelector"):
        return cluster.matching(str(spec["nodeSelector"]))
    if spec.get("node"):
        return [str(spec["node"])]
    return list(cluster.nodes) if default_all else []


def _forward_peers(cluster: _Cluster, spec: Mapping) -> list:
    """The remote ends a BGPPeer names: the nodes its peer selector chooses, or its peerIP."""
    if spec.get("peerSelector"):
        found = [_node_as_peer(cluster, name, spec) for name in cluster.matching(str(spec["peerSelector"]))]
        return _with_peer_fields([peer for peer in found if peer is not None], spec, cluster)
    peer = _address_peer(cluster, spec)
    return _with_peer_fields([peer], spec, cluster) if peer is not None else []


def _reverse_peers(cluster: _Cluster, spec: Mapping, node_name: str) -> list:
    """When this node is a remote end of the BGPPeer (automatic reverse peering): its local nodes, as peers."""
    if str(spec.get("reversePeering") or "") == "Manual" or spec.get("localWorkloadSelector"):
        return []
    if spec.get("peerSelector"):
        remote_ends = cluster.matching(str(spec["peerSelector"]))
    else:
        host, port = _split_ip_port(str(spec.get("peerIP") or "").strip())
        address = _ipv4(host)
        remote_ends = cluster.nodes_with_ip_port_as(str(address), asn_text(spec.get("asNumber")), port) if address is not None else []
    if node_name not in remote_ends:
        return []
    found = [_node_as_peer(cluster, name, spec) for name in _local_nodes(cluster, spec, True)]
    return _with_peer_fields([peer for peer in found if peer is not None], spec, cluster)


def peerings(cluster: _Cluster, node_name: str) -> tuple:
    """(global peers, this node's own peers), each a dict key -> Peer, as calico-node computes them from the BGPPeers.

    The first peering written under a key wins; global peerings come first, and a node-specific
    peering to an address and port a global one already covers is dropped.
    """
    global_peers: dict = {}
    node_peers: dict = {}
    for global_pass in (True, False):
        for obj in cluster.peers:
            spec = _spec(obj)
            if global_pass != (not spec.get("nodeSelector") and not spec.get("node")) or spec.get("localWorkloadSelector"):
                continue
            if not global_pass and node_name not in _local_nodes(cluster, spec, False):
                continue
            for peer in _forward_peers(cluster, spec):
                if global_pass:
                    global_peers.setdefault(peer.key, peer)
                elif peer.key not in global_peers:
                    node_peers.setdefault(peer.key, peer)
    for obj in cluster.peers:
        for peer in _reverse_peers(cluster, _spec(obj), node_name):
            if peer.key not in global_peers:
                node_peers.setdefault(peer.key, peer)
    return global_peers, node_peers


# -- rendering ---------------------------------------------------------------------------------------------------


def _bird_string(text: str, what: str) -> str:
    if '"' in text or "\n" in text or "\\" in text:
        raise RenderError("%s cannot be written as a BIRD string (it holds a quote, a backslash or a line break)" % what)
    return '"%s"' % text


def _cidr_key(cidr: str) -> str:
    """How Calico keys a CIDR in its cache (``10.0.0.0/24`` -> ``10.0.0.0-24``); listings come out in this order."""
    return cidr.replace("/", "-", 1)


def _sorted_cidrs(cidrs: Iterable[str]) -> list:
    return sorted(set(cidrs), key=_cidr_key)


@dataclass
class _Context:  # pylint: disable=too-many-instance-attributes
    """Everything the sections of the file need about this node."""

    node: NodeInfo
    node_as: str
    debug: list
    blocks: list
    static_routes: list
    reject_cidrs: list
    pools: list
    global_peers: dict
    node_peers: dict


def _log_level(cluster: _Cluster, node_name: str) -> str:
    """Calico's BIRD log level: debug, info or none (node.<name> before default; unset is info)."""
    for spec in (cluster.node_configs.get(node_name) or {}, cluster.default):
        if spec.get("logSeverityScreen"):
            level = str(spec["logSeverityScreen"]).lower()
            return level if level in ("debug", "info") else "none"
    return "info"


def _debug_lines(level: str) -> list:
    if level == "debug":
        return ["debug all;"]
    if level == "none":
        return []
    return ["debug { states };"]


def _blocks(cluster: _Cluster, node_name: str) -> list:
    """(cidr, state) of this node's IPv4 blocks: from BlockAffinities when given (state as recorded), else IPAMBlocks."""
    found = {}
    if cluster.blockaffinities is not None:
        for obj in cluster.blockaffinities:
            spec = _spec(obj)
            if spec.get("node") != node_name or str(spec.get("deleted") or "false").lower() == "true":
                continue
            network = _ipv4_network(spec.get("cidr"))
            if network is not None:
                found[str(network)] = str(spec.get("state") or "")
    else:
        for obj in cluster.ipamblocks:
            spec = _spec(obj)
            if spec.get("affinity") != "host:%s" % node_name or spec.get("deleted") is True:
                continue
            network = _ipv4_network(spec.get("cidr"))
            if network is not None:
                found[str(network)] = ""
    return [(cidr, found[cidr]) for cidr in _sorted_cidrs(found)]


def _cidr_list(spec: Mapping, field_name: str) -> list:
    """The IPv4 CIDRs of a BGPConfiguration list such as serviceClusterIPs ([{cidr: ...}])."""
    cidrs = []
    for item in spec.get(field_name) or []:
        cidr = str((item or {}).get("cidr") or "")
        if cidr and ":" not in cidr and _ipv4_network(cidr) is not None:
            cidrs.append(cidr)
    return cidrs


def _service_routes(cluster: _Cluster, node: NodeInfo) -> tuple:
    """(static routes, kernel rejects): the service ranges every node advertises, unless this one is excluded."""
    spec = cluster.default
    ranges = _cidr_list(spec, "serviceClusterIPs")
    ranges += [cidr for cidr in _cidr_list(spec, "serviceExternalIPs") + _cidr_list(spec, "serviceLoadBalancerIPs") if not cidr.endswith("/32")]
    rejects = _sorted_cidrs(ranges)
    if str(node.labels.get(EXCLUDE_LABEL, "")) == "true":
        return [], rejects
    return rejects, rejects


def _pools(cluster: _Cluster) -> list:
    """IPv4 pools in Calico's key order: (cidr, ipip mode, vxlan mode, BGP export disabled)."""
    pools = {}
    for obj in cluster.pools:
        spec = _spec(obj)
        network = _ipv4_network(spec.get("cidr"))
        if network is None:
            continue
        ipip = {"Always": "always", "CrossSubnet": "cross-subnet"}.get(str(spec.get("ipipMode") or ""), "")
        vxlan = {"Always": "always", "CrossSubnet": "cross-subnet"}.get(str(spec.get("vxlanMode") or ""), "")
        pools[str(network)] = (ipip, vxlan, bool(spec.get("disableBGPExport")))
    return [(cidr,) + pools[cidr] for cidr in _sorted_cidrs(pools)]


def _communities(cluster: _Cluster, node_name: str) -> list:
    """(cidr, [community]) for the IPv4 prefix advertisements (node.<name> before default)."""
    node_spec = cluster.node_configs.get(node_name) or {}
    spec = node_spec if node_spec.get("prefixAdvertisements") is not None else cluster.default
    named = {str(item.get("name")): str(item.get("value")) for item in spec.get("communities") or [] if isinstance(item, Mapping)}
    rules = []
    for advert in spec.get("prefixAdvertisements") or []:
        cidr = str((advert or {}).get("cidr") or "")
        if not cidr or ":" in cidr:
            continue
        values = set()
        for community in advert.get("communities") or []:
            value = str(community) if _COMMUNITY.match(str(community)) else named.get(str(community))
            if value:
                values.add(value)
        rules.append((cidr, sorted(values)))
    return rules


def _section_communities(cluster: _Cluster, node_name: str) -> list:
    lines = ["# Communities attached to advertised prefixes (prefixAdvertisements).", "function apply_communities ()", "{"]
    for cidr, values in _communities(cluster, node_name):
        lines.append("  if ( net ~ %s ) then {" % cidr)
        for value in values:
            parts = value.split(":")
            if len(parts) == 2:
                lines.append("    bgp_community.add((%s, %s));" % tuple(parts))
            else:
                lines.append("    bgp_large_community.add((%s, %s, %s));" % tuple(parts))
        lines.append("  }")
    lines.append("}")
    return lines


def _section_static(ctx: _Context) -> list:
    lines = ["# Routes this node originates.", "protocol static {"]
    added = False
    routed = [cidr for cidr, _state in ctx.blocks if not cidr.endswith("/32")]
    if routed:
        added = True
        lines.append("  # The blocks affine to this node; addresses in them that no pod holds are dropped here, not looped.")
        lines += ["  route %s blackhole;" % cidr for cidr in routed]
    if ctx.static_routes:
        added = True
        lines.append("  # Service ranges advertised from every node.")
        lines += ["  route %s blackhole;" % cidr for cidr in ctx.static_routes]
    for label, peers in (("global", ctx.global_peers), ("node-specific", ctx.node_peers)):
        via = [peers[key] for key in sorted(peers) if peers[key].reachable_by]
        if via:
            added = True
            lines.append("  # Gateways to %s BGP peers (reachableBy)." % label)
            lines += ["  route %s/32 via %s;" % (peer.ip, peer.reachable_by) for peer in via]
    if not added:
        lines.append("  # No blocks or static routes for this node.")
    lines.append("}")
    return lines


def _section_aggregation(ctx: _Context) -> list:
    lines = ["# A block is advertised as a whole; nothing inside it leaves the node on its own.", "function calico_aggr ()", "{"]
    for cidr, state in ctx.blocks:
        if state and state != "confirmed":
            lines.append("  # Block %s is %s." % (cidr, state))
            continue
        lines.append("  # Block %s is %s." % (cidr, state or "confirmed (no affinity state recorded)"))
        lines.append("  if ( net = %s ) then { accept; }" % cidr)
        lines.append("  if ( net ~ %s ) then { reject; }" % cidr)
    lines.append("}")
    return lines


def _section_export(cluster: _Cluster, ctx: _Context) -> list:
    lines = ["# Pools whose routes are never advertised (disableBGPExport).", "function reject_disabled_pools ()", "{"]
    lines += ["  if ( net ~ %s ) then { reject; }" % cidr for cidr, _ipip, _vxlan, disabled in ctx.pools if disabled]
    lines += ["}", "",
              "# Felix's VXLAN and WireGuard routes stay on the node; IPIP routes come from BIRD and are not re-advertised.",
              "function reject_tunnel_routes ()", "{",
              "  if (defined(ifname)) then {",
              '    if ((ifname ~ "*.cali") || (ifname ~ "*.calico")) then { reject; }',
              "  }", "}", "",
              "# Routes to local addresses learned through the BPF dataplane stay on the node.",
              "function reject_local_routes ()", "{",
              "  if (defined(ifname)) then {",
              '    if (ifname ~ "bpf*.cali") then { reject; }',
              "  }", "}", "",
              "# What every BGP peer is offered; the first accept or reject ends the filter.",
              "function calico_export_to_bgp_peers (bool internal_peer)", "{",
              "  reject_disabled_pools();",
              "  if (internal_peer) then { reject_tunnel_routes(); }",
              "  reject_local_routes();",
              "  apply_communities();",
              "  calico_aggr();"]
    if ctx.static_routes:
        lines.append("  # Service ranges.")
        lines += ["  if ( net ~ %s ) then { accept; }" % cidr for cidr in ctx.static_routes]
    lb_ranges = _cidr_list(cluster.default, "serviceLoadBalancerIPs")
    if ctx.node.rr_cluster_id and lb_ranges:
        lines.append("  # A route reflector passes on routes within the LoadBalancer ranges.")
        lines += ["  if ( net ~ %s ) then { accept; }" % cidr for cidr in lb_ranges]
    for cidr, _ipip, _vxlan, disabled in ctx.pools:
        if disabled:
            lines.append("  # %s: BGP export disabled." % cidr)
        else:
            lines.append("  if ( net ~ %s ) then { accept; }" % cidr)
    lines.append("}")
    return lines


def _section_kernel_filter(ctx: _Context, calico_bird: bool) -> list:
    lines = ["# What BIRD writes into the kernel routing table.", "filter calico_kernel_programming", "{"]
    if ctx.reject_cidrs:
        lines.append("  # Service ranges are advertised, never routed through here.")
        lines += ["  if ( net ~ %s ) then { reject; }" % cidr for cidr in ctx.reject_cidrs]
    if ctx.node.network:
        for cidr, ipip, vxlan, _disabled in ctx.pools:
            if vxlan:
                lines.append("  if ( net ~ %s ) then { reject; }  # VXLAN routes are Felix's." % cidr)
            elif not calico_bird:
                note = "  # IPIP %s: stock BIRD has no krt_tunnel, so the route goes via the next hop." % ipip if ipip else ""
                lines.append("  if ( net ~ %s ) then { accept; }%s" % (cidr, note))
            elif ipip == "cross-subnet":
                lines.append("  if ( net ~ %s ) then {" % cidr)
                lines.append("    if defined(bgp_next_hop) && ( bgp_next_hop ~ %s ) then krt_tunnel = \"\"; else krt_tunnel = \"tunl0\";" % ctx.node.network)
                lines.append("    accept;")
                lines.append("  }")
            else:
                lines.append("  if ( net ~ %s ) then { krt_tunnel = \"%s\"; accept; }" % (cidr, "tunl0" if ipip else ""))
    lines += ["  accept;", "}"]
    return lines


def _section_base(cluster: _Cluster, ctx: _Context, router_id: Optional[str]) -> list:
    lines = ["router id %s;" % (router_id or ctx.node.ip)]
    listen = ""
    if str(cluster.default.get("bindMode") or "") == "NodeIP":
        listen += " address %s" % ctx.node.ip
    port = cluster.listen_port_of(ctx.node.name)
    if port:
        listen += " port %d" % port
    if listen:
        lines.append("listen bgp%s;" % listen)
    ignored = ["-" + _bird_string(str(name), "an ignoredInterfaces entry") for name in cluster.default.get("ignoredInterfaces") or []]
    interfaces = ", ".join(ignored + ['-"cali*"', '-"kube-ipvs*"', '"*"'])
    lines += ["",
              "# Routes between BIRD and the kernel: learn foreign routes, keep them over a restart, rescan every 2 seconds.",
              "protocol kernel {",
              "  learn;",
              "  persist;",
              "  scan time 2;",
              "  import all;",
              "  export filter calico_kernel_programming;",
              "  graceful restart;  # fewer route flaps when the configuration is reloaded",
              "  merge paths on;    # ECMP routes go into the kernel as multipath routes",
              "}",
              "",
              "# Interface state.",
              "protocol device {"]
    lines += [_INDENT + line for line in ctx.debug]
    lines += ["  scan time 2;", "}", "",
              "# Routes of the node's own interfaces; workload (cali*) and kube-proxy IPVS (kube-ipvs*) interfaces are left out.",
              "protocol direct {"]
    lines += [_INDENT + line for line in ctx.debug]
    lines += ["  interface %s;" % interfaces, "}"]
    return lines


def _section_template(ctx: _Context) -> list:
    lines = ["# Settings every BGP session shares.", "template bgp bgp_template {"]
    lines += [_INDENT + line for line in ctx.debug]
    lines += ['  description "Connection to BGP peer";',
              "  local as %s;" % ctx.node_as,
              "  gateway recursive;",
              "  add paths on;",
              "  graceful restart;",
              "  connect delay time 2;",
              "  connect retry time 5;",
              "  error wait time 5,30;",
              "}"]
    return lines


def _section_mesh(cluster: _Cluster, ctx: _Context) -> list:
    lines = ["# ---- Node-to-node mesh ----"]
    if ctx.node.rr_cluster_id:
        return lines + ["# This node is a route reflector (cluster ID %s): no mesh sessions." % ctx.node.rr_cluster_id]
    if cluster.default.get("nodeToNodeMeshEnabled") is False:
        return lines + ["# Node-to-node mesh disabled."]
    restart = duration_seconds(cluster.default["nodeMeshMaxRestartTime"]) if cluster.default.get("nodeMeshMaxRestartTime") is not None else ""
    password = cluster.secret(cluster.default.get("nodeMeshPassword"))
    for name, info in cluster.nodes.items():
        if not info.ip or info.ip == ctx.node.ip:
            continue
        if info.rr_cluster_id:
            lines.append("# %s (%s) is a route reflector with cluster ID %s: not meshed." % (info.ip, name, info.rr_cluster_id))
            continue
        port = cluster.listen_port_of(name)
        lines.append("protocol bgp Mesh_%s from bgp_template {" % info.ip.replace(".", "_"))
        lines.append("  neighbor %s%s as %s;" % (info.ip, " port %d" % port if port else "", info.asn or cluster.global_as))
        lines.append("  source address %s;" % ctx.node.ip)
        lines.append("  import all;")
        lines += ["  export filter {", "    calico_export_to_bgp_peers(true);", "    reject;", "  };"]
        if info.ip > ctx.node.ip:
            lines.append("  passive on;  # the mesh is one-way: the peer opens the session")
        if restart:
            lines.append("  graceful restart time %s;" % restart)
        if password:
            lines.append("  password %s;" % _bird_string(password, "the node mesh password"))
        lines.append("}")
    return lines


def _peer_protocol(ctx: _Context, prefix: str, peer: Peer) -> list:
    lines = ["protocol bgp %s_%s from bgp_template {" % (prefix, peer.ident)]
    if peer.ttl_security:
        lines += ["  ttl security on;", "  multihop %d;" % peer.ttl_security]
    else:
        lines += ["  ttl security off;", "  multihop;"]
    lines.append("  neighbor %s%s as %s;" % (peer.ip, " port %d" % peer.port if peer.port else "", peer.asn))
    if peer.source_addr == "UseNodeIP":
        lines.append("  source address %s;" % ctx.node.ip)
    lines += ["  import filter {", "    accept;", "  };",
              "  export filter {", "    calico_export_to_bgp_peers(%s);" % ("true" if peer.asn == ctx.node_as else "false"), "    reject;", "  };"]
    if prefix == "Global" and peer.calico_node and peer.ip > ctx.node.ip:
        lines.append("  passive on;  # the peer opens the session")
    if peer.restart_time:
        lines.append("  graceful restart time %s;" % peer.restart_time)
    if peer.asn == ctx.node_as and ctx.node.rr_cluster_id and peer.rr_cluster_id != ctx.node.rr_cluster_id:
        lines += ["  rr client;", "  rr cluster id %s;" % ctx.node.rr_cluster_id]
    if peer.password:
        lines.append("  password %s;" % _bird_string(peer.password, "the password of BGP peer %s" % peer.ip))
    if peer.asn != ctx.node_as and peer.keep_next_hop:
        lines.append("  next hop keep;")
    if peer.next_hop_mode == "Self":
        lines.append("  next hop self;")
    if peer.next_hop_mode == "Keep":
        lines.append("  next hop keep;")
    if peer.num_allow_local_as:
        lines.append("  allow local as %d;" % peer.num_allow_local_as)
    lines.append("}")
    return lines


def _section_peers(ctx: _Context, prefix: str, title: str, peers: dict) -> list:
    lines = ["# ---- %s ----" % title]
    if not peers:
        return lines + ["# None."]
    for key in sorted(peers):
        peer = peers[key]
        if peer.ip == ctx.node.ip:
            lines.append("# %s is this node." % peer.ip)
            continue
        lines += _peer_protocol(ctx, prefix, peer)
    return lines


# pylint: disable-next=too-many-arguments
def render_bird(node_name: str, resources: Mapping, matches: Optional[Matcher] = None, *, namespace: str = CALICO_NAMESPACE,
                router_id: Optional[str] = None, calico_bird: bool = False) -> str:
    """The IPv4 BIRD configuration calico-node would write for ``node_name`` (see the module docstring).

    ``resources`` maps ``nodes``, ``ippools``, ``ipamblocks`` (or ``blockaffinities``), ``bgpconfigurations``,
    ``bgppeers`` and ``secrets`` to lists of objects as the API returns them. ``matches(selector, labels)``
    evaluates Calico selectors (default: the collection's parser). ``router_id`` stands for CALICO_ROUTER_ID.
    Raises RenderError when the node is unknown or has no IPv4 address, or a password cannot be written.
    """
    cluster = _Cluster(resources, matches or selector_matcher(), namespace)
    node = cluster.nodes.get(node_name)
    if node is None:
        raise RenderError("there is no Node %r" % node_name)
    if not node.ip:
        raise RenderError("Node %r has no IPv4 address (annotation %s or an InternalIP)" % (node_name, ANNOTATION_IPV4))
    static_routes, reject_cidrs = _service_routes(cluster, node)
    global_peers, node_peers = peerings(cluster, node_name)
    level = _log_level(cluster, node_name)
    ctx = _Context(node=node, node_as=cluster.node_as(node_name), debug=_debug_lines(level), blocks=_blocks(cluster, node_name), static_routes=static_routes,
                   reject_cidrs=reject_cidrs, pools=_pools(cluster), global_peers=global_peers, node_peers=node_peers)
    sections: list[list[str]] = [
        ["# BIRD configuration generated for node %s (IPv4) from the cluster's Calico resources," % node_name,
         "# as calico-node's confd renders bird.cfg, bird_aggr.cfg and bird_ipam.cfg."],
        _section_communities(cluster, node_name),
        _section_static(ctx),
        _section_aggregation(ctx),
        _section_export(cluster, ctx),
        _section_kernel_filter(ctx, calico_bird),
        _section_base(cluster, ctx, router_id),
        _section_template(ctx),
        _section_mesh(cluster, ctx),
        _section_peers(ctx, "Global", "Global peers", global_peers),
        _section_peers(ctx, "Node", "Peers of this node", node_peers),
    ]
    return "\n\n".join("\n".join(section) for section in sections) + "\n"
