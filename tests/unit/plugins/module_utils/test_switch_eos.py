# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Arista EOS: the resource modules' data, the cli lines, the removal, the running-config indentation, the guard."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from switch_cases import CASES, options_of, part_of, plan_of, with_ipv6  # noqa: E402  pylint: disable=wrong-import-position,import-error

from ansible_collections.flatnet.kube.plugins.module_utils import _switch as switch  # noqa: E402
from ansible_collections.flatnet.kube.plugins.module_utils import _switch_eos as eos  # noqa: E402

DESCRIPTION = "dev nodes (node-role.kubernetes.io/ingress == 'ingress')"
IPV4_LIST = {"afi": "ipv4", "prefix_lists": [{"name": "FLATNET-IN", "entries": [
    {"sequence": 10, "action": "permit", "address": "10.233.0.0/18", "match": {"operator": "le", "masklen": 32}},
    {"sequence": 20, "action": "permit", "address": "10.233.64.0/18", "match": {"operator": "le", "masklen": 32}}]}]}
ROUTE_MAPS = [{"route_map": "FLATNET-OUT", "entries": [{"action": "deny", "sequence": 10}]}]
FILTERS_V4 = ["   !", "   address-family ipv4", "      neighbor FLATNET prefix-list FLATNET-IN in",
              "      neighbor FLATNET route-map FLATNET-OUT out"]


def _part(name):
    # The platform decides which lines of flatnet's own contexts the guard reads (Platform.inside_own).
    return dict(part_of(name), platform="eos")


def _four_byte():
    part = switch.model(plan_of({"as_number": 4200000001}), "switch1",
                        options_of({"router_id": "10.200.20.254", "graceful_restart": True, "ttl_security": True, "maximum_paths": 4}), None)
    part["peer_group"].update(remote_as=4200000002, remote_as_dot="64086.59906")
    return dict(part, platform="eos")


def test_the_seed():
    data = eos.resources_eos(_part("neighbors-ebgp-password"))
    assert data == {
        "prefix_lists": [IPV4_LIST],
        "route_maps": ROUTE_MAPS,
        "bgp_global": {"as_number": "65200", "maximum_paths": {"max_equal_cost_paths": 8, "max_installed_ecmp_paths": 8},
                       "neighbor": [{"neighbor_address": "FLATNET", "peer_group": "FLATNET", "remote_as": "64513",
                                     "maximum_received_routes": {"count": 208}}]},
        "cli": ["router bgp 65200", "   neighbor FLATNET description " + DESCRIPTION, "   neighbor FLATNET password 0 s3cret-pw",
                "   neighbor 10.200.20.105 peer group FLATNET", "   neighbor 10.200.20.106 peer group FLATNET"] + FILTERS_V4,
        "bgp_address_family": {"as_number": "65200", "address_family": [{"afi": "ipv4", "neighbor": [{"peer": "FLATNET", "activate": True}]}]},
    }


def test_a_four_byte_as_with_every_instance_setting():
    data = eos.resources_eos(_four_byte())
    assert data["bgp_global"] == {
        "as_number": "4200000001", "router_id": "10.200.20.254",
        "maximum_paths": {"max_equal_cost_paths": 4, "max_installed_ecmp_paths": 4},
        "neighbor": [{"neighbor_address": "FLATNET", "peer_group": "FLATNET", "remote_as": "4200000002", "ttl": 1,
                      "maximum_received_routes": {"count": 208}}]}
    # No password asked for: no password line; graceful restart goes as text (the module cannot read it back).
    assert data["cli"] == ["router bgp 4200000001", "   graceful-restart", "   neighbor FLATNET description " + DESCRIPTION,
                           "   neighbor 10.200.20.105 peer group FLATNET", "   neighbor 10.200.20.106 peer group FLATNET"] + FILTERS_V4
    assert data["bgp_address_family"]["as_number"] == "4200000001"
    assert eos.removal_eos(_four_byte()).startswith("router bgp 4200000001\n")


def test_ibgp_takes_the_switchs_own_as_and_no_instance_setting_unless_asked():
    data = eos.resources_eos(_part("ibgp-instance-settings"))
    assert data["bgp_global"]["neighbor"][0]["remote_as"] == "64513" and data["bgp_global"]["as_number"] == "64513"
    plain = eos.resources_eos(_part("neighbors-ebgp-password"))["bgp_global"]
    assert set(plain) == {"as_number", "neighbor", "maximum_paths"} and "ttl" not in plain["neighbor"][0]
    assert not any("graceful" in line for line in eos.resources_eos(_part("neighbors-ebgp-password"))["cli"])


def test_a_listen_range_has_no_members_and_no_ecmp():
    data = eos.resources_eos(_part("listen-range"))
    assert data["bgp_global"] == {"as_number": "65200", "neighbor": [
        {"neighbor_address": "FLATNET", "peer_group": "FLATNET", "remote_as": "64513", "maximum_received_routes": {"count": 208}}]}
    assert data["cli"] == ["router bgp 65200", "   neighbor FLATNET description " + DESCRIPTION, "   neighbor FLATNET password 0 s3cret-pw",
                           "   bgp listen range 10.200.20.0/24 peer-group FLATNET remote-as 64513"] + FILTERS_V4
    assert eos.removal_eos(_part("listen-range")) == (
        "router bgp 65200\n   no bgp listen range 10.200.20.0/24 peer-group FLATNET\n   no neighbor FLATNET peer group\nexit\n"
        "no route-map FLATNET-OUT\nno ip prefix-list FLATNET-IN\n")


