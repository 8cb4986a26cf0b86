# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The network lab for real: ``netlab up`` on the example inventory, what it built, and ``netlab down``.

Needs root, iproute2, nftables, FRR, BIRD and curl. The namespaces carry the
prefix ``ft-`` so the test never meets a lab a developer has running
(``fn-``). The tests run in file order; the last one takes the lab down.
"""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess
import sys
from typing import Any, Iterator
from xml.etree import ElementTree

import pytest
import yaml
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from poll import netlab as _netlab, until  # pylint: disable=import-error

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INVENTORY = os.path.join(ROOT, "inventory", "example")
PREFIX = "ft-"
TOOLS = ("ip", "nft", "bird", "birdc", "vtysh", "curl", "dig", "named", "dnsmasq")
FRR_RELOAD = "/usr/lib/frr/frr-reload.py"


@pytest.fixture(scope="module", autouse=True)
def _needs() -> None:
    """Fail loudly, never skip, when the lab cannot run here."""
    missing = [tool for tool in TOOLS if not shutil.which(tool)] + ([] if os.path.exists("/usr/lib/frr/zebra") else ["FRR's zebra"])
    if os.geteuid() != 0 or missing:
        pytest.fail("the network lab needs root and %s; make install puts them there (missing: %s)"
                    % (", ".join(TOOLS), ", ".join(missing) or "root"))


def _root_network() -> dict:
    """The host namespace's interfaces, addresses, routes and nftables ruleset, without what changes by itself.

    Address lifetimes and the expiry of learned routes count down, and rule counters count packets; none of them is
    something the lab could have changed (``nft -s`` leaves the counters' values out).
    """
    commands = {"links": ["ip", "-o", "link"], "addresses": ["ip", "-o", "addr"], "routes": ["ip", "route", "show", "table", "all"],
                "nft": ["nft", "-s", "list", "ruleset"]}
    outputs = {key: subprocess.run(command, capture_output=True, text=True, timeout=30, check=False).stdout for key, command in commands.items()}
    return {key: re.sub(r"((valid|preferred)_lft|expires) \S+", "", text) for key, text in outputs.items()}


def _ours(path_glob: str) -> list:
    return sorted(glob.glob(path_glob))


def _in(netns: str, command: list, timeout: float = 10) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", "netns", "exec", netns] + command, capture_output=True, text=True, timeout=timeout, check=False)


def _curl(netns: str, url: str) -> subprocess.CompletedProcess:
    """One HTTP GET; curl retries a refused or timed-out connection itself, within 20 seconds."""
    return _in(netns, ["curl", "-s", "--max-time", "5", "--retry", "3", "--retry-connrefused", "--retry-max-time", "20", url], timeout=30)


class Lab:
    """A running lab: its state directory, its record and an API client."""

    def __init__(self, state_dir: str, before: dict) -> None:
        self.state_dir = state_dir
        self.before = before
        with open(os.path.join(state_dir, "lab.json"), encoding="utf-8") as handle:
            self.record = json.load(handle)
        self.api = k8s_config.new_client_from_config(config_file=os.path.join(state_dir, "kubeconfig-admin"))
        with open(os.path.join(state_dir, "pids.json"), encoding="utf-8") as handle:
            self.pids = [entry["pid"] for entry in json.load(handle).values()]

    def pods(self) -> list:
        """The lab's Pod objects."""
        return k8s.CoreV1Api(self.api).list_pod_for_all_namespaces().items

    def node_netns(self, node: str) -> str:
        """The namespace of a node."""
        return [item["netns"] for item in self.record["nodes"] if item["name"] == node][0]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: Any) -> Iterator[Lab]:
    """The example inventory's lab, up."""
    state_dir = str(tmp_path_factory.mktemp("netlab") / "state")
    before = _root_network()
    done = _netlab("up", "--inventory", INVENTORY, "--state-dir", state_dir, "--prefix", PREFIX)
    if done.returncode != 0:
        _netlab("down", "--inventory", INVENTORY, "--state-dir", state_dir, "--prefix", PREFIX)
        pytest.fail("netlab up failed (%d):\n%s%s" % (done.returncode, done.stdout, done.stderr))
    running = Lab(state_dir, before)
    yield running
    running.api.close()
    _netlab("down", "--inventory", INVENTORY, "--state-dir", state_dir, "--prefix", PREFIX)


