# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The plan report: what the roles' tasks changed (or, in check mode, would change), one object at a time.

The callback ``flatnet.kube.plan`` hands every task result of the four places' roles to :func:`changes`, which turns
it into objects (an API object, a block of a switch's configuration, a route, a file) each with its action (create,
update or delete) and a short diff. :class:`Report` collects them per host and renders the text and the JSON. Nothing
here reads anything but the results: a secret the module kept out of its result (no_log, masked lines) stays out.
"""

from __future__ import annotations

import difflib
import json
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

# The roles of each place; a task of any other role (preflight, verify) is not a change of a place.
PLACES = {
    "calico_pool": "cluster",
    "calico_bgp_peer": "cluster",
    "switch_bgp": "switch",
    "office_routes": "gateway",
    "dns_forward": "dns",
}
PLACE_ORDER = ("cluster", "switch", "gateway", "dns")
CALICO_KINDS = {
    "flatnet.kube.calico_ippool": "IPPool",
    "flatnet.kube.calico_bgp_peer": "BGPPeer",
    "flatnet.kube.calico_bgp_configuration": "BGPConfiguration",
}
# How many diff lines an object shows; the rest is counted. --diff still shows everything.
SHORT = 10
# Fields of an API object that the server or the client keeps; a change of theirs is not flatnet's.
_NOISE = ("metadata.resourceVersion", "metadata.uid", "metadata.creationTimestamp", "metadata.generation", "metadata.managedFields",
          "metadata.annotations.kubectl.kubernetes.io/last-applied-configuration", "status")
_ENCAPSULATION = ("spec.ipipMode", "spec.vxlanMode")


def place_of(role: Optional[str]) -> Optional[str]:
    """The place a role changes ('flatnet.kube.calico_pool' -> 'cluster'), or None."""
    if not role:
        return None
    return PLACES.get(role.rsplit(".", 1)[-1])


def _change(action: str, kind: str, name: str, diff: Sequence[str] = (), note: str = "") -> Dict[str, Any]:
    shown = list(diff[:SHORT])
    more = len(diff) - len(shown)
    change: Dict[str, Any] = {"action": action, "kind": kind, "name": name, "diff": shown,
                              "added": sum(1 for line in diff if line.startswith("+")),
                              "removed": sum(1 for line in diff if line.startswith("-"))}
    if more > 0:
        change["more"] = more
    if note:
        change["note"] = note
    return change


def _flat(value: Any, prefix: str = "") -> Dict[str, Any]:
    """A mapping's leaves by dotted path; a list is one leaf."""
    if isinstance(value, Mapping) and value:
        flat: Dict[str, Any] = {}
        for key in sorted(value):
            flat.update(_flat(value[key], "%s.%s" % (prefix, key) if prefix else str(key)))
        return flat
    return {prefix: value} if prefix else {}


def _shown(value: Any) -> str:
    return "(unset)" if value is _UNSET else json.dumps(value, sort_keys=True)


_UNSET = object()


def field_changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> List[str]:
    """'path: old -> new' for every field that differs, the server's bookkeeping aside."""
    old, new = _flat(before), _flat(after)
    lines = []
    for path in sorted(set(old) | set(new)):
        if any(path == noise or path.startswith(noise + ".") for noise in _NOISE):
            continue
        was, now = old.get(path, _UNSET), new.get(path, _UNSET)
        if was != now:
            lines.append("~ %s: %s -> %s" % (path, _shown(was), _shown(now)))
    return lines


def _as_mapping(value: Any) -> Dict[str, Any]:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, str) and value.strip():
        try:
            loaded = json.loads(value)
        except ValueError:
            return {}
        return loaded if isinstance(loaded, dict) else {}
    return {}


def _diffs(result: Mapping[str, Any]) -> List[Mapping[str, Any]]:
    diff = result.get("diff")
    if isinstance(diff, Mapping):
        return [diff]
    if isinstance(diff, list):
        return [entry for entry in diff if isinstance(entry, Mapping)]
    return []


