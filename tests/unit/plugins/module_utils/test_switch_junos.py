# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Junos: the set commands of flatnet's part, the resource modules' data, and the removal, on the switch cases."""

from __future__ import annotations

import copy
import os
import sys
from typing import Any, Dict, List

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from switch_cases import CASES, options_of, part_of as _part, plan_of  # noqa: E402  pylint: disable=wrong-import-position,import-error

from ansible_collections.flatnet.kube.plugins.module_utils import _switch as switch  # noqa: E402
from ansible_collections.flatnet.kube.plugins.module_utils import _switch_junos as junos  # noqa: E402

GROUP = "set protocols bgp group FLATNET "
POLICY = "set policy-options policy-statement FLATNET-IN "


def _commands(name: str) -> List[str]:
    return junos.resources_junos(_part(name))["cli"]


def _dual_stack(part: Dict[str, Any]) -> Dict[str, Any]:
    part = copy.deepcopy(part)
    part["families"].append({"family": 6, "afi": "ipv6", "maximum_prefix": 300, "prefix_list": {"name": "FLATNET-IN6", "entries": [
        {"seq": 10, "action": "permit", "prefix": "fd00:10:233::/56", "prefixlen": 56, "ge": 56, "le": 128}]}})
    return part


def test_the_seed_is_these_set_commands():
    assert _commands("neighbors-ebgp-password") == [
        "set policy-options prefix-list FLATNET-IN 10.233.0.0/18",
        "set policy-options prefix-list FLATNET-IN 10.233.64.0/18",
        POLICY + "term accept from prefix-list-filter FLATNET-IN orlonger",
        POLICY + "term accept then accept",
        POLICY + "term reject then reject",
        "set policy-options policy-statement FLATNET-OUT then reject",
        GROUP + "type external",
        GROUP + "peer-as 64513",
        GROUP + 'description "dev nodes (node-role.kubernetes.io/ingress == \'ingress\')"',
        GROUP + 'authentication-key "s3cret-pw"',
        GROUP + "import FLATNET-IN",
        GROUP + "export FLATNET-OUT",
        GROUP + "multipath",
        GROUP + "family inet unicast prefix-limit maximum 208",
        GROUP + "family inet unicast prefix-limit teardown",
        GROUP + "neighbor 10.200.20.105",
        GROUP + "neighbor 10.200.20.106",
    ]


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_command_is_flatnets_part(name):
    part = _part(name)
    commands = junos.resources_junos(part)["cli"]
    assert all(command.startswith("set ") for command in commands)
    assert switch.foreign_commands(part, commands) == []
    # The local AS is the switch's own: never set.
    assert not any("autonomous-system" in command for command in commands)


def test_ibgp_is_an_internal_group_and_instance_settings_only_when_asked():
    ibgp = _commands("ibgp-instance-settings")
    assert GROUP + "type internal" in ibgp and GROUP + "peer-as 64513" in ibgp
    assert "set routing-options router-id 10.200.20.254" in ibgp and "set routing-options graceful-restart" in ibgp
    assert not any("authentication-key" in command for command in ibgp)
    plain = _commands("neighbors-ebgp-password")
    assert not any("routing-options" in command for command in plain)


def test_no_multipath_when_ecmp_is_not_asked_and_the_listen_range_is_an_allow():
    listen = _commands("listen-range")
    assert not any("multipath" in command for command in listen)
    assert GROUP + "allow 10.200.20.0/24" in listen and not any(" neighbor " in command for command in listen)
    removal = junos.removal_junos(_part("listen-range")).splitlines()
    assert removal[0] == "delete protocols bgp group FLATNET allow 10.200.20.0/24"


def test_a_four_byte_as_is_asplain():
    part = switch.model(plan_of({"as_number": 4200000001}), "switch1", options_of({}), None)
    part["peer_group"].update(remote_as=4200000002, remote_as_dot="64086.59906")
    data = junos.resources_junos(part)
    assert GROUP + "peer-as 4200000002" in data["cli"]
    assert data["bgp_global"]["groups"][0]["peer_as"] == "4200000002"


