# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's own picture: its namespaces, links and addresses as Graphviz DOT, drawn from the lab's model.

The collection draws the plan (what flatnet will change); this draws the twin that the lab built to prove it on,
namespace by namespace, so the two can be laid side by side.
"""

from __future__ import annotations

from .model import Topology


def _q(text: object) -> str:
    return '"%s"' % str(text).replace("\\", "\\\\").replace('"', '\\"')


def _box(ident: str, lines: list, shape: str = "box") -> str:
    label = "".join(str(line).replace("\\", "\\\\").replace('"', '\\"') + "\\l" for line in lines)
    return '    %s [label="%s", shape=%s, style="rounded"];' % (_q(ident), label, shape)


def _link(left: str, right: str, label: str) -> str:
    return "    %s -> %s [label=%s, dir=none];" % (_q(left), _q(right), _q(label))


def lab_dot(topo: Topology, pods: list) -> str:
    """The lab as a Graphviz graph; ``pods`` as start_pods returned them."""
    switch, gateway = topo.switch, topo.gateway
    out = ["digraph netlab {", '    graph [rankdir=LR, fontname="Helvetica", fontsize=12, labelloc=t, label=%s];'
           % _q("the lab twin (namespaces %s*)" % topo.prefix), '    node [fontname="Helvetica", fontsize=10];',
           '    edge [fontname="Helvetica", fontsize=9];']
    out.append(_box(switch.netns, ["%s: switch %s" % (switch.netns, switch.name), "FRR -N %s" % switch.pathspace,
                                   "%s %s/%d" % (switch.bridge, switch.peer_ip, topo.nodes[0].prefixlen),
                                   "%s %s/%d" % (switch.transit_port, switch.transit_ip, topo.transit_prefixlen)]))
    for node in topo.nodes:
        out.append(_box(node.netns, ["%s: node %s" % (node.netns, node.name), "eth0 %s/%d" % (node.ip, node.prefixlen), "BIRD, calico-node agent"]))
        out.append(_link(node.netns, switch.netns, node.switch_port))
    for pod in pods:
        out.append(_box(pod.netns, ["%s: pod %s" % (pod.netns, pod.name), "%s/32" % pod.ip], shape="ellipse"))
        out.append(_link(pod.netns, next(node.netns for node in topo.nodes if node.name == pod.node), pod.host_veth))
    out.append(_box(gateway.netns, ["%s: gateway %s" % (gateway.netns, gateway.name), "%s %s/%d" % (gateway.uplink, gateway.transit_ip, topo.transit_prefixlen),
                                    "%s %s/%d" % (gateway.lan_port, gateway.lan_ip, topo.office_lan_prefixlen)]))
    out.append(_link(switch.netns, gateway.netns, "transit"))
    out.append(_box(topo.pc_netns, ["%s: office PC" % topo.pc_netns, "%s/%d" % (topo.pc_ip, topo.office_lan_prefixlen)]))
    out.append(_link(gateway.netns, topo.pc_netns, "office LAN"))
    if topo.dns_server:
        server = topo.dns_server
        out.append(_box(server.netns, ["%s: office DNS %s" % (server.netns, server.name), "%s, %s" % (server.kind, server.ip)], shape="cylinder"))
        out.append(_link(gateway.netns, server.netns, "office LAN"))
    if topo.uplink:
        uplink = topo.uplink
        out.append(_box(uplink.netns, ["%s: uplink router" % uplink.netns, "BIRD AS %s, %s/%d" % (uplink.as_number, uplink.router_ip, uplink.prefixlen),
                                       "announces %s" % uplink.announces]))
        out.append(_link(switch.netns, uplink.netns, uplink.switch_port))
    out.append(_box("host", ["the host's own namespace", "emulated Kubernetes API on 127.0.0.1 only"], shape="note"))
    if topo.skipped:
        out.append(_box("skipped", ["not in the lab:"] + list(topo.skipped), shape="note"))
    out.append("}")
    return "\n".join(out) + "\n"
