# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Cisco IOS and NX-OS: the resource modules' data, the cli lines, the gathered defaults, the removal."""

from __future__ import annotations

import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from switch_cases import CASES, options_of, part_of as _part, plan_of, with_ipv6  # noqa: E402  pylint: disable=wrong-import-position,import-error

from ansible_collections.flatnet.kube.plugins.module_utils import _switch as switch  # noqa: E402
from ansible_collections.flatnet.kube.plugins.module_utils import _switch_device as device  # noqa: E402
from ansible_collections.flatnet.kube.plugins.module_utils import _switch_ios as ios  # noqa: E402


def test_the_seed_on_ios():
    data = ios.resources_ios(_part("neighbors-ebgp-password"))
    assert data["prefix_lists"] == [{"afi": "ipv4", "prefix_lists": [{"name": "FLATNET-IN", "entries": [
        {"sequence": 10, "action": "permit", "prefix": "10.233.0.0/18", "le": 32},
        {"sequence": 20, "action": "permit", "prefix": "10.233.64.0/18", "le": 32}]}]}]
    assert data["cli"] == ["route-map FLATNET-OUT deny 10", "router bgp 65200", " neighbor FLATNET peer-group",
                           " neighbor FLATNET remote-as 64513",
                           " neighbor FLATNET description dev nodes (node-role.kubernetes.io/ingress == 'ingress')",
                           " neighbor FLATNET password s3cret-pw"]
    assert data["bgp_global"] == {"as_number": "65200", "bgp": {"default": {"ipv4_unicast": True, "route_target": {"filter": True}}},
                                  "neighbors": [{"neighbor_address": "10.200.20.105", "peer_group": "FLATNET"},
                                                {"neighbor_address": "10.200.20.106", "peer_group": "FLATNET"}]}
    assert data["bgp_address_family"] == {"as_number": "65200", "address_family": [{
        "afi": "ipv4", "safi": "unicast", "maximum_paths": {"paths": 8},
        "neighbors": [{"neighbor_address": "FLATNET", "activate": True, "prefix_lists": [{"name": "FLATNET-IN", "in": True}],
                       "route_maps": [{"name": "FLATNET-OUT", "out": True}], "maximum_prefix": {"number": 208}}]}]}


def test_the_seed_on_nxos_is_a_peer_template():
    data = ios.resources_nxos(_part("neighbors-ebgp-password"))
    assert data["cli"][-1] == "    password s3cret-pw" and "  template peer FLATNET" in data["cli"]
    assert data["bgp_templates"]["neighbor"] == [{"name": "FLATNET", "remote_as": "64513", "address_family": [{
        "afi": "ipv4", "safi": "unicast", "prefix_list": {"inbound": "FLATNET-IN"}, "route_map": {"outbound": "FLATNET-OUT"},
        "maximum_prefix": {"max_prefix_limit": 208}}]}]
    assert data["bgp_global"]["neighbors"] == [{"neighbor_address": a, "inherit": {"peer": "FLATNET"}} for a in ("10.200.20.105", "10.200.20.106")]
    assert "router_id" not in data["bgp_global"] and "graceful_restart" not in data["bgp_global"]
    assert data["bgp_address_family"]["address_family"] == [{"afi": "ipv4", "safi": "unicast", "maximum_paths": {"parallel_paths": 8}}]


def test_ibgp_instance_settings_only_when_asked_and_no_password_when_none():
    part = _part("ibgp-instance-settings")
    data = ios.resources_ios(part)
    assert data["bgp_global"]["bgp"]["router_id"] == {"address": "10.200.20.254"}
    assert data["bgp_global"]["bgp"]["graceful_restart"] == {"set": True}
    assert " neighbor FLATNET remote-as 64513" in data["cli"]  # iBGP: the switch's own AS
    assert data["bgp_address_family"]["address_family"][0]["maximum_paths"] == {"ibgp": 4}
    assert " neighbor FLATNET ttl-security hops 1" in data["cli"]
    assert not any("password" in line for line in data["cli"])
    nxos = ios.resources_nxos(part)
    assert nxos["bgp_templates"]["neighbor"][0]["ttl_security"] == {"hops": 1}
    assert nxos["bgp_global"]["router_id"] == "10.200.20.254" and "  graceful-restart" in nxos["cli"]
    assert not any("password" in line for line in nxos["cli"])
    plain = ios.resources_ios(_part("neighbors-ebgp-password"))
    assert set(plain["bgp_global"]["bgp"]) == {"default"} and not any("ttl-security" in line for line in plain["cli"])
    assert not any("graceful" in line for line in ios.resources_nxos(_part("neighbors-ebgp-password"))["cli"])


