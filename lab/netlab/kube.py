# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's Kubernetes side: the emulated API's seed, and what kubelet and the controllers would write.

The seed describes the inventory's cluster as it is before ``site.yml``: the
lab's nodes and Services, and the intent's pools with the lab's initial
encapsulation. Pods get their addresses from their node's IPAMBlock (the
allocation is recorded in the block, as Calico's IPAM does), are created as
Pod objects, and every Service with a selector gets its Endpoints.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import json
from typing import Any

from .model import Pod, PodGroup, Topology, pod_name, veth_name

CALICO_GROUP, CALICO_VERSION = "crd.projectcalico.org", "v1"
REQUEST_TIMEOUT = 10


def seed_description(topo: Topology) -> dict:
    """The emulator's seed description (see kubeapi.seed) for the lab's cluster."""
    cluster = topo.intent["flatnet_cluster"]
    desc: dict = {"domain": cluster.get("domain", "cluster.local"), "service_cidr": str(cluster["service_cluster_ips"][0]),
                  "nodes": [{"name": node.name, "internal_ip": node.ip, "prefix_length": node.prefixlen, "labels": dict(node.labels)}
                            for node in topo.nodes],
                  "services": [_seed_service(svc) for svc in topo.services],
                  "calico": {"pools": [_seed_pool(pool, topo.encapsulation) for pool in cluster["pools"]], "allocate_blocks": True}}
    if topo.dns_service_ip:
        desc["dns"] = {"service_name": "kube-dns", "service_ip": topo.dns_service_ip}
    return desc


def _seed_service(svc: dict) -> dict:
    keys = ("namespace", "name", "cluster_ip", "selector", "ports", "labels", "type")
    return {key: svc[key] for key in keys if key in svc}


def _seed_pool(pool: dict, encapsulation: dict) -> dict:
    out = {key: pool[key] for key in ("name", "cidr", "block_size", "nat_outgoing", "node_selector", "disabled") if key in pool}
    if ipaddress.ip_network(str(pool["cidr"])).version == 4:
        out.update(encapsulation)
    else:
        out.update({"ipip_mode": "Never", "vxlan_mode": encapsulation.get("vxlan_mode", "Never")})
    return out


def apply_file(kubeconfig: str, path: str) -> None:
    """Create every object of a YAML file (a List's items too), as `kubectl create -f` would (the kubernetes client's
    own utility)."""
    import yaml  # pylint: disable=import-outside-toplevel
    from kubernetes import utils as k8s_utils  # pylint: disable=import-outside-toplevel
    api = api_client(kubeconfig)
    try:
        with open(path, encoding="utf-8") as handle:
            for document in yaml.safe_load_all(handle):
                for item in (document.get("items") or []) if (document or {}).get("kind") == "List" else [document] if document else []:
                    k8s_utils.create_from_dict(api, item)
    finally:
        api.close()


def api_client(kubeconfig: str) -> Any:
    """The official kubernetes client for the emulator."""
    from kubernetes import config as k8s_config  # pylint: disable=import-outside-toplevel
    return k8s_config.new_client_from_config(config_file=kubeconfig)


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- IPAM ------------------------------------------------------------------------------------------------------------


def _custom(api: Any) -> Any:
    from kubernetes import client as k8s  # pylint: disable=import-outside-toplevel
    return k8s.CustomObjectsApi(api)


def _core(api: Any) -> Any:
    from kubernetes import client as k8s  # pylint: disable=import-outside-toplevel
    return k8s.CoreV1Api(api)


def list_custom(api: Any, plural: str) -> list:
    """Every object of a crd.projectcalico.org/v1 kind."""
    listed = _custom(api).list_cluster_custom_object(CALICO_GROUP, CALICO_VERSION, plural, _request_timeout=REQUEST_TIMEOUT)
    return listed.get("items") or []


class Objects:
    """The API's core objects, each kind listed once until it is forgotten (after a write)."""

    def __init__(self, api: Any) -> None:
        self.api = api
        self._lists: dict = {}

    def core(self, plural: str) -> list:
        """Every object of a core v1 kind, as plain dicts."""
        if plural not in self._lists:
            self._lists[plural] = list_core(self.api, plural)
        return self._lists[plural]

    def forget(self, plural: str) -> None:
        """List the kind again next time."""
        self._lists.pop(plural, None)