def test_an_ipv6_family_is_activated_with_its_own_list_and_the_limits_add_up():
    data = eos.resources_eos(with_ipv6(_part("neighbors-ebgp-password")))
    assert data["prefix_lists"] == [IPV4_LIST, {"afi": "ipv6", "prefix_lists": [{"name": "FLATNET-IN6", "entries": [
        # ge 64 le 128: `ge 64` alone, up to the host length, the one bound the module writes.
        {"sequence": 10, "action": "permit", "address": "fd00:10:233::/56", "match": {"operator": "ge", "masklen": 64}}]}]}]
    assert data["bgp_address_family"]["address_family"] == [{"afi": "ipv4", "neighbor": [{"peer": "FLATNET", "activate": True}]},
                                                            {"afi": "ipv6", "neighbor": [{"peer": "FLATNET", "activate": True}]}]
    assert data["cli"][-4:] == ["   !", "   address-family ipv6", "      neighbor FLATNET prefix-list FLATNET-IN6 in",
                                "      neighbor FLATNET route-map FLATNET-OUT out"]
    assert data["bgp_global"]["neighbor"][0]["maximum_received_routes"] == {"count": 208 + 300}
    assert eos.removal_eos(with_ipv6(_part("neighbors-ebgp-password"))).endswith("no ip prefix-list FLATNET-IN\nno ipv6 prefix-list FLATNET-IN6\n")


def test_an_entry_with_both_bounds_takes_its_list_into_the_cli():
    part = with_ipv6(_part("neighbors-ebgp-password"))
    part["families"][1]["prefix_list"]["entries"][0]["le"] = 96
    data = eos.resources_eos(part)
    assert data["prefix_lists"] == [IPV4_LIST]
    assert data["cli"][:2] == ["ipv6 prefix-list FLATNET-IN6", "   seq 10 permit fd00:10:233::/56 ge 64 le 96"]
    assert switch.foreign_commands(part, data["cli"]) == []


def test_the_removal_takes_members_then_group_then_policy():
    assert eos.removal_eos(_part("neighbors-ebgp-password")) == (
        "router bgp 65200\n   no neighbor 10.200.20.105\n   no neighbor 10.200.20.106\n   no neighbor FLATNET peer group\nexit\n"
        "no route-map FLATNET-OUT\nno ip prefix-list FLATNET-IN\n")


# What the arista.eos modules render for the seed (state rendered), then the cli lines, as switch_bgp lists them.
RENDERED_SEED = (["ip prefix-list FLATNET-IN", "seq 10 permit 10.233.0.0/18 le 32", "seq 20 permit 10.233.64.0/18 le 32",
                  "route-map FLATNET-OUT deny 10",
                  "router bgp 65200", "neighbor FLATNET peer group", "neighbor FLATNET remote-as 64513",
                  "neighbor FLATNET maximum-routes 208", "maximum-paths 8 ecmp 8"]
                 + eos.resources_eos(_part("neighbors-ebgp-password"))["cli"]
                 + ["router bgp 65200", "address-family ipv4", "neighbor FLATNET activate", "exit"])


def test_the_guard_passes_the_rendered_commands():
    assert switch.foreign_commands(_part("neighbors-ebgp-password"), RENDERED_SEED) == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_cli_lines_are_flatnets_part(name):
    part = _part(name)
    assert switch.foreign_commands(part, eos.resources_eos(part)["cli"]) == []


def test_the_guard_still_refuses_foreign_lines_outside_flatnets_lists():
    part = _part("neighbors-ebgp-password")
    commands = ["ip prefix-list OTHER", "seq 10 permit 0.0.0.0/0", "ip prefix-list FLATNET-IN", "seq 10 permit 10.233.0.0/18 le 32",
                "router bgp 65200", "no bgp default ipv4-unicast", "seq 20 permit 0.0.0.0/0"]
    assert switch.foreign_commands(part, commands) == ["ip prefix-list OTHER", "seq 10 permit 0.0.0.0/0", "no bgp default ipv4-unicast",
                                                       "seq 20 permit 0.0.0.0/0"]


def test_running_config_indents_the_module_lines_and_keeps_the_cli_lines():
    assert eos.running_config(RENDERED_SEED[:6] + ["   neighbor 10.200.20.105 peer group FLATNET"] + FILTERS_V4
                              + RENDERED_SEED[-4:]).splitlines() == [
        "ip prefix-list FLATNET-IN", "   seq 10 permit 10.233.0.0/18 le 32", "   seq 20 permit 10.233.64.0/18 le 32",
        "route-map FLATNET-OUT deny 10", "router bgp 65200", "   neighbor FLATNET peer group",
        "   neighbor 10.200.20.105 peer group FLATNET"] + FILTERS_V4 + [
        "router bgp 65200", "   address-family ipv4", "      neighbor FLATNET activate", "   !"]
