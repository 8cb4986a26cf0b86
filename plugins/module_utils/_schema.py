# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The intent's structure, checked in flatnet's own words: every problem at once, each with its path and its fix.

Ansible's own argument-spec check stops at the first problem and prints the
whole spec. This one walks an argument-spec-shaped schema (types, required
keys, choices, unknown keys, defaults), names each problem by its path with
list indexes (``flatnet_cluster.pools[0].block_size``), shows the value
(never a secret's), and says what to write instead: the closest valid key,
the valid choices, the expected type.
"""

from __future__ import annotations

import copy
import difflib
from typing import Any, Dict, List, Mapping, Tuple

_BOOLEANS = {"yes": True, "on": True, "true": True, "1": True, "no": False, "off": False, "false": False, "0": False}
_TYPE_WORDS = {"str": "a string", "int": "a whole number", "bool": "true or false", "list": "a list", "dict": "a mapping",
               "path": "a path", "raw": "a value"}


def _shown(value: Any, option: Mapping[str, Any]) -> str:
    return "the value" if option.get("no_log") else repr(value)


def _closest(key: Any, known: List[str]) -> str:
    close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
    if close:
        return "did you mean %s?" % close[0]
    return "the keys here are %s." % ", ".join(sorted(known))


def _scalar(value: Any, option: Mapping[str, Any], path: str, problems: List[str]) -> Any:
    kind = option.get("type", "str")
    if kind in ("str", "path"):
        if isinstance(value, str):
            return value
        problems.append("%s: %s is %s, not a string; quote it in YAML." % (path, _shown(value, option), type(value).__name__))
    elif kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().isdigit():
            return int(value.strip())
        problems.append("%s: %s is not a whole number; write digits only, e.g. 24." % (path, _shown(value, option)))
    elif kind == "bool":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _BOOLEANS:
            return _BOOLEANS[value.strip().lower()]
        problems.append("%s: %s is not true or false; write true or false." % (path, _shown(value, option)))
    else:
        return value
    return None


def _choice(value: Any, option: Mapping[str, Any], path: str, problems: List[str]) -> Any:
    choices = option.get("choices")
    if choices is None or value is None or value in choices:
        return value
    close = difflib.get_close_matches(str(value), [str(choice) for choice in choices], n=1, cutoff=0.5)
    hint = "did you mean %s? " % close[0] if close else ""
    problems.append("%s: %s is not one of %s; %suse one of them." % (path, _shown(value, option), ", ".join(map(str, choices)), hint))
    return None


def _value(value: Any, option: Mapping[str, Any], path: str, problems: List[str]) -> Any:
    kind = option.get("type", "str")
    if kind == "dict":
        if not isinstance(value, Mapping):
            problems.append("%s: %s is %s, not a mapping of keys to values." % (path, _shown(value, option), type(value).__name__))
            return None
        return normalise(option["options"], value, path, problems) if "options" in option else dict(value)
    if kind == "list":
        if not isinstance(value, list):
            problems.append("%s: %s is %s, not a list; write it as a YAML list (- item), even for one item."
                            % (path, _shown(value, option), type(value).__name__))
            return None
        element = {key: option[key] for key in ("options", "no_log", "choices") if key in option}
        element["type"] = option.get("elements", "raw")
        items = [_value(item, element, "%s[%d]" % (path, index), problems) for index, item in enumerate(value)]
        if "options" in option:
            # A malformed entry (reported) stands as an empty one, so the indexes of the others stay as written.
            items = [item if item is not None else normalise(option["options"], {}, path, []) for item in items]
        return items
    return _choice(_scalar(value, option, path, problems), option, path, problems)


def normalise(spec: Mapping[str, Any], values: Mapping[str, Any], path: str, problems: List[str]) -> Dict[str, Any]:
    """The values with every default filled in, and a message in ``problems`` for each that does not fit the spec.

    A value that does not fit is left out (its default takes its place), so later checks see a well-formed intent.
    """
    result: Dict[str, Any] = {}
    for key in values:
        if key not in spec:
            problems.append("%s.%s: this key is not part of the intent and would be ignored; %s" % (path, key, _closest(key, list(spec))))
    for key, option in spec.items():
        where = "%s.%s" % (path, key)
        if key not in values or values[key] is None:
            if option.get("required"):
                problems.append("%s: is required and missing; add it (%s)." % (where, _TYPE_WORDS.get(option.get("type", "str"), "a value")))
            default = copy.deepcopy(option.get("default"))
            result[key] = normalise(option["options"], default, where, []) if isinstance(default, dict) and "options" in option else default
            continue
        result[key] = _value(values[key], option, where, problems)
        if result[key] is None and option.get("default") is not None:
            result[key] = copy.deepcopy(option["default"])
    return result


def check(spec: Mapping[str, Any], intent: Mapping[str, Any]) -> Tuple[Dict[str, Any], List[str]]:
    """The intent variables normalised against their schema, and every structural problem."""
    problems: List[str] = []
    normalised = {}
    for variable, option in spec.items():
        value = intent.get(variable)
        if value is None:
            problems.append("%s: is not set; define it in the inventory's group_vars (see inventory/example)." % variable)
            value = {}
        normalised[variable] = _value(value, option, variable, problems) or normalise(option["options"], {}, variable, [])
    return normalised, problems
