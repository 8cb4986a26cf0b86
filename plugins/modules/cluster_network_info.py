#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cluster_network_info
short_description: Read what only the cluster knows about its network
version_added: 0.1.0
description:
  - Reads the nodes (addresses, labels, calico-node's BGP annotations), the Calico IPPools, the IPAM blocks and the node
    each is affine to, the cluster DNS Service, the cluster domain from the CoreDNS ConfigMap, the BGP configuration and
    peers, and the BGP sessions from CalicoNodeStatus where present.
  - Uses one list call per kind (ten calls or fewer, whatever the number of nodes), never one call per node.
author:
  - flatnet.kube contributors (@flatnet-kube)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - flatnet.kube.k8s_auth
attributes:
  check_mode:
    support: full
    details: The module only reads.
  diff_mode:
    support: N/A
    details: The module only reads.
  platform:
    platforms: posix
options:
  api_group:
    description:
      - The Calico API to read through. V(auto) prefers V(projectcalico.org/v3) where Calico's API server runs.
    type: str
    default: auto
    choices: [auto, projectcalico.org/v3, crd.projectcalico.org/v1]
"""

EXAMPLES = r"""
- name: Read the cluster's network
  flatnet.kube.cluster_network_info:
  register: cluster

- name: Show where the pods of each node live
  ansible.builtin.debug:
    msg: "{{ cluster.blocks_by_node }}"
"""

RETURN = r"""
api_group:
  description: The Calico API group/version in use.
  returned: always
  type: str
  sample: crd.projectcalico.org/v1
nodes:
  description: The nodes.
  returned: always
  type: list
  elements: dict
  sample:
    - name: node1
      internal_ip: 10.200.20.105
      internal_ips: [10.200.20.105]
      labels: {node-role.kubernetes.io/ingress: ingress}
      ready: true
      bgp: {ipv4_address: 10.200.20.105/24, ipv6_address: null, as_number: null}
pools:
  description: The IPPools, each with its name and spec.
  returned: always
  type: list
  elements: dict
blocks:
  description: The IPAM blocks with their CIDR, node and number of allocated addresses.
  returned: always
  type: list
  elements: dict
blocks_by_node:
  description: The block CIDRs of each node.
  returned: always
  type: dict
  sample: {node1: [10.233.64.0/24]}
dns_service:
  description: The cluster DNS Service (label C(k8s-app=kube-dns)), or null when there is none.
  returned: always
  type: dict
  sample: {namespace: kube-system, name: kube-dns, cluster_ip: 10.233.0.3, cluster_ips: [10.233.0.3]}
cluster_domain:
  description: The cluster domain of CoreDNS's kubernetes plugin, or null when the ConfigMap is missing.
  returned: always
  type: str
  sample: cluster.local
bgp_configurations:
  description: The BGPConfigurations, each with its name and spec.
  returned: always
  type: list
  elements: dict
bgp_peers:
  description: The BGPPeers, each with its name and spec.
  returned: always
  type: list
  elements: dict
node_status:
  description: BGP sessions per node from CalicoNodeStatus resources (empty where none exist).
  returned: always
  type: list
  elements: dict
api_calls:
  description: How many API requests the module made.
  returned: always
  type: int
  sample: 10
api_requests:
  description:
    - The Kubernetes API requests of this run. C(requests) counts each request once, C(attempts) counts every try
      (see O(request_retries)), and C(waited_seconds) is the time spent waiting between tries.
  returned: when the module made an API request
  type: dict
  sample: {"requests": 3, "attempts": 4, "waited_seconds": 0.412}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.flatnet.kube.plugins.module_utils._discovery import discover
from ansible_collections.flatnet.kube.plugins.module_utils._k8s import KubeClient
from ansible_collections.flatnet.kube.plugins.module_utils._modules import API_GROUP_ARG_SPEC, argument_spec, execute


def run(module: AnsibleModule) -> dict:
    """Read the cluster's network facts."""
    client = KubeClient(module.params)
    facts = discover(client, module.params["api_group"])
    return dict(facts, changed=False, api_calls=client.calls)


def main() -> None:
    """Module entry point."""
    module = AnsibleModule(
        argument_spec=argument_spec(
            calico=False,
            **API_GROUP_ARG_SPEC,
        ),
        supports_check_mode=True,
    )
    execute(module, run)


if __name__ == "__main__":
    main()
