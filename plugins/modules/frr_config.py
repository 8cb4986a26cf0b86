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
  - Makes an FRR router run flatnet's part of its configuration, on a switch that also carries the company's own.
    flatnet's part is the C(FLATNET-) prefix lists and route maps and, inside the default BGP instance
    (C(router bgp ASN) without C(vrf)), the C(FLATNET) peer group, its members or listen range, their lines in each
    address family, and the instance settings that O(config) renders (C(bgp router-id), C(bgp graceful-restart),
    C(maximum-paths)). Every other line, other neighbors, C(network) and C(redistribute) statements, other address
    families, VRF instances, other protocols, keeps running as it is.
  - Refuses, before any change, a default instance of another AS than O(config)'s, a neighbor of the switch's own
    that O(config) would make a member of the peer group, and any line in O(config) that is not one of the forms
    flatnet renders.
  - Reads the running configuration with vtysh, puts O(config) in place of flatnet's part, checks the result with
    C(vtysh -C), and applies the difference with FRR's own C(frr-reload.py). In check mode it runs
    C(frr-reload.py --test) instead, which shows the delta and changes nothing. When the reload fails part way, the
    configuration that ran before is loaded back and both errors are reported.
  - After a change it checks that no delta is left, and saves the configuration (C(write memory)) so it survives a
    restart. A marker beside O(record_path) (C(.flatnet-unsaved)) stands from before the reload until the save. A run
    that was killed in between leaves it, and the next run saves even when no line differs any more.
  - The record of the start. Before it first changes an instance setting, it writes the setting as it ran (or that it
    was not set) into O(record_path), once per setting. O(state=absent) puts every recorded setting back as it was
    and then deletes the record, so a removal leaves the instance as flatnet found it.
  - No result, diff or error carries a secret. The rest of every line after C(password), C(key-string),
    C(authentication-key), C(secret), C(community) or C(key) is masked, the switch's own secrets and old passwords
    included, and so is every value of O(secrets). The running configuration is never returned.
author:
  - flatnet.kube contributors (@flatnet-kube)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - flatnet.kube.frr_container
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
    description:
      - flatnet's part, as FRR configuration text. Required with O(state=present); ignored with O(state=absent).
    type: str
    default: ""
  state:
    description:
      - V(present) makes flatnet's part equal O(config); V(absent) removes flatnet's part and nothing else.
    type: str
    choices: [present, absent]
    default: present
  timeout:
    description: Seconds each vtysh and frr-reload.py call may take before it is stopped.
    type: int
    default: 120
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
  record_path:
    description:
      - The file that holds the record of the start (JSON, 0600) on the host that runs the module. The default is
        C(flatnet-start.json) in FRR's configuration directory, C(/etc/frr) (C(/etc/frr/<pathspace>) with
        O(pathspace)), or in O(file_dir) when that is given.
    type: path
  secrets:
    description: Values in O(config) that must never be shown (BGP passwords); they are masked in every output.
    type: list
    elements: str
    default: []
"""

EXAMPLES = r"""
- name: Apply the BGP part rendered for this switch
  flatnet.kube.frr_config:
    config: "{{ preflight_plan | flatnet.kube.switch_model(inventory_hostname, switch_options, bgp_password) | flatnet.kube.switch_config('frr') }}"
    secrets: "{{ [bgp_password] if bgp_password else [] }}"
"""

RETURN = r"""
delta:
  description: The lines frr-reload.py removed and added (in check mode, would remove and add).
  returned: success
  type: dict
  sample:
    delete: []
    add: ["router bgp 65200", " neighbor FLATNET peer-group"]
instance_settings:
  description:
    - The instance-wide settings of the switch's default BGP instance that the change sets (C(bgp router-id),
      C(bgp graceful-restart), C(maximum-paths)), each with the value it had. They apply to the switch's own neighbors
      too, so a warning names them as well.
  returned: success
  type: list
  elements: str
  sample: ["maximum-paths 8 (was: maximum-paths 4)"]
