# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The record of the start: what the cluster held before flatnet first changed it.

The first run writes it once, as a ConfigMap owned by flatnet, before any
other change to the cluster: ``BGPConfiguration default`` and the pools the
intent names, each with its labels and whole spec, or that it was not there.
Later runs leave it as it is, so it always says how the cluster was before
flatnet; playbooks/remove.yml restores from it and then deletes it.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ansible_collections.flatnet.kube.plugins.module_utils import _k8s as k8s
from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError

KEY = "start.json"
PARTS = ("bgpconfiguration", "pools")


def record_name(cluster: str) -> str:
    """The ConfigMap's name for a cluster."""
    return "flatnet-start-%s" % cluster


def _kept(obj: Optional[Mapping[str, Any]]) -> Optional[Dict[str, Any]]:
    """What is recorded of an object: its labels and its whole spec; None for an object that is not there."""
    if obj is None:
        return None
    return {"labels": dict((obj.get("metadata") or {}).get("labels") or {}), "spec": dict(obj.get("spec") or {})}


def start_of(bgpconfiguration: Optional[Mapping[str, Any]], pools: Sequence[Mapping[str, Any]], pool_names: Sequence[str]) -> Dict[str, Any]:
    """The record of what is there now."""
    by_name = {(pool.get("metadata") or {}).get("name"): pool for pool in pools}
    return {"version": 1, "bgpconfiguration": _kept(bgpconfiguration), "pools": {name: _kept(by_name.get(name)) for name in sorted(pool_names)}}


def parse(configmap: Mapping[str, Any]) -> Dict[str, Any]:
    """The record held in a ConfigMap; a clear error when it is not one flatnet wrote."""
    try:
        record = json.loads(((configmap.get("data") or {}).get(KEY)) or "")
    except ValueError as err:
        raise FlatnetError("the ConfigMap %s holds no record flatnet can read (%s); delete it only if flatnet never ran on this "
                           "cluster" % ((configmap.get("metadata") or {}).get("name"), err)) from err
    if not isinstance(record, dict) or record.get("version") != 1:
        raise FlatnetError("the ConfigMap %s holds a record of another version" % (configmap.get("metadata") or {}).get("name"))
    return record


def configmap(cluster: str, namespace: str, record: Mapping[str, Any], labels: Mapping[str, str]) -> Dict[str, Any]:
    """The ConfigMap that holds the record."""
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": record_name(cluster), "namespace": namespace, "labels": dict(labels)},
            "data": {KEY: json.dumps(record, sort_keys=True, indent=1) + "\n"}}


def ensure(client: k8s.KubeClient, cluster: str, namespace: str, calico_group: str, pool_names: Sequence[str],
           labels: Mapping[str, str]) -> Dict[str, Any]:
    """Write the record unless there is one; the module's changed and record."""
    path = k8s.object_path("v1", "configmaps", record_name(cluster), namespace)
    found = client.get(path)
    if found is not None:
        return {"changed": False, "record": parse(found)}
    bgpconfiguration = client.get(k8s.object_path(calico_group, "bgpconfigurations", "default"))
    pools: List[Dict[str, Any]] = client.list(k8s.collection_path(calico_group, "ippools"))
    record = start_of(bgpconfiguration, pools, pool_names)
    client.write("POST", k8s.collection_path("v1", "configmaps", namespace), configmap(cluster, namespace, record, labels))
    return {"changed": True, "record": record}


def read(client: k8s.KubeClient, cluster: str, namespace: str) -> Optional[Dict[str, Any]]:
    """The record, None when there is none."""
    return read_with_object(client, cluster, namespace)[0]


def read_with_object(client: k8s.KubeClient, cluster: str, namespace: str) -> Tuple[Optional[Dict[str, Any]], Optional[Dict[str, Any]]]:
    """The record and the ConfigMap that holds it (for a delete with preconditions); (None, None) when there is none."""
    found = client.get(k8s.object_path("v1", "configmaps", record_name(cluster), namespace))
    return (None, None) if found is None else (parse(found), found)


def _put_back(client: k8s.KubeClient, group: str, plural: str, name: str, kept: Optional[Mapping[str, Any]]) -> Optional[str]:
    """Make one object what the record says; what was done ("deleted", "restored"), None when it already was."""
    path = k8s.object_path(group, plural, name)
    current = client.get(path)
    if kept is None:
        if current is None:
            return None
        client.delete(path, current)
        return "deleted"
    if current is None:
        raise FlatnetError("%s %s is gone, so it cannot be put back as it was before flatnet; recreate it from the record in "
                           "the ConfigMap, or delete the record" % (plural, name))
    metadata = current.get("metadata") or {}
    if (metadata.get("labels") or {}) == kept["labels"] and (current.get("spec") or {}) == kept["spec"]:
        return None
    body = dict(current, metadata=dict(metadata, labels=dict(kept["labels"])), spec=dict(kept["spec"]))
    client.write("PUT", path, body)
    return "restored"


def restore(client: k8s.KubeClient, record: Mapping[str, Any], parts: Sequence[str], calico_group: str) -> List[Dict[str, str]]:
    """Put the recorded parts back: BGPConfiguration default (deleted when there was none), the intent's pools."""
    unknown = sorted(set(parts) - set(PARTS))
    if unknown:
        raise FlatnetError("restore takes %s; not %s" % (", ".join(PARTS), ", ".join(unknown)))
    done = []
    if "bgpconfiguration" in parts:
        action = _put_back(client, calico_group, "bgpconfigurations", "default", record.get("bgpconfiguration"))
        if action:
            done.append({"kind": "BGPConfiguration", "name": "default", "action": action})
    if "pools" in parts:
        for name, kept in sorted((record.get("pools") or {}).items()):
            action = _put_back(client, calico_group, "ippools", name, kept)
            if action:
                done.append({"kind": "IPPool", "name": name, "action": action})
    return done


def pool_summary(record: Optional[Mapping[str, Any]]) -> List[str]:
    """One line per recorded pool: its modes before flatnet, or that it was not there."""
    lines = []
    for name, kept in sorted(((record or {}).get("pools") or {}).items()):
        if kept is None:
            lines.append("%s: not there" % name)
            continue
        spec = kept.get("spec") or {}
        nat = str(bool(spec.get("natOutgoing", False))).lower()
        lines.append("%s: ipipMode %s, vxlanMode %s, natOutgoing %s" % (name, spec.get("ipipMode", "Never"), spec.get("vxlanMode", "Never"), nat))
    return lines
