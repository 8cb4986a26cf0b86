# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""inventory/production-example: real hosts, a vault, and an intent that preflight accepts; no secret in any output."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any, Dict

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "inventory", "production-example")
PROBES = os.path.join(ROOT, "inventory", "production-example-probes.yml")
# The example vault's password, as its README says.
VAULT_PASSWORD = "flatnet-example"
SECRETS = ("Example-BGP-key-1", "example-token-not-a-real-one")


def _tool(name: str) -> str:
    path = os.path.join(os.path.dirname(sys.executable), name)
    if not os.access(path, os.X_OK):
        pytest.fail("%s is not installed beside %s; run `make install`" % (name, sys.executable))
    return path


@pytest.fixture
def env(tmp_path: Any, collections_path: str) -> Dict[str, str]:
    password = tmp_path / "vault-password"
    password.write_text(VAULT_PASSWORD + "\n", encoding="utf-8")
    password.chmod(0o600)
    return dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                ANSIBLE_VAULT_PASSWORD_FILE=str(password))


def _run(command: list, env: Dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)


def test_the_vault_is_encrypted_and_holds_the_secrets(env: Dict[str, str]) -> None:
    with open(os.path.join(EXAMPLE, "group_vars", "all", "vault.yml"), encoding="utf-8") as handle:
        text = handle.read()
    assert text.startswith("$ANSIBLE_VAULT;1.1;AES256\n") and not any(secret in text for secret in SECRETS)
    shown = _run([_tool("ansible-vault"), "view", os.path.join(EXAMPLE, "group_vars", "all", "vault.yml")], env)
    assert shown.returncode == 0 and all(secret in shown.stdout for secret in SECRETS), shown.stderr


def test_every_device_has_its_address_and_connection(env: Dict[str, str]) -> None:
    listed = _run([_tool("ansible-inventory"), "-i", EXAMPLE, "-i", PROBES, "--list"], env)
    assert listed.returncode == 0, listed.stderr
    data = json.loads(listed.stdout)
    hostvars = data["_meta"]["hostvars"]
    intent = hostvars["localhost"]
    names = {"switches": [switch["name"] for switch in intent["flatnet_fabric"]["switches"]],
             "office_gateways": [gateway["name"] for gateway in intent["flatnet_office"]["gateways"]],
             "office_dns": [server["name"] for server in intent["flatnet_office"]["dns_servers"]]}
    for group, hosts in names.items():
        assert sorted(data[group]["hosts"]) == sorted(hosts), group
        for host in hosts:
            assert hostvars[host]["ansible_host"] and hostvars[host]["ansible_user"] and hostvars[host]["ansible_become"] is True, host
    assert [hostvars[host].get("ansible_become", False) for host in data["office_probes"]["hosts"]] == [False]


def test_preflight_accepts_it_and_shows_no_secret(env: Dict[str, str]) -> None:
    done = _run([_tool("ansible-playbook"), "-i", EXAMPLE, os.path.join(ROOT, "playbooks", "preflight.yml"), "-vvv"], env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "switches: core1 (AS 65010)" in done.stdout and "office networks: 10.30.0.0/22" in done.stdout
    assert not any(secret in done.stdout + done.stderr for secret in SECRETS)


def test_without_the_vault_password_nothing_runs(env: Dict[str, str]) -> None:
    env = {key: value for key, value in env.items() if key != "ANSIBLE_VAULT_PASSWORD_FILE"}
    done = _run([_tool("ansible-playbook"), "-i", EXAMPLE, os.path.join(ROOT, "playbooks", "preflight.yml")], env)
    assert done.returncode != 0 and "vault" in (done.stdout + done.stderr).lower()
