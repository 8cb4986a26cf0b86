#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: frr_config
short_description: Apply flatnet's part of an FRR configuration with frr-reload.py
version_added: 0.1.0
description:
  - Makes an FRR router run the given configuration part. The module owns the C(router bgp) instance, the
    C(FLATNET-) prefix lists and route maps, and C(bfd). Everything else in the running configuration (interfaces,
    other protocols, hostname, forwarding) is kept.
  - Reads the running configuration with vtysh, replaces the owned blocks with O(config), checks the result with
    C(vtysh -C), and applies the difference with FRR's own C(frr-reload.py). In check mode it runs
    C(frr-reload.py --test) instead, which shows the delta and changes nothing.
  - After a change it checks that no delta is left, and saves the configuration (C(write memory)) so it survives a
    restart.
author:
  - flatnet.kube contributors (@flatnet-kube)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Runs C(frr-reload.py --test), which computes the delta without applying it.
  diff_mode:
    support: full
    details: The diff lists the lines frr-reload.py removes (-) and adds (+).
  platform:
    platforms: posix
    details: Runs on the FRR router (or, with the flatnet.kube.netns connection, in its namespace).
options:
  config:
    description: The managed configuration part, as FRR configuration text.
    type: str
    required: true
  pathspace:
    description: The FRR pathspace (C(-N)) of the instance, when several run on one host.
    type: str
  vtysh:
    description: The vtysh executable.
    type: str
    default: vtysh
  reload_script:
    description: FRR's frr-reload.py.
    type: path
    default: /usr/lib/frr/frr-reload.py
  save:
    description: Save the configuration after a change (C(write memory)).
    type: bool
    default: true
  secrets:
    description: Values in O(config) that must never be shown (BGP passwords); they are masked in every output.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Apply the BGP part rendered for this switch
  flatnet.kube.frr_config:
    config: "{{ lookup('ansible.builtin.template', 'frr/bgp.conf.j2') }}"
    secrets: "{{ [bgp_password] if bgp_password else [] }}"
  no_log: false
"""

RETURN = r"""
delta:
  description: The lines frr-reload.py removed and added (in check mode, would remove and add).
  returned: success
  type: dict
  sample:
    delete: []
    add: ["router bgp 65200", " neighbor FLATNET peer-group"]
config:
  description: The whole configuration that was applied (the running one with the managed part replaced).
  returned: success
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.flatnet.kube.plugins.module_utils import _frr as frr
from ansible_collections.flatnet.kube.plugins.module_utils._modules import execute


def run(module: AnsibleModule) -> dict:
    """Apply the managed FRR configuration part."""
    params = module.params

    def runner(command):
        return module.run_command(list(command))

    router = frr.Frr(runner, pathspace=params["pathspace"], vtysh=params["vtysh"], reload_script=params["reload_script"])
    delta, config = frr.apply(router, params["config"], module.check_mode, save=params["save"])
    return {"changed": not delta.empty, "delta": delta._asdict(), "config": config,
            "diff": {"prepared": frr.diff_text(delta)}}


def main() -> None:
    """Module entry point."""
    module = AnsibleModule(
        argument_spec={
            "config": {"type": "str", "required": True},
            "pathspace": {"type": "str"},
            "vtysh": {"type": "str", "default": "vtysh"},
            "reload_script": {"type": "path", "default": "/usr/lib/frr/frr-reload.py"},
            "save": {"type": "bool", "default": True},
            "secrets": {"type": "list", "elements": "str", "default": [], "no_log": True},
        },
        supports_check_mode=True,
    )
    execute(module, run)


if __name__ == "__main__":
    main()
