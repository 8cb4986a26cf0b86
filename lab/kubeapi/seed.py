# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A cluster description in YAML, turned into the objects a real cluster of that shape would have.

Format (every key but ``nodes`` is optional)::

    kubernetes_version: v1.30.4         # /version and the nodes' kubeletVersion
    domain: cluster.local               # the CoreDNS cluster domain
    service_cidr: 10.233.0.0/18         # ClusterIP range; the `kubernetes` Service takes its first address
    namespaces: [team-a]                # extra namespaces
    nodes:
      - {name: node1, internal_ip: 10.200.20.105, prefix_length: 24,
         labels: {node-role.kubernetes.io/ingress: ingress}}
    dns: {service_name: kube-dns, service_ip: 10.233.0.3}
    services:
      - {namespace: default, name: web, cluster_ip: 10.233.0.10, selector: {app: web},
         ports: [{name: http, port: 80, target_port: 8080, protocol: TCP}]}
    calico:
      pools: [{name: default-pool, cidr: 10.233.64.0/18, block_size: 24, ipip_mode: Always,
               vxlan_mode: Never, nat_outgoing: true, node_selector: all()}]
      allocate_blocks: true             # one affine block per node from the first pool

It produces: the namespaces default, kube-system, kube-public and
kube-node-lease (plus the services' and the extra ones); a Node per node with
the labels, annotations (``projectcalico.org/IPv4Address`` and the tunnel
address calico-node sets) and status of a Ready kubelet; the ``kubernetes``
Service; the DNS Service and the ``coredns`` ConfigMap in kube-system; the
listed Services; the IPPools as ``crd.projectcalico.org/v1`` objects; and,
with ``allocate_blocks``, an IPAMBlock and a confirmed BlockAffinity per node,
taken in order from the first pool. With IPIP (or VXLAN) on that pool, the
block's first address is the node's tunnel address, as calico-node allocates it.
It also holds what Calico's manifest installs for calico-node: its
ServiceAccount in kube-system and a ClusterRole, bound to it, that reads nodes
and Calico's resources (no Secret: a BGP password Secret is readable only
through the Role that whoever sets the password grants).
"""

from __future__ import annotations

import ipaddress
import os
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Union

import yaml

from .rest import now_rfc3339

DEFAULT_VERSION = "v1.30.4"
DEFAULT_SERVICE_CIDR = "10.233.0.0/18"
SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")
_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL_RE = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_VERSION_RE = re.compile(r"^v1\.(\d+)\.(\d+)$")
_TOP_KEYS = {"kubernetes_version", "domain", "service_cidr", "namespaces", "nodes", "dns", "services", "calico"}
_NODE_KEYS = {"name", "internal_ip", "prefix_length", "labels"}
_SERVICE_KEYS = {"namespace", "name", "cluster_ip", "selector", "ports", "labels", "type"}
_PORT_KEYS = {"name", "port", "target_port", "protocol"}
_POOL_KEYS = {"name", "cidr", "block_size", "ipip_mode", "vxlan_mode", "nat_outgoing", "node_selector", "disabled", "disable_bgp_export"}
_MODES = ("Never", "Always", "CrossSubnet")

COREFILE = """.:53 {
    errors
    health {
        lameduck 5s
    }
    ready
    kubernetes %s in-addr.arpa ip6.arpa {
      pods insecure
      fallthrough in-addr.arpa ip6.arpa
      ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
      prefer_udp
      max_concurrent 1000
    }
    cache 30
    loop
    reload
    loadbalance
}
"""


class SeedError(ValueError):
    """The description is not valid; ``problems`` lists every finding."""

    def __init__(self, problems: list) -> None:
        super().__init__("invalid seed description:\n  " + "\n  ".join(problems))
        self.problems = problems


@dataclass
class Seed:
    """The objects of a description, in creation order, and the emulator settings it implies."""

    objects: list = field(default_factory=list)
    settings: dict = field(default_factory=dict)

    def counts(self) -> dict:
        """Object counts by kind."""
        counts: dict = {}
        for _group, _plural, obj in self.objects:
            counts[obj["kind"]] = counts.get(obj["kind"], 0) + 1
        return counts


def load(source: Union[str, dict, None]) -> dict:
    """A description from a dict, a YAML file path or YAML text."""
    if source is None:
        return {}
    if isinstance(source, dict):
        return source
    if os.path.exists(source):
        with open(source, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    else:
        data = yaml.safe_load(source)
    if not isinstance(data, dict):
        raise SeedError(["the description must be a YAML mapping"])
    return data


# --- checks ----------------------------------------------------------------------------------------------------------


def _unknown(where: str, item: dict, allowed: set, problems: list) -> None:
    for key in sorted(set(item) - allowed):
        problems.append("%s: unknown key %r" % (where, key))


def _ip(text: Any, where: str, problems: list) -> Any:
    try:
        return ipaddress.ip_address(str(text))
    except ValueError:
        problems.append("%s: %r is not an IP address" % (where, text))
        return None


def _network(text: Any, where: str, problems: list) -> Any:
    try:
        return ipaddress.ip_network(str(text))
    except ValueError:
        problems.append("%s: %r is not a network (with host bits clear)" % (where, text))
        return None


def _check_labels(where: str, labels: Any, problems: list) -> None:
    if not isinstance(labels, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in labels.items()):
        problems.append("%s: labels must map strings to strings" % where)


def _check_nodes(desc: dict, problems: list) -> None:
    nodes = desc.get("nodes")
    if not isinstance(nodes, list) or not nodes:
        problems.append("nodes: a non-empty list is required")
        return
    names, ips = set(), set()
    for index, node in enumerate(nodes):
        where = "nodes[%d]" % index
        if not isinstance(node, dict):
            problems.append("%s: must be a mapping" % where)
            continue
        _unknown(where, node, _NODE_KEYS, problems)
        name = node.get("name")
        if not isinstance(name, str) or not _NAME_RE.match(name) or name in names:
            problems.append("%s: name %r must be a unique DNS-1123 subdomain" % (where, name))
        names.add(name)
        address = _ip(node.get("internal_ip"), where + ".internal_ip", problems)
        if address is not None and address in ips:
            problems.append("%s: internal_ip %s is used twice" % (where, address))
        ips.add(address)
        prefix = node.get("prefix_length", 24)
        if not isinstance(prefix, int) or isinstance(prefix, bool) or not 0 <= prefix <= (32 if address is None or address.version == 4 else 128):
            problems.append("%s: prefix_length %r is out of range" % (where, prefix))
        _check_labels(where, node.get("labels", {}), problems)


def _check_service(where: str, svc: dict, service_net: Any, used: set, problems: list) -> None:
    _unknown(where, svc, _SERVICE_KEYS, problems)
    if not isinstance(svc.get("name"), str) or not _LABEL_RE.match(svc["name"]):
        problems.append("%s: name %r must be a DNS-1035 label" % (where, svc.get("name")))
    if not isinstance(svc.get("namespace", "default"), str) or not _NAME_RE.match(svc.get("namespace", "default")):
        problems.append("%s: namespace %r is not a valid name" % (where, svc.get("namespace")))
    address = _ip(svc.get("cluster_ip"), where + ".cluster_ip", problems)
    if address is not None and service_net is not None and address not in service_net:
        problems.append("%s: cluster_ip %s is outside service_cidr %s" % (where, address, service_net))
    if address is not None and str(address) in used:
        problems.append("%s: cluster_ip %s is already taken" % (where, address))
    used.add(str(address))
    for pindex, port in enumerate(svc.get("ports") or []):
        pwhere = "%s.ports[%d]" % (where, pindex)
        if not isinstance(port, dict):
            problems.append("%s: must be a mapping" % pwhere)
            continue
        _unknown(pwhere, port, _PORT_KEYS, problems)
        for key in ("port", "target_port"):
            value = port.get(key, port.get("port"))
            if not isinstance(value, (int, str)) or (isinstance(value, int) and not 1 <= value <= 65535):
                problems.append("%s: %s %r is not a port" % (pwhere, key, value))
        if port.get("protocol", "TCP") not in ("TCP", "UDP", "SCTP"):
            problems.append("%s: protocol must be TCP, UDP or SCTP" % pwhere)
    _check_labels(where, svc.get("selector", {}), problems)


def _check_services(desc: dict, problems: list) -> None:
    service_net = _network(desc.get("service_cidr", DEFAULT_SERVICE_CIDR), "service_cidr", problems)
    used = {str(next(service_net.hosts()))} if service_net is not None else set()
    dns = desc.get("dns") or {}
    if dns:
        _unknown("dns", dns, {"service_name", "service_ip"}, problems)
        address = _ip(dns.get("service_ip"), "dns.service_ip", problems)
        if address is not None and service_net is not None and address not in service_net:
            problems.append("dns.service_ip %s is outside service_cidr %s" % (address, service_net))
        used.add(str(address))
    services = desc.get("services") or []
    if not isinstance(services, list):
        problems.append("services: must be a list")
        return
    for index, svc in enumerate(services):
        if isinstance(svc, dict):
            _check_service("services[%d]" % index, svc, service_net, used, problems)
        else:
            problems.append("services[%d]: must be a mapping" % index)


def _check_pools(desc: dict, problems: list) -> None:
    calico = desc.get("calico") or {}
    _unknown("calico", calico, {"pools", "allocate_blocks"}, problems)
    pools = calico.get("pools") or []
    networks = []
    for index, pool in enumerate(pools):
        where = "calico.pools[%d]" % index
        if not isinstance(pool, dict):
            problems.append("%s: must be a mapping" % where)
            continue
        _unknown(where, pool, _POOL_KEYS, problems)
        if not isinstance(pool.get("name"), str) or not _NAME_RE.match(pool["name"]):
            problems.append("%s: name %r must be a DNS-1123 subdomain" % (where, pool.get("name")))
        network = _network(pool.get("cidr"), where + ".cidr", problems)
        if network is None:
            continue
        size = pool.get("block_size", 26 if network.version == 4 else 122)
        low, high = (20, 32) if network.version == 4 else (116, 128)
        if not isinstance(size, int) or not low <= size <= high or size < network.prefixlen:
            problems.append("%s: block_size %r must be within %d-%d and not above the pool size" % (where, size, low, high))
        for key in ("ipip_mode", "vxlan_mode"):
            if pool.get(key, "Never") not in _MODES:
                problems.append("%s: %s must be one of %s" % (where, key, ", ".join(_MODES)))
        for other in networks:
            if other.overlaps(network):
                problems.append("%s: cidr %s overlaps %s" % (where, network, other))
        networks.append(network)
    if calico.get("allocate_blocks") and pools and networks and isinstance(desc.get("nodes"), list):
        first = networks[0]
        size = pools[0].get("block_size", 26 if first.version == 4 else 122)
        if isinstance(size, int) and size >= first.prefixlen and 2 ** (size - first.prefixlen) < len(desc["nodes"]):
            problems.append("calico.pools[0]: %s has fewer /%d blocks than there are nodes" % (first, size))


def check(desc: dict) -> None:
    """Raise SeedError listing every problem of a description."""
    problems: list = []
    if not isinstance(desc, dict):
        raise SeedError(["the description must be a mapping"])
    _unknown("description", desc, _TOP_KEYS, problems)
    if not _VERSION_RE.match(str(desc.get("kubernetes_version", DEFAULT_VERSION))):
        problems.append("kubernetes_version %r is not like v1.30.4" % desc.get("kubernetes_version"))
    if not _NAME_RE.match(str(desc.get("domain", "cluster.local"))):
        problems.append("domain %r is not a DNS name" % desc.get("domain"))
    _check_nodes(desc, problems)
    _check_services(desc, problems)
    _check_pools(desc, problems)
    if problems:
        raise SeedError(problems)


# --- objects ---------------------------------------------------------------------------------------------------------


def block_name(cidr: str) -> str:
    """Calico's IPAMBlock name for a block CIDR (10.233.64.0/24 -> 10-233-64-0-24)."""
    return cidr.replace(".", "-").replace(":", "-").replace("/", "-")


