# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""up, down, status and sync: building the lab, taking it apart, looking at it.

STATE/lab.json is written before anything is created and lists every
namespace and FRR pathspace the lab may make, so ``down`` (and ``up``, which
starts with the same cleanup) removes the leftovers of a run that stopped
half-way, and never anything it did not make.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from typing import Any, Callable, Optional

import yaml

from . import bird, dns, fabric, frr, kube, nftables, overlay, picture, procs, sh, uplink
from .model import LabError, Topology

LAB_FILE = "lab.json"
PICTURE_FILE = "lab.dot"
PICTURE_SVG = "lab.svg"
LAB_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
API_TIMEOUT = 60.0
READY_TIMEOUT = 60.0
REVIVE_TIMEOUT = 60.0
STOP_ORDER = ("agent-keeper@", "agent@", "responder@", "dns@", "bird@", "frr-", "kubeapi")
_OURS = {LAB_FILE, procs.PIDS_FILE, "kubeapi", "kubeapi.log", "kubeconfig", "kubeconfig-admin", "seed.yml", "env", "inventory.yml", PICTURE_FILE, PICTURE_SVG,
         "nodes", "pods", "switch", "dns", "uplink", uplink.SECRETS_FILE}


def child_env() -> dict:
    """The environment of the lab's Python processes: lab/ on PYTHONPATH."""
    env = dict(os.environ)
    env["PYTHONPATH"] = LAB_DIR + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


class Progress:
    """Prints each step with the time it took."""

    def __init__(self) -> None:
        self.start = time.monotonic()

    def step(self, text: str, action: Callable[[], Any]) -> Any:
        """Run one step and report it."""
        began = time.monotonic()
        print("  %-64s" % text, end="", flush=True)
        result = action()
        print(" %5.1fs" % (time.monotonic() - began), flush=True)
        return result

    def total(self) -> float:
        """Seconds since the start."""
        return time.monotonic() - self.start


# --- the state file --------------------------------------------------------------------------------------------------


def lab_record(topo: Topology, state_dir: str) -> dict:
    """What down, status and sync need to know about a lab."""
    return {"prefix": topo.prefix, "namespaces": topo.namespaces + topo.all_pod_netns(), "pathspaces": [topo.switch.pathspace],
            "switch": {"name": topo.switch.name, "netns": topo.switch.netns, "pathspace": topo.switch.pathspace},
            "gateway": {"name": topo.gateway.name, "netns": topo.gateway.netns}, "pc": {"netns": topo.pc_netns, "ip": topo.pc_ip},
            "uplink": {"netns": topo.uplink.netns, "router_ip": topo.uplink.router_ip, "announces": topo.uplink.announces}
            if topo.uplink else None,
            "nodes": [{"name": node.name, "netns": node.netns, "ip": node.ip} for node in topo.nodes],
            "cluster_dns": {"netns": topo.cluster_dns_netns} if topo.cluster_dns_netns else None,
            "office_dns": {"name": topo.dns_server.name, "kind": topo.dns_server.kind, "netns": topo.dns_server.netns,
                           "ip": topo.dns_server.ip} if topo.dns_server else None,
            "cluster_ranges": topo.cluster_ranges(), "domain": topo.intent["flatnet_cluster"].get("domain", "cluster.local"),
            "service_ranges": topo.service_ranges(),
            "kubeconfig": os.path.join(state_dir, "kubeconfig"), "admin_kubeconfig": os.path.join(state_dir, "kubeconfig-admin")}


def read_record(state_dir: str) -> Optional[dict]:
    """STATE/lab.json, None when there is none."""
    path = os.path.join(state_dir, LAB_FILE)
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def _write_json(path: str, data: Any) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1, sort_keys=True)
        handle.write("\n")


# --- cleanup ---------------------------------------------------------------------------------------------------------


def _remove_state_dir(state_dir: str) -> None:
    if not os.path.isdir(state_dir):
        return
    strangers = sorted(set(os.listdir(state_dir)) - _OURS)
    if strangers:
        raise LabError("%s holds files the lab did not make (%s); not removing it" % (state_dir, ", ".join(strangers[:5])))
    shutil.rmtree(state_dir)


