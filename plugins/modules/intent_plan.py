#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: intent_plan
short_description: Check the flatnet intent and derive the plan
version_added: 0.1.0
description:
  - Validates the three intent variables of flatnet.kube (the cluster, the fabric and the office) against their schema and
    against every rule a schema cannot express, and returns the plan that the other roles render from.
  - Reports all problems at once, each naming the variable, the bad value and the fix, and changes nothing anywhere.
  - The P(flatnet.kube.preflight#role) role runs this module on the controller, passing the inventory's variables as they
    are in O(intent); call it directly to check an intent in your own playbooks.
  - Given in O(intent), the variables are checked in flatnet's own words. Every problem of the structure (an unknown key
    with the closest valid one, a value of the wrong type, a missing key, a value that is not one of the choices) and
    of the rules across fields is reported in one run, each with its path and list index
    (C(flatnet_cluster.pools[0].block_size)). Given as O(cluster), O(fabric) and O(office), Ansible checks their
    structure first, as for any module.
author:
  - flatnet.kube contributors (@flatnet-kube)
requirements:
  - netaddr
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: The module only computes; it behaves the same in check mode.
  diff_mode:
    support: none
    details: Nothing changes, so there is nothing to diff.
  platform:
    platforms: posix
    details: "Runs on the controller (C(delegate_to: localhost)); it contacts no host."
