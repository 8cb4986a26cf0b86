# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The whole site.yml on the network lab: bad input changes nothing anywhere, check mode writes nothing, DNSSEC.

The lab (prefix ``fp-``) is the example inventory's twin with BIND as the office
DNS server. The state compared before and after is everything site.yml may
touch: the Calico resources in the API, the switch's running FRR configuration,
the gateway's routes, and the office DNS server's configuration files and
answer (status and addresses; the lab's root server makes it definite). The tests run in file order; the lab goes down at the end. Needs root.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import time
from typing import Any, Dict, Iterator, List

import pytest
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from poll import lab_up, netlab as _netlab, until  # pylint: disable=import-error

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INVENTORY = os.path.join(ROOT, "inventory", "example")
PREFIX = "fp-"
NAME = "web.default.svc.cluster.local"
# The switch password after the rotation test.
ROTATED = "rotation-two-c91d"


@pytest.fixture(name="lab", scope="module")
def fixture_lab(tmp_path_factory: Any) -> Iterator[Dict[str, Any]]:
    """The example's lab, up, with BIND as the office DNS."""
    if os.geteuid() != 0:
        pytest.fail("the network lab needs root")
    state = str(tmp_path_factory.mktemp("site-lab") / "state")
    record = lab_up(state, INVENTORY, PREFIX)
    api = k8s_config.new_client_from_config(config_file=os.path.join(state, "kubeconfig-admin"))
    with open(os.path.join(state, "office-secrets.json"), encoding="utf-8") as handle:
        office_secrets = json.load(handle)
    # The switch as the office runs it before flatnet, and its uplink session once it is up.
    start = _running(record)
    uplink_start = until(lambda: _uplink(record), lambda session: session.get("bgpState") == "Established", seconds=60)
    assert uplink_start.get("bgpState") == "Established", uplink_start
    lab = {"state": state, "record": record, "api": api, "switch_start": start, "office_secrets": office_secrets, "uplink_start": uplink_start}
    # Every place as it was before flatnet's first run, for remove.yml to come back to.
    lab["start"] = _state(lab)
    yield lab
    api.close()
    _netlab("down", "--state-dir", state)


def _vtysh(record: Dict[str, Any], command: str) -> str:
    return subprocess.run(["vtysh", "-N", record["switch"]["pathspace"], "-c", command], capture_output=True, text=True, timeout=30,
                          check=False).stdout


def _running(record: Dict[str, Any]) -> List[str]:
    """The switch's running configuration, one entry per line, without the '!' separators."""
    return [line for line in _vtysh(record, "show running-config").splitlines() if line.strip() not in ("", "!")]


def _uplink(record: Dict[str, Any]) -> Dict[str, Any]:
    """FRR's view of the switch's own uplink session."""
    neighbor = record["uplink"]["router_ip"]
    try:
        return json.loads(_vtysh(record, "show bgp neighbors %s json" % neighbor)).get(neighbor) or {}
    except ValueError:
        return {}


def _kept_in_order(start: List[str], now: List[str]) -> List[str]:
    """The lines of ``start`` that ``now`` lacks, or holds out of their order; [] when every one is there, in order."""
    missing, position = [], 0
    for line in start:
        try:
            position = now.index(line, position) + 1
        except ValueError:
            missing.append(line)
    return missing


def _in(netns: str, command: list) -> str:
    return subprocess.run(["ip", "netns", "exec", netns] + command, capture_output=True, text=True, timeout=30, check=False).stdout


def _ask(name: str) -> Dict[str, Any]:
    """What the office resolver answers the PC for a name: the status and the addresses.

    The lab's office BIND recurses from the lab's own root server, so a name nobody forwards fails at once and the
    same way every time (SERVFAIL: its validator cannot have the root's keys); the generous time-out is for a loaded
    machine, not for a resolver that waits on something out of reach.
    """
    text = _in(PREFIX + "pc", ["dig", "+time=10", "+tries=2", "+noall", "+comments", "+answer", name])
    status = [line.split("status: ")[1].split(",")[0] for line in text.splitlines() if "status: " in line]
    answers = sorted(line.split()[-1] for line in text.splitlines() if line and not line.startswith(";") and line.split()[3:4] == ["A"])
    return {"status": status[0] if status else "no answer: " + text.strip(), "addresses": answers}


def _state(lab: Dict[str, Any]) -> Dict[str, Any]:
    """Everything site.yml may change."""
    custom = k8s.CustomObjectsApi(lab["api"])
    calico = {plural: custom.list_cluster_custom_object("crd.projectcalico.org", "v1", plural)["items"]
              for plural in ("ippools", "bgpconfigurations", "bgppeers")}
    switch = lab["record"]["switch"]
    office = os.path.join(lab["state"], "dns", "office")
    files = {}
    for name in sorted(os.listdir(office)):
        if name.endswith(".conf"):
            with open(os.path.join(office, name), encoding="utf-8") as handle:
                files[name] = handle.read()
    return {"calico": calico, "switch": subprocess.run(["vtysh", "-N", switch["pathspace"], "-c", "show running-config"], capture_output=True,
                                                       text=True, timeout=30, check=False).stdout,
            "gateway": _in(lab["record"]["gateway"]["netns"], ["ip", "route"]), "dns_files": files,
            "dns_answer": _ask(NAME)}


def _site(run_playbook, lab, edit=lambda intent: None, args=()):
    return run_playbook("site.yml", edit, args=["-i", os.path.join(lab["state"], "inventory.yml"), *args],
                        env={"K8S_AUTH_KUBECONFIG": os.path.join(lab["state"], "kubeconfig")})


def _dns_ip_outside(intent):
    intent["flatnet_cluster"]["dns_service_ip"] = "10.233.200.3"


def _office_typo(intent):
    intent["flatnet_office"]["networks"] = ["192.168.10.0/33"]


def _unknown_kind(intent):
    intent["flatnet_office"]["dns_servers"][0]["kind"] = "powerdns"


def _set(path, value):
    def edit(intent):
        variable, rest = path.split(".", 1)
        node = intent[variable]
        steps = [int(step) if step.isdigit() else step for step in rest.split(".")]
        for step in steps[:-1]:
            node = node[step]
        node[steps[-1]] = value
    return edit


def _nothing(intent):  # pylint: disable=unused-argument
    return None


@pytest.mark.parametrize("edit, extra, message", [
    (_dns_ip_outside, {}, "flatnet_cluster.dns_service_ip: '10.233.200.3' is outside every flatnet_cluster.service_cluster_ips range"),
    (_office_typo, {}, "192.168.10.0/33"),
    (_unknown_kind, {}, "powerdns"),
    # Injected lines: refused by preflight, named with the variable and the value, escaped.
    (_set("flatnet_cluster.peer_selector", "node-role.kubernetes.io/ingress == 'ingress\nip prefix-list FLATNET-IN seq 1 permit 0.0.0.0/0 le 32'"),
     {}, "flatnet_cluster.peer_selector"),
    (_set("flatnet_cluster.domain", 'cluster.local"; }; zone "x'), {}, "is not a valid cluster domain"),
    (_set("flatnet_fabric.switches.0.password", "bad word!"), {}, "flatnet_fabric.switches[0].password: the password holds a character"),
    (_set("flatnet_cluster.name", "dev\r"), {}, "flatnet_cluster.name"),
    # A role's variable that only its place can refuse: the check of every place, before the cluster changes.
    (_nothing, {"dns_forward_bind_path": "/etc/bind/x.conf\ninclude \"/etc/passwd\""}, "path:"),
    (_nothing, {"office_routes_persist": "networkd"}, "persist is networkd but all of the following are missing: persist_interface"),
])
def test_bad_input_changes_nothing_anywhere(lab, run_playbook, edit, extra, message):
    before = _state(lab)
    # The office resolver's answer before site.yml: a definite failure, not a time-out.
    assert before["dns_answer"] == {"status": "SERVFAIL", "addresses": []}
    result = _site(run_playbook, lab, edit, args=["-e", json.dumps(extra)] if extra else ())
    assert result.returncode == 2, result.stdout
    assert message in result.stdout.replace("\\n", "\n")
    assert _state(lab) == before


def test_a_bad_dns_role_variable_leaves_the_dns_server_alone(lab, run_playbook):
    before = _state(lab)
    result = _site(run_playbook, lab, args=["--limit", "localhost,office-dns1", "-e", '{"dns_forward_forwarders": ["10.233.0.999"]}'])
    assert result.returncode == 2
    assert "dns_forward_forwarders[0]" in result.stdout and "10.233.0.999" in result.stdout
    assert _state(lab)["dns_files"] == before["dns_files"]


def test_check_mode_shows_the_dns_files_and_writes_nothing(lab, run_playbook):
    before = _state(lab)["dns_files"]
    result = _site(run_playbook, lab, args=["--check", "--diff", "--limit", "localhost,office-dns1"])
    assert result.returncode == 0, result.stdout
    assert "flatnet-kube.zones.conf" in result.stdout and '+zone "127.233.10.in-addr.arpa" {' in result.stdout
    assert _state(lab)["dns_files"] == before


def _plan(run_playbook, lab, path, edit=lambda intent: None, args=()):
    return run_playbook("plan.yml", edit, args=["-i", os.path.join(lab["state"], "inventory.yml"), "-e", "plan_json=%s" % path, *args],
                        env={"K8S_AUTH_KUBECONFIG": os.path.join(lab["state"], "kubeconfig")})


def _changes(path) -> List[tuple]:
    """(host, action, kind, name) of every change in a report file, sorted."""
    with open(path, encoding="utf-8") as handle:
        report = json.load(handle)
    return sorted((host["name"], change["action"], change["kind"], change["name"]) for host in report["hosts"] for change in host["changes"])


def test_plan_on_a_clean_lab_lists_exactly_what_site_then_changes_and_changes_nothing(lab, run_playbook, tmp_path, figure):
    before = _state(lab)
    started = time.monotonic()
    planned = _plan(run_playbook, lab, tmp_path / "plan.json")
    took = time.monotonic() - started
    assert planned.returncode == 0, planned.stdout[-3000:]
    # Nothing changed on any place: the API objects, the switch, the gateway's routes, the DNS files and answer.
    assert _state(lab) == before
    plan = _changes(tmp_path / "plan.json")
    assert {host for host, *_rest in plan} == {"cluster", "switch1", "office-gw1", "office-dns1"}
    assert ("cluster", "create", "BGPPeer", "peer-switch") in plan and ("office-gw1", "create", "route", "10.233.0.0/17") in plan
    summary = [line for line in planned.stdout.splitlines() if line.startswith("plan: ") and "changes on" in line]
    assert summary == ["plan: %d changes on 4 hosts (cluster %d, switch1 %d, office-gw1 %d, office-dns1 %d)" % tuple(
        [len(plan)] + [sum(1 for host, *_rest in plan if host == name) for name in ("cluster", "switch1", "office-gw1", "office-dns1")])]
    assert "--limit localhost,office-dns1,office-gw1,switch1" in planned.stdout
    started = time.monotonic()
    applied = _site(run_playbook, lab, args=["-e", "plan_json=%s" % (tmp_path / "site.json")])
    site_took = time.monotonic() - started
    assert applied.returncode == 0, applied.stdout[-3000:]
    # What site.yml changed, object by object, is what the plan listed: no more, no less.
    assert _changes(tmp_path / "site.json") == plan
    again = _plan(run_playbook, lab, tmp_path / "again.json")
    assert again.returncode == 0 and "plan: 0 changes" in again.stdout.splitlines() and _changes(tmp_path / "again.json") == []
    figure("plan.yml on a clean lab: %s in %.1f s; site.yml then %.1f s" % (summary[0], took, site_took))


def test_plan_shows_drift_by_hand_on_two_places_and_a_secret_only_as_changed(lab, run_playbook, tmp_path):
    custom = k8s.CustomObjectsApi(lab["api"])
    custom.patch_cluster_custom_object("crd.projectcalico.org", "v1", "bgppeers", "peer-switch", {"spec": {"asNumber": 65299}})
    subprocess.run(["ip", "netns", "exec", lab["record"]["gateway"]["netns"], "ip", "route", "del", "10.233.0.0/17"], check=True, timeout=30)
    drift = _plan(run_playbook, lab, tmp_path / "drift.json")
    assert drift.returncode == 0, drift.stdout[-3000:]
    assert _changes(tmp_path / "drift.json") == [("cluster", "update", "BGPPeer", "peer-switch"), ("office-gw1", "create", "route", "10.233.0.0/17")]
    assert "~ spec.asNumber: 65299 -> 65200" in drift.stdout and "plan: 2 changes on 2 hosts (cluster 1, office-gw1 1)" in drift.stdout
    assert "--limit localhost,office-gw1" in drift.stdout
    # A password to be set: its Secret shows as a change, its value nowhere (the report, its JSON, the switch's delta).
    secret = "plan-secret-5e1f"
    planned = _plan(run_playbook, lab, tmp_path / "secret.json", _password(secret), args=["-vvv"])
    assert planned.returncode == 0, planned.stdout[-3000:]
    report = (tmp_path / "secret.json").read_text(encoding="utf-8")
    assert secret not in planned.stdout and secret not in report and b64(secret) not in planned.stdout
    assert ("cluster", "update", "Secret", "(not shown: no_log)") in _changes(tmp_path / "secret.json")
    put_back = _site(run_playbook, lab, args=["--limit", "localhost,office-gw1"])
    assert put_back.returncode == 0 and "applied: 2 changes on 2 hosts (cluster 1, office-gw1 1)" in put_back.stdout
    assert "plan: 0 changes" in _plan(run_playbook, lab, tmp_path / "after.json").stdout.splitlines()


def test_a_range_taken_out_of_the_intent_leaves_the_gateway_and_the_plan_says_so(lab, run_playbook, tmp_path):
    def external(intent):
        intent["flatnet_cluster"]["service_external_ips"] = ["10.234.0.0/24"]

    gateway = lab["record"]["gateway"]["netns"]
    added = _site(run_playbook, lab, external)
    assert added.returncode == 0, added.stdout[-3000:]
    assert "10.234.0.0/24 via 10.200.21.1 dev" in _in(gateway, ["ip", "route", "show", "proto", "245"])
    # Without the range: the plan deletes its route (flatnet's protocol marks it as flatnet's), and site.yml does.
    planned = _plan(run_playbook, lab, tmp_path / "narrower.json")
    assert ("office-gw1", "delete", "route", "10.234.0.0/24") in _changes(tmp_path / "narrower.json"), planned.stdout[-3000:]
    narrower = _site(run_playbook, lab)
    assert narrower.returncode == 0, narrower.stdout[-3000:]
    routes = _in(gateway, ["ip", "route", "show", "proto", "245"])
    assert "10.234.0.0/24" not in routes and "10.233.0.0/17 via 10.200.21.1" in routes


def b64(value: str) -> str:
    return base64.b64encode(value.encode()).decode()


def test_site_then_names_resolve_and_a_rerun_changes_nothing(lab, run_playbook):
    first = _site(run_playbook, lab)
    assert first.returncode == 0, first.stdout
    # The forwarder's answer travels the routes that BGP has just put in place.
    assert until(lambda: _ask(NAME), lambda answer: answer["addresses"] == ["10.233.0.10"]) == {"status": "NOERROR", "addresses": ["10.233.0.10"]}
    second = _site(run_playbook, lab)
    assert second.returncode == 0 and "changed=0" in second.stdout.split("PLAY RECAP")[-1].split("office-dns1")[1].splitlines()[0]


def test_without_validate_except_a_validating_bind_answers_servfail(lab, run_playbook):
    off = _site(run_playbook, lab, args=["--limit", "localhost,office-dns1", "-e", '{"dns_forward_bind_dnssec_except": false}'])
    assert off.returncode == 0, off.stdout
    # The validator fails at once: the lab root's keys cannot be had, and nothing says the cluster zone is unsigned.
    assert _ask(NAME) == {"status": "SERVFAIL", "addresses": []}
    on = _site(run_playbook, lab, args=["--limit", "localhost,office-dns1"])
    assert on.returncode == 0, on.stdout
    assert until(lambda: _ask(NAME), lambda answer: answer["status"] == "NOERROR") == {"status": "NOERROR", "addresses": ["10.233.0.10"]}


def _password(value: str):
    def edit(intent):
        intent["flatnet_fabric"]["switches"][0]["password"] = value
    return edit


def _files_holding(values: List[str], roots: List[str], skip: str) -> List[str]:
    """The files under the roots whose text holds one of the values."""
    found = []
    for root in roots:
        for directory, _dirs, names in os.walk(root):
            if os.path.abspath(directory).startswith(os.path.abspath(skip)):
                continue
            for name in names:
                path = os.path.join(directory, name)
                try:
                    with open(path, "rb") as handle:
                        data = handle.read(1 << 20)
                except OSError:
                    continue
                if any(value.encode() in data for value in values):
                    found.append(path)
    return found


def _uplink_events(lab) -> str:
    """The last lines of the uplink router's own log of its session (why it went down, from the other end)."""
    try:
        with open(os.path.join(lab["state"], "uplink", "events.log"), encoding="utf-8") as handle:
            return "".join(handle.readlines()[-15:])
    except OSError as error:
        return str(error)


def _office_lines_and_uplink_are_as_they_were(lab) -> None:
    now = _running(lab["record"])
    assert _kept_in_order(lab["switch_start"], now) == []
    # The uplink session was never reset: still on the connection it had before the first run, none dropped, and its
    # uptime only grew.
    session = _uplink(lab["record"])
    why = {key: session.get(key) for key in ("bgpState", "connectionsEstablished", "connectionsDropped", "lastResetDueTo",
                                             "lastNotificationReason", "bgpTimerUpMsec")}
    start = lab["uplink_start"]
    assert (session.get("bgpState"), session.get("connectionsEstablished"), session.get("connectionsDropped")) == \
        ("Established", start["connectionsEstablished"], start["connectionsDropped"]), (why, _uplink_events(lab))
    assert session["bgpTimerUpMsec"] > start["bgpTimerUpMsec"], why
    route = until(lambda: _vtysh(lab["record"], "show ip route %s" % lab["record"]["uplink"]["announces"]),
                  lambda text: "10.200.22.2" in text, seconds=60)
    assert "10.200.22.2" in route, why


def test_the_switchs_own_configuration_and_uplink_stay_through_site_and_check(lab, run_playbook):
    assert "neighbor FLATNET peer-group" in " ".join(_running(lab["record"]))  # site.yml ran in the tests above
    _office_lines_and_uplink_are_as_they_were(lab)
    before = _running(lab["record"])
    checked = _site(run_playbook, lab, _password("rotation-one"), args=["--check", "--diff"])
    assert checked.returncode == 0, checked.stdout
    assert "+ neighbor FLATNET password ********" in checked.stdout
    assert _running(lab["record"]) == before
    _office_lines_and_uplink_are_as_they_were(lab)


def test_a_password_rotation_converges_and_no_output_shows_a_secret(lab, run_playbook, tmp_path):
    secrets = dict(lab["office_secrets"], one="rotation-one-7f3a", two=ROTATED)
    outputs = []
    for edit in (_password(secrets["one"]), _password(secrets["two"])):
        done = _site(run_playbook, lab, edit, args=["-vvv", "--diff"])
        assert done.returncode == 0, done.stdout[-3000:]
        outputs.append(done.stdout + done.stderr)
        _office_lines_and_uplink_are_as_they_were(lab)
    config = "\n".join(_running(lab["record"]))
    assert " neighbor FLATNET password %s" % secrets["two"] in config and secrets["one"] not in config

    # The nodes follow the new password: both peering sessions come back up.
    def peers() -> List[str]:
        return [line for line in _vtysh(lab["record"], "show bgp summary").splitlines() if line.startswith("10.200.20.10")]

    def established(rows: List[str]) -> bool:
        return len(rows) == 2 and all(row.split()[9].isdigit() for row in rows)

    assert established(until(peers, established)), peers()
    # Base64 too: that is how a Secret's data would show.
    shown = dict(secrets, **{name + " (base64)": base64.b64encode(value.encode()).decode() for name, value in secrets.items()})
    counts = {name: sum(output.count(value) for output in outputs) for name, value in shown.items()}
    assert counts == {name: 0 for name in shown}, counts
    # Nor in any file the controller left behind: the playbook's working directory (the inventory aside, which holds
    # the intent) and Ansible's local temporary directory.
    left = _files_holding(list(shown.values()), [str(tmp_path), os.path.expanduser("~/.ansible/tmp")], skip=str(tmp_path / "inventory"))
    assert left == [], left


def _peering_rows(lab) -> List[str]:
    return [line for line in _vtysh(lab["record"], "show bgp summary").splitlines() if line.startswith("10.200.20.10")]


def _both_established(rows: List[str]) -> bool:
    return len(rows) == 2 and all(row.split()[9].isdigit() for row in rows)


def _cluster_objects(lab) -> Dict[str, Any]:
    """The BGPPeers with their password reference, and flatnet's password Secrets, Roles and RoleBindings, by name
    (kube-system also holds the Role and RoleBinding of docs/rbac/flatnet-kube.yml, which the lab applied)."""
    custom, core, rbac = k8s.CustomObjectsApi(lab["api"]), k8s.CoreV1Api(lab["api"]), k8s.RbacAuthorizationV1Api(lab["api"])
    peers = custom.list_cluster_custom_object("crd.projectcalico.org", "v1", "bgppeers")["items"]
    owned = "app.kubernetes.io/managed-by=flatnet.kube"
    roles = rbac.list_namespaced_role("kube-system", label_selector=owned).items
    return {"peers": {peer["metadata"]["name"]: (peer["spec"].get("password") or {}).get("secretKeyRef", {}).get("name") for peer in peers},
            "secrets": sorted(item.metadata.name for item in core.list_namespaced_secret("kube-system").items if item.metadata.name.startswith("bgp-")),
            "roles": {role.metadata.name: sorted(role.rules[0].resource_names or []) for role in roles},
            "rolebindings": sorted(item.metadata.name for item in rbac.list_namespaced_role_binding("kube-system", label_selector=owned).items)}


def test_removing_the_password_converges_on_both_ends_and_setting_it_again_too(lab, run_playbook):
    done = _site(run_playbook, lab)  # the example's intent: no password
    assert done.returncode == 0, done.stdout[-3000:]
    assert _cluster_objects(lab) == {"peers": {"peer-switch": None}, "secrets": [], "roles": {}, "rolebindings": []}
    assert not [line for line in _running(lab["record"]) if "password" in line and "FLATNET" in line]
    assert _both_established(until(lambda: _peering_rows(lab), _both_established)), _peering_rows(lab)
    _office_lines_and_uplink_are_as_they_were(lab)

    done = _site(run_playbook, lab, _password(ROTATED))
    assert done.returncode == 0, done.stdout[-3000:]
    assert _cluster_objects(lab) == {"peers": {"peer-switch": "bgp-peer-switch"}, "secrets": ["bgp-peer-switch"],
                                     "roles": {"flatnet-bgp-passwords": ["bgp-peer-switch"]}, "rolebindings": ["flatnet-bgp-passwords"]}
    assert " neighbor FLATNET password %s" % ROTATED in _running(lab["record"])
    assert _both_established(until(lambda: _peering_rows(lab), _both_established)), _peering_rows(lab)


class _Prober:
    """Pings one pod from the office PC every 100 ms, in a thread, for at most ``seconds``; the longest outage seen."""

    def __init__(self, target: str, seconds: float = 180.0) -> None:
        self.target, self.deadline, self.samples = target, time.monotonic() + seconds, []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stopped.is_set() and time.monotonic() < self.deadline:
            started = time.monotonic()
            done = subprocess.run(["ip", "netns", "exec", PREFIX + "pc", "ping", "-c", "1", "-W", "1", "-n", "-q", self.target],
                                  capture_output=True, timeout=10, check=False)
            self.samples.append((started, done.returncode == 0))
            self.stopped.wait(max(0.0, 0.1 - (time.monotonic() - started)))

    def __enter__(self) -> "_Prober":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stopped.set()
        self.thread.join(timeout=15)

    def longest_outage(self) -> float:
        """Seconds from the last answer before a silence to the first answer after it (0 when none was missed)."""
        longest, last_ok = 0.0, None
        for started, answered in self.samples:
            if answered:
                if last_ok is not None:
                    longest = max(longest, started - last_ok)
                last_ok = started
        return longest if longest > 0.35 else 0.0


def test_a_rotation_outage_is_measured_and_the_office_reaches_the_pod_again(lab, run_playbook, figure):
    pod = sorted((item.status.pod_ip for item in k8s.CoreV1Api(lab["api"]).list_namespaced_pod("default").items if item.status.pod_ip))[0]
    figures = []
    for new in ("rotation-three-5e1b", ROTATED):
        with _Prober(pod) as prober:
            started = time.monotonic()
            done = _site(run_playbook, lab, _password(new))
            assert done.returncode == 0, done.stdout[-3000:]
            assert _both_established(until(lambda: _peering_rows(lab), _both_established)), _peering_rows(lab)
            # The office reaches the pod again: a probe after the sessions came back answered.
            back = until(lambda: [answered for at, answered in prober.samples if at > time.monotonic() - 1.5], any)
            assert any(back), "no answer from %s after the rotation" % pod
            took = time.monotonic() - started
        figures.append((prober.longest_outage(), took, len(prober.samples)))
    line = "rotation: longest outage seen from the office PC %.1f s (site.yml and convergence %.1f s, %d probes every 100 ms)"
    figure("\n".join(line % figures_of_one for figures_of_one in figures))


def test_a_switch_removed_from_the_intent_loses_exactly_its_objects(lab, run_playbook):
    custom, core = k8s.CustomObjectsApi(lab["api"]), k8s.CoreV1Api(lab["api"])
    # Objects of someone else's, with flatnet's names' shapes but none of its labels: never pruned.
    custom.create_cluster_custom_object("crd.projectcalico.org", "v1", "bgppeers", {
        "apiVersion": "crd.projectcalico.org/v1", "kind": "BGPPeer", "metadata": {"name": "peer-handmade"},
        "spec": {"peerIP": "10.200.20.249", "asNumber": 65249, "nodeSelector": "has(never-there)"}})
    core.create_namespaced_secret("kube-system", k8s.V1Secret(metadata=k8s.V1ObjectMeta(name="bgp-handmade"), string_data={"password": "theirs"}))

    def with_switch9(intent):
        _password(ROTATED)(intent)
        intent["flatnet_fabric"]["switches"].append({"name": "switch9", "platform": "frr", "as_number": 65209, "peer_ip": "10.200.20.250",
                                                     "password": "switch9-key-1", "managed_elsewhere": True})

    try:
        done = _site(run_playbook, lab, with_switch9)
        assert done.returncode == 0, done.stdout[-3000:]
        assert _cluster_objects(lab) == {
            "peers": {"peer-switch": "bgp-peer-switch", "peer-switch9": "bgp-peer-switch9", "peer-handmade": None},
            "secrets": ["bgp-handmade", "bgp-peer-switch", "bgp-peer-switch9"],
            "roles": {"flatnet-bgp-passwords": ["bgp-peer-switch", "bgp-peer-switch9"]}, "rolebindings": ["flatnet-bgp-passwords"]}
        done = _site(run_playbook, lab, _password(ROTATED))
        assert done.returncode == 0, done.stdout[-3000:]
        assert _cluster_objects(lab) == {"peers": {"peer-switch": "bgp-peer-switch", "peer-handmade": None},
                                         "secrets": ["bgp-handmade", "bgp-peer-switch"],
                                         "roles": {"flatnet-bgp-passwords": ["bgp-peer-switch"]}, "rolebindings": ["flatnet-bgp-passwords"]}
        assert "switch9-key-1" not in done.stdout
        assert _both_established(until(lambda: _peering_rows(lab), _both_established)), _peering_rows(lab)
    finally:
        custom.delete_cluster_custom_object("crd.projectcalico.org", "v1", "bgppeers", "peer-handmade")
        core.delete_namespaced_secret("bgp-handmade", "kube-system")


@pytest.mark.parametrize("extra, message", [
    ({"switch_bgp_router_id": "10.200.20.254\nip prefix-list FLATNET-IN seq 1 permit 0.0.0.0/0 le 32"},
     "switch_bgp_router_id: '10.200.20.254\\\\nip prefix-list FLATNET-IN seq 1 permit 0.0.0.0/0 le 32' holds the control character"),
    ({"switch_bgp_neighbor_mode": "listen_range", "switch_bgp_listen_range": "10.200.20.0/24"},
     "switch_bgp_neighbor_mode listen_range accepts a BGP session from any host of 10.200.20.0/24"),
])
def test_a_switch_variable_that_could_inject_or_expose_fails_before_anything_changes(lab, run_playbook, extra, message):
    before = _state(lab)
    done = _site(run_playbook, lab, args=["-e", json.dumps(extra)])
    assert done.returncode == 2, done.stdout[-3000:]
    assert message in done.stdout
    assert _state(lab) == before


# Every string variable of a role that site.yml would use, each with a line break, a carriage return or a NUL; one run
# per role, since the first place that refuses stops the run. Every variable of the role is named in that one run.
ROLE_VARIABLES = {
    "calico_bgp_peer": ["calico_bgp_peer_calico_namespace", "calico_bgp_peer_service_account", "calico_bgp_peer_secret_key"],
    "switch_bgp": ["switch_bgp_listen_range", "switch_bgp_router_id", "switch_bgp_frr_pathspace"],
    "office_routes": ["office_routes_persist_interface", "office_routes_persist_path", "office_routes_proto"],
    "dns_forward": ["dns_forward_forwarders", "dns_forward_check_command", "dns_forward_reload_command", "dns_forward_flush_command",
                    "dns_forward_bind_path", "dns_forward_bind_include_in", "dns_forward_bind_options_path", "dns_forward_bind_options_in",
                    "dns_forward_unbound_path", "dns_forward_unbound_include_in", "dns_forward_dnsmasq_path",
                    "dns_forward_dnsmasq_include_in", "dns_forward_coredns_path"],
}


@pytest.mark.parametrize("role", sorted(ROLE_VARIABLES))
def test_a_control_character_in_any_role_variable_fails_before_anything_changes(lab, run_playbook, role, tmp_path):
    controls = ["\n", "\r", "\x00"]
    extra = {}
    for index, name in enumerate(ROLE_VARIABLES[role]):
        bad = "/etc/x%send" % controls[index % 3] if "path" in name or "include_in" in name else "x%s!" % controls[index % 3]
        extra[name] = [bad] if name.endswith(("forwarders", "_command")) else bad
    # A NUL cannot travel in a command line argument: the values go in a file, as an inventory's would.
    values = tmp_path / "role-variables.json"
    values.write_text(json.dumps(extra), encoding="utf-8")
    before = _state(lab)
    done = _site(run_playbook, lab, args=["-e", "@%s" % values])
    assert done.returncode == 2, done.stdout[-3000:]
    refused = [line for line in done.stdout.splitlines() if "holds the control character" in line]
    assert refused, done.stdout[-3000:]
    for name in extra:
        assert any(name in line for line in refused), (name, refused)
    assert _state(lab) == before


def test_an_as_the_switch_does_not_run_fails_before_anything_changes(lab, run_playbook):
    before = _state(lab)
    done = _site(run_playbook, lab, _set("flatnet_fabric.switches.0.as_number", 65201))
    assert done.returncode == 2, done.stdout[-3000:]
    assert "runs AS 65200, but flatnet_fabric.switches[].as_number gives 65201" in done.stdout
    assert "Make the cluster's pools match the intent" not in done.stdout
    assert _state(lab) == before
    _office_lines_and_uplink_are_as_they_were(lab)


def test_render_writes_what_site_applies_and_a_removal_of_flatnets_lines_only(lab, run_playbook, tmp_path):
    # The peering nodes as the cluster has them, read with the official client: what a team without cluster access
    # would be told.
    nodes = k8s.CoreV1Api(lab["api"]).list_node(label_selector="node-role.kubernetes.io/ingress=ingress").items
    peering = [{"name": node.metadata.name, "ip": next(address.address for address in node.status.addresses if address.type == "InternalIP")}
               for node in nodes]
    out = tmp_path / "render"
    # The example inventory alone: no lab inventory, no kubeconfig, so nothing can be contacted.
    # The network team also counts the cluster's nodes (kubectl get nodes): the maximum-prefix counts each Service range
    # once per node.
    nodes_all = len(k8s.CoreV1Api(lab["api"]).list_node().items)
    done = run_playbook("render.yml", _password(ROTATED), args=["-e", json.dumps({"render_dir": str(out), "preflight_peering_nodes": peering,
                                                                                  "preflight_node_count": nodes_all})])
    assert done.returncode == 0, done.stdout[-3000:]
    assert ROTATED not in done.stdout + done.stderr
    change, removal = out / "switch1.frr.conf", out / "switch1.frr.removal.conf"
    assert sorted(os.listdir(out)) == [change.name, removal.name]
    assert all(os.stat(path).st_mode & 0o777 == 0o600 for path in (change, removal))
    assert change.read_text(encoding="utf-8").startswith("! flatnet.kube: flatnet's part for switch1 (frr, AS 65200)\n")

    # What the network team would do by hand: vtysh -f with each file, on the switch as site.yml left it.
    def apply(path) -> None:
        applied = subprocess.run(["vtysh", "-N", lab["record"]["switch"]["pathspace"], "-f", str(path)], capture_output=True, text=True,
                                 timeout=60, check=False)
        assert applied.returncode == 0, applied.stdout + applied.stderr

    before = _running(lab["record"])
    apply(removal)
    removed = _running(lab["record"])
    assert not [line for line in removed if "FLATNET" in line]
    assert _kept_in_order(lab["switch_start"], removed) == [] and [line for line in removed if line not in lab["switch_start"]] == ["  maximum-paths 8"]
    apply(change)
    # The reviewed change gives back exactly what site.yml applied.
    assert _running(lab["record"]) == before
    _office_lines_and_uplink_are_as_they_were(lab)


def test_removal_takes_out_flatnets_lines_only(lab, collections_path):
    ansible = os.path.join(os.path.dirname(sys.executable), "ansible")
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"))
    done = subprocess.run([ansible, "switch1", "-i", INVENTORY, "-i", os.path.join(lab["state"], "inventory.yml"), "-m", "flatnet.kube.frr_config",
                           "-a", "state=absent pathspace=%s" % lab["record"]["switch"]["pathspace"]],
                          capture_output=True, text=True, timeout=300, env=env, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    now = _running(lab["record"])
    assert not [line for line in now if "FLATNET" in line]
    # The switch as it ran before flatnet, line for line: the instance setting flatnet set (maximum-paths) is put back
    # from the record of the start that site.yml wrote on the switch, and the record is gone.
    assert now == lab["switch_start"]
    assert not os.path.exists(os.path.join("/etc/frr", lab["record"]["switch"]["pathspace"], "flatnet-start.json"))
    _office_lines_and_uplink_are_as_they_were(lab)
    session, start = _uplink(lab["record"]), lab["uplink_start"]
    print("uplink session: up %.1f s before the first run, %.1f s after removal; established %d time(s), dropped %d"
          % (start["bgpTimerUpMsec"] / 1000, session["bgpTimerUpMsec"] / 1000, session["connectionsEstablished"],
             session["connectionsDropped"]))


def _comparable(state: Dict[str, Any]) -> Dict[str, Any]:
    """A state with each Calico object as its name, labels and spec (a write moves resourceVersion on), and the switch's
    configuration as lines."""
    calico = {plural: sorted((item["metadata"]["name"], json.dumps(item["metadata"].get("labels") or {}, sort_keys=True),
                              json.dumps(item["spec"], sort_keys=True)) for item in items) for plural, items in state["calico"].items()}
    return dict(state, calico=calico, switch=state["switch"].splitlines())


def _recap_changed(output: str) -> Dict[str, int]:
    return {line.split()[0]: int(line.split("changed=")[1].split()[0]) for line in output.splitlines() if " changed=" in line and " : ok=" in line}


def test_remove_takes_every_place_back_to_the_start_and_a_second_removal_changes_nothing(lab, run_playbook, figure):
    done = _site(run_playbook, lab, _password(ROTATED))
    assert done.returncode == 0, done.stdout[-3000:]
    assert _state(lab)["dns_answer"]["status"] == "NOERROR"
    overlay = ["-i", os.path.join(lab["state"], "inventory.yml")]
    env = {"K8S_AUTH_KUBECONFIG": os.path.join(lab["state"], "kubeconfig")}
    started = time.monotonic()
    removed = run_playbook("remove.yml", _password(ROTATED), args=overlay + ["-e", "calico_pool_restore_on_remove=true"], env=env)
    took = time.monotonic() - started
    assert removed.returncode == 0, removed.stdout[-3000:]
    now, start = _comparable(_state(lab)), _comparable(lab["start"])
    # Every place, the switch's instance settings included (put back from the record of the start), is as it started.
    assert now == start
    assert ROTATED not in removed.stdout
    # The office reaches nothing again.
    unreachable = run_playbook("verify.yml", _password(ROTATED), args=overlay + ["-e", "verify_expect=unreachable"], env=env)
    assert unreachable.returncode == 0, unreachable.stdout[-3000:]
    again = run_playbook("remove.yml", _password(ROTATED), args=overlay, env=env)
    assert again.returncode == 0, again.stdout[-3000:]
    assert set(_recap_changed(again.stdout).values()) == {0}, _recap_changed(again.stdout)
    _office_lines_and_uplink_are_as_they_were(lab)
    figure("remove.yml: %.1f s; every place back to its start" % took)
