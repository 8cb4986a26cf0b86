# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Jinja2 filters for the state of flatnet's sessions on a switch; the logic lives in module_utils._switch_status."""

from __future__ import annotations

from typing import Any, Dict

from ansible_collections.flatnet.kube.plugins.module_utils import _switch_status
from ansible_collections.flatnet.kube.plugins.plugin_utils._filters import as_filter


class FilterModule:
    """Switch session filters of flatnet.kube."""

    def filters(self) -> Dict[str, Any]:
        """Map filter names to functions."""
        return {
            "switch_status_reads": as_filter("switch_status_reads", _switch_status.reads),
            "switch_sessions": as_filter("switch_sessions", _switch_status.sessions),
        }
