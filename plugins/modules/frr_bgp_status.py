#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations

DOCUMENTATION = r"""
---
module: frr_bgp_status
short_description: Read the state of flatnet's BGP sessions on an FRR switch
version_added: 0.3.0
description:
  - Reads the running configuration and C(show bgp summary json) with vtysh, and returns one entry per session of the
    C(FLATNET) peer group (its members, or the peers of its listen range) in each address family, with the state,
    the prefixes the node sent the switch, and the uptime. The switch's own neighbors are left out.
  - Changes nothing. The running configuration is never returned.
author:
  - flatnet.kube contributors (@flatnet-kube)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - flatnet.kube.frr_container
attributes:
  check_mode:
    support: full
    details: Reads only; the same in check mode.
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  pathspace:
    description: The FRR pathspace (C(vtysh -N)) when several FRR instances run on one host.
    type: str
  vtysh:
    description: The vtysh binary.
    type: str
    default: vtysh
  timeout:
    description: Seconds each vtysh call may take before it is stopped.
    type: int
    default: 60
"""

EXAMPLES = r"""
- name: Read flatnet's sessions on the switch
  flatnet.kube.frr_bgp_status:
  register: sessions

- name: Fail unless every session is up
  ansible.builtin.assert:
    that: sessions.sessions | rejectattr('established') | list | length == 0
"""

RETURN = r"""
sessions:
  description: flatnet's sessions, one per neighbor and address family.
  returned: success
  type: list
  elements: dict
  sample:
    - {neighbor: 10.200.20.105, family: ipv4Unicast, state: Established, remote_as: 64513, prefixes_received: 5,
       uptime: "00:03:12", established: true,
       row: "10.200.20.105 ipv4Unicast: Established, 5 prefixes received, up 00:03:12"}
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.flatnet.kube.plugins.module_utils import _frr as frr
from ansible_collections.flatnet.kube.plugins.module_utils._modules import execute


def run(module: AnsibleModule) -> dict:
    """Read flatnet's sessions."""
    params = module.params

    def runner(command):
        return module.run_command(list(command))

    router = frr.Frr(runner, pathspace=params["pathspace"], vtysh=params["vtysh"], timeout=params["timeout"],
                     **frr.container_options(params))
    return {"changed": False, "sessions": frr.sessions(router.running(), router.summary())}


def main() -> None:
    """Module entry point."""
    module = AnsibleModule(
        argument_spec={
            "pathspace": {"type": "str"},
            "vtysh": {"type": "str", "default": "vtysh"},
            "command_prefix": {"type": "list", "elements": "str", "default": []},
            "file_dir": {"type": "path"},
            "file_dir_inside": {"type": "str"},
            "timeout": {"type": "int", "default": 60},
        },
        supports_check_mode=True,
    )
    execute(module, run)


if __name__ == "__main__":
    main()
