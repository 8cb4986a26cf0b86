#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: calico_bgp_configuration
short_description: Manage Calico's BGPConfiguration
version_added: 0.1.0
description:
  - Creates, updates or deletes a Calico BGPConfiguration. The one named V(default) holds the cluster's AS, the
    node-to-node mesh switch and the Service ranges that the nodes advertise over BGP.
  - Advertising O(service_cluster_ips) is what makes ClusterIPs reachable from outside the cluster; Calico does not
    advertise them by default.
  - Only the options you set are managed. A list option replaces the list that is there, and an empty list removes
    it. AS numbers may be given in asplain or asdot notation and are written as integers.
author:
  - flatnet.kube contributors (@flatnet-kube)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - flatnet.kube.k8s_auth
  - flatnet.kube.k8s_auth.calico
options:
  name:
    description: V(default) for the cluster-wide configuration, or V(node.<node name>) for one node.
    type: str
    default: default
  state:
    description: Whether the configuration should exist.
    type: str
    default: present
    choices: [present, absent]
  as_number:
    description: The cluster's AS, in asplain (64513) or asdot (0.64513) notation. Only in V(default).
    type: raw
  node_to_node_mesh:
    description: Whether the node-to-node BGP mesh is on. Only in V(default).
    type: bool
  service_cluster_ips:
    description: Service ClusterIP ranges to advertise. Only in V(default).
    type: list
    elements: str
  service_external_ips:
    description: Service external IP ranges to advertise. Only in V(default).
    type: list
    elements: str
  service_loadbalancer_ips:
    description: LoadBalancer IP ranges to advertise. Only in V(default).
    type: list
    elements: str
  listen_port:
    description: The port BIRD listens on for BGP (179 unless set).
    type: int
  log_severity_screen:
    description: BIRD's log level.
    type: str
    choices: [Debug, Info, Warning, Error, Fatal]
"""

EXAMPLES = r"""
- name: The seed's BGP configuration
  flatnet.kube.calico_bgp_configuration:
    name: default
    as_number: 64513
    node_to_node_mesh: true
    listen_port: 179
    service_cluster_ips: [10.233.0.0/18]
"""

RETURN = r"""
bgpconfiguration:
  description: The BGPConfiguration as the API server returned it (in check mode, what it would be).
  returned: when state is present
  type: dict
  sample:
    apiVersion: crd.projectcalico.org/v1
    kind: BGPConfiguration
    metadata: {name: default}
    spec: {asNumber: 64513, nodeToNodeMeshEnabled: true, listenPort: 179, serviceClusterIPs: [{cidr: 10.233.0.0/18}]}
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
    """Reconcile or remove one BGPConfiguration."""
    return calico.run_module(module.params, module.check_mode, calico.BGPCONFIGURATION_RESOURCE)


def main() -> None:
    """Module entry point."""
    module = AnsibleModule(
        argument_spec=argument_spec(
            name={"type": "str", "default": "default"},
            state={"type": "str", "default": "present", "choices": ["present", "absent"]},
            as_number={"type": "raw"},
            node_to_node_mesh={"type": "bool"},
            service_cluster_ips={"type": "list", "elements": "str"},
            service_external_ips={"type": "list", "elements": "str"},
            service_loadbalancer_ips={"type": "list", "elements": "str"},
            listen_port={"type": "int"},
            log_severity_screen={"type": "str", "choices": list(calico.LOG_SEVERITIES)},
        ),
        supports_check_mode=True,
    )
    execute(module, run)


if __name__ == "__main__":
    main()
