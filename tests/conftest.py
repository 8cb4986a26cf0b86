# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared test set-up: the collection on sys.path, and running modules in-process.

The collection root is this repository, but Python imports it by its
collection path, so a throw-away ``ansible_collections/flatnet/kube``
symlink to the checkout is put first on sys.path. Inside a built
collection tree (as ansible-test makes) the link is not needed.
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import tempfile
from typing import Any, Callable, Dict, Iterator, Tuple
from unittest import mock

import pytest
from ansible.module_utils import basic

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core before 2.19
    patch_module_args = None

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _collection_parent() -> str:
    parts = _ROOT.split(os.sep)
    if len(parts) >= 3 and parts[-3] == "ansible_collections":
        return os.sep.join(parts[:-3])
    parent = tempfile.mkdtemp(prefix="flatnet-units-")
    namespace = os.path.join(parent, "ansible_collections", "flatnet")
    os.makedirs(namespace)
    os.symlink(_ROOT, os.path.join(namespace, "kube"))
    return parent


sys.path.insert(0, _collection_parent())


@contextlib.contextmanager
def module_args(args: Dict[str, Any]) -> Iterator[None]:
    """Expose args to the AnsibleModule created inside the block."""
    if patch_module_args is not None:
        with patch_module_args(args):
            yield
    else:
        with mock.patch.object(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode("utf-8")):
            yield


@pytest.fixture(name="run_module")
def fixture_run_module(capsys: pytest.CaptureFixture) -> Callable[..., Tuple[Dict[str, Any], str]]:
    """Run a module's main() with args; return its JSON result and the raw stdout."""

    def run(main: Callable[[], None], args: Dict[str, Any]) -> Tuple[Dict[str, Any], str]:
        capsys.readouterr()
        with module_args(args), pytest.raises(SystemExit) as caught:
            main()
        stdout = capsys.readouterr().out
        result = json.loads(stdout)
        assert (caught.value.code or 0) == (1 if result.get("failed") else 0), stdout
        return result, stdout

    return run
