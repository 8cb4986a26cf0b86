# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""flatnet.kube.cluster_start against the lab's API emulator: recorded once, read, restored, deleted."""

from __future__ import annotations

import json
from typing import Any, Dict

from ansible_collections.flatnet.kube.plugins.modules import calico_bgp_configuration, calico_ippool, cluster_start

OWNED = {"app.kubernetes.io/managed-by": "flatnet.kube", "flatnet.kube/cluster": "dev"}


def _args(cluster: Any, **options: Any) -> Dict[str, Any]:
    return dict({"kubeconfig": cluster.kubeconfig_path, "cluster": "dev", "pools": ["default-pool", "not-yet"], "labels": OWNED}, **options)


def test_the_start_is_recorded_once_and_later_runs_keep_it(cluster, kube, run_module):
    pool = kube.get("ippools", "default-pool")
    first = run_module(cluster_start.main, _args(cluster)).result
    assert first["changed"] is True
    assert first["record"] == {"version": 1, "bgpconfiguration": None,
                               "pools": {"default-pool": {"labels": pool["metadata"].get("labels") or {}, "spec": pool["spec"]}, "not-yet": None}}
    stored = kube.core.read_namespaced_config_map("flatnet-start-dev", "kube-system")
    assert stored.metadata.labels == OWNED and json.loads(stored.data["start.json"]) == first["record"]
    # flatnet changes the pool; the record still says how it was.
    run_module(calico_ippool.main, {"kubeconfig": cluster.kubeconfig_path, "name": "default-pool", "ipip_mode": "Never"})
    again = run_module(cluster_start.main, _args(cluster)).result
    assert again["changed"] is False and again["record"] == first["record"]
    read = run_module(cluster_start.main, _args(cluster, state="read")).result
    assert read["pools_before"] == ["default-pool: ipipMode Always, vxlanMode Never, natOutgoing true", "not-yet: not there"]


def test_restored_puts_the_recorded_objects_back_and_deletes_what_was_not_there(cluster, kube, run_module):
    pool = kube.get("ippools", "default-pool")
    run_module(cluster_start.main, _args(cluster))
    run_module(calico_ippool.main, {"kubeconfig": cluster.kubeconfig_path, "name": "default-pool", "ipip_mode": "Never", "labels": OWNED})
    run_module(calico_bgp_configuration.main, {"kubeconfig": cluster.kubeconfig_path, "name": "default", "as_number": 64513})
    checked = run_module(cluster_start.main, _args(cluster, state="restored", restore=["bgpconfiguration", "pools"], _ansible_check_mode=True))
    assert checked.result["changed"] is True and kube.names("bgpconfigurations") == ["default"]
    done = run_module(cluster_start.main, _args(cluster, state="restored", restore=["bgpconfiguration", "pools"])).result
    assert done["restored"] == [{"kind": "BGPConfiguration", "name": "default", "action": "deleted"},
                                {"kind": "IPPool", "name": "default-pool", "action": "restored"}]
    now = kube.get("ippools", "default-pool")
    assert now["spec"] == pool["spec"] and (now["metadata"].get("labels") or {}) == (pool["metadata"].get("labels") or {})
    assert kube.names("bgpconfigurations") == []
    assert run_module(cluster_start.main, _args(cluster, state="restored", restore=["bgpconfiguration", "pools"])).result["changed"] is False


def test_absent_deletes_the_record_and_then_there_is_nothing_to_read(cluster, kube, run_module):
    run_module(cluster_start.main, _args(cluster))
    gone = run_module(cluster_start.main, _args(cluster, state="absent")).result
    assert gone["changed"] is True
    read = run_module(cluster_start.main, _args(cluster, state="read")).result
    assert read["changed"] is False and read["record"] is None
    assert run_module(cluster_start.main, _args(cluster, state="absent")).result["changed"] is False


def test_a_record_flatnet_cannot_read_fails_clearly(cluster, kube, run_module):
    kube.core.create_namespaced_config_map("kube-system", {"metadata": {"name": "flatnet-start-dev"}, "data": {"start.json": "not json"}})
    result = run_module(cluster_start.main, _args(cluster)).result
    assert result["failed"] is True and "holds no record flatnet can read" in result["msg"]