def cleanup(state_dir: str, topo: Optional[Topology] = None, quiet: bool = False) -> list:
    """Stop the lab's processes, delete its namespaces, FRR directories and state directory; what was removed."""
    record = read_record(state_dir) or {}
    namespaces = list(record.get("namespaces") or [])
    pathspaces = list(record.get("pathspaces") or [])
    if topo is not None:
        namespaces += [name for name in topo.namespaces + topo.all_pod_netns() if name not in namespaces]
        pathspaces += [name for name in [topo.switch.pathspace] if name not in pathspaces]
    if os.path.isdir(state_dir):
        procs.Registry(state_dir).stop_all(STOP_ORDER)
    present = [name for name in namespaces if sh.netns_exists(name)]
    procs.stop([(pid, procs.start_time(pid)) for name in present for pid in sh.netns_pids(name)])
    for name in present:
        sh.netns_delete(name)
    for name in namespaces:
        etc = os.path.join("/etc/netns", name)
        if os.path.isdir(etc):
            shutil.rmtree(etc, ignore_errors=True)
    for pathspace in pathspaces:
        frr.remove(pathspace)
    _remove_state_dir(state_dir)
    if present and not quiet:
        print("removed %d namespaces: %s" % (len(present), " ".join(present)))
    return present


# --- up --------------------------------------------------------------------------------------------------------------


# The least privilege the project ships: the lab applies it as a user would, and flatnet runs in the lab as that user.
RBAC_FILE = os.path.join(os.path.dirname(LAB_DIR), "docs", "rbac", "flatnet-kube.yml")


