# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""STATE/inventory.yml and STATE/env: how Ansible reaches the lab.

The overlay inventory is given after the user's one
(``-i inventory/example -i .build/lab/inventory.yml``): it makes the switch and
gateway hosts reachable through the ``flatnet.kube.netns`` connection, each in
its twin's namespace, and tells switch_bgp which FRR pathspace to use and
dns_forward where the office DNS twin keeps its files. The env
file points kubernetes.core and kubectl at the emulated API.
"""

from __future__ import annotations

import os
import shlex
import sys

import yaml

from . import dns
from .model import Topology


def overlay(topo: Topology, python: str = "", state_dir: str = "") -> dict:
    """The overlay inventory's content."""
    interpreter = python or sys.executable
    # The twins run as root in their namespaces: an inventory's become (sudo for vtysh, rndc, ip route) is not needed there.
    common = {"ansible_connection": "flatnet.kube.netns", "ansible_python_interpreter": interpreter, "ansible_become": False}
    hosts = {topo.switch.name: dict(common, ansible_netns_name=topo.switch.netns, switch_bgp_frr_pathspace=topo.switch.pathspace),
             topo.gateway.name: dict(common, ansible_netns_name=topo.gateway.netns)}
    # The office PC probes the cluster for playbooks/verify.yml.
    probes = {"office-pc": dict(common, ansible_netns_name=topo.pc_netns)}
    if topo.dns_server:
        directory = dns.office_dir(state_dir)
        hosts[topo.dns_server.name] = dict(common, ansible_netns_name=topo.dns_server.netns, **dns.role_vars(topo.dns_server, directory))
    found = {"all": {"hosts": hosts, "children": {"office_probes": {"hosts": probes}}}}
    if state_dir:
        found["all"]["vars"] = {"netlab_state_dir": state_dir}
    return found


def write_overlay(topo: Topology, path: str, state_dir: str = "") -> None:
    """Write STATE/inventory.yml."""
    header = ("# The lab's twins of the inventory's switch and gateway, reached in their network namespaces.\n"
              "# Use it after the inventory: ansible-playbook -i <inventory> -i %s ...\n" % os.path.basename(path))
    if topo.skipped:
        header += "# Without a twin in the lab: %s.\n" % ", ".join(topo.skipped)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(header + "---\n")
        yaml.safe_dump(overlay(topo, state_dir=state_dir or os.path.dirname(os.path.abspath(path))), handle,
                       default_flow_style=False, sort_keys=True)


def write_env(path: str, kubeconfig: str) -> None:
    """Write STATE/env, to be sourced by a shell."""
    quoted = shlex.quote(kubeconfig)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("# The lab's emulated Kubernetes API, for kubernetes.core and kubectl: . %s\n" % os.path.basename(path))
        handle.write("export K8S_AUTH_KUBECONFIG=%s\nexport KUBECONFIG=%s\n" % (quoted, quoted))