def _namespace(name: str) -> tuple:
    return ("", "namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}})


def _node_conditions(now: str) -> list:
    rows = (("NetworkUnavailable", "False", "CalicoIsUp", "Calico is running on this node"),
            ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
            ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
            ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            ("Ready", "True", "KubeletReady", "kubelet is posting ready status"))
    return [{"type": kind, "status": status, "lastHeartbeatTime": now, "lastTransitionTime": now, "reason": reason, "message": message}
            for kind, status, reason, message in rows]


def _node(node: dict, version: str, tunnel: dict, now: str) -> tuple:
    name = node["name"]
    address = str(node["internal_ip"])
    prefix = node.get("prefix_length", 24)
    labels = {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
              "kubernetes.io/hostname": name, "kubernetes.io/os": "linux"}
    labels.update(node.get("labels") or {})
    annotations = {"node.alpha.kubernetes.io/ttl": "0", "volumes.kubernetes.io/controller-managed-attach-detach": "true",
                   "projectcalico.org/IPv4Address": "%s/%d" % (address, prefix)}
    annotations.update(tunnel)
    ident = uuid.uuid5(uuid.NAMESPACE_DNS, name + ".flatnet.lab")
    resources = {"cpu": "4", "ephemeral-storage": "51287520Ki", "hugepages-2Mi": "0", "memory": "8129516Ki", "pods": "110"}
    status = {
        "addresses": [{"type": "InternalIP", "address": address}, {"type": "Hostname", "address": name}],
        "allocatable": dict(resources, cpu="3800m", memory="7505228Ki", **{"ephemeral-storage": "47266578354"}),
        "capacity": resources, "conditions": _node_conditions(now),
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        "nodeInfo": {"architecture": "amd64", "bootID": str(uuid.uuid5(ident, "boot")), "containerRuntimeVersion": "containerd://1.7.22",
                     "kernelVersion": "6.1.0-25-amd64", "kubeProxyVersion": version, "kubeletVersion": version,
                     "machineID": ident.hex, "operatingSystem": "linux", "osImage": "Debian GNU/Linux 12 (bookworm)",
                     "systemUUID": str(ident)},
    }
    return ("", "nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels, "annotations": annotations},
                          "spec": {}, "status": status})


