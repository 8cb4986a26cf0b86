# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's calico-node: BIRD configurations rendered from the emulated API, checked by BIRD's own parser."""

from __future__ import annotations

import base64
import copy
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from typing import Any

import pytest
from kubernetes import client as k8s

from calico_node.agent import Agent, fetch_resources
from calico_node.render import RenderError, duration_seconds, render_bird

GROUP, VERSION = "crd.projectcalico.org", "v1"
NODES = {"node1": "10.200.20.105", "node2": "10.200.20.106", "node3": "10.200.20.107", "node4": "10.200.20.108"}
BLOCKS = {"node1": "10.233.64.0/24", "node2": "10.233.65.0/24", "node3": "10.233.66.0/24", "node4": "10.233.67.0/24"}
INGRESS = "node-role.kubernetes.io/ingress == 'ingress'"
LAB = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "lab")


@pytest.fixture(scope="module")
def bird_path() -> str:
    """BIRD 1.6, whose parser (bird -p) judges every rendered configuration."""
    path = shutil.which("bird")
    if path is None:
        pytest.fail("bird (BIRD 1.6) is not on PATH; install it (Debian package bird) to run the calico-node lab tests")
    return path


@pytest.fixture
def parse(bird_path: str, tmp_path: Any) -> Any:
    """parse(text) fails the test unless `bird -p -c` accepts the text."""
    counter = [0]

    def check(text: str) -> str:
        counter[0] += 1
        path = tmp_path / ("bird-%d.cfg" % counter[0])
        path.write_text(text, encoding="utf-8")
        done = subprocess.run([bird_path, "-p", "-c", str(path)], capture_output=True, text=True, timeout=30, check=False)
        assert done.returncode == 0, "bird -p rejects the configuration: %s%s\n%s" % (done.stdout, done.stderr, text)
        return text
    return check


@pytest.fixture
def custom(api_client: Any) -> Any:
    return k8s.CustomObjectsApi(api_client)


@pytest.fixture
def render_all(api_client: Any, parse: Any) -> Any:
    """render_all() -> {node: configuration} for the four lab nodes, each accepted by BIRD's parser."""
    def run() -> dict:
        resources = fetch_resources(api_client)
        return {node: parse(render_bird(node, resources)) for node in NODES}
    return run


def _create(custom: Any, plural: str, kind: str, name: str, spec: dict) -> None:
    body = {"apiVersion": "%s/%s" % (GROUP, VERSION), "kind": kind, "metadata": {"name": name}, "spec": spec}
    custom.create_cluster_custom_object(GROUP, VERSION, plural, body)


def _protocols(text: str) -> list:
    return re.findall(r"^protocol bgp (\S+) from bgp_template", text, re.M)


def _block(text: str, name: str) -> str:
    """The body of one `protocol bgp NAME` (or function / filter NAME) statement."""
    found = re.search(r"^(?:protocol bgp|template bgp|function|filter|protocol) %s\b.*?^}" % re.escape(name), text, re.M | re.S)
    assert found, "no %s in\n%s" % (name, text)
    return found.group(0)


def test_seed_cluster_is_a_plain_mesh(render_all: Any) -> None:
    configs = render_all()
    for node, text in configs.items():
        ip = NODES[node]
        assert text.startswith("# BIRD configuration generated for node %s " % node)
        assert "router id %s;" % ip in text and "local as 64512;" in text
        assert "listen bgp" not in text
        others = sorted(other for other in NODES.values() if other != ip)
        assert _protocols(text) == ["Mesh_%s" % other.replace(".", "_") for other in others]
        assert not re.search(r"Global_|Node_", text)
        # Only this node's block is blackholed and aggregated; no service range anywhere.
        assert re.findall(r"route (\S+) blackhole;", text) == [BLOCKS[node]]
        assert "if ( net = %s ) then { accept; }" % BLOCKS[node] in _block(text, "calico_aggr")
        assert "10.233.0.0/18" not in text
        export = _block(text, "calico_export_to_bgp_peers")
        assert export.index("calico_aggr();") < export.index("if ( net ~ 10.233.64.0/18 ) then { accept; }")
        assert "export filter calico_kernel_programming;" in _block(text, "kernel")
        assert 'interface -"cali*", -"kube-ipvs*", "*";' in _block(text, "direct")
        template = _block(text, "bgp_template")
        for line in ("gateway recursive;", "add paths on;", "graceful restart;", "connect delay time 2;", "connect retry time 5;",
                     "error wait time 5,30;"):
            assert line in template


