#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: calico_ippool
short_description: Manage a Calico IPPool
version_added: 0.1.0
description:
  - Creates, updates or deletes a Calico IPPool through the Kubernetes API, under V(projectcalico.org/v3) when Calico's
    API server is installed and under V(crd.projectcalico.org/v1) otherwise.
  - Checks Calico's own rules before writing anything. The block size must be 20 to 32 (IPv4) or 116 to 128 (IPv6)
    and must not be shorter than the pool. IPIP and VXLAN cannot both be on, and IPIP cannot be on an IPv6 pool.
    The pool must not overlap any other pool. O(cidr) and O(block_size) of an existing pool cannot change; the error
    explains the migration.
  - Only the options you set are managed; other fields of an existing pool stay as they are. A new pool gets
    Calico's defaults written out.
  - A write sends the resourceVersion it read, and a 409 Conflict is re-read and retried (O(conflict_retries)).
author:
  - flatnet.kube contributors (@flatnet-kube)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - flatnet.kube.k8s_auth
  - flatnet.kube.k8s_auth.calico
options:
  name:
    description: The IPPool name.
    type: str
    required: true
  state:
    description: Whether the pool should exist.
    type: str
    default: present
    choices: [present, absent]
  cidr:
    description: The pool range, with no host bits set. Required to create a pool; cannot change afterwards.
    type: str
  block_size:
    description: The prefix length of the per-node blocks. Calico's default is 26 for IPv4 and 122 for IPv6.
    type: int
  ipip_mode:
    description: IP-in-IP encapsulation.
    type: str
    choices: [Never, Always, CrossSubnet]
  vxlan_mode:
    description: VXLAN encapsulation.
    type: str
    choices: [Never, Always, CrossSubnet]
  nat_outgoing:
    description: Masquerade pod traffic to destinations outside every pool.
    type: bool
  disabled:
    description: A disabled pool hands out no addresses. Destinations inside it are still not masqueraded.
    type: bool
  disable_bgp_export:
    description: Keep the pool's routes out of BGP.
    type: bool
  node_selector:
    description: Which nodes take addresses from the pool, as a Calico selector.
    type: str
"""

EXAMPLES = r"""
- name: The seed's pool, routed plainly
  flatnet.kube.calico_ippool:
    name: default-pool
    cidr: 10.233.64.0/18
    block_size: 24
    ipip_mode: Never
    vxlan_mode: Never
    nat_outgoing: true
    node_selector: all()

- name: Keep pod source addresses toward the office (a disabled pool is never masqueraded to)
  flatnet.kube.calico_ippool:
    name: office-192-168-10-0-24
    cidr: 192.168.10.0/24
    disabled: true

- name: Remove a pool
  flatnet.kube.calico_ippool:
    name: old-pool
    state: absent
"""

RETURN = r"""
ippool:
  description: The IPPool as the API server returned it (in check mode, what it would be).
  returned: when state is present
  type: dict
  sample:
    apiVersion: crd.projectcalico.org/v1
    kind: IPPool
    metadata: {name: default-pool, resourceVersion: "1042"}
    spec: {cidr: 10.233.64.0/18, blockSize: 24, ipipMode: Never, vxlanMode: Never, natOutgoing: true, nodeSelector: all()}
api_group:
  description: The Calico API group/version the module used.
  returned: always
  type: str
  sample: crd.projectcalico.org/v1
api_requests:
  description:
    - The Kubernetes API requests of this run. C(requests) counts each request once, C(attempts) counts every try
      (see O(request_retries)), and C(waited_seconds) is the time spent waiting between tries.
  returned: when the module made an API request
  type: dict
  sample: {"requests": 3, "attempts": 4, "waited_seconds": 0.412}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.flatnet.kube.plugins.module_utils import _calico as calico
from ansible_collections.flatnet.kube.plugins.module_utils._modules import argument_spec, execute


def run(module: AnsibleModule) -> dict:
    """Reconcile or remove one IPPool."""
    return calico.run_module(module.params, module.check_mode, calico.IPPOOL_RESOURCE)


def main() -> None:
    """Module entry point."""
    module = AnsibleModule(
        argument_spec=argument_spec(
            name={"type": "str", "required": True},
            state={"type": "str", "default": "present", "choices": ["present", "absent"]},
            cidr={"type": "str"},
            block_size={"type": "int"},
            ipip_mode={"type": "str", "choices": list(calico.ENCAPSULATION_MODES)},
            vxlan_mode={"type": "str", "choices": list(calico.ENCAPSULATION_MODES)},
            nat_outgoing={"type": "bool"},
            disabled={"type": "bool"},
            disable_bgp_export={"type": "bool"},
            node_selector={"type": "str"},
        ),
        supports_check_mode=True,
    )
    execute(module, run)


if __name__ == "__main__":
    main()
