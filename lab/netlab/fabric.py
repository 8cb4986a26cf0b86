# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The wires: namespaces, veth pairs, the switch's bridge, addresses and routes.

Every veth pair is created with both ends inside lab namespaces
(``ip -n A link add X type veth peer name Y netns B``), so no interface of the
lab ever exists in the host's namespace, not even for a moment.
"""

from __future__ import annotations

from . import sh
from .model import Node, Pod, Topology

POD_GATEWAY = "169.254.1.1"
CALICO_MAC = "ee:ee:ee:ee:ee:ee"


def build_switch(topo: Topology) -> None:
    """The switch: a bridge holding the nodes' ports with the peer address, and a transit link to the gateway."""
    switch, gateway = topo.switch, topo.gateway
    sh.netns_add(switch.netns)
    sh.netns_add(gateway.netns)
    sh.sysctl(switch.netns, {"net.ipv4.ip_forward": 1, "net.ipv6.conf.all.forwarding": 1})
    node_prefixlen = topo.nodes[0].prefixlen
    lines = ["link add %s type bridge forward_delay 0 stp_state 0" % switch.bridge,
             "addr add %s/%d dev %s" % (switch.peer_ip, node_prefixlen, switch.bridge),
             "link set %s up" % switch.bridge,
             "link add %s type veth peer name %s netns %s" % (switch.transit_port, gateway.uplink, gateway.netns),
             "addr add %s/%d dev %s" % (switch.transit_ip, topo.transit_prefixlen, switch.transit_port),
             "link set %s up" % switch.transit_port]
    sh.ip_batch(switch.netns, lines)
    # The gateway's end comes up first, so the office routes never carry "linkdown" into zebra's view.
    sh.ip_batch(gateway.netns, ["link set %s up" % gateway.uplink])
    sh.ip_batch(switch.netns, ["route add %s via %s" % (network, gateway.transit_ip) for network in topo.office_networks])


def build_office(topo: Topology) -> None:
    """The gateway (no route to the cluster), its LAN bridge, the office PC and the office DNS server on it."""
    switch, gateway = topo.switch, topo.gateway
    lan_prefixlen = topo.office_lan_prefixlen
    hosts = [(topo.pc_netns, topo.pc_ip, "pc0")]
    if topo.dns_server:
        hosts.append((topo.dns_server.netns, topo.dns_server.ip, "dns0"))
    sh.sysctl(gateway.netns, {"net.ipv4.ip_forward": 1})
    lines = ["addr add %s/%d dev %s" % (gateway.transit_ip, topo.transit_prefixlen, gateway.uplink),
             "link add %s type bridge forward_delay 0 stp_state 0" % gateway.lan_port,
             "addr add %s/%d dev %s" % (gateway.lan_ip, lan_prefixlen, gateway.lan_port),
             "link set %s up" % gateway.lan_port,
             # The node network is existing network, reachable from the office as before; the cluster ranges are not.
             "route add %s via %s" % (topo.node_network, switch.transit_ip)]
    for netns, _address, port in hosts:
        sh.netns_add(netns)
        lines += ["link add %s type veth peer name eth0 netns %s" % (port, netns), "link set %s master %s" % (port, gateway.lan_port),
                  "link set %s up" % port]
    sh.ip_batch(gateway.netns, lines)
    for netns, address, _port in hosts:
        sh.ip_batch(netns, ["addr add %s/%d dev eth0" % (address, lan_prefixlen), "link set eth0 up",
                            "route add default via %s" % gateway.lan_ip])


def build_node(topo: Topology, node: Node) -> None:
    """A node: eth0 on the switch's bridge, the default route via the switch, forwarding on, loose rp_filter."""
    switch = topo.switch
    sh.netns_add(node.netns)
    sh.ip_batch(switch.netns, ["link add %s type veth peer name eth0 netns %s" % (node.switch_port, node.netns),
                               "link set %s master %s" % (node.switch_port, switch.bridge),
                               "link set %s up" % node.switch_port])
    sh.sysctl(node.netns, {"net.ipv4.ip_forward": 1, "net.ipv4.conf.all.rp_filter": 2, "net.ipv4.conf.default.rp_filter": 2})
    sh.ip_batch(node.netns, ["addr add %s/%d dev eth0" % (node.ip, node.prefixlen), "link set eth0 up",
                             "route add default via %s dev eth0" % switch.peer_ip])


def build_pod(pod: Pod, node: Node) -> None:
    """A pod wired as Calico wires it: a /32 on eth0 behind 169.254.1.1, proxy ARP and a /32 route on the node's cali interface."""
    sh.netns_add(pod.netns)
    sh.ip_batch(node.netns, ["link add %s type veth peer name eth0 netns %s" % (pod.host_veth, pod.netns),
                             "link set %s address %s" % (pod.host_veth, CALICO_MAC),
                             "link set %s up" % pod.host_veth])
    sh.sysctl(node.netns, {"net.ipv4.conf.%s.proxy_arp" % pod.host_veth: 1, "net.ipv4.neigh.%s.proxy_delay" % pod.host_veth: 0,
                           "net.ipv4.conf.%s.forwarding" % pod.host_veth: 1})
    sh.ip_batch(pod.netns, ["addr add %s/32 dev eth0" % pod.ip, "link set eth0 up",
                            "route add %s dev eth0 scope link" % POD_GATEWAY,
                            "route add default via %s dev eth0" % POD_GATEWAY])
    sh.ip_batch(node.netns, ["route add %s/32 dev %s scope link" % (pod.ip, pod.host_veth)])