risks:
  description:
    - What the change risks, also given as warnings, such as a C(maximum-prefix) below the prefixes one of flatnet's
      sessions receives now (read from C(show bgp summary json) when the change sets a maximum-prefix).
  returned: success
  type: list
  elements: str
record:
  description:
    - The record of the start after the run (O(state=absent) - the one it put back), or null when there is none. Each
      setting is the FRR line it had before flatnet first changed it, or null when it was not set.
  returned: success
  type: dict
  sample:
    version: 1
    instance: router bgp 65200
    settings: [{"section": " address-family ipv4 unicast", "key": "  maximum-paths", "line": null}]
config:
  description: flatnet's part as applied (O(config)), secrets masked. The rest of the running configuration is never returned.
  returned: success
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.flatnet.kube.plugins.module_utils import _frr as frr
from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError
from ansible_collections.flatnet.kube.plugins.module_utils._modules import execute


def run(module: AnsibleModule) -> dict:
    """Apply (or remove) flatnet's FRR configuration part."""
    params = module.params
    managed = params["config"] if params["state"] == "present" else ""
    if params["state"] == "present" and not managed.strip():
        raise FlatnetError("config: empty with state=present; give flatnet's part, or use state=absent to remove it.")

    def runner(command):
        return module.run_command(list(command))

    router = frr.Frr(runner, pathspace=params["pathspace"], vtysh=params["vtysh"], reload_script=params["reload_script"],
                     timeout=params["timeout"], secrets=params["secrets"], **frr.container_options(params))
    record_path = params["record_path"] or frr.default_record_path(params["pathspace"], params["file_dir"])
    applied = frr.apply(router, managed, module.check_mode, save=params["save"], record_path=record_path)
    if applied.settings and managed:
        module.warn("flatnet %s instance-wide BGP settings of the switch, as the role's variables ask; they apply to the "
                    "switch's own neighbors too: %s" % ("would change" if module.check_mode else "changed", "; ".join(applied.settings)))
    elif applied.settings:
        module.warn("flatnet %s the instance-wide BGP settings it changed as they were before its first run (the record of "
                    "the start, %s): %s" % ("would put back" if module.check_mode else "put back", record_path, "; ".join(applied.settings)))
    for risk in applied.risks:
        module.warn(risk)
    if applied.saved_late:
        module.warn("an earlier run changed the switch's running configuration but stopped before saving it; this run %s it "
                    "(write memory), so that a restart of FRR keeps flatnet's part" % ("would save" if module.check_mode else "saved"))
    # A removal whose lines are gone already still deletes a record that is left.
    changed = not applied.delta.empty or (not managed and applied.record is not None) or applied.saved_late
    return {"changed": changed, "delta": applied.delta._asdict(), "instance_settings": applied.settings, "record": applied.record,
            "risks": list(applied.risks),
            "config": frr.mask(managed, params["secrets"]), "diff": {"prepared": frr.diff_text(applied.delta)}}


def main() -> None:
    """Module entry point."""
    module = AnsibleModule(
        argument_spec={
            "config": {"type": "str", "default": ""},
            "state": {"type": "str", "default": "present", "choices": ["present", "absent"]},
            "timeout": {"type": "int", "default": 120},
            "pathspace": {"type": "str"},
            "vtysh": {"type": "str", "default": "vtysh"},
            "command_prefix": {"type": "list", "elements": "str", "default": []},
            "file_dir": {"type": "path"},
            "file_dir_inside": {"type": "str"},
            "reload_script": {"type": "path", "default": "/usr/lib/frr/frr-reload.py"},
            "save": {"type": "bool", "default": True},
            "record_path": {"type": "path"},
            "secrets": {"type": "list", "elements": "str", "default": [], "no_log": True},
        },
        supports_check_mode=True,
    )
    execute(module, run)


if __name__ == "__main__":
    main()