def test_a_listen_range_has_no_members_and_no_ecmp():
    part = _part("listen-range")
    data = ios.resources_ios(part)
    assert data["bgp_global"]["bgp"]["listen"] == {"range": {"host_with_subnet": "10.200.20.0/24", "peer_group": "FLATNET"}}
    assert data["bgp_global"]["neighbors"] == [] and "maximum_paths" not in data["bgp_address_family"]["address_family"][0]
    nxos = ios.resources_nxos(part)
    assert nxos["bgp_global"]["neighbors"] == [{"neighbor_address": "10.200.20.0/24", "inherit": {"peer": "FLATNET"}}]
    assert nxos["bgp_address_family"]["address_family"] == []
    assert switch.render(part, "ios", removal=True).splitlines()[1] == " no bgp listen range 10.200.20.0/24 peer-group FLATNET"
    assert ios.removal_nxos(part).splitlines()[1] == "  no neighbor 10.200.20.0/24"


def test_a_four_byte_as_is_asplain():
    part = switch.model(plan_of({"as_number": 4200000001}), "switch1", options_of({}), None)
    part["peer_group"].update(remote_as=4200000002, remote_as_dot="64086.59906")
    data = ios.resources_ios(part)
    assert data["bgp_global"]["as_number"] == "4200000001" and data["bgp_address_family"]["as_number"] == "4200000001"
    assert data["cli"][1:4:2] == ["router bgp 4200000001", " neighbor FLATNET remote-as 4200000002"]
    assert ios.resources_nxos(part)["bgp_templates"]["neighbor"][0]["remote_as"] == "4200000002"
    assert switch.render(part, "ios", removal=True).startswith("router bgp 4200000001\n")


def test_an_ipv6_family_is_activated_with_its_own_list():
    part = with_ipv6(_part("neighbors-ebgp-password"))
    families = ios.resources_ios(part)["bgp_address_family"]["address_family"]
    assert [f["afi"] for f in families] == ["ipv4", "ipv6"]
    assert families[1]["neighbors"][0]["activate"] is True
    assert families[1]["neighbors"][0]["prefix_lists"] == [{"name": "FLATNET-IN6", "in": True}]
    assert ios.resources_ios(part)["prefix_lists"][1]["prefix_lists"][0]["entries"][0] == {
        "sequence": 10, "action": "permit", "prefix": "fd00:10:233::/56", "ge": 64, "le": 128}
    assert "no ipv6 prefix-list FLATNET-IN6" in ios.removal_nxos(part).splitlines()


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_cli_lines_are_flatnets_part(name):
    part = _part(name)
    assert switch.foreign_commands(part, ios.resources_ios(part)["cli"]) == []
    assert switch.foreign_commands(part, ios.outside_flatnet_contexts(part, ios.resources_nxos(part)["cli"])) == []


def test_the_gathered_defaults_are_carried_and_an_empty_device_takes_the_modules_own():
    data = ios.resources_ios(_part("neighbors-ebgp-password"))["bgp_global"]
    off = {"as_number": "65200", "bgp": {"default": {"ipv4_unicast": False, "route_target": {"filter": True}}}}
    assert ios.with_gathered_defaults_ios(data, off)["bgp"]["default"] == {"ipv4_unicast": False, "route_target": {"filter": True}}
    assert ios.with_gathered_defaults_ios(data, {})["bgp"]["default"] == ios.IOS_BGP_DEFAULTS
    assert data["bgp"]["default"] == ios.IOS_BGP_DEFAULTS  # the data given is left as it was


