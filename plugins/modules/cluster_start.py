#!/usr/bin/python
# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cluster_start
short_description: Record what the cluster held before flatnet first changed it
version_added: 0.3.0
description:
  - With O(state=present), writes the record of the start once, as the ConfigMap C(flatnet-start-<cluster>) in
    O(namespace), labelled as flatnet's, unless it exists. It holds C(BGPConfiguration default) and the pools in O(pools), each
    with its labels and whole spec, or that it was not there. A record that exists is left as it is, so it keeps
    telling how the cluster was before flatnet's first run.
  - With O(state=read), returns the record (or null) and changes nothing. With O(state=restored), puts the parts in
    O(restore) back as recorded (an object that was not there is deleted). With O(state=absent), deletes the record.
  - C(playbooks/remove.yml) restores the cluster from it.
author:
  - flatnet.kube contributors (@flatnet-kube)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - flatnet.kube.k8s_auth
  - flatnet.kube.k8s_auth.owned
options:
  state:
    description: Write the record if there is none, read it, put the cluster back from it, or delete it.
    type: str
    default: present
    choices: [present, read, restored, absent]
  restore:
    description: With O(state=restored), the parts to put back.
    type: list
    elements: str
    choices: [bgpconfiguration, pools]
    default: [bgpconfiguration]
  pools:
    description: The names of the intent's pools, whose modes are recorded.
    type: list
    elements: str
    default: []
  labels:
    description: The ownership labels of the ConfigMap (the plan's C(cluster.owner_labels)).
    type: dict
    default: {}
attributes:
  check_mode:
    support: full
    details: Every write and delete is sent with C(dryRun=All).
  diff_mode:
    support: none
  platform:
    platforms: posix
    details: Runs where the Kubernetes API can be reached, usually the controller.
"""

EXAMPLES = r"""
- name: Record the start before the first change
  flatnet.kube.cluster_start:
    cluster: dev
    pools: [default-pool]
    labels: {app.kubernetes.io/managed-by: flatnet.kube, flatnet.kube/cluster: dev}
"""

RETURN = r"""
record:
  description: The record; null when there is none (O(state=read) or O(state=absent)).
  returned: always
  type: dict
  sample:
    version: 1
    bgpconfiguration: null
    pools: {default-pool: {labels: {}, spec: {cidr: 10.233.64.0/18, ipipMode: Always, natOutgoing: true}}}
pools_before:
  description: With O(state=read), one line per recorded pool with its modes before flatnet.
  returned: when O(state=read)
  type: list
  elements: str
  sample: ["default-pool: ipipMode Always, vxlanMode Never, natOutgoing true"]
restored:
  description: With O(state=restored), what was put back, by kind, name and action (V(restored) or V(deleted)).
  returned: always
  type: list
  elements: dict
api_requests:
  description:
    - The Kubernetes API requests of this run. C(requests) counts each request once, C(attempts) counts every try
      (see O(request_retries)), and C(waited_seconds) is the time spent waiting between tries.
  returned: when the module made an API request
  type: dict
  sample: {"requests": 3, "attempts": 4, "waited_seconds": 0.412}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.flatnet.kube.plugins.module_utils import _k8s as k8s
from ansible_collections.flatnet.kube.plugins.module_utils import _start as start
from ansible_collections.flatnet.kube.plugins.module_utils._modules import API_GROUP_ARG_SPEC, argument_spec, execute


def run(module: AnsibleModule) -> dict:
    """Write, read or delete the record."""
    params = module.params
    client = k8s.KubeClient(params, check_mode=module.check_mode)
    if params["state"] == "present":
        return dict(start.ensure(client, params["cluster"], params["namespace"], client.calico_group(params["api_group"]), params["pools"],
                                 params["labels"]), restored=[])
    record, configmap = start.read_with_object(client, params["cluster"], params["namespace"])
    if params["state"] == "read" or record is None:
        return {"changed": False, "record": record, "restored": [], "pools_before": start.pool_summary(record)}
    if params["state"] == "restored":
        restored = start.restore(client, record, params["restore"], client.calico_group(params["api_group"]))
        return {"changed": bool(restored), "record": record, "restored": restored}
    client.delete(k8s.object_path("v1", "configmaps", start.record_name(params["cluster"]), params["namespace"]), configmap)
    return {"changed": True, "record": record, "restored": []}


def main() -> None:
    """Module entry point."""
    module = AnsibleModule(
        argument_spec=argument_spec(
            calico=False,
            cluster={"type": "str", "required": True},
            state={"type": "str", "default": "present", "choices": ["present", "read", "restored", "absent"]},
            restore={"type": "list", "elements": "str", "choices": list(start.PARTS), "default": ["bgpconfiguration"]},
            pools={"type": "list", "elements": "str", "default": []},
            labels={"type": "dict", "default": {}},
            namespace={"type": "str", "default": "kube-system"},
            **API_GROUP_ARG_SPEC,
        ),
        supports_check_mode=True,
    )
    execute(module, run)


if __name__ == "__main__":
    main()