# pylint: disable-next=too-many-arguments,too-many-positional-arguments
def _service(namespace: str, name: str, cluster_ip: str, ports: list, selector: dict, labels: dict) -> tuple:
    spec: dict = {"type": "ClusterIP", "clusterIP": cluster_ip, "clusterIPs": [cluster_ip], "ipFamilies": ["IPv4" if ":" not in cluster_ip else "IPv6"],
                  "ipFamilyPolicy": "SingleStack", "internalTrafficPolicy": "Cluster", "sessionAffinity": "None", "ports": ports}
    if selector:
        spec["selector"] = selector
    meta: dict = {"name": name, "namespace": namespace}
    if labels:
        meta["labels"] = labels
    return ("", "services", {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec, "status": {"loadBalancer": {}}})


def _port(port: dict) -> dict:
    out: dict = {}
    if port.get("name"):
        out["name"] = port["name"]
    out.update({"port": port["port"], "protocol": port.get("protocol", "TCP"), "targetPort": port.get("target_port", port["port"])})
    return out


def _dns_objects(desc: dict) -> list:
    dns = desc.get("dns") or {}
    if not dns:
        return []
    ports = [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53}, {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
             {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153}]
    labels = {"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS"}
    svc = _service("kube-system", dns.get("service_name", "kube-dns"), str(dns["service_ip"]), ports, {"k8s-app": "kube-dns"}, labels)
    svc[2]["metadata"]["annotations"] = {"prometheus.io/port": "9153", "prometheus.io/scrape": "true"}
    corefile = COREFILE % desc.get("domain", "cluster.local")
    config = ("", "configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                 "metadata": {"name": "coredns", "namespace": "kube-system", "labels": {"addonmanager.kubernetes.io/mode": "EnsureExists"}},
                                 "data": {"Corefile": corefile}})
    return [svc, config]


