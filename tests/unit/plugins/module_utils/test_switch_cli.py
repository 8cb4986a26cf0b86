# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The switch model as Huawei VRP and H3C Comware 7 commands: golden files, and each rule asserted on the text.

The rule tests read the rendered text with their own regular expressions, not the renderer's, so a renderer that
writes a rule wrongly fails here even where its own allowlist would let the line through.
"""

from __future__ import annotations

import copy
import os
import re
import sys
from typing import Any, Dict, List

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from switch_cases import CASES, options_of, plan_of  # noqa: E402  pylint: disable=wrong-import-position,import-error

from ansible_collections.flatnet.kube.plugins.module_utils import _switch as switch  # noqa: E402
from ansible_collections.flatnet.kube.plugins.module_utils import _switch_cli as cli  # noqa: E402
from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError  # noqa: E402

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "switch")
PLATFORMS = ("vrp", "comware")
RENDER = {"vrp": cli.render_vrp, "comware": cli.render_comware}
REMOVAL = {"vrp": cli.removal_vrp, "comware": cli.removal_comware}
# The cases each platform renders: VRP takes no listen range.
RENDERED_CASES = [(name, platform) for name in sorted(CASES) for platform in PLATFORMS if not (platform == "vrp" and name == "listen-range")]
PREFIX_LIST = {"vrp": {4: r"ip ip-prefix", 6: r"ip ipv6-prefix"}, "comware": {4: r"ip prefix-list", 6: r"ipv6 prefix-list"}}
FAMILY = {"vrp": {4: " ipv4-family unicast", 6: " ipv6-family unicast"}, "comware": {4: " address-family ipv4 unicast", 6: " address-family ipv6 unicast"}}
BALANCE = {"vrp": "maximum load-balancing", "comware": "balance"}

# Every line flatnet may write on these platforms, in the test's own words (names are the plan's).
ALLOWED = [re.compile(form) for form in (
    r"(ip ip-prefix|ip ipv6-prefix|ip prefix-list|ipv6 prefix-list) FLATNET-IN6? index \d+ permit \S+ \d+( greater-equal \d+)? less-equal \d+",
    r"route-policy FLATNET-OUT deny node 10",
    r"quit",
    r"bgp \d+(\.\d+)?",
    r" router-id 10\.200\.20\.254",
    r" graceful-restart",
    r" group FLATNET (external|internal)",
    r" peer FLATNET as-number \d+(\.\d+)?",
    r" peer FLATNET description [^?]+",
    r" peer FLATNET password (cipher|simple) s3cret-pw",
    r" peer FLATNET (valid-ttl-hops|ttl-security hops) 1",
    r" peer 10\.200\.20\.\d+( 24)? group FLATNET",
    r" (ipv4-family|ipv6-family) unicast| address-family (ipv4|ipv6) unicast",
    r"  (maximum load-balancing|balance) (ebgp|ibgp) \d+",
    r"  peer FLATNET enable",
    r"  peer FLATNET (ip-prefix|ipv6-prefix|prefix-list) FLATNET-IN6? import",
    r"  peer FLATNET route-policy FLATNET-OUT export",
    r"  peer FLATNET route-limit \d+",
    r" quit",
)]


def _part(name: str, **switch_edit: Any) -> Dict[str, Any]:
    edit, options, password = CASES[name]
    return switch.model(plan_of(dict(edit, **switch_edit)), "switch1", options_of(options), password)


def _rendered(name: str, platform: str) -> str:
    return RENDER[platform](_part(name))


def _accepted(text: str, platform: str, family: int = 4) -> Dict[str, List[int]]:
    """prefix -> [ge, le] of every permit of the inbound lists (a missing greater-equal is the prefix's length)."""
    found = {}
    for line in text.splitlines():
        entry = re.fullmatch(r"%s FLATNET-IN6? index \d+ permit (\S+) (\d+)( greater-equal (\d+))? less-equal (\d+)" % PREFIX_LIST[platform][family], line)
        if entry:
            found["%s/%s" % (entry.group(1), entry.group(2))] = [int(entry.group(4) or entry.group(2)), int(entry.group(5))]
    return found


def _family_block(text: str, platform: str, family: int) -> List[str]:
    """The lines of one address family's view, up to its quit."""
    lines = text.splitlines()
    start = lines.index(FAMILY[platform][family])
    return lines[start + 1:lines.index(" quit", start)]


def _dual_stack(intent: Dict[str, Any]) -> None:
    intent["flatnet_cluster"]["pools"].append({"name": "pods-v6", "cidr": "fd00:10:233::/56", "block_size": 122})


def _with_ipv6_family(part: Dict[str, Any]) -> Dict[str, Any]:
    """The part with an IPv6 family added by hand, as the plan of a dual-stack cluster gives it."""
    dual = copy.deepcopy(part)
    dual["families"].append({"family": 6, "afi": "ipv6", "maximum_prefix": 300, "prefix_list": {"name": "FLATNET-IN6", "entries": [
        {"seq": 10, "action": "permit", "prefix": "fd00:10:233::/56", "prefixlen": 56, "ge": 56, "le": 128},
        {"seq": 20, "action": "permit", "prefix": "fd00:10:96::/108", "prefixlen": 108, "ge": 112, "le": 128}]}})
    return dual


@pytest.mark.parametrize("name,platform", RENDERED_CASES)
def test_the_part_renders_as_its_golden_file(name, platform):
    with open(os.path.join(GOLDEN, "%s.%s.conf" % (name, platform)), encoding="utf-8") as handle:
        assert _rendered(name, platform) == handle.read()


@pytest.mark.parametrize("name,platform", RENDERED_CASES)
def test_every_line_is_one_of_flatnets_forms(name, platform):
    text = _rendered(name, platform)
    assert [line for line in text.splitlines() if not any(form.fullmatch(line) for form in ALLOWED)] == []
    # The renderer's own allowlist, which switch_bgp applies before sending, agrees.
    assert cli.foreign_lines(_part(name), text, platform) == []
    assert cli.rendered(_part(name), platform) == text


@pytest.mark.parametrize("platform", PLATFORMS)
def test_only_the_cluster_ranges_are_accepted_down_to_host_routes(platform):
    plan = plan_of({})
    text = _rendered("neighbors-ebgp-password", platform)
    assert _accepted(text, platform) == {cidr: [18, 32] for cidr in plan["cluster"]["pod_cidrs"] + plan["cluster"]["service_cluster_ips"]}
    assert "permit 0.0.0.0 0" not in text
    # The list is bound inbound, to the group.
    keyword = "ip-prefix" if platform == "vrp" else "prefix-list"
    assert "  peer FLATNET %s FLATNET-IN import" % keyword in _family_block(text, platform, 4)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_longer_greater_equal_is_written(platform):
    text = RENDER[platform](_with_ipv6_family(_part("neighbors-ebgp-password")))
    assert _accepted(text, platform, 6) == {"fd00:10:233::/56": [56, 128], "fd00:10:96::/108": [112, 128]}
    assert "%s FLATNET-IN6 index 20 permit fd00:10:96:: 108 greater-equal 112 less-equal 128" % PREFIX_LIST[platform][6] in text.splitlines()


@pytest.mark.parametrize("platform", PLATFORMS)
def test_nothing_is_announced_to_the_cluster(platform):
    text = _rendered("neighbors-ebgp-password", platform)
    lines = text.splitlines()
    # A deny node with no if-match clause matches every route; it is the policy's only node, bound outbound.
    assert [line for line in lines if line.startswith("route-policy ")] == ["route-policy FLATNET-OUT deny node 10"]
    assert lines[lines.index("route-policy FLATNET-OUT deny node 10") + 1] == "quit"
    assert "  peer FLATNET route-policy FLATNET-OUT export" in _family_block(text, platform, 4)
    assert "permit node" not in text and "if-match" not in text and "apply " not in text


@pytest.mark.parametrize("platform", PLATFORMS)
def test_maximum_prefix_is_the_plans_per_family(platform):
    plan = plan_of({})
    part = switch.model(plan, "switch1", options_of({"maximum_prefix": plan["fabric"]["max_prefix"]}))
    text = RENDER[platform](part)
    assert "  peer FLATNET route-limit %d" % plan["fabric"]["max_prefix"] in _family_block(text, platform, 4)
    dual = RENDER[platform](_with_ipv6_family(part))
    assert "  peer FLATNET route-limit 300" in _family_block(dual, platform, 6)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_ecmp_spans_the_peering_nodes_for_the_groups_session_type_only(platform):
    ebgp = _family_block(_rendered("neighbors-ebgp-password", platform), platform, 4)
    assert [line for line in ebgp if BALANCE[platform] in line] == ["  %s ebgp 8" % BALANCE[platform]]
    ibgp = _family_block(_rendered("ibgp-instance-settings", platform), platform, 4)
    assert [line for line in ibgp if BALANCE[platform] in line] == ["  %s ibgp 4" % BALANCE[platform]]
    # No maximum_paths: the switch's own ECMP stays.
    part = switch.model(plan_of({}), "switch1", options_of({"maximum_paths": None}))
    assert BALANCE[platform] not in RENDER[platform](part)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_members_are_the_peering_nodes(platform):
    lines = _rendered("neighbors-ebgp-password", platform).splitlines()
    assert [line for line in lines if line.endswith(" group FLATNET")] == [" peer 10.200.20.105 group FLATNET", " peer 10.200.20.106 group FLATNET"]


def test_comware_takes_the_listen_range_as_a_dynamic_peer_subnet_and_vrp_refuses_it():
    lines = _rendered("listen-range", "comware").splitlines()
    assert [line for line in lines if line.endswith(" group FLATNET")] == [" peer 10.200.20.0 24 group FLATNET"]
    assert "  peer FLATNET enable" in _family_block("\n".join(lines), "comware", 4)
    with pytest.raises(FlatnetError, match="vrp cannot take a listen range"):
        cli.render_vrp(_part("listen-range"))
    assert set(cli.CANNOT_VRP) == {"listen_range"} and cli.CANNOT_COMWARE == {}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_ebgp_peers_the_clusters_as_and_ibgp_its_own(platform):
    ebgp = _rendered("neighbors-ebgp-password", platform).splitlines()
    assert "bgp 65200" in ebgp and " group FLATNET external" in ebgp and " peer FLATNET as-number 64513" in ebgp
    ibgp = _rendered("ibgp-instance-settings", platform).splitlines()
    assert "bgp 64513" in ibgp and " group FLATNET internal" in ibgp
    assert not any("as-number" in line for line in ibgp)


def test_a_four_byte_as_is_asdot_on_vrp_and_asplain_on_comware():
    part = _part("neighbors-ebgp-password", as_number=4200000001)
    assert part["as_dot"] == "64086.59905"
    assert "bgp 64086.59905" in cli.render_vrp(part).splitlines()
    assert "bgp 4200000001" in cli.render_comware(part).splitlines()
    assert "bgp 64086.59905" in cli.removal_vrp(part).splitlines() and "bgp 4200000001" in cli.removal_comware(part).splitlines()
    # The allowlist takes the switch's own AS in the platform's form, and no other.
    assert cli.rendered(part, "vrp") == cli.render_vrp(part) and cli.rendered(part, "comware") == cli.render_comware(part)
    assert cli.foreign_lines(part, "bgp 4200000001\n", "vrp") == ["bgp 4200000001"]
    # A 4-byte cluster AS seen from a 2-byte switch: the group's peer AS in the same forms.
    cluster = copy.deepcopy(_part("neighbors-ebgp-password"))
    cluster["peer_group"].update(remote_as=4200000002, remote_as_dot="64086.59906")
    assert " peer FLATNET as-number 64086.59906" in cli.render_vrp(cluster).splitlines()
    assert " peer FLATNET as-number 4200000002" in cli.render_comware(cluster).splitlines()


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_password_only_where_set(platform):
    keyword = {"vrp": "cipher", "comware": "simple"}[platform]
    assert " peer FLATNET password %s s3cret-pw" % keyword in _rendered("neighbors-ebgp-password", platform).splitlines()
    ibgp = _rendered("ibgp-instance-settings", platform)
    assert "password" not in ibgp and "s3cret-pw" not in ibgp


@pytest.mark.parametrize("platform", PLATFORMS)
def test_instance_settings_and_ttl_security_only_when_asked(platform):
    plain = _rendered("neighbors-ebgp-password", platform)
    assert "router-id" not in plain and "graceful-restart" not in plain and "ttl" not in plain
    ibgp = _rendered("ibgp-instance-settings", platform).splitlines()
    ttl = {"vrp": " peer FLATNET valid-ttl-hops 1", "comware": " peer FLATNET ttl-security hops 1"}[platform]
    assert " router-id 10.200.20.254" in ibgp and " graceful-restart" in ibgp and ttl in ibgp
    # The instance settings sit in the BGP view, before the group.
    assert ibgp.index(" router-id 10.200.20.254") < ibgp.index(" group FLATNET internal")


@pytest.mark.parametrize("platform", PLATFORMS)
def test_an_ipv6_pool_gets_its_own_list_and_address_family(platform):
    text = RENDER[platform](switch.model(plan_of({}, _dual_stack), "switch1", options_of({}), None))
    assert _accepted(text, platform, 6) == {"fd00:10:233::/56": [56, 128]}
    assert all(":" not in prefix for prefix in _accepted(text, platform, 4))
    keyword = "ipv6-prefix" if platform == "vrp" else "prefix-list"
    assert _family_block(text, platform, 6) == ["  %s ebgp 8" % BALANCE[platform], "  peer FLATNET enable",
                                                "  peer FLATNET %s FLATNET-IN6 import" % keyword,
                                                "  peer FLATNET route-policy FLATNET-OUT export", "  peer FLATNET route-limit 208"]
    assert [line for line in text.splitlines() if not any(form.fullmatch(line) for form in ALLOWED)] == []


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_view_entered_is_left(platform):
    for name, rendered_platform in RENDERED_CASES:
        if rendered_platform != platform:
            continue
        depth = 0
        for line in _rendered(name, platform).splitlines():
            indent = len(line) - len(line.lstrip(" "))
            if line.strip() == "quit":
                assert indent == depth - 1
                depth -= 1
            else:
                assert indent == depth
                if re.fullmatch(r"(route-policy|bgp) .*| (ipv4-family|ipv6-family|address-family) .*", line):
                    depth += 1
        assert depth == 0


def test_the_removal_takes_out_the_members_the_group_and_its_lists_only():
    part = _part("neighbors-ebgp-password")
    assert cli.removal_vrp(part).splitlines() == ["bgp 65200", " undo peer 10.200.20.105", " undo peer 10.200.20.106", " undo group FLATNET",
                                                  "quit", "undo route-policy FLATNET-OUT", "undo ip ip-prefix FLATNET-IN"]
    assert cli.removal_comware(part).splitlines() == ["bgp 65200", " undo peer 10.200.20.105", " undo peer 10.200.20.106", " undo group FLATNET",
                                                      "quit", "undo route-policy FLATNET-OUT", "undo ip prefix-list FLATNET-IN"]
    listen = cli.removal_comware(_part("listen-range"))
    assert cli.rendered(_part("listen-range"), "comware", removal=True) == listen
    assert listen.splitlines()[:3] == ["bgp 65200", " undo peer 10.200.20.0 24", " undo group FLATNET"]
    dual = _with_ipv6_family(part)
    assert cli.removal_vrp(dual).splitlines()[-1] == "undo ip ipv6-prefix FLATNET-IN6"
    assert cli.removal_comware(dual).splitlines()[-1] == "undo ipv6 prefix-list FLATNET-IN6"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_removal_keeps_the_instance_settings_and_holds_no_secret(platform):
    text = REMOVAL[platform](_part("ibgp-instance-settings"))
    assert all(line.startswith(("bgp ", " undo ", "undo ")) or line == "quit" for line in text.splitlines())
    assert "router-id" not in text and "graceful-restart" not in text and "balance" not in text
    assert "s3cret-pw" not in REMOVAL[platform](_part("neighbors-ebgp-password"))
    assert cli.foreign_lines(_part("ibgp-instance-settings"), text, platform) == []


@pytest.mark.parametrize("platform", PLATFORMS)
def test_a_foreign_line_is_found_and_refused(platform):
    part = _part("neighbors-ebgp-password")
    text = RENDER[platform](part)
    assert cli.foreign_lines(part, text + " peer 10.1.1.1 route-limit 5\nundo ip prefix-list OTHER\n", platform) == [
        " peer 10.1.1.1 route-limit 5", "undo ip prefix-list OTHER"]
    assert cli.foreign_lines(part, text + "  maximum load-balancing 8\n", platform) == ["  maximum load-balancing 8"]
    # Another neighbor, another AS's view, an instance setting the model did not ask for: none is flatnet's.
    others = ["undo peer 192.0.2.1", " peer 192.0.2.1 group FLATNET", "bgp 65001", " graceful-restart", " router-id 192.0.2.9",
              "  %s ebgp 4" % BALANCE[platform], "  %s ibgp 8" % BALANCE[platform]]
    assert cli.foreign_lines(part, "\n".join(others), platform) == others
    asked = _part("ibgp-instance-settings")
    assert cli.foreign_lines(asked, " graceful-restart\n router-id 10.200.20.254\n  %s ibgp 4\n" % BALANCE[platform], platform) == []
    with pytest.raises(FlatnetError, match="not a CLI platform"):
        cli.rendered(part, "frr")


@pytest.mark.parametrize("platform,field,value,message", [
    ("vrp", "description", "nodes? maybe", "description cannot hold '\\?' on vrp"),
    ("comware", "description", "x" * 80, "80 characters long; comware takes at most 79"),
    ("comware", "password", "pass?word", "password cannot hold '\\?' on comware: its CLI reads"),
])
def test_a_value_the_cli_cannot_take_is_refused(platform, field, value, message):
    part = copy.deepcopy(_part("neighbors-ebgp-password"))
    part["peer_group"][field] = value
    with pytest.raises(FlatnetError, match=message) as raised:
        RENDER[platform](part)
    if field == "password":
        assert value not in str(raised.value)


def test_every_golden_file_of_these_platforms_is_a_case():
    golden = sorted(name for name in os.listdir(GOLDEN) if name.endswith((".vrp.conf", ".comware.conf")))
    assert golden == sorted("%s.%s.conf" % case for case in RENDERED_CASES)


@pytest.mark.parametrize("name,platform", RENDERED_CASES)
def test_the_displayed_form_is_the_same_lines_without_quit(name, platform):
    text = _rendered(name, platform)
    displayed = cli.as_displayed(text)
    assert displayed.splitlines() == [line for line in text.splitlines() if line.strip() != "quit"]
    assert "quit" not in displayed and displayed.endswith("\n")
    # Each line's view is still the one its indentation gives: the family's lines under the family, under bgp.
    lines = displayed.splitlines()
    family = lines.index(FAMILY[platform][4])
    assert lines[family + 1].startswith("  peer FLATNET") or lines[family + 1].startswith("  %s" % BALANCE[platform])
    assert [line for line in lines[:family] if not line.startswith(" ")][-1].startswith("bgp ")
