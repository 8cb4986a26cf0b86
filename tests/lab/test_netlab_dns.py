# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's DNS servers: the cluster DNS records from the API, the office server's files, and the lab's choice of server."""

from __future__ import annotations

import copy
import shutil
import subprocess

import pytest

from netlab import dns, kube, model, overlay


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin")
    assert found, "%s is missing: make install puts it there" % name
    return found


def _service(namespace, name, cluster_ip, ports, selector=None):
    return {"metadata": {"namespace": namespace, "name": name}, "spec": {"clusterIP": cluster_ip, "ports": ports, "selector": selector or {}}}


def _endpoints(namespace, name, addresses):
    return {"metadata": {"namespace": namespace, "name": name}, "subsets": [{"addresses": [{"ip": ip} for ip in addresses], "ports": []}]}


SERVICES = [_service("default", "web", "10.233.0.10", [{"name": "http", "port": 80, "protocol": "TCP"}]),
            _service("kube-system", "kube-dns", "10.233.0.3",
                     [{"name": "dns", "port": 53, "protocol": "UDP"}, {"name": "dns-tcp", "port": 53, "protocol": "TCP"}]),
            _service("default", "db", "None", [{"port": 5432, "protocol": "TCP"}])]
ENDPOINTS = [_endpoints("default", "web", ["10.233.65.1", "10.233.64.1"]), _endpoints("kube-system", "kube-dns", ["10.233.64.3"]),
             _endpoints("default", "db", ["10.233.66.7"])]


def test_cluster_records_are_what_coredns_answers():
    records = dns.cluster_records(SERVICES, ENDPOINTS, "cluster.local")
    assert records == [
        # headless: the endpoints themselves
        "host-record=db.default.svc.cluster.local,10.233.66.7",
        "host-record=10-233-66-7.db.default.svc.cluster.local,10.233.66.7",
        "host-record=web.default.svc.cluster.local,10.233.0.10",
        "host-record=10-233-64-1.web.default.svc.cluster.local,10.233.64.1",
        "host-record=10-233-65-1.web.default.svc.cluster.local,10.233.65.1",
        "srv-host=_http._tcp.web.default.svc.cluster.local,web.default.svc.cluster.local,80,0,100",
        "host-record=kube-dns.kube-system.svc.cluster.local,10.233.0.3",
        "host-record=10-233-64-3.kube-dns.kube-system.svc.cluster.local,10.233.64.3",
        "srv-host=_dns._udp.kube-dns.kube-system.svc.cluster.local,kube-dns.kube-system.svc.cluster.local,53,0,100",
        "srv-host=_dns-tcp._tcp.kube-dns.kube-system.svc.cluster.local,kube-dns.kube-system.svc.cluster.local,53,0,100"]


def test_reverse_zones_are_whole_octets():
    zones = dns.reverse_zone_names(["10.233.64.0/18", "10.233.0.0/18", "fd00::/64"])
    assert len(zones) == 128 and zones[0] == "64.233.10.in-addr.arpa" and zones[-1] == "63.233.10.in-addr.arpa"
    assert dns.reverse_zone_names(["10.0.0.0/8", "192.168.1.0/26"]) == ["10.in-addr.arpa", "1.168.192.in-addr.arpa"]


