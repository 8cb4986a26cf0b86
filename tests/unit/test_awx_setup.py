# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/awx_setup.yml without an AWX server: its credential type and surveys against AWX's documented schema
(credential type inputs and injectors, survey specs as AWX's API validates them), and every awx.awx task's arguments
against the module's own documentation. No live AWX proves it; the README says so."""

from __future__ import annotations

import os
import re
from typing import Any, Dict, List

import jinja2
import jinja2.meta
import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
AWX = os.path.join(os.path.dirname(os.path.dirname(yaml.__file__)), "ansible_collections", "awx", "awx")
# AWX's credential type schema (the API's CredentialTypeInputField and injector field).
FIELD_KEYS = {"id", "label", "type", "help_text", "secret", "multiline", "format", "choices", "default", "ask_at_runtime"}
FIELD_TYPES = {"string", "boolean"}
INJECTOR_KINDS = {"file", "env", "extra_vars"}
CUSTOM_KINDS = {"cloud", "net"}
# AWX's survey question types, and the Python type of each one's default.
QUESTION_TYPES = {"text": str, "textarea": str, "password": str, "multiplechoice": str, "multiselect": str, "integer": int, "float": (int, float)}


def _load(path: str) -> Any:
    with open(os.path.join(ROOT, path), encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(name="setup_vars", scope="module")
def fixture_setup_vars() -> Dict[str, Any]:
    return _load("playbooks/vars/awx_setup.yml")


@pytest.fixture(name="play", scope="module")
def fixture_play() -> Dict[str, Any]:
    plays = _load("playbooks/awx_setup.yml")
    assert len(plays) == 1
    return plays[0]


def _resolve(value: Any, variables: Dict[str, Any]) -> Any:
    """A value that is one variable ("{{ name }}") as that variable's value."""
    if isinstance(value, str):
        match = re.fullmatch(r"\{\{ *([a-z_]+) *\}\}", value)
        if match:
            return variables[match.group(1)]
    return value


def _surveys(setup_vars: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    return {name: dict(survey, spec=_resolve(survey["spec"], setup_vars)) for name, survey in setup_vars["awx_setup_surveys"].items()}


def _role_options() -> Dict[str, Dict[str, Any]]:
    """Every role variable of the collection with its argument spec (the first entry point that has it)."""
    options: Dict[str, Dict[str, Any]] = {}
    for role in sorted(os.listdir(os.path.join(ROOT, "roles"))):
        specs = _load(os.path.join("roles", role, "meta", "argument_specs.yml"))["argument_specs"]
        for entry in specs.values():
            for name, spec in (entry.get("options") or {}).items():
                options.setdefault(name, spec)
    return options


def test_the_credential_type_fits_awxs_schema_and_marks_every_secret(setup_vars):
    kind = setup_vars["awx_setup_credential_type"]
    assert kind["kind"] in CUSTOM_KINDS
    fields = kind["inputs"]["fields"]
    ids = [field["id"] for field in fields]
    assert len(ids) == len(set(ids)), ids
    for field in fields:
        assert set(field) <= FIELD_KEYS, (field["id"], sorted(set(field) - FIELD_KEYS))
        assert re.fullmatch(r"[a-zA-Z_][a-zA-Z0-9_]*", field["id"]), field["id"]
        assert isinstance(field["label"], str) and field["label"], field
        assert field.get("type", "string") in FIELD_TYPES, field
        # Whatever holds a password is secret: AWX then stores it encrypted and shows it as $encrypted$.
        if re.search(r"password|secret|token|key", field["id"]):
            assert field.get("secret") is True, field["id"]
    assert set(kind["inputs"].get("required", [])) <= set(ids)


def test_the_injectors_use_only_the_inputs_and_inject_every_one_as_an_extra_var(setup_vars):
    kind = setup_vars["awx_setup_credential_type"]
    injectors = kind["injectors"]
    assert set(injectors) <= INJECTOR_KINDS
    ids = {field["id"] for field in kind["inputs"]["fields"]}
    used = set()
    environment = jinja2.Environment(autoescape=False)
    for template in injectors["extra_vars"].values():
        used |= jinja2.meta.find_undeclared_variables(environment.parse(template))
    assert used == ids
    # The extra vars are flatnet's names for the secrets: none starts with flatnet_, which preflight keeps for the intent.
    assert all(name.startswith("awx_flatnet_") for name in injectors["extra_vars"]), sorted(injectors["extra_vars"])


def test_every_survey_fits_awxs_survey_schema(setup_vars):
    surveys = _surveys(setup_vars)
    assert set(surveys) == {"plan", "site", "verify", "remove"}
    for name, survey in surveys.items():
        assert isinstance(survey["name"], str) and isinstance(survey["description"], str), name
        assert isinstance(survey["spec"], list) and survey["spec"], name
        variables = [question["variable"] for question in survey["spec"]]
        assert len(variables) == len(set(variables)), (name, variables)
        for question in survey["spec"]:
            where = "%s: %s" % (name, question.get("variable"))
            for key in ("type", "question_name", "variable"):
                assert isinstance(question[key], str), (where, key)
            assert isinstance(question["required"], bool), where
            assert question["type"] in QUESTION_TYPES, where
            if "default" in question:
                assert isinstance(question["default"], QUESTION_TYPES[question["type"]]), where
            for key in ("min", "max"):
                assert question.get(key) is None or isinstance(question[key], int), (where, key)
            if question["type"] in ("multiplechoice", "multiselect"):
                assert question["choices"] and question["default"] in question["choices"], where
            if question["type"] == "integer" and "default" in question:
                assert question["min"] <= question["default"] <= question["max"], where
            if question["type"] == "text" and "default" in question:
                assert question["min"] <= len(question["default"]) <= question["max"], where


def test_every_survey_answer_is_a_role_variable_and_its_default_is_the_roles(setup_vars):
    """An answer reaches a role's variable; left at its default, it asks for what the role does without it."""
    options = _role_options()
    for name, survey in _surveys(setup_vars).items():
        for question in survey["spec"]:
            spec = options.get(question["variable"])
            assert spec is not None, "%s: %s is no role variable" % (name, question["variable"])
            default = question.get("default")
            if spec["type"] == "bool":
                assert question["type"] == "multiplechoice" and sorted(question["choices"]) == ["false", "true"], question
                assert default == str(spec.get("default", False)).lower(), question
            elif spec["type"] == "int":
                assert question["type"] == "integer" and default == spec.get("default"), question
            elif spec.get("choices"):
                assert question["type"] == "multiplechoice" and set(question["choices"]) <= set(spec["choices"]), question
                assert default == spec.get("default"), question
            else:
                assert question["type"] == "text" and not question["required"] and default == "", question


def _module_options(module: str) -> Dict[str, Any]:
    """A module's documented options, aliases included, from its DOCUMENTATION."""
    path = os.path.join(AWX, "plugins", "modules", module + ".py")
    assert os.path.isfile(path), "awx.awx.%s is not in the ansible bundle at %s" % (module, AWX)
    with open(path, encoding="utf-8") as handle:
        source = handle.read()
    documentation = yaml.safe_load(re.search(r"DOCUMENTATION = r?'''(.*?)'''", source, re.S).group(1))
    options = dict(documentation["options"])
    for name, spec in list(options.items()):
        for alias in spec.get("aliases") or []:
            options[alias] = spec
    return options


def _check_arguments(where: str, arguments: Dict[str, Any], options: Dict[str, Any], problems: List[str]) -> None:
    for key, value in arguments.items():
        spec = options.get(key)
        if spec is None:
            problems.append("%s: %s is not an option" % (where, key))
            continue
        literal = not (isinstance(value, str) and "{{" in value)
        if spec.get("choices") and literal and value not in spec["choices"]:
            problems.append("%s: %s=%r is not one of %s" % (where, key, value, spec["choices"]))
        if spec.get("suboptions") and literal:
            for number, item in enumerate(value if isinstance(value, list) else [value]):
                _check_arguments("%s.%s[%d]" % (where, key, number), item, spec["suboptions"], problems)


def test_every_awx_task_uses_only_its_modules_documented_options(play):
    problems: List[str] = []
    modules = []
    for task in play["tasks"]:
        module = next(key for key in task if key.startswith("awx.awx.") or key.startswith("ansible.builtin."))
        if module.startswith("awx.awx."):
            modules.append(module)
            # The authentication options come from the environment (CONTROLLER_HOST and the rest), not from the tasks.
            _check_arguments(task["name"], task[module], _module_options(module.split(".")[-1]), problems)
    assert problems == []
    assert modules == ["awx.awx.credential_type", "awx.awx.execution_environment", "awx.awx.project", "awx.awx.inventory",
                       "awx.awx.inventory_source", "awx.awx.job_template", "awx.awx.workflow_job_template"]


def test_the_job_templates_run_the_collections_playbooks_and_ask_for_check_mode_where_something_changes(play):
    templates = play["vars"]["__awx_setup_templates"]
    assert [template["name"] for template in templates] == ["plan", "site", "verify", "remove"]
    for template in templates:
        assert os.path.isfile(os.path.join(ROOT, template["playbook"])), template
        assert template["job_type_prompt"] is (template["name"] in ("site", "remove")), template


def test_the_workflow_is_plan_then_approval_then_site_then_verify(play):
    task = next(task for task in play["tasks"] if "awx.awx.workflow_job_template" in task)
    nodes = {node["identifier"]: node for node in task["awx.awx.workflow_job_template"]["workflow_nodes"]}
    order, current = [], "plan"
    while current:
        order.append((current, nodes[current]["unified_job_template"]["type"]))
        following = (nodes[current].get("related") or {}).get("success_nodes") or []
        assert len(following) <= 1
        current = following[0]["identifier"] if following else None
    assert order == [("plan", "job_template"), ("approve", "workflow_approval"), ("site", "job_template"), ("verify", "job_template")]
    assert set(nodes) == {name for name, _type in order}
