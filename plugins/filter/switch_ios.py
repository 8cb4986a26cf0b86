# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Jinja2 filters for the Cisco IOS and NX-OS switch side; the logic lives in module_utils._switch_ios."""

from __future__ import annotations

from typing import Any, Dict

from ansible_collections.flatnet.kube.plugins.module_utils import _switch_ios
from ansible_collections.flatnet.kube.plugins.plugin_utils._filters import as_filter


class FilterModule:
    """Cisco IOS and NX-OS switch filters of flatnet.kube."""

    def filters(self) -> Dict[str, Any]:
        """Map filter names to functions."""
        return {
            "switch_ios_gathered_defaults": as_filter("switch_ios_gathered_defaults", _switch_ios.with_gathered_defaults_ios),
            "switch_ios_running_config": as_filter("switch_ios_running_config", _switch_ios.running_config),
        }
