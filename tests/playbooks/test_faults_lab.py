# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Faults and load on the network lab, one row of a table per fault: the fault, what the run did, whether anything
was lost or left broken, and whether a rerun converged. The table prints at the end; every row must pass.

The lab (prefix ``fz-``) is the example inventory's twin with BIND as the office DNS server; flatnet runs as the
least-privilege user, and the API faults come from the twin's test hook. Loads are bounded in count and time and stay
inside the lab's namespaces. Needs root.
"""

from __future__ import annotations

import base64
import concurrent.futures
import json
import os
import subprocess
import time
from typing import Any, Dict, Iterator, List

import pytest
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from poll import lab_up, netlab as _netlab, until  # pylint: disable=import-error

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INVENTORY = os.path.join(ROOT, "inventory", "example")
PREFIX = "fz-"
NAME = "web.default.svc.cluster.local"
WEB_IP = "10.233.0.10"
PASSWORD = "fault-suite-pw-3b7e"
ROWS: List[Dict[str, str]] = []


@pytest.fixture(name="lab", scope="module")
def fixture_lab(tmp_path_factory: Any, run_playbook_module: Any) -> Iterator[Dict[str, Any]]:
    """The example's lab, up and converged once by site.yml."""
    if os.geteuid() != 0:
        pytest.fail("the network lab needs root")
    state = str(tmp_path_factory.mktemp("faults-lab") / "state")
    record = lab_up(state, INVENTORY, PREFIX)
    api = k8s_config.new_client_from_config(config_file=os.path.join(state, "kubeconfig-admin"))
    lab = {"state": state, "record": record, "api": api, "run": run_playbook_module}
    first = _site(lab)
    if first.returncode != 0:
        api.close()
        _netlab("down", "--state-dir", state)
        pytest.fail("site.yml on the fault lab failed:\n%s" % first.stdout[-3000:])
    yield lab
    api.close()
    _netlab("down", "--state-dir", state)


def _site(lab: Dict[str, Any], password: str = ""):
    def edit(intent: Dict[str, Any]) -> None:
        if password:
            intent["flatnet_fabric"]["switches"][0]["password"] = password
    return lab["run"]("site.yml", edit, args=["-i", os.path.join(lab["state"], "inventory.yml")],
                      env={"K8S_AUTH_KUBECONFIG": os.path.join(lab["state"], "kubeconfig")})


def _changed(output: str) -> int:
    return sum(int(line.split("changed=")[1].split()[0]) for line in output.splitlines() if " changed=" in line and " : ok=" in line)


def _hook(lab: Dict[str, Any], method: str, path: str, body: Any = None) -> Any:
    """A request to the twin's test hooks with the admin's token, through the official client's REST layer."""
    configuration = lab["api"].configuration
    headers = {"Authorization": configuration.auth_settings()["BearerToken"]["value"], "Content-Type": "application/json"}
    response = lab["api"].rest_client.pool_manager.request(method, configuration.host + path, headers=headers, timeout=30,
                                                           body=None if body is None else json.dumps(body).encode())
    assert response.status == 200, response.data
    return json.loads(response.data)


def _requests(lab: Dict[str, Any], path: str, method: str) -> List[int]:
    log = _hook(lab, "GET", "/_emulator/requests")["requests"]
    return [entry["status"] for entry in log if entry["path"] == path and entry["method"] == method]


