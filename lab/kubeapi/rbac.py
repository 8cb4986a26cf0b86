# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Who a bearer token is, and what RBAC lets them do: the rules of the real authorizer, on the stored objects.

Identities: the lab's admin token is in ``system:masters`` (the real server lets that group do anything, RBAC or
not). Every other token belongs to a user or a ServiceAccount and may do what the ClusterRoleBindings, and in the
request's namespace the RoleBindings, grant it: a rule matches on API group, resource, verb and, when it names
``resourceNames``, the object's name (a list or watch names one object with the field selector
``metadata.name=<name>``, as on the real server). Discovery, OpenAPI, /version and the health paths are open to every
authenticated identity (``system:discovery`` and ``system:public-info-viewer`` on a real cluster). A refusal is the
real 403 Status body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Optional, Tuple

from . import errors

MASTERS = "system:masters"
RBAC_GROUP = "rbac.authorization.k8s.io"


@dataclass(frozen=True)
class Identity:
    """An authenticated user: its name and groups."""

    name: str
    groups: Tuple[str, ...] = field(default=())

    @property
    def service_account(self) -> Optional[Tuple[str, str]]:
        """(namespace, name) of a ServiceAccount's identity, else None."""
        parts = self.name.split(":")
        if len(parts) == 4 and parts[:2] == ["system", "serviceaccount"]:
            return parts[2], parts[3]
        return None


def user(name: str, *groups: str) -> Identity:
    """A user, in ``system:authenticated`` and its own groups."""
    return Identity(name, tuple(groups) + ("system:authenticated",))


def service_account(namespace: str, name: str) -> Identity:
    """A ServiceAccount's identity, with the groups the real server gives it."""
    return Identity("system:serviceaccount:%s:%s" % (namespace, name),
                    ("system:serviceaccounts", "system:serviceaccounts:%s" % namespace, "system:authenticated"))


@dataclass(frozen=True)
class Attributes:
    """What a request asks to do."""

    verb: str
    group: str
    plural: str
    namespace: Optional[str]
    name: Optional[str]


def verb_of(method: str, has_name: bool, watch: bool) -> str:
    """The RBAC verb of an HTTP method on a resource path."""
    if method in ("GET", "HEAD"):
        return "watch" if watch else ("get" if has_name else "list")
    return {"POST": "create", "PUT": "update", "PATCH": "patch"}.get(method) or ("delete" if has_name else "deletecollection")


def selected_name(field_selector: str) -> Optional[str]:
    """The one name a list or watch selects with ``metadata.name=<name>`` (alone), else None."""
    terms = [term.strip() for term in field_selector.split(",") if term.strip()]
    if len(terms) == 1:
        key, sep, value = terms[0].partition("==") if "==" in terms[0] else terms[0].partition("=")
        if sep and key.strip() == "metadata.name" and value.strip():
            return value.strip()
    return None


def _subject_matches(subject: dict, who: Identity) -> bool:
    kind = subject.get("kind")
    if kind == "User":
        return subject.get("name") == who.name
    if kind == "Group":
        return subject.get("name") in who.groups
    if kind == "ServiceAccount":
        return who.service_account == (subject.get("namespace") or "", subject.get("name"))
    return False


def _rule_allows(rule: dict, attrs: Attributes) -> bool:
    def has(values: Optional[Iterable[str]], wanted: str) -> bool:
        values = list(values or [])
        return "*" in values or wanted in values

    if not (has(rule.get("apiGroups"), attrs.group) and has(rule.get("resources"), attrs.plural) and has(rule.get("verbs"), attrs.verb)):
        return False
    names = rule.get("resourceNames") or []
    if not names:
        return True
    # A rule that names objects never allows a create (the name is not known yet) or a request for a whole collection.
    return attrs.verb != "create" and attrs.name is not None and attrs.name in names


def allowed(store: object, who: Identity, attrs: Attributes) -> bool:
    """Whether RBAC (on the stored bindings and roles) lets ``who`` do ``attrs``."""
    if MASTERS in who.groups:
        return True
    get = store.get  # type: ignore[attr-defined]
    listed = store.list  # type: ignore[attr-defined]
    rbac = RBAC_GROUP
    granted = []
    for binding in listed((rbac, "clusterrolebindings"), None):
        if any(_subject_matches(subject, who) for subject in binding.get("subjects") or []):
            granted.append(get((rbac, "clusterroles"), "", binding["roleRef"]["name"]))
    if attrs.namespace:
        for binding in listed((rbac, "rolebindings"), attrs.namespace):
            if any(_subject_matches(subject, who) for subject in binding.get("subjects") or []):
                ref = binding["roleRef"]
                kind = "roles" if ref.get("kind") == "Role" else "clusterroles"
                granted.append(get((rbac, kind), attrs.namespace if kind == "roles" else "", ref["name"]))
    return any(_rule_allows(rule, attrs) for role in granted if role for rule in role.get("rules") or [])


