# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The table of served kinds: group, version, names, scope, verbs and flavour.

Flavours:

``builtin``
    A kind compiled into kube-apiserver (core, RBAC): built-in defaulting,
    strategic merge patch accepted.
``crd``
    A Calico CRD (``crd.projectcalico.org/v1``): structural schema, pruning,
    no strategic merge patch.
``calico-v3``
    Calico's aggregated API (``projectcalico.org/v3``), served only with
    ``--calico-v3``. It shares the storage of the ``crd`` kind of the same
    plural, and adds Calico's own defaulting and validation.
``definition``
    CustomResourceDefinitions, synthesised read-only from the ``crd`` kinds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from .errors import qualified

WRITE_VERBS = ("create", "delete", "get", "list", "patch", "update", "watch")
READ_VERBS = ("get", "list", "watch")

BUILTIN = "builtin"
CRD = "crd"
CALICO_V3 = "calico-v3"
DEFINITION = "definition"

CRD_GROUP = "crd.projectcalico.org"
V3_GROUP = "projectcalico.org"

# Name rules (which validation metadata.name gets).
SUBDOMAIN = "subdomain"
LABEL_1123 = "label1123"
LABEL_1035 = "label1035"
PATH_SEGMENT = "path-segment"


@dataclass(frozen=True)
class Resource:  # pylint: disable=too-many-instance-attributes
    """One served resource (a plural in a group version)."""

    group: str
    version: str
    plural: str
    singular: str
    kind: str
    namespaced: bool
    verbs: tuple = WRITE_VERBS
    short_names: tuple = ()
    flavor: str = BUILTIN
    names: str = SUBDOMAIN
    field_labels: tuple = ()
    categories: tuple = field(default=())

    @property
    def group_version(self) -> str:
        """``v1`` or ``crd.projectcalico.org/v1``."""
        return "%s/%s" % (self.group, self.version) if self.group else self.version

    @property
    def storage(self) -> tuple:
        """The storage key: v3 kinds live in the CRD group, as with Calico's API server."""
        if self.flavor == CALICO_V3:
            return (CRD_GROUP, self.plural)
        return (self.group, self.plural)

    @property
    def storage_version(self) -> str:
        """The apiVersion stored objects carry."""
        return "%s/v1" % CRD_GROUP if self.flavor == CALICO_V3 else self.group_version

    @property
    def qualified_resource(self) -> str:
        """``ippools.crd.projectcalico.org``."""
        return qualified(self.plural, self.group)

    @property
    def list_kind(self) -> str:
        """``IPPoolList``."""
        return self.kind + "List"

    def allows(self, verb: str) -> bool:
        """Whether the verb is served."""
        return verb in self.verbs

    def discovery(self) -> dict:
        """The APIResource entry of discovery."""
        entry = {"name": self.plural, "singularName": self.singular, "namespaced": self.namespaced,
                 "kind": self.kind, "verbs": list(self.verbs)}
        if self.short_names:
            entry["shortNames"] = list(self.short_names)
        if self.categories:
            entry["categories"] = list(self.categories)
        return entry


def _core(plural: str, kind: str, namespaced: bool, short: tuple = (), **kwargs) -> Resource:
    return Resource("", "v1", plural, kind.lower(), kind, namespaced, short_names=short, **kwargs)


def _rbac(plural: str, kind: str, namespaced: bool) -> Resource:
    return Resource("rbac.authorization.k8s.io", "v1", plural, kind.lower(), kind, namespaced, names=PATH_SEGMENT)


def _calico(plural: str, kind: str) -> Resource:
    return Resource(CRD_GROUP, "v1", plural, kind.lower(), kind, False, flavor=CRD)


def _v3(plural: str, kind: str, short: tuple = (), verbs: tuple = WRITE_VERBS) -> Resource:
    return Resource(V3_GROUP, "v3", plural, kind.lower(), kind, False, verbs=verbs, short_names=short, flavor=CALICO_V3)


