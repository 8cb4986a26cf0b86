# SPDX-License-Identifier: GPL-3.0-or-later
"""The verify role's reachability report."""

from __future__ import annotations

from ansible_collections.flatnet.kube.plugins.filter.report import FilterModule
from ansible_collections.flatnet.kube.plugins.module_utils._report import reach_report

POD = {"metadata": {"name": "web-node1-1"}, "spec": {"nodeName": "node1"}, "status": {"podIP": "10.233.64.2"}}
SERVICE = {"metadata": {"namespace": "default", "name": "web"}, "spec": {"clusterIP": "10.233.0.10"}}


def test_everything_answered():
    report = reach_report([{"item": POD, "rc": 0}], [{"item": POD, "status": 200, "content": "web-node1-1\n"}],
                          [{"item": [SERVICE, {"port": 80}], "status": 200, "content": "api-node3-2\n"}])
    assert report["answered"] == 3 and report["silent"] == 0 and report["total"] == 3
    assert report["rows"][1].split() == ["pod", "web-node1-1/node1", "10.233.64.2", "ok", "ok", "web-node1-1"]
    assert report["rows"][2].split() == ["svc", "default/web", "10.233.0.10:80", "-", "ok", "api-node3-2"]


def test_nothing_answered_and_skipped_probes_do_not_count():
    report = reach_report([{"item": POD, "rc": 1}], [{"item": POD, "status": -1, "msg": "timed out"}],
                          [{"item": [SERVICE, {"port": 80}], "status": -1}, {"item": [SERVICE, {"port": 53}], "skipped": True}])
    assert report["answered"] == 0 and report["silent"] == 3
    assert report["rows"][1].split()[-2:] == ["NO", "NO"]
    assert len(report["rows"]) == 3


def test_the_filter_is_the_same_function():
    assert FilterModule().filters()["reach_report"] is reach_report