def test_up_builds_every_namespace(lab: Lab) -> None:
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    present = {line.split()[0] for line in listed.splitlines() if line.strip()}
    expected = {"ft-switch-switch1", "ft-gw-office-gw1", "ft-pc", "ft-dns", "ft-uplink", "ft-node1", "ft-node2", "ft-node3", "ft-node4", "ft-pod-dns"} | {
        "ft-pod-node%d-%d" % (node, index) for node in range(1, 5) for index in range(2)}
    assert set(lab.record["namespaces"]) == expected
    assert expected <= present


def test_the_host_network_is_untouched(lab: Lab) -> None:
    assert _root_network() == lab.before


def test_pods_answer_their_name_from_their_node(lab: Lab) -> None:
    pods = [pod for pod in lab.pods() if pod.metadata.namespace == "default"]
    assert len(pods) == 8 and sorted({pod.metadata.labels["app"] for pod in pods}) == ["api", "web"]
    for pod in pods:
        answer = _curl(lab.node_netns(pod.spec.node_name), "http://%s:8080/" % pod.status.pod_ip)
        assert answer.stdout == pod.metadata.name + "\n", answer.stderr


def test_endpoints_hold_every_pod_of_the_service(lab: Lab) -> None:
    core = k8s.CoreV1Api(lab.api)
    for name in ("web", "api"):
        endpoints = core.read_namespaced_endpoints(name, "default")
        addresses = endpoints.subsets[0].addresses
        assert len(addresses) == 4 and len({address.node_name for address in addresses}) == 4
        assert endpoints.subsets[0].ports[0].port == 8080


def _mesh_routes(netns: str, count: int) -> bool:
    routes = _in(netns, ["ip", "route"]).stdout
    return sum(1 for line in routes.splitlines() if "proto bird" in line and " via " in line) >= count


def test_cluster_ip_answers_from_a_node(lab: Lab) -> None:
    assert until(lambda: _mesh_routes("ft-node3", 3), bool), "the node-to-node mesh gave node3 no routes to the other blocks"
    web = {pod.metadata.name for pod in lab.pods() if pod.metadata.labels.get("app") == "web"}
    answers = [_curl("ft-node3", "http://10.233.0.10:80/").stdout for _attempt in range(8)]
    assert all(answer.strip() in web for answer in answers), answers
    assert "flatnet-kube-proxy" in _in("ft-node3", ["nft", "list", "tables"]).stdout


def test_office_pc_reaches_no_pod_and_no_cluster_ip_before_configuration(lab: Lab) -> None:
    pod_ip = lab.pods()[0].status.pod_ip
    for url in ("http://%s:8080/" % pod_ip, "http://10.233.0.10:80/"):
        assert _in("ft-pc", ["curl", "-s", "--max-time", "2", url]).returncode != 0
    if shutil.which("ping"):
        assert _in("ft-pc", ["ping", "-c1", "-W1", pod_ip]).returncode != 0
    assert "10.233." not in _in("ft-gw-office-gw1", ["ip", "route"]).stdout


def _dig(netns: str, *query: str) -> list:
    """The answers of ``dig +short``; [] for none (a name that does not exist fails at once, so three tries cost nothing)."""
    done = _in(netns, ["dig", "+short", "+time=5", "+tries=3"] + list(query), timeout=30)
    return [line for line in done.stdout.splitlines() if line and not line.startswith(";")]


