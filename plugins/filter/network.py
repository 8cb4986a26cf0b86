# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Jinja2 filters for cluster address ranges; the logic lives in module_utils._netmath."""

from __future__ import annotations

from typing import Any, Dict, List, NoReturn

from ansible.errors import AnsibleFilterError

from ansible_collections.flatnet.kube.plugins.module_utils import _netmath
from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError


def _fail(filter_name: str, error: FlatnetError) -> NoReturn:
    """Re-raise a FlatnetError as an AnsibleFilterError named after the filter."""
    raise AnsibleFilterError(f"flatnet.kube.{filter_name}: {error}") from error


def reverse_zones(cidrs: Any, name: str = "cidrs") -> List[str]:
    """Return the reverse DNS zones that cover the given CIDR(s)."""
    try:
        return _netmath.reverse_zones(cidrs, name=name)
    except FlatnetError as error:
        _fail("reverse_zones", error)


def cidr_conflicts(named_sets: Any) -> List[Dict[str, Any]]:
    """Return every overlapping pair among named CIDR sets."""
    try:
        return _netmath.cidr_conflicts(named_sets)
    except FlatnetError as error:
        _fail("cidr_conflicts", error)


def calico_blocks(cidr: Any, block_size: Any, name: str = "pool") -> Dict[str, Any]:
    """Return the Calico IPAM block math of an IP pool."""
    try:
        return _netmath.calico_blocks(cidr, block_size, name=name)
    except FlatnetError as error:
        _fail("calico_blocks", error)


def cidr_summary(cidrs: Any, name: str = "cidrs") -> List[str]:
    """Return the CIDR(s) merged into the fewest covering networks."""
    try:
        return _netmath.summarise(cidrs, name=name)
    except FlatnetError as error:
        _fail("cidr_summary", error)


class FilterModule:
    """Address range filters of flatnet.kube."""

    def filters(self) -> Dict[str, Any]:
        """Map filter names to functions."""
        return {
            "reverse_zones": reverse_zones,
            "cidr_conflicts": cidr_conflicts,
            "calico_blocks": calico_blocks,
            "cidr_summary": cidr_summary,
        }
