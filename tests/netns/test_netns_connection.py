# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The netns connection against a real, throw-away network namespace.

Needs root and iproute2 on the test host. Each run creates a uniquely named
namespace with a dummy interface, drives it with ad-hoc `ansible` commands and
deletes it afterwards. The root namespace's interfaces and routes are never touched.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from typing import Dict, Iterator, List

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DUMMY_IF = "fn-dummy0"
DUMMY_ADDR = "10.255.255.1"
TIMEOUT = 300
CREATED: List[str] = []


def _ip_binary() -> str:
    found = shutil.which("ip") or shutil.which("ip", path="/usr/sbin:/sbin:/usr/bin:/bin")
    if not found:
        pytest.fail("iproute2's ip command is not installed")
    return found


def _ansible_binary() -> str:
    path = os.path.join(os.path.dirname(sys.executable), "ansible")
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"the ansible command is not installed next to {sys.executable} (looked for {path})")
    return path


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([_ip_binary(), *args], capture_output=True, text=True, check=check, timeout=60)


def _namespaces() -> List[str]:
    return [line.split()[0] for line in _ip("netns", "list").stdout.splitlines() if line.strip()]


@contextlib.contextmanager
def scratch_namespace() -> Iterator[str]:
    """A fresh namespace with lo up and a dummy interface (or a port-less bridge) holding 10.255.255.1/32, deleted on the way out whatever happens."""
    name = f"fn-t-{secrets.token_hex(3)}"
    assert name not in _namespaces()
    _ip("netns", "add", name)
    CREATED.append(name)
    try:
        # Every change below is made with -n NAME, inside the new namespace only.
        _ip("-n", name, "link", "set", "lo", "up")
        if _ip("-n", name, "link", "add", DUMMY_IF, "type", "dummy", check=False).returncode != 0:
            # Kernels built without the dummy driver: a bridge without ports stands in for it.
            _ip("-n", name, "link", "add", DUMMY_IF, "type", "bridge")
        _ip("-n", name, "addr", "add", f"{DUMMY_ADDR}/32", "dev", DUMMY_IF)
        _ip("-n", name, "link", "set", DUMMY_IF, "up")
        yield name
    finally:
        _ip("netns", "del", name, check=False)


@pytest.fixture(scope="module", name="namespace")
def fixture_namespace() -> Iterator[str]:
    """The namespace the tests drive; its teardown checks that it is gone."""
    if os.geteuid() != 0:
        pytest.fail("creating network namespaces needs root")
    with scratch_namespace() as name:
        yield name
    assert name not in _namespaces(), f"namespace {name} was left behind"


@pytest.fixture(scope="module", name="run_ansible")
def fixture_run_ansible(collections_path, tmp_path_factory):
    """Run an ad-hoc ansible command against one host over flatnet.kube.netns; returns (rc, output, per-host result)."""
    ansible = _ansible_binary()
    workdir = tmp_path_factory.mktemp("adhoc")
    # An empty configuration, so no ansible.cfg of the checkout or the host applies.
    config = workdir / "ansible.cfg"
    config.write_text("[defaults]\n")
    env = dict(os.environ)
    for key in list(env):
        if key.startswith("ANSIBLE_"):
            del env[key]
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": collections_path,
        "ANSIBLE_CONFIG": str(config),
        "ANSIBLE_LOAD_CALLBACK_PLUGINS": "1",
        "ANSIBLE_STDOUT_CALLBACK": "ansible.builtin.json",
        "ANSIBLE_HOST_KEY_CHECKING": "0",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_LOCAL_TEMP": str(workdir / "local-tmp"),
    })

    def run(host: str, module: str, args: str = "", extra: Dict[str, str] | None = None):
        argv = [
            ansible, "all", "-i", f"{host},", "-c", "flatnet.kube.netns",
            # The controller's Python: the filesystem is shared, so it is there inside the namespace too.
            "-e", f"ansible_python_interpreter={sys.executable}",
            "-m", module,
        ]
        if args:
            argv += ["-a", args]
        for key, value in (extra or {}).items():
            argv += ["-e", f"{key}={value}"]
        proc = subprocess.run(argv, cwd=str(workdir), env=env, capture_output=True, text=True, timeout=TIMEOUT, check=False)
        output = proc.stdout + proc.stderr
        try:
            report = json.loads(proc.stdout)
        except ValueError as ex:
            raise AssertionError(f"ansible printed no JSON (rc={proc.returncode}):\n{output}") from ex
        result = report["plays"][0]["tasks"][0]["hosts"][host]
        return proc.returncode, output, result

    return run