def test_mesh_sessions_are_passive_towards_higher_addresses(render_all: Any) -> None:
    configs = render_all()
    mesh = _block(configs["node2"], "Mesh_10_200_20_105")
    assert "neighbor 10.200.20.105 as 64512;" in mesh and "source address 10.200.20.106;" in mesh
    assert "import all;" in mesh and "calico_export_to_bgp_peers(true);" in mesh and "passive on;" not in mesh
    assert "passive on;" in _block(configs["node2"], "Mesh_10_200_20_107")
    assert "passive on;" in _block(configs["node1"], "Mesh_10_200_20_108")
    assert "passive on;" not in configs["node4"]


def test_bgp_configuration_sets_as_and_advertises_service_range(custom: Any, render_all: Any) -> None:
    _create(custom, "bgpconfigurations", "BGPConfiguration", "default",
            {"asNumber": 64513, "serviceClusterIPs": [{"cidr": "10.233.0.0/18"}], "listenPort": 1790})
    for node, text in render_all().items():
        assert "local as 64513;" in text and "listen bgp port 1790;" in text
        assert "neighbor %s port 1790 as 64513;" % ("10.200.20.108" if node != "node4" else "10.200.20.105") in text
        assert "route 10.233.0.0/18 blackhole;" in _block(text, "static")
        assert "if ( net ~ 10.233.0.0/18 ) then { accept; }" in _block(text, "calico_export_to_bgp_peers")
        assert "if ( net ~ 10.233.0.0/18 ) then { reject; }" in _block(text, "calico_kernel_programming")


def test_external_and_load_balancer_ranges_but_not_single_addresses(custom: Any, render_all: Any) -> None:
    _create(custom, "bgpconfigurations", "BGPConfiguration", "default",
            {"serviceExternalIPs": [{"cidr": "192.0.2.0/24"}, {"cidr": "192.0.2.7/32"}], "serviceLoadBalancerIPs": [{"cidr": "198.51.100.0/24"}]})
    text = render_all()["node3"]
    assert re.findall(r"route (\S+) blackhole;", text) == [BLOCKS["node3"], "192.0.2.0/24", "198.51.100.0/24"]
    assert "192.0.2.7" not in text


def test_node_excluded_from_load_balancers_keeps_service_range_out_of_kernel_only(api_client: Any, custom: Any, render_all: Any) -> None:
    _create(custom, "bgpconfigurations", "BGPConfiguration", "default", {"serviceClusterIPs": [{"cidr": "10.233.0.0/18"}]})
    k8s.CoreV1Api(api_client).patch_node("node4", {"metadata": {"labels": {"node.kubernetes.io/exclude-from-external-load-balancers": "true"}}})
    configs = render_all()
    assert "route 10.233.0.0/18 blackhole;" not in configs["node4"]
    assert "if ( net ~ 10.233.0.0/18 ) then { accept; }" not in configs["node4"]
    assert "if ( net ~ 10.233.0.0/18 ) then { reject; }" in configs["node4"]
    assert "route 10.233.0.0/18 blackhole;" in configs["node3"]


def test_selector_peer_only_on_ingress_nodes(custom: Any, render_all: Any) -> None:
    _create(custom, "bgpconfigurations", "BGPConfiguration", "default", {"asNumber": 64513, "serviceClusterIPs": [{"cidr": "10.233.0.0/18"}]})
    _create(custom, "bgppeers", "BGPPeer", "peer-switch", {"peerIP": "10.200.20.254", "asNumber": 65200, "nodeSelector": INGRESS})
    configs = render_all()
    for node in ("node1", "node2"):
        # A BGPPeer with a node selector is a node-specific peering, which Calico names Node_<ip>.
        assert "Node_10_200_20_254" in _protocols(configs[node])
        peer = _block(configs[node], "Node_10_200_20_254")
        assert "neighbor 10.200.20.254 as 65200;" in peer and "source address %s;" % NODES[node] in peer
        assert "ttl security off;" in peer and "multihop;" in peer
        assert "calico_export_to_bgp_peers(false);" in peer and "passive on;" not in peer
    for node in ("node3", "node4"):
        assert "10.200.20.254" not in configs[node]
        assert len(_protocols(configs[node])) == 3


