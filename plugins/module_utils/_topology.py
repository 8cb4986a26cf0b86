# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The topology picture of a plan, as Graphviz DOT.

It draws what the plan says and nothing else: the cluster's peering nodes (or
the selector that picks them, when the plan was made without the cluster),
each switch with its AS and what it accepts, the gateways with their routes,
the office networks, and the DNS servers with the zones they forward. The
output is deterministic, so a picture kept in a repository shows any drift.
"""

from __future__ import annotations

from typing import Any, List, Mapping, Sequence

from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError

_FONT = 'fontname="Helvetica"'


def _quote(text: Any) -> str:
    """A DOT string: quotes and backslashes escaped, one line per item of the label."""
    value = str(text)
    if any(ord(char) < 32 or ord(char) == 127 for char in value):
        raise FlatnetError("topology: %r holds a control character" % value)
    return '"%s"' % value.replace("\\", "\\\\").replace('"', '\\"')


def _label(lines: Sequence[Any]) -> str:
    """A multi-line DOT label: each line escaped and left-aligned (``\\l``)."""
    return '"%s"' % "".join(_quote(line)[1:-1] + "\\l" for line in lines)


def _node(name: str, lines: Sequence[Any], shape: str = "box", style: str = "rounded") -> str:
    return "    %s [label=%s, shape=%s, style=%s];" % (_quote(name), _label(lines), shape, _quote(style))


def _edge(left: str, right: str, label: Sequence[Any], style: str = "solid") -> str:
    return "    %s -> %s [label=%s, style=%s, dir=both, arrowhead=none, arrowtail=none];" % (
        _quote(left), _quote(right), _label(label), style)


def _require(plan: Any) -> Mapping[str, Any]:
    if not isinstance(plan, Mapping) or not all(isinstance(plan.get(part), Mapping) for part in ("cluster", "fabric", "office")):
        raise FlatnetError("topology: expected the plan of flatnet.kube.preflight (preflight_plan), with cluster, fabric and office")
    return plan


def _zones_line(office: Mapping[str, Any], domain: str) -> str:
    zones = office.get("reverse_zones") or []
    if not zones:
        return "forwards %s" % domain
    return "forwards %s + %d reverse zones" % (domain, len(zones))


def topology_dot(plan: Any, title: str = "") -> str:
    """The plan's topology as a Graphviz digraph (a string that ends with a line break)."""
    plan = _require(plan)
    cluster, fabric, office = plan["cluster"], plan["fabric"], plan["office"]
    name = cluster.get("name") or "cluster"
    lines: List[str] = [
        "digraph flatnet {",
        "    graph [rankdir=LR, %s, fontsize=12, labelloc=t, label=%s];" % (_FONT, _quote(title or "flatnet: %s" % name)),
        "    node [%s, fontsize=10];" % _FONT,
        "    edge [%s, fontsize=9];" % _FONT,
    ]
    dns_ip = cluster.get("dns_service_ip") or "kube-dns"

    lines.append('    subgraph "cluster_k8s" {')
    lines.append("        label=%s; style=rounded; color=%s;" % (_quote("Kubernetes cluster %s, AS %s" % (name, cluster.get("as_dot"))), _quote("#326ce5")))
    summary = ["pods: %s" % ", ".join(cluster.get("pod_cidrs") or []),
               "Services: %s" % ", ".join(cluster.get("service_cluster_ips") or []),
               "cluster DNS %s, domain %s" % (dns_ip, cluster.get("domain")),
               "flatnet sets: IPPools %s" % ", ".join(pool["name"] for pool in cluster.get("pools") or []),
               "and BGPConfiguration default"]
    lines.append("    " + _node("pools", summary, shape="note", style="solid"))
    peering = cluster.get("peering_nodes") or []
    node_ids = []
    if peering:
        for node in peering:
            node_id = "node:%s" % node["name"]
            node_ids.append(node_id)
            lines.append("    " + _node(node_id, ["%s" % node["name"], node["ip"], "calico-node (BIRD)"]))
    else:
        node_ids.append("node:selector")
        lines.append("    " + _node("node:selector", ["peering nodes", cluster.get("peer_selector"), "calico-node (BIRD)"]))
    lines.append("    }")

    switch_ids = []
    for switch in fabric.get("switches") or []:
        switch_id = "switch:%s" % switch["name"]
        switch_ids.append(switch_id)
        lines.append(_node(switch_id, [
            "%s (%s)" % (switch["name"], switch["platform"]),
            "flatnet's part: peer group FLATNET; cluster side: BGPPeer %s" % switch["peer_name"],
            "AS %s, %s, peer %s" % (switch["as_dot"], switch["session_type"], switch["peer_ip"]),
            "accepts %s up to host routes" % ", ".join(entry["prefix"] for entry in fabric.get("accept_prefixes") or []),
            "max-prefix %s, announces nothing" % fabric.get("max_prefix"),
            "password: %s" % ("set" if switch.get("has_password") else "none"),
        ], style="rounded,bold"))
        for node_id in node_ids:
            lines.append(_edge(node_id, switch_id, ["BGP %s" % switch["session_type"], "%s - %s" % (cluster.get("as_dot"), switch["as_dot"])]))

    lines.append(_node("office", ["office networks", *(office.get("networks") or [])], shape="folder", style="solid"))
    for gateway in office.get("gateways") or []:
        gateway_id = "gateway:%s" % gateway["name"]
        lines.append(_node(gateway_id, ["%s (%s)" % (gateway["name"], gateway.get("platform", "linux")),
                                        *["route %s via %s" % (route, gateway["next_hop"]) for route in gateway.get("routes") or []]]))
        for switch_id in switch_ids:
            lines.append(_edge(switch_id, gateway_id, ["next hop %s" % gateway["next_hop"]]))
        lines.append(_edge(gateway_id, "office", ["default route"]))
    if not office.get("gateways"):
        for switch_id in switch_ids:
            lines.append(_edge(switch_id, "office", ["routed by the office"], style="dashed"))
    for server in office.get("dns_servers") or []:
        server_id = "dns:%s" % server["name"]
        lines.append(_node(server_id, ["%s (%s)" % (server["name"], server["kind"]), _zones_line(office, cluster.get("domain")),
                                       "to %s, for the office networks only" % dns_ip], shape="cylinder", style="solid"))
        lines.append(_edge("office", server_id, ["queries"]))
        lines.append(_edge(server_id, "pools", ["forward only"], style="dashed"))
    lines.append("}")
    return "\n".join(lines) + "\n"
