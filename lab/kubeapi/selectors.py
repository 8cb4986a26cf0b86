# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Label and field selectors of LIST requests.

Label selectors: ``k=v``, ``k==v``, ``k!=v``, ``k in (a,b)``, ``k notin (a,b)``,
``k``, ``!k``, ``k>n``, ``k<n``; a comma is AND. Field selectors: ``f=v``,
``f==v``, ``f!=v`` on metadata.name, metadata.namespace and the few fields a
kind adds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from .errors import bad_request

_SET_RE = re.compile(r"^\s*(\S+)\s+(in|notin)\s*\((.*)\)\s*$")
_KEY_RE = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_VALUE_RE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")


@dataclass
class Requirement:
    """One term of a label selector."""

    key: str
    op: str
    values: tuple = ()

    def matches(self, labels: dict) -> bool:
        """Whether a label set satisfies the term."""
        present = self.key in labels
        value = labels.get(self.key)
        if self.op == "exists":
            return present
        if self.op == "!exists":
            return not present
        if self.op in ("=", "in"):
            return present and value in self.values
        if self.op in ("!=", "notin"):
            return not present or value not in self.values
        if not present or not value.lstrip("-").isdigit():
            return False
        return int(value) > int(self.values[0]) if self.op == ">" else int(value) < int(self.values[0])


def _split_terms(text: str) -> list:
    terms, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += char
    terms.append(current)
    return [term.strip() for term in terms]


def _check(key: str, values: tuple, selector: str) -> None:
    if not _KEY_RE.match(key) or len(key.rpartition("/")[2]) > 63:
        raise bad_request("unable to parse requirement: <nil>: Invalid value: %r: invalid label key in selector %r" % (key, selector))
    for value in values:
        if len(value) > 63 or not _VALUE_RE.match(value):
            raise bad_request("unable to parse requirement: values[0][%s]: Invalid value: %r: a valid label must be an empty string or "
                              "consist of alphanumeric characters, '-', '_' or '.'" % (key, value))


def _term(term: str, selector: str) -> Requirement:
    match = _SET_RE.match(term)
    if match:
        values = tuple(value.strip() for value in match.group(3).split(",") if value.strip())
        req = Requirement(match.group(1), "in" if match.group(2) == "in" else "notin", values)
    elif term.startswith("!"):
        req = Requirement(term[1:].strip(), "!exists")
    else:
        for op in ("!=", "==", "=", ">", "<"):
            if op in term:
                key, _op, value = term.partition(op)
                req = Requirement(key.strip(), "=" if op == "==" else op, (value.strip(),))
                break
        else:
            req = Requirement(term, "exists")
    if not req.key:
        raise bad_request("unable to parse requirement: found '', expected: identifier in selector %r" % selector)
    if req.op in (">", "<") and not req.values[0].lstrip("-").isdigit():
        raise bad_request("unable to parse requirement: for 'gt', 'lt' operators, the value must be an integer")
    _check(req.key, req.values if req.op not in (">", "<") else (), selector)
    return req


def parse_labels(selector: str) -> list:
    """A label selector as requirements (400 when malformed)."""
    if not selector.strip():
        return []
    return [_term(term, selector) for term in _split_terms(selector)]


def match_labels(requirements: list, obj: dict) -> bool:
    """Whether an object's labels satisfy every requirement."""
    labels = (obj.get("metadata") or {}).get("labels") or {}
    return all(req.matches(labels) for req in requirements)


def field_value(obj: dict, path: str) -> str:
    """A field of an object as a selector compares it (absent is empty)."""
    node: Any = obj
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if isinstance(node, bool):
        return "true" if node else "false"
    return "" if node is None else str(node)


def parse_fields(selector: str, allowed: tuple, custom: bool) -> Callable[[dict], bool]:
    """A field selector as a predicate (400 for unknown fields or bad syntax)."""
    terms = []
    for term in (t for t in _split_terms(selector) if t):
        for op in ("!=", "==", "="):
            if op in term:
                field, _op, value = term.partition(op)
                terms.append((field.strip(), op, value.strip()))
                break
        else:
            raise bad_request("invalid selector: '%s'; can't understand '%s'" % (selector, term))
    for field, _op, _value in terms:
        if field not in ("metadata.name", "metadata.namespace") + allowed:
            if custom:
                raise bad_request('"%s" is not a known field selector: only "metadata.name", "metadata.namespace"' % field)
            raise bad_request("field label not supported: %s" % field)

    def predicate(obj: dict) -> bool:
        for field, op, value in terms:
            equal = field_value(obj, field) == value
            if equal != (op != "!="):
                return False
        return True
    return predicate