def test_the_cluster_dns_answers_through_the_kube_dns_cluster_ip(lab: Lab) -> None:
    dns_pod = [pod for pod in lab.pods() if pod.metadata.namespace == "kube-system"]
    assert [pod.metadata.labels for pod in dns_pod] == [{"k8s-app": "kube-dns"}]
    endpoints = k8s.CoreV1Api(lab.api).read_namespaced_endpoints("kube-dns", "kube-system")
    assert [address.ip for address in endpoints.subsets[0].addresses] == [dns_pod[0].status.pod_ip]
    web = [pod for pod in lab.pods() if pod.metadata.labels.get("app") == "web"][0]
    dashed = web.status.pod_ip.replace(".", "-")
    assert _dig("ft-node3", "@10.233.0.3", "web.default.svc.cluster.local") == ["10.233.0.10"]
    assert _dig("ft-node3", "@10.233.0.3", "-x", "10.233.0.10") == ["web.default.svc.cluster.local."]
    assert _dig("ft-node3", "@10.233.0.3", "-x", web.status.pod_ip) == ["%s.web.default.svc.cluster.local." % dashed]
    assert _dig("ft-node3", "@10.233.0.3", "+tcp", "_http._tcp.web.default.svc.cluster.local", "SRV") == ["0 100 80 web.default.svc.cluster.local."]
    status = _in("ft-node3", ["dig", "+time=5", "+tries=3", "@10.233.0.3", "missing.default.svc.cluster.local"], timeout=30).stdout
    assert "status: NXDOMAIN" in status


def test_the_office_pc_resolves_through_the_office_dns_but_not_the_cluster_yet(lab: Lab) -> None:
    with open("/etc/netns/ft-pc/resolv.conf", encoding="utf-8") as handle:
        assert "nameserver 192.168.10.53" in handle.read()
    assert _dig("ft-pc", "printer.office.lan") == ["192.168.10.20"]
    assert _dig("ft-pc", "web.default.svc.cluster.local") == []


def test_vtysh_reaches_the_switch_pathspace(lab: Lab) -> None:  # pylint: disable=unused-argument
    done = subprocess.run(["vtysh", "-N", "ft-switch-switch1", "-c", "show version"], capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0 and "FRRouting" in done.stdout
    routes = subprocess.run(["vtysh", "-N", "ft-switch-switch1", "-c", "show ip route"], capture_output=True, text=True, timeout=30, check=True).stdout
    assert "192.168.10.0/24" in routes and "10.200.20.0/24 is directly connected, br0" in routes


def test_frr_reload_tests_a_configuration(lab: Lab) -> None:
    # The switch's own configuration with one more neighbor: frr-reload.py's test shows that line and nothing else.
    running = subprocess.run(["vtysh", "-N", "ft-switch-switch1", "-c", "show running-config"], capture_output=True, text=True,
                             timeout=30, check=True).stdout
    running = "".join(line for line in running.splitlines(keepends=True) if not line.startswith(("Building configuration", "Current configuration")))
    assert "router bgp 65200\n" in running and "neighbor 10.200.22.2 remote-as 65100" in running  # netlab.office_switch
    path = os.path.join(lab.state_dir, "switch", "candidate.conf")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(running.replace("router bgp 65200\n", "router bgp 65200\n neighbor 10.200.20.105 remote-as 64513\n", 1))
    done = subprocess.run([FRR_RELOAD, "--pathspace", "ft-switch-switch1", "--test", path], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Lines To Add" in done.stdout and "neighbor 10.200.20.105 remote-as 64513" in done.stdout
    deleted = done.stdout.split("Lines To Delete")[1].split("Lines To Add")[0] if "Lines To Delete" in done.stdout else ""
    assert [line for line in deleted.splitlines() if line.strip() and not set(line.strip()) <= {"="}] == []


def test_overlay_inventory_merges_with_the_example(lab: Lab) -> None:
    path = os.path.join(lab.state_dir, "inventory.yml")
    with open(path, encoding="utf-8") as handle:
        hosts = yaml.safe_load(handle)["all"]["hosts"]
    assert hosts["switch1"]["ansible_netns_name"] == "ft-switch-switch1" and hosts["switch1"]["switch_bgp_frr_pathspace"] == "ft-switch-switch1"
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), "-i", INVENTORY, "-i", path, "--host", "office-gw1"]
    merged = json.loads(subprocess.run(command, capture_output=True, text=True, timeout=60, check=True).stdout)
    assert merged["ansible_connection"] == "flatnet.kube.netns" and merged["ansible_netns_name"] == "ft-gw-office-gw1"
    with open(os.path.join(lab.state_dir, "env"), encoding="utf-8") as handle:
        assert "export K8S_AUTH_KUBECONFIG=%s" % os.path.join(lab.state_dir, "kubeconfig") in handle.read()


