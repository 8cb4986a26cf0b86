#!/usr/bin/python
# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cluster_prune
short_description: Delete the cluster objects flatnet owns but no longer intends
version_added: 0.3.0
description:
  - Lists the BGPPeers, IPPools, Secrets, Roles and RoleBindings that carry both of flatnet's ownership labels,
    V(app.kubernetes.io/managed-by=flatnet.kube) and V(flatnet.kube/cluster=<cluster>), and deletes those whose names
    are not in O(keep).
  - An object without both labels is never deleted, whatever its name, and neither is an object of another cluster.
    The labels are checked again on every object the server returned.
  - Secret values are never read into the result; only kinds and names are returned.
author:
  - flatnet.kube contributors (@flatnet-kube)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - flatnet.kube.k8s_auth
  - flatnet.kube.k8s_auth.owned
options:
  keep:
    description:
      - Per kind, the names flatnet still intends; every other owned object of that kind is deleted.
      - Keys are V(bgppeers), V(ippools), V(secrets), V(roles) and V(rolebindings).
    type: dict
    default: {}
  kinds:
    description: The kinds to prune; a kind not listed is left alone.
    type: list
    elements: str
    choices: [bgppeers, ippools, secrets, roles, rolebindings]
    default: [bgppeers, ippools, secrets, roles, rolebindings]
attributes:
  check_mode:
    support: full
    details: Each delete is sent with C(dryRun=All); nothing is deleted.
  diff_mode:
    support: full
    details: The diff lists the pruned objects by kind and name.
  platform:
    platforms: posix
    details: Runs where the Kubernetes API can be reached, usually the controller.
"""

EXAMPLES = r"""
- name: Remove the peers and password Secrets of switches the intent no longer names
  flatnet.kube.cluster_prune:
    cluster: dev
    keep:
      bgppeers: [peer-switch]
      secrets: [bgp-peer-switch]
      roles: [flatnet-bgp-passwords]
      rolebindings: [flatnet-bgp-passwords]
    kinds: [bgppeers, secrets, roles, rolebindings]
"""

RETURN = r"""
pruned:
  description: The objects deleted (in check mode, that would be), by kind, name and namespace.
  returned: always
  type: list
  elements: dict
  sample: [{kind: BGPPeer, name: peer-switch2}, {kind: Secret, name: bgp-peer-switch2, namespace: kube-system}]
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
from ansible_collections.flatnet.kube.plugins.module_utils import _prune as prune
from ansible_collections.flatnet.kube.plugins.module_utils._modules import API_GROUP_ARG_SPEC, argument_spec, execute


def run(module: AnsibleModule) -> dict:
    """Prune, then report what went."""
    params = module.params
    client = k8s.KubeClient(params, check_mode=module.check_mode)
    calico = client.calico_group(params["api_group"]) if set(params["kinds"]) & {"bgppeers", "ippools"} else ""
    pruned = prune.prune(client, params["cluster"], params["keep"], params["kinds"], params["namespace"], calico)
    names = ["%s %s%s" % (entry["kind"], entry.get("namespace", "") + "/" if entry.get("namespace") else "", entry["name"]) for entry in pruned]
    return {"changed": bool(pruned), "pruned": pruned, "diff": {"before": "".join(name + "\n" for name in names), "after": ""}}


def main() -> None:
    """Module entry point."""
    module = AnsibleModule(
        argument_spec=argument_spec(
            calico=False,
            cluster={"type": "str", "required": True},
            keep={"type": "dict", "default": {}},
            kinds={"type": "list", "elements": "str", "choices": list(prune.KIND_OPTIONS), "default": list(prune.KIND_OPTIONS)},
            namespace={"type": "str", "default": "kube-system"},
            **API_GROUP_ARG_SPEC,
        ),
        supports_check_mode=True,
    )
    execute(module, run)


if __name__ == "__main__":
    main()