def line_diff(before: str, after: str) -> List[str]:
    """The added and removed lines only, in order ('+line', '-line'), without context."""
    lines = []
    for line in difflib.unified_diff((before or "").splitlines(), (after or "").splitlines(), lineterm="", n=0):
        if line.startswith(("---", "+++", "@@")):
            continue
        lines.append(line)
    return lines


def _calico(kind: str, result: Mapping[str, Any], name: str) -> List[Dict[str, Any]]:
    diff = (_diffs(result) or [{}])[0]
    before, after = _as_mapping(diff.get("before")), _as_mapping(diff.get("after"))
    action = "create" if not before else "delete" if not after else "update"
    lines = field_changes(before, after) if action == "update" else []
    change = _change(action, kind, name, lines)
    encapsulation = [line for line in lines if line[2:].split(":")[0] in _ENCAPSULATION]
    if kind == "IPPool" and action == "update" and encapsulation:
        change["risk"] = ("changes the encapsulation of IPPool %s (%s): on a cluster with running pods, traffic between pods on "
                          "different nodes depends on the new routes from the moment it applies" % (name, "; ".join(l[2:] for l in encapsulation)))
    return [change]


def _frr(result: Mapping[str, Any]) -> List[Dict[str, Any]]:
    """frr-reload's delta as one object per top-level block, each context line once."""
    text = "".join(str(diff.get("prepared") or "") for diff in _diffs(result))
    groups: List[Tuple[str, List[Tuple[str, str]]]] = []
    for raw in text.splitlines():
        if not raw or raw[0] not in "+-":
            continue
        sign, line = raw[0], raw[1:]
        if not line.startswith(" "):
            words = line.split()
            # A block (router bgp, a route-map with a body) is one object; standalone lines group by their first words.
            key = " ".join(words[:3]) if words[:1] in (["ip"], ["ipv6"]) else " ".join(words[:2]) if words[:1] == ["route-map"] else line
            if not groups or groups[-1][0] != key:
                groups.append((key, []))
        elif not groups:
            continue
        groups[-1][1].append((sign, line))
    changes = []
    for key, rows in groups:
        shown: List[str] = []
        context: List[str] = []
        top_only = all(not row[1].startswith(" ") for row in rows)
        for index, (sign, line) in enumerate(rows):
            depth = len(line) - len(line.lstrip(" "))
            following = rows[index + 1][1] if index + 1 < len(rows) else ""
            is_context = (len(following) - len(following.lstrip(" "))) > depth
            if is_context:
                if len(context) > depth and context[depth] == line:
                    continue
                context = context[:depth] + [line]
                shown.append(" " + line)
                continue
            context = context[:depth]
            shown.append(sign + line)
        signs = {row[0] for row in rows}
        if top_only and signs == {"+"}:
            action = "create"
        elif top_only and signs == {"-"}:
            action = "delete"
        else:
            action = "update"
        changes.append(_change(action, "config", key, shown))
    return changes


def _routes(result: Mapping[str, Any]) -> List[Dict[str, Any]]:
    def text(route: Mapping[str, Any]) -> str:
        words = [str(route.get("dest"))]
        for key in ("via", "dev", "proto", "metric", "table"):
            if route.get(key) not in (None, ""):
                words += [key, str(route[key])]
        return " ".join(words)

    added = {str(route.get("dest")): route for route in result.get("routes_added") or [] if isinstance(route, Mapping)}
    removed = {str(route.get("dest")): route for route in result.get("routes_removed") or [] if isinstance(route, Mapping)}
    changes = []
    for dest in list(added) + [dest for dest in removed if dest not in added]:
        if dest in added and dest in removed:
            changes.append(_change("update", "route", dest, ["-" + text(removed[dest]), "+" + text(added[dest])]))
        elif dest in added:
            changes.append(_change("create", "route", dest, ["+" + text(added[dest])]))
        else:
            changes.append(_change("delete", "route", dest, ["-" + text(removed[dest])]))
    for diff in _diffs(result):
        if diff.get("before_header") not in (None, "routes"):
            changes.extend(_files([diff]))
    return changes


