# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures that run the collection's playbooks with ansible-playbook."""

from __future__ import annotations

import copy
import os
import subprocess
import sys
from typing import Any, Callable, Dict, Optional, Sequence

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "inventory", "example")


def _ansible_playbook() -> str:
    """ansible-playbook next to the running interpreter; fail loudly if missing."""
    path = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    if not os.access(path, os.X_OK):
        pytest.fail("ansible-playbook is not installed beside %s; run `make install`" % sys.executable)
    return path


def _bin(name: str) -> str:
    """A command installed beside the running interpreter; fail loudly if missing."""
    path = os.path.join(os.path.dirname(sys.executable), name)
    if not os.access(path, os.X_OK):
        pytest.fail("%s is not installed beside %s; run `make install`" % (name, sys.executable))
    return path


@pytest.fixture(scope="session")
def collection_tarball(tmp_path_factory: Any) -> str:
    """``ansible-galaxy collection build`` of this checkout: the tarball a user installs."""
    out = str(tmp_path_factory.mktemp("artifact"))
    done = subprocess.run([_bin("ansible-galaxy"), "collection", "build", ROOT, "--output-path", out], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    built = [name for name in os.listdir(out) if name.startswith("flatnet-kube-") and name.endswith(".tar.gz")]
    assert len(built) == 1, built
    return os.path.join(out, built[0])


@pytest.fixture(scope="session")
def example_intent() -> Dict[str, Any]:
    """The example inventory's intent variables."""
    with open(os.path.join(EXAMPLE, "group_vars", "all", "flatnet.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture
def run_playbook(tmp_path: Any, collections_path: str, example_intent: Dict[str, Any]) -> Callable[..., subprocess.CompletedProcess]:
    """Run a playbook against a copy of the example inventory, changed by `edit`."""
    return _runner(tmp_path, collections_path, example_intent)


@pytest.fixture(scope="module")
def run_playbook_module(tmp_path_factory: Any, collections_path: str, example_intent: Dict[str, Any]) -> Callable[..., subprocess.CompletedProcess]:
    """run_playbook for a module's shared fixtures (one working directory for the module)."""
    return _runner(tmp_path_factory.mktemp("playbooks"), collections_path, example_intent)


def _runner(tmp_path: Any, collections_path: str, example_intent: Dict[str, Any]) -> Callable[..., subprocess.CompletedProcess]:

    def run(playbook: str, edit: Callable[[Dict[str, Any]], None] = lambda intent: None, args: Sequence[str] = (),
            env: Optional[Dict[str, str]] = None, background: bool = False) -> Any:
        """The finished run; with ``background``, the running process instead (its own process group, its output one
        line at a time on ``stdout``), for a test that kills it part way."""
        inventory = tmp_path / "inventory"
        (inventory / "group_vars" / "all").mkdir(parents=True, exist_ok=True)
        with open(os.path.join(EXAMPLE, "hosts.yml"), encoding="utf-8") as source:
            (inventory / "hosts.yml").write_text(source.read(), encoding="utf-8")
        intent = copy.deepcopy(example_intent)
        edit(intent)
        (inventory / "group_vars" / "all" / "flatnet.yml").write_text(yaml.safe_dump(intent), encoding="utf-8")
        environment = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"),
                           ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", **(env or {}))
        path = playbook if os.path.isabs(playbook) else os.path.join(ROOT, "playbooks", playbook)
        if background:
            return subprocess.Popen([_ansible_playbook(), "-i", str(inventory), path, *args],  # pylint: disable=consider-using-with
                                    cwd=str(tmp_path), env=dict(environment, PYTHONUNBUFFERED="1"), stdout=subprocess.PIPE,
                                    stderr=subprocess.STDOUT, text=True, bufsize=1, start_new_session=True)
        return subprocess.run([_ansible_playbook(), "-i", str(inventory), path, *args],
                              cwd=str(tmp_path), env=environment, capture_output=True, text=True, timeout=600, check=False)

    return run
