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
import contextlib
import json
import os
import random
import re
import signal
import subprocess
import threading
import time
from typing import Any, Dict, Iterator, List, Sequence, Tuple

import pytest
import yaml
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


def _site(lab: Dict[str, Any], password: str = "", office: Sequence[str] = (), background: bool = False, limit: str = "",
          extra: Sequence[str] = (), playbook: str = "site.yml"):
    def edit(intent: Dict[str, Any]) -> None:
        if password:
            intent["flatnet_fabric"]["switches"][0]["password"] = password
        intent["flatnet_office"]["networks"] += list(office)
    return lab["run"](playbook, edit, args=["-i", os.path.join(lab["state"], "inventory.yml")] + (["--limit", limit] if limit else []) + list(extra),
                      env={"K8S_AUTH_KUBECONFIG": os.path.join(lab["state"], "kubeconfig")}, background=background)


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


SWITCH_APPLY = "TASK [flatnet.kube.switch_bgp : Apply the BGP sessions"
UPLINK = " neighbor 10.200.22.2 remote-as 65100\n"


def _stop_group(run: subprocess.Popen) -> None:
    try:
        os.killpg(run.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def _site_killing(lab: Dict[str, Any], when: Any, kill: Any, **site: Any) -> Tuple[int, str, bool]:
    """site.yml in the background; ``kill()`` once ``when(line, seconds)`` holds for an output line (or the time since
    the start, checked at each line and every 50 ms). Bounded: the whole run is stopped after 600 s. (exit, output,
    killed)."""
    run = _site(lab, background=True, **site)
    lines: List[str] = []
    killed = False
    started = time.monotonic()
    deadline = threading.Timer(600, _stop_group, (run,))
    deadline.start()
    reader = threading.Thread(target=lambda: lines.extend(run.stdout), daemon=True)
    reader.start()
    try:
        seen = 0
        while run.poll() is None:
            fresh, seen = lines[seen:], len(lines)
            if not killed and any(when(line, time.monotonic() - started) for line in fresh or [""]):
                kill(run)
                killed = True
            time.sleep(0.05)
        reader.join(timeout=30)
    finally:
        deadline.cancel()
        run.stdout.close()
    return run.returncode, "".join(lines), killed


def _failure_of(output: str, host: str) -> str:
    """The failed task's text for a host (its fatal line and what follows up to the next blank line)."""
    text = output.split("fatal: [%s]" % host, 1)
    return text[1].split("\n\n", 1)[0] if len(text) == 2 else ""


def _office_reaches_web(lab: Dict[str, Any]) -> str:
    def get() -> str:
        return _in(lab["record"]["pc"]["netns"], ["curl", "-s", "--max-time", "3", "http://%s/" % WEB_IP]).stdout.strip()
    return until(get, lambda answer: answer.startswith("web-"), seconds=90)


def _daemon_killed_during_the_switch_change(lab: Dict[str, Any], daemon: str, password: str) -> str:
    """Kill the switch's ``daemon`` when site.yml starts applying the switch's part; the run must fail on the switch,
    the startup file keep the office's own BGP, and a rerun after the daemon is back converge. The failure's gist."""
    switch = lab["record"]["switch"]
    process = "frr-%s@%s" % (daemon, switch["name"])
    conf = os.path.join("/etc/frr", switch["pathspace"], "frr.conf")

    def kill(_run: subprocess.Popen) -> None:
        done = _netlab("kill", "--state-dir", lab["state"], "--process", process)
        assert done.returncode == 0, done.stdout + done.stderr
    code, output, killed = _site_killing(lab, lambda line, _seconds: line.startswith(SWITCH_APPLY), kill, password=password)
    assert killed and code != 0, output[-3000:]
    failure = _failure_of(output, switch["name"])
    assert daemon in failure, output[-3000:]
    with open(conf, encoding="utf-8") as handle:
        saved = handle.read()
    # write memory with bgpd down would have dropped the whole BGP instance, the office's own uplink with it.
    assert "router bgp 65200\n" in saved and UPLINK in saved, saved
    revived = _netlab("revive", "--state-dir", lab["state"], "--process", process)
    assert revived.returncode == 0, revived.stdout + revived.stderr
    again = _site(lab, password)
    assert again.returncode == 0, again.stdout[-3000:]
    assert until(lambda: _peering_established(lab), lambda count: count == 2, seconds=90) == 2
    assert _office_reaches_web(lab).startswith("web-")
    with open(conf, encoding="utf-8") as handle:
        saved = handle.read()
    assert UPLINK in saved and (" neighbor FLATNET password" in saved) == bool(password), saved
    gist = next((line.strip() for line in failure.splitlines() if daemon in line), "")
    assert gist, failure
    return gist[gist.index("FRR's") if "FRR's" in gist else 0:][:48]


def test_the_switchs_bgpd_killed_in_the_middle_of_site_yml(lab):
    gist = _daemon_killed_during_the_switch_change(lab, "bgpd", PASSWORD)
    _row("the switch's bgpd killed during site.yml's switch change", "failed on the switch: %s" % gist,
         "nothing (the office's BGP kept in frr.conf)", "yes, after bgpd is back")


def test_the_switchs_zebra_killed_in_the_middle_of_site_yml(lab):
    gist = _daemon_killed_during_the_switch_change(lab, "zebra", "")
    _row("the switch's zebra killed during site.yml's switch change", "failed on the switch: %s" % gist,
         "nothing (the office's BGP kept in frr.conf)", "yes, after zebra is back")


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


def _dns_host(lab: Dict[str, Any]) -> Dict[str, Any]:
    """The office DNS server's variables in the lab's overlay inventory (where its files are, how to break them)."""
    with open(os.path.join(lab["state"], "inventory.yml"), encoding="utf-8") as handle:
        return yaml.safe_load(handle)["all"]["hosts"][lab["record"]["office_dns"]["name"]]


def _read(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _append(path: str, text: str) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text)


def _office_resolves(lab: Dict[str, Any]) -> List[str]:
    command = ["dig", "@" + lab["record"]["office_dns"]["ip"], "+time=2", "+tries=1", "+short", NAME]

    def ask() -> List[str]:
        return _in(lab["record"]["pc"]["netns"], command).stdout.split()
    return until(ask, lambda answer: answer == [WEB_IP], seconds=60)


def test_the_dns_servers_checker_refuses_and_the_old_configuration_keeps_serving(lab):
    host = _dns_host(lab)
    own, managed = host["netlab_dns_own_config"], host["netlab_dns_managed"]
    own_before, managed_before = _read(own), _read(managed)
    _append(own, host["netlab_dns_broken_line"] + "\n")
    _append(managed, "# edited by hand\n")
    touched = _read(managed)
    try:
        failed = _site(lab)
        assert failed.returncode != 0, failed.stdout[-3000:]
        failure = _failure_of(failed.stdout, lab["record"]["office_dns"]["name"])
        assert host["dns_forward_check_command"][0] in failure and host["netlab_dns_broken_says"] in failure, failed.stdout[-3000:]
        assert "keeps serving its previous configuration" in failure, failure
        assert _read(managed) == touched
        assert _office_resolves(lab) == [WEB_IP]
    finally:
        with open(own, "w", encoding="utf-8") as handle:
            handle.write(own_before)
    again = _site(lab)
    assert again.returncode == 0, again.stdout[-3000:]
    assert _read(managed) == managed_before and _office_resolves(lab) == [WEB_IP]
    _row("the DNS server's checker refuses (its own config broken)", "failed with %s's message, nothing reloaded"
         % host["dns_forward_check_command"][0], "nothing (the old configuration serves)", "yes, once the config is mended")


def test_the_dns_server_down_at_the_reload_is_said_and_a_rerun_reloads(lab):
    host = _dns_host(lab)
    managed = host["netlab_dns_managed"]
    managed_before = _read(managed)
    _append(managed, "# edited by hand\n")
    killed = _netlab("kill", "--state-dir", lab["state"], "--process", "dns@office")
    assert killed.returncode == 0, killed.stdout + killed.stderr
    failed = _site(lab)
    revived = _netlab("revive", "--state-dir", lab["state"], "--process", "dns@office")
    assert revived.returncode == 0, revived.stdout + revived.stderr
    assert failed.returncode != 0, failed.stdout[-3000:]
    failure = _failure_of(failed.stdout, lab["record"]["office_dns"]["name"])
    assert "put back" in failure and "The server may be down" in failure, failed.stdout[-3000:]
    again = _site(lab)
    assert again.returncode == 0, again.stdout[-3000:]
    assert _read(managed) == managed_before and _office_resolves(lab) == [WEB_IP]
    _row("the office DNS server is down when site.yml reloads it", "failed: files put back, 'the server may be down'",
         "names, while the server is down", "yes, once it is started")


ROGUE = ("0.0.0.0/0", "10.0.0.0/8", "192.168.10.0/24")


def _birdc(lab: Dict[str, Any], node: Dict[str, Any], *command: str) -> str:
    socket = os.path.join(lab["state"], "nodes", node["name"], "bird.ctl")
    return _in(node["netns"], ["birdc", "-s", socket] + list(command)).stdout


def _bird_sending(original: str, protocol: str, prefixes: Sequence[str]) -> str:
    """A node's bird.cfg that also sends ``prefixes`` (blackhole statics of ``protocol``) to its first BGP peer whose
    export calls calico_export_to_bgp_peers, and keeps them out of the node's own kernel."""
    changed = original.replace("filter calico_kernel_programming\n{\n",
                               "filter calico_kernel_programming\n{\n  if ( proto = \"%s\" ) then { reject; }\n" % protocol, 1)
    changed = changed.replace("  export filter {\n    calico_export_to_bgp_peers(false);",
                              "  export filter {\n    if ( proto = \"%s\" ) then { accept; }\n    calico_export_to_bgp_peers(false);" % protocol, 1)
    changed += "\nprotocol static %s {\n%s}\n" % (protocol, "".join("  route %s blackhole;\n" % prefix for prefix in prefixes))
    return changed


@contextlib.contextmanager
def _node_sending(lab: Dict[str, Any], node: Dict[str, Any], protocol: str, prefixes: Sequence[str]) -> Iterator[str]:
    """While in the block, the node's BIRD also sends ``prefixes`` (_bird_sending), its calico-node agent held still so
    that it does not put the file back; then the node's own bird.cfg again. Gives the changed file's text."""
    path = os.path.join(lab["state"], "nodes", node["name"], "bird.cfg")
    with open(os.path.join(lab["state"], "pids.json"), encoding="utf-8") as handle:
        agent = json.load(handle)["agent@%s" % node["name"]]["pid"]
    original = _read(path)
    changed = _bird_sending(original, protocol, prefixes)
    assert changed.count(protocol) == 3, changed
    os.kill(agent, signal.SIGSTOP)
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(changed)
        assert "Reconfigured" in _birdc(lab, node, "configure")
        yield changed
    finally:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(original)
        _birdc(lab, node, "configure")
        os.kill(agent, signal.SIGCONT)


def _accepted_from(lab: Dict[str, Any], address: str) -> List[str]:
    """The prefixes the switch accepted from one neighbor (FRR's ``neighbors <ip> routes``: after its inbound filter)."""
    command = "show bgp ipv4 unicast neighbors %s routes json" % address
    shown = subprocess.run(["vtysh", "-N", lab["record"]["switch"]["pathspace"], "-c", command], capture_output=True, text=True,
                           timeout=30, check=False).stdout
    return sorted(json.loads(shown or "{}").get("routes") or {})


def test_a_rogue_node_announcing_a_default_an_office_prefix_and_a_covering_8_is_refused_by_the_switch(lab):
    """A peering node's BIRD is changed by hand to send the switch 0.0.0.0/0, the office's network and 10.0.0.0/8
    (its calico-node agent held still, so that it does not put the file back). The switch accepts none of them, and
    the office still reaches every pod."""
    node = lab["record"]["nodes"][0]
    peer = "Node_10_200_20_254"
    pods = [pod.status.pod_ip for pod in k8s.CoreV1Api(lab["api"]).list_pod_for_all_namespaces().items]
    with _node_sending(lab, node, "flatnet_rogue", ROGUE) as rogue:
        assert "protocol bgp %s" % peer in rogue
        sent = until(lambda: _birdc(lab, node, "show", "route", "export", peer), lambda text: all(prefix in text for prefix in ROGUE),
                     seconds=30)
        assert all(prefix in sent for prefix in ROGUE), sent
        # Updates travel in well under a second here; after 5 s none of the three may be in the switch's BGP table.
        time.sleep(5)
        accepted = _accepted_from(lab, node["ip"])
        assert not [prefix for prefix in ROGUE if prefix in accepted], accepted
        assert any(prefix.startswith("10.233.") for prefix in accepted), accepted
        unreached = [ip for ip in pods if _in(lab["record"]["pc"]["netns"], ["ping", "-c", "1", "-W", "2", ip]).returncode != 0]
        assert pods and not unreached, unreached
    _row("a rogue node sends 0.0.0.0/0, the office's /24 and 10.0.0.0/8", "the switch accepted none of the 3",
         "nothing (the office pinged all %d pods)" % len(pods), "n/a")


KILLS = 20
SEED = 14
OTHER_PASSWORD = "fault-suite-other-9c1d"
OTHER_OFFICE = "192.168.11.0/24"


# A node that sends far more than the limit: 300 host routes inside the pod range, which the switch's prefix list accepts.
FLOOD = tuple("10.233.%d.%d/32" % (120 + index // 250, 1 + index % 250) for index in range(300))


def _node_states(lab: Dict[str, Any]) -> Dict[str, str]:
    """The switch's state of each peering node's IPv4 session, as FRR's summary says it ("Idle (PfxCt)" when tripped)."""
    shown = subprocess.run(["vtysh", "-N", lab["record"]["switch"]["pathspace"], "-c", "show bgp summary json"], capture_output=True,
                           text=True, timeout=30, check=False).stdout
    peers = (json.loads(shown or "{}").get("ipv4Unicast") or {}).get("peers") or {}
    return {address: str(peer.get("state")) for address, peer in peers.items() if address.startswith("10.200.20.10")}


def test_a_node_over_the_max_prefix_trips_its_session_site_and_verify_say_so_and_it_heals_by_itself(lab, figure):
    """One peering node's BIRD sends 300 host routes more (its agent held still). The switch tears its session down
    (FRR: Idle (PfxCt)), and the other peering node's too: the node-to-node mesh relays the same routes to it, so the
    office loses the cluster while it lasts. site.yml fails on the switch naming each node and the limit, and
    verify.yml's session table shows it. Once the node stops, both sessions come back by themselves after the restart
    time (1 minute here; 5 by default), with no hand command, and the office reaches every pod again."""
    restart = ["-e", "switch_bgp_maximum_prefix_restart=1"]
    done = _site(lab, extra=restart)
    assert done.returncode == 0, done.stdout[-3000:]
    running = subprocess.run(["vtysh", "-N", lab["record"]["switch"]["pathspace"], "-c", "show running-config"], capture_output=True,
                             text=True, timeout=30, check=False).stdout
    limits = re.findall(r"^  neighbor FLATNET maximum-prefix (\d+) restart 1$", running, re.M)
    assert len(limits) == 1, running
    limit = int(limits[0])
    node = lab["record"]["nodes"][0]
    assert len(FLOOD) > limit
    pods = [pod.status.pod_ip for pod in k8s.CoreV1Api(lab["api"]).list_pod_for_all_namespaces().items]
    with _node_sending(lab, node, "flatnet_flood", FLOOD):
        states = until(lambda: _node_states(lab), lambda now: len(now) == 2 and all("PfxCt" in state for state in now.values()), seconds=60)
        assert len(states) == 2 and all("PfxCt" in state for state in states.values()), states
        reached = [ip for ip in pods if _in(lab["record"]["pc"]["netns"], ["ping", "-c", "1", "-W", "1", ip]).returncode == 0]
        failed = _site(lab, extra=restart)
        assert failed.returncode != 0
        said = "the session with node %s (ipv4Unicast) is down for max-prefix, limit %d" % (node["ip"], limit)
        assert said in failed.stdout and "switch_bgp_clear_tripped=true" in failed.stdout, failed.stdout[-3000:]
        shown = _site(lab, playbook="verify.yml", extra=["-e", "switch_bgp_status_retries=1", "-e", "verify_retries=1", "-e", "verify_settle_retries=1"])
        assert "%s ipv4Unicast: Idle (PfxCt)" % node["ip"] in shown.stdout, shown.stdout[-3000:]
    stopped = time.monotonic()
    healed = until(lambda: _node_states(lab), lambda now: len(now) == 2 and set(now.values()) == {"Established"}, seconds=150)
    took = time.monotonic() - stopped
    assert len(healed) == 2 and set(healed.values()) == {"Established"}, healed
    unreached = until(lambda: [ip for ip in pods if _in(lab["record"]["pc"]["netns"], ["ping", "-c", "1", "-W", "2", ip]).returncode != 0],
                      lambda left: not left, seconds=60)
    assert pods and not unreached, unreached
    again = _site(lab, extra=restart)
    assert again.returncode == 0 and _changed(again.stdout) == 0, again.stdout[-3000:]
    back = _site(lab)  # the default restart time again
    assert back.returncode == 0, back.stdout[-3000:]
    _row("a node sends %d host routes, over the max-prefix of %d" % (len(FLOOD), limit),
         "both sessions tripped (the mesh relays); site.yml failed naming them and the limit; verify showed it",
         "the cluster, while the node sent (%d of %d pods answered)" % (len(reached), len(pods)),
         "yes, by itself %.0f s after the node stopped" % took)
    shown_figures = (len(FLOOD), node["ip"], len(reached), len(pods), took)
    figure("max-prefix trip: %d host routes from %s tripped both sessions (%d of %d pods answered meanwhile); both back by "
           "themselves %.1f s after the node stopped (restart 1 min), the office reaching every pod" % shown_figures)


def _place_files(lab: Dict[str, Any]) -> Dict[str, Any]:
    """Every file flatnet writes on a place of the lab, with its content (None when absent): the switch's startup
    configuration and record of the start, and the DNS server's two files."""
    host = _dns_host(lab)
    directory = os.path.join("/etc/frr", lab["record"]["switch"]["pathspace"])
    paths = [os.path.join(directory, "frr.conf"), os.path.join(directory, "flatnet-start.json"), host["dns_forward_bind_path"],
             host["dns_forward_bind_options_path"]]
    return {path: _read(path) if os.path.exists(path) else None for path in paths}


def _cluster_state(lab: Dict[str, Any]) -> Dict[str, Any]:
    """What flatnet writes in the cluster: the Calico resources' specs and the BGP password Secrets' data."""
    custom, core = k8s.CustomObjectsApi(lab["api"]), k8s.CoreV1Api(lab["api"])
    state: Dict[str, Any] = {}
    for plural in ("ippools", "bgppeers", "bgpconfigurations"):
        found = custom.list_cluster_custom_object("crd.projectcalico.org", "v1", plural)["items"]
        state[plural] = sorted((item["metadata"]["name"], json.dumps(item.get("spec"), sort_keys=True)) for item in found)
    state["secrets"] = sorted((item.metadata.name, json.dumps(item.data, sort_keys=True)) for item in core.list_namespaced_secret("kube-system").items
                              if item.metadata.name.startswith("bgp-"))
    return state


def _children() -> Dict[int, List[int]]:
    """Every process's children, from /proc."""
    found: Dict[int, List[int]] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/stat" % pid, encoding="utf-8") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        found.setdefault(parent, []).append(int(pid))
    return found


def _tree(roots: List[int]) -> List[int]:
    """The processes in ``roots`` that still run, and all their descendants."""
    children, found, todo = _children(), [], list(roots)
    while todo:
        pid = todo.pop()
        if os.path.exists("/proc/%d" % pid) and pid not in found:
            found.append(pid)
            todo += children.get(pid, [])
    return found


class Crash:
    """SIGKILL to a run's whole process group, as a crash of the controller would be; it remembers the run's
    processes, since some (``timeout`` around vtysh) keep a process group of their own and outlive the kill."""

    def __init__(self) -> None:
        self.pids: List[int] = []

    def __call__(self, run: subprocess.Popen) -> None:
        self.pids = _tree([run.pid])
        _stop_group(run)

    def settled(self, seconds: float = 30) -> List[str]:
        """Wait (bounded) until none of the run's processes is left; the command lines of those still left."""
        def left() -> List[str]:
            commands = []
            for pid in _tree(self.pids):
                try:
                    with open("/proc/%d/cmdline" % pid, "rb") as handle:
                        command = handle.read().replace(b"\0", b" ").decode(errors="replace")
                    with open("/proc/%d/stat" % pid, encoding="utf-8") as handle:
                        zombie = handle.read().rsplit(")", 1)[1].split()[0] == "Z"
                except OSError:
                    continue
                if not zombie:
                    commands.append(command[:120])
            return commands
        return until(left, lambda found: not found, seconds=seconds)


def _after_task(index: int, delay: float) -> Any:
    """A ``when`` for _site_killing: ``delay`` seconds after the header of the run's task number ``index`` (from 0)."""
    seen: Dict[str, Any] = {"headers": 0, "at": None}

    def when(line: str, seconds: float) -> bool:
        if line.startswith("TASK ["):
            seen["headers"] += 1
            if seen["headers"] == index + 1:
                seen["at"] = seconds
        return seen["at"] is not None and seconds >= seen["at"] + delay
    return when


def test_the_controller_killed_at_random_points_20_times(lab, figure):
    """SIGKILL to site.yml's whole process group at a seeded random moment, 20 times, between two intents that change
    every place (A: a password; B: another password and a second office network). After each kill every file on
    every place is whole (as A or B left it), and a rerun converges to exactly what a clean run leaves."""
    targets = {"A": {"password": PASSWORD}, "B": {"password": OTHER_PASSWORD, "office": [OTHER_OFFICE]}}
    files: Dict[str, Dict[str, Any]] = {}
    cluster: Dict[str, Dict[str, Any]] = {}
    took, tasks = 0.0, []
    for name in ("A", "B"):
        started = time.monotonic()
        done = _site(lab, **targets[name])
        took = time.monotonic() - started
        assert done.returncode == 0 and _changed(done.stdout) > 0, done.stdout[-3000:]
        files[name], cluster[name] = _place_files(lab), _cluster_state(lab)
        tasks = [line[6:].split("] *")[0] for line in done.stdout.splitlines() if line.startswith("TASK [")]
    differ = [path for path in files["A"] if files["A"][path] != files["B"][path]]
    host = _dns_host(lab)
    assert any(path.endswith("/frr.conf") for path in differ), differ
    assert host["dns_forward_bind_path"] in differ or host["dns_forward_bind_options_path"] in differ, differ
    assert cluster["A"] != cluster["B"]
    # The random points: a task of the run (its header seen) and a moment into it, so that every kill lands part way.
    rng = random.Random(SEED)
    moments, rows = [(rng.randrange(len(tasks) - 1), round(rng.uniform(0.0, 1.0), 2)) for _kill in range(KILLS)], []
    for index, (task, delay) in enumerate(moments):
        target = "A" if index % 2 == 0 else "B"
        crash = Crash()
        code, _output, killed = _site_killing(lab, _after_task(task, delay), crash, **targets[target])
        assert crash.settled() == []
        now = _place_files(lab)
        torn = [path for path, text in now.items() if text not in (files["A"][path], files["B"][path])]
        assert not torn, (task, delay, torn)
        again = _site(lab, **targets[target])
        assert again.returncode == 0, (task, delay, again.stdout[-3000:])
        assert _place_files(lab) == files[target] and _cluster_state(lab) == cluster[target], (task, delay)
        verdict = "killed" if killed and code != 0 else "ended"
        rows.append("task %2d/%d +%.2f s  %-6s %s" % (task + 1, len(tasks), delay, verdict, tasks[task][:80]))
    killed_part_way = sum(1 for row in rows if " killed " in row)
    assert killed_part_way >= KILLS - 2, rows
    directories = {os.path.dirname(path) for path in files["A"]}
    # Temporary files of writes that were killed stay (they are never read); a marker or backup must not.
    temporaries = sorted(name for directory in directories for name in os.listdir(directory) if ".flatnet-" in name)
    assert not [name for name in temporaries if name.endswith((".flatnet-prev", ".flatnet-pending")) or name == ".flatnet-unsaved"], temporaries
    figure("controller SIGKILL (seed %d, a clean run: %d tasks in %.1f s): where each kill landed\n  %s\n"
           "temporary files left by killed writes: %d" % (SEED, len(tasks), took, "\n  ".join(rows), len(temporaries)))
    _row("the controller SIGKILLed at %d random points (seed %d)" % (KILLS, SEED), "%d runs killed part way" % killed_part_way,
         "nothing (every file whole, old or new)", "yes, all %d" % KILLS)


def _percentile(values: List[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def _many(command: List[str], count: int, parallel: int, netns: str) -> List[subprocess.CompletedProcess]:
    """``count`` runs of a command in a namespace, ``parallel`` at a time (bounded: each has its own time-out)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=parallel) as pool:
        return list(pool.map(lambda _index: _in(netns, command, timeout=60), range(count)))


def test_load_200_concurrent_lookups_from_the_office_pc_all_correct(lab, figure):
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
    figure("load: 200 lookups of %s, 50 at a time, in %.1f s: all %s; query time p50 %.0f ms, p90 %.0f ms, p99 %.0f ms, max %.0f ms"
           % (NAME, took, WEB_IP, _percentile(times, 0.5), _percentile(times, 0.9), _percentile(times, 0.99), max(times)))
    _row("load: 200 concurrent lookups through the office DNS", "all answered %s (p99 %.0f ms)" % (WEB_IP, _percentile(times, 0.99)),
         "nothing", "n/a")


def test_load_50_concurrent_http_requests_to_a_cluster_ip_all_from_its_pods(lab, figure):
    pods = sorted(pod.metadata.name for pod in k8s.CoreV1Api(lab["api"]).list_namespaced_pod("default", label_selector="app=web").items)
    assert pods
    started = time.monotonic()
    done = _many(["curl", "-s", "--max-time", "10", "http://%s/" % WEB_IP], 50, 50, lab["record"]["pc"]["netns"])
    took = time.monotonic() - started
    answers = [result.stdout.strip() for result in done]
    assert len(answers) == 50 and set(answers) <= set(pods), (answers, pods)
    figure("load: 50 concurrent GETs of http://%s/ in %.1f s: all answered by web's pods (%s)"
           % (WEB_IP, took, ", ".join("%s %d" % (pod, answers.count(pod)) for pod in pods)))
    _row("load: 50 concurrent HTTP requests to web's ClusterIP", "all answered by web's %d pods" % len(set(answers)), "nothing", "n/a")


def test_the_fault_table(figure):
    names = ["fault", "did", "lost", "converged"]
    widths = [max(len(name), *(len(row[name]) for row in ROWS)) for name in names]
    lines = [" | ".join(name.ljust(width) for name, width in zip(names, widths)), "-+-".join("-" * width for width in widths)]
    lines += [" | ".join(row[name].ljust(width) for name, width in zip(names, widths)) for row in ROWS]
    figure("fault table (%d rows):\n%s" % (len(ROWS), "\n".join(lines)))
    # Every row above ran and passed: none may be missing.
    assert [row["fault"][:16] for row in ROWS] == ["API: 503 x2 on d", "API: 503 storm o", "409 storm: 3, th", "the switch's bgp",
                                                   "the switch's zeb", "wrong BGP passwo", "a client outside", "the DNS server's",
                                                   "the office DNS s", "a rogue node sen", "a node sends 300", "the controller S", "load: 200 concur",
                                                   "load: 50 concurr"], ROWS
