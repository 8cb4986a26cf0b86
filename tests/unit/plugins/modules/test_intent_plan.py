# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the intent_plan module, run in-process through AnsibleModule."""

from __future__ import annotations

import copy
import json
from typing import Any, Dict

import pytest

from ansible_collections.flatnet.kube.plugins.module_utils._intent import INTENT_SPEC, build_plan, check_intent
from ansible_collections.flatnet.kube.plugins.modules import intent_plan
from intent_helpers import example_intent  # pylint: disable=import-error

SECRET = "Md5-S3cret-never-shown"
API_TOKEN = "Bearer-T0ken-never-shown"


@pytest.fixture(name="run")
def fixture_run(run_module):
    """Run intent_plan with the given options."""
    return lambda args: run_module(intent_plan.main, args)


@pytest.fixture(name="args")
def fixture_args() -> Dict[str, Any]:
    """The module options for the example inventory's intent."""
    intent = example_intent()
    return {
        "cluster": intent["flatnet_cluster"],
        "fabric": intent["flatnet_fabric"],
        "office": intent["flatnet_office"],
        "variables": ["flatnet_cluster", "flatnet_fabric", "flatnet_office"],
    }


def test_seed_intent_returns_the_plan(args, run):
    result, _stdout = run(args)
    assert result["changed"] is False
    assert "failed" not in result
    plan = result["plan"]
    assert plan["cluster"]["as_number"] == 64513
    assert plan["cluster"]["pools"][0]["blocks"] == 64
    assert plan["cluster"]["peer_selector"] == "node-role.kubernetes.io/ingress == 'ingress'"
    assert plan["fabric"]["switches"][0]["as_number"] == 65200
    assert plan["office"]["routes"] == ["10.233.0.0/17"]
    assert len(plan["office"]["reverse_zones"]) == 128


def test_module_plan_equals_build_plan_with_defaults(args, run):
    result, _stdout = run(args)
    intent = {"flatnet_" + key: args[key] for key in ("cluster", "fabric", "office")}
    assert not check_intent(intent)
    assert result["plan"] == json.loads(json.dumps(build_plan(intent)))


def test_bad_intent_fails_with_every_problem(args, run):
    args["cluster"]["pools"][0]["cidr"] = "10.233.64.1/18"
    args["cluster"]["as_number"] = 23456
    args["office"]["networks"].append("192.168.10.0/24")
    args["variables"].append("flatnet_clustr")
    result, _stdout = run(args)
    assert result["failed"] is True
    problems = result["problems"]
    assert len(problems) == 4, problems
    assert [problem.split(":", 1)[0] for problem in problems] == [
        "flatnet_clustr",
        "flatnet_cluster.pools[0].cidr",
        "flatnet_office.networks[0]",
        "flatnet_cluster.as_number",
    ]
    assert result["msg"].startswith("the flatnet intent has 4 problems; nothing was changed:")
    assert all(problem in result["msg"] for problem in problems)
    assert "plan" not in result


def test_unknown_nested_key_fails(args, run):
    args["cluster"]["pools"][0]["blocksize"] = args["cluster"]["pools"][0].pop("block_size")
    result, _stdout = run(args)
    assert result["failed"] is True
    assert "blocksize" in result["msg"]
    assert "Supported parameters include" in result["msg"]
    supported = result["msg"].split("Supported parameters include", 1)[1]
    assert "block_size" in supported
    assert "problems" not in result


@pytest.mark.parametrize(
    "where, value, fragment",
    [
        ("switch platform", "cisco", "value of platform must be one of: frr, ios"),
        ("missing pools", None, "missing required arguments: pools"),
    ],
)
def test_schema_errors_fail_before_the_rules(args, run, where, value, fragment):
    if where == "switch platform":
        args["fabric"]["switches"][0]["platform"] = value
    else:
        del args["cluster"]["pools"]
    result, _stdout = run(args)
    assert result["failed"] is True
    assert fragment in result["msg"]


def test_secrets_are_never_printed(args, run):
    args["fabric"]["switches"][0]["password"] = SECRET
    args["cluster"]["api"] = {"api_key": API_TOKEN}
    result, stdout = run(args)
    assert result["plan"]["fabric"]["switches"][0]["has_password"] is True
    assert SECRET not in stdout and API_TOKEN not in stdout
    invocation = result.get("invocation", {}).get("module_args", {})
    assert invocation, "the module reports its invocation, so no_log is what hides the secret"
    assert invocation["fabric"]["switches"][0]["password"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"
    assert invocation["cluster"]["api"]["api_key"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"


def test_secret_stays_hidden_when_the_intent_fails(args, run):
    args["fabric"]["switches"][0]["password"] = SECRET
    args["fabric"]["switches"][0]["as_number"] = 64513
    result, stdout = run(args)
    assert result["failed"] is True
    assert len(result["problems"]) == 1
    assert SECRET not in stdout


def test_check_mode_returns_the_same_plan(args, run):
    normal, _stdout = run(copy.deepcopy(args))
    args["_ansible_check_mode"] = True
    checked, _stdout = run(args)
    assert checked["changed"] is False
    assert "skipped" not in checked
    assert checked["plan"] == normal["plan"]


def test_module_spec_is_the_intent_spec():
    for name in ("cluster", "fabric", "office"):
        assert intent_plan.module_argument_spec()[name] == dict(INTENT_SPEC["flatnet_" + name], required=False)