def test_status_reports_the_switch_and_gateway(lab: Lab) -> None:
    done = _netlab("status", "--state-dir", lab.state_dir)
    assert done.returncode == 0, done.stderr
    assert "ft-node1" in done.stdout and "GONE" not in done.stdout and "MISSING" not in done.stdout
    assert "show ip route (vtysh -N ft-switch-switch1)" in done.stdout and "ip route in ft-gw-office-gw1" in done.stdout


def test_shell_runs_one_command_in_the_office_pc_and_returns_its_status(lab: Lab) -> None:
    done = _netlab("shell", "--state-dir", lab.state_dir, "--command", "ip -o -4 addr show scope global; exit 7")
    assert done.returncode == 7, done.stderr
    assert " %s/" % lab.record["pc"]["ip"] in done.stdout
    other = _netlab("shell", "--state-dir", lab.state_dir, "--netns", "ft-gw-office-gw1", "--command", "ip route")
    assert other.returncode == 0 and "192.168.10.0/24 dev lan0" in other.stdout, other.stderr
    stranger = _netlab("shell", "--state-dir", lab.state_dir, "--netns", "not-a-lab-ns", "--command", "true")
    assert stranger.returncode != 0 and "not-a-lab-ns is not a namespace of this lab" in stranger.stderr


def test_picture_draws_every_namespace_and_renders(lab: Lab) -> None:
    dot = _netlab("picture", "--state-dir", lab.state_dir)
    assert dot.returncode == 0, dot.stderr
    drawn = set(re.findall(r'^    "([^"]+)" \[label=', dot.stdout, re.MULTILINE))
    assert set(lab.record["namespaces"]) <= drawn, sorted(set(lab.record["namespaces"]) - drawn)
    svg = _netlab("picture", "--svg", "--state-dir", lab.state_dir)
    assert svg.returncode == 0, svg.stderr
    texts = [element.text for element in ElementTree.parse(svg.stdout.strip()).iter() if element.tag.endswith("}text")]
    assert "ft-switch-switch1: switch switch1" in texts, texts


def test_down_removes_everything(lab: Lab) -> None:
    done = _netlab("down", "--state-dir", lab.state_dir)
    assert done.returncode == 0, done.stderr
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=True).stdout
    assert not [line for line in listed.splitlines() if line.startswith(PREFIX)]
    assert not [pid for pid in lab.pids if os.path.exists("/proc/%d" % pid) and "Z" not in _state(pid)]
    assert _ours("/etc/frr/%s*" % PREFIX) == [] and _ours("/var/run/frr/%s*" % PREFIX) == [] and _ours("/etc/netns/%s*" % PREFIX) == []
    assert not os.path.exists(lab.state_dir)
    assert _root_network() == lab.before


def _state(pid: int) -> str:
    try:
        with open("/proc/%d/stat" % pid, encoding="utf-8") as handle:
            text = handle.read()
    except OSError:
        return "gone"
    return text[text.rfind(")") + 2:].split()[0]
