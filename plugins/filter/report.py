# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The reach_report filter: a thin face of module_utils/_report.py."""

from __future__ import annotations

from ansible_collections.flatnet.kube.plugins.module_utils._report import name_probes, reach_report


class FilterModule:  # pylint: disable=too-few-public-methods
    """Reports of flatnet.kube."""

    def filters(self) -> dict:
        return {"reach_report": reach_report, "name_probes": name_probes}
