# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Cisco IOS XR: the resource modules' data, the cli lines, the removal, the running configuration and the guard."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from switch_cases import CASES, options_of, part_of as _part, plan_of, with_ipv6  # noqa: E402  pylint: disable=wrong-import-position,import-error

from ansible_collections.flatnet.kube.plugins.module_utils import _switch as switch  # noqa: E402
from ansible_collections.flatnet.kube.plugins.module_utils import _switch_iosxr as iosxr  # noqa: E402
from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError  # noqa: E402

DESCRIPTION = "dev nodes (node-role.kubernetes.io/ingress == 'ingress')"
INBOUND = {"name": "FLATNET-IN", "if_section": {"condition": "destination in FLATNET-IN", "pass": True}, "else_section": {"global": {"drop": True}}}
OUTBOUND = {"name": "FLATNET-OUT", "global": {"drop": True}}


def _four_byte():
    options = options_of({"router_id": "10.200.20.254", "graceful_restart": True, "ttl_security": True, "maximum_paths": 4})
    part = switch.model(plan_of({"as_number": 4200000001}), "switch1", options, None)
    part["peer_group"].update(remote_as=4200000002, remote_as_dot="64086.59906")
    return part


def _rendered(part):
    """What the cisco.iosxr modules render for the part's data (state rendered), after the cli lines."""
    data = iosxr.resources_iosxr(part)
    commands = list(data["cli"])
    for policy in data["route_maps"]:
        if "if_section" in policy:
            commands += ["route-policy %s" % policy["name"], "if %s then" % policy["if_section"]["condition"], "pass", "else", "drop", "endif", "end-policy"]
        else:
            commands += ["route-policy %s" % policy["name"], "drop", "end-policy"]
    families = data["bgp_address_family"]["address_family"]
    if families:
        commands.append("router bgp %s" % part["as_number"])
        for family in families:
            kind, paths = next(iter(family["maximum_paths"].items()))
            commands += ["address-family %s unicast" % family["afi"], "maximum-paths %s %d" % (kind, paths["max_path_value"])]
    group = data["bgp_templates"]["neighbor"][0]
    commands += ["router bgp %s" % part["as_number"], "neighbor-group FLATNET", "description %s" % group["description"], "remote-as %d" % group["remote_as"]]
    commands += ["ttl-security"] if "ttl_security" in group else []
    for family in group["address_family"]:
        commands += ["address-family %s unicast" % family["afi"], "maximum-prefix %d" % family["maximum_prefix"]["max_limit"],
                     "route-policy %s in" % family["route_policy"]["inbound"], "route-policy %s out" % family["route_policy"]["outbound"]]
    commands.append("router bgp %s" % part["as_number"])
    commands += ["bgp router-id %s" % part["router_id"]] if part["router_id"] else []
    commands += ["bgp graceful-restart"] if part["graceful_restart"] else []
    for neighbor in data["bgp_global"]["neighbors"]:
        commands += ["neighbor %s" % neighbor["neighbor_address"], "use neighbor-group FLATNET"]
    return commands


def test_the_seed():
    data = iosxr.resources_iosxr(_part("neighbors-ebgp-password"))
    assert data["cli"] == ["prefix-set FLATNET-IN", "  10.233.0.0/18 le 32,", "  10.233.64.0/18 le 32", "end-set",
                           "router bgp 65200", " address-family ipv4 unicast", " neighbor-group FLATNET", "  password clear s3cret-pw"]
    assert data["route_maps"] == [INBOUND, OUTBOUND]
    assert data["bgp_address_family"] == {"as_number": "65200", "address_family": [
        {"afi": "ipv4", "safi": "unicast", "maximum_paths": {"ebgp": {"max_path_value": 8}}}]}
    assert data["bgp_templates"] == {"as_number": "65200", "neighbor": [{
        "name": "FLATNET", "remote_as": 64513, "description": DESCRIPTION, "address_family": [
            {"afi": "ipv4", "safi": "unicast", "route_policy": {"inbound": "FLATNET-IN", "outbound": "FLATNET-OUT"},
             "maximum_prefix": {"max_limit": 208}}]}]}
    assert data["bgp_global"] == {"as_number": "65200", "neighbors": [
        {"neighbor_address": "10.200.20.105", "use": {"neighbor_group": "FLATNET"}},
        {"neighbor_address": "10.200.20.106", "use": {"neighbor_group": "FLATNET"}}]}
    assert list(data) == ["cli", "route_maps", "bgp_address_family", "bgp_templates", "bgp_global"]  # the order they apply in


