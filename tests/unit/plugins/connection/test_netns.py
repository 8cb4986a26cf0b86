# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the netns connection plugin, with subprocess mocked."""

from __future__ import annotations

import os
import subprocess
from typing import Any, Dict, List, Optional
from unittest import mock

import pytest
import yaml
from ansible import constants as C
from ansible.errors import AnsibleConnectionFailure, AnsibleError, AnsibleFileNotFound
from ansible.playbook.play_context import PlayContext

from ansible_collections.flatnet.kube.plugins.connection import netns

LOAD_NAME = "flatnet.kube.netns"


class FakePopen:
    """Stands in for subprocess.Popen: records the call and answers with fixed output."""

    calls: List[Dict[str, Any]] = []

    def __init__(self, argv, **kwargs):
        self.argv = argv
        self.kwargs = kwargs
        self.returncode = 3
        self.stdin_data: Optional[bytes] = None
        FakePopen.calls.append({"argv": argv, "kwargs": kwargs, "proc": self})

    def communicate(self, data=None):
        self.stdin_data = data
        return b"out\n", b"err\n"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


@pytest.fixture(name="make_conn")
def fixture_make_conn(monkeypatch):
    """Build a Connection with the plugin's own option definitions registered, as the plugin loader would."""
    options = yaml.safe_load(netns.DOCUMENTATION)["options"]
    C.config.initialize_plugin_configuration_definitions("connection", LOAD_NAME, options)
    monkeypatch.delenv("ANSIBLE_NETNS_NAME", raising=False)

    def make(var_options: Optional[Dict[str, Any]] = None, remote_addr: Optional[str] = "lab1") -> netns.Connection:
        play_context = PlayContext()
        play_context.remote_addr = remote_addr
        conn = netns.Connection(play_context)
        conn._load_name = LOAD_NAME  # pylint: disable=protected-access
        conn.set_options(var_options=var_options or {})
        return conn

    return make


@pytest.fixture(name="netns_list")
def fixture_netns_list(monkeypatch):
    """Mock `ip netns list` (and make /run/netns look empty) with the given output."""
    recorded: List[List[str]] = []

    def install(stdout: bytes = b"lab1 (id: 0)\nother\n", returncode: int = 0, stderr: bytes = b""):
        def fake_run(argv, **kwargs):
            recorded.append(argv)
            assert kwargs.get("check") is False
            return subprocess.CompletedProcess(argv, returncode, stdout, stderr)

        monkeypatch.setattr(netns.subprocess, "run", fake_run)
        monkeypatch.setattr(netns.os.path, "exists", _exists_without_run_netns)
        return recorded

    return install


_REAL_EXISTS = os.path.exists


def _exists_without_run_netns(path):
    if str(path).startswith("/run/netns/"):
        return False
    return _REAL_EXISTS(path)


@pytest.fixture(name="popen")
def fixture_popen(monkeypatch):
    FakePopen.calls = []
    monkeypatch.setattr(netns.subprocess, "Popen", FakePopen)
    return FakePopen.calls


def test_plugin_identity():
    assert netns.Connection.transport == "flatnet.kube.netns"
    assert netns.Connection.has_pipelining is True


def test_documentation_parses():
    doc = yaml.safe_load(netns.DOCUMENTATION)
    assert doc["name"] == "netns"
    assert doc["version_added"] == "0.1.0"
    names = [v["name"] for v in doc["options"]["netns"]["vars"]]
    assert names == ["ansible_host", "ansible_netns_name"]
    assert doc["options"]["netns"]["env"] == [{"name": "ANSIBLE_NETNS_NAME"}]
    assert doc["options"]["ip_executable"]["default"] == "ip"
    yaml.safe_load(netns.EXAMPLES)


