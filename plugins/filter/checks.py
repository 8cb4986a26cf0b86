# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Jinja2 filter that checks a role's variables by their forms; the logic lives in module_utils._rolevars."""

from __future__ import annotations

from typing import Any, Dict

from ansible_collections.flatnet.kube.plugins.module_utils import _rolevars
from ansible_collections.flatnet.kube.plugins.plugin_utils._filters import as_filter


class FilterModule:
    """Checks of flatnet.kube's role variables."""

    def filters(self) -> Dict[str, Any]:
        """Map filter names to functions."""
        return {"value_problems": as_filter("value_problems", _rolevars.problems)}
