# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's topology, derived from the inventory's intent and its ``netlab`` description.

Every name and address of the twin comes from here, so nothing else needs to
know the seed's values. ``netlab`` (a variable of the group ``all``)::

    node_network: 10.200.20.0/24          # the nodes' subnet; the switch's peer_ip lies in it
    nodes:
      - {name: node1, ip: 10.200.20.105, labels: {node-role.kubernetes.io/ingress: ingress}}
    pods_per_node: 2
    services:                             # as in the emulator's seed description
      - {namespace: default, name: web, cluster_ip: 10.233.0.10, selector: {app: web},
         ports: [{name: http, port: 80, target_port: 8080, protocol: TCP}]}
    dns_service_ip: 10.233.0.3            # default: flatnet_cluster.dns_service_ip
    transit_network: 10.200.21.0/30       # switch: first address, gateway: second
    office_pc: 192.168.10.10              # in flatnet_office.networks[0]; the gateway takes its first address
    office_dns: {address: 192.168.10.53}  # the office DNS twin; kind: bind, unbound or dnsmasq
                                          # (default: the kind of flatnet_office.dns_servers[0])
    initial_pool_encapsulation: {ipip_mode: Always, vxlan_mode: Never}
    office_switch:                        # the switch's own configuration, as a real core switch has (optional)
      uplink_network: 10.200.22.0/30      # switch: first address, the uplink router: second
      uplink_as: 65100
      announces: 172.20.0.0/16            # the office route the uplink router announces
      static_route: 172.21.0.0/16         # a static route of the switch's own

Only the first switch of ``flatnet_fabric.switches``, the first gateway of
``flatnet_office.gateways`` and the first of ``flatnet_office.dns_servers``
get a twin; the others are reported as skipped. With a DNS Service address,
the first node also runs the cluster DNS pod.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Any, Optional

from .uplink import Uplink

LAB_VARIABLE = "netlab"
INTENT_VARIABLES = ("flatnet_cluster", "flatnet_fabric", "flatnet_office")
_LAB_KEYS = {"node_network", "nodes", "pods_per_node", "services", "dns_service_ip", "transit_network", "office_pc", "office_dns",
             "initial_pool_encapsulation", "office_switch"}
_OFFICE_SWITCH_KEYS = {"uplink_network", "uplink_as", "announces", "static_route"}
# The office DNS servers the lab can run; CoreDNS and Windows DNS are rendered and checked offline only.
DNS_KINDS = ("bind", "unbound", "dnsmasq")
_MODES = ("Never", "Always", "CrossSubnet")
INVENTORY_TIMEOUT = 120


class LabError(Exception):
    """The inventory cannot be turned into a lab; the message says why."""


@dataclass(frozen=True)
class Node:
    """One Kubernetes node: its namespace and its port on the switch's bridge."""

    name: str
    ip: str
    prefixlen: int
    labels: dict
    netns: str
    switch_port: str


@dataclass(frozen=True)
class Switch:
    """The switch twin: FRR in a namespace, the pathspace named like the namespace."""

    name: str
    netns: str
    peer_ip: str
    transit_ip: str
    transit_port: str = "gw0"
    bridge: str = "br0"

    @property
    def pathspace(self) -> str:
        """FRR's -N pathspace: /etc/frr/<pathspace>/ and /var/run/frr/<pathspace>/."""
        return self.netns


@dataclass(frozen=True)
class Gateway:
    """The office gateway twin."""

    name: str
    netns: str
    transit_ip: str
    lan_ip: str
    uplink: str = "uplink0"
    lan_port: str = "lan0"


@dataclass(frozen=True)
class DnsServer:
    """The office DNS server twin: its own namespace on the office LAN."""

    name: str
    kind: str
    netns: str
    ip: str


@dataclass(frozen=True)
class PodGroup:
    """Pods of one kind: the labels of a Service selector, and every port a Service sends them to."""

    namespace: str
    labels: dict
    ports: tuple


@dataclass(frozen=True)
class Pod:  # pylint: disable=too-many-instance-attributes
    """One pod: its namespace, address and the node's end of its veth."""

    name: str
    namespace: str
    node: str
    index: int
    ip: str
    labels: dict
    ports: tuple
    netns: str
    host_veth: str