def test_an_ipv6_family_gets_its_list_in_the_same_import_policy_and_its_own_limit():
    part = _dual_stack(_part("neighbors-ebgp-password"))
    data = junos.resources_junos(part)
    commands = data["cli"]
    assert "set policy-options prefix-list FLATNET-IN6 fd00:10:233::/56" in commands
    accept = [command for command in commands if command.startswith(POLICY + "term accept from")]
    assert accept == [POLICY + "term accept from prefix-list-filter FLATNET-IN orlonger", POLICY + "term accept from prefix-list-filter FLATNET-IN6 orlonger"]
    # The final reject comes after every accept.
    assert commands.index(POLICY + "term reject then reject") > max(commands.index(command) for command in accept)
    assert GROUP + "family inet6 unicast prefix-limit maximum 300" in commands
    assert data["prefix_lists"][1] == {"name": "FLATNET-IN6", "address_prefixes": ["fd00:10:233::/56"]}
    assert data["bgp_address_family"]["groups"][0]["address_family"][1] == {
        "afi": "inet6", "af_type": [{"type": "unicast", "prefix_limit": {"maximum": 300, "teardown": True}}]}
    assert "delete policy-options prefix-list FLATNET-IN6" in junos.removal_junos(part).splitlines()


def test_an_entry_short_of_the_host_routes_is_a_route_filter_with_its_lengths():
    part = _part("neighbors-ebgp-password")
    part["families"][0]["prefix_list"]["entries"][1].update(ge=24, le=28)
    data = junos.resources_junos(part)
    assert POLICY + "term accept-ranges from route-filter 10.233.64.0/18 prefix-length-range /24-/28" in data["cli"]
    assert data["prefix_lists"] == [{"name": "FLATNET-IN", "address_prefixes": ["10.233.0.0/18"]}]


def test_the_modules_data_is_the_same_part():
    part = _part("neighbors-ebgp-password")
    data = junos.resources_junos(part)
    assert set(data) == {"prefix_lists", "bgp_global", "bgp_address_family", "cli"}
    assert data["prefix_lists"] == [{"name": "FLATNET-IN", "address_prefixes": ["10.233.0.0/18", "10.233.64.0/18"]}]
    (group,) = data["bgp_global"]["groups"]
    assert group == {"name": "FLATNET", "type": "external", "peer_as": "64513", "export": "FLATNET-OUT",
                     "description": part["peer_group"]["description"],
                     "neighbors": [{"neighbor_address": "10.200.20.105"}, {"neighbor_address": "10.200.20.106"}]}
    # The key is in the commands only (the module masks it, so it could not come back from its parser).
    assert "s3cret-pw" not in repr({key: value for key, value in data.items() if key != "cli"})
    assert data["bgp_address_family"] == {"groups": [{"name": "FLATNET", "address_family": [
        {"afi": "inet", "af_type": [{"type": "unicast", "prefix_limit": {"maximum": 208, "teardown": True}}]}]}]}


def test_a_quote_in_the_description_is_escaped():
    part = _part("neighbors-ebgp-password")
    part["peer_group"]["description"] = 'say "hi" \\o/'
    assert GROUP + 'description "say \\"hi\\" \\\\o/"' in junos.resources_junos(part)["cli"]


def test_the_removal_takes_out_the_members_the_group_its_policies_and_its_lists_only():
    assert junos.removal_junos(_part("neighbors-ebgp-password")).splitlines() == [
        "delete protocols bgp group FLATNET neighbor 10.200.20.105",
        "delete protocols bgp group FLATNET neighbor 10.200.20.106",
        "delete protocols bgp group FLATNET",
        "delete policy-options policy-statement FLATNET-IN",
        "delete policy-options policy-statement FLATNET-OUT",
        "delete policy-options prefix-list FLATNET-IN",
    ]
    removal = junos.removal_junos(_part("ibgp-instance-settings"))
    assert removal.endswith("\n") and "routing-options" not in removal and "s3cret" not in removal
    assert junos.COMMENT_JUNOS == "#"
