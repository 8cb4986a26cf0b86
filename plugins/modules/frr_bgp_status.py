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
  - A session that FRR holds down because its node sent more prefixes than the maximum-prefix (C(Idle (PfxCt))) is
    marked C(tripped), with the limit. With O(clear_tripped), such sessions are cleared (C(clear bgp <node>)).
  - Changes nothing unless O(clear_tripped) clears a session. The running configuration is never returned.
author:
  - flatnet.kube contributors (@flatnet-kube)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - flatnet.kube.frr_container
attributes:
  check_mode:
    support: full
    details: Reads the same in check mode; a session O(clear_tripped) would clear is reported, not cleared.
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
  clear_tripped:
    description:
      - Clear (C(clear bgp <node>)) each of flatnet's sessions that is down for its maximum-prefix, once, so that it
        opens again now rather than after its restart time (or never, without one).
    type: bool
    default: false
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
       tripped: false, row: "10.200.20.105 ipv4Unicast: Established, 5 prefixes received, up 00:03:12"}
tripped:
  description: The sessions that are down for their maximum-prefix, each with C(limit), the FLATNET group's maximum-prefix
    of its address family (FRR keeps no count of what a tripped session sent; bgpd's log line C(%MAXPFX) says it).
  returned: success
  type: list
  elements: dict
cleared:
  description: The nodes whose sessions O(clear_tripped) cleared (in check mode, would clear).
  returned: success
  type: list
  elements: str
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
    running = router.running()
    found = frr.sessions(running, router.summary())
    limits = frr.prefix_limits(running)
    tripped = [dict(session, limit=limits.get(session["family"]),
                    message="the session with node %s (%s) is down for max-prefix, limit %s"
                            % (session["neighbor"], session["family"], limits.get(session["family"], "unknown")))
               for session in found if session["tripped"]]
    cleared = sorted({session["neighbor"] for session in tripped}) if params["clear_tripped"] else []
    if not module.check_mode:
        for neighbor in cleared:
            router.clear(neighbor)
    return {"changed": bool(cleared), "sessions": found, "tripped": tripped, "cleared": cleared}


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
            "clear_tripped": {"type": "bool", "default": False},
        },
        supports_check_mode=True,
    )
    execute(module, run)


if __name__ == "__main__":
    main()