def start_kubeapi(topo: Topology, state_dir: str, registry: procs.Registry) -> str:
    """Start the emulated API with the lab's seed and the project's RBAC file applied; the admin's kubeconfig path.

    STATE/kubeconfig, which the playbooks use, is the user flatnet's (bound by that file); STATE/kubeconfig-admin is
    the lab's own, for what a cluster's admin and its controllers do (pods, Endpoints)."""
    seed_path = os.path.join(state_dir, "seed.yml")
    with open(seed_path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(kube.seed_description(topo), handle, default_flow_style=False, sort_keys=False)
    api_dir = os.path.join(state_dir, "kubeapi")
    os.makedirs(api_dir, exist_ok=True)
    ready = os.path.join(api_dir, "ready")
    command = [sys.executable, "-m", "kubeapi", "serve", "--state-dir", api_dir, "--seed", seed_path, "--ready-file", ready]
    process = procs.spawn(command, os.path.join(state_dir, "kubeapi.log"), env=child_env())
    registry.add("kubeapi", process.pid)
    if not sh.wait_for(lambda: os.path.exists(ready) or process.poll() is not None, API_TIMEOUT, step=0.1) or not os.path.exists(ready):
        raise LabError("the emulated API did not start (see %s)" % os.path.join(state_dir, "kubeapi.log"))
    admin = os.path.join(state_dir, "kubeconfig-admin")
    os.symlink(os.path.join("kubeapi", "kubeconfig"), admin)
    os.symlink(os.path.join("kubeapi", "kubeconfig-flatnet"), os.path.join(state_dir, "kubeconfig"))
    kube.apply_file(admin, RBAC_FILE)
    return admin


def start_switch(topo: Topology, state_dir: str, registry: procs.Registry) -> None:
    """The switch's wires and its FRR, with the switch's own configuration and its uplink router when described."""
    fabric.build_switch(topo)
    own, values, switch_as = "", {}, 0
    if topo.uplink:
        switch_as = uplink.asplain(topo.intent["flatnet_fabric"]["switches"][0]["as_number"])
        values = uplink.new_secrets()
        uplink.write_secrets(state_dir, values)
        uplink.build(topo.uplink, topo.switch.netns)
        own = uplink.office_config(topo.uplink, switch_as, topo.switch.peer_ip, topo.office_networks[0], values)
    frr.prepare(topo.switch.pathspace, own)
    frr.start(topo.switch.netns, topo.switch.pathspace, os.path.join(state_dir, "switch"), registry, topo.switch.name)
    if topo.uplink:
        registry.add("bird@uplink", uplink.start(topo.uplink, switch_as, values, os.path.join(state_dir, "uplink")))


def start_pods(topo: Topology, state_dir: str, objects: kube.Objects, registry: procs.Registry) -> list:
    """Address, wire and start every pod, then register them in the API with their Endpoints."""
    api = objects.api
    pods, changed = kube.plan_pods(topo, kube.list_custom(api, "ipamblocks"))
    kube.save_blocks(api, changed)
    nodes = {node.name: node for node in topo.nodes}
    pod_dir = os.path.join(state_dir, "pods")
    os.makedirs(pod_dir, exist_ok=True)
    for pod in pods:
        fabric.build_pod(pod, nodes[pod.node])
    # Every pod but the cluster DNS (started once its records exist) runs a responder.
    serving = [pod for pod in pods if pod.netns != topo.cluster_dns_netns]
    ready = {pod.name: os.path.join(pod_dir, pod.name + ".ready") for pod in serving}
    for pod in serving:
        command = [sys.executable, "-m", "netlab.responder", "--name", pod.name, "--ready-file", ready[pod.name]]
        for port, _protocol in pod.ports:
            command += ["--port", str(port)]
        process = procs.spawn(sh.in_netns(pod.netns, command), os.path.join(pod_dir, pod.name + ".log"), env=child_env())
        registry.add("responder@%s" % pod.name, process.pid)
    if not sh.wait_for(lambda: all(os.path.exists(path) for path in ready.values()), READY_TIMEOUT):
        raise LabError("pods did not start serving: %s" % ", ".join(name for name, path in ready.items() if not os.path.exists(path)))
    kube.create_pods(api, pods, {node.name: node.ip for node in topo.nodes})
    kube.sync_endpoints(objects)
    return pods


def start_cluster_dns(record: dict, objects: kube.Objects, registry: procs.Registry, state_dir: str) -> None:
    """(Re)write the cluster DNS pod's records from the API and (re)start its dnsmasq."""
    pod_ip = next(pod["status"]["podIP"] for pod in objects.core("pods") if pod["metadata"]["namespace"] == "kube-system"
                  and (pod["metadata"].get("labels") or {}).get("k8s-app") == "kube-dns")
    registry.add("dns@cluster", dns.start_cluster(record["cluster_dns"]["netns"], dns.dns_dir(state_dir), record.get("domain", "cluster.local"),
                                                  record["cluster_ranges"], pod_ip, objects.core("services"), objects.core("endpoints")))


def start_office_dns(topo: Topology, state_dir: str, registry: procs.Registry) -> None:
    """The office DNS server, and the resolv.conf of the office PC and of the server's namespace."""
    server = topo.dns_server
    assert server is not None
    if server.kind in dns.RECURSING:
        registry.add("dns@root", dns.start_root(server.netns, os.path.join(dns.dns_dir(state_dir), dns.ROOT_DIR)))
    pid, spec = dns.start_office(topo, dns.office_dir(state_dir))
    registry.add("dns@office", pid, restart=spec)
    dns.write_resolv_conf(topo.pc_netns, server.ip)
    dns.write_resolv_conf(server.netns, "127.0.0.1")


def sync_nft(record: dict, objects: kube.Objects) -> int:
    """Render kube-proxy's and Felix's tables from the API into every node; the number of Service ports."""
    services, endpoints = objects.core("services"), objects.core("endpoints")
    pools = kube.list_custom(objects.api, "ippools")
    proxy = nftables.render_kube_proxy(services, endpoints, record["cluster_ranges"])
    nat = nftables.render_nat_outgoing(pools, record["service_ranges"])
    for node in record["nodes"]:
        nftables.apply(node["netns"], proxy + nat)
    return len(nftables.service_entries(services, endpoints))


def start_routing(topo: Topology, state_dir: str, kubeconfig: str, registry: procs.Registry, interval: float) -> None:
    """Per node: the agent renders bird.cfg once, BIRD starts on it, the agent keeps polling.

    The agents read the API as calico-node does, with its ServiceAccount's token (the twin enforces RBAC): the
    seed's ClusterRole for nodes and Calico's resources, and a BGP password Secret only through the Role that
    calico_bgp_peer grants."""
    env = child_env()
    kubeconfig = os.path.join(state_dir, "kubeapi", "kubeconfig-calico-node")
    files = {node.name: bird.NodeFiles(os.path.join(state_dir, "nodes", node.name)) for node in topo.nodes}
    bird.render_once(kubeconfig, files, env)
    for node in topo.nodes:
        registry.add("bird@%s" % node.name, bird.start_bird(node.netns, files[node.name]))
    for node in topo.nodes:
        keeper, agent = bird.start_agent(node.name, kubeconfig, files[node.name], env, interval)
        registry.add("agent-keeper@%s" % node.name, keeper)
        if agent:
            registry.add("agent@%s" % node.name, agent)


def up(topo: Topology, state_dir: str, interval: float = 1.0) -> float:
    """Build the lab; the seconds it took."""
    progress = Progress()
    print("netlab: building the lab of %d nodes x %d pods in %s (namespaces %s*)" % (len(topo.nodes), topo.pods_per_node, state_dir, topo.prefix))
    progress.step("cleaning up an earlier run", lambda: cleanup(state_dir, topo, quiet=True))
    os.makedirs(state_dir)
    record = lab_record(topo, state_dir)
    _write_json(os.path.join(state_dir, LAB_FILE), record)
    registry = procs.Registry(state_dir)
    admin = progress.step("emulated Kubernetes API on 127.0.0.1 (RBAC: flatnet runs as the user flatnet)",
                          lambda: start_kubeapi(topo, state_dir, registry))
    kubeconfig = record["kubeconfig"]
    progress.step("switch %s (%s, FRR -N %s)" % (topo.switch.name, topo.switch.netns, topo.switch.pathspace),
                  lambda: start_switch(topo, state_dir, registry))
    progress.step("gateway %s (%s) and office PC (%s)" % (topo.gateway.name, topo.gateway.netns, topo.pc_netns), lambda: fabric.build_office(topo))
    progress.step("nodes %s" % " ".join(node.netns for node in topo.nodes), lambda: [fabric.build_node(topo, node) for node in topo.nodes])
    api = kube.api_client(admin)
    objects = kube.Objects(api)
    try:
        pods = progress.step("pods, responders, Pod and Endpoints objects", lambda: start_pods(topo, state_dir, objects, registry))
        progress.step("kube-proxy and natOutgoing nftables on every node", lambda: sync_nft(record, objects))
        if record["cluster_dns"]:
            progress.step("cluster DNS pod (dnsmasq, records from the API) in %s" % topo.cluster_dns_netns,
                          lambda: start_cluster_dns(record, objects, registry, state_dir))
    finally:
        api.close()
    progress.step("BIRD and the calico-node agent on every node", lambda: start_routing(topo, state_dir, kubeconfig, registry, interval))
    if topo.dns_server:
        progress.step("office DNS server %s (%s) in %s" % (topo.dns_server.name, topo.dns_server.kind, topo.dns_server.netns),
                      lambda: start_office_dns(topo, state_dir, registry))
    overlay.write_overlay(topo, os.path.join(state_dir, "inventory.yml"))
    overlay.write_env(os.path.join(state_dir, "env"), kubeconfig)
    with open(os.path.join(state_dir, PICTURE_FILE), "w", encoding="utf-8") as handle:
        handle.write(picture.lab_dot(topo, pods))
    print_summary(topo, state_dir, pods)
    seconds = progress.total()
    print("netlab: up in %.1fs" % seconds)
    return seconds


def print_summary(topo: Topology, state_dir: str, pods: list) -> None:
    """The topology, by name and address."""
    switch, gateway = topo.switch, topo.gateway
    switch_line = "%s/%d on br0, %s/%d on %s; FRR pathspace %s" % (
        switch.peer_ip, topo.nodes[0].prefixlen, switch.transit_ip, topo.transit_prefixlen, switch.transit_port, switch.pathspace)
    gateway_line = "%s/%d on %s, %s/%d on %s" % (
        gateway.transit_ip, topo.transit_prefixlen, gateway.uplink, gateway.lan_ip, topo.office_lan_prefixlen, gateway.lan_port)
    lines = ["", "  %-22s %s" % (switch.netns, switch_line), "  %-22s %s" % (gateway.netns, gateway_line),
             "  %-22s %s/%d, default via %s" % (topo.pc_netns, topo.pc_ip, topo.office_lan_prefixlen, gateway.lan_ip)]
    if topo.dns_server:
        server = topo.dns_server
        lines.append("  %-22s %s/%d, %s %s, the office PC's resolver" % (server.netns, server.ip, topo.office_lan_prefixlen, server.kind, server.name))
    lines += ["  %-22s %s/%d on eth0 (%s on br0)" % (node.netns, node.ip, node.prefixlen, node.switch_port) for node in topo.nodes]
    for pod in pods:
        ports = ",".join(str(port) for port, _protocol in pod.ports)
        lines.append("  %-22s %s/32 %s, port %s (%s on %s)" % (pod.netns, pod.ip, pod.name, ports, pod.host_veth, pod.node))
    if topo.skipped:
        lines.append("  not in the lab: %s" % ", ".join(topo.skipped))
    lines += ["", "  inventory overlay  %s" % os.path.join(state_dir, "inventory.yml"),
              "  picture            %s (netlab picture --svg)" % os.path.join(state_dir, PICTURE_FILE),
              "  environment        . %s" % os.path.join(state_dir, "env")]
    print("\n".join(lines))


# --- status, sync, shell ---------------------------------------------------------------------------------------------


def _recorded(state_dir: str, name: str) -> tuple:
    """The lab's process registry and the record of one of its processes; LabError when there is neither."""
    if read_record(state_dir) is None:
        raise LabError("no lab in %s" % state_dir)
    registry = procs.Registry(state_dir)
    try:
        return registry, registry.entry(name)
    except KeyError as err:
        raise LabError(str(err.args[0])) from None


def kill(state_dir: str, name: str) -> int:
    """SIGKILL one of the lab's processes (a fault for the tests); its pid."""
    _registry, entry = _recorded(state_dir, name)
    if not procs.alive(entry["pid"], entry.get("start")):
        raise LabError("%s (pid %d) is not running" % (name, entry["pid"]))
    procs.kill(entry["pid"], entry.get("start"))
    return entry["pid"]


def revive(state_dir: str, name: str) -> int:
    """Start a process that died (a killed FRR daemon, the office DNS server) again, as the lab started it, and then
    the processes its record names as depending on it (stopped first); its pid."""
    registry, entry = _recorded(state_dir, name)
    if procs.alive(entry["pid"], entry.get("start")):
        raise LabError("%s (pid %d) still runs" % (name, entry["pid"]))
    if "restart" not in entry:
        raise LabError("%s cannot be started alone; `netlab up` builds the lab again" % name)
    try:
        pid = procs.revive(entry["restart"], REVIVE_TIMEOUT)
        registry.add(name, pid, restart=entry["restart"])
        for other in entry["restart"].get("dependents", []):
            held = registry.entry(other)
            procs.stop([(held["pid"], held.get("start"))])
            registry.add(other, procs.revive(held["restart"], REVIVE_TIMEOUT), restart=held["restart"])
    except sh.CommandError as err:
        raise LabError(str(err)) from None
    return pid


def status(state_dir: str) -> int:
    """Print what runs; 1 when there is no lab."""
    record = read_record(state_dir)
    if record is None:
        print("netlab: no lab in %s" % state_dir)
        return 1
    present = set(sh.netns_list())
    print("namespaces:")
    for name in record["namespaces"]:
        print("  %-28s %s" % (name, "present" if name in present else "MISSING"))
    print("processes:")
    for name, pid, running in procs.Registry(state_dir).status():
        print("  %-28s %7d %s" % (name, pid, "running" if running else "GONE"))
    switch = record["switch"]
    if switch["netns"] in present:
        for command in ("show bgp summary", "show ip route"):
            print("%s (vtysh -N %s):" % (command, switch["pathspace"]))
            print(_indent(frr.vtysh(switch["pathspace"], command)))
    gateway = record["gateway"]
    if gateway["netns"] in present:
        print("ip route in %s:" % gateway["netns"])
        print(_indent(sh.run(["ip", "-n", gateway["netns"], "route"], check=False).stdout))
    return 0


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.rstrip().splitlines())


