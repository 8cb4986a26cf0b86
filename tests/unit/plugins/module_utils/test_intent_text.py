# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The intent's text rules: every string one line of printable text, names by full match, passwords that fit every end.

A value with a line break becomes a line of its own in the switch's configuration (``ip prefix-list FLATNET-IN seq 1
permit 0.0.0.0/0 le 32``), so every string of the intent, at any depth, is checked before anything changes, and each
problem names its path, shows the value escaped (a secret never) and says what to do.
"""

from __future__ import annotations

import copy
from typing import Any, Dict, Iterator, List, Tuple

import pytest

from ansible_collections.flatnet.kube.plugins.module_utils import _text as text
from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError
from ansible_collections.flatnet.kube.plugins.module_utils._intent import INTENT_SPEC, IntentError, check_intent, plan_intent
from intent_helpers import example_with_defaults, with_defaults  # pylint: disable=import-error

SECRET = "Md5-S3cret-never-shown"


def _example() -> Dict[str, Any]:
    intent = example_with_defaults()
    intent["flatnet_fabric"]["switches"][0]["password"] = SECRET
    intent["flatnet_cluster"]["api"] = {"api_key": "tok-never-shown", "host": "https://10.200.20.100:6443"}
    return intent


def _string_paths(value: Any, path: str) -> Iterator[Tuple[str, List[Any]]]:
    """(message path, steps) of every string value in the example intent."""
    if isinstance(value, str):
        yield path, []
    elif isinstance(value, dict):
        for key, item in value.items():
            for found, steps in _string_paths(item, "%s.%s" % (path, key)):
                yield found, [key] + steps
    elif isinstance(value, list):
        for index, item in enumerate(value):
            for found, steps in _string_paths(item, "%s[%d]" % (path, index)):
                yield found, [index] + steps


STRING_FIELDS = [(variable, found, steps) for variable in ("flatnet_cluster", "flatnet_fabric", "flatnet_office")
                 for found, steps in _string_paths(_example()[variable], variable)]


def test_the_matrix_covers_every_string_of_the_intent():
    paths = [path for _variable, path, _steps in STRING_FIELDS]
    assert len(paths) >= 20 and "flatnet_fabric.switches[0].password" in paths and "flatnet_cluster.peer_selector" in paths
    assert "flatnet_office.dns_servers[0].name" in paths and "flatnet_cluster.pools[0].node_selector" in paths


@pytest.mark.parametrize("variable, path, steps", STRING_FIELDS, ids=[path for _v, path, _s in STRING_FIELDS])
@pytest.mark.parametrize("control", ["\n", "\r", "\x00"], ids=["newline", "cr", "nul"])
def test_a_control_character_in_any_string_is_refused_with_its_path(variable, path, steps, control):
    intent = _example()
    node: Any = intent[variable]
    for step in steps[:-1]:
        node = node[step]
    node[steps[-1]] = node[steps[-1]][:3] + control + "ip prefix-list FLATNET-IN seq 1 permit 0.0.0.0/0 le 32"
    problems = check_intent(intent)
    escaped = repr(control)[1:-1]
    mine = [problem for problem in problems if problem.startswith(path + ":") and "control character '%s'" % escaped in problem]
    assert len(mine) == 1, problems
    assert "must be one line of printable text" in mine[0]
    # The value shows escaped, never as a line of its own; a secret does not show at all.
    assert all("\n" not in problem and "\r" not in problem and "\x00" not in problem for problem in problems)
    assert not any(secret in problem for problem in problems for secret in (SECRET, "tok-never-shown", SECRET[:3] + escaped))


@pytest.mark.parametrize("path, value, expected", [
    ("flatnet_cluster.domain", "cluster.local\n", "not a valid cluster domain"),
    ("flatnet_cluster.domain", 'cluster.local"; }; zone "x', "not a valid cluster domain"),
    ("flatnet_fabric.switches[0].name", "switch1\n", "is not a host name"),
    ("flatnet_fabric.switches[0].name", "switch 1", "is not a host name"),
    ("flatnet_fabric.switches[0].name", "!", "is not a host name"),
    ("flatnet_fabric.switches[0].peer_name", "peer-switch\n", "not a valid Kubernetes object name"),
    ("flatnet_cluster.pools[0].name", "default-pool\n", "not a valid Kubernetes object name"),
    ("flatnet_office.gateways[0].name", "gw;reboot", "is not a host name"),
    ("flatnet_office.dns_servers[0].name", "-dns", "is not a host name"),
    ("flatnet_cluster.name", "dev\n", "is not a valid cluster name"),
    ("flatnet_cluster.name", "dev cluster", "is not a valid cluster name"),
    ("flatnet_cluster.name", "", "is not a valid cluster name"),
    # A valid label value, but not the ConfigMap name it must also form; the fix is shown.
    ("flatnet_cluster.name", "Dev_1", "names the ConfigMap flatnet-start-<name> that records the cluster's start"),
    ("flatnet_cluster.name", "Dev_1", "use e.g. 'dev-1'"),
    ("flatnet_cluster.peer_selector", "a == 'x\nip prefix-list FLATNET-IN seq 1 permit 0.0.0.0/0 le 32'", "label value"),
])
def test_names_match_in_full(path, value, expected):
    intent = _example()
    _set(intent, path, value)
    problems = check_intent(intent)
    mine = [problem for problem in problems if problem.startswith(path) and expected in problem]
    assert len(mine) == 1, problems
    # The value shows escaped (a selector shows the offending quoted value).
    assert (repr(value) if expected != "label value" else "'x\\nip prefix-list") in mine[0]


def _set(intent: Dict[str, Any], path: str, value: Any) -> None:
    variable, rest = path.split(".", 1)
    node: Any = intent[variable]
    steps = [int(part[:-1]) if part.endswith("]") else part for part in rest.replace("[", ".").split(".")]
    for step in steps[:-1]:
        node = node[step]
    node[steps[-1]] = value


@pytest.mark.parametrize("password, expected", [
    ("x" * 81, "81 characters long; TCP MD5 keys hold at most 80"),
    ("two words", "holds a character that cannot be written"),
    ('quo"te', "holds a character that cannot be written"),
    ("back\\slash", "holds a character that cannot be written"),
    ("bang!", "holds a character that cannot be written"),
    ("caf\u00e9", "holds a character that cannot be written"),
    ("", "the password is empty"),
])
def test_passwords_that_some_end_cannot_hold_are_refused_without_showing_them(password, expected):
    intent = _example()
    intent["flatnet_fabric"]["switches"][0]["password"] = password
    mine = [problem for problem in check_intent(intent) if problem.startswith("flatnet_fabric.switches[0].password")]
    assert len(mine) == 1 and expected in mine[0], mine
    if password:
        assert password not in mine[0]


def test_a_password_of_80_allowed_characters_is_accepted():
    intent = _example()
    intent["flatnet_fabric"]["switches"][0]["password"] = ("Az09_.,:;@%^*+=~/?<>()[]{}|&$#-" * 3)[:80]
    assert check_intent(intent) == []


def test_a_platform_switch_bgp_cannot_apply_is_refused_for_a_switch_it_configures():
    intent = _example()
    intent["flatnet_fabric"]["switches"][0]["platform"] = "vrp"
    refused = check_intent(intent, switch_hosts=["switch1"])
    assert len(refused) == 1 and refused[0].startswith(
        "flatnet_fabric.switches[0].platform: switch_bgp cannot configure 'vrp' in this release (the ansible bundle has no cliconf "
        "plugin for it that ansible.netcommon.cli_config can apply a diff with; playbooks/render.yml writes its part and removal "
        "for the network team), and the switch 'switch1' is a host of the switches group")
    assert "take it out of the switches group and set managed_elsewhere: true on it, or use one of frr, " in refused[0]
    assert check_intent(intent) == refused
    # Configured by hand, or only written by render.yml (not a host that switch_bgp configures): any known platform.
    assert check_intent(intent, switch_hosts=[]) == []


def _second_switch(intent, **extra):
    intent["flatnet_fabric"]["switches"].append(dict({"name": "leaf2", "platform": "frr", "as_number": 65201, "peer_ip": "10.200.20.253"},
                                                     **extra))
    return intent


def test_a_switch_no_host_configures_is_refused_unless_marked_managed_elsewhere():
    intent = _second_switch(_example())
    refused = check_intent(intent, switch_hosts=["switch1"], require_switch_hosts=True)
    assert refused == [
        "flatnet_fabric.switches[1]: the switch 'leaf2' is no host of the switches group, so nothing would configure its side, "
        "while the cluster would get its BGPPeer and every peering node a session to it that stays down (Active). Add 'leaf2' "
        "to the switches group of the inventory, or, if someone else configures it (for example the network team from "
        "playbooks/render.yml's file), set flatnet_fabric.switches[1].managed_elsewhere: true."]
    # Both in the group, or the second marked as someone else's: nothing to refuse.
    assert check_intent(intent, switch_hosts=["switch1", "leaf2"], require_switch_hosts=True) == []
    marked = _second_switch(_example(), managed_elsewhere=True)
    assert check_intent(marked, switch_hosts=["switch1"], require_switch_hosts=True) == []
    # Without the requirement (render.yml, picture.yml, or no inventory at all), the rule does not apply.
    assert check_intent(intent, switch_hosts=["switch1"]) == []
    assert check_intent(intent, switch_hosts=[]) == []


def test_a_switch_marked_managed_elsewhere_that_switch_bgp_would_configure_is_refused():
    intent = _second_switch(_example(), managed_elsewhere=True)
    assert check_intent(intent, switch_hosts=["switch1", "leaf2"], require_switch_hosts=True) == [
        "flatnet_fabric.switches[1].managed_elsewhere: true, but the switch 'leaf2' is a host of the switches group, so "
        "switch_bgp would configure it too; take it out of the switches group, or drop managed_elsewhere."]


def test_the_plan_says_which_switches_are_managed_elsewhere():
    plan = plan_intent(_second_switch(_example(), managed_elsewhere=True), switch_hosts=["switch1"], require_switch_hosts=True)
    assert [(switch["name"], switch["managed_elsewhere"]) for switch in plan["fabric"]["switches"]] == [("switch1", False), ("leaf2", True)]


def test_an_option_the_switchs_platform_cannot_express_is_refused_for_its_host():
    intent = _example()
    intent["flatnet_fabric"]["switches"][0]["platform"] = "junos"
    refused = check_intent(intent, switch_hosts=["switch1"], switch_options={"switch1": {"switch_bgp_ttl_security": True}})
    assert refused == [
        "flatnet_fabric.switches[0] ('switch1'): switch_bgp_ttl_security is True for this host, but the platform junos cannot do "
        "it: Junos has no TTL security (GTSM) for a BGP group. Unset switch_bgp_ttl_security for 'switch1', or configure this "
        "switch yourself from render.yml's file and take it out of the switches group."]
    # Asked for false, or on a platform that has it: nothing to refuse.
    assert check_intent(intent, switch_hosts=["switch1"], switch_options={"switch1": {"switch_bgp_ttl_security": False}}) == []
    # render.yml (no host configured) writes the file only as the variables ask: refused there too.
    assert check_intent(intent, switch_hosts=[], switch_options={"switch1": {"switch_bgp_ttl_security": True}}) == refused
    intent["flatnet_fabric"]["switches"][0]["platform"] = "frr"
    assert check_intent(intent, switch_hosts=["switch1"], switch_options={"switch1": {"switch_bgp_ttl_security": True}}) == []


@pytest.mark.parametrize("path", ["flatnet_cluster.pools[0].cidr", "flatnet_cluster.service_cluster_ips[0]"])
def test_a_range_too_large_for_reverse_zones_is_an_intent_problem_on_its_key(path):
    intent = _example()
    _set(intent, path, "10.0.0.0/7" if path.endswith("cidr") else "12.0.0.0/7")
    if path.endswith("cidr"):
        intent["flatnet_cluster"]["pools"][0]["block_size"] = 26
    with pytest.raises(IntentError) as caught:
        plan_intent(intent)
    assert any(problem.startswith(path + ": '") and "too large for reverse DNS forwarding" in problem for problem in caught.value.problems)


def test_one_run_reports_every_text_problem_at_once():
    intent = _example()
    _set(intent, "flatnet_cluster.domain", "cluster.local\n")
    _set(intent, "flatnet_fabric.switches[0].name", "switch1\n")
    _set(intent, "flatnet_office.gateways[0].name", "gw 1")
    _set(intent, "flatnet_fabric.switches[0].password", "two words")
    problems = check_intent(with_defaults(INTENT_SPEC, copy.deepcopy(intent)))
    for path in ("flatnet_cluster.domain", "flatnet_fabric.switches[0].name", "flatnet_office.gateways[0].name",
                 "flatnet_fabric.switches[0].password"):
        assert any(problem.startswith(path) for problem in problems), (path, problems)


def test_check_one_line_refuses_and_names_the_value():
    assert text.check_one_line("FLATNET", "peer_group") == "FLATNET"
    with pytest.raises(FlatnetError, match=r"^router_id: '1\.2\.3\.4\\n' holds the control character '\\n' at position 7"):
        text.check_one_line("1.2.3.4\n", "router_id")
    with pytest.raises(FlatnetError) as caught:
        text.check_one_line("se\ncret", "password", secret=True)
    assert "se" not in str(caught.value).replace("password", "")


def test_the_peer_group_description_fits_frrs_80_characters():
    intent = _example()
    intent["flatnet_cluster"]["peer_selector"] = " && ".join("zone%d == 'a'" % index for index in range(12))
    description = plan_intent(intent)["fabric"]["peer_group_description"]
    assert len(description) == 80 and description.startswith("dev nodes (zone0 == 'a' && ")


def test_a_plan_without_a_cluster_counts_the_nodes_it_is_given():
    nodes = [{"name": "node2", "ip": "10.200.20.105"}, {"name": "node3", "ip": "10.200.20.106"}]
    by_peering = plan_intent(_example(), peering_nodes=nodes)["fabric"]
    by_count = plan_intent(_example(), peering_nodes=nodes, node_count="4")["fabric"]
    assert by_count["max_prefix"] - by_peering["max_prefix"] == 2
    assert "x 4 nodes (add-path copies; no cluster read: preflight_node_count)" in by_count["max_prefix_formula"]
    for wrong in (0, 5001, "four", True):
        with pytest.raises(IntentError) as caught:
            plan_intent(_example(), peering_nodes=nodes, node_count=wrong)
        assert caught.value.problems[-1].startswith("preflight_node_count: "), caught.value.problems
