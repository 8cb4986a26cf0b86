# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The switch model and its FRR renderer: the rules every platform must express, asserted on the rendered text.

The golden files are what the role's Jinja template rendered for the same
cases before the renderer moved to Python, so FRR's part is unchanged.
"""

from __future__ import annotations

import ipaddress
import os
import re
import sys
from typing import Dict, List

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from switch_cases import CASES, options_of, plan_of  # noqa: E402  pylint: disable=wrong-import-position,import-error

from ansible_collections.flatnet.kube.plugins.module_utils import _frr as frr  # noqa: E402
from ansible_collections.flatnet.kube.plugins.module_utils import _switch as switch  # noqa: E402
from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError  # noqa: E402

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "switch")


def _rendered(name: str) -> str:
    edit, options, password = CASES[name]
    return switch.render_frr(switch.model(plan_of(edit), "switch1", options_of(options), password))


def _accepted(text: str, keyword: str = "ip") -> Dict[str, List[int]]:
    """prefix -> [ge, le] of every permit of the inbound list (FRR's implied ge is the prefix length)."""
    found = {}
    for line in text.splitlines():
        entry = re.fullmatch(r"%s prefix-list FLATNET-IN6? seq \d+ permit (\S+)( ge (\d+))? le (\d+)" % keyword, line)
        if entry:
            prefix = entry.group(1)
            found[prefix] = [int(entry.group(3) or prefix.split("/")[1]), int(entry.group(4))]
    return found


@pytest.mark.parametrize("name", sorted(CASES))
def test_frr_renders_what_the_template_rendered(name):
    with open(os.path.join(GOLDEN, name + ".frr.conf"), encoding="utf-8") as handle:
        assert _rendered(name) == handle.read()


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_rendered_line_is_a_form_flatnet_owns(name):
    # Nothing outside flatnet's part: the composer's own check of the forms it owns accepts every line.
    text = _rendered(name)
    assert frr.compose("frr defaults traditional\n!\nrouter bgp %s\nexit\n" % text.split("router bgp ")[1].split()[0], text)


def test_only_the_cluster_ranges_are_accepted_down_to_host_routes():
    text = _rendered("neighbors-ebgp-password")
    plan = plan_of({})
    assert _accepted(text) == {cidr: [18, 32] for cidr in plan["cluster"]["pod_cidrs"] + plan["cluster"]["service_cluster_ips"]}
    # The list is bound inbound, and the outbound route map denies everything.
    assert "  neighbor FLATNET prefix-list FLATNET-IN in" in text.splitlines()
    assert re.search(r"^route-map FLATNET-OUT deny 10\nexit$", text, re.M) and "  neighbor FLATNET route-map FLATNET-OUT out" in text
    assert "permit 0.0.0.0/0" not in text and "route-map FLATNET-OUT permit" not in text


def test_maximum_prefix_is_the_plans_and_ecmp_spans_the_peering_nodes():
    plan = plan_of({})
    text = switch.render_frr(switch.model(plan, "switch1", options_of({"maximum_prefix": plan["fabric"]["max_prefix"]})))
    # By default a tripped session comes back by itself after 5 minutes (the plan's action for FRR).
    assert "  neighbor FLATNET maximum-prefix %d restart 5" % plan["fabric"]["max_prefix"] in text.splitlines()
    assert "  maximum-paths 8" in text.splitlines()
    assert [line for line in text.splitlines() if line.endswith("peer-group FLATNET")] == [
        " neighbor 10.200.20.105 peer-group FLATNET", " neighbor 10.200.20.106 peer-group FLATNET"]


def test_ebgp_peers_the_clusters_as_and_ibgp_its_own():
    assert " neighbor FLATNET remote-as 64513" in _rendered("neighbors-ebgp-password").splitlines()
    ibgp = _rendered("ibgp-instance-settings").splitlines()
    assert "router bgp 64513" in ibgp and " neighbor FLATNET remote-as internal" in ibgp and "  maximum-paths ibgp 4" in ibgp


def test_the_password_only_where_set_and_instance_settings_only_when_asked():
    assert " neighbor FLATNET password s3cret-pw" in _rendered("neighbors-ebgp-password").splitlines()
    plain = _rendered("neighbors-ebgp-password")
    assert "bgp router-id" not in plain and "graceful-restart" not in plain and "ttl-security" not in plain
    ibgp = _rendered("ibgp-instance-settings")
    assert "password" not in ibgp
    assert " bgp router-id 10.200.20.254" in ibgp and " bgp graceful-restart" in ibgp and " neighbor FLATNET ttl-security hops 1" in ibgp
    assert "maximum-paths" not in _rendered("listen-range")


def test_a_four_byte_as_is_written_asplain_for_frr():
    plan = plan_of({"as_number": "1.10"})
    text = switch.render_frr(switch.model(plan, "switch1", options_of({}), None))
    assert "router bgp 65546" in text.splitlines()
    assert switch.model(plan, "switch1", options_of({}))["as_dot"] == "1.10"


def test_an_ipv6_pool_gets_its_own_list_and_address_family():
    def dual_stack(intent):
        intent["flatnet_cluster"]["pools"].append({"name": "pods-v6", "cidr": "fd00:10:233::/56", "block_size": 122})

    text = switch.render_frr(switch.model(plan_of({}, dual_stack), "switch1", options_of({}), None))
    assert _accepted(text, "ipv6") == {"fd00:10:233::/56": [56, 128]}
    lines = text.splitlines()
    family = lines[lines.index(" address-family ipv6 unicast"):]
    assert family[:5] == [" address-family ipv6 unicast", "  neighbor FLATNET activate", "  neighbor FLATNET prefix-list FLATNET-IN6 in",
                          "  neighbor FLATNET route-map FLATNET-OUT out", "  neighbor FLATNET maximum-prefix 208 restart 5"]
    assert all(ipaddress.ip_network(prefix).version == 4 for prefix in _accepted(text))


def test_the_plan_gives_names_and_sequence_numbers():
    plan = plan_of({})
    (ipv4,) = plan["fabric"]["prefix_lists"]
    assert ipv4["prefix_list"]["name"] == "FLATNET-IN" and [entry["seq"] for entry in ipv4["prefix_list"]["entries"]] == [10, 20]
    assert plan["fabric"]["route_map_out"] == {"name": "FLATNET-OUT", "action": "deny", "seq": 10}


def test_a_switch_not_in_the_plan_and_a_platform_without_renderer_are_refused():
    with pytest.raises(FlatnetError, match="'leaf9' is not a switch of the plan"):
        switch.model(plan_of({}), "leaf9", options_of({}))
    with pytest.raises(FlatnetError, match="no renderer for the switch platform 'os9'"):
        switch.render(switch.model(plan_of({}), "switch1", options_of({})), "os9")


def test_the_removal_takes_out_the_members_the_group_and_its_lists_only():
    text = switch.render(switch.model(plan_of({}), "switch1", options_of({}), "s3cret-pw"), "frr", removal=True)
    assert text.splitlines() == ["router bgp 65200", " no neighbor 10.200.20.105", " no neighbor 10.200.20.106", " no neighbor FLATNET peer-group",
                                 "exit", "no route-map FLATNET-OUT", "no ip prefix-list FLATNET-IN"]
    listen = switch.render(switch.model(plan_of({}), "switch1", options_of(CASES["listen-range"][1])), "frr", removal=True)
    assert " no bgp listen range 10.200.20.0/24 peer-group FLATNET" in listen.splitlines()


def test_the_header_says_what_the_file_is_and_where_it_came_from():
    part = switch.model(plan_of({}), "switch1", options_of({}), "s3cret-pw")
    change, removal = switch.render(part, "frr", with_header=True), switch.render(part, "frr", removal=True, with_header=True)
    head = [line for line in change.splitlines() if line.startswith("! ")]
    assert head == ["! flatnet.kube: flatnet's part for switch1 (frr, AS 65200)", "! peer group FLATNET: ebgp, remote AS 64513",
                    "! peers: 10.200.20.105, 10.200.20.106",
                    "! ipv4 accepted (each to its host routes): 10.233.0.0/18, 10.233.64.0/18; maximum-prefix 208",
                    "! announced to the cluster: nothing (FLATNET-OUT)", "! this file holds the session's password: keep it private"]
    assert change.endswith(switch.render_frr(part)) and "s3cret-pw" not in removal
    assert removal.startswith("! flatnet.kube: the removal of flatnet's part for switch1 (frr, AS 65200)\n")


def test_a_command_outside_flatnets_part_is_foreign():
    part = switch.model(plan_of({}), "switch1", options_of({"maximum_paths": 8}), "s3cret-pw")
    ours = ["router bgp 65200", " neighbor FLATNET peer-group", " neighbor 10.200.20.105 peer-group FLATNET", " address-family ipv4 unicast",
            "  neighbor FLATNET prefix-list FLATNET-IN in", "  maximum-paths 8", " exit-address-family", "ip prefix-list FLATNET-IN seq 10 "
            "permit 10.233.0.0/18 le 32", "set protocols bgp neighbor 10.200.20.106 peer-group 'FLATNET'", "!"]
    theirs = ["no bgp default ipv4-unicast", "no bgp default route-target filter", "router bgp 65100", "  maximum-paths 4",
              "bgp router-id 10.0.0.1", "bgp graceful-restart", "neighbor 10.0.0.9 route-map FLATNET-OTHER in", "bgp log-neighbor-changes"]
    assert switch.foreign_commands(part, ours + theirs) == [line.strip() for line in theirs]
    asked = switch.model(plan_of({}), "switch1", options_of({"router_id": "10.0.0.1", "graceful_restart": True}), None)
    assert switch.foreign_commands(asked, ["bgp router-id 10.0.0.1", "bgp graceful-restart", "bgp router-id 10.0.0.2"]) == ["bgp router-id 10.0.0.2"]
    listen = switch.model(plan_of({}), "switch1", options_of({"neighbor_mode": "listen_range", "listen_range": "10.200.20.0/24"}), "pw")
    assert switch.foreign_commands(listen, ["bgp listen range 10.200.20.0/24 peer-group FLATNET", "bgp listen limit 100"]) == ["bgp listen limit 100"]


@pytest.mark.parametrize("action, restart, line", [
    ("restart", 12, "  neighbor FLATNET maximum-prefix 208 restart 12"),
    ("warning_only", 12, "  neighbor FLATNET maximum-prefix 208 warning-only"),
    ("teardown", 12, "  neighbor FLATNET maximum-prefix 208"),
])
def test_a_session_over_its_limit_restarts_warns_or_stays_down_as_asked(action, restart, line):
    part = switch.model(plan_of({}), "switch1", options_of({"maximum_prefix_action": action, "maximum_prefix_restart": restart}))
    text = switch.render_frr(part)
    assert [entry for entry in text.splitlines() if "maximum-prefix" in entry] == [line]
    assert part["maximum_prefix_restart"] == (restart if action == "restart" else None)
    # Every form is one flatnet owns on a shared switch.
    assert frr.compose("frr defaults traditional\n!\nrouter bgp 65200\nexit\n", text)


def test_the_default_action_is_the_plans_for_the_platform():
    plan = plan_of({})
    assert [entry["max_prefix_action"] for entry in plan["fabric"]["switches"]] == ["restart"]
    assert switch.default_max_prefix_action("frr") == switch.default_max_prefix_action("sonic") == "restart"
    for platform in ("ios", "nxos", "iosxr", "eos", "junos", "vyos", "vrp", "comware"):
        assert switch.default_max_prefix_action(platform) == "teardown", platform
        cannot = switch.platform_facts(platform)["cannot"]
        assert "max_prefix_restart" in cannot and "max_prefix_warning_only" in cannot and "max_prefix_teardown" not in cannot
    assert not {"max_prefix_restart", "max_prefix_warning_only", "max_prefix_teardown"} & set(switch.platform_facts("frr")["cannot"])