def _files(diffs: Iterable[Mapping[str, Any]]) -> List[Dict[str, Any]]:
    changes = []
    for diff in diffs:
        before_header, after_header = str(diff.get("before_header") or ""), str(diff.get("after_header") or "")
        path = after_header.replace(" (absent)", "") or before_header.replace(" (absent)", "") or "file"
        lines = line_diff(str(diff.get("before") or ""), str(diff.get("after") or ""))
        if not lines:
            continue
        if before_header.endswith(" (absent)"):
            action = "create"
        elif after_header.endswith(" (absent)"):
            action = "delete"
        else:
            action = "update"
        changes.append(_change(action, "file", path, lines))
    return changes


def _k8s(result: Mapping[str, Any], task_kind: str) -> List[Dict[str, Any]]:
    if "censored" in result:
        # A task with no_log: only whether it changed is known, and only that is shown.
        return [_change("update", task_kind or "object", "(not shown: no_log)", note="its values are never shown")]
    obj = result.get("result") if isinstance(result.get("result"), Mapping) else {}
    metadata = obj.get("metadata") or {}
    name = "/".join(part for part in (metadata.get("namespace"), metadata.get("name")) if part) or "?"
    method = str(result.get("method") or "")
    action = {"create": "create", "delete": "delete"}.get(method, "update")
    diff = (_diffs(result) or [{}])[0]
    lines = field_changes(_as_mapping(diff.get("before")), _as_mapping(diff.get("after"))) if action == "update" else []
    return [_change(action, str(obj.get("kind") or task_kind or "object"), name, lines)]


def _pruned(result: Mapping[str, Any]) -> List[Dict[str, Any]]:
    return [_change("delete", str(entry.get("kind")), "/".join(part for part in (entry.get("namespace"), entry.get("name")) if part))
            for entry in result.get("pruned") or [] if isinstance(entry, Mapping)]


def _start(result: Mapping[str, Any], args: Mapping[str, Any]) -> List[Dict[str, Any]]:
    name = "%s/flatnet-start-%s" % (args.get("namespace") or "kube-system", args.get("cluster") or "?")
    state = args.get("state") or "present"
    if state == "present":
        return [_change("create", "ConfigMap", name, note="the record of the start, for remove.yml")]
    if state == "restored":
        return [_change("update", "restore", str(item), note="from the record of the start") for item in result.get("restored") or []]
    if state == "absent":
        return [_change("delete", "ConfigMap", name)]
    return []


def changes(action: str, result: Mapping[str, Any], task_name: str, task_kind: str = "") -> List[Dict[str, Any]]:
    """The objects one changed result (one loop item, or a task without a loop) changes."""
    if not result.get("changed"):
        return []
    args = ((result.get("invocation") or {}).get("module_args") or {}) if isinstance(result.get("invocation"), Mapping) else {}
    label = str(result.get("_ansible_item_label") or "")
    if action in CALICO_KINDS:
        return _calico(CALICO_KINDS[action], result, str(args.get("name") or label.split(" ", maxsplit=1)[0] or "?"))
    if action == "flatnet.kube.frr_config":
        return _frr(result)
    if action == "flatnet.kube.linux_route":
        return _routes(result)
    if action == "flatnet.kube.dns_forwarder":
        return _files(_diffs(result))
    if action == "flatnet.kube.cluster_prune":
        return _pruned(result)
    if action == "flatnet.kube.cluster_start":
        return _start(result, args)
    if action in ("kubernetes.core.k8s", "k8s"):
        return _k8s(result, task_kind)
    # Any other module (a vendor's resource module, cli_config): the task itself, with what its diff shows.
    lines: List[str] = []
    for diff in _diffs(result):
        if diff.get("prepared"):
            lines += [line for line in str(diff["prepared"]).splitlines() if line[:1] in "+-"]
        else:
            lines += line_diff(_text(diff.get("before")), _text(diff.get("after")))
    return [_change("update", "task", label or task_name, lines)]


def _text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value in (None, {}, []):
        return ""
    return json.dumps(value, indent=2, sort_keys=True)