def forbidden(who: Identity, attrs: Attributes) -> errors.ApiError:
    """The real server's 403 for a request RBAC does not allow."""
    scope = 'in the namespace "%s"' % attrs.namespace if attrs.namespace else "at the cluster scope"
    why = 'User "%s" cannot %s resource "%s" in API group "%s" %s' % (who.name, attrs.verb, attrs.plural, attrs.group, scope)
    if attrs.name is None:
        details = {"group": attrs.group, "kind": attrs.plural} if attrs.group else {"kind": attrs.plural}
        return errors.ApiError(403, "Forbidden", "%s is forbidden: %s" % (errors.qualified(attrs.plural, attrs.group), why), details)
    return errors.forbidden(attrs.group, attrs.plural, attrs.name, why)


ROLE_KINDS = ("roles", "clusterroles")
BINDING_KINDS = ("rolebindings", "clusterrolebindings")


def _rule_text(rule: dict) -> str:
    """A rule as the real server prints it in an escalation error."""
    parts = []
    for key, title in (("apiGroups", "APIGroups"), ("resources", "Resources"), ("resourceNames", "ResourceNames"), ("verbs", "Verbs")):
        if rule.get(key):
            parts.append("%s:[%s]" % (title, ", ".join('"%s"' % value for value in rule[key])))
    return "{%s}" % ", ".join(parts)


def _not_held(store: object, who: Identity, rules: Iterable[dict], namespace: Optional[str]) -> list:
    """The rules (each narrowed to one group, resource, verb and name) that ``who`` does not hold itself."""
    missing = []
    for rule in rules:
        if rule.get("nonResourceURLs"):
            missing.append(rule)
            continue
        for group in rule.get("apiGroups") or []:
            for plural in rule.get("resources") or []:
                for verb in rule.get("verbs") or []:
                    for name in rule.get("resourceNames") or [None]:
                        if not allowed(store, who, Attributes(verb, group, plural, namespace, name)):
                            one = {"apiGroups": [group], "resources": [plural], "verbs": [verb]}
                            missing.append(dict(one, resourceNames=[name]) if name else one)
    return missing


def escalation(store: object, who: Identity, plural: str, namespace: Optional[str], obj: dict) -> Optional[errors.ApiError]:
    """The real server's refusal to let a role or binding grant more than its writer holds, None when it may.

    A Role or ClusterRole may hold only rules its writer holds (in the namespace, or cluster-wide), unless the writer may
    ``escalate`` it; a binding may refer only to a role whose rules its writer holds, unless the writer may ``bind`` it.
    """
    if MASTERS in who.groups or plural not in ROLE_KINDS + BINDING_KINDS:
        return None
    name = (obj.get("metadata") or {}).get("name") or ""
    if plural in ROLE_KINDS:
        if allowed(store, who, Attributes("escalate", RBAC_GROUP, plural, namespace, name)):
            return None
        rules = obj.get("rules") or []
    else:
        ref = obj.get("roleRef") or {}
        kind = "roles" if ref.get("kind") == "Role" else "clusterroles"
        if allowed(store, who, Attributes("bind", RBAC_GROUP, kind, namespace if kind == "roles" else None, ref.get("name"))):
            return None
        role = store.get((RBAC_GROUP, kind), namespace if kind == "roles" else "", ref.get("name") or "")  # type: ignore[attr-defined]
        if role is None:
            return None  # the real server lets a binding name a role that does not exist yet
        rules = role.get("rules") or []
    missing = _not_held(store, who, rules, namespace)
    if not missing:
        return None
    groups = ", ".join('"%s"' % group for group in who.groups)
    why = 'user "%s" (groups=[%s]) is attempting to grant RBAC permissions not currently held:\n%s' % (
        who.name, groups, "\n".join(_rule_text(rule) for rule in missing))
    return errors.forbidden(RBAC_GROUP, plural, name, why)