def test_exec_command_builds_ip_netns_exec(make_conn, netns_list, popen):
    listed = netns_list()
    conn = make_conn()
    rc, out, err = conn.exec_command("echo hi; id")
    assert listed == [["ip", "netns", "list"]]
    assert len(popen) == 1
    assert popen[0]["argv"] == ["ip", "netns", "exec", "lab1", "/bin/sh", "-c", "echo hi; id"]
    assert popen[0]["kwargs"]["stdin"] is subprocess.PIPE
    assert popen[0]["kwargs"]["stdout"] is subprocess.PIPE
    assert popen[0]["kwargs"]["stderr"] is subprocess.PIPE
    assert popen[0]["proc"].stdin_data is None
    assert (rc, out, err) == (3, b"out\n", b"err\n")


def test_exec_command_passes_in_data_to_stdin(make_conn, netns_list, popen):
    netns_list()
    conn = make_conn()
    conn.exec_command("/usr/bin/python3", in_data=b"print('module')")
    assert popen[0]["proc"].stdin_data == b"print('module')"


def test_options_pick_the_namespace_and_ip(make_conn, netns_list, popen):
    netns_list(stdout=b"red-ns\n")
    conn = make_conn({"ansible_host": "ignored", "ansible_netns_name": "red-ns", "ansible_netns_ip_executable": "/sbin/ip"}, remote_addr="red")
    conn.exec_command("true")
    assert popen[0]["argv"] == ["/sbin/ip", "netns", "exec", "red-ns", "/bin/sh", "-c", "true"]


def test_ansible_host_names_the_namespace(make_conn, netns_list, popen):
    netns_list(stdout=b"blue\n")
    make_conn({"ansible_host": "blue"}, remote_addr="somehost").exec_command("true")
    assert popen[0]["argv"][3] == "blue"


def test_environment_names_the_namespace(make_conn, netns_list, popen, monkeypatch):
    netns_list(stdout=b"from-env\n")
    monkeypatch.setenv("ANSIBLE_NETNS_NAME", "from-env")
    make_conn(remote_addr="somehost").exec_command("true")
    assert popen[0]["argv"][3] == "from-env"


def test_run_netns_file_is_enough(make_conn, monkeypatch, popen):
    def no_run(*_args, **_kwargs):
        raise AssertionError("ip netns list should not be needed")

    monkeypatch.setattr(netns.subprocess, "run", no_run)
    monkeypatch.setattr(netns.os.path, "exists", lambda path: path == "/run/netns/lab1" or _REAL_EXISTS(path))
    make_conn().exec_command("true")
    assert popen[0]["argv"][3] == "lab1"


def test_missing_namespace_says_how_to_create_it(make_conn, netns_list, popen):
    netns_list(stdout=b"other (id: 1)\n")
    conn = make_conn(remote_addr="ghost")
    with pytest.raises(AnsibleConnectionFailure) as err:
        conn.exec_command("true")
    assert "'ghost'" in str(err.value)
    assert "ip netns add ghost" in str(err.value)
    assert not popen
    assert not conn.connected


def test_prefix_of_a_listed_name_is_not_a_match(make_conn, netns_list):
    netns_list(stdout=b"lab10 (id: 0)\n")
    with pytest.raises(AnsibleConnectionFailure, match="ip netns add lab1"):
        make_conn()._connect()  # pylint: disable=protected-access


def test_missing_ip_executable(make_conn, monkeypatch):
    def fake_run(*_args, **_kwargs):
        raise FileNotFoundError(2, "No such file or directory")

    monkeypatch.setattr(netns.subprocess, "run", fake_run)
    monkeypatch.setattr(netns.os.path, "exists", _exists_without_run_netns)
    with pytest.raises(AnsibleConnectionFailure, match="Cannot run '/no/ip'"):
        make_conn({"ansible_netns_ip_executable": "/no/ip"})._connect()  # pylint: disable=protected-access


def test_ip_netns_list_failure(make_conn, netns_list):
    netns_list(stdout=b"", returncode=1, stderr=b"Operation not permitted\n")
    with pytest.raises(AnsibleConnectionFailure, match="rc=1: Operation not permitted"):
        make_conn()._connect()  # pylint: disable=protected-access


@pytest.mark.parametrize("name", ["../etc", "a/b", ".", ".."])
def test_invalid_names_are_refused(make_conn, name):
    with pytest.raises(AnsibleConnectionFailure, match="Invalid network namespace name"):
        make_conn({"ansible_netns_name": name})._connect()  # pylint: disable=protected-access


