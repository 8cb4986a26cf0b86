# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What kube-proxy and Felix do to a node's packets, as two nftables tables rendered from the API.

``table ip flatnet-kube-proxy`` (kube-proxy): a packet to a ClusterIP and
Service port, arriving or sent locally, is DNATed to one of the Service's
endpoints, picked at random (``numgen random mod N vmap``). When its source is
outside the cluster (every pool and Service range), it is marked, and the mark
makes postrouting masquerade it, as kube-proxy does for off-cluster clients,
so the reply comes back through the same node.

``table ip flatnet-nat`` (Felix's natOutgoing): traffic from a pool with
``natOutgoing`` to a destination outside every pool (disabled ones included)
and outside the Service ranges, leaving by eth0, is masqueraded.

Each table is replaced in a single nft transaction (declare, delete, define).
"""

from __future__ import annotations

import ipaddress
from typing import Iterable

from . import sh

PROXY_TABLE = "flatnet-kube-proxy"
NAT_TABLE = "flatnet-nat"
MASQ_MARK = "0x4000"
UPLINK = "eth0"


def _ipv4(cidrs: Iterable) -> list:
    nets = []
    for cidr in cidrs:
        net = ipaddress.ip_network(str(cidr), strict=False)
        if net.version == 4 and net not in nets:
            nets.append(net)
    return [str(net) for net in sorted(nets)]


def _set(name: str, cidrs: list) -> list:
    lines = ["    set %s {" % name, "        type ipv4_addr", "        flags interval", "        auto-merge"]
    if cidrs:
        lines.append("        elements = { %s }" % ", ".join(cidrs))
    return lines + ["    }"]


def _replace(table: str, body: list) -> str:
    return "\n".join(["table ip %s" % table, "delete table ip %s" % table, "table ip %s {" % table] + body + ["}", ""])


def service_entries(services: list, endpoints: list) -> list:
    """(label, cluster IP, protocol, port, [(endpoint IP, target port)]) for every IPv4 ClusterIP port with endpoints."""
    by_key = {(item["metadata"]["namespace"], item["metadata"]["name"]): item for item in endpoints}
    entries = []
    for service in sorted(services, key=lambda item: (item["metadata"]["namespace"], item["metadata"]["name"])):
        spec = service.get("spec") or {}
        cluster_ip = spec.get("clusterIP")
        if not cluster_ip or cluster_ip == "None" or ipaddress.ip_address(cluster_ip).version != 4:
            continue
        subsets = (by_key.get((service["metadata"]["namespace"], service["metadata"]["name"])) or {}).get("subsets") or []
        for port in spec.get("ports") or []:
            targets = _targets(subsets, port)
            if targets:
                label = "%s/%s:%s" % (service["metadata"]["namespace"], service["metadata"]["name"], port.get("name") or port["port"])
                entries.append((label, cluster_ip, port.get("protocol", "TCP").lower(), int(port["port"]), targets))
    return entries


def _targets(subsets: list, port: dict) -> list:
    targets = []
    for subset in subsets:
        for ep_port in subset.get("ports") or []:
            if (ep_port.get("name") or "") != (port.get("name") or "") or ep_port.get("protocol", "TCP") != port.get("protocol", "TCP"):
                continue
            targets.extend((address["ip"], int(ep_port["port"])) for address in subset.get("addresses") or [])
    return sorted(set(targets), key=lambda item: (ipaddress.ip_address(item[0]), item[1]))


def _service_chains(index: int, entry: tuple) -> list:
    """The chains of one Service port: mark off-cluster clients, pick an endpoint at random, DNAT to it."""
    _label, _cluster_ip, protocol, _port, targets = entry
    choice = ", ".join("%d : jump svc-%d-ep-%d" % (number, index, number) for number in range(len(targets)))
    chains = ["", "    chain svc-%d {" % index, "        ip saddr != @cluster-ranges meta mark set meta mark | %s" % MASQ_MARK,
              "        numgen random mod %d vmap { %s }" % (len(targets), choice), "    }"]
    for number, (address, target_port) in enumerate(targets):
        chains += ["    chain svc-%d-ep-%d {" % (index, number), "        meta l4proto %s dnat to %s:%d" % (protocol, address, target_port), "    }"]
    return chains


def render_kube_proxy(services: list, endpoints: list, cluster_ranges: list) -> str:
    """kube-proxy's table for the Services and Endpoints of the API."""
    body = _set("cluster-ranges", _ipv4(cluster_ranges))
    dispatch = []
    chains: list = []
    for index, entry in enumerate(service_entries(services, endpoints)):
        label, cluster_ip, protocol, port, _targets = entry
        dispatch.append('        ip daddr %s %s dport %d jump svc-%d comment "%s"' % (cluster_ip, protocol, port, index, label))
        chains += _service_chains(index, entry)
    body += ["", "    chain services {"] + dispatch + ["    }"] + chains
    body += ["", "    chain prerouting {", "        type nat hook prerouting priority dstnat; policy accept;", "        jump services", "    }",
             "", "    chain output {", "        type nat hook output priority -100; policy accept;", "        jump services", "    }",
             "", "    chain postrouting {", "        type nat hook postrouting priority srcnat; policy accept;",
             "        meta mark & %s == %s meta mark set meta mark ^ %s masquerade fully-random" % (MASQ_MARK, MASQ_MARK, MASQ_MARK), "    }"]
    return _replace(PROXY_TABLE, body)


def render_nat_outgoing(pools: list, service_ranges: list) -> str:
    """Felix's natOutgoing table for the IPPools of the API."""
    masq = _ipv4(pool["spec"]["cidr"] for pool in pools if (pool.get("spec") or {}).get("natOutgoing"))
    every = _ipv4([pool["spec"]["cidr"] for pool in pools] + list(service_ranges))
    body = _set("masq-pools", masq) + [""] + _set("all-ranges", every)
    body += ["", "    chain postrouting {", "        type nat hook postrouting priority srcnat; policy accept;"]
    if masq:
        body.append('        ip saddr @masq-pools ip daddr != @all-ranges oifname "%s" masquerade' % UPLINK)
    body.append("    }")
    return _replace(NAT_TABLE, body)


def apply(netns: str, ruleset: str) -> None:
    """Load a rendered table into a node's namespace."""
    sh.nft(netns, ruleset)
