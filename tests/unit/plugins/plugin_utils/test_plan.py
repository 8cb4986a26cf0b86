# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""plugin_utils._plan: task results into objects with actions and short diffs, and the report."""

from __future__ import annotations

import json

from ansible_collections.flatnet.kube.plugins.plugin_utils import _plan as plan

FRR_DELTA = "".join("+%s\n" % line for line in [
    "router bgp 65200", " neighbor FLATNET peer-group",
    "router bgp 65200", " neighbor FLATNET remote-as 64513",
    "router bgp 65200", " address-family ipv4 unicast", "  neighbor FLATNET maximum-prefix 208",
    "router bgp 65200", " address-family ipv4 unicast", "  maximum-paths 8",
    "ip prefix-list FLATNET-IN seq 10 permit 10.233.0.0/18 le 32",
    "ip prefix-list FLATNET-IN seq 20 permit 10.233.64.0/18 le 32",
    "route-map FLATNET-OUT deny 10",
]) + "-ip prefix-list FLATNET-OLD seq 10 permit 10.99.0.0/16 le 32\n"


def test_a_result_that_changes_nothing_is_no_change():
    assert plan.changes("flatnet.kube.calico_ippool", {"changed": False, "diff": {"before": {}, "after": {"spec": {}}}}, "t") == []


def test_an_frr_delta_is_one_object_per_block_with_each_context_once():
    found = plan.changes("flatnet.kube.frr_config", {"changed": True, "diff": {"prepared": FRR_DELTA}}, "t")
    assert [(change["action"], change["name"]) for change in found] == [
        ("update", "router bgp 65200"), ("create", "ip prefix-list FLATNET-IN"), ("create", "route-map FLATNET-OUT"),
        ("delete", "ip prefix-list FLATNET-OLD")]
    assert found[0]["diff"] == [" router bgp 65200", "+ neighbor FLATNET peer-group", "+ neighbor FLATNET remote-as 64513",
                                "  address-family ipv4 unicast", "+  neighbor FLATNET maximum-prefix 208", "+  maximum-paths 8"]
    assert (found[0]["added"], found[0]["removed"]) == (4, 0)
    assert found[3]["diff"] == ["-ip prefix-list FLATNET-OLD seq 10 permit 10.99.0.0/16 le 32"]


def test_a_calico_object_is_created_updated_or_deleted_with_its_changed_fields():
    pool = {"metadata": {"name": "p", "resourceVersion": "1"}, "spec": {"cidr": "10.0.0.0/16", "ipipMode": "Always"}}
    changed = {"metadata": {"name": "p", "resourceVersion": "2"}, "spec": {"cidr": "10.0.0.0/16", "ipipMode": "Never", "disabled": False}}
    result = {"changed": True, "diff": {"before": pool, "after": changed}, "invocation": {"module_args": {"name": "p"}}}
    update = plan.changes("flatnet.kube.calico_ippool", result, "t")
    assert update[0]["action"] == "update" and update[0]["name"] == "p" and update[0]["kind"] == "IPPool"
    # The server's bookkeeping (resourceVersion) is not a change of flatnet's.
    assert update[0]["diff"] == ['~ spec.disabled: (unset) -> false', '~ spec.ipipMode: "Always" -> "Never"']
    assert "encapsulation" in update[0]["risk"] and "ipipMode" in update[0]["risk"]
    created = {"changed": True, "diff": {"before": {}, "after": changed}, "_ansible_item_label": "peer-a -> x"}
    create = plan.changes("flatnet.kube.calico_bgp_peer", created, "t")
    delete = plan.changes("flatnet.kube.calico_bgp_peer", {"changed": True, "diff": {"before": json.dumps(pool), "after": ""}}, "t")
    assert (create[0]["action"], create[0]["name"], create[0]["kind"]) == ("create", "peer-a", "BGPPeer")
    assert delete[0]["action"] == "delete" and "risk" not in delete[0]


def test_routes_files_prunes_and_a_secret_task():
    routes = plan.changes("flatnet.kube.linux_route", {
        "changed": True, "routes_added": [{"dest": "10.1.0.0/16", "via": "10.0.0.1", "proto": "static"}, {"dest": "10.2.0.0/16", "via": "10.0.0.2"}],
        "routes_removed": [{"dest": "10.2.0.0/16", "via": "10.0.0.9"}, {"dest": "10.3.0.0/16", "via": "10.0.0.1"}],
        "diff": [{"before_header": "routes", "after_header": "routes", "before": "", "after": ""},
                 {"before_header": "/etc/flatnet-routes", "after_header": "/etc/flatnet-routes", "before": "a\n", "after": "b\n"}]}, "t")
    assert [(change["action"], change["kind"], change["name"]) for change in routes] == [
        ("create", "route", "10.1.0.0/16"), ("update", "route", "10.2.0.0/16"), ("delete", "route", "10.3.0.0/16"),
        ("update", "file", "/etc/flatnet-routes")]
    files = plan.changes("flatnet.kube.dns_forwarder", {"changed": True, "diff": [
        {"before_header": "/z (absent)", "after_header": "/z", "before": "", "after": "zone\n" * 30},
        {"before_header": "/o", "after_header": "/o (absent)", "before": "x\n", "after": ""}]}, "t")
    assert [(change["action"], change["name"], change["added"], change.get("more")) for change in files] == [
        ("create", "/z", 30, 30 - plan.SHORT), ("delete", "/o", 0, None)]
    pruned = plan.changes("flatnet.kube.cluster_prune", {"changed": True, "pruned": [{"kind": "Secret", "name": "bgp-a", "namespace": "kube-system"}]}, "t")
    assert [(change["action"], change["kind"], change["name"]) for change in pruned] == [("delete", "Secret", "kube-system/bgp-a")]
    secret = plan.changes("kubernetes.core.k8s", {"changed": True, "censored": "the output has been hidden"}, "t", "Secret")
    assert (secret[0]["kind"], secret[0]["name"], secret[0]["diff"]) == ("Secret", "(not shown: no_log)", [])


def test_the_report_counts_per_host_and_the_summary_line():
    report = plan.Report()
    assert report.summary("plan") == "plan: 0 changes"
    report.add("office-dns1", "dns", [plan._change("update", "file", "/z", ["+a"])])  # pylint: disable=protected-access
    report.add("localhost", "cluster", [plan._change("create", "BGPPeer", "p")] * 3)  # pylint: disable=protected-access
    block = plan._change("update", "config", "router bgp 1", ["+x"])  # pylint: disable=protected-access
    report.add("switch1", "switch", [block] * 2, ["instance-wide: maximum-paths 8"])
    report.add("office-gw1", "gateway", [plan._change("create", "route", "10.0.0.0/8", ["+r"])])  # pylint: disable=protected-access
    assert report.summary("plan") == "plan: 7 changes on 4 hosts (cluster 3, switch1 2, office-gw1 1, office-dns1 1)"
    text = report.text("plan", "ansible-playbook playbooks/site.yml --limit localhost,switch1")
    assert text.splitlines()[-1] == report.summary("plan")
    assert "  - switch1: instance-wide: maximum-paths 8" in text and "--limit localhost,switch1" in text
    data = report.as_dict("plan")
    assert data["total"] == 7 and [host["name"] for host in data["hosts"]] == ["cluster", "switch1", "office-gw1", "office-dns1"]
    assert plan.comparable(data)[0] == ("cluster", "create", "BGPPeer", "p")
