# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The roles' own variables: every string variable of every role is checked by its form, all problems at once.

The matrix is read from the roles themselves: each role's argument specs say
which variables are strings, and the role's check task says the kind of each.
"""

from __future__ import annotations

import os
import re
from typing import Any, Dict, Iterator, List, Tuple

import jinja2
import pytest
import yaml

from ansible_collections.flatnet.kube.plugins.module_utils import _rolevars

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
ROLES = os.path.join(ROOT, "roles")
CONTROLS = ["\n", "\r", "\x00"]


def _yaml(path: str) -> Any:
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _string_options(role: str) -> Dict[str, Dict[str, Any]]:
    """The role's own string and list-of-string variables (its prefix), from its argument specs."""
    options = _yaml(os.path.join(ROLES, role, "meta", "argument_specs.yml"))["argument_specs"]["main"]["options"]
    return {name: option for name, option in options.items() if name.startswith(role + "_")
            and option.get("type", "str") in ("str", "list") and option.get("elements", "str") == "str"}


def _check_tasks(role: str) -> Iterator[Dict[str, Any]]:
    directory = os.path.join(ROLES, role, "tasks")
    for name in sorted(os.listdir(directory)):
        if name.endswith(".yml"):
            for task in _yaml(os.path.join(directory, name)) or []:
                if "flatnet.kube.value_problems" in str(task.get("vars", {})):
                    yield task


def _checked(role: str, values: Dict[str, Any]) -> Dict[str, List[Any]]:
    """The {name: [kind, value]} the role's check task gives the filter, evaluated with these values."""
    tasks = list(_check_tasks(role))
    assert len(tasks) == 1, "%s: one check task expected, found %d" % (role, len(tasks))
    (template,) = [value for key, value in tasks[0]["vars"].items() if key.endswith("_problems")]
    inner = re.fullmatch(r"\{\{\s*(\{.*\})\s*\|\s*flatnet\.kube\.value_problems\s*\}\}", template.strip(), re.S)
    assert inner, template
    return jinja2.Environment().compile_expression(inner.group(1))(**values)


def _defaults(role: str) -> Dict[str, Any]:
    path = os.path.join(ROLES, role, "defaults", "main.yml")
    return _yaml(path) or {} if os.path.exists(path) else {}


ROLES_WITH_STRINGS = sorted(role for role in os.listdir(ROLES) if _string_options(role) and role != "preflight")


def _cases() -> Iterator[Tuple[str, str, str]]:
    for role in ROLES_WITH_STRINGS:
        for name in sorted(_string_options(role)):
            for control in CONTROLS:
                yield role, name, control


@pytest.mark.parametrize("role", ROLES_WITH_STRINGS)
def test_every_string_variable_of_a_role_is_checked_and_its_choices_match_the_spec(role):
    options = _string_options(role)
    checked = _checked(role, {name: None for name in options})
    assert sorted(checked) == sorted(options)
    for name, option in options.items():
        kind = checked[name][0]
        if "choices" in option:
            assert kind == option["choices"], name
        else:
            assert isinstance(kind, str) and kind.rstrip("[]") in _rolevars.KINDS, (name, kind)
            assert kind.endswith("[]") == (option.get("type") == "list"), name


@pytest.mark.parametrize("role", ROLES_WITH_STRINGS)
def test_the_defaults_pass(role):
    assert _rolevars.problems(_checked(role, _defaults(role))) == []


@pytest.mark.parametrize("role, name, control", list(_cases()))
def test_a_control_character_in_any_role_variable_is_refused_with_its_name(role, name, control):
    values = _defaults(role)
    good = values.get(name)
    if isinstance(good, list) or (good is None and _string_options(role)[name].get("type") == "list"):
        values[name] = list(good or []) + ["x" + control + "include \"/etc/passwd\""]
        where = "%s[%d]" % (name, len(good or []))
    else:
        values[name] = (good or "") + control + "exit"
        where = name
    problems = _rolevars.problems(_checked(role, values))
    assert len(problems) == 1, problems
    assert problems[0].startswith(where + ": ") and "control character '%s'" % repr(control)[1:-1] in problems[0]
    # The value shows escaped: a message never holds a line of its own.
    assert not set(problems[0]) & set(CONTROLS)


def test_every_problem_shows_at_once():
    values = dict(_defaults("dns_forward"), dns_forward_bind_path="etc/bind/x.conf", dns_forward_forwarders=["10.233.0.999", "10.0.0.3"],
                  dns_forward_flush_command=["rndc", "flushtree\n"], dns_forward_kind="powerdns")
    problems = _rolevars.problems(_checked("dns_forward", values))
    assert [problem.split(":")[0] for problem in problems] == [
        "dns_forward_kind", "dns_forward_forwarders[0]", "dns_forward_flush_command[1]", "dns_forward_bind_path"]


@pytest.mark.parametrize("kind, value, form", [
    ("path", "etc/bind/x.conf", "an absolute path"),
    ("path", '/etc/bind/x.conf"; include "/etc/shadow', "an absolute path"),
    ("path", "/etc/bind\\x.conf", "an absolute path"),
    ("ipv4", "10.200.20.254 ", "an IPv4 address"),
    ("ipv4", "2001:db8::1", "an IPv4 address"),
    ("cidr", "10.200.20.1/24", "no host bits set"),
    ("cidr", "10.200.20.0", "CIDR form"),
    ("address", "10.233.0.999", "an IP address"),
    ("address", "", "is empty"),
    ("interface", "eth1 up", "a Linux interface name"),
    ("interface", "a-very-long-name0", "a Linux interface name"),
    ("route_protocol", "256", "a route protocol"),
    ("route_protocol", "static; reboot", "a route protocol"),
    ("k8s_label", "Kube-System", "RFC 1123 label"),
    ("k8s_label", "kube-system.", "RFC 1123 label"),
    ("k8s_subdomain", "calico node", "RFC 1123 subdomain"),
    ("secret_key", "pass word", "a key of a Secret's data"),
    ("domain", 'cluster.local"; }; zone "x', "a DNS domain"),
    ("word", "fz switch", "a word"),
    (["neighbors", "listen_range"], "neighbours", "one of neighbors, listen_range"),
    ("line[]", "rndc flush", "must be a list"),
    ("line", 7, "of type int"),
])
def test_a_value_not_of_its_form_is_refused_and_the_form_is_said(kind, value, form):
    problems = _rolevars.problems({"a_role_variable": [kind, value]})
    assert len(problems) == 1 and problems[0].startswith("a_role_variable: ") and form in problems[0], problems


@pytest.mark.parametrize("kind, value", [
    ("path", ""), ("path", "/etc/bind/named.conf.local"), ("ipv4", ""), ("ipv4", "10.200.20.254"), ("cidr", "10.200.20.0/24"),
    ("cidr", "2001:db8::/64"), ("address", "fd00::10"), ("interface", "eth1.100"), ("route_protocol", "250"),
    ("route_protocol", "static"), ("k8s_subdomain", "calico-node"), ("secret_key", "bgp.password_1"), ("domain", "cluster.local"),
    ("line[]", None), ("line[]", []), ("word", ""), (["", "bind"], ""),
])
def test_a_value_of_its_form_passes(kind, value):
    assert _rolevars.problems({"a_role_variable": [kind, value]}) == []