class Report:
    """The changes of a run, per host, in the order they came."""

    def __init__(self) -> None:
        self.hosts: Dict[str, Dict[str, Any]] = {}
        self.warnings: List[str] = []

    def add(self, host: str, place: str, found: Sequence[Mapping[str, Any]], warnings: Sequence[str] = ()) -> None:
        """Record the objects a result changed on a host, and the warnings it gave."""
        label = "cluster" if place == "cluster" else host
        if found or warnings:
            entry = self.hosts.setdefault(label, {"host": host, "place": place, "changes": []})
            entry["changes"].extend(dict(change) for change in found)
        for change in found:
            if change.get("risk"):
                self.warnings.append("%s: %s" % (label, change["risk"]))
        for warning in warnings:
            self.warnings.append("%s: %s" % (label, warning))

    def ordered(self) -> List[Tuple[str, Dict[str, Any]]]:
        """The hosts, place by place (cluster, switches, gateways, DNS), each in the order it came."""
        items = list(self.hosts.items())
        return sorted(items, key=lambda item: PLACE_ORDER.index(item[1]["place"]) if item[1]["place"] in PLACE_ORDER else len(PLACE_ORDER))

    def total(self) -> int:
        """The number of objects changed."""
        return sum(len(entry["changes"]) for entry in self.hosts.values())

    def summary(self, mode: str) -> str:
        """'plan: 7 changes on 4 hosts (cluster 3, switch1 2, ...)'."""
        counted = [(label, len(entry["changes"])) for label, entry in self.ordered() if entry["changes"]]
        total = sum(item[1] for item in counted)
        if not total:
            return "%s: 0 changes" % mode
        hosts, per_host = len(counted), ", ".join("%s %d" % item for item in counted)
        return "%s: %d change%s on %d host%s (%s)" % (mode, total, "" if total == 1 else "s", hosts, "" if hosts == 1 else "s", per_host)

    def as_dict(self, mode: str) -> Dict[str, Any]:
        """The report for the JSON file."""
        return {"mode": mode, "summary": self.summary(mode), "total": self.total(), "warnings": list(self.warnings),
                "hosts": [dict(entry, name=label) for label, entry in self.ordered()]}

    def changed_hosts(self) -> List[str]:
        """The inventory hosts with a change, place by place."""
        return [item[1]["host"] for item in self.ordered() if item[1]["changes"]]

    def text(self, mode: str, command: str = "") -> str:
        """The report as the user reads it; ``command`` is the run that makes (or puts back) the changes."""
        out = []
        for label, entry in self.ordered():
            if not entry["changes"]:
                continue
            title = label if label == entry["host"] else "%s (%s)" % (label, entry["host"])
            out.append("%s [%s]" % (title, entry["place"]))
            for change in entry["changes"]:
                counts = " (+%d -%d lines)" % (change["added"], change["removed"]) if change["kind"] in ("file", "config") else ""
                note = "  # %s" % change["note"] if change.get("note") else ""
                out.append("  %-7s %s %s%s%s" % (change["action"], change["kind"], change["name"], counts, note))
                out.extend("            " + line for line in change["diff"])
                if change.get("more"):
                    out.append("            ... %d more line%s (--diff shows them)" % (change["more"], "" if change["more"] == 1 else "s"))
        if self.warnings:
            out.append("warnings:")
            out.extend("  - " + warning for warning in self.warnings)
        if command and self.total():
            out.append("site.yml makes these changes; on places it converged before, they are drift (flatnet's part changed by hand "
                       "since), and the same command puts them back:")
            out.append("  " + command)
        out.append(self.summary(mode))
        return "\n".join(out)


def comparable(report: Mapping[str, Any]) -> List[Tuple[str, str, str, str]]:
    """(host, action, kind, name) of every change of a report's JSON, sorted: what a plan and a run are compared by."""
    return sorted((str(entry.get("name")), str(change.get("action")), str(change.get("kind")), str(change.get("name")))
                  for entry in report.get("hosts") or [] for change in entry.get("changes") or [])