def test_four_byte_asns_with_every_instance_setting():
    data = iosxr.resources_iosxr(_four_byte())
    assert data["cli"] == ["prefix-set FLATNET-IN", "  10.233.0.0/18 le 32,", "  10.233.64.0/18 le 32", "end-set",
                           "router bgp 4200000001", " address-family ipv4 unicast"]  # no password: no neighbor-group line
    assert data["route_maps"] == [INBOUND, OUTBOUND]
    assert data["bgp_address_family"] == {"as_number": "4200000001", "address_family": [
        {"afi": "ipv4", "safi": "unicast", "maximum_paths": {"ebgp": {"max_path_value": 4}}}]}
    assert data["bgp_templates"] == {"as_number": "4200000001", "neighbor": [{
        "name": "FLATNET", "remote_as": 4200000002, "description": DESCRIPTION, "ttl_security": {"set": True}, "address_family": [
            {"afi": "ipv4", "safi": "unicast", "route_policy": {"inbound": "FLATNET-IN", "outbound": "FLATNET-OUT"},
             "maximum_prefix": {"max_limit": 208}}]}]}
    assert data["bgp_global"] == {"as_number": "4200000001", "bgp": {"router_id": "10.200.20.254", "graceful_restart": {"set": True}},
                                  "neighbors": [{"neighbor_address": "10.200.20.105", "use": {"neighbor_group": "FLATNET"}},
                                                {"neighbor_address": "10.200.20.106", "use": {"neighbor_group": "FLATNET"}}]}
    assert iosxr.removal_iosxr(_four_byte()).startswith("router bgp 4200000001\n")


def test_ibgp_is_the_switchs_own_as_and_ibgp_multipath():
    data = iosxr.resources_iosxr(_part("ibgp-instance-settings"))
    assert data["bgp_templates"]["neighbor"][0]["remote_as"] == 64513 and data["bgp_templates"]["as_number"] == "64513"
    assert data["bgp_address_family"]["address_family"][0]["maximum_paths"] == {"ibgp": {"max_path_value": 4}}
    assert data["bgp_templates"]["neighbor"][0]["ttl_security"] == {"set": True}
    assert not any("password" in line for line in data["cli"])


def test_no_maximum_paths_leaves_the_instances_own():
    part = _part("neighbors-ebgp-password")
    part["maximum_paths"] = None
    data = iosxr.resources_iosxr(part)
    assert data["bgp_address_family"] == {"as_number": "65200", "address_family": []}
    assert " address-family ipv4 unicast" in data["cli"]  # the family is still enabled in the instance
    assert "bgp" not in data["bgp_global"]


def test_a_listen_range_is_refused():
    assert "listen_range" in switch.platform_facts("iosxr")["cannot"]
    with pytest.raises(FlatnetError, match="dynamic neighbors"):
        iosxr.resources_iosxr(_part("listen-range"))


def test_an_ipv6_family_has_its_prefix_set_policy_and_instance_family():
    part = with_ipv6(_part("neighbors-ebgp-password"), service_range=True)
    data = iosxr.resources_iosxr(part)
    assert data["cli"] == ["prefix-set FLATNET-IN", "  10.233.0.0/18 le 32,", "  10.233.64.0/18 le 32", "end-set",
                           "prefix-set FLATNET-IN6", "  fd00:10:233::/56 ge 64 le 128,", "  fd00:10:96::/108 le 128", "end-set",
                           "router bgp 65200", " address-family ipv4 unicast", " address-family ipv6 unicast",
                           " neighbor-group FLATNET", "  password clear s3cret-pw"]
    assert data["route_maps"] == [INBOUND, {"name": "FLATNET-IN6", "if_section": {"condition": "destination in FLATNET-IN6", "pass": True},
                                            "else_section": {"global": {"drop": True}}}, OUTBOUND]
    assert data["bgp_templates"]["neighbor"][0]["address_family"][1] == {
        "afi": "ipv6", "safi": "unicast", "route_policy": {"inbound": "FLATNET-IN6", "outbound": "FLATNET-OUT"}, "maximum_prefix": {"max_limit": 300}}
    assert [family["afi"] for family in data["bgp_address_family"]["address_family"]] == ["ipv4", "ipv6"]
    assert iosxr.removal_iosxr(part).splitlines()[-3:] == ["no route-policy FLATNET-OUT", "no prefix-set FLATNET-IN", "no prefix-set FLATNET-IN6"]


def test_prefix_set_entries_keep_the_models_order_and_lengths():
    part = _part("neighbors-ebgp-password")
    part["families"][0]["prefix_list"]["entries"] = [
        {"seq": 20, "action": "permit", "prefix": "10.96.0.0/12", "prefixlen": 12, "ge": 12, "le": 12},
        {"seq": 10, "action": "permit", "prefix": "10.233.0.0/18", "prefixlen": 18, "ge": 26, "le": 26}]
    assert iosxr.resources_iosxr(part)["cli"][:4] == ["prefix-set FLATNET-IN", "  10.233.0.0/18 ge 26,", "  10.96.0.0/12", "end-set"]
    part["families"][0]["prefix_list"]["entries"][0]["action"] = "deny"
    with pytest.raises(FlatnetError, match="deny"):
        iosxr.resources_iosxr(part)