RESOURCES: tuple = (
    _core("namespaces", "Namespace", False, ("ns",), names=LABEL_1123, field_labels=("status.phase",)),
    _core("nodes", "Node", False, ("no",), field_labels=("spec.unschedulable",)),
    _core("services", "Service", True, ("svc",), names=LABEL_1035, categories=("all",)),
    _core("endpoints", "Endpoints", True, ("ep",)),
    _core("configmaps", "ConfigMap", True, ("cm",)),
    _core("secrets", "Secret", True, field_labels=("type",)),
    _core("serviceaccounts", "ServiceAccount", True, ("sa",)),
    _core("pods", "Pod", True, ("po",), categories=("all",),
          field_labels=("spec.nodeName", "spec.serviceAccountName", "status.phase", "status.podIP")),
    Resource("apiextensions.k8s.io", "v1", "customresourcedefinitions", "customresourcedefinition",
             "CustomResourceDefinition", False, verbs=READ_VERBS, short_names=("crd", "crds"), flavor=DEFINITION),
    _rbac("roles", "Role", True),
    _rbac("rolebindings", "RoleBinding", True),
    _rbac("clusterroles", "ClusterRole", False),
    _rbac("clusterrolebindings", "ClusterRoleBinding", False),
    _calico("bgpconfigurations", "BGPConfiguration"),
    _calico("bgpfilters", "BGPFilter"),
    _calico("bgppeers", "BGPPeer"),
    _calico("blockaffinities", "BlockAffinity"),
    _calico("caliconodestatuses", "CalicoNodeStatus"),
    _calico("ipamblocks", "IPAMBlock"),
    _calico("ippools", "IPPool"),
    _v3("bgpconfigurations", "BGPConfiguration", ("bgpconfig", "bgpconfigs")),
    _v3("bgpfilters", "BGPFilter"),
    _v3("bgppeers", "BGPPeer"),
    _v3("blockaffinities", "BlockAffinity", ("blockaffinity", "affinity", "affinities"), READ_VERBS),
    _v3("caliconodestatuses", "CalicoNodeStatus", ("caliconodestatus",)),
    _v3("ippools", "IPPool"),
)

# Group order of /apis (core is served under /api), by APIService priority as kube-apiserver sorts them:
# the built-in groups, then Calico's aggregated API (1500) ahead of the CRD groups (1000), so that
# kubectl resolves "ippools" to projectcalico.org/v3 when Calico's API server is there.
GROUP_ORDER = ("rbac.authorization.k8s.io", "apiextensions.k8s.io", V3_GROUP, CRD_GROUP)


class Catalog:
    """The resources served by one emulator (v3 only when asked for)."""

    def __init__(self, calico_v3: bool) -> None:
        self.calico_v3 = calico_v3
        self.resources = tuple(res for res in RESOURCES if calico_v3 or res.flavor != CALICO_V3)

    def groups(self) -> list:
        """The named groups, in discovery order, with their versions."""
        present = {res.group: res.version for res in self.resources if res.group}
        return [(group, present[group]) for group in GROUP_ORDER if group in present]

    def in_version(self, group: str, version: str) -> list:
        """The resources of one group version."""
        return [res for res in self.resources if res.group == group and res.version == version]

    def find(self, group: str, version: str, plural: str) -> Optional[Resource]:
        """The resource served at group/version/plural, or None."""
        for res in self.resources:
            if (res.group, res.version, res.plural) == (group, version, plural):
                return res
        return None

    def crd_kinds(self) -> list:
        """The CRD-backed kinds that CustomResourceDefinitions describe."""
        return [res for res in self.resources if res.flavor == CRD]

    def by_storage(self, storage: tuple) -> Resource:
        """The resource whose own group stores ``storage`` (the CRD kind for Calico)."""
        for res in self.resources:
            if (res.group, res.plural) == storage:
                return res
        raise KeyError(storage)
