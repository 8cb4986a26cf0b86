# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What flatnet owns in a cluster, and pruning what it owns but no longer intends.

An object is flatnet's when it carries both ownership labels: the managed-by
label with the value ``flatnet.kube`` and the cluster label with the intent's
cluster name. Pruning lists each kind by those labels, checks them again on
every object it got back (a server that ignored the selector must not make
flatnet delete a stranger's object), and deletes those whose names are not
kept.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Sequence

from ansible_collections.flatnet.kube.plugins.module_utils import _k8s as k8s
from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError

MANAGED_BY = "app.kubernetes.io/managed-by"
OWNER = "flatnet.kube"
CLUSTER = "flatnet.kube/cluster"


class PrunedKind(NamedTuple):
    """A kind flatnet creates: its option name, its Kind, and whether it lives in a namespace."""

    option: str
    kind: str
    group: Optional[str]  # None: the Calico group in use
    plural: str
    namespaced: bool


KINDS = (
    PrunedKind("bgppeers", "BGPPeer", None, "bgppeers", False),
    PrunedKind("ippools", "IPPool", None, "ippools", False),
    PrunedKind("secrets", "Secret", "v1", "secrets", True),
    PrunedKind("roles", "Role", "rbac.authorization.k8s.io/v1", "roles", True),
    PrunedKind("rolebindings", "RoleBinding", "rbac.authorization.k8s.io/v1", "rolebindings", True),
)
KIND_OPTIONS = tuple(kind.option for kind in KINDS)


def ownership_labels(cluster: str) -> Dict[str, str]:
    """The labels every object flatnet creates carries."""
    if not isinstance(cluster, str) or not cluster:
        raise FlatnetError("cluster: give the intent's cluster name (flatnet_cluster.name), e.g. cluster: dev")
    return {MANAGED_BY: OWNER, CLUSTER: cluster}


def label_selector(cluster: str) -> str:
    """The label selector of what flatnet owns for one cluster."""
    return ",".join("%s=%s" % pair for pair in sorted(ownership_labels(cluster).items()))


def is_owned(obj: Mapping[str, Any], cluster: str) -> bool:
    """Whether an object carries both ownership labels for this cluster."""
    labels = ((obj or {}).get("metadata") or {}).get("labels") or {}
    return all(labels.get(key) == value for key, value in ownership_labels(cluster).items())


def to_prune(objects: Sequence[Mapping[str, Any]], cluster: str, keep: Sequence[str]) -> List[str]:
    """The names of the owned objects that are not kept, sorted."""
    kept = set(keep or ())
    return sorted(obj["metadata"]["name"] for obj in objects if is_owned(obj, cluster) and obj["metadata"]["name"] not in kept)


def prune(client: k8s.KubeClient, cluster: str, keep: Mapping[str, Sequence[str]], kinds: Sequence[str], namespace: str,
          calico_group: str) -> List[Dict[str, Any]]:
    """Delete what flatnet owns and does not keep, kind by kind; what was (in check mode: would be) deleted."""
    unknown = sorted(set(kinds) - set(KIND_OPTIONS)) + sorted(set(keep or {}) - set(KIND_OPTIONS))
    if unknown:
        raise FlatnetError("kinds and keep take %s; not %s" % (", ".join(KIND_OPTIONS), ", ".join(unknown)))
    pruned = []
    for kind in KINDS:
        if kind.option not in kinds:
            continue
        group = kind.group or calico_group
        scope = namespace if kind.namespaced else None
        listed = client.list(k8s.collection_path(group, kind.plural, scope), label_selector=label_selector(cluster))
        by_name = {obj["metadata"]["name"]: obj for obj in listed}
        for name in to_prune(listed, cluster, (keep or {}).get(kind.option) or ()):
            # Only the object as listed: one changed since (by hand, or another run) is a conflict, not deleted.
            client.delete(k8s.object_path(group, kind.plural, name, scope), by_name[name])
            entry = {"kind": kind.kind, "name": name}
            if scope:
                entry["namespace"] = scope
            pruned.append(entry)
    return pruned