def test_the_removal_takes_members_then_group_then_policies_then_sets():
    assert iosxr.removal_iosxr(_part("neighbors-ebgp-password")) == (
        "router bgp 65200\n no neighbor 10.200.20.105\n no neighbor 10.200.20.106\n no neighbor-group FLATNET\nexit\n"
        "no route-policy FLATNET-IN\nno route-policy FLATNET-OUT\nno prefix-set FLATNET-IN\n")


@pytest.mark.parametrize("name", sorted(set(CASES) - {"listen-range"}))
def test_the_rendered_commands_pass_the_guard(name):
    part = with_ipv6(_part(name), service_range=True)
    part["platform"] = "iosxr"
    commands = _rendered(part)
    assert switch.foreign_commands(part, commands) == []
    assert switch.foreign_commands(_four_byte() | {"platform": "iosxr"}, _rendered(_four_byte())) == []


def test_lines_inside_flatnets_contexts_are_its_and_others_are_not():
    part = dict(_part("neighbors-ebgp-password"), platform="iosxr")
    commands = ["prefix-set OTHER", "10.0.0.0/8", "end-set", "route-policy FLATNET-IN", "pass", "end-policy",
                "router bgp 65200", "neighbor-group FLATNET", "remote-as 64513", "address-family ipv4 unicast", "maximum-prefix 208",
                "neighbor 10.9.9.9", "remote-as 65001", "address-family ipv4 unicast", "route-policy PASS in",
                "neighbor 10.200.20.105", "use neighbor-group FLATNET", "bgp bestpath med always"]
    assert switch.foreign_commands(part, commands) == ["prefix-set OTHER", "10.0.0.0/8", "neighbor 10.9.9.9", "remote-as 65001",
                                                       "route-policy PASS in", "bgp bestpath med always"]
    # The password line is flatnet's: it is inside flatnet's neighbor-group.
    assert switch.foreign_commands(part, ["router bgp 65200", " neighbor-group FLATNET", "  password clear s3cret-pw"]) == []


def test_running_config_indents_and_closes_each_context():
    part = with_ipv6(_part("ibgp-instance-settings"), service_range=True)
    assert iosxr.running_config(_rendered(part)).splitlines() == [
        "prefix-set FLATNET-IN", "  10.233.0.0/18 le 32,", "  10.233.64.0/18 le 32", "end-set", "!",
        "prefix-set FLATNET-IN6", "  fd00:10:233::/56 ge 64 le 128,", "  fd00:10:96::/108 le 128", "end-set", "!",
        "router bgp 64513", " address-family ipv4 unicast", " !", " address-family ipv6 unicast", " !", "!",
        "route-policy FLATNET-IN", "  if destination in FLATNET-IN then", "    pass", "  else", "    drop", "  endif", "end-policy", "!",
        "route-policy FLATNET-IN6", "  if destination in FLATNET-IN6 then", "    pass", "  else", "    drop", "  endif", "end-policy", "!",
        "route-policy FLATNET-OUT", "  drop", "end-policy", "!",
        "router bgp 64513", " address-family ipv4 unicast", "  maximum-paths ibgp 4", " !", " address-family ipv6 unicast",
        "  maximum-paths ibgp 4", " !", "!",
        "router bgp 64513", " neighbor-group FLATNET", "  description %s" % DESCRIPTION, "  remote-as 64513", "  ttl-security",
        "  address-family ipv4 unicast", "   maximum-prefix 208", "   route-policy FLATNET-IN in", "   route-policy FLATNET-OUT out", "  !",
        "  address-family ipv6 unicast", "   maximum-prefix 300", "   route-policy FLATNET-IN6 in", "   route-policy FLATNET-OUT out", "  !",
        " !", "!",
        "router bgp 64513", " bgp router-id 10.200.20.254", " bgp graceful-restart",
        " neighbor 10.200.20.105", "  use neighbor-group FLATNET", " !", " neighbor 10.200.20.106", "  use neighbor-group FLATNET", " !", "!"]


def test_the_platform_is_registered_with_its_modules():
    chosen = switch.PLATFORMS["iosxr"]
    assert chosen.render is None and chosen.resources is iosxr.resources_iosxr and chosen.removal is iosxr.removal_iosxr
    assert chosen.network_os == "cisco.iosxr.iosxr" and chosen.comment == "!" and chosen.inside_own is iosxr.outside_flatnet_contexts
    assert switch.platform_facts("iosxr")["by_modules"] and switch.platform_facts("iosxr")["applied"]
