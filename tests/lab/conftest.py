# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures for the lab's emulated Kubernetes API: a seeded emulator and real clients against it."""

from __future__ import annotations

import glob
import http.client
import json
import os
import shutil
import ssl
import subprocess
from typing import Any, Iterator, Optional

import pytest
import yaml
from kubernetes import config as k8s_config

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE = os.path.join(ROOT, "inventory", "example")
LAB = os.path.join(ROOT, "lab")
SEED = os.path.join(LAB, "seeds", "seed-cluster.yml")

# tests/conftest.py puts lab/ on sys.path.
from kubeapi.server import Emulator  # noqa: E402  pylint: disable=wrong-import-position,import-error


@pytest.fixture
def emulator(cluster: Emulator) -> Emulator:
    """An emulator seeded with lab/seeds/seed-cluster.yml on a fresh state directory (the shared `cluster`)."""
    return cluster


@pytest.fixture
def emulator_v3(cluster_v3: Emulator) -> Emulator:
    """The same, also serving projectcalico.org/v3 as Calico's API server would (the shared `cluster_v3`)."""
    return cluster_v3


@pytest.fixture
def api_client(emulator: Emulator) -> Iterator[Any]:
    """The official kubernetes client, configured from the emulator's kubeconfig."""
    client = k8s_config.new_client_from_config(config_file=emulator.kubeconfig_path)
    yield client
    client.close()


@pytest.fixture
def api_client_v3(emulator_v3: Emulator) -> Iterator[Any]:
    """The official kubernetes client for the v3-serving emulator."""
    client = k8s_config.new_client_from_config(config_file=emulator_v3.kubeconfig_path)
    yield client
    client.close()


# pylint: disable-next=too-many-arguments,too-many-positional-arguments
def _call(emu: Emulator, method: str, path: str, body: Optional[Any] = None, token: Optional[str] = None,
          auth: bool = True, headers: Optional[dict] = None) -> tuple:
    """A raw HTTPS request: (status, headers, decoded JSON body)."""
    context = ssl.create_default_context(cafile=emu.ca_path)
    conn = http.client.HTTPSConnection("127.0.0.1", emu.port, context=context, timeout=10)
    sent = dict(headers or {})
    if auth:
        sent["Authorization"] = "Bearer %s" % (token or emu.token)
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent.setdefault("Content-Type", "application/json")
    try:
        conn.request(method, path, body=data, headers=sent)
        response = conn.getresponse()
        raw = response.read()
        content = json.loads(raw) if response.getheader("Content-Type", "").startswith("application/json") else raw.decode()
        return response.status, response.headers, content
    finally:
        conn.close()


def _kubeconfig_with_token(emu: Emulator, directory: str, token: str) -> str:
    """A copy of the emulator's kubeconfig that presents another token."""
    with open(emu.kubeconfig_path, encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    config["users"][0]["user"]["token"] = token
    path = os.path.join(directory, "kubeconfig-%s" % token[:8])
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(config, handle)
    return path


@pytest.fixture(scope="session")
def kubectl_path() -> str:
    """kubectl on PATH; the lab tests need it."""
    path = shutil.which("kubectl")
    if path is None:
        pytest.fail("kubectl is not on PATH; install it (the project's `make install` does) to run the lab tests")
    return path


@pytest.fixture
def kubectl(kubectl_path: str, emulator: Emulator, tmp_path: Any) -> Any:
    """Run kubectl against the emulator: kubectl("get", "nodes") -> CompletedProcess (a Popen with background=True)."""
    cache = str(tmp_path / "kubectl-cache")

    def run(*args: str, check: bool = True, stdin: Optional[str] = None, background: bool = False) -> Any:
        command = [kubectl_path, "--kubeconfig", emulator.kubeconfig_path, "--cache-dir", cache, *args]
        if background:
            return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,  # pylint: disable=consider-using-with
                                    env=dict(os.environ, HOME=str(tmp_path)))
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, input=stdin, check=False,
                                env=dict(os.environ, HOME=str(tmp_path)))
        if check and result.returncode != 0:
            pytest.fail("%s failed (%d):\n%s%s" % (" ".join(command), result.returncode, result.stdout, result.stderr))
        return result
    return run


@pytest.fixture
def raw() -> Any:
    """raw(emulator, method, path, body=None, token=None, auth=True, headers=None) -> (status, headers, body)."""
    return _call


@pytest.fixture
def seed_file() -> str:
    """The lab's seed description."""
    return SEED


@pytest.fixture
def client_for(tmp_path: Any) -> Iterator[Any]:
    """client_for(emulator, token=None) -> an ApiClient (closed after the test); a token replaces the kubeconfig's."""
    made = []

    def build(emu: Emulator, token: Optional[str] = None) -> Any:
        path = emu.kubeconfig_path if token is None else _kubeconfig_with_token(emu, str(tmp_path), token)
        client = k8s_config.new_client_from_config(config_file=path)
        made.append(client)
        return client
    yield build
    for client in made:
        client.close()


def example_vars() -> dict:
    """The group all variables of the example inventory (its group_vars/all files, in order)."""
    variables: dict = {}
    for path in sorted(glob.glob(os.path.join(EXAMPLE, "group_vars", "all", "*.yml"))):
        with open(path, encoding="utf-8") as handle:
            variables.update(yaml.safe_load(handle) or {})
    return variables


@pytest.fixture(name="example")
def fixture_example() -> dict:
    """The group all variables of the example inventory."""
    return example_vars()