def test_become_with_password_is_refused(make_conn, netns_list, popen):
    netns_list()
    conn = make_conn()
    conn.become = mock.Mock()
    conn.become.name = "sudo"
    conn.become.expect_prompt.return_value = True
    with pytest.raises(AnsibleError, match="password prompt"):
        conn.exec_command("true")
    assert not popen
    # Commands that are not escalated still run.
    conn.exec_command("true", sudoable=False)
    assert len(popen) == 1


def test_put_and_fetch_copy_files(make_conn, netns_list, popen, tmp_path):
    netns_list()
    conn = make_conn()
    src = tmp_path / "src.txt"
    src.write_bytes(b"payload\x00\xff")
    remote = tmp_path / "remote.txt"
    back = tmp_path / "back.txt"
    conn.put_file(str(src), str(remote))
    assert remote.read_bytes() == b"payload\x00\xff"
    conn.fetch_file(str(remote), str(back))
    assert back.read_bytes() == b"payload\x00\xff"
    assert not popen, "file transfers must not run commands"


def test_put_missing_source(make_conn, netns_list, tmp_path):
    netns_list()
    with pytest.raises(AnsibleFileNotFound):
        make_conn().put_file(str(tmp_path / "absent"), str(tmp_path / "dest"))


def test_fetch_missing_source(make_conn, netns_list, tmp_path):
    netns_list()
    with pytest.raises(AnsibleFileNotFound):
        make_conn().fetch_file(str(tmp_path / "absent"), str(tmp_path / "dest"))


def test_put_into_missing_directory(make_conn, netns_list, tmp_path):
    netns_list()
    src = tmp_path / "src"
    src.write_text("x")
    with pytest.raises(AnsibleError, match="Failed to put"):
        make_conn().put_file(str(src), str(tmp_path / "no" / "such" / "dir" / "f"))


def test_put_directory_source(make_conn, netns_list, tmp_path):
    netns_list()
    with pytest.raises(AnsibleError, match="is a directory"):
        make_conn().put_file(str(tmp_path), str(tmp_path / "dest"))


def test_put_onto_itself(make_conn, netns_list, tmp_path):
    netns_list()
    src = tmp_path / "same"
    src.write_text("x")
    with pytest.raises(AnsibleError, match="same file"):
        make_conn().put_file(str(src), str(src))


def test_etc_paths_follow_the_namespace_overlay(make_conn, netns_list, monkeypatch, tmp_path):
    netns_list()
    etc_netns = tmp_path / "etc-netns"
    (etc_netns / "lab1" / "frr").mkdir(parents=True)
    (etc_netns / "lab1" / "resolv.conf").write_text("nameserver 192.0.2.53\n")
    monkeypatch.setattr(netns, "_NETNS_ETC_DIR", str(etc_netns))
    conn = make_conn()
    conn._connect()  # pylint: disable=protected-access
    host_path = conn._host_path  # pylint: disable=protected-access
    assert host_path("/etc/resolv.conf") == str(etc_netns / "lab1" / "resolv.conf")
    assert host_path("/etc/frr/frr.conf") == str(etc_netns / "lab1" / "frr" / "frr.conf")
    assert host_path("/etc/hosts") == "/etc/hosts"
    assert host_path("/etcetera/x") == "/etcetera/x"
    assert host_path("/tmp/x") == "/tmp/x"

    back = tmp_path / "resolv.back"
    conn.fetch_file("/etc/resolv.conf", str(back))
    assert back.read_text() == "nameserver 192.0.2.53\n"


def test_close_and_reset(make_conn, netns_list, popen):
    listed = netns_list()
    conn = make_conn()
    conn.exec_command("true")
    conn.exec_command("true")
    assert len(listed) == 1, "the namespace is checked once per connection"
    assert conn.connected
    conn.close()
    assert not conn.connected
    conn.exec_command("true")
    assert len(listed) == 2
    conn.reset()
    assert not conn.connected