def list_core(api: Any, plural: str) -> list:
    """Every object of a core v1 kind, as plain dicts."""
    method = {"services": "list_service_for_all_namespaces", "endpoints": "list_endpoints_for_all_namespaces",
              "pods": "list_pod_for_all_namespaces"}[plural]
    raw = getattr(_core(api), method)(_preload_content=False, _request_timeout=REQUEST_TIMEOUT)
    return json.loads(raw.data)["items"]


def node_blocks(blocks: list, node: str) -> list:
    """The IPAMBlocks affine to a node, in CIDR order."""
    return sorted((block for block in blocks if block["spec"].get("affinity") == "host:%s" % node),
                  key=lambda block: ipaddress.ip_network(block["spec"]["cidr"]))


def free_ordinals(block: dict) -> list:
    """A block's unallocated ordinals, in the order Calico hands them out."""
    allocations = block["spec"].get("allocations") or []
    order = block["spec"].get("unallocated")
    order = list(range(len(allocations))) if order is None else order
    return [ordinal for ordinal in order if ordinal < len(allocations) and allocations[ordinal] is None]


def allocate(block: dict, ordinal: int, pod: Pod) -> None:
    """Record one workload address in a block, as Calico's IPAM does."""
    spec = block["spec"]
    spec.setdefault("attributes", []).append({
        "handle_id": "k8s-pod-network.%s" % hashlib.sha256(("%s/%s" % (pod.namespace, pod.name)).encode()).hexdigest(),
        "secondary": {"namespace": pod.namespace, "node": pod.node, "pod": pod.name, "timestamp": _now()}})
    spec["allocations"][ordinal] = len(spec["attributes"]) - 1
    spec["unallocated"] = [item for item in spec.get("unallocated") or [] if item != ordinal]
    spec.setdefault("sequenceNumberForAllocation", {})[str(ordinal)] = spec.get("sequenceNumber", 0)
    spec["sequenceNumber"] = spec.get("sequenceNumber", 0) + 1


def plan_pods(topo: Topology, blocks: list) -> tuple:
    """The pods of every node with their addresses (the cluster DNS pod last), and the IPAMBlocks that changed."""
    groups = topo.pod_groups()
    pods: list = []
    changed: list = []
    for position, node in enumerate(topo.nodes):
        wanted = topo.pods_per_node + (1 if position == 0 and topo.cluster_dns_netns else 0)
        candidates = [(block, ordinal) for block in node_blocks(blocks, node.name) for ordinal in free_ordinals(block)]
        if len(candidates) < wanted:
            raise ValueError("node %s has %d free pod addresses in its IPAM blocks, the lab wants %d" % (node.name, len(candidates), wanted))
        for index in range(wanted):
            block, ordinal = candidates[index]
            address = str(ipaddress.ip_network(block["spec"]["cidr"])[ordinal])
            pod = _pod(topo, groups[index % len(groups)], node.name, index, address) if index < topo.pods_per_node else \
                dns_pod(topo, node.name, address)
            allocate(block, ordinal, pod)
            pods.append(pod)
            if block not in changed:
                changed.append(block)
    return pods, changed


def dns_pod(topo: Topology, node: str, address: str) -> Pod:
    """The cluster DNS pod, as CoreDNS runs: kube-system, k8s-app=kube-dns, port 53 over UDP and TCP."""
    name = "coredns-%s" % node
    return Pod(name=name, namespace="kube-system", node=node, index=topo.pods_per_node, ip=address, labels={"k8s-app": "kube-dns"},
               ports=((53, "UDP"), (53, "TCP")), netns=str(topo.cluster_dns_netns), host_veth=veth_name("kube-system", name))


def _pod(topo: Topology, group: PodGroup, node: str, index: int, address: str) -> Pod:
    name = pod_name(group, node, index)
    return Pod(name=name, namespace=group.namespace, node=node, index=index, ip=address, labels=dict(group.labels),
               ports=group.ports, netns=topo.pod_netns(node, index), host_veth=veth_name(group.namespace, name))


def save_blocks(api: Any, blocks: list) -> None:
    """Write changed IPAMBlocks back (each carries the resourceVersion it was read with)."""
    for block in blocks:
        _custom(api).replace_cluster_custom_object(CALICO_GROUP, CALICO_VERSION, "ipamblocks", block["metadata"]["name"], block,
                                                   _request_timeout=REQUEST_TIMEOUT)