def _pool(pool: dict) -> tuple:
    network = ipaddress.ip_network(str(pool["cidr"]))
    spec: dict = {"allowedUses": ["Workload", "Tunnel"], "assignmentMode": "Automatic",
                  "blockSize": pool.get("block_size", 26 if network.version == 4 else 122), "cidr": str(network),
                  "ipipMode": pool.get("ipip_mode", "Never"), "nodeSelector": pool.get("node_selector", "all()"),
                  "vxlanMode": pool.get("vxlan_mode", "Never")}
    for key, target in (("nat_outgoing", "natOutgoing"), ("disabled", "disabled"), ("disable_bgp_export", "disableBGPExport")):
        if pool.get(key):
            spec[target] = True
    return ("crd.projectcalico.org", "ippools", {"apiVersion": "crd.projectcalico.org/v1", "kind": "IPPool",
                                                 "metadata": {"name": pool["name"]}, "spec": spec})


def _tunnel_kind(pool: dict) -> str:
    if pool.get("ipip_mode", "Never") != "Never":
        return "ipip"
    if pool.get("vxlan_mode", "Never") != "Never":
        return "vxlan"
    return ""


def _block_objects(node: str, block: Any, tunnel: str) -> tuple:
    """The IPAMBlock and BlockAffinity of one node, and the node's tunnel annotation."""
    size = block.num_addresses
    name = block_name(str(block))
    allocations: list = [None] * size
    spec: dict = {"affinity": "host:%s" % node, "allocations": allocations, "attributes": [], "cidr": str(block), "deleted": False,
                  "sequenceNumber": 0, "sequenceNumberForAllocation": {}, "strictAffinity": False, "unallocated": list(range(size))}
    annotation = {}
    if tunnel:
        allocations[0] = 0
        spec["unallocated"] = list(range(1, size))
        spec["attributes"] = [{"handle_id": "%s-tunnel-addr-%s" % (tunnel, node),
                               "secondary": {"node": node, "type": "%sTunnelAddress" % tunnel}}]
        spec["sequenceNumber"] = 1
        spec["sequenceNumberForAllocation"] = {"0": 0}
        key = "projectcalico.org/IPv4IPIPTunnelAddr" if tunnel == "ipip" else "projectcalico.org/IPv4VXLANTunnelAddr"
        annotation[key] = str(block.network_address)
    ipam = ("crd.projectcalico.org", "ipamblocks", {"apiVersion": "crd.projectcalico.org/v1", "kind": "IPAMBlock",
                                                    "metadata": {"name": name}, "spec": spec})
    affinity = ("crd.projectcalico.org", "blockaffinities", {
        "apiVersion": "crd.projectcalico.org/v1", "kind": "BlockAffinity", "metadata": {"name": "%s-%s" % (node, name)},
        "spec": {"cidr": str(block), "deleted": "false", "node": node, "state": "confirmed"}})
    return ipam, affinity, annotation


