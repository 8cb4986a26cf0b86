# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Jinja2 filters for BGP AS numbers; the logic lives in module_utils._netmath."""

from __future__ import annotations

from typing import Any, Dict

from ansible_collections.flatnet.kube.plugins.module_utils import _netmath
from ansible_collections.flatnet.kube.plugins.plugin_utils._filters import as_filter


class FilterModule:
    """AS number filters of flatnet.kube."""

    def filters(self) -> Dict[str, Any]:
        """Map filter names to functions."""
        return {
            "asn_plain": as_filter("asn_plain", _netmath.asn_plain),
            "asn_dot": as_filter("asn_dot", _netmath.asn_dot),
            "asn_is_private": as_filter("asn_is_private", _netmath.asn_is_private),
        }