def test_the_removal_takes_members_then_group_then_policy():
    assert switch.render(_part("neighbors-ebgp-password"), "ios", removal=True) == (
        "router bgp 65200\n no neighbor 10.200.20.105\n no neighbor 10.200.20.106\n no neighbor FLATNET peer-group\nexit\n"
        "no route-map FLATNET-OUT\nno ip prefix-list FLATNET-IN\n")
    assert ios.removal_nxos(_part("neighbors-ebgp-password")) == (
        "router bgp 65200\n  no neighbor 10.200.20.105\n  no neighbor 10.200.20.106\n  no template peer FLATNET\nexit\n"
        "no route-map FLATNET-OUT\nno ip prefix-list FLATNET-IN\n")


def test_running_config_indents_contexts():
    commands = ["route-map FLATNET-OUT deny 10", "router bgp 65200", "template peer FLATNET", "remote-as 64513",
                "address-family ipv4 unicast", "route-map FLATNET-OUT out", "router bgp 65200", "address-family ipv4 unicast", "maximum-paths 8"]
    assert ios.running_config(commands, "nxos").splitlines() == [
        "route-map FLATNET-OUT deny 10", "router bgp 65200", "  template peer FLATNET", "    remote-as 64513",
        "    address-family ipv4 unicast", "      route-map FLATNET-OUT out", "router bgp 65200", "  address-family ipv4 unicast",
        "    maximum-paths 8"]
    assert ios.running_config(["router bgp 1", "neighbor X remote-as 2", "address-family ipv4 unicast", "neighbor X activate",
                               "exit-address-family"], "ios").splitlines() == [
        "router bgp 1", " neighbor X remote-as 2", " address-family ipv4 unicast", "  neighbor X activate", " exit-address-family"]


def test_a_password_that_starts_like_an_encryption_type_is_marked_as_clear_text():
    part = _part("neighbors-ebgp-password")
    part["peer_group"]["password"] = "7 words"
    assert " neighbor FLATNET password 0 7 words" in ios.resources_ios(part)["cli"]
    assert "    password 0 7 words" in ios.resources_nxos(part)["cli"]
    part["peer_group"]["password"] = "7words"
    assert " neighbor FLATNET password 7words" in ios.resources_ios(part)["cli"]


def test_nxos_lines_inside_flatnets_template_are_its_and_others_are_not():
    part = _part("neighbors-ebgp-password")
    commands = ["router bgp 65200", "template peer FLATNET", "remote-as 64513", "address-family ipv4 unicast", "maximum-prefix 208",
                "router bgp 65200", "neighbor 10.9.9.9", "remote-as 65001", "neighbor 10.200.20.105", "inherit peer FLATNET"]
    kept = ios.outside_flatnet_contexts(part, commands)
    assert switch.foreign_commands(part, kept) == ["neighbor 10.9.9.9", "remote-as 65001"]


def _ios_running(password_line):
    return "router bgp 65200\n neighbor FLATNET peer-group\n neighbor FLATNET remote-as 64513\n%s neighbor 10.9.9.9 remote-as 65001\n" % password_line


def test_a_password_the_device_holds_the_same_is_not_sent_again():
    part = _part("neighbors-ebgp-password")
    # Cisco's own example of type 7: "cisco".
    assert device._type7("0822455D0A16") == "cisco" and device._type7("7 not hex") is None
    # Type 7 of s3cret-pw, as IOS writes it with service password-encryption on.
    key = "".join("%02X" % (ord(char) ^ ord(device._TYPE7_KEY[(5 + index) % len(device._TYPE7_KEY)])) for index, char in enumerate("s3cret-pw"))
    for line, state in ((" neighbor FLATNET password s3cret-pw\n", "same"), (" neighbor FLATNET password 7 05%s\n" % key, "same"),
                        (" neighbor FLATNET password old-one\n", "differs"), (" neighbor FLATNET password 7 0822455D0A16\n", "differs"),
                        ("", "absent"), (" neighbor FLATNET password 6 QWERTY\n", "uncompared")):
        sent = switch.device_cli(part, "ios", _ios_running(line))
        assert sent["password"] == state, line
        assert (" neighbor FLATNET password s3cret-pw" in sent["cli"]) == (state in ("differs", "absent")), line
        assert [entry for entry in sent["cli"] if "password" not in entry] == [entry for entry in ios.resources_ios(part)["cli"] if "password" not in entry]
    assert " neighbor FLATNET password s3cret-pw" in switch.device_cli(part, "ios", _ios_running(" neighbor FLATNET password 6 QWERTY\n"), True)["cli"]
    # Another neighbor's password is not the group's.
    assert switch.device_cli(part, "ios", _ios_running(" neighbor 10.9.9.9 password s3cret-pw\n"))["password"] == "absent"
    assert switch.device_cli(_part("ibgp-instance-settings"), "ios", "")["password"] == "none"


