# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Server-side printing: the ``meta.k8s.io/v1`` Table that ``kubectl get`` asks for.

The columns follow kube-apiserver's printers for the built-in kinds; custom
resources and CRDs get the default ``Name`` and ``Created At`` columns.
"""

from __future__ import annotations

import datetime
from typing import Any, Callable

NAME_DESC = "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to " \
            "request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and " \
            "configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names"
AGE_DESC = "CreationTimestamp is a timestamp representing the server time when this object was created."

Cell = Callable[[dict, datetime.datetime], Any]


def parse_time(text: str) -> datetime.datetime:
    """An RFC 3339 UTC timestamp."""
    return datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def human_duration(seconds: float) -> str:
    """apimachinery's duration.HumanDuration."""
    if seconds < -1:
        return "<invalid>"
    secs = max(int(seconds), 0)
    minutes, hours = secs // 60, secs // 3600
    steps = (
        (secs < 120, lambda: "%ds" % secs),
        (minutes < 10, lambda: "%dm" % minutes if secs % 60 == 0 else "%dm%ds" % (minutes, secs % 60)),
        (minutes < 180, lambda: "%dm" % minutes),
        (hours < 8, lambda: "%dh" % hours if minutes % 60 == 0 else "%dh%dm" % (hours, minutes % 60)),
        (hours < 48, lambda: "%dh" % hours),
        (hours < 24 * 8, lambda: "%dd" % (hours // 24) if hours % 24 == 0 else "%dd%dh" % (hours // 24, hours % 24)),
        (hours < 24 * 365 * 2, lambda: "%dd" % (hours // 24)),
        (hours < 24 * 365 * 8, lambda: "%dy" % (hours // 8760) if (hours // 24) % 365 == 0 else "%dy%dd" % (hours // 8760, (hours // 24) % 365)),
    )
    for condition, text in steps:
        if condition:
            return text()
    return "%dy" % (hours // 8760)


def _meta(obj: dict) -> dict:
    return obj.get("metadata") or {}


def _age(obj: dict, now: datetime.datetime) -> str:
    created = _meta(obj).get("creationTimestamp")
    return human_duration((now - parse_time(created)).total_seconds()) if created else "<unknown>"


def _name(obj: dict, _now: datetime.datetime) -> str:
    return _meta(obj).get("name", "")


def _created(obj: dict, _now: datetime.datetime) -> str:
    return _meta(obj).get("creationTimestamp", "")


def _node_status(obj: dict, _now: datetime.datetime) -> str:
    ready = [c for c in (obj.get("status") or {}).get("conditions") or [] if c.get("type") == "Ready"]
    status = "Ready" if ready and ready[0].get("status") == "True" else ("NotReady" if ready else "Unknown")
    return status + (",SchedulingDisabled" if (obj.get("spec") or {}).get("unschedulable") else "")


def _node_roles(obj: dict, _now: datetime.datetime) -> str:
    labels = _meta(obj).get("labels") or {}
    roles = sorted(key.split("/", 1)[1] for key in labels if key.startswith("node-role.kubernetes.io/") and key.split("/", 1)[1])
    return ",".join(roles) or "<none>"


def _node_address(kind: str) -> Cell:
    def cell(obj: dict, _now: datetime.datetime) -> str:
        for address in (obj.get("status") or {}).get("addresses") or []:
            if address.get("type") == kind:
                return address.get("address", "")
        return "<none>"
    return cell


def _path(*keys: str, default: str = "<none>") -> Cell:
    def cell(obj: dict, _now: datetime.datetime) -> Any:
        node: Any = obj
        for key in keys:
            node = node.get(key) if isinstance(node, dict) else None
        return default if node in (None, "") else node
    return cell


def _svc_external(obj: dict, _now: datetime.datetime) -> str:
    spec = obj.get("spec") or {}
    ips = list(spec.get("externalIPs") or [])
    ips += [i.get("ip") or i.get("hostname") for i in ((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []]
    if spec.get("type") == "ExternalName":
        return spec.get("externalName", "<none>")
    if not ips and spec.get("type") == "LoadBalancer":
        return "<pending>"
    return ",".join(ips) or "<none>"


def _svc_ports(obj: dict, _now: datetime.datetime) -> str:
    parts = []
    for port in (obj.get("spec") or {}).get("ports") or []:
        node_port = ":%s" % port["nodePort"] if port.get("nodePort") else ""
        parts.append("%s%s/%s" % (port.get("port"), node_port, port.get("protocol", "TCP")))
    return ",".join(parts) or "<none>"


def _selector(obj: dict, _now: datetime.datetime) -> str:
    selector = (obj.get("spec") or {}).get("selector") or {}
    return ",".join("%s=%s" % item for item in sorted(selector.items())) or "<none>"


def _count(*keys: str) -> Cell:
    def cell(obj: dict, _now: datetime.datetime) -> int:
        return sum(len(obj.get(key) or {}) for key in keys)
    return cell


def _endpoints(obj: dict, _now: datetime.datetime) -> str:
    pairs = []
    for subset in obj.get("subsets") or []:
        for address in subset.get("addresses") or []:
            for port in subset.get("ports") or [{}]:
                pairs.append("%s:%s" % (address.get("ip"), port.get("port")) if port else address.get("ip"))
    if len(pairs) > 3:
        return ",".join(pairs[:3]) + " + %d more..." % (len(pairs) - 3)
    return ",".join(pairs) or "<none>"


def _pod_ready(obj: dict, _now: datetime.datetime) -> str:
    statuses = (obj.get("status") or {}).get("containerStatuses") or []
    ready = sum(1 for status in statuses if status.get("ready"))
    return "%d/%d" % (ready, len((obj.get("spec") or {}).get("containers") or []))


def _pod_restarts(obj: dict, _now: datetime.datetime) -> int:
    return sum(status.get("restartCount", 0) for status in (obj.get("status") or {}).get("containerStatuses") or [])


def _role_ref(obj: dict, _now: datetime.datetime) -> str:
    ref = obj.get("roleRef") or {}
    return "%s/%s" % (ref.get("kind", ""), ref.get("name", ""))


def _subjects(kind: str) -> Cell:
    def cell(obj: dict, _now: datetime.datetime) -> str:
        names = []
        for subject in obj.get("subjects") or []:
            if subject.get("kind") == kind:
                names.append("%s/%s" % (subject.get("namespace", ""), subject["name"]) if kind == "ServiceAccount" else subject.get("name"))
        return ", ".join(names)
    return cell


# pylint: disable-next=too-many-arguments,too-many-positional-arguments
def _col(name: str, cell: Cell, priority: int = 0, kind: str = "string", fmt: str = "", desc: str = "") -> tuple:
    return (name, kind, fmt, desc, priority, cell)


_NAME = _col("Name", _name, fmt="name", desc=NAME_DESC)
_AGE = _col("Age", _age, desc=AGE_DESC)
_CREATED = _col("Created At", _created, kind="date", desc=AGE_DESC)
_BINDING = (_NAME, _col("Role", _role_ref), _AGE, _col("Users", _subjects("User"), 1),
            _col("Groups", _subjects("Group"), 1), _col("ServiceAccounts", _subjects("ServiceAccount"), 1))

COLUMNS = {
    ("", "nodes"): (_NAME, _col("Status", _node_status), _col("Roles", _node_roles), _AGE,
                    _col("Version", _path("status", "nodeInfo", "kubeletVersion", default="")),
                    _col("Internal-IP", _node_address("InternalIP"), 1), _col("External-IP", _node_address("ExternalIP"), 1),
                    _col("OS-Image", _path("status", "nodeInfo", "osImage"), 1),
                    _col("Kernel-Version", _path("status", "nodeInfo", "kernelVersion"), 1),
                    _col("Container-Runtime", _path("status", "nodeInfo", "containerRuntimeVersion"), 1)),
    ("", "namespaces"): (_NAME, _col("Status", _path("status", "phase", default="")), _AGE),
    ("", "services"): (_NAME, _col("Type", _path("spec", "type", default="")), _col("Cluster-IP", _path("spec", "clusterIP")),
                       _col("External-IP", _svc_external), _col("Port(s)", _svc_ports), _AGE, _col("Selector", _selector, 1)),
    ("", "endpoints"): (_NAME, _col("Endpoints", _endpoints), _AGE),
    ("", "configmaps"): (_NAME, _col("Data", _count("data", "binaryData"), kind="integer"), _AGE),
    ("", "secrets"): (_NAME, _col("Type", _path("type", default="")), _col("Data", _count("data"), kind="integer"), _AGE),
    ("", "serviceaccounts"): (_NAME, _col("Secrets", lambda obj, now: len(obj.get("secrets") or []), kind="integer"), _AGE),
    ("", "pods"): (_NAME, _col("Ready", _pod_ready), _col("Status", _path("status", "phase", default="Unknown")),
                   _col("Restarts", _pod_restarts, kind="integer"), _AGE, _col("IP", _path("status", "podIP"), 1),
                   _col("Node", _path("spec", "nodeName"), 1)),
    ("rbac.authorization.k8s.io", "roles"): (_NAME, _CREATED),
    ("rbac.authorization.k8s.io", "clusterroles"): (_NAME, _CREATED),
    ("rbac.authorization.k8s.io", "rolebindings"): _BINDING,
    ("rbac.authorization.k8s.io", "clusterrolebindings"): _BINDING,
}
DEFAULT_COLUMNS = (_NAME, _CREATED)


def partial_metadata(obj: dict) -> dict:
    """A row's object as PartialObjectMetadata."""
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj.get("metadata") or {}}


def table(group: str, plural: str, objects: list, revision: str, include: str) -> dict:
    """The Table of some objects; ``include`` is None, Metadata or Object."""
    columns = COLUMNS.get((group, plural), DEFAULT_COLUMNS)
    now = datetime.datetime.now(datetime.timezone.utc)
    rows = []
    for obj in objects:
        row: dict = {"cells": [column[5](obj, now) for column in columns]}
        if include == "Object":
            row["object"] = obj
        elif include != "None":
            row["object"] = partial_metadata(obj)
        rows.append(row)
    definitions = [{"name": name, "type": kind, "format": fmt, "description": desc, "priority": priority}
                   for name, kind, fmt, desc, priority, _cell in columns]
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": revision},
            "columnDefinitions": definitions, "rows": rows}
