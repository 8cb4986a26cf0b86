# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Jinja2 filters for the switch side: the model from the plan, and its rendering; the logic lives in module_utils._switch."""

from __future__ import annotations

from typing import Any, Dict

from ansible_collections.flatnet.kube.plugins.module_utils import _switch
from ansible_collections.flatnet.kube.plugins.plugin_utils._filters import as_filter


class FilterModule:
    """Switch filters of flatnet.kube."""

    def filters(self) -> Dict[str, Any]:
        """Map filter names to functions."""
        return {
            "switch_model": as_filter("switch_model", _switch.model),
            "switch_config": as_filter("switch_config", _switch.render),
            "switch_resources": as_filter("switch_resources", _switch.resources),
            "switch_platform": as_filter("switch_platform", _switch.platform_facts),
            "switch_device_cli": as_filter("switch_device_cli", _switch.device_cli),
            "switch_device_removal": as_filter("switch_device_removal", _switch.device_removal),
            "switch_foreign_commands": as_filter("switch_foreign_commands", _switch.foreign_commands),
        }
