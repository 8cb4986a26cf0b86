# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The cluster modules on a bad day of the API (the lab's twin injects the faults): a few are absorbed by the bounded
retries, many fail clearly with nothing half-written, and a rerun converges. Read back with the official client."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from ansible_collections.flatnet.kube.plugins.module_utils import _k8s as k8s
from ansible_collections.flatnet.kube.plugins.modules import calico_ippool, cluster_network_info

from kube_helpers import inject_fault  # pylint: disable=import-error

POOL_PATH = "/apis/crd.projectcalico.org/v1/ippools/default-pool"


def auth(emulator: Any, **options: Any) -> Dict[str, Any]:
    return dict({"kubeconfig": emulator.kubeconfig_path}, **options)


@pytest.mark.parametrize("fault, options", [("500", {}), ("503", {}), ("429", {"retry_after": 1}), ("drop", {})])
def test_two_faults_on_the_write_are_absorbed_and_counted(cluster, kube, run_module, fault, options):
    inject_fault(cluster, POOL_PATH, fault, 2, methods=["PUT"], **options)
    result = run_module(calico_ippool.main, auth(cluster, name="default-pool", ipip_mode="Never")).result
    assert result["changed"] is True, result
    assert kube.get("ippools", "default-pool")["spec"]["ipipMode"] == "Never"
    totals = result["api_requests"]
    assert totals["attempts"] == totals["requests"] + 2
    if fault == "429":
        assert totals["waited_seconds"] >= 2.0  # Retry-After: 1, twice


def test_many_faults_fail_clearly_with_nothing_written_and_a_rerun_converges(cluster, kube, run_module):
    before = kube.state()
    inject_fault(cluster, POOL_PATH, "503", 10, methods=["PUT"])
    failed = run_module(calico_ippool.main, auth(cluster, name="default-pool", ipip_mode="Never", request_retries=2)).result
    assert failed["failed"] is True and failed["status"] == 503
    assert "503 ServiceUnavailable" in failed["msg"] and "gave up after 3 attempts (request_retries 2)" in failed["msg"]
    assert kube.state() == before
    inject_fault(cluster, POOL_PATH, "503", 0)  # the storm is over
    again = run_module(calico_ippool.main, auth(cluster, name="default-pool", ipip_mode="Never")).result
    assert again["changed"] is True and kube.get("ippools", "default-pool")["spec"]["ipipMode"] == "Never"


def test_a_create_is_not_repeated_after_a_500_but_is_after_a_429(cluster, kube, run_module):
    collection = "/apis/crd.projectcalico.org/v1/ippools"
    inject_fault(cluster, collection, "500", 1, methods=["POST"])
    failed = run_module(calico_ippool.main, auth(cluster, name="extra-pool", cidr="10.234.0.0/20")).result
    assert failed["failed"] is True and failed["status"] == 500 and "extra-pool" not in kube.names("ippools")
    inject_fault(cluster, collection, "429", 1, methods=["POST"], retry_after=0)
    created = run_module(calico_ippool.main, auth(cluster, name="extra-pool", cidr="10.234.0.0/20")).result
    assert created["changed"] is True and created["api_requests"]["attempts"] == created["api_requests"]["requests"] + 1


def test_a_stall_past_the_timeout_is_retried_and_discovery_goes_on(cluster, run_module):
    inject_fault(cluster, "/api/v1/nodes", "stall", 1, seconds=3)
    result = run_module(cluster_network_info.main, auth(cluster, request_timeout=1)).result
    assert not result.get("failed"), result
    assert result["api_requests"]["attempts"] == result["api_requests"]["requests"] + 1


def test_a_stall_with_no_retry_left_says_it_timed_out(cluster, run_module):
    inject_fault(cluster, "/api/v1/nodes", "stall", 1, seconds=3)
    result = run_module(cluster_network_info.main, auth(cluster, request_timeout=1, request_retries=0)).result
    assert result["failed"] is True and "no reply within request_timeout" in result["msg"]


def test_a_field_the_server_does_not_know_is_refused_not_dropped(cluster, kube):
    client = k8s.KubeClient({"kubeconfig": cluster.kubeconfig_path})
    body = {"apiVersion": "crd.projectcalico.org/v1", "kind": "IPPool", "metadata": {"name": "strict"},
            "spec": {"cidr": "10.235.0.0/24", "ipipModee": "Never"}}
    with pytest.raises(k8s.KubeError) as caught:
        client.write("POST", "/apis/crd.projectcalico.org/v1/ippools", body)
    assert caught.value.status == 400 and 'unknown field "spec.ipipModee"' in str(caught.value)
    assert "strict" not in kube.names("ippools")
