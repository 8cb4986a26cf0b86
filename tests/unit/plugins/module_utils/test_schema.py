# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A broken-inventory matrix: every key of the intent mistyped, given the wrong type, a wrong choice or left out.

Each case goes through check_raw as the preflight role passes the inventory: the problem names the path with its list
index, shows the value (never a secret) and says what to write; and a case never crashes the check.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, Iterator, List, Tuple

import pytest

from ansible_collections.flatnet.kube.plugins.module_utils._intent import INTENT_SPEC, IntentError, check_raw, plan_intent
from intent_helpers import example_intent  # pylint: disable=import-error

SECRET = "Md5-S3cret-never-shown"
# A value of the wrong type for each type of the schema.
WRONG = {"str": 12, "path": ["x"], "int": "24x", "bool": "maybe", "list": "10.233.0.0/18", "dict": "yes please"}


def _raw() -> Dict[str, Any]:
    intent = example_intent()
    intent["flatnet_fabric"]["switches"][0]["password"] = SECRET
    intent["flatnet_office"]["gateways"][0]["platform"] = "linux"
    intent["flatnet_cluster"]["api"] = {"kubeconfig": "/etc/kube/config"}
    return intent


def _leaves(spec: Dict[str, Any], path: str, steps: List[Any]) -> Iterator[Tuple[str, List[Any], Dict[str, Any]]]:
    """(message path, steps into the example intent, option) for every option the example holds a value for."""
    for key, option in spec.items():
        where, here = "%s.%s" % (path, key) if path else key, steps + [key]
        yield where, here, option
        if "options" in option:
            child = option["options"]
            if option["type"] == "list":
                yield from _leaves(child, where + "[0]", here + [0])
            else:
                yield from _leaves(child, where, here)


def _get(intent: Any, steps: List[Any]) -> Any:
    for step in steps:
        if isinstance(intent, dict):
            intent = intent.get(step)
        elif isinstance(intent, list) and isinstance(step, int) and step < len(intent):
            intent = intent[step]
        else:
            return None
    return intent


PRESENT = [(path, steps, option) for path, steps, option in _leaves(INTENT_SPEC, "", []) if _get(_raw(), steps) is not None]


def _edit(steps: List[Any], value: Any, remove: bool = False) -> Dict[str, Any]:
    intent = _raw()
    node = _get(intent, steps[:-1])
    if remove:
        del node[steps[-1]]
    else:
        node[steps[-1]] = value
    return intent


def _problems(intent: Dict[str, Any]) -> List[str]:
    _normalised, problems = check_raw(copy.deepcopy(intent), switch_hosts=["switch1"])
    assert all(SECRET not in problem for problem in problems)
    return problems


WRONG_TYPES = [(path, steps, option) for path, steps, option in PRESENT if option["type"] in WRONG and len(steps) > 1]
CHOICES = [(path, steps, option) for path, steps, option in PRESENT if option.get("choices")]
TYPOS = [(path, steps, option) for path, steps, option in PRESENT if len(steps) > 1 and len(str(steps[-1])) > 3]
REQUIRED = [(path, steps, option) for path, steps, option in PRESENT if option.get("required") and len(steps) > 1]


def test_the_matrix_has_more_than_sixty_cases_across_every_variable():
    cases = WRONG_TYPES + CHOICES + TYPOS + REQUIRED
    assert len(cases) > 60
    assert {path.split(".")[0] for path, _steps, _option in cases} == {"flatnet_cluster", "flatnet_fabric", "flatnet_office"}


@pytest.mark.parametrize("path, steps, option", WRONG_TYPES, ids=[case[0] for case in WRONG_TYPES])
def test_a_value_of_the_wrong_type_is_named_with_its_path(path, steps, option):
    value = WRONG[option["type"]]
    problems = _problems(_edit(steps, value))
    mine = [problem for problem in problems if problem.startswith(path + ":")]
    assert len(mine) == 1, problems
    if not option.get("no_log"):
        assert repr(value) in mine[0]
    assert any(word in mine[0] for word in ("not a string", "not a whole number", "not true or false", "not a list", "not a mapping"))