def _ours(names: List[str]) -> List[str]:
    """The interface names this file could have made: its dummy one, or one of its namespaces' prefix."""
    return [name for name in names if name == DUMMY_IF or name.startswith("fn-")]


def _root_interfaces() -> List[str]:
    links = json.loads(_ip("-j", "link", "show").stdout)
    return [link["ifname"] for link in links]


def test_command_sees_only_the_namespace(namespace, run_ansible):
    rc, output, result = run_ansible(namespace, "ansible.builtin.command", "ip -j addr")
    assert rc == 0, output
    links = json.loads(result["stdout"])
    names = sorted(link["ifname"] for link in links)
    assert names == sorted(["lo", DUMMY_IF]), output
    addresses = [info["local"] for link in links for info in link.get("addr_info", [])]
    assert DUMMY_ADDR in addresses
    # None of the root namespace's interfaces (other than lo, which every namespace has) show up.
    leaked = set(_root_interfaces()) - {"lo"}
    assert not leaked & set(names), f"root namespace interfaces visible inside {namespace}: {leaked & set(names)}"
    assert DUMMY_IF not in _root_interfaces()


def test_copy_then_slurp(namespace, run_ansible, tmp_path):
    dest = tmp_path / "greeting.txt"
    content = f"hello from {namespace}"
    rc, output, result = run_ansible(namespace, "ansible.builtin.copy", f"content='{content}' dest={dest} mode=0640")
    assert rc == 0, output
    assert result["changed"] is True, output
    assert dest.read_text() == content
    assert oct(dest.stat().st_mode & 0o777) == "0o640"

    rc, output, result = run_ansible(namespace, "ansible.builtin.slurp", f"src={dest}")
    assert rc == 0, output
    assert base64.b64decode(result["content"]).decode() == content


def test_copy_without_pipelining(namespace, run_ansible, tmp_path):
    """Without pipelining the module itself goes through put_file."""
    dest = tmp_path / "no-pipelining.txt"
    rc, output, _result = run_ansible(namespace, "ansible.builtin.copy", f"content=unpiped dest={dest}", extra={"ansible_pipelining": "false"})
    assert rc == 0, output
    assert dest.read_text() == "unpiped"


def test_pipelined_command(namespace, run_ansible):
    rc, output, result = run_ansible(namespace, "ansible.builtin.command", "cat /proc/net/dev", extra={"ansible_pipelining": "true"})
    assert rc == 0, output
    assert DUMMY_IF in result["stdout"]


def test_setup_min(namespace, run_ansible):
    rc, output, result = run_ansible(namespace, "ansible.builtin.setup", "gather_subset=min")
    assert rc == 0, output
    facts = result["ansible_facts"]
    assert facts["ansible_system"] == "Linux"
    assert facts["ansible_user_id"]


def test_missing_namespace_is_unreachable(run_ansible):
    ghost = f"fn-t-missing-{secrets.token_hex(3)}"
    assert ghost not in _namespaces()
    rc, output, result = run_ansible(ghost, "ansible.builtin.ping")
    assert rc != 0
    assert result.get("unreachable") is True, output
    assert re.search(rf"Network namespace '{ghost}' does not exist", result["msg"]), output
    assert f"ip netns add {ghost}" in result["msg"]
    assert ghost not in _namespaces()


def test_scratch_namespace_is_removed_even_on_failure():
    """The set-up used by the fixture deletes its namespace when the body fails, and leaves the root namespace alone."""
    if os.geteuid() != 0:
        pytest.fail("creating network namespaces needs root")
    root_links = _root_interfaces()
    seen = []
    with pytest.raises(RuntimeError, match="boom"):
        with scratch_namespace() as name:
            seen.append(name)
            assert name in _namespaces()
            raise RuntimeError("boom")
    assert seen and seen[0] not in _namespaces()
    # Other software may add or remove the host's interfaces meanwhile; what matters is that none of ours is left.
    assert _ours(_root_interfaces()) == _ours(root_links)