def test_peer_for_every_node_is_global(custom: Any, render_all: Any) -> None:
    _create(custom, "bgppeers", "BGPPeer", "route-server", {"peerIP": "10.200.20.254:1179", "asNumber": 65200, "sourceAddress": "None",
                                                            "maxRestartTime": "2m", "keepOriginalNextHop": True})
    _create(custom, "bgppeers", "BGPPeer", "only-node3", {"peerIP": "10.200.20.253", "asNumber": 64512, "node": "node3"})
    configs = render_all()
    for node, text in configs.items():
        peer = _block(text, "Global_10_200_20_254_port_1179")
        assert "neighbor 10.200.20.254 port 1179 as 65200;" in peer and "source address" not in peer
        assert "graceful restart time 120;" in peer and "next hop keep;" in peer
        assert ("Node_10_200_20_253" in _protocols(text)) == (node == "node3")
    assert "calico_export_to_bgp_peers(true);" in _block(configs["node3"], "Node_10_200_20_253")


def test_mesh_disabled(custom: Any, render_all: Any) -> None:
    _create(custom, "bgpconfigurations", "BGPConfiguration", "default", {"nodeToNodeMeshEnabled": False})
    _create(custom, "bgppeers", "BGPPeer", "peer-switch", {"peerIP": "10.200.20.254", "asNumber": 65200, "nodeSelector": INGRESS})
    configs = render_all()
    for node, text in configs.items():
        assert "Mesh_" not in text and "# Node-to-node mesh disabled." in text
        assert _protocols(text) == (["Node_10_200_20_254"] if node in ("node1", "node2") else [])


def test_password_from_secret(api_client: Any, custom: Any, render_all: Any) -> None:
    secret = k8s.V1Secret(metadata=k8s.V1ObjectMeta(name="bgp-secrets", namespace="kube-system"),
                          data={"switch": base64.b64encode(b"s3cret-Pass").decode()})
    k8s.CoreV1Api(api_client).create_namespaced_secret("kube-system", secret)
    _create(custom, "bgppeers", "BGPPeer", "peer-switch", {"peerIP": "10.200.20.254", "asNumber": 65200, "nodeSelector": INGRESS,
                                                           "password": {"secretKeyRef": {"name": "bgp-secrets", "key": "switch"}}})
    _create(custom, "bgppeers", "BGPPeer", "peer-missing", {"peerIP": "10.200.20.253", "asNumber": 65200, "nodeSelector": INGRESS,
                                                            "password": {"secretKeyRef": {"name": "bgp-secrets", "key": "absent"}}})
    configs = render_all()
    assert 'password "s3cret-Pass";' in _block(configs["node1"], "Node_10_200_20_254")
    assert "password" not in _block(configs["node1"], "Node_10_200_20_253")
    assert "s3cret" not in configs["node3"]


def test_password_that_bird_cannot_hold_is_refused() -> None:
    resources = {"nodes": [_node("node1", "10.0.0.1/24")], "secrets": [_secret("bgp", {"p": 'a"b'})],
                 "bgppeers": [_peer("p", {"peerIP": "10.0.0.254", "asNumber": 65000, "password": {"secretKeyRef": {"name": "bgp", "key": "p"}}})]}
    with pytest.raises(RenderError, match="BIRD string"):
        render_bird("node1", resources)
    with pytest.raises(RenderError, match="no Node"):
        render_bird("node9", resources)


def test_node_annotations_and_reverse_peering(parse: Any) -> None:
    nodes = [_node("a", "10.0.0.1/24", asn="65001"), _node("b", "10.0.0.2/24"), _node("rr", "10.0.0.3/24", rr="224.0.0.1", labels={"rr": "yes"})]
    resources = {"nodes": nodes, "bgpconfigurations": [_config("default", {"asNumber": 64513, "logSeverityScreen": "Debug"})],
                 "bgppeers": [_peer("to-rr", {"peerSelector": "rr == 'yes'", "nodeSelector": "!has(rr)"})],
                 "ippools": [_pool("p", "10.244.0.0/16", disableBGPExport=True), _pool("q", "10.245.0.0/16", vxlanMode="Always")]}
    text_a = parse(render_bird("a", resources))
    assert "local as 65001;" in text_a and "debug all;" in text_a
    assert "neighbor 10.0.0.2 as 64513;" in _block(text_a, "Mesh_10_0_0_2")
    assert "Mesh_10_0_0_3" not in text_a and "is a route reflector" in text_a
    assert "neighbor 10.0.0.3 as 64513;" in _block(text_a, "Node_10_0_0_3")
    assert "if ( net ~ 10.244.0.0/16 ) then { reject; }" in _block(text_a, "reject_disabled_pools")
    assert "if ( net ~ 10.244.0.0/16 ) then { accept; }" not in _block(text_a, "calico_export_to_bgp_peers")
    assert "if ( net ~ 10.245.0.0/16 ) then { reject; }" in _block(text_a, "calico_kernel_programming")
    text_rr = parse(render_bird("rr", resources))
    # The route reflector gets the reverse peerings and treats the iBGP ones as its clients.
    assert _protocols(text_rr) == ["Node_10_0_0_1", "Node_10_0_0_2"]
    assert "rr client;" in _block(text_rr, "Node_10_0_0_2") and "rr cluster id 224.0.0.1;" in text_rr
    assert "rr client;" not in _block(text_rr, "Node_10_0_0_1")
    assert "no mesh sessions" in text_rr