# --- pods and endpoints ----------------------------------------------------------------------------------------------


def pod_object(pod: Pod, node_ip: str) -> dict:
    """The Pod as the API holds it once kubelet reported it Running and Ready."""
    now = _now()
    ports = [{"containerPort": port, "protocol": protocol} for port, protocol in pod.ports]
    container, image = ("coredns", "flatnet-lab/cluster-dns:1") if pod.labels.get("k8s-app") == "kube-dns" else ("responder", "flatnet-lab/responder:1")
    conditions = [{"type": kind, "status": "True", "lastProbeTime": None, "lastTransitionTime": now}
                  for kind in ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")]
    return {
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": pod.name, "namespace": pod.namespace, "labels": dict(pod.labels),
                     "annotations": {"cni.projectcalico.org/podIP": pod.ip + "/32", "cni.projectcalico.org/podIPs": pod.ip + "/32",
                                     "cni.projectcalico.org/containerID": hashlib.sha256(pod.name.encode()).hexdigest()}},
        "spec": {"nodeName": pod.node, "restartPolicy": "Always",
                 "containers": [{"name": container, "image": image, "ports": ports}]},
        "status": {"phase": "Running", "hostIP": node_ip, "hostIPs": [{"ip": node_ip}], "podIP": pod.ip, "podIPs": [{"ip": pod.ip}],
                   "startTime": now, "conditions": conditions, "qosClass": "BestEffort",
                   "containerStatuses": [{"name": container, "ready": True, "started": True, "restartCount": 0,
                                          "image": image, "imageID": "", "state": {"running": {"startedAt": now}}}]}}


def create_pods(api: Any, pods: list, node_ips: dict) -> None:
    """Create the Pod objects."""
    core = _core(api)
    for pod in pods:
        core.create_namespaced_pod(pod.namespace, pod_object(pod, node_ips[pod.node]), _request_timeout=REQUEST_TIMEOUT)


def _matches(selector: dict, labels: dict) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def endpoints_for(service: dict, pods: list) -> dict:
    """The Endpoints object the endpoints controller keeps for a Service: its ready pods and target ports."""
    meta = service["metadata"]
    selected = sorted((pod for pod in pods if pod["metadata"].get("namespace") == meta.get("namespace")
                       and _matches(service["spec"].get("selector") or {}, pod["metadata"].get("labels") or {})
                       and (pod.get("status") or {}).get("podIP")), key=lambda pod: ipaddress.ip_address(pod["status"]["podIP"]))
    metadata = {"name": meta["name"], "namespace": meta["namespace"], "labels": dict(meta.get("labels") or {})}
    body: dict = {"apiVersion": "v1", "kind": "Endpoints", "metadata": metadata}
    if selected:
        addresses = [{"ip": pod["status"]["podIP"], "nodeName": pod["spec"].get("nodeName"),
                      "targetRef": {"kind": "Pod", "name": pod["metadata"]["name"], "namespace": meta["namespace"], "uid": pod["metadata"].get("uid")}}
                     for pod in selected]
        ports = []
        for port in service["spec"].get("ports") or []:
            entry = {"port": int(port.get("targetPort", port["port"])), "protocol": port.get("protocol", "TCP")}
            if port.get("name"):
                entry["name"] = port["name"]
            ports.append(entry)
        body["subsets"] = [{"addresses": addresses, "ports": ports}]
    return body


def sync_endpoints(objects: Objects) -> int:
    """Write the Endpoints of every Service with a selector; the number written."""
    core = _core(objects.api)
    pods = objects.core("pods")
    versions = {(item["metadata"]["namespace"], item["metadata"]["name"]): item["metadata"].get("resourceVersion")
                for item in objects.core("endpoints")}
    written = 0
    for service in objects.core("services"):
        if not service["spec"].get("selector"):
            continue
        body = endpoints_for(service, pods)
        namespace, name = service["metadata"]["namespace"], service["metadata"]["name"]
        if (namespace, name) in versions:
            body["metadata"]["resourceVersion"] = versions[(namespace, name)]
            core.replace_namespaced_endpoints(name, namespace, body, _request_timeout=REQUEST_TIMEOUT)
        else:
            core.create_namespaced_endpoints(namespace, body, _request_timeout=REQUEST_TIMEOUT)
        written += 1
    objects.forget("endpoints")
    return written
