# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""docs/reference is what antsibull-docs generates from the collection today (so the pages cannot drift from the argument
specs and plugin docs), and every statement of the README that a fresh clone can check is true."""

from __future__ import annotations

import filecmp
import os
import re
import subprocess
import sys
from typing import Any

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REFERENCE = os.path.join(ROOT, "docs", "reference")


def _read(*parts: str) -> str:
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as handle:
        return handle.read()


def _antsibull_docs() -> str:
    path = os.path.join(os.path.dirname(sys.executable), "antsibull-docs")
    if not os.access(path, os.X_OK):
        pytest.fail("antsibull-docs is not installed beside %s; run `make install`" % sys.executable)
    return path


def test_the_reference_is_what_antsibull_docs_generates(tmp_path: Any, collections_path: str) -> None:
    out = tmp_path / "reference"
    out.mkdir(mode=0o755)
    # The same command as `make docs`.
    done = subprocess.run([_antsibull_docs(), "collection", "--use-current", "--squash-hierarchy", "--output-format", "simplified-rst",
                           "--no-add-antsibull-docs-version", "--no-breadcrumbs", "--fail-on-error", "--dest-dir", str(out), "flatnet.kube"],
                          env=dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path, PATH=os.path.dirname(sys.executable) + os.pathsep
                                   + os.environ.get("PATH", "")), capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    generated, committed = sorted(os.listdir(out)), sorted(os.listdir(REFERENCE))
    assert generated == committed, "run `make docs` (new: %s, gone: %s)" % (sorted(set(generated) - set(committed)), sorted(set(committed) - set(generated)))
    _match, mismatch, errors = filecmp.cmpfiles(str(out), REFERENCE, generated, shallow=False)
    assert not mismatch and not errors, "run `make docs`: %s differ from the argument specs and plugin docs" % (mismatch + errors)


def test_every_role_module_and_filter_has_a_page() -> None:
    pages = set(os.listdir(REFERENCE))
    roles = [name for name in os.listdir(os.path.join(ROOT, "roles")) if os.path.isdir(os.path.join(ROOT, "roles", name))]
    modules = [name[:-3] for name in os.listdir(os.path.join(ROOT, "plugins", "modules")) if name.endswith(".py") and name != "__init__.py"]
    filters = [name[:-4] for name in os.listdir(os.path.join(ROOT, "plugins", "filter")) if name.endswith(".yml")]
    expected = {"%s_role.rst" % name for name in roles} | {"%s_module.rst" % name for name in modules} | {"%s_filter.rst" % name for name in filters}
    assert expected <= pages, sorted(expected - pages)


def test_the_readme_names_the_tarball_the_build_makes() -> None:
    version = yaml.safe_load(_read("galaxy.yml"))["version"]
    named = set(re.findall(r"flatnet-kube-([0-9][^ ]*?)\.tar\.gz", _read("README.md") + _read("docs", "closed-networks.md")))
    assert named == {version}


def test_every_make_target_the_readme_uses_exists() -> None:
    targets = set(re.findall(r"^([a-z][a-z-]*):.*##", _read("Makefile"), re.MULTILINE))
    used = set(re.findall(r"\bmake ([a-z][a-z-]*)", _read("README.md")))
    assert used and used <= targets, sorted(used - targets)


def test_every_local_link_of_the_readme_and_docs_resolves() -> None:
    pages = ["README.md"] + [os.path.join("docs", name) for name in os.listdir(os.path.join(ROOT, "docs")) if name.endswith(".md")]
    broken = []
    for page in pages:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", _read(page)):
            if re.match(r"[a-z]+://", target):
                continue
            if not os.path.exists(os.path.normpath(os.path.join(ROOT, os.path.dirname(page), target))):
                broken.append("%s -> %s" % (page, target))
    assert not broken, broken


def test_the_readme_is_a_front_door() -> None:
    lines = _read("README.md").splitlines()
    assert len(lines) <= 280, "the README has %d lines; move reference material to docs/" % len(lines)
    headings = [line for line in lines if line.startswith("## ")]
    order = ["What it does", "Try it", "Adapt it to your network", "Run it on your network", "Undo", "Troubleshooting", "Reference"]
    found = [next((index for index, heading in enumerate(headings) if heading[3:].startswith(title)), None) for title in order]
    assert None not in found and found == sorted(found), (order, headings)
    assert "docs/images/topology-seed.svg" in _read("README.md")


def test_the_readme_intent_is_the_example_inventory() -> None:
    blocks = re.findall(r"```yaml\n(.*?)```", _read("README.md"), re.DOTALL)
    shown = [yaml.safe_load(re.sub(r"^   ", "", block, flags=re.MULTILINE)) for block in blocks]
    example = yaml.safe_load(_read("inventory", "example", "group_vars", "all", "flatnet.yml"))
    assert example in shown