def test_the_cluster_dns_config_passes_dnsmasq_test(tmp_path):
    text = dns.cluster_config(dns.cluster_records(SERVICES, ENDPOINTS, "cluster.local"), "cluster.local",
                              dns.reverse_zone_names(["10.233.64.0/18"]), "10.233.64.3", str(tmp_path))
    assert "local=/cluster.local/\nlocal=/64.233.10.in-addr.arpa/" in text and "log-queries" in text and "no-resolv" in text
    (tmp_path / "c.conf").write_text(text)
    done = subprocess.run([_tool("dnsmasq"), "--test", "-C", str(tmp_path / "c.conf")], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("kind, checker", [("bind", ["named-checkconf", "{d}/named.conf"]), ("unbound", ["unbound-checkconf", "{d}/unbound.conf"]),
                                           ("dnsmasq", ["dnsmasq", "--test", "-C", "{d}/dnsmasq.conf"])])
def test_the_office_server_files_pass_their_checker(example, tmp_path, kind, checker):
    topo = model.topology(example, "fn-", office_dns=kind)
    files = dns.office_files(topo.dns_server, topo, str(tmp_path))
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    if kind == "bind":
        (tmp_path / "rndc.key").write_text('key "rndc-key" {\n\talgorithm hmac-sha256;\n\tsecret "c2VjcmV0c2VjcmV0c2VjcmV0";\n};\n')
        (tmp_path / "cache").mkdir()
        assert "dnssec-validation auto;" in files["named.conf.options"]
    if kind == "unbound":
        assert 'module-config: "validator iterator"' in files["unbound.conf"]
    command = [_tool(checker[0])] + [word.format(d=tmp_path) for word in checker[1:]]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_role_vars_point_the_role_at_the_lab_files(example):
    topo = model.topology(example, "fn-", office_dns="unbound")
    found = dns.role_vars(topo.dns_server, "/state/dns/office")
    assert found["dns_forward_kind"] == "unbound" and found["dns_forward_unbound_include_in"] == "/state/dns/office/unbound.conf"
    assert found["dns_forward_check_command"] == ["unbound-checkconf", "/state/dns/office/unbound.conf"]
    assert found["netlab_dns_address"] == "192.168.10.53" and found["netlab_dns_broken_line"].startswith("server:")
    hosts = overlay.overlay(topo, "/usr/bin/python3", "/state")["all"]["hosts"]
    assert hosts["office-dns1"]["ansible_netns_name"] == "fn-dns" and hosts["office-dns1"]["dns_forward_kind"] == "unbound"


def test_the_dnsmasq_restart_is_bounded():
    line = dns.dnsmasq_restart("/state/dns/office")
    assert "for i in $(seq 300)" in line and line.endswith("exec dnsmasq -C /state/dns/office/dnsmasq.conf")


def test_the_kind_comes_from_the_inventory_then_the_lab_then_the_command_line(example):
    assert model.topology(example, "fn-").dns_server.kind == "bind"
    changed = copy.deepcopy(example)
    changed["netlab"]["office_dns"]["kind"] = "dnsmasq"
    assert model.topology(changed, "fn-").dns_server.kind == "dnsmasq"
    assert model.topology(changed, "fn-", office_dns="unbound").dns_server.kind == "unbound"


@pytest.mark.parametrize("change, message", [
    (lambda v: v["netlab"]["office_dns"].update(kind="windows"), "netlab.office_dns.kind: 'windows'"),
    (lambda v: v["netlab"]["office_dns"].update(address="10.9.9.9"), "netlab.office_dns.address: 10.9.9.9 is not in 192.168.10.0/24"),
    (lambda v: v["netlab"]["office_dns"].update(address="192.168.10.10"), "taken by the office PC"),
    (lambda v: v["netlab"]["office_dns"].update(port=53), "netlab.office_dns: a mapping with address and kind"),
    (lambda v: v["flatnet_office"].update(dns_servers=[]), "flatnet_office.dns_servers lists no server"),
])
def test_office_dns_descriptions_that_do_not_fit_are_refused(example, change, message):
    changed = copy.deepcopy(example)
    change(changed)
    with pytest.raises(model.LabError) as caught:
        model.topology(changed, "fn-")
    assert message in str(caught.value)


def test_coredns_in_the_inventory_cannot_run_in_the_lab(example):
    changed = copy.deepcopy(example)
    changed["flatnet_office"]["dns_servers"][0]["kind"] = "coredns"
    del changed["netlab"]["office_dns"]
    with pytest.raises(model.LabError, match="rendered and checked offline only"):
        model.topology(changed, "fn-")


def test_no_dns_service_means_no_cluster_dns_pod(example):
    changed = copy.deepcopy(example)
    del changed["netlab"]["dns_service_ip"]
    topo = model.topology(changed, "fn-")
    assert topo.cluster_dns_netns is None and len(topo.all_pod_netns()) == 8
    assert "dns" not in kube.seed_description(topo)


def test_the_lab_root_server_is_valid_and_the_recursing_servers_use_it(example, tmp_path):
    files = dns.root_files(str(tmp_path))
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    for command in ([_tool("named-checkconf"), str(tmp_path / "named.conf")], [_tool("named-checkzone"), ".", str(tmp_path / "root.zone")]):
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout + done.stderr
    assert "recursion no;" in files["named.conf"] and "listen-on { %s; };" % dns.ROOT_ADDRESS in files["named.conf"]
    for kind in dns.RECURSING:
        topo = model.topology(example, "fn-", office_dns=kind)
        hints = dns.office_files(topo.dns_server, topo, str(tmp_path))["root.hints"]
        # Only the lab's root server, never the Internet's.
        assert hints.split() == [".", "3600000", "IN", "NS", dns.ROOT_NAME + ".", dns.ROOT_NAME + ".", "3600000", "IN", "A", dns.ROOT_ADDRESS]
