# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Jinja2 filters for BGP AS numbers; the logic lives in module_utils._netmath."""

from __future__ import annotations

from typing import Any, Dict, NoReturn

from ansible.errors import AnsibleFilterError

from ansible_collections.flatnet.kube.plugins.module_utils import _netmath
from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError


def _fail(filter_name: str, error: FlatnetError) -> NoReturn:
    """Re-raise a FlatnetError as an AnsibleFilterError named after the filter."""
    raise AnsibleFilterError(f"flatnet.kube.{filter_name}: {error}") from error


def asn_plain(value: Any, name: str = "asn", allow_as_trans: bool = False) -> int:
    """Return the AS number in asplain notation, as an integer."""
    try:
        return _netmath.asn_plain(value, name=name, allow_as_trans=allow_as_trans)
    except FlatnetError as error:
        _fail("asn_plain", error)


def asn_dot(value: Any, name: str = "asn") -> str:
    """Return the AS number in asdot notation."""
    try:
        return _netmath.asn_dot(value, name=name)
    except FlatnetError as error:
        _fail("asn_dot", error)


def asn_is_private(value: Any, name: str = "asn") -> bool:
    """Return whether the AS number is private (RFC 6996)."""
    try:
        return _netmath.asn_is_private(value, name=name)
    except FlatnetError as error:
        _fail("asn_is_private", error)


class FilterModule:
    """AS number filters of flatnet.kube."""

    def filters(self) -> Dict[str, Any]:
        """Map filter names to functions."""
        return {
            "asn_plain": asn_plain,
            "asn_dot": asn_dot,
            "asn_is_private": asn_is_private,
        }
