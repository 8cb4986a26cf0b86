# -*- coding: utf-8 -*-
# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:  # pylint: disable=too-few-public-methods
    """How flatnet.kube's FRR modules reach an FRR that runs in a container, such as SONiC's bgp container."""

    DOCUMENTATION = r"""
options:
  command_prefix:
    description:
      - Words put before every vtysh and frr-reload.py command, for an FRR that runs in a container; SONiC's is
        V([docker, exec, -i, bgp]). Empty runs them on the host itself.
    type: list
    elements: str
    default: []
  file_dir:
    description:
      - The directory on the host where the configuration files that vtysh and frr-reload.py read are written (0600,
        removed afterwards). With O(command_prefix), a directory that the container mounts, such as SONiC's
        C(/etc/sonic/frr). Not given, the system's temporary directory.
    type: path
  file_dir_inside:
    description:
      - How the commands after O(command_prefix) see O(file_dir), such as C(/etc/frr) in SONiC's bgp container. Not
        given, the same path as on the host.
    type: str
"""
