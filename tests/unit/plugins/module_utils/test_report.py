# SPDX-License-Identifier: GPL-3.0-or-later
"""The verify role's reachability report."""

from __future__ import annotations

from ansible_collections.flatnet.kube.plugins.filter.report import FilterModule
from ansible_collections.flatnet.kube.plugins.module_utils._report import name_probes, reach_report

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


def test_name_probes_ask_forward_and_back():
    service = {"metadata": {"namespace": "default", "name": "web"}, "spec": {"clusterIP": "10.233.0.10", "ports": [{"port": 80}]}}
    probes = name_probes([service], [POD], "cluster.local.", [80, 8080])
    assert [(probe["type"], probe["args"]) for probe in probes] == [
        ("A", ["web.default.svc.cluster.local", "A"]), ("PTR", ["-x", "10.233.0.10"]), ("PTR", ["-x", "10.233.64.2"])]
    assert probes[0]["url"] == "http://web.default.svc.cluster.local:80/" and "url" not in probes[1]
    assert "url" not in name_probes([service], [], "cluster.local", [8080])[0]


def test_names_join_the_report_and_count():
    service = {"metadata": {"namespace": "default", "name": "web"}, "spec": {"clusterIP": "10.233.0.10", "ports": [{"port": 80}]}}
    probes = name_probes([service], [POD], "cluster.local", [80])
    names = [{"item": probes[0], "rc": 0, "stdout_lines": ["10.233.0.10"]},
             {"item": probes[1], "rc": 0, "stdout_lines": ["web.default.svc.cluster.local."]},
             {"item": probes[2], "rc": 9, "stdout_lines": [";; connection timed out; no servers could be reached"]}]
    name_http = [{"item": probes[0], "status": 200, "content": "web-node2-0\n"}]
    report = reach_report([], [], [], names, name_http)
    assert report["answered"] == 3 and report["silent"] == 1
    assert report["rows"][2].split() == ["name", "web.default.svc.cluster.local", "10.233.0.10", "ok", "ok", "web-node2-0"]
    assert report["rows"][3].split() == ["ptr", "10.233.0.10", "web.default.svc.cluster.local.", "ok", "-"]
    assert report["rows"][4].split()[-2:] == ["NO", "-"]


def test_a_wrong_answer_is_no_answer():
    service = {"metadata": {"namespace": "default", "name": "web"}, "spec": {"clusterIP": "10.233.0.10"}}
    probe = name_probes([service], [], "cluster.local")[0]
    report = reach_report([], [], [], [{"item": probe, "rc": 0, "stdout_lines": ["10.233.0.100"]}])
    assert report["answered"] == 0 and report["silent"] == 1
