# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters that render the forwarding for the office DNS servers flatnet.kube does not write files for."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from ansible_collections.flatnet.kube.plugins.module_utils import _dns
from ansible_collections.flatnet.kube.plugins.plugin_utils._filters import as_filter


def coredns_forward_block(zones: Any, forwarders: Any, clients: Any, restrict_clients: bool = True, cache: int = 30) -> str:
    """Return a Corefile server block that forwards the zones."""
    return _dns.coredns(_dns.forwarding_of(zones, forwarders, clients), restrict_clients=restrict_clients, cache=int(cache))


def windows_forward_zones(zones: Any, forwarders: Any, clients: Any, replication: str = "none",
                          timeout: Optional[int] = None) -> List[Dict[str, Any]]:
    """Return the ansible.windows.win_dns_zone arguments of one conditional forwarder per zone."""
    return _dns.windows_zones(_dns.forwarding_of(zones, forwarders, clients), replication=replication, timeout=timeout)


class FilterModule:  # pylint: disable=too-few-public-methods
    """DNS forwarding filters of flatnet.kube."""

    def filters(self) -> dict:
        return {"coredns_forward_block": as_filter("coredns_forward_block", coredns_forward_block),
                "windows_forward_zones": as_filter("windows_forward_zones", windows_forward_zones)}