def test_communities_ignored_interfaces_and_block_states(parse: Any) -> None:
    spec = {"communities": [{"name": "office", "value": "65200:100"}], "ignoredInterfaces": ["eth9"], "bindMode": "NodeIP",
            "prefixAdvertisements": [{"cidr": "10.233.64.0/24", "communities": ["office", "65200:1:2"]}]}
    affinities = [{"spec": {"node": "a", "cidr": "10.233.64.0/24", "state": "confirmed", "deleted": "false"}},
                  {"spec": {"node": "a", "cidr": "10.233.70.0/24", "state": "pending", "deleted": "false"}},
                  {"spec": {"node": "a", "cidr": "10.233.71.0/24", "state": "confirmed", "deleted": "true"}},
                  {"spec": {"node": "b", "cidr": "10.233.65.0/24", "state": "confirmed", "deleted": "false"}}]
    resources = {"nodes": [_node("a", "10.0.0.1/24")], "bgpconfigurations": [_config("default", spec)], "blockaffinities": affinities}
    text = parse(render_bird("a", resources))
    communities = _block(text, "apply_communities")
    assert "bgp_community.add((65200, 100));" in communities and "bgp_large_community.add((65200, 1, 2));" in communities
    assert 'interface -"eth9", -"cali*", -"kube-ipvs*", "*";' in text and "listen bgp address 10.0.0.1;" in text
    assert re.findall(r"route (\S+) blackhole;", text) == ["10.233.64.0/24", "10.233.70.0/24"]
    assert "10.233.70.0/24 ) then" not in _block(text, "calico_aggr") and "Block 10.233.70.0/24 is pending." in text
    bare = parse(render_bird("a", {"nodes": [_node("a", "10.0.0.1/24")]}))
    assert "# No blocks or static routes for this node." in bare and _protocols(bare) == []


def test_durations() -> None:
    assert [duration_seconds(value) for value in ("120s", "2m30s", "1h", "1.5s", "0", "soon", 90)] == ["120", "150", "3600", "2", "0", "", "90"]


def _node(name: str, address: str, asn: str = "", rr: str = "", labels: dict = None) -> dict:
    annotations = {"projectcalico.org/IPv4Address": address}
    if asn:
        annotations["projectcalico.org/ASNumber"] = asn
    if rr:
        annotations["projectcalico.org/RouteReflectorClusterID"] = rr
    return {"metadata": {"name": name, "labels": labels or {}, "annotations": annotations},
            "status": {"addresses": [{"type": "InternalIP", "address": address.split("/", 1)[0]}]}}


def _peer(name: str, spec: dict) -> dict:
    return {"metadata": {"name": name}, "spec": spec}


def _config(name: str, spec: dict) -> dict:
    return {"metadata": {"name": name}, "spec": spec}


def _pool(name: str, cidr: str, **spec: Any) -> dict:
    return {"metadata": {"name": name}, "spec": dict(spec, cidr=cidr)}


def _secret(name: str, values: dict) -> dict:
    return {"metadata": {"name": name, "namespace": "kube-system"}, "data": {key: base64.b64encode(value.encode()).decode() for key, value in values.items()}}


# -- the agent ---------------------------------------------------------------------------------------------------


def _agent_command(emulator: Any, node: str, directory: str, *extra: str) -> tuple:
    env = dict(os.environ, PYTHONPATH=LAB)
    command = [sys.executable, "-m", "calico_node.agent", "--node", node, "--kubeconfig", emulator.kubeconfig_path,
               "--config-dir", directory, "--birdc-socket", os.path.join(directory, "bird.ctl"), *extra]
    return command, env


