# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every cluster module shares: its common options and its one error exit."""

from __future__ import annotations

import copy
from typing import Any, Callable, Dict

from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError
from ansible_collections.flatnet.kube.plugins.module_utils._k8s import AUTH_ARG_SPEC, CALICO_GROUPS

API_GROUP_ARG_SPEC: Dict[str, Any] = {"api_group": {"type": "str", "default": "auto", "choices": ["auto"] + list(CALICO_GROUPS)}}
CALICO_ARG_SPEC: Dict[str, Any] = dict(API_GROUP_ARG_SPEC, conflict_retries={"type": "int", "default": 5})


def argument_spec(calico: bool = True, **options: Any) -> Dict[str, Any]:
    """The auth options (and the Calico ones), plus the module's own."""
    spec = copy.deepcopy(AUTH_ARG_SPEC)
    if calico:
        spec.update(copy.deepcopy(CALICO_ARG_SPEC))
    spec.update(copy.deepcopy(options))
    return spec


def execute(module: Any, action: Callable[[Any], Dict[str, Any]]) -> None:
    """Run the module's action; every FlatnetError becomes one fail_json."""
    try:
        result = action(module)
    except FlatnetError as error:
        module.fail_json(msg=str(error), status=getattr(error, "status", None))
    module.exit_json(**result)