options:
  intent:
    description:
      - The three intent variables as the inventory holds them, keyed C(flatnet_cluster), C(flatnet_fabric) and
        C(flatnet_office), with the structure of O(cluster), O(fabric) and O(office). Use either this or those three.
    type: raw
  cluster:
    description:
      - The Kubernetes cluster that runs Calico.
    type: dict
    suboptions:
      name:
        description:
          - A short name for the cluster, used in reports and generated object names.
        type: str
        default: cluster
      api:
        description:
          - How to reach the Kubernetes API, with the options and C(K8S_AUTH_*) environment variables of kubernetes.core.
          - Leave empty to use the default kubeconfig, or the environment that AWX injects.
        type: dict
        default: {}
        suboptions:
          kubeconfig:
            description:
              - Path to a kubeconfig file.
            type: path
          context:
            description:
              - The kubeconfig context to use.
            type: str
          host:
            description:
              - The API server URL.
            type: str
          api_key:
            description:
              - A bearer token for the API server. Keep it in a vault.
            type: str
          ca_cert:
            description:
              - Path to the CA certificate of the API server.
            type: path
          validate_certs:
            description:
              - Whether to verify the API server's certificate.
            type: bool
          request_timeout:
            description:
              - Seconds to wait for each API request (each attempt); the modules' default is 30.
            type: float
          request_retries:
            description:
              - How many times a request the API server could not serve (429, 5xx, no reply) is tried again, with
                backoff and jitter, honouring C(Retry-After), when repeating it is safe; the modules' default is 4.
            type: int
      as_number:
        description:
          - The cluster's BGP AS number (Calico's BGPConfiguration asNumber), in asplain (64513) or asdot (1.10) notation.
          - AS 0 and AS_TRANS (23456) are refused.
        type: raw
        required: true
      node_to_node_mesh:
        description:
          - Whether Calico's node-to-node BGP mesh stays on (BGPConfiguration nodeToNodeMeshEnabled).
        type: bool
        default: true
      pools:
        description:
          - The Calico IP pools for pods; each becomes an IPPool.
        type: list
        elements: dict
        required: true
        suboptions:
          name:
            description:
              - The IPPool name, a Kubernetes object name such as default-pool.
            type: str
            required: true
          cidr:
            description:
              - The pool range, with no host bits set.
            type: str
            required: true
          block_size:
            description:
              - The prefix length of the per-node IPAM blocks. IPv4 20 to 32, IPv6 116 to 128.
              - When unset, Calico's default applies (26 for IPv4, 122 for IPv6).
            type: int
          ipip_mode:
            description:
              - IP-in-IP encapsulation. A flat network routes pods plainly, so Never.
            type: str
            default: Never
            choices:
              - Never
              - Always
              - CrossSubnet
          vxlan_mode:
            description:
              - VXLAN encapsulation. A flat network routes pods plainly, so Never.
            type: str
            default: Never
            choices:
              - Never
              - Always
              - CrossSubnet
          nat_outgoing:
            description:
              - Whether pod traffic to destinations outside every pool is masqueraded.
            type: bool
            default: false
          node_selector:
            description:
              - Which nodes take addresses from this pool, as a Calico selector.
            type: str
            default: all()
          disabled:
            description:
              - A disabled pool hands out no addresses and is not routed to the office.
            type: bool
            default: false
      service_cluster_ips:
        description:
          - The Service ClusterIP ranges (the API server's --service-cluster-ip-range), advertised over BGP.
        type: list
        elements: str
        required: true
      service_external_ips:
        description:
          - Ranges of Service externalIPs to advertise as well.
        type: list
        elements: str
        default: []
      service_loadbalancer_ips:
        description:
          - Ranges of LoadBalancer Service addresses to advertise as well.
        type: list
        elements: str
        default: []
      domain:
        description:
          - The cluster DNS domain (kubelet's --cluster-domain).
        type: str
        default: cluster.local
      dns_service_ip:
        description:
          - The ClusterIP of the cluster DNS Service (kube-dns). It must lie in a service_cluster_ips range.
          - When unset, it is discovered from the cluster.
        type: str
      peer_selector:
        description:
          - 'Which nodes peer with the switches, as a Calico selector string (C(node-role.kubernetes.io/ingress == ''ingress'')) or as a mapping of labels
            that must all match (C({node-role.kubernetes.io/ingress: ingress})).'
          - Use V(all(\)) to peer every node.
        type: raw
        required: true
  fabric:
    description:
      - The switches the peering nodes talk BGP to.
    type: dict
    suboptions:
      switches:
        description:
          - One entry per switch (or per BGP speaker of the fabric).
        type: list
        elements: dict
        required: true
        suboptions:
          name:
            description:
              - The switch's inventory host name.
            type: str
            required: true
          platform:
            description:
              - The switch's operating system, which picks the renderer.
            type: str
            required: true
            choices:
              - frr
              - ios
              - nxos
              - iosxr
              - eos
              - junos
              - vyos
              - sonic
              - vrp
              - comware
          as_number:
            description:
              - The switch's AS number, in asplain or asdot notation.
            type: raw
            required: true
          peer_ip:
            description:
              - The switch address the nodes peer with (the BGPPeer peerIP), on the node network.
            type: str
            required: true
          session_type:
            description:
              - C(ebgp) needs an AS different from the cluster's; C(ibgp) needs the same AS.
            type: str
            default: ebgp
            choices:
              - ebgp
              - ibgp
          password:
            description:
              - An optional BGP (TCP MD5) password for the sessions. Keep it in a vault; it is never shown.
            type: str
          peer_name:
            description:
              - The name of the cluster's BGPPeer for this switch. Defaults to C(peer-<name>).
            type: str
          managed_elsewhere:
            description:
              - Someone else configures this switch's side (for example the network team from the file of
                C(playbooks/render.yml)), so it is no host of the C(switches) group. The plan says so, and the cluster
                still gets its BGPPeer.
              - With O(require_switch_hosts), a switch that is neither a host of O(switch_hosts) nor marked so is
                refused, and so is one marked so that is a host of O(switch_hosts).
            type: bool
            default: false
  office:
    description:
      - The office side that should reach the cluster.
    type: dict
    suboptions:
      networks:
        description:
          - The desk networks. Only they may query the forwarded cluster zones.
        type: list
        elements: str
        required: true
      gateways:
        description:
          - Routers between the office and the fabric that need static routes to the cluster.
        type: list
        elements: dict
        default: []
        suboptions:
          name:
            description:
              - The gateway's inventory host name.
            type: str
            required: true
          platform:
            description:
              - The gateway's operating system.
            type: str
            default: linux
            choices:
              - linux
          next_hop:
            description:
              - The address toward the fabric that the cluster routes point to.
            type: str
            required: true
      dns_servers:
        description:
          - The office DNS servers that forward the cluster domain.
        type: list
        elements: dict
        default: []
        suboptions:
          name:
            description:
              - The DNS server's inventory host name.
            type: str
            required: true
          kind:
            description:
              - The DNS server software.
            type: str
            required: true
            choices:
              - bind
              - unbound
              - dnsmasq
              - coredns
              - windows
  cluster_facts:
    description:
    - What M(flatnet.kube.cluster_network_info) returned. When given, the intent is also held against the cluster
      (pool CIDRs and block sizes, overlaps with other pools, the cluster domain, the DNS Service address, a peer
      selector that matches no node), and the plan gains the nodes, the peering nodes and the DNS Service address.
    type: dict
  peering_nodes:
    description:
      - For a plan made without a cluster to read (no O(cluster_facts)), such as a switch configuration rendered for
        review, the nodes that peer with the switches, each a mapping of C(name) and C(ip). They become the plan's
        C(cluster.peering_nodes). Refused together with O(cluster_facts), which gives them from the cluster.
      - Messages name them C(preflight_peering_nodes), the variable of the preflight role that passes them.
    type: list
    elements: raw
    default: []
  node_count:
    description:
      - For a plan made without a cluster to read, the number of the cluster's nodes (1 to 5000), which the
        maximum-prefix counts (each Service range once per node, for calico-node's add-path copies). Without it the
        peering nodes given stand for the nodes. Refused together with O(cluster_facts), which gives the nodes.
      - Messages name it C(preflight_node_count), the variable of the preflight role that passes it.
    type: raw
  switch_hosts:
    description:
      - The inventory hosts that M(flatnet.kube.frr_config) and the switch_bgp role will configure (the C(switches)
        group). A switch of the intent among them must be on a platform that switch_bgp can apply (C(frr) in this
        release); one that is not among them is configured by hand and may be on any known platform.
      - When not given, every switch of the intent is checked as one that switch_bgp configures.
    type: list
    elements: str
  require_switch_hosts:
    description:
      - Refuse a switch of the intent that is not among O(switch_hosts) unless it is marked C(managed_elsewhere), since
        the cluster would otherwise peer with a switch that nothing configures. The preflight role sets it, except for
        C(playbooks/render.yml) and C(playbooks/picture.yml), which configure no switch.
    type: bool
    default: false
  switch_options:
    description:
      - For each host of O(switch_hosts), its switch_bgp variables that a platform may lack (C(switch_bgp_neighbor_mode),
        C(switch_bgp_ttl_security), C(switch_bgp_graceful_restart), C(switch_bgp_router_id),
        C(switch_bgp_maximum_paths)), as the inventory sets them. An option the switch's platform cannot express is
        refused here, before anything changes.
    type: dict
    default: {}
  variables:
    description:
      - Names of the variables defined for the host, to catch mistyped C(flatnet_*) variables.
      - The preflight role passes the names that start with C(flatnet_).
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Check the intent and derive the plan
  flatnet.kube.intent_plan:
    cluster: "{{ flatnet_cluster }}"
    fabric: "{{ flatnet_fabric }}"
    office: "{{ flatnet_office }}"
    variables: "{{ lookup('ansible.builtin.varnames', '^flatnet_', wantlist=True) }}"
  delegate_to: localhost
  run_once: true
  register: __preflight_plan

- name: Check a small intent inline
  flatnet.kube.intent_plan:
    cluster:
      as_number: 64513
      pools:
        - name: default-pool
          cidr: 10.233.64.0/18
          block_size: 24
          nat_outgoing: true
      service_cluster_ips: [10.233.0.0/18]
      peer_selector: "node-role.kubernetes.io/ingress == 'ingress'"
    fabric:
      switches:
        - {name: switch1, platform: frr, as_number: 65200, peer_ip: 10.200.20.254}
    office:
      networks: [192.168.10.0/24]
"""

RETURN = r"""
plan:
  description: The plan derived from the intent. It holds no secret; a switch only says whether it has a password.
  returned: success
  type: dict
  contains:
    cluster:
      description:
        - The cluster with ASNs in plain and asdot form, the pools with their block math, the Service ranges,
          the domain, and the peer selector as a Calico expression.
      type: dict
      returned: success
      sample:
        as_number: 64513
        as_dot: "64513"
        domain: cluster.local
        peer_selector: "node-role.kubernetes.io/ingress == 'ingress'"
        pod_cidrs: [10.233.64.0/18]
        service_cluster_ips: [10.233.0.0/18]
    fabric:
      description:
        - The switches with plain ASNs, and the prefixes their inbound filter accepts (each range up to /32 or /128).
        - C(prefix_lists) gives each address family's inbound prefix list with its name and sequence numbers,
          C(route_map_out) the outbound deny, and C(peer_group) the peer group's name, for every platform's renderer.
      type: dict
      returned: success
      sample:
        accept_prefixes:
          - {prefix: 10.233.0.0/18, family: 4, ge: 18, le: 32}
          - {prefix: 10.233.64.0/18, family: 4, ge: 18, le: 32}
        prefix_lists:
          - family: 4
            afi: ipv4
            prefix_list:
              name: FLATNET-IN
              entries:
                - {seq: 10, action: permit, prefix: 10.233.0.0/18, prefixlen: 18, ge: 18, le: 32}
                - {seq: 20, action: permit, prefix: 10.233.64.0/18, prefixlen: 18, ge: 18, le: 32}
        route_map_out: {name: FLATNET-OUT, action: deny, seq: 10}
        peer_group: FLATNET
    office:
      description: The office networks, the summarised routes for the gateways, and the reverse DNS zones to forward.
      type: dict
      returned: success
      sample:
        routes: [10.233.0.0/17]
        reverse_zones: [0.233.10.in-addr.arpa, 1.233.10.in-addr.arpa]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.flatnet.kube.plugins.module_utils._intent import IntentError, module_argument_spec, plan_intent, secret_values


def main() -> None:
    """Check the intent given as module options and return its plan."""
    module = AnsibleModule(argument_spec=module_argument_spec(), supports_check_mode=True,
                           mutually_exclusive=[("intent", "cluster"), ("intent", "fabric"), ("intent", "office")],
                           required_one_of=[("intent", "cluster")])
    raw = module.params["intent"] is not None
    if raw and not isinstance(module.params["intent"], dict):
        module.fail_json(msg="intent: a mapping of flatnet_cluster, flatnet_fabric and flatnet_office is expected, not %s."
                         % type(module.params["intent"]).__name__)
    intent = module.params["intent"] if raw else {"flatnet_" + key: module.params[key] for key in ("cluster", "fabric", "office")}
    if raw:
        # The raw intent bypasses the argument spec's no_log: mask its secrets (passwords, the API key, a kubeconfig
        # given as a mapping) in every output, as no_log would.
        module.no_log_values.update(secret_values(intent))
    try:
        plan = plan_intent(intent, module.params["variables"], module.params["cluster_facts"], module.params["switch_hosts"], raw=raw,
                           peering_nodes=module.params["peering_nodes"], switch_options=module.params["switch_options"],
                           require_switch_hosts=module.params["require_switch_hosts"], node_count=module.params["node_count"])
    except IntentError as error:
        module.fail_json(msg=str(error), problems=error.problems)
    module.exit_json(changed=False, plan=plan)


if __name__ == "__main__":
    main()