def _in(netns: str, command: List[str], timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", "netns", "exec", netns] + command, capture_output=True, text=True, timeout=timeout, check=False)


def _peering_established(lab: Dict[str, Any]) -> int:
    shown = subprocess.run(["vtysh", "-N", lab["record"]["switch"]["pathspace"], "-c", "show bgp summary json"], capture_output=True,
                           text=True, timeout=30, check=False).stdout
    peers = (json.loads(shown or "{}").get("ipv4Unicast") or {}).get("peers") or {}
    return sum(1 for address, peer in peers.items() if address.startswith("10.200.20.10") and peer.get("state") == "Established")


def _row(fault: str, did: str, lost: str, converged: str) -> None:
    ROWS.append({"fault": fault, "did": did, "lost": lost, "converged": converged})


def test_api_faults_during_discovery_and_writes_are_absorbed(lab):
    _hook(lab, "DELETE", "/_emulator/requests")
    custom = k8s.CustomObjectsApi(lab["api"])
    custom.patch_cluster_custom_object("crd.projectcalico.org", "v1", "bgppeers", "peer-switch", {"spec": {"asNumber": 65299}})
    _hook(lab, "POST", "/_emulator/inject-fault", {"path": "/api/v1/nodes", "fault": "503", "times": 2})
    _hook(lab, "POST", "/_emulator/inject-fault", {"path": "/apis/crd.projectcalico.org/v1/bgppeers/peer-switch", "fault": "429",
                                                   "times": 2, "methods": ["PUT"], "retry_after": 1})
    done = _site(lab)
    assert done.returncode == 0, done.stdout[-3000:]
    assert _requests(lab, "/api/v1/nodes", "GET")[:3] == [503, 503, 200]
    assert _requests(lab, "/apis/crd.projectcalico.org/v1/bgppeers/peer-switch", "PUT") == [429, 429, 200]
    assert custom.get_cluster_custom_object("crd.projectcalico.org", "v1", "bgppeers", "peer-switch")["spec"]["asNumber"] == 65200
    _row("API: 503 x2 on discovery, 429 x2 (Retry-After 1) on the BGPPeer write", "retried, converged", "nothing", "yes (same run)")


def test_an_api_storm_fails_clearly_with_nothing_half_written_and_a_rerun_converges(lab):
    custom = k8s.CustomObjectsApi(lab["api"])
    custom.patch_cluster_custom_object("crd.projectcalico.org", "v1", "bgppeers", "peer-switch", {"spec": {"asNumber": 65299}})
    path = "/apis/crd.projectcalico.org/v1/bgppeers/peer-switch"
    _hook(lab, "POST", "/_emulator/inject-fault", {"path": path, "fault": "503", "times": 100, "methods": ["PUT"]})
    failed = _site(lab)
    assert failed.returncode != 0
    assert "503 ServiceUnavailable" in failed.stdout and "gave up after 5 attempts (request_retries 4)" in failed.stdout, failed.stdout[-3000:]
    assert custom.get_cluster_custom_object("crd.projectcalico.org", "v1", "bgppeers", "peer-switch")["spec"]["asNumber"] == 65299
    _hook(lab, "POST", "/_emulator/inject-fault", {"path": path, "fault": "503", "times": 0})
    again = _site(lab)
    assert again.returncode == 0, again.stdout[-3000:]
    assert custom.get_cluster_custom_object("crd.projectcalico.org", "v1", "bgppeers", "peer-switch")["spec"]["asNumber"] == 65200
    _row("API: 503 storm on the BGPPeer write", "failed: 'gave up after 5 attempts'", "nothing (peer as before)", "yes")


def test_a_409_storm_from_a_concurrent_writer_converges_or_fails_clearly(lab):
    custom = k8s.CustomObjectsApi(lab["api"])
    path = "/apis/crd.projectcalico.org/v1/bgppeers/peer-switch"
    custom.patch_cluster_custom_object("crd.projectcalico.org", "v1", "bgppeers", "peer-switch", {"spec": {"asNumber": 65299}})
    _hook(lab, "POST", "/_emulator/inject-conflict", {"path": path, "times": 3})
    done = _site(lab)
    assert done.returncode == 0, done.stdout[-3000:]
    assert custom.get_cluster_custom_object("crd.projectcalico.org", "v1", "bgppeers", "peer-switch")["spec"]["asNumber"] == 65200
    custom.patch_cluster_custom_object("crd.projectcalico.org", "v1", "bgppeers", "peer-switch", {"spec": {"asNumber": 65299}})
    _hook(lab, "POST", "/_emulator/inject-conflict", {"path": path, "times": 50})
    failed = _site(lab)
    assert failed.returncode != 0 and "kept changing under us" in failed.stdout, failed.stdout[-3000:]
    _hook(lab, "POST", "/_emulator/inject-conflict", {"path": path, "times": 0})
    assert _site(lab).returncode == 0
    _row("409 storm: 3, then 50 concurrent writes on the BGPPeer", "3: re-read and converged; 50: failed clearly",
         "nothing (the other writer's changes kept)", "yes")


def test_a_wrong_bgp_password_gives_no_session_and_a_rerun_puts_it_right(lab):
    done = _site(lab, PASSWORD)
    assert done.returncode == 0, done.stdout[-3000:]
    assert until(lambda: _peering_established(lab), lambda count: count == 2, seconds=90) == 2
    wrong = base64.b64encode(b"not-" + PASSWORD.encode()).decode()
    k8s.CoreV1Api(lab["api"]).patch_namespaced_secret("bgp-peer-switch", "kube-system", {"data": {"password": wrong}})
    assert until(lambda: _peering_established(lab), lambda count: count == 0, seconds=90) == 0
    # Held down: still no session some seconds later.
    time.sleep(10)
    assert _peering_established(lab) == 0
    again = _site(lab, PASSWORD)
    assert again.returncode == 0 and _changed(again.stdout) >= 1, again.stdout[-3000:]
    assert until(lambda: _peering_established(lab), lambda count: count == 2, seconds=90) == 2
    _row("wrong BGP password on the cluster's side", "sessions down, held down", "the routes, while it is wrong", "yes (Secret put back)")


def test_the_office_dns_server_is_no_open_resolver(lab):
    node, server = lab["record"]["nodes"][0]["netns"], lab["record"]["office_dns"]["ip"]
    outside = _in(node, ["dig", "@" + server, "+time=5", "+tries=1", "+noall", "+comments", NAME])
    assert "status: REFUSED" in outside.stdout, outside.stdout + outside.stderr
    inside = _in(lab["record"]["pc"]["netns"], ["dig", "@" + server, "+time=5", "+tries=1", "+short", NAME])
    assert inside.stdout.split() == [WEB_IP], inside.stdout
    _row("a client outside the office networks asks the office DNS", "REFUSED (the office PC: answered)", "nothing", "n/a")


def _percentile(values: List[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _many(command: List[str], count: int, parallel: int, netns: str) -> List[subprocess.CompletedProcess]:
    """``count`` runs of a command in a namespace, ``parallel`` at a time (bounded: each has its own time-out)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=parallel) as pool:
        return list(pool.map(lambda _index: _in(netns, command, timeout=60), range(count)))


def test_load_200_concurrent_lookups_from_the_office_pc_all_correct(lab, capsys):
    command = ["dig", "@" + lab["record"]["office_dns"]["ip"], "+time=10", "+tries=1", "+noall", "+answer", "+stats", NAME]
    started = time.monotonic()
    done = _many(command, 200, 50, lab["record"]["pc"]["netns"])
    took = time.monotonic() - started
    answers, times = [], []
    for result in done:
        answers.append(sorted(line.split()[-1] for line in result.stdout.splitlines() if line and not line.startswith(";") and " A " in line
                              .replace("\t", " ")))
        times += [float(line.split()[3]) for line in result.stdout.splitlines() if line.startswith(";; Query time:")]
    assert answers == [[WEB_IP]] * 200, [answer for answer in answers if answer != [WEB_IP]][:5]
    assert len(times) == 200
    with capsys.disabled():
        print("\nload: 200 lookups of %s, 50 at a time, in %.1f s: all %s; query time p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms"
              % (NAME, took, WEB_IP, _percentile(times, 0.5), _percentile(times, 0.9), _percentile(times, 0.99), max(times)))
    _row("load: 200 concurrent lookups through the office DNS", "all answered %s (p99 %.0f ms)" % (WEB_IP, _percentile(times, 0.99)),
         "nothing", "n/a")


def test_load_50_concurrent_http_requests_to_a_cluster_ip_all_from_its_pods(lab, capsys):
    pods = sorted(pod.metadata.name for pod in k8s.CoreV1Api(lab["api"]).list_namespaced_pod("default", label_selector="app=web").items)
    assert pods
    started = time.monotonic()
    done = _many(["curl", "-s", "--max-time", "10", "http://%s/" % WEB_IP], 50, 50, lab["record"]["pc"]["netns"])
    took = time.monotonic() - started
    answers = [result.stdout.strip() for result in done]
    assert len(answers) == 50 and set(answers) <= set(pods), (answers, pods)
    with capsys.disabled():
        print("\nload: 50 concurrent GETs of http://%s/ in %.1f s: all answered by web's pods (%s)"
              % (WEB_IP, took, ", ".join("%s %d" % (pod, answers.count(pod)) for pod in pods)))
    _row("load: 50 concurrent HTTP requests to web's ClusterIP", "all answered by web's %d pods" % len(set(answers)), "nothing", "n/a")


def test_the_fault_table(capsys):
    names = ["fault", "did", "lost", "converged"]
    widths = [max(len(name), *(len(row[name]) for row in ROWS)) for name in names]
    lines = [" | ".join(name.ljust(width) for name, width in zip(names, widths)), "-+-".join("-" * width for width in widths)]
    lines += [" | ".join(row[name].ljust(width) for name, width in zip(names, widths)) for row in ROWS]
    with capsys.disabled():
        print("\nfault table (%d rows):\n%s" % (len(ROWS), "\n".join(lines)))
    # Every row above ran and passed: none may be missing.
    assert [row["fault"][:4] for row in ROWS] == ["API:", "API:", "409 ", "wron", "a cl", "load", "load"], ROWS