def minimal(version: str = DEFAULT_VERSION, service_cidr: str = DEFAULT_SERVICE_CIDR) -> Seed:
    """What an empty cluster has: the system namespaces and the `kubernetes` Service."""
    network = ipaddress.ip_network(service_cidr)
    seed = Seed(settings={"kubernetesVersion": version, "serviceCIDR": str(network), "domain": "cluster.local"})
    seed.objects.extend(_namespace(name) for name in SYSTEM_NAMESPACES)
    seed.objects.append(_service("default", "kubernetes", str(next(network.hosts())),
                                 [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}], {},
                                 {"component": "apiserver", "provider": "kubernetes"}))
    return seed


def _namespaces(desc: dict) -> list:
    names = list(SYSTEM_NAMESPACES)
    for name in list(desc.get("namespaces") or []) + [svc.get("namespace", "default") for svc in desc.get("services") or []]:
        if name not in names:
            names.append(name)
    return names


def _blocks(desc: dict) -> dict:
    """Per node name: its IPAMBlock, its BlockAffinity and its tunnel annotation (with allocate_blocks)."""
    calico = desc.get("calico") or {}
    pools = calico.get("pools") or []
    if not calico.get("allocate_blocks") or not pools:
        return {}
    first = pools[0]
    network = ipaddress.ip_network(str(first["cidr"]))
    subnets = network.subnets(new_prefix=first.get("block_size", 26 if network.version == 4 else 122))
    return {node["name"]: _block_objects(node["name"], next(subnets), _tunnel_kind(first)) for node in desc["nodes"]}


