# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""docs/rbac/flatnet-kube.yml is enough, and not more than enough: the twin enforces RBAC, the file is applied as a
user would apply it (with the official client), and site.yml, plan.yml and remove.yml run on the cluster as the
user flatnet; without one of its rules the run stops with the API's 403, and the Secret is never written."""

from __future__ import annotations

import copy
import os
import re
from typing import Any, Callable, Dict

import yaml
from kubernetes import utils as k8s_utils

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RBAC_FILE = os.path.join(ROOT, "docs", "rbac", "flatnet-kube.yml")
CLUSTER_ONLY = ["--limit", "localhost"]
PASSWORD = "Least-privilege-pw"


def _documents() -> list:
    """The objects of the file (one List, as kubectl reads it)."""
    with open(RBAC_FILE, encoding="utf-8") as handle:
        listed = yaml.safe_load(handle)
    assert listed["kind"] == "List"
    return listed["items"]


def _apply(kube: Any, documents: list) -> None:
    for document in documents:
        k8s_utils.create_from_dict(kube.api, document)


def _as_flatnet(cluster: Any, password: bool = True) -> Callable[[Dict[str, Any]], None]:
    def edit(intent: Dict[str, Any]) -> None:
        intent["flatnet_cluster"]["api"] = {"kubeconfig": cluster.kubeconfig_for("flatnet")}
        if password:
            intent["flatnet_fabric"]["switches"][0]["password"] = PASSWORD
    return edit


def _changed(output: str) -> int:
    match = re.search(r"localhost\s+: ok=\d+\s+changed=(\d+)", output)
    assert match, output
    return int(match.group(1))


def test_the_shipped_roles_let_flatnet_do_all_it_does_on_the_cluster(cluster, kube, run_playbook):
    _apply(kube, _documents())
    first = run_playbook("site.yml", _as_flatnet(cluster), args=CLUSTER_ONLY)
    assert first.returncode == 0, first.stdout[-4000:]
    assert "403" not in first.stdout and PASSWORD not in first.stdout
    # The Secret, and the Role and RoleBinding that let calico-node read it, were made by the user flatnet.
    assert kube.core.read_namespaced_secret("bgp-peer-switch", "kube-system").data
    assert kube.rbac.read_namespaced_role("flatnet-bgp-passwords", "kube-system").rules[0].resource_names == ["bgp-peer-switch"]
    again = run_playbook("site.yml", _as_flatnet(cluster), args=CLUSTER_ONLY)
    assert again.returncode == 0 and _changed(again.stdout) == 0, again.stdout[-4000:]
    planned = run_playbook("plan.yml", _as_flatnet(cluster), args=CLUSTER_ONLY)
    assert planned.returncode == 0 and "plan: 0 changes" in planned.stdout.splitlines(), planned.stdout[-4000:]
    # Without the password: its Secret, Role and RoleBinding are pruned, as the user flatnet.
    pruned = run_playbook("site.yml", _as_flatnet(cluster, password=False), args=CLUSTER_ONLY)
    assert pruned.returncode == 0, pruned.stdout[-4000:]
    assert "bgp-peer-switch" not in [item.metadata.name for item in kube.core.list_namespaced_secret("kube-system").items]
    removed = run_playbook("remove.yml", _as_flatnet(cluster, password=False), args=CLUSTER_ONLY)
    assert removed.returncode == 0, removed.stdout[-4000:]
    assert kube.names("bgppeers") == [] and "flatnet-start-dev" not in [item.metadata.name for item in kube.core.list_namespaced_config_map(
        "kube-system").items]


def test_without_the_secrets_rule_the_run_stops_with_the_apis_403_before_any_change(cluster, kube, run_playbook):
    documents = copy.deepcopy(_documents())
    role = next(document for document in documents if document["kind"] == "Role")
    role["rules"] = [rule for rule in role["rules"] if rule["resources"] != ["secrets"]]
    _apply(kube, documents)
    before = kube.state()
    done = run_playbook("site.yml", _as_flatnet(cluster), args=CLUSTER_ONLY)
    assert done.returncode != 0
    assert 'secrets \\"bgp-peer-switch\\" is forbidden: User \\"flatnet\\" cannot get resource \\"secrets\\"' in done.stdout \
        or 'secrets "bgp-peer-switch" is forbidden: User "flatnet" cannot get resource "secrets"' in done.stdout, done.stdout[-4000:]
    # The record of the start and the pool went first, as they do; the switch's password part never began.
    assert kube.state()["secrets"] == before["secrets"]
