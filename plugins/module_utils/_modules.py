# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every cluster module shares: its common options and its one error exit."""

from __future__ import annotations

import copy
from typing import Any, Callable, Dict, List

from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError
from ansible_collections.flatnet.kube.plugins.module_utils import _k8s
from ansible_collections.flatnet.kube.plugins.module_utils._k8s import AUTH_ARG_SPEC, CALICO_GROUPS

API_GROUP_ARG_SPEC: Dict[str, Any] = {"api_group": {"type": "str", "default": "auto", "choices": ["auto"] + list(CALICO_GROUPS)}}
CALICO_ARG_SPEC: Dict[str, Any] = dict(API_GROUP_ARG_SPEC, conflict_retries={"type": "int", "default": 5},
                                       labels={"type": "dict"})


def argument_spec(calico: bool = True, **options: Any) -> Dict[str, Any]:
    """The auth options (and the Calico ones), plus the module's own."""
    spec = copy.deepcopy(AUTH_ARG_SPEC)
    if calico:
        spec.update(copy.deepcopy(CALICO_ARG_SPEC))
    spec.update(copy.deepcopy(options))
    return spec


def _strings(value: Any) -> List[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in _strings(item)]
    return []


def execute(module: Any, action: Callable[[Any], Dict[str, Any]]) -> None:
    """Run the module's action; every FlatnetError becomes one fail_json.

    A kubeconfig given as a mapping holds tokens and keys: its values are masked in every output, as no_log masks
    a secret option (a kubeconfig given as a path is not a secret and shows).
    """
    kubeconfig = (getattr(module, "params", None) or {}).get("kubeconfig")
    if isinstance(kubeconfig, dict):
        module.no_log_values.update(text for text in _strings(kubeconfig) if len(text) > 3)
    # One run, one count (a module runs in a process of its own; tests may run several in one).
    _k8s.TOTALS.update(requests=0, attempts=0, waited_seconds=0.0)
    try:
        result = action(module)
    except FlatnetError as error:
        module.fail_json(msg=str(error), status=getattr(error, "status", None), **_api_totals())
    module.exit_json(**dict(result, **_api_totals()))


def _api_totals() -> Dict[str, Any]:
    """The Kubernetes API totals of this run (requests, attempts, seconds waited), when it made any request."""
    return {"api_requests": _k8s.totals()} if _k8s.TOTALS["requests"] else {}
