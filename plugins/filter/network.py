# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Jinja2 filters for cluster address ranges; the logic lives in module_utils._netmath."""

from __future__ import annotations

from typing import Any, Dict

from ansible_collections.flatnet.kube.plugins.module_utils import _netmath
from ansible_collections.flatnet.kube.plugins.plugin_utils._filters import as_filter


class FilterModule:
    """Address range filters of flatnet.kube."""

    def filters(self) -> Dict[str, Any]:
        """Map filter names to functions."""
        return {
            "reverse_zones": as_filter("reverse_zones", _netmath.reverse_zones),
            "cidr_conflicts": as_filter("cidr_conflicts", _netmath.cidr_conflicts),
            "calico_blocks": as_filter("calico_blocks", _netmath.calico_blocks),
            "cidr_summary": as_filter("cidr_summary", _netmath.summarise),
        }