def sync(state_dir: str) -> int:
    """Re-write the Endpoints and re-render every node's nftables from the API."""
    record = read_record(state_dir)
    if record is None:
        raise LabError("no lab in %s; run up first" % state_dir)
    api = kube.api_client(record["admin_kubeconfig"])
    objects = kube.Objects(api)
    try:
        written = kube.sync_endpoints(objects)
        ports = sync_nft(record, objects)
        if record.get("cluster_dns"):
            start_cluster_dns(record, objects, procs.Registry(state_dir), state_dir)
    finally:
        api.close()
    print("netlab: %d Endpoints written, %d Service ports programmed on %d nodes" % (written, ports, len(record["nodes"])))
    return 0


def shell(state_dir: str, netns: Optional[str] = None, command: Optional[str] = None) -> int:
    """Replace this process with a shell in the office PC's namespace (or another lab namespace); with ``command``,
    run that one line there (bash -c) and exit with its status."""
    record = read_record(state_dir)
    if record is None:
        raise LabError("no lab in %s; run up first" % state_dir)
    target = netns or record["pc"]["netns"]
    if target not in record["namespaces"]:
        raise LabError("%s is not a namespace of this lab (its namespaces: %s)" % (target, " ".join(record["namespaces"])))
    sys.stdout.flush()
    os.execvp("ip", sh.in_netns(target, ["bash"] + (["-c", command] if command is not None else [])))
    return 0  # not reached


def draw(state_dir: str, svg: bool = False) -> int:
    """Print the lab's picture (DOT), or with ``svg`` render it to STATE/lab.svg with Graphviz and print that path."""
    path = os.path.join(state_dir, PICTURE_FILE)
    if read_record(state_dir) is None or not os.path.exists(path):
        raise LabError("no lab in %s; run up first" % state_dir)
    if not svg:
        with open(path, encoding="utf-8") as handle:
            sys.stdout.write(handle.read())
        return 0
    target = os.path.join(state_dir, PICTURE_SVG)
    sh.run(["dot", "-Tsvg", "-o", target, path])
    print(target)
    return 0