def build(desc: dict) -> Seed:
    """Check a description and build its objects."""
    check(desc)
    now = now_rfc3339()
    version = str(desc.get("kubernetes_version", DEFAULT_VERSION))
    service_net = ipaddress.ip_network(str(desc.get("service_cidr", DEFAULT_SERVICE_CIDR)))
    services = desc.get("services") or []
    seed = Seed(settings={"kubernetesVersion": version, "serviceCIDR": str(service_net), "domain": desc.get("domain", "cluster.local")})
    seed.objects.extend(_namespace(name) for name in _namespaces(desc))
    pools = (desc.get("calico") or {}).get("pools") or []
    blocks = _blocks(desc)
    for node in desc["nodes"]:
        seed.objects.append(_node(node, version, blocks[node["name"]][2] if node["name"] in blocks else {}, now))
    seed.objects.append(_service("default", "kubernetes", str(next(service_net.hosts())),
                                 [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}], {},
                                 {"component": "apiserver", "provider": "kubernetes"}))
    seed.objects.extend(_dns_objects(desc))
    for svc in services:
        seed.objects.append(_service(svc.get("namespace", "default"), svc["name"], str(svc["cluster_ip"]),
                                     [_port(port) for port in svc.get("ports") or []], svc.get("selector") or {}, svc.get("labels") or {}))
    seed.objects.extend(_pool(pool) for pool in pools)
    for ipam, affinity, _annotation in blocks.values():
        seed.objects.extend([ipam, affinity])
    seed.objects.extend(_calico_node_access())
    return seed


CALICO_NODE_READS = ("ippools", "ipamblocks", "blockaffinities", "bgpconfigurations", "bgppeers")


def _calico_node_access() -> list:
    """calico-node's ServiceAccount, and its ClusterRole and binding as far as the lab's calico-node reads."""
    rbac = "rbac.authorization.k8s.io"
    account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "calico-node", "namespace": "kube-system"}}
    role = {"apiVersion": rbac + "/v1", "kind": "ClusterRole", "metadata": {"name": "calico-node"},
            "rules": [{"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list", "watch"]},
                      {"apiGroups": ["crd.projectcalico.org"], "resources": list(CALICO_NODE_READS), "verbs": ["get", "list", "watch"]}]}
    binding = {"apiVersion": rbac + "/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "calico-node"},
               "roleRef": {"apiGroup": rbac, "kind": "ClusterRole", "name": "calico-node"},
               "subjects": [{"kind": "ServiceAccount", "name": "calico-node", "namespace": "kube-system"}]}
    return [("", "serviceaccounts", account), (rbac, "clusterroles", role), (rbac, "clusterrolebindings", binding)]