@dataclass
class Topology:  # pylint: disable=too-many-instance-attributes
    """Everything the lab builds, by name and address."""

    prefix: str
    intent: dict
    node_network: str
    nodes: list
    switch: Switch
    gateway: Gateway
    pc_netns: str
    pc_ip: str
    office_networks: list
    transit_prefixlen: int
    services: list
    dns_service_ip: Optional[str]
    pods_per_node: int
    encapsulation: dict
    dns_server: Optional[DnsServer] = None
    skipped: list = field(default_factory=list)
    uplink: Optional[Uplink] = None

    @property
    def office_lan_prefixlen(self) -> int:
        """The prefix length of the office network the PC sits on."""
        return ipaddress.ip_network(self.office_networks[0]).prefixlen

    @property
    def namespaces(self) -> list:
        """The namespaces of the fabric (pods excluded: their number depends on the API)."""
        office = [self.dns_server.netns] if self.dns_server else []
        uplink = [self.uplink.netns] if self.uplink else []
        return [self.switch.netns, self.gateway.netns, self.pc_netns] + office + uplink + [node.netns for node in self.nodes]

    @property
    def cluster_dns_netns(self) -> Optional[str]:
        """The namespace of the cluster DNS pod (on the first node), None without a DNS Service."""
        return "%spod-dns" % self.prefix if self.dns_service_ip else None

    def pod_netns(self, node: str, index: int) -> str:
        """The namespace of a node's index-th pod."""
        return "%spod-%s-%d" % (self.prefix, node, index)

    def all_pod_netns(self) -> list:
        """Every pod namespace the description implies."""
        pods = [self.pod_netns(node.name, index) for node in self.nodes for index in range(self.pods_per_node)]
        return pods + ([self.cluster_dns_netns] if self.cluster_dns_netns else [])

    def pod_groups(self) -> list:
        """One group per distinct (namespace, selector) of the described Services, in order."""
        groups: list = []
        for svc in self.services:
            selector = svc.get("selector") or {}
            if not selector:
                continue
            key = (svc.get("namespace", "default"), selector)
            found = [group for group in groups if (group.namespace, group.labels) == key]
            ports = tuple(sorted({(int(port.get("target_port", port["port"])), port.get("protocol", "TCP")) for port in svc.get("ports") or []}))
            if found:
                merged = tuple(sorted(set(found[0].ports) | set(ports)))
                groups[groups.index(found[0])] = PodGroup(found[0].namespace, found[0].labels, merged)
            else:
                groups.append(PodGroup(key[0], dict(selector), ports))
        return groups or [PodGroup("default", {"app": "pod"}, ((8080, "TCP"),))]

    def cluster_ranges(self) -> list:
        """kube-proxy's view of the cluster: the intent's enabled pools and its Service ranges."""
        cluster = self.intent["flatnet_cluster"]
        return [str(pool["cidr"]) for pool in cluster.get("pools") or [] if not pool.get("disabled")] + self.service_ranges()

    def service_ranges(self) -> list:
        """The Service ranges of the intent (ClusterIP, external and LoadBalancer)."""
        cluster = self.intent["flatnet_cluster"]
        return [str(cidr) for key in ("service_cluster_ips", "service_external_ips", "service_loadbalancer_ips") for cidr in cluster.get(key) or []]


def veth_name(namespace: str, pod: str) -> str:
    """Calico's host-side interface name of a workload: cali + 11 hex digits of a SHA-1 of namespace.pod."""
    return "cali" + hashlib.sha1(("%s.%s" % (namespace, pod)).encode()).hexdigest()[:11]


def pod_name(group: PodGroup, node: str, index: int) -> str:
    """A pod's name: its first label value, the node and its index on the node."""
    first = str(next(iter(group.labels.values()), "pod")).lower().replace("_", "-").replace(".", "-")
    return "%s-%s-%d" % (first, node, index)


# --- reading the inventory -------------------------------------------------------------------------------------------


def ansible_inventory_path() -> str:
    """ansible-inventory of the running Python's environment, else the one on PATH."""
    beside = os.path.join(os.path.dirname(sys.executable), "ansible-inventory")
    return beside if os.access(beside, os.X_OK) else "ansible-inventory"