def test_nxos_compares_the_templates_password_and_sends_graceful_restart_only_where_it_is_off():
    part = _part("ibgp-instance-settings")
    running = "router bgp 65200\n  template peer FLATNET\n    remote-as 65200\n  template peer OTHER\n    password 3 abc\n"
    assert "  graceful-restart" not in switch.device_cli(part, "nxos", running)["cli"]
    assert "  graceful-restart" in switch.device_cli(part, "nxos", "router bgp 65200\n  no graceful-restart\n")["cli"]
    part = _part("neighbors-ebgp-password")
    assert switch.device_cli(part, "nxos", running)["password"] == "absent"
    held = "router bgp 65200\n  template peer FLATNET\n    password 3 ae13b2c4d5\n    remote-as 64513\n"
    assert switch.device_cli(part, "nxos", held)["password"] == "uncompared"
    assert not any("password" in line for line in switch.device_cli(part, "nxos", held)["cli"])
    assert switch.device_cli(part, "nxos", held.replace("3 ae13b2c4d5", "s3cret-pw"))["password"] == "same"


def test_the_guard_reads_nxos_template_lines_as_flatnets():
    part = dict(_part("neighbors-ebgp-password"), platform="nxos")
    assert switch.foreign_commands(part, ["router bgp 65200", "template peer FLATNET", "maximum-prefix 208"]) == []
    assert switch.foreign_commands(dict(part, platform="ios"), ["router bgp 65200", "template peer FLATNET", "maximum-prefix 208"]) == ["maximum-prefix 208"]


def test_a_refused_line_is_shown_without_its_secret():
    part = _part("neighbors-ebgp-password")
    assert switch.foreign_commands(part, ["router bgp 65200", "neighbor 10.9.9.9 password other-secret", "snmp-server community s3cret-pw x"]) == [
        "neighbor 10.9.9.9 password ********", "snmp-server community ********"]


def test_eos_keeps_its_type_7_and_it_is_not_ciscos():
    part = _part("neighbors-ebgp-password")
    held = "router bgp 65200\n   neighbor FLATNET peer group\n   neighbor FLATNET password 7 0822455D0A16\n"
    sent = switch.device_cli(part, "eos", held)
    assert sent["password"] == "uncompared" and not any("password" in line for line in sent["cli"])
    assert any("password 0 s3cret-pw" in line for line in switch.device_cli(part, "eos", held, True)["cli"])
    assert switch.device_cli(part, "eos", "router bgp 65200\n")["password"] == "absent"


def test_iosxr_sends_the_password_only_where_the_group_has_none():
    part = _part("neighbors-ebgp-password")
    held = "router bgp 65200\n neighbor-group FLATNET\n  remote-as 64513\n  password encrypted 0822455D0A16\n !\n"
    sent = switch.device_cli(part, "iosxr", held)
    assert sent["password"] == "uncompared" and not any("password" in line or "neighbor-group" in line for line in sent["cli"])
    assert "  password clear s3cret-pw" in switch.device_cli(part, "iosxr", held, True)["cli"]
    assert switch.device_cli(part, "iosxr", "router bgp 65200\n neighbor-group OTHER\n  password clear x\n")["password"] == "absent"
    assert switch.device_cli(part, "iosxr", held.replace("encrypted 0822455D0A16", "clear s3cret-pw"))["password"] == "same"
