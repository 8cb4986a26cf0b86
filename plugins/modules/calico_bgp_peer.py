#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: calico_bgp_peer
short_description: Manage a Calico BGPPeer
version_added: 0.1.0
description:
  - Creates, updates or deletes a Calico BGPPeer, the BGP session between (some) cluster nodes and a router such as the
    office-facing switch.
  - Checks Calico's rules before writing. O(node) and O(node_selector) are mutually exclusive, and so are O(peer_ip) and
    O(peer_selector). A peer needs O(peer_ip) or O(peer_selector), and an AS with O(peer_ip). AS numbers may be given in
    asplain or asdot notation and are written as integers.
  - Setting one field of an exclusive pair on an existing peer removes the other, so that the result stays valid.
  - The password is a reference to a Secret; the module never reads or shows the password itself.
author:
  - flatnet.kube contributors (@flatnet-kube)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - flatnet.kube.k8s_auth
  - flatnet.kube.k8s_auth.calico
options:
  name:
    description: The BGPPeer name.
    type: str
    required: true
  state:
    description: Whether the peer should exist.
    type: str
    default: present
    choices: [present, absent]
  peer_ip:
    description: The router's address (Calico's peerIP).
    type: str
  as_number:
    description: The router's AS, in asplain (65200) or asdot (0.65200) notation.
    type: raw
  node:
    description: Peer from this one node only. Mutually exclusive with O(node_selector).
    type: str
  node_selector:
    description: Peer from the nodes this Calico selector matches, e.g. V(node-role.kubernetes.io/ingress == 'ingress').
    type: str
  peer_selector:
    description: Peer with the Calico nodes this selector matches, instead of an address.
    type: str
  password_secret:
    description: The Secret key that holds the BGP password, readable by calico-node.
    type: dict
    suboptions:
      name:
        description: The Secret's name, in calico-node's namespace.
        type: str
        required: true
      key:
        description: The key in the Secret.
        type: str
        required: true
  remove_password:
    description:
      - Remove the peer's password reference, so that the session runs without one (the switch's password was
        removed). Mutually exclusive with O(password_secret); V(false) leaves the field as it is when
        O(password_secret) is not given.
    type: bool
    default: false
  keep_original_next_hop:
    description: Keep the original next hop instead of the node's own address.
    type: bool
  source_address:
    description: Whether the session binds to the node's IP.
    type: str
    choices: [UseNodeIP, None]
  max_restart_time:
    description: The graceful restart time advertised to the peer, as a duration such as V(120s).
    type: str
  ttl_security:
    description: The number of hops for TTL security (GTSM); V(0) turns it off.
    type: int
  filters:
    description: Names of BGPFilter resources to apply to the session.
    type: list
    elements: str
"""

EXAMPLES = r"""
- name: The seed's peering, from the ingress nodes to the switch
  flatnet.kube.calico_bgp_peer:
    name: peer-switch
    peer_ip: 10.200.20.254
    as_number: 65200
    node_selector: "node-role.kubernetes.io/ingress == 'ingress'"

- name: The same, with a password read from a Secret
  flatnet.kube.calico_bgp_peer:
    name: peer-switch
    peer_ip: 10.200.20.254
    as_number: 65200
    node_selector: "node-role.kubernetes.io/ingress == 'ingress'"
    password_secret:
      name: bgp-peer-switch
      key: password
"""

RETURN = r"""
bgppeer:
  description: The BGPPeer as the API server returned it (in check mode, what it would be).
  returned: when state is present
  type: dict
  sample:
    apiVersion: crd.projectcalico.org/v1
    kind: BGPPeer
    metadata: {name: peer-switch}
    spec: {peerIP: 10.200.20.254, asNumber: 65200, nodeSelector: "node-role.kubernetes.io/ingress == 'ingress'"}
api_group:
  description: The Calico API group/version the module used.
  returned: always
  type: str
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
    """Reconcile or remove one BGPPeer."""
    return calico.run_module(module.params, module.check_mode, calico.BGPPEER_RESOURCE)


def main() -> None:
    """Module entry point."""
    module = AnsibleModule(
        argument_spec=argument_spec(
            name={"type": "str", "required": True},
            state={"type": "str", "default": "present", "choices": ["present", "absent"]},
            peer_ip={"type": "str"},
            as_number={"type": "raw"},
            node={"type": "str"},
            node_selector={"type": "str"},
            peer_selector={"type": "str"},
            password_secret={"type": "dict", "no_log": False, "options": {
                "name": {"type": "str", "required": True},
                "key": {"type": "str", "required": True, "no_log": False},
            }},
            remove_password={"type": "bool", "default": False},
            keep_original_next_hop={"type": "bool"},
            source_address={"type": "str", "choices": list(calico.SOURCE_ADDRESSES)},
            max_restart_time={"type": "str"},
            ttl_security={"type": "int"},
            filters={"type": "list", "elements": "str"},
        ),
        mutually_exclusive=[list(pair) for pair in calico.BGPPEER_EXCLUSIVE_OPTIONS],
        supports_check_mode=True,
    )
    execute(module, run)


if __name__ == "__main__":
    main()