def test_agent_once_writes_the_configuration(emulator: Any, api_client: Any, bird_path: str, tmp_path: Any) -> None:
    directory = str(tmp_path / "node2")
    command, env = _agent_command(emulator, "node2", directory, "--once")
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, check=False)
    assert done.returncode == 0, done.stderr
    path = os.path.join(directory, "bird.cfg")
    with open(path, encoding="utf-8") as handle:
        written = handle.read()
    assert written == render_bird("node2", fetch_resources(api_client))
    assert "no BIRD control socket" in done.stderr and "wrote %s" % path in done.stderr
    assert subprocess.run([bird_path, "-p", "-c", path], check=False, timeout=30).returncode == 0
    stamp = os.stat(path).st_mtime_ns
    again = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, check=False)
    assert again.returncode == 0 and "wrote" not in again.stderr and os.stat(path).st_mtime_ns == stamp


def test_agent_once_without_a_usable_configuration(emulator: Any, tmp_path: Any) -> None:
    directory = str(tmp_path / "ghost")
    command, env = _agent_command(emulator, "node9", directory, "--once")
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env, check=False)
    assert done.returncode == 1 and "no Node 'node9'" in done.stderr
    assert not os.path.exists(os.path.join(directory, "bird.cfg"))


def test_agent_loop_follows_the_api_and_stops_on_sigterm(emulator: Any, custom: Any, tmp_path: Any) -> None:
    directory = str(tmp_path / "node1")
    command, env = _agent_command(emulator, "node1", directory, "--interval", "0.2")
    path = os.path.join(directory, "bird.cfg")
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as process:
        try:
            _wait_for(path, "local as 64512;", process)
            _create(custom, "bgpconfigurations", "BGPConfiguration", "default", {"asNumber": 64513})
            _wait_for(path, "local as 64513;", process)
        finally:
            process.send_signal(signal.SIGTERM)
            _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "stopping" in err


def _wait_for(path: str, text: str, process: Any) -> None:
    deadline = time.monotonic() + 30
    while True:
        assert process.poll() is None, "the agent exited early"
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                if text in handle.read():
                    return
        assert time.monotonic() < deadline, "%s never held %r" % (path, text)
        time.sleep(0.1)


def test_agent_keeps_the_old_configuration_when_bird_rejects(tmp_path: Any, bird_path: str) -> None:
    agent = Agent("a", str(tmp_path), str(tmp_path / "absent.ctl"), bird=bird_path)
    good = render_bird("a", {"nodes": [_node("a", "10.0.0.1/24")]})
    assert agent.apply(good)
    assert not agent.apply(good.replace("router id 10.0.0.1;", "router id nowhere;"))
    assert (tmp_path / "bird.cfg").read_text(encoding="utf-8") == good


@pytest.fixture
def netns_bird(bird_path: str, tmp_path: Any) -> Any:
    """A BIRD daemon in a network namespace of its own (gone with the process): (socket path, config path)."""
    if shutil.which("unshare") is None or subprocess.run(["unshare", "--net", "true"], capture_output=True, check=False).returncode != 0:
        pytest.fail("a network namespace cannot be created here (needs root and unshare)")
    config = tmp_path / "bird.cfg"
    config.write_text(render_bird("a", {"nodes": [_node("a", "10.0.0.1/24")]}), encoding="utf-8")
    socket_path = str(tmp_path / "bird.ctl")
    process = subprocess.Popen(["unshare", "--net", "--", bird_path, "-f", "-c", str(config), "-s", socket_path],  # pylint: disable=consider-using-with
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not os.path.exists(socket_path):
            assert process.poll() is None and time.monotonic() < deadline, "BIRD did not start"
            time.sleep(0.05)
        yield socket_path, str(config)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_agent_reconfigures_a_running_bird(netns_bird: Any, bird_path: str, api_client: Any) -> None:
    socket_path, config = netns_bird
    resources = fetch_resources(api_client)
    resources["nodes"] = copy.deepcopy(resources["nodes"]) + [_node("a", "10.0.0.1/24")]
    agent = Agent("a", os.path.dirname(config), socket_path, bird=bird_path)
    text = render_bird("a", resources)
    assert agent.apply(text)
    shown = subprocess.run(["birdc", "-s", socket_path, "show", "protocols"], capture_output=True, text=True, timeout=30, check=False).stdout
    assert "Mesh_10_200_20_105" in shown and "static1" in shown
    # Without the parser check, a configuration BIRD refuses reaches `configure` and the previous file comes back.
    unchecked = Agent("a", os.path.dirname(config), socket_path, bird="")
    assert not unchecked.apply(text.replace("router id 10.0.0.1;", "router id nowhere;"))
    with open(config, encoding="utf-8") as handle:
        assert handle.read() == text