@pytest.mark.parametrize("path, steps, option", CHOICES, ids=[case[0] for case in CHOICES])
def test_a_value_that_is_not_a_choice_gets_the_closest_one(path, steps, option):
    valid = _get(_raw(), steps)
    problems = _problems(_edit(steps, valid + "x"))
    assert problems == ["%s: %r is not one of %s; did you mean %s? use one of them." % (path, valid + "x", ", ".join(option["choices"]), valid)]


@pytest.mark.parametrize("path, steps, option", TYPOS, ids=[case[0] for case in TYPOS])
def test_a_mistyped_key_gets_the_closest_valid_one(path, steps, option):
    intent = _raw()
    node = _get(intent, steps[:-1])
    key = steps[-1]
    node[key[:-2] + key[-1]] = node.pop(key)  # one letter dropped, as in as_numbr
    problems = _problems(intent)
    parent = path.rsplit(".", 1)[0]
    mistyped = [problem for problem in problems if problem.startswith("%s.%s: this key is not part of the intent" % (parent, key[:-2] + key[-1]))]
    assert len(mistyped) == 1 and mistyped[0].endswith("did you mean %s?" % key), problems
    if option.get("required"):
        assert "%s: is required and missing; add it" % path in " ".join(problems)


@pytest.mark.parametrize("path, steps, option", REQUIRED, ids=[case[0] for case in REQUIRED])
def test_a_missing_required_key_is_named(path, steps, option):
    problems = _problems(_edit(steps, None, remove=True))
    assert [problem for problem in problems if problem.startswith(path + ": is required and missing")], problems


def test_a_missing_variable_and_a_mistyped_variable_show_up_together():
    intent = _raw()
    intent["flatnet_ofice"] = intent.pop("flatnet_office")
    with pytest.raises(IntentError) as caught:
        plan_intent(intent, variables=["flatnet_cluster", "flatnet_fabric", "flatnet_ofice"], raw=True)
    problems = caught.value.problems
    assert "flatnet_ofice: this variable is not part of the flatnet intent and would be ignored; did you mean flatnet_office?" in problems
    assert any(problem.startswith("flatnet_office: is not set") for problem in problems)


def test_every_problem_of_a_many_mistake_inventory_shows_up_in_one_run():
    intent = _raw()
    cluster, switch = intent["flatnet_cluster"], intent["flatnet_fabric"]["switches"][0]
    cluster["as_numbr"] = cluster.pop("as_number")
    cluster["pools"][0]["block_size"] = "24x"
    cluster["pools"].append("10.234.0.0/16")
    cluster["service_cluster_ips"] = ["10.233.0.0/33"]
    switch["platform"] = "eos2"
    switch["peer_ip"] = 10
    intent["flatnet_office"]["networks"] = "192.168.10.0/24"
    intent["flatnet_office"]["dns_servers"][0]["kind"] = "powerdns"
    with pytest.raises(IntentError) as caught:
        plan_intent(intent, variables=["flatnet_cluster", "flatnet_fabric", "flatnet_office", "flatnet_clustr"], raw=True)
    problems = caught.value.problems
    for start in ("flatnet_clustr: this variable", "flatnet_cluster.as_numbr: this key is not part of the intent",
                  "flatnet_cluster.as_number: is required and missing", "flatnet_cluster.pools[0].block_size: '24x' is not a whole number",
                  "flatnet_cluster.pools[1]: '10.234.0.0/16' is str, not a mapping", "flatnet_cluster.service_cluster_ips[0]: '10.233.0.0/33'",
                  "flatnet_fabric.switches[0].platform: 'eos2' is not one of", "flatnet_fabric.switches[0].peer_ip: 10 is int, not a string",
                  "flatnet_office.networks: '192.168.10.0/24' is str, not a list", "flatnet_office.dns_servers[0].kind: 'powerdns' is not one of"):
        assert [problem for problem in problems if problem.startswith(start)], (start, problems)
    assert len(str(caught.value)) < 4000  # one line per problem, no dump of the schema


def test_numbers_and_booleans_written_as_text_are_taken_as_ansible_would():
    intent = _raw()
    intent["flatnet_cluster"]["pools"][0]["block_size"] = "26"
    intent["flatnet_cluster"]["pools"][0]["nat_outgoing"] = "yes"
    normalised, problems = check_raw(intent)
    assert problems == []
    assert normalised["flatnet_cluster"]["pools"][0]["block_size"] == 26 and normalised["flatnet_cluster"]["pools"][0]["nat_outgoing"] is True
