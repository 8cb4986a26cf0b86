# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""JSON merge patch (RFC 7386) and JSON patch (RFC 6902).

Strategic merge patch is applied as a merge patch: list merge keys and the
``$patch``/``$retainKeys`` directives of the built-in types are not honoured,
so a strategic patch of a list replaces the whole list.
"""

from __future__ import annotations

import copy
from typing import Any


class PatchFormatError(ValueError):
    """The patch document itself is malformed (answered 400)."""


class PatchApplyError(ValueError):
    """The patch does not apply to the object (answered 422)."""


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, null removes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def _tokens(pointer: Any) -> list:
    if not isinstance(pointer, str):
        raise PatchFormatError("path must be a string")
    if pointer == "":
        return []
    if not pointer.startswith("/"):
        raise PatchApplyError("invalid JSON pointer %r: must start with /" % pointer)
    return [_unescape(token) for token in pointer[1:].split("/")]


def _index(container: list, token: str, pointer: str, allow_end: bool) -> int:
    if allow_end and token == "-":
        return len(container)
    if not token.isdigit() or (len(token) > 1 and token.startswith("0")):
        raise PatchApplyError("invalid array index %r in %s" % (token, pointer))
    index = int(token)
    limit = len(container) if allow_end else len(container) - 1
    if index > limit:
        raise PatchApplyError("index out of range: %d in %s" % (index, pointer))
    return index


def _parent(doc: Any, pointer: str, operation: str) -> tuple:
    tokens = _tokens(pointer)
    if not tokens:
        return None, ""
    node = doc
    for token in tokens[:-1]:
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list):
            node = node[_index(node, token, pointer, False)]
        else:
            raise PatchApplyError("%s operation does not apply: doc is missing path: %s: missing value" % (operation, pointer))
    return node, tokens[-1]


def _get(doc: Any, pointer: str, operation: str) -> Any:
    parent, key = _parent(doc, pointer, operation)
    if parent is None:
        return doc
    if isinstance(parent, dict) and key in parent:
        return parent[key]
    if isinstance(parent, list):
        return parent[_index(parent, key, pointer, False)]
    raise PatchApplyError("%s operation does not apply: doc is missing path: %s: missing value" % (operation, pointer))


def _add(doc: Any, pointer: str, value: Any) -> Any:
    parent, key = _parent(doc, pointer, "add")
    if parent is None:
        return value
    if isinstance(parent, dict):
        parent[key] = value
    elif isinstance(parent, list):
        parent.insert(_index(parent, key, pointer, True), value)
    else:
        raise PatchApplyError("add operation does not apply: doc is missing path: %s: missing value" % pointer)
    return doc


def _remove(doc: Any, pointer: str, operation: str = "remove") -> Any:
    parent, key = _parent(doc, pointer, operation)
    if parent is None:
        raise PatchApplyError("%s operation does not apply: cannot remove the whole document" % operation)
    if isinstance(parent, dict) and key in parent:
        del parent[key]
    elif isinstance(parent, list):
        del parent[_index(parent, key, pointer, False)]
    else:
        raise PatchApplyError("%s operation does not apply: doc is missing key: %s: missing value" % (operation, pointer))
    return doc


def _operation(doc: Any, op: dict) -> Any:
    name = op.get("op")
    path = op.get("path")
    if name in ("add", "replace", "test") and "value" not in op:
        raise PatchFormatError("%s operation: missing value" % name)
    if name == "add":
        return _add(doc, path, copy.deepcopy(op["value"]))
    if name == "remove":
        return _remove(doc, path)
    if name == "replace":
        _get(doc, path, "replace")
        if path == "":
            return copy.deepcopy(op["value"])
        doc = _remove(doc, path, "replace")
        return _add(doc, path, copy.deepcopy(op["value"]))
    if name == "test":
        if _get(doc, path, "test") != op["value"]:
            raise PatchApplyError("testing value %s failed: test failed" % path)
        return doc
    if name in ("move", "copy"):
        if "from" not in op:
            raise PatchFormatError("%s operation: missing from" % name)
        value = copy.deepcopy(_get(doc, op["from"], name))
        if name == "move":
            if path.startswith(op["from"] + "/"):
                raise PatchApplyError("move operation does not apply: cannot move into a child of the source")
            doc = _remove(doc, op["from"], "move")
        return _add(doc, path, value)
    raise PatchFormatError("Unexpected kind: %s" % name)


def json_patch(doc: Any, operations: Any) -> Any:
    """RFC 6902: apply the operations in order, all or nothing."""
    if not isinstance(operations, list):
        raise PatchFormatError("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    result = copy.deepcopy(doc)
    for op in operations:
        if not isinstance(op, dict):
            raise PatchFormatError("json: cannot unmarshal %s into Go value of type jsonpatch.Operation" % type(op).__name__)
        result = _operation(result, op)
    return result