def read_inventory(inventory: str) -> dict:
    """The variables of the group all, from ``ansible-inventory --list --export``."""
    command = [ansible_inventory_path(), "-i", inventory, "--list", "--export"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=INVENTORY_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        raise LabError("cannot run %s: %s" % (command[0], err)) from err
    if done.returncode != 0:
        raise LabError("ansible-inventory -i %s failed:\n%s" % (inventory, done.stderr.strip()))
    data = json.loads(done.stdout)
    variables = (data.get("all") or {}).get("vars") or {}
    missing = [name for name in INTENT_VARIABLES + (LAB_VARIABLE,) if name not in variables]
    if missing:
        raise LabError("the inventory %s does not define %s for the group all" % (inventory, ", ".join(missing)))
    return variables


# --- checks ----------------------------------------------------------------------------------------------------------


def _net(text: Any, where: str, problems: list) -> Any:
    try:
        return ipaddress.ip_network(str(text))
    except ValueError:
        problems.append("%s: %r is not a network" % (where, text))
        return None


def _addr(text: Any, where: str, problems: list) -> Any:
    try:
        return ipaddress.ip_address(str(text))
    except ValueError:
        problems.append("%s: %r is not an address" % (where, text))
        return None


def _inside(address: Any, network: Any, where: str, problems: list) -> None:
    if address is not None and network is not None and address not in network:
        problems.append("%s: %s is not in %s" % (where, address, network))


def _check_nodes(lab: dict, network: Any, problems: list) -> None:
    nodes = lab.get("nodes")
    if not isinstance(nodes, list) or not nodes:
        problems.append("netlab.nodes: a non-empty list is required")
        return
    seen: set = set()
    for index, node in enumerate(nodes):
        where = "netlab.nodes[%d]" % index
        if not isinstance(node, dict) or not isinstance(node.get("name"), str) or not node.get("name"):
            problems.append("%s: needs a name" % where)
            continue
        if node["name"] in seen:
            problems.append("%s: the name %s is used twice" % (where, node["name"]))
        seen.add(node["name"])
        _inside(_addr(node.get("ip"), where + ".ip", problems), network, where + ".ip", problems)
        if not isinstance(node.get("labels", {}), dict):
            problems.append("%s.labels: must be a mapping" % where)


def _check_services(lab: dict, problems: list) -> None:
    for index, svc in enumerate(lab.get("services") or []):
        where = "netlab.services[%d]" % index
        if not isinstance(svc, dict) or not svc.get("name") or not svc.get("cluster_ip"):
            problems.append("%s: needs a name and a cluster_ip" % where)
            continue
        for port in svc.get("ports") or []:
            if not isinstance(port, dict) or not isinstance(port.get("target_port", port.get("port")), int):
                problems.append("%s.ports: each port needs a numeric port and target_port" % where)


def _check_switch_and_office(intent: dict, lab: dict, network: Any, problems: list) -> None:
    switches = (intent["flatnet_fabric"] or {}).get("switches") or []
    if not switches:
        problems.append("flatnet_fabric.switches: the lab needs at least one switch")
    else:
        _inside(_addr(switches[0].get("peer_ip"), "flatnet_fabric.switches[0].peer_ip", problems), network,
                "flatnet_fabric.switches[0].peer_ip", problems)
    office = intent["flatnet_office"] or {}
    if not office.get("networks"):
        problems.append("flatnet_office.networks: the lab needs an office network")
    if not office.get("gateways"):
        problems.append("flatnet_office.gateways: the lab needs at least one gateway")
    transit = _net(lab.get("transit_network"), "netlab.transit_network", problems)
    if transit is not None and transit.num_addresses < 4:
        problems.append("netlab.transit_network: %s has fewer than two host addresses" % transit)
    if transit is not None and office.get("gateways"):
        next_hop = office["gateways"][0].get("next_hop")
        if next_hop is not None and str(next_hop) != str(next(transit.hosts())):
            problems.append("flatnet_office.gateways[0].next_hop: %s is not the switch's transit address %s (the first of %s)"
                            % (next_hop, next(transit.hosts()), transit))
    if office.get("networks"):
        lan = _net(office["networks"][0], "flatnet_office.networks[0]", problems)
        _inside(_addr(lab.get("office_pc"), "netlab.office_pc", problems), lan, "netlab.office_pc", problems)
        _check_office_dns(office, lab, lan, problems)


def _check_office_dns(office: dict, lab: dict, lan: Any, problems: list) -> None:
    described = lab.get("office_dns")
    if described is None:
        return
    if not isinstance(described, dict) or set(described) - {"address", "kind"}:
        problems.append("netlab.office_dns: a mapping with address and kind is expected")
        return
    if not office.get("dns_servers"):
        problems.append("netlab.office_dns: flatnet_office.dns_servers lists no server for the lab to run")
    if described.get("kind") and described["kind"] not in DNS_KINDS:
        problems.append("netlab.office_dns.kind: %r; the lab runs %s" % (described["kind"], ", ".join(DNS_KINDS)))
    if "address" in described:
        address = _addr(described["address"], "netlab.office_dns.address", problems)
        _inside(address, lan, "netlab.office_dns.address", problems)
        if address is not None and str(address) in (str(lab.get("office_pc")), str(next(lan.hosts())) if lan else ""):
            problems.append("netlab.office_dns.address: %s is taken by the office PC or the gateway" % address)


def _check_office_switch(lab: dict, problems: list) -> None:
    described = lab.get("office_switch")
    if described is None:
        return
    if not isinstance(described, dict) or set(described) != _OFFICE_SWITCH_KEYS:
        problems.append("netlab.office_switch: a mapping with %s is expected" % ", ".join(sorted(_OFFICE_SWITCH_KEYS)))
        return
    network = _net(described["uplink_network"], "netlab.office_switch.uplink_network", problems)
    if network is not None and network.num_addresses < 4:
        problems.append("netlab.office_switch.uplink_network: %s has fewer than two host addresses" % network)
    for key in ("announces", "static_route"):
        _net(described[key], "netlab.office_switch.%s" % key, problems)
    if not isinstance(described["uplink_as"], int) or isinstance(described["uplink_as"], bool) or not 1 <= described["uplink_as"] <= 4294967295:
        problems.append("netlab.office_switch.uplink_as: %r must be an AS number" % (described["uplink_as"],))


def check(intent: dict, lab: dict) -> None:
    """Raise LabError listing every problem of the lab description."""
    problems: list = []
    if not isinstance(lab, dict):
        raise LabError("netlab must be a mapping")
    for key in sorted(set(lab) - _LAB_KEYS):
        problems.append("netlab.%s: unknown key" % key)
    network = _net(lab.get("node_network"), "netlab.node_network", problems)
    _check_nodes(lab, network, problems)
    _check_services(lab, problems)
    _check_switch_and_office(intent, lab, network, problems)
    _check_office_switch(lab, problems)
    per_node = lab.get("pods_per_node", 2)
    if not isinstance(per_node, int) or isinstance(per_node, bool) or not 0 <= per_node <= 64:
        problems.append("netlab.pods_per_node: %r must be a number from 0 to 64" % per_node)
    encapsulation = lab.get("initial_pool_encapsulation") or {}
    for key in ("ipip_mode", "vxlan_mode"):
        if encapsulation.get(key, "Never") not in _MODES:
            problems.append("netlab.initial_pool_encapsulation.%s: must be one of %s" % (key, ", ".join(_MODES)))
    if not (intent["flatnet_cluster"] or {}).get("pools"):
        problems.append("flatnet_cluster.pools: the lab needs a pool")
    if problems:
        raise LabError("the lab description does not fit:\n  " + "\n  ".join(problems))


# --- the topology ----------------------------------------------------------------------------------------------------


def _nodes(lab: dict, prefix: str) -> list:
    prefixlen = ipaddress.ip_network(str(lab["node_network"])).prefixlen
    return [Node(name=node["name"], ip=str(node["ip"]), prefixlen=prefixlen, labels=dict(node.get("labels") or {}),
                 netns=prefix + node["name"], switch_port="vn%d" % index)
            for index, node in enumerate(lab["nodes"])]


def _skipped(intent: dict) -> list:
    switches = (intent["flatnet_fabric"] or {}).get("switches") or []
    gateways = (intent["flatnet_office"] or {}).get("gateways") or []
    return ["switch %s" % item["name"] for item in switches[1:]] + ["gateway %s" % item["name"] for item in gateways[1:]]


def _dns_server(intent: dict, lab: dict, prefix: str, kind: Optional[str]) -> Optional[DnsServer]:
    """The office DNS twin: the first of flatnet_office.dns_servers, of the kind the lab (or ``kind``) says."""
    servers = intent["flatnet_office"].get("dns_servers") or []
    if not servers:
        return None
    described = lab.get("office_dns") or {}
    chosen = kind or described.get("kind") or servers[0].get("kind")
    if chosen not in DNS_KINDS:
        raise LabError("the office DNS server %s is %s; the lab runs %s (set netlab.office_dns.kind, or --office-dns); "
                       "CoreDNS and Windows DNS are rendered and checked offline only" % (servers[0].get("name"), chosen, ", ".join(DNS_KINDS)))
    lan = ipaddress.ip_network(str(intent["flatnet_office"]["networks"][0]))
    address = str(described.get("address") or lan[53])
    return DnsServer(name=servers[0]["name"], kind=chosen, netns=prefix + "dns", ip=address)


def _uplink(lab: dict, prefix: str) -> Optional[Uplink]:
    described = lab.get("office_switch")
    if not described:
        return None
    network = ipaddress.ip_network(str(described["uplink_network"]))
    hosts = network.hosts()
    return Uplink(netns=prefix + "uplink", switch_ip=str(next(hosts)), router_ip=str(next(hosts)), prefixlen=network.prefixlen,
                  as_number=described["uplink_as"], announces=str(ipaddress.ip_network(str(described["announces"]))),
                  static_route=str(ipaddress.ip_network(str(described["static_route"]))))


def topology(variables: dict, prefix: str, office_dns: Optional[str] = None) -> Topology:
    """The lab for an inventory's variables (those of the group all); ``office_dns`` overrides the DNS server kind."""
    intent = {name: variables.get(name) or {} for name in INTENT_VARIABLES}
    lab = variables.get(LAB_VARIABLE)
    check(intent, lab)
    switch_entry = intent["flatnet_fabric"]["switches"][0]
    gateway_entry = intent["flatnet_office"]["gateways"][0]
    transit = ipaddress.ip_network(str(lab["transit_network"]))
    hosts = transit.hosts()
    switch_transit, gateway_transit = str(next(hosts)), str(next(hosts))
    office_networks = [str(net) for net in intent["flatnet_office"]["networks"]]
    lan = ipaddress.ip_network(office_networks[0])
    return Topology(
        prefix=prefix, intent=intent, node_network=str(ipaddress.ip_network(str(lab["node_network"]))), nodes=_nodes(lab, prefix),
        switch=Switch(name=switch_entry["name"], netns="%sswitch-%s" % (prefix, switch_entry["name"]), peer_ip=str(switch_entry["peer_ip"]),
                      transit_ip=switch_transit),
        gateway=Gateway(name=gateway_entry["name"], netns="%sgw-%s" % (prefix, gateway_entry["name"]), transit_ip=gateway_transit,
                        lan_ip=str(next(lan.hosts()))),
        pc_netns=prefix + "pc", pc_ip=str(lab["office_pc"]), office_networks=office_networks, transit_prefixlen=transit.prefixlen,
        services=list(lab.get("services") or []),
        dns_service_ip=str(lab.get("dns_service_ip") or intent["flatnet_cluster"].get("dns_service_ip") or "") or None,
        pods_per_node=lab.get("pods_per_node", 2),
        encapsulation={"ipip_mode": (lab.get("initial_pool_encapsulation") or {}).get("ipip_mode", "Never"),
                       "vxlan_mode": (lab.get("initial_pool_encapsulation") or {}).get("vxlan_mode", "Never")},
        dns_server=_dns_server(intent, lab, prefix, office_dns), uplink=_uplink(lab, prefix),
        skipped=_skipped(intent) + ["dns server %s" % item["name"] for item in (intent["flatnet_office"].get("dns_servers") or [])[1:]])


def load(inventory: str, prefix: str, office_dns: Optional[str] = None) -> Topology:
    """Read an inventory and derive its lab."""
    return topology(read_inventory(inventory), prefix, office_dns)
