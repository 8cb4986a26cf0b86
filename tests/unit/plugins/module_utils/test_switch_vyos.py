# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""VyOS 1.4: vyos_prefix_lists' data, the set commands of the rest of flatnet's part, and the removal."""

from __future__ import annotations

import copy
import os
import sys
from typing import List

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from switch_cases import CASES, options_of, part_of as _part, plan_of  # noqa: E402  pylint: disable=wrong-import-position,import-error

from ansible_collections.flatnet.kube.plugins.module_utils import _switch as switch  # noqa: E402
from ansible_collections.flatnet.kube.plugins.module_utils import _switch_vyos as vyos  # noqa: E402

GROUP = "set protocols bgp peer-group FLATNET "


def _cli(name: str) -> List[str]:
    return vyos.resources_vyos(_part(name))["cli"]


def test_the_seed_is_its_prefix_list_and_these_set_commands():
    data = vyos.resources_vyos(_part("neighbors-ebgp-password"))
    assert data["prefix_lists"] == [{"afi": "ipv4", "prefix_lists": [{"name": "FLATNET-IN", "entries": [
        {"sequence": 10, "action": "permit", "prefix": "10.233.0.0/18", "le": 32},
        {"sequence": 20, "action": "permit", "prefix": "10.233.64.0/18", "le": 32}]}]}]
    assert data["cli"] == [
        "set policy route-map FLATNET-OUT rule 10 action 'deny'",
        "set protocols bgp address-family ipv4-unicast maximum-paths ebgp '8'",
        GROUP + "remote-as '64513'",
        GROUP + "description \"dev nodes (node-role.kubernetes.io/ingress == 'ingress')\"",
        GROUP + "password 's3cret-pw'",
        GROUP + "address-family ipv4-unicast prefix-list import 'FLATNET-IN'",
        GROUP + "address-family ipv4-unicast route-map export 'FLATNET-OUT'",
        GROUP + "address-family ipv4-unicast maximum-prefix '208'",
        "set protocols bgp neighbor 10.200.20.105 peer-group 'FLATNET'",
        "set protocols bgp neighbor 10.200.20.106 peer-group 'FLATNET'",
    ]


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_command_is_flatnets_part_and_the_as_is_never_set(name):
    part = _part(name)
    commands = vyos.resources_vyos(part)["cli"]
    assert switch.foreign_commands(part, commands) == []
    assert not any("system-as" in command for command in commands)


def test_ibgp_instance_settings_only_when_asked_and_the_password_only_where_set():
    ibgp = _cli("ibgp-instance-settings")
    assert GROUP + "remote-as 'internal'" in ibgp and GROUP + "ttl-security hops '1'" in ibgp
    assert "set protocols bgp parameters router-id 10.200.20.254" in ibgp
    assert "set protocols bgp address-family ipv4-unicast maximum-paths ibgp '4'" in ibgp
    assert not any("password" in command for command in ibgp)
    plain = _cli("neighbors-ebgp-password")
    assert not any("router-id" in command or "ttl-security" in command or "graceful" in command for command in plain)


def test_a_listen_range_has_no_members_and_no_ecmp_when_not_asked():
    listen = _cli("listen-range")
    assert "set protocols bgp listen range 10.200.20.0/24 peer-group 'FLATNET'" in listen
    assert not any(command.startswith("set protocols bgp neighbor") or "maximum-paths" in command for command in listen)
    assert vyos.removal_vyos(_part("listen-range")).splitlines()[0] == "delete protocols bgp listen range 10.200.20.0/24"


def test_a_four_byte_as_is_asplain():
    part = switch.model(plan_of({"as_number": 4200000001}), "switch1", options_of({}), None)
    part["peer_group"].update(remote_as=4200000002, remote_as_dot="64086.59906")
    assert GROUP + "remote-as '4200000002'" in vyos.resources_vyos(part)["cli"]


def test_an_ipv6_family_gets_its_prefix_list6_and_its_own_address_family():
    part = copy.deepcopy(_part("neighbors-ebgp-password"))
    part["families"].append({"family": 6, "afi": "ipv6", "maximum_prefix": 300, "prefix_list": {"name": "FLATNET-IN6", "entries": [
        {"seq": 10, "action": "permit", "prefix": "fd00:10:233::/56", "prefixlen": 56, "ge": 64, "le": 128}]}})
    data = vyos.resources_vyos(part)
    assert data["prefix_lists"][1] == {"afi": "ipv6", "prefix_lists": [{"name": "FLATNET-IN6", "entries": [
        {"sequence": 10, "action": "permit", "prefix": "fd00:10:233::/56", "ge": 64, "le": 128}]}]}
    assert GROUP + "address-family ipv6-unicast prefix-list import 'FLATNET-IN6'" in data["cli"]
    assert GROUP + "address-family ipv6-unicast maximum-prefix '300'" in data["cli"]
    assert "set protocols bgp address-family ipv6-unicast maximum-paths ebgp '8'" in data["cli"]
    assert vyos.removal_vyos(part).splitlines()[-1] == "delete policy prefix-list6 FLATNET-IN6"


def test_shell_specials_in_the_description_are_quoted():
    part = _part("neighbors-ebgp-password")
    part["peer_group"]["description"] = "it's $HOME"
    assert GROUP + 'description "it\'s \\$HOME"' in vyos.resources_vyos(part)["cli"]


def test_the_removal_takes_out_the_members_the_group_its_route_map_and_lists_only():
    assert vyos.removal_vyos(_part("neighbors-ebgp-password")).splitlines() == [
        "delete protocols bgp neighbor 10.200.20.105", "delete protocols bgp neighbor 10.200.20.106",
        "delete protocols bgp peer-group FLATNET", "delete policy route-map FLATNET-OUT", "delete policy prefix-list FLATNET-IN"]
    removal = vyos.removal_vyos(_part("ibgp-instance-settings"))
    assert removal.endswith("\n") and "router-id" not in removal and "maximum-paths" not in removal
    assert vyos.COMMENT_VYOS == "#"
