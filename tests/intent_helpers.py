# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The example inventory's intent for the unit tests, raw or with the schema defaults filled in."""

from __future__ import annotations

import copy
import pathlib
from typing import Any, Dict

import yaml

from ansible_collections.flatnet.kube.plugins.module_utils._intent import INTENT_SPEC

ROOT = pathlib.Path(__file__).resolve().parents[1]
EXAMPLE_INTENT = ROOT / "inventory" / "example" / "group_vars" / "all" / "flatnet.yml"


def with_defaults(spec: Dict[str, Any], values: Dict[str, Any]) -> Dict[str, Any]:
    """Fill in options the way AnsibleModule does: a missing option gets its default (or None), recursively."""
    result = dict(values)
    for key, option in spec.items():
        if key not in result:
            result[key] = copy.deepcopy(option.get("default"))
        value, options = result[key], option.get("options")
        if options is not None and value is not None:
            result[key] = with_defaults(options, value) if option["type"] == "dict" else [with_defaults(options, item) for item in value]
    return result


def example_intent() -> Dict[str, Any]:
    """The example inventory's intent as written; a fresh copy per call."""
    with EXAMPLE_INTENT.open(encoding="utf-8") as stream:
        return yaml.safe_load(stream)


def example_with_defaults() -> Dict[str, Any]:
    """The example inventory's intent with the schema defaults applied; a fresh copy per call."""
    return with_defaults(INTENT_SPEC, example_intent())
