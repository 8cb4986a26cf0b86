# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every flatnet.kube filter shares: a FlatnetError becomes an AnsibleFilterError named after the filter."""

from __future__ import annotations

import functools
from typing import Any, Callable

from ansible.errors import AnsibleFilterError

from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError


def as_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` as the filter ``flatnet.kube.<name>``: its errors start with the filter's name."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except FlatnetError as error:
            raise AnsibleFilterError(f"flatnet.kube.{name}: {error}") from error

    return wrapper
