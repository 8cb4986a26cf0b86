# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The artifact a user installs: ``ansible-galaxy collection build`` of this checkout holds the collection's content
and docs, and nothing of the lab, molecule, the tests, CI or the build output."""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LEFT_OUT = {"lab", "molecule", "tests", ".ci", ".build", ".venv", ".git", ".config", ".ansible-lint", "Makefile", "ansible.cfg",
            "requirements.txt", "requirements-test.txt", "collections", "execution-environment.yml"}
SHIPPED = {"plugins", "roles", "playbooks", "meta", "docs", "changelogs", "inventory", "README.md", "LICENSE", "MANIFEST.json", "FILES.json"}


@pytest.fixture(name="tarball", scope="module")
def fixture_tarball(collection_tarball: str) -> str:
    """The built tarball."""
    return collection_tarball


@pytest.fixture(name="artifact", scope="module")
def fixture_artifact(tarball: str) -> list:
    """The member names of the built tarball."""
    with tarfile.open(tarball) as archive:
        return archive.getnames()


def test_the_artifact_leaves_out_the_lab_the_tests_and_the_build_output(artifact):
    top = {name.split("/")[0] for name in artifact}
    assert not top & LEFT_OUT, sorted(top & LEFT_OUT)
    assert SHIPPED <= top, sorted(SHIPPED - top)


def test_the_artifact_carries_every_playbook_role_and_plugin_of_the_checkout(artifact):
    tracked = subprocess.run(["git", "-C", ROOT, "ls-files", "playbooks", "roles", "plugins", "meta", "docs/rbac"], capture_output=True,
                             text=True, check=True).stdout.split()
    assert tracked, "git ls-files found nothing; is this a checkout?"
    assert not [path for path in tracked if path not in artifact], [path for path in tracked if path not in artifact][:10]


def test_the_installed_artifact_runs_its_playbooks_by_name_from_a_project_of_its_own(tarball, tmp_path):
    """Installed into an empty collections path (its dependencies come with the ansible bundle), from a directory that
    holds only an inventory: the playbooks resolve by name and pass the syntax check, with no file of this checkout."""
    bin_dir = os.path.dirname(sys.executable)
    collections, project = tmp_path / "collections", tmp_path / "project"
    project.mkdir()
    (project / "hosts.yml").write_text("all:\n  hosts:\n    localhost:\n      ansible_connection: local\n", encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_NOCOLOR="1")
    done = subprocess.run([os.path.join(bin_dir, "ansible-galaxy"), "collection", "install", "--no-deps", "-p", str(collections), tarball],
                          cwd=str(project), env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    installed = collections / "ansible_collections" / "flatnet" / "kube"
    assert (installed / "MANIFEST.json").is_file() and not (installed / "lab").exists()
    for playbook in ("site", "plan", "verify", "remove", "preflight"):
        checked = subprocess.run([os.path.join(bin_dir, "ansible-playbook"), "flatnet.kube." + playbook, "-i", "hosts.yml", "--syntax-check"],
                                 cwd=str(project), env=env, capture_output=True, text=True, timeout=300, check=False)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert str(installed / "playbooks" / (playbook + ".yml")) in checked.stdout, checked.stdout
