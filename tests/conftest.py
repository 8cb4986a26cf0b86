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
from typing import Any, Callable, Dict, Iterator, NamedTuple
from unittest import mock

import pytest
from ansible.module_utils import basic

try:
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core before 2.19
    patch_module_args = None

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_TESTS = os.path.join(_ROOT, "tests")
_LAB = os.path.join(_ROOT, "lab")


def _collection_parent() -> str:
    parts = _ROOT.split(os.sep)
    if len(parts) >= 3 and parts[-3] == "ansible_collections":
        return os.sep.join(parts[:-3])
    parent = tempfile.mkdtemp(prefix="flatnet-units-")
    namespace = os.path.join(parent, "ansible_collections", "flatnet")
    os.makedirs(namespace)
    os.symlink(_ROOT, os.path.join(namespace, "kube"))
    return parent


COLLECTIONS_PATH = _collection_parent()
sys.path.insert(0, COLLECTIONS_PATH)
# The lab's API emulator (lab/kubeapi) and the shared test helpers (tests/kube_helpers.py).
for _path in (_LAB, _TESTS):
    if _path not in sys.path:
        sys.path.insert(0, _path)

from kubeapi.server import Emulator  # noqa: E402  pylint: disable=wrong-import-position,import-error
from kube_helpers import SEED, Kube  # noqa: E402  pylint: disable=wrong-import-position,import-error


@contextlib.contextmanager
def module_args(args: Dict[str, Any]) -> Iterator[None]:
    """Expose args to the AnsibleModule created inside the block."""
    if patch_module_args is not None:
        with patch_module_args(args):
            yield
    else:
        with mock.patch.object(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode("utf-8")):
            yield


class ModuleRun(NamedTuple):
    """What a module printed: its decoded result and the raw text."""

    result: Dict[str, Any]
    stdout: str


@pytest.fixture(name="run_module")
def fixture_run_module(capsys: pytest.CaptureFixture) -> Callable[..., ModuleRun]:
    """Run a module's main() with args; return its JSON result and the raw stdout."""

    def run(main: Callable[[], None], args: Dict[str, Any]) -> ModuleRun:
        capsys.readouterr()
        with module_args(args), pytest.raises(SystemExit) as caught:
            main()
        stdout = capsys.readouterr().out
        result = json.loads(stdout)
        assert (caught.value.code or 0) == (1 if result.get("failed") else 0), stdout
        return ModuleRun(result, stdout)

    return run


@pytest.fixture(name="collections_path", scope="session")
def fixture_collections_path() -> str:
    """A collections path in which flatnet.kube is this checkout (the one on sys.path)."""
    return COLLECTIONS_PATH


@pytest.fixture(name="cluster")
def fixture_cluster(tmp_path: Any) -> Iterator[Emulator]:
    """The seed's cluster, served by the lab's API emulator (Calico CRDs only)."""
    with Emulator(str(tmp_path / "cluster"), seed=SEED) as emulator:
        yield emulator


@pytest.fixture(name="cluster_v3")
def fixture_cluster_v3(tmp_path: Any) -> Iterator[Emulator]:
    """The same cluster with Calico's API server (projectcalico.org/v3) installed."""
    with Emulator(str(tmp_path / "cluster-v3"), seed=SEED, calico_v3=True) as emulator:
        yield emulator


@pytest.fixture(name="kube")
def fixture_kube(cluster: Emulator) -> Iterator[Kube]:
    """The official kubernetes client over the `cluster` emulator."""
    kube = Kube(cluster)
    yield kube
    kube.api.close()


@pytest.fixture(name="kube_v3")
def fixture_kube_v3(cluster_v3: Emulator) -> Iterator[Kube]:
    """The official kubernetes client over the `cluster_v3` emulator."""
    kube = Kube(cluster_v3)
    yield kube
    kube.api.close()


FIGURE = "figure"


@pytest.fixture(name="figure")
def fixture_figure(record_property: Callable[[str, object], None]) -> Callable[[str], None]:
    """Show a measured figure (a time, a table) at the end of the run: it goes into the test's report, so that it
    shows under pytest-xdist too, where a worker's own output never reaches the terminal."""
    def show(text: str) -> None:
        record_property(FIGURE, text)
    return show


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print every figure the tests recorded, in the order their tests ended."""
    shown = []
    for reports in terminalreporter.stats.values():
        for report in reports:
            if getattr(report, "when", "") == "call":
                shown += [(report.nodeid, value) for key, value in getattr(report, "user_properties", ()) if key == FIGURE]
    if shown:
        terminalreporter.section("figures")
        for nodeid, text in shown:
            terminalreporter.write_line("%s:\n%s" % (nodeid.split("::")[-1], text.strip("\n")))


# The longest test files, in the order make test starts them: with two workers (pytest-xdist, one file at a time each,
# in collection order: the Makefile passes --no-loadscope-reorder), the fault table starts on one worker at once and
# the site lab on the other, and the rest fills in around them.
LONGEST_FIRST = ("tests/playbooks/test_faults_lab.py", "tests/playbooks/test_site_lab.py")


def pytest_collection_modifyitems(items: list) -> None:
    """Move the longest files to the front; every other test keeps its place."""
    def rank(item: Any) -> int:
        path = item.nodeid.split("::")[0]
        return LONGEST_FIRST.index(path) if path in LONGEST_FIRST else len(LONGEST_FIRST)
    items.sort(key=rank)
