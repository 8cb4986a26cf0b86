# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the flatnet intent in module_utils._intent: its rules, its plan and its three schema copies."""

from __future__ import annotations

import copy
import json
import pathlib
import re
from typing import Any, Dict, List

import pytest
import yaml

from ansible_collections.flatnet.kube.plugins.module_utils._intent import (
    INTENT_SPEC,
    IntentError,
    build_plan,
    check_intent,
    check_variables,
    module_argument_spec,
    plan_intent,
)
from ansible_collections.flatnet.kube.plugins.modules import intent_plan
from intent_helpers import EXAMPLE_INTENT, example_with_defaults, with_defaults  # pylint: disable=import-error

ROOT = pathlib.Path(__file__).resolve().parents[4]
ROLE_ARGUMENT_SPECS = ROOT / "roles" / "preflight" / "meta" / "argument_specs.yml"
ROLE_TASKS = ROOT / "roles" / "preflight" / "tasks" / "main.yml"

SEED_SELECTOR = "node-role.kubernetes.io/ingress == 'ingress'"
SEED_ZONES = [f"{octet}.233.10.in-addr.arpa" for octet in range(128)]
SECRET = "Md5-S3cret-never-shown"
ASN_FIX = "Use a number from 1 to 4294967295 in asplain (64513) or asdot (1.10) notation."
RESERVED_FIX = "use a private range such as 10.233.64.0/18"
OUTSIDE_FIX = "it must be an address of the node or office network, outside every pod and Service range."
DOMAIN_FIX = "use lower-case DNS labels of letters, digits and '-'"
SELECTOR_FIX = "write label == 'value', has(label), all(), combined with && || ! and parentheses"
EMPTY_SELECTOR_FIX = "use all() to select every node"

POOL = "flatnet_cluster.pools[0]"
SWITCH = "flatnet_fabric.switches[0]"
GATEWAY = "flatnet_office.gateways[0]"
CLUSTER_RANGES = ["flatnet_cluster.pools[0].cidr", "flatnet_cluster.service_cluster_ips[0]", "flatnet_office.networks[0]"]


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------


def set_path(intent: Dict[str, Any], path: str, value: Any) -> None:
    """Set the value at a message path such as 'flatnet_cluster.pools[0].cidr'; an index one past the end appends."""
    steps: List[Any] = [int(step[1:-1]) if step.startswith("[") else step for step in re.findall(r"[^.\[\]]+|\[\d+\]", path)]
    node: Any = intent
    for step in steps[:-1]:
        node = node[step]
    last = steps[-1]
    if isinstance(last, int) and last == len(node):
        node.append(value)
    else:
        node[last] = value


def problems_of(intent: Dict[str, Any]) -> List[str]:
    """check_intent on the intent with the schema defaults filled in, as the module passes it."""
    return check_intent(with_defaults(INTENT_SPEC, intent))


def only_problem(intent: Dict[str, Any]) -> str:
    """Return the single problem of the intent."""
    problems = problems_of(intent)
    assert len(problems) == 1, problems
    return problems[0]


def plan_of(intent: Dict[str, Any]) -> Dict[str, Any]:
    """Check the intent (it must have no problem) and return its plan."""
    filled = with_defaults(INTENT_SPEC, intent)
    problems = check_intent(filled)
    assert not problems, problems
    return build_plan(filled)


def assert_problem(message: str, path: str, quoted: str, fix: str) -> None:
    """A problem names the variable path first, quotes the bad value and says how to fix it."""
    assert message.startswith(path), message
    assert quoted in message, message
    assert fix in message, message


@pytest.fixture(name="seed")
def fixture_seed() -> Dict[str, Any]:
    """The example inventory's intent with the schema defaults applied; a fresh copy per test."""
    return example_with_defaults()


def test_helpers_fill_defaults_and_set_paths(seed):
    assert seed["flatnet_cluster"]["pools"][0]["disabled"] is False
    assert seed["flatnet_cluster"]["api"]["kubeconfig"] is None
    assert seed["flatnet_cluster"]["service_external_ips"] == []
    assert seed["flatnet_fabric"]["switches"][0]["session_type"] == "ebgp"
    assert seed["flatnet_office"]["gateways"][0]["platform"] == "linux"
    set_path(seed, "flatnet_office.networks[1]", "192.168.11.0/24")
    set_path(seed, "flatnet_cluster.pools[0].cidr", "10.233.128.0/18")
    assert seed["flatnet_office"]["networks"] == ["192.168.10.0/24", "192.168.11.0/24"]
    assert seed["flatnet_cluster"]["pools"][0]["cidr"] == "10.233.128.0/18"


# --------------------------------------------------------------------------
# The seed intent and its exact plan
# --------------------------------------------------------------------------


def test_seed_has_no_problem(seed):
    assert not check_intent(seed)


def test_seed_raw_yaml_has_no_problem():
    with EXAMPLE_INTENT.open(encoding="utf-8") as stream:
        assert not check_intent(yaml.safe_load(stream))


def test_seed_plan_is_exact(seed):
    plan = plan_intent(seed, ["flatnet_cluster", "flatnet_fabric", "flatnet_office"])
    routes = ["10.233.0.0/17"]
    assert plan == {
        "cluster": {
            "name": "dev",
            "as_number": 64513,
            "as_dot": "64513",
            "as_private": True,
            "node_to_node_mesh": True,
            "pools": [{
                "name": "default-pool", "cidr": "10.233.64.0/18", "family": 4, "block_size": 24, "blocks": 64, "addresses_per_block": 256,
                "ipip_mode": "Never", "vxlan_mode": "Never", "nat_outgoing": True, "node_selector": "all()", "disabled": False,
            }],
            "pod_cidrs": ["10.233.64.0/18"],
            "service_cluster_ips": ["10.233.0.0/18"],
            "service_external_ips": [],
            "service_loadbalancer_ips": [],
            "domain": "cluster.local",
            "dns_service_ip": None,
            "peer_selector": SEED_SELECTOR,
            "owner_labels": {"app.kubernetes.io/managed-by": "flatnet.kube", "flatnet.kube/cluster": "dev"},
            # Nothing was discovered: preflight ran without a cluster.
            "discovered": False,
            "api_group": None,
            "nodes": [],
            "peering_nodes": [],
            "blocks_by_node": {},
        },
        "fabric": {
            "switches": [{
                "name": "switch1", "platform": "frr", "as_number": 65200, "as_dot": "65200", "peer_ip": "10.200.20.254",
                "session_type": "ebgp", "has_password": False, "peer_name": "peer-switch", "secret_name": "bgp-peer-switch",
                "managed_elsewhere": False, "max_prefix_action": "restart",
            }],
            # One entry per range, each accepting the range and every more specific route in it, in address order.
            "accept_prefixes": [
                {"prefix": "10.233.0.0/18", "family": 4, "ge": 18, "le": 32},
                {"prefix": "10.233.64.0/18", "family": 4, "ge": 18, "le": 32},
            ],
            # The same as every platform's inbound list: its name, and a sequence number per entry.
            "prefix_lists": [{"family": 4, "afi": "ipv4", "prefix_list": {"name": "FLATNET-IN", "entries": [
                {"seq": 10, "action": "permit", "prefix": "10.233.0.0/18", "prefixlen": 18, "ge": 18, "le": 32},
                {"seq": 20, "action": "permit", "prefix": "10.233.64.0/18", "prefixlen": 18, "ge": 18, "le": 32}]}}],
            "route_map_out": {"name": "FLATNET-OUT", "action": "deny", "seq": 10},
            "peer_group": "FLATNET",
            # 64 blocks, as many borrowed /32s, one Service range once per node (no cluster read, no peering node
            # given: one), room for 64 /32s of Local Services, 16 spare.
            "max_prefix": 64 + 64 + 1 * 1 + 64 + 16,
            "max_prefix_formula": "64 blocks + 64 borrowed /32s + 1 Service range(s) x 1 nodes (add-path copies; no cluster read: "
                                  "the peering nodes given) + 64 x 1 Service range(s) (/32s of externalTrafficPolicy Local) + 16 spare "
                                  "= 209",
            # The switch's description of the peer group: at most 80 characters, as FRR keeps them.
            "peer_group_description": "dev nodes (node-role.kubernetes.io/ingress == 'ingress')",
        },
        "office": {
            "networks": ["192.168.10.0/24"],
            "routes": routes,
            "gateways": [{"name": "office-gw1", "platform": "linux", "next_hop": "10.200.21.1", "routes": routes,
                          "static_routes": [{"dest": "10.233.0.0/17", "via": "10.200.21.1"}]}],
            "dns_servers": [{"name": "office-dns1", "kind": "bind"}],
            "reverse_zones": SEED_ZONES,
            # Disabled pools over the office networks, for calico_pool's optional pass-through.
            "passthrough_pools": [{"name": "office-192-168-10-0-24", "cidr": "192.168.10.0/24"}],
        },
    }


def test_seed_plan_key_values(seed):
    plan = build_plan(seed)
    pool = plan["cluster"]["pools"][0]
    assert (pool["blocks"], pool["addresses_per_block"], pool["block_size"]) == (64, 256, 24)
    assert plan["cluster"]["pod_cidrs"] == ["10.233.64.0/18"]
    assert plan["cluster"]["peer_selector"] == SEED_SELECTOR
    assert plan["fabric"]["switches"][0]["as_number"] == 65200
    assert plan["fabric"]["switches"][0]["peer_ip"] == "10.200.20.254"
    assert plan["office"]["routes"] == ["10.233.0.0/17"]
    assert len(plan["office"]["reverse_zones"]) == 128
    assert plan["office"]["reverse_zones"][0] == "0.233.10.in-addr.arpa"
    assert plan["office"]["reverse_zones"][-1] == "127.233.10.in-addr.arpa"
    assert plan["office"]["gateways"][0]["routes"] == plan["office"]["routes"]


def _keys(value: Any) -> List[str]:
    """Every mapping key anywhere in a nested structure."""
    if isinstance(value, dict):
        return list(value) + [key for item in value.values() for key in _keys(item)]
    if isinstance(value, list):
        return [key for item in value for key in _keys(item)]
    return []


def test_plan_holds_no_secret(seed):
    set_path(seed, SWITCH + ".password", SECRET)
    set_path(seed, "flatnet_cluster.api.api_key", SECRET + "-token")
    plan = plan_of(seed)
    assert plan["fabric"]["switches"][0]["has_password"] is True
    assert SECRET not in json.dumps(plan)
    assert not [key for key in _keys(plan) if "password" in key and key != "has_password"]
    assert "api_key" not in _keys(plan)


# --------------------------------------------------------------------------
# CIDRs
# --------------------------------------------------------------------------


@pytest.mark.parametrize("path", CLUSTER_RANGES)
@pytest.mark.parametrize(
    "value, fix",
    [
        ("10.233.64.0/33", "Use 0 to 32."),
        ("10.233.64.0", "For a single address write it as '10.233.64.0/32'."),
        ("10.233/18", "Write the full dotted quad"),
        ("10.233.64.0/255.255.192.0", "netmasks are not accepted"),
        ("not-a-cidr", "Write the full dotted quad"),
        ("10.233.256.0/24", "Write it as an address and a prefix length"),
        ("fd00::zz/64", "Write it as an address and a prefix length"),
        ("fd00::/129", "Use 0 to 128."),
    ],
)
def test_malformed_cidr(seed, path, value, fix):
    set_path(seed, path, value)
    message = only_problem(seed)
    assert_problem(message, path, f"'{value}'", fix)
    assert "is not a valid CIDR" in message


@pytest.mark.parametrize("path", CLUSTER_RANGES)
@pytest.mark.parametrize(
    "value, network",
    [
        ("10.233.64.1/18", "10.233.64.0/18"),
        ("10.250.3.0/16", "10.250.0.0/16"),
        ("fd00:10:233:1::1/64", "fd00:10:233:1::/64"),
    ],
)
def test_cidr_with_host_bits(seed, path, value, network):
    if path.endswith(".cidr") and ":" in value:
        set_path(seed, POOL + ".block_size", 122)
    set_path(seed, path, value)
    message = only_problem(seed)
    assert_problem(message, path, f"'{value}'", f"did you mean '{network}'?")
    assert "host bits set" in message


# --------------------------------------------------------------------------
# Overlaps
# --------------------------------------------------------------------------

POD_SERVICE_FIX = "pods and Services need separate ranges"
OFFICE_FIX = "choose cluster ranges outside the office networks"


@pytest.mark.parametrize(
    "path, value, pool_cidr",
    [
        (POOL + ".cidr", "10.233.0.0/16", "10.233.0.0/16"),
        ("flatnet_cluster.service_cluster_ips[0]", "10.233.64.0/24", "10.233.64.0/18"),
        ("flatnet_cluster.service_loadbalancer_ips[0]", "10.233.100.0/24", "10.233.64.0/18"),
    ],
)
def test_pod_range_overlaps_service_range(seed, path, value, pool_cidr):
    set_path(seed, path, value)
    service_path, service_cidr = (path, value) if path != POOL + ".cidr" else ("flatnet_cluster.service_cluster_ips[0]", "10.233.0.0/18")
    message = only_problem(seed)
    assert_problem(message, POOL + ".cidr", f"'{pool_cidr}'", POD_SERVICE_FIX)
    assert f"overlaps {service_path} '{service_cidr}'" in message


@pytest.mark.parametrize("cidr", ["10.233.96.0/19", "10.233.64.0/18", "10.233.100.0/22"])
def test_pools_overlap(seed, cidr):
    set_path(seed, "flatnet_cluster.pools[1]", {"name": "second-pool", "cidr": cidr, "block_size": 24})
    message = only_problem(seed)
    assert_problem(message, POOL + ".cidr", "'10.233.64.0/18'", "Calico pools must not overlap; give each pool its own range.")
    assert f"overlaps flatnet_cluster.pools[1].cidr '{cidr}'" in message


@pytest.mark.parametrize(
    "path, value",
    [
        ("flatnet_cluster.service_cluster_ips[1]", "10.233.0.0/20"),
        ("flatnet_cluster.service_cluster_ips[1]", "10.233.0.0/18"),
        ("flatnet_cluster.service_external_ips[0]", "10.233.32.0/24"),
        ("flatnet_cluster.service_loadbalancer_ips[0]", "10.233.16.0/20"),
    ],
)
def test_service_ranges_overlap(seed, path, value):
    set_path(seed, path, value)
    message = only_problem(seed)
    assert "'10.233.0.0/18'" in message and f"'{value}'" in message
    assert path in message and "flatnet_cluster.service_cluster_ips[0]" in message
    assert "each Service range must be distinct; remove the duplicate or shrink one." in message


@pytest.mark.parametrize(
    "office, cluster_paths",
    [
        ("10.233.64.0/20", [POOL + ".cidr"]),
        ("10.233.0.0/24", ["flatnet_cluster.service_cluster_ips[0]"]),
        ("10.233.0.0/16", [POOL + ".cidr", "flatnet_cluster.service_cluster_ips[0]"]),
    ],
)
def test_office_network_overlaps_cluster_range(seed, office, cluster_paths):
    set_path(seed, "flatnet_office.networks[1]", office)
    problems = problems_of(seed)
    assert len(problems) == len(cluster_paths), problems
    for message, path in zip(problems, cluster_paths):
        assert_problem(message, path, f"'{office}'", OFFICE_FIX)
        assert "flatnet_office.networks[1]" in message


@pytest.mark.parametrize("value", ["192.168.10.0/24", "192.168.10.128/25", "192.168.0.0/16"])
def test_duplicate_office_network(seed, value):
    set_path(seed, "flatnet_office.networks[1]", value)
    message = only_problem(seed)
    assert_problem(message, "flatnet_office.networks[0]", "'192.168.10.0/24'", "list each office network once")
    assert f"flatnet_office.networks[1] '{value}'" in message


# --------------------------------------------------------------------------
# Ranges that are never routed
# --------------------------------------------------------------------------


@pytest.mark.parametrize("path", CLUSTER_RANGES)
@pytest.mark.parametrize(
    "value, kind",
    [
        ("169.254.0.0/16", "link-local"),
        ("169.254.10.0/24", "link-local"),
        ("127.0.0.0/8", "loopback"),
        ("224.0.0.0/4", "multicast"),
        ("239.1.0.0/16", "multicast"),
        ("0.0.0.0/8", "unspecified"),
        ("fe80::/64", "link-local"),
        ("::1/128", "loopback"),
        ("ff02::/16", "multicast"),
    ],
)
def test_reserved_range(seed, path, value, kind):
    set_path(seed, path, value)
    message = only_problem(seed)
    assert_problem(message, path, f"'{value}'", RESERVED_FIX)
    assert f"overlaps the {kind} range" in message


# --------------------------------------------------------------------------
# Calico block sizes
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cidr, block_size, allowed",
    [
        ("10.233.64.0/18", 19, "use 20 to 32"),
        ("10.233.64.0/18", 33, "use 20 to 32"),
        ("fd00:10:233:1::/64", 115, "use 116 to 128"),
        ("fd00:10:233:1::/64", 129, "use 116 to 128"),
    ],
)
def test_block_size_out_of_range(seed, cidr, block_size, allowed):
    set_path(seed, POOL + ".cidr", cidr)
    set_path(seed, POOL + ".block_size", block_size)
    message = only_problem(seed)
    assert_problem(message, POOL + ".block_size", f": {block_size} is out of range", allowed)
    assert f"IPv{6 if ':' in cidr else 4} pool" in message


@pytest.mark.parametrize("cidr, block_size", [("10.0.0.0/27", 26), ("10.0.0.0/24", 20), ("fd00:10:233:1::/124", 122)])
def test_pool_prefix_longer_than_block_size(seed, cidr, block_size):
    set_path(seed, POOL + ".cidr", cidr)
    set_path(seed, POOL + ".block_size", block_size)
    message = only_problem(seed)
    prefix = int(cidr.rsplit("/", 1)[1])
    assert_problem(message, POOL + ".block_size", f"does not fit pool '{cidr}'",
                   f"use a block_size of at least {prefix} or a larger pool")


@pytest.mark.parametrize(
    "cidr, block_size, blocks, per_block",
    [
        ("10.233.64.0/18", 26, 256, 64),
        ("fd00:10:233:1::/64", 122, 2 ** 58, 64),
        ("fd00:10:233:1::/116", 122, 64, 64),
    ],
)
def test_default_block_size(seed, cidr, block_size, blocks, per_block):
    set_path(seed, POOL + ".cidr", cidr)
    set_path(seed, POOL + ".block_size", None)
    pool = plan_of(seed)["cluster"]["pools"][0]
    assert (pool["block_size"], pool["blocks"], pool["addresses_per_block"]) == (block_size, blocks, per_block)
    assert pool["family"] == (6 if ":" in cidr else 4)


def test_default_block_size_checks_fit(seed):
    set_path(seed, POOL + ".cidr", "10.0.0.0/27")
    set_path(seed, POOL + ".block_size", None)
    assert_problem(only_problem(seed), POOL + ".block_size", "26 does not fit pool '10.0.0.0/27'", "a larger pool")


# --------------------------------------------------------------------------
# AS numbers and BGP sessions
# --------------------------------------------------------------------------

ASN_PATHS = ["flatnet_cluster.as_number", SWITCH + ".as_number"]


@pytest.mark.parametrize("path", ASN_PATHS)
@pytest.mark.parametrize(
    "value, quoted",
    [
        (0, "0"),
        (-1, "-1"),
        (4294967296, "4294967296"),
        ("1.", "'1.'"),
        ("a.b", "'a.b'"),
        (True, "True"),
        ("65536.1", "'65536.1'"),
        ("", "''"),
        (None, "None"),
    ],
)
def test_invalid_asn(seed, path, value, quoted):
    set_path(seed, path, value)
    message = only_problem(seed)
    assert_problem(message, path, f": {quoted} is not a valid AS number", ASN_FIX)


@pytest.mark.parametrize("path", ASN_PATHS)
@pytest.mark.parametrize("value", [23456, "23456", "0.23456"])
def test_as_trans_refused(seed, path, value):
    set_path(seed, path, value)
    message = only_problem(seed)
    assert_problem(message, path, f"{value!r} is not a valid AS number", "Use the real AS number of the speaker")
    assert "AS_TRANS" in message


@pytest.mark.parametrize(
    "path, value, expected",
    [
        ("flatnet_cluster.as_number", "0.64513", {"as_number": 64513, "as_dot": "64513", "as_private": True}),
        ("flatnet_cluster.as_number", "64513", {"as_number": 64513, "as_dot": "64513", "as_private": True}),
        ("flatnet_cluster.as_number", "1.10", {"as_number": 65546, "as_dot": "1.10", "as_private": False}),
        ("flatnet_cluster.as_number", 4200000000, {"as_number": 4200000000, "as_dot": "64086.59904", "as_private": True}),
        (SWITCH + ".as_number", "1.10", {"as_number": 65546, "as_dot": "1.10"}),
        (SWITCH + ".as_number", "0.65200", {"as_number": 65200, "as_dot": "65200"}),
    ],
)
def test_asdot_accepted(seed, path, value, expected):
    set_path(seed, path, value)
    plan = plan_of(seed)
    planned = plan["cluster"] if path.startswith("flatnet_cluster") else plan["fabric"]["switches"][0]
    assert {key: planned[key] for key in expected} == expected


@pytest.mark.parametrize("switch_as", [64513, "64513", "0.64513"])
def test_ebgp_with_the_cluster_as_refused(seed, switch_as):
    set_path(seed, SWITCH + ".as_number", switch_as)
    message = only_problem(seed)
    assert_problem(message, SWITCH + ".as_number", ": 64513 equals flatnet_cluster.as_number", "set session_type: ibgp")
    assert "give the switch its own AS" in message


@pytest.mark.parametrize("switch_as", [64513, "0.64513"])
def test_ibgp_with_the_cluster_as_accepted(seed, switch_as):
    set_path(seed, SWITCH + ".as_number", switch_as)
    set_path(seed, SWITCH + ".session_type", "ibgp")
    switch = plan_of(seed)["fabric"]["switches"][0]
    assert (switch["as_number"], switch["session_type"]) == (64513, "ibgp")


def test_ibgp_with_another_as_refused(seed):
    set_path(seed, SWITCH + ".session_type", "ibgp")
    message = only_problem(seed)
    assert_problem(message, SWITCH + ".as_number", ": 65200 differs from flatnet_cluster.as_number 64513", "use 64513, or set session_type: ebgp")


# --------------------------------------------------------------------------
# Encapsulation
# --------------------------------------------------------------------------


@pytest.mark.parametrize("ipip, vxlan", [("Always", "Always"), ("Always", "CrossSubnet"), ("CrossSubnet", "Always"), ("CrossSubnet", "CrossSubnet")])
def test_ipip_and_vxlan_both_enabled(seed, ipip, vxlan):
    set_path(seed, POOL + ".ipip_mode", ipip)
    set_path(seed, POOL + ".vxlan_mode", vxlan)
    message = only_problem(seed)
    assert_problem(message, POOL + ":", f"ipip_mode '{ipip}' and vxlan_mode '{vxlan}'", "set one of them to Never")


@pytest.mark.parametrize("ipip, vxlan", [("Always", "Never"), ("CrossSubnet", "Never"), ("Never", "Always"), ("Never", "CrossSubnet")])
def test_one_encapsulation_on_ipv4_accepted(seed, ipip, vxlan):
    set_path(seed, POOL + ".ipip_mode", ipip)
    set_path(seed, POOL + ".vxlan_mode", vxlan)
    pool = plan_of(seed)["cluster"]["pools"][0]
    assert (pool["ipip_mode"], pool["vxlan_mode"]) == (ipip, vxlan)


@pytest.mark.parametrize("ipip", ["Always", "CrossSubnet"])
def test_ipip_on_ipv6_pool_refused(seed, ipip):
    set_path(seed, POOL + ".cidr", "fd00:10:233:1::/64")
    set_path(seed, POOL + ".block_size", 122)
    set_path(seed, POOL + ".ipip_mode", ipip)
    message = only_problem(seed)
    assert_problem(message, POOL + ".ipip_mode", f"'{ipip}' on the IPv6 pool 'fd00:10:233:1::/64'", "set ipip_mode: Never")
    assert "use vxlan_mode for an IPv6 overlay" in message


@pytest.mark.parametrize("vxlan", ["Always", "CrossSubnet"])
def test_vxlan_on_ipv6_pool_accepted(seed, vxlan):
    set_path(seed, POOL + ".cidr", "fd00:10:233:1::/64")
    set_path(seed, POOL + ".block_size", 122)
    set_path(seed, POOL + ".vxlan_mode", vxlan)
    pool = plan_of(seed)["cluster"]["pools"][0]
    assert (pool["family"], pool["vxlan_mode"], pool["ipip_mode"]) == (6, vxlan, "Never")


# --------------------------------------------------------------------------
# Selectors
# --------------------------------------------------------------------------

PEER_SELECTOR = "flatnet_cluster.peer_selector"


@pytest.mark.parametrize("value", ["", " "])
def test_empty_peer_selector(seed, value):
    set_path(seed, PEER_SELECTOR, value)
    assert_problem(only_problem(seed), PEER_SELECTOR, f"is empty ({value!r})", EMPTY_SELECTOR_FIX)


def test_blank_peer_selector_with_line_breaks_is_empty_and_not_one_line(seed):
    set_path(seed, PEER_SELECTOR, "  \t\n")
    control, empty = problems_of(seed)
    assert_problem(control, PEER_SELECTOR, "'  \\t\\n' holds the control character '\\t' at position 2", "must be one line")
    assert_problem(empty, PEER_SELECTOR, "is empty ('  \\t\\n')", EMPTY_SELECTOR_FIX)


@pytest.mark.parametrize(
    "value, fix",
    [
        ("a = b", "use == to compare a label with a value"),
        ("node-role.kubernetes.io/ingress == ingress", "expected a quoted value"),
        ("has(", "write has(label) with an unquoted label key"),
        ("a == 'x' & b == 'y'", "use && for 'and'"),
        ("-bad == 'x'", "a label key is a name of up to 63 letters"),
        ("a == 'x'))", "remove it or add the missing '('"),
    ],
)
def test_unparsable_peer_selector(seed, value, fix):
    set_path(seed, PEER_SELECTOR, value)
    message = only_problem(seed)
    assert_problem(message, PEER_SELECTOR + ":", f"{value!r} is not a valid Calico selector", fix)
    assert SELECTOR_FIX in message


def test_empty_mapping_peer_selector(seed):
    set_path(seed, PEER_SELECTOR, {})
    assert_problem(only_problem(seed), PEER_SELECTOR, "is an empty mapping of labels ({})", "write the selector string all()")


@pytest.mark.parametrize(
    "value, quoted, fix",
    [
        ({"Bad Key": "x"}, "'Bad Key'", "a label key is a name of up to 63 letters"),
        ({"zone": "not ok"}, "'zone'", "a label value is empty or up to 63 letters"),
        ({"zone": 5}, "int 5", "quote it in YAML, e.g. zone: '5'"),
        (5, "int 5", "must be a Calico selector string"),
        (["all()"], "list ['all()']", "or a mapping of label keys to values"),
    ],
)
def test_bad_peer_selector_value(seed, value, quoted, fix):
    set_path(seed, PEER_SELECTOR, value)
    assert_problem(only_problem(seed), PEER_SELECTOR, quoted, fix)


@pytest.mark.parametrize(
    "value, expected",
    [
        ({"node-role.kubernetes.io/ingress": "ingress"}, SEED_SELECTOR),
        ({"zone": "a", "node-role.kubernetes.io/ingress": "ingress"}, SEED_SELECTOR + " && zone == 'a'"),
        ("all()", "all()"),
        ("  node-role.kubernetes.io/ingress=='ingress'  ", SEED_SELECTOR),
        ("has(a) && (b == 'x' || c == 'y')", "has(a) && (b == 'x' || c == 'y')"),
    ],
)
def test_peer_selector_converted_to_calico(seed, value, expected):
    set_path(seed, PEER_SELECTOR, value)
    assert plan_of(seed)["cluster"]["peer_selector"] == expected


@pytest.mark.parametrize(
    "value, fragment, fix",
    [
        ("", "is empty ('')", EMPTY_SELECTOR_FIX),
        ("has((", ": 'has((' is not a valid Calico selector", "write has(label) with an unquoted label key"),
        ("zone = 'a'", ": \"zone = 'a'\" is not a valid Calico selector", "use == to compare a label with a value"),
    ],
)
def test_bad_pool_node_selector(seed, value, fragment, fix):
    set_path(seed, POOL + ".node_selector", value)
    assert_problem(only_problem(seed), POOL + ".node_selector", fragment, fix)


def test_pool_node_selector_in_plan(seed):
    set_path(seed, POOL + ".node_selector", "zone=='a'")
    assert plan_of(seed)["cluster"]["pools"][0]["node_selector"] == "zone == 'a'"


# --------------------------------------------------------------------------
# The cluster domain
# --------------------------------------------------------------------------

LONGEST_DOMAIN = ".".join(["a" * 63] * 3 + ["b" * 61])


@pytest.mark.parametrize(
    "value",
    [
        "", "cluster..local", "-bad.local", "bad-.local", "has space.local", "a" * 64 + ".local", LONGEST_DOMAIN + "b",
        "under_score.local", ".local", "local.",
        # kubelet's --cluster-domain is a DNS-1123 subdomain: no trailing dot and no upper case.
        "cluster.local.", "Cluster.Local", "CLUSTER.LOCAL",
    ],
)
def test_invalid_cluster_domain(seed, value):
    set_path(seed, "flatnet_cluster.domain", value)
    message = only_problem(seed)
    assert_problem(message, "flatnet_cluster.domain", f"'{value}' is not a valid cluster domain", DOMAIN_FIX)
    assert "e.g. 'cluster.local'" in message


@pytest.mark.parametrize("value", ["cluster.local", "local", "k8s.example.com", "dev-1.corp", "a" * 63 + ".local", LONGEST_DOMAIN])
def test_valid_cluster_domain(seed, value):
    set_path(seed, "flatnet_cluster.domain", value)
    assert plan_of(seed)["cluster"]["domain"] == value


def test_longest_domain_lengths():
    assert (len(LONGEST_DOMAIN), len(LONGEST_DOMAIN + "b")) == (253, 254)


# --------------------------------------------------------------------------
# Addresses: the DNS Service, BGP peers, gateway next hops
# --------------------------------------------------------------------------

DNS_IP = "flatnet_cluster.dns_service_ip"


@pytest.mark.parametrize(
    "value, extra_path, extra_range",
    [
        ("10.233.64.10", None, None),
        ("192.168.10.53", None, None),
        ("10.99.0.10", "flatnet_cluster.service_external_ips[0]", "10.99.0.0/24"),
        ("10.99.1.10", "flatnet_cluster.service_loadbalancer_ips[0]", "10.99.1.0/24"),
        ("fd00:10:233:2::a", None, None),
    ],
)
def test_dns_service_ip_outside_service_cluster_ips(seed, value, extra_path, extra_range):
    if extra_path:
        set_path(seed, extra_path, extra_range)
    set_path(seed, DNS_IP, value)
    message = only_problem(seed)
    assert_problem(message, DNS_IP, f"'{value}' is outside every flatnet_cluster.service_cluster_ips range",
                   "use the ClusterIP of the kube-dns Service")


@pytest.mark.parametrize("value", ["10.233.0.3", "10.233.0.10", "10.233.63.255"])
def test_dns_service_ip_inside_service_cluster_ips(seed, value):
    set_path(seed, DNS_IP, value)
    assert plan_of(seed)["cluster"]["dns_service_ip"] == value


def test_dns_service_ip_malformed(seed):
    set_path(seed, DNS_IP, "10.233.0")
    message = only_problem(seed)
    assert_problem(message, DNS_IP, "'10.233.0'", "Write the full address")
    assert "is not an IP address" in message


@pytest.mark.parametrize("path", [SWITCH + ".peer_ip", GATEWAY + ".next_hop"])
@pytest.mark.parametrize(
    "value, inside_path, inside_range",
    [
        ("10.233.64.1", POOL + ".cidr", "10.233.64.0/18"),
        ("10.233.127.254", POOL + ".cidr", "10.233.64.0/18"),
        ("10.233.0.1", "flatnet_cluster.service_cluster_ips[0]", "10.233.0.0/18"),
    ],
)
def test_address_inside_cluster_range(seed, path, value, inside_path, inside_range):
    set_path(seed, path, value)
    message = only_problem(seed)
    assert_problem(message, path, f"'{value}' lies inside the cluster range {inside_path} '{inside_range}'", OUTSIDE_FIX)


@pytest.mark.parametrize("path", [SWITCH + ".peer_ip", GATEWAY + ".next_hop"])
@pytest.mark.parametrize(
    "value, fix",
    [
        ("10.200.20", "Write the full address"),
        ("10.200.20.256", "Write the full address"),
        ("switch1", "Write the full address"),
        ("fd00::zz", "Write the full address"),
        ("10.200.20.254/24", "without a prefix length"),
        ("", "without a prefix length"),
    ],
)
def test_malformed_address(seed, path, value, fix):
    set_path(seed, path, value)
    message = only_problem(seed)
    assert_problem(message, path, "'%s'" % value, fix)
    assert "is not an IP address" in message


@pytest.mark.parametrize("path", [SWITCH + ".peer_ip", GATEWAY + ".next_hop", DNS_IP])
@pytest.mark.parametrize("value, kind", [("127.0.0.1", "loopback"), ("169.254.1.1", "link-local"), ("224.0.0.5", "multicast"),
                                         ("0.0.0.0", "unspecified"), ("fe80::1", "link-local"), ("::1", "loopback")])
def test_special_address_refused(seed, path, value, kind):
    set_path(seed, path, value)
    problems = check_intent(seed)
    assert any("%s: '%s' is a %s address" % (path, value, kind) in problem for problem in problems), problems


def test_address_outside_cluster_ranges_in_plan(seed):
    set_path(seed, SWITCH + ".peer_ip", "fd00:200::1")
    set_path(seed, GATEWAY + ".next_hop", "10.200.21.254")
    plan = plan_of(seed)
    assert plan["fabric"]["switches"][0]["peer_ip"] == "fd00:200::1"
    assert plan["office"]["gateways"][0]["next_hop"] == "10.200.21.254"


# --------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, item, key, what",
    [
        ("flatnet_cluster.pools[1]", {"name": "default-pool", "cidr": "10.234.0.0/18", "block_size": 24}, "name", "flatnet_cluster.pools"),
        ("flatnet_fabric.switches[1]", {"name": "switch1", "platform": "frr", "as_number": 65201, "peer_ip": "10.200.20.253"}, "name",
         "flatnet_fabric.switches"),
        ("flatnet_office.gateways[1]", {"name": "office-gw1", "next_hop": "10.200.21.2"}, "name", "flatnet_office.gateways"),
        ("flatnet_office.dns_servers[1]", {"name": "office-dns1", "kind": "unbound"}, "name", "flatnet_office.dns_servers"),
    ],
)
def test_duplicate_names(seed, path, item, key, what):
    set_path(seed, path, item)
    message = only_problem(seed)
    assert_problem(message, f"{path}.{key}", f"'{item[key]}' is already used by {what}[0]", f"{what} need unique names.")


@pytest.mark.parametrize("value", ["Default-Pool", "default_pool", "-pool", "pool-", "pool.", "", "pool one", "p" * 254])
def test_invalid_pool_name(seed, value):
    set_path(seed, POOL + ".name", value)
    message = only_problem(seed)
    assert_problem(message, POOL + ".name", f"'{value}' is not a valid Kubernetes object name", "e.g. 'default-pool'")


@pytest.mark.parametrize("value", ["default-pool", "pool.v4", "p", "0", "p" * 253])
def test_valid_pool_name(seed, value):
    set_path(seed, POOL + ".name", value)
    assert plan_of(seed)["cluster"]["pools"][0]["name"] == value


# --------------------------------------------------------------------------
# Missing lists
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, fragment, fix",
    [
        ("flatnet_cluster.pools", "no pool is given", "list at least one, e.g. {name: default-pool"),
        ("flatnet_fabric.switches", "no switch is given", "list the switches the nodes peer with"),
        ("flatnet_cluster.service_cluster_ips", "no range is given", "copy the API server's --service-cluster-ip-range here"),
        ("flatnet_office.networks", "no network is given", "list the desk networks that should reach the cluster"),
    ],
)
@pytest.mark.parametrize("empty", [[], None])
def test_missing_list(seed, path, fragment, fix, empty):
    set_path(seed, path, empty)
    # There is no bad value to quote: the message says what is missing instead.
    assert_problem(only_problem(seed), path + ":", fragment, fix)


# --------------------------------------------------------------------------
# Inventory variable names
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, hint",
    [
        ("flatnet_clustr", "did you mean flatnet_cluster?"),
        ("flatnet_fabrik", "did you mean flatnet_fabric?"),
        ("flatnet_ofice", "did you mean flatnet_office?"),
        ("flatnet_zzzzzzzzzz", "the intent variables are flatnet_cluster, flatnet_fabric, flatnet_office."),
    ],
)
def test_check_variables_mistyped(name, hint):
    problems = check_variables(["flatnet_cluster", name])
    assert len(problems) == 1
    assert_problem(problems[0], name + ":", "is not part of the flatnet intent and would be ignored", hint)


def role_facts() -> List[str]:
    """The flatnet_* facts that the preflight role sets itself."""
    with ROLE_TASKS.open(encoding="utf-8") as stream:
        tasks = yaml.safe_load(stream)
    facts = [name for task in tasks for name in task.get("ansible.builtin.set_fact") or {}]
    return [name for name in facts if name.startswith("flatnet_")]


def test_check_variables_accepts_the_intent_names():
    assert not check_variables(["flatnet_cluster", "flatnet_fabric", "flatnet_office"])


def test_check_variables_accepts_the_role_facts():
    # Otherwise the second preflight run in a play would flag the collection's own fact as a typo.
    facts = role_facts()
    assert not check_variables(facts)
    assert bool(check_variables(["flatnet_plan"])) is ("flatnet_plan" not in facts)


def test_check_variables_ignores_unrelated_names():
    assert not check_variables(["ansible_host", "cluster", "my_flatnet_x", "Flatnet_x", "flatnet", "preflight_plan"])


def test_check_variables_reports_each_name_once_in_order():
    problems = check_variables(["flatnet_ofice", "flatnet_clustr", "flatnet_clustr"])
    assert [problem.split(":", 1)[0] for problem in problems] == ["flatnet_clustr", "flatnet_ofice"]


# --------------------------------------------------------------------------
# plan_intent reports every problem at once
# --------------------------------------------------------------------------


def test_plan_intent_reports_every_problem(seed):
    set_path(seed, POOL + ".cidr", "10.233.64.1/18")
    set_path(seed, "flatnet_cluster.domain", "cluster..local")
    set_path(seed, SWITCH + ".as_number", 0)
    with pytest.raises(IntentError) as caught:
        plan_intent(seed)
    problems = caught.value.problems
    assert len(problems) == 3, problems
    assert sorted(problem.split(":", 1)[0] for problem in problems) == sorted(
        [POOL + ".cidr", "flatnet_cluster.domain", SWITCH + ".as_number"])
    assert str(caught.value).startswith("the flatnet intent has 3 problems")
    assert all("\n- " + problem in str(caught.value) for problem in problems)


def test_plan_intent_reports_mistyped_variables(seed):
    with pytest.raises(IntentError) as caught:
        plan_intent(seed, ["flatnet_cluster", "flatnet_clustr"])
    assert caught.value.problems == check_variables(["flatnet_clustr"])
    assert str(caught.value).startswith("the flatnet intent has 1 problem; nothing was changed:\n- flatnet_clustr:")


def test_intent_error_is_a_value_error():
    error = IntentError(["a: 'x' is wrong; fix it."])
    assert isinstance(error, ValueError)
    assert error.problems == ["a: 'x' is wrong; fix it."]


# --------------------------------------------------------------------------
# IPv6 and dual stack
# --------------------------------------------------------------------------


def test_dual_stack_plan(seed):
    set_path(seed, "flatnet_cluster.pools[1]", {"name": "v6-pool", "cidr": "fd00:10:233:1::/64", "block_size": 122})
    set_path(seed, "flatnet_cluster.service_cluster_ips[1]", "fd00:10:233:2::/108")
    set_path(seed, DNS_IP, "fd00:10:233:2::a")
    plan = plan_of(seed)
    cluster = plan["cluster"]
    pool = cluster["pools"][1]
    assert (pool["family"], pool["block_size"], pool["blocks"], pool["addresses_per_block"]) == (6, 122, 2 ** 58, 64)
    assert cluster["pod_cidrs"] == ["10.233.64.0/18", "fd00:10:233:1::/64"]
    assert cluster["service_cluster_ips"] == ["10.233.0.0/18", "fd00:10:233:2::/108"]
    assert cluster["dns_service_ip"] == "fd00:10:233:2::a"
    assert plan["fabric"]["accept_prefixes"] == [
        {"prefix": "10.233.0.0/18", "family": 4, "ge": 18, "le": 32},
        {"prefix": "10.233.64.0/18", "family": 4, "ge": 18, "le": 32},
        {"prefix": "fd00:10:233:1::/64", "family": 6, "ge": 64, "le": 128},
        {"prefix": "fd00:10:233:2::/108", "family": 6, "ge": 108, "le": 128},
    ]
    routes = ["10.233.0.0/17", "fd00:10:233:1::/64", "fd00:10:233:2::/108"]
    assert plan["office"]["routes"] == routes
    assert plan["office"]["gateways"][0]["routes"] == routes
    assert plan["office"]["reverse_zones"] == SEED_ZONES + [
        "1.0.0.0.3.3.2.0.0.1.0.0.0.0.d.f.ip6.arpa",
        "0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.3.3.2.0.0.1.0.0.0.0.d.f.ip6.arpa",
    ]


def test_disabled_pool_is_neither_routed_nor_accepted(seed):
    set_path(seed, "flatnet_cluster.pools[1]", {"name": "old-pool", "cidr": "10.234.0.0/24", "block_size": 26, "disabled": True})
    plan = plan_of(seed)
    assert plan["cluster"]["pools"][1]["disabled"] is True
    assert plan["cluster"]["pod_cidrs"] == ["10.233.64.0/18"]
    assert "10.234.0.0/24" not in json.dumps(plan["fabric"]) + json.dumps(plan["office"])


def test_advertised_service_ranges_are_routed_but_not_reverse_zoned(seed):
    set_path(seed, "flatnet_cluster.service_external_ips[0]", "10.99.0.0/24")
    set_path(seed, "flatnet_cluster.service_loadbalancer_ips[0]", "10.99.1.0/24")
    plan = plan_of(seed)
    assert plan["office"]["routes"] == ["10.99.0.0/23", "10.233.0.0/17"]
    assert [entry["prefix"] for entry in plan["fabric"]["accept_prefixes"]] == ["10.99.0.0/24", "10.99.1.0/24", "10.233.0.0/18", "10.233.64.0/18"]
    assert plan["office"]["reverse_zones"] == SEED_ZONES


# --------------------------------------------------------------------------
# The three copies of the schema stay equal
# --------------------------------------------------------------------------

COMPARED = (("type", None), ("required", False), ("default", None), ("choices", None), ("elements", None))
SPEC_ATTRIBUTES = {"type", "required", "default", "choices", "elements", "no_log", "options"}
DOC_ATTRIBUTES = {"description", "type", "required", "default", "choices", "elements", "version_added"}


def schema_differences(documented: Dict[str, Any], spec: Dict[str, Any], children: str, no_log: bool, where: str = "") -> List[str]:
    """Every difference between documented options (children under `children`) and an argument spec, recursively."""
    differences = []
    if set(documented) != set(spec):
        differences.append(f"{where or 'top'}: documented options {sorted(documented)}, spec options {sorted(spec)}")
    compared = COMPARED + ((("no_log", False),) if no_log else ())
    allowed = DOC_ATTRIBUTES | {children} | ({"no_log"} if no_log else set())
    for name in sorted(set(documented) & set(spec)):
        doc, option, path = documented[name], spec[name], f"{where}.{name}" if where else name
        differences.extend(f"{path}: spec attribute {key!r} is not compared" for key in sorted(set(option) - SPEC_ATTRIBUTES))
        differences.extend(f"{path}: unexpected documented attribute {key!r}" for key in sorted(set(doc) - allowed))
        differences.extend(f"{path}.{key}: documented {doc.get(key, missing)!r}, spec {option.get(key, missing)!r}"
                           for key, missing in compared if doc.get(key, missing) != option.get(key, missing))
        if (children in doc) != ("options" in option):
            differences.append(f"{path}: documented {children} {children in doc}, spec options {'options' in option}")
        differences.extend(schema_differences(doc.get(children) or {}, option.get("options") or {}, children, no_log, path))
    return differences


def role_options() -> Dict[str, Any]:
    """The intent options of the preflight role's main entry point (its own preflight_* knobs left out)."""
    with ROLE_ARGUMENT_SPECS.open(encoding="utf-8") as stream:
        options = yaml.safe_load(stream)["argument_specs"]["main"]["options"]
    return dict((name, option) for name, option in options.items() if not name.startswith("preflight_"))


def module_doc_options() -> Dict[str, Any]:
    """The options in the intent_plan module's DOCUMENTATION."""
    return yaml.safe_load(intent_plan.DOCUMENTATION)["options"]


def documented_intent() -> Dict[str, Any]:
    """The intent_plan module's documentation of the three variables, keyed by the variable names."""
    return {"flatnet_" + name: option for name, option in module_doc_options().items() if name in ("cluster", "fabric", "office")}


def as_documented(spec: Dict[str, Any]) -> Dict[str, Any]:
    """The intent schema as the module documents it: the three variables are not required there (O(intent) may stand in)."""
    return {name: dict(option, required=False) for name, option in spec.items()}


def test_role_argument_specs_leave_the_intent_to_the_module():
    # Ansible's role argument check would stop at the first problem and print the whole spec; intent_plan reports them all.
    options = role_options()
    assert sorted(options) == ["flatnet_cluster", "flatnet_fabric", "flatnet_office"]
    assert all(option["type"] == "dict" and "options" not in option and not option.get("required") for option in options.values())
    assert all("flatnet.kube.intent_plan" in " ".join(option["description"]) for option in options.values())


def test_module_documentation_matches_argument_spec():
    assert not schema_differences(module_doc_options(), module_argument_spec(), "suboptions", no_log=False)


def test_module_documentation_matches_the_intent_schema():
    assert not schema_differences(documented_intent(), as_documented(INTENT_SPEC), "suboptions", no_log=False)
    # Secrets stay no_log in the schema, which the raw intent's masking follows.
    assert INTENT_SPEC["flatnet_fabric"]["options"]["switches"]["options"]["password"]["no_log"] is True


def test_module_argument_spec_is_the_intent_without_prefix():
    spec = module_argument_spec()
    assert spec.pop("variables") == {"type": "list", "elements": "str", "default": []}
    assert spec.pop("cluster_facts") == {"type": "dict"}
    assert spec.pop("switch_hosts") == {"type": "list", "elements": "str"}
    assert spec.pop("switch_options") == {"type": "dict", "default": {}}
    assert spec.pop("require_switch_hosts") == {"type": "bool", "default": False}
    assert spec.pop("peering_nodes") == {"type": "list", "elements": "raw", "default": []}
    assert spec.pop("node_count") == {"type": "raw"}
    assert spec.pop("intent") == {"type": "raw"}
    assert spec == {name[len("flatnet_"):]: dict(option, required=False) for name, option in INTENT_SPEC.items()}


def _mutated(spec: Dict[str, Any], path: List[str], change: Any) -> Dict[str, Any]:
    spec = copy.deepcopy(spec)
    node = spec
    for name in path[:-1]:
        node = node[name]["options"]
    change(node, path[-1])
    return spec


@pytest.mark.parametrize(
    "path, change, fragment",
    [
        (["flatnet_cluster", "pools", "block_size"], lambda node, key: node[key].update(type="str"), "block_size.type: documented 'int'"),
        (["flatnet_cluster", "domain"], lambda node, key: node[key].update(default="k8s.local"), "domain.default"),
        (["flatnet_cluster", "dns_service_ip"], lambda node, key: node[key].update(required=True), "dns_service_ip.required"),
        (["flatnet_fabric", "switches", "platform"], lambda node, key: node[key]["choices"].append("os10"), "platform.choices"),
        (["flatnet_office", "networks"], lambda node, key: node[key].update(elements="raw"), "networks.elements"),
        (["flatnet_office", "gateways", "mtu"], lambda node, key: node.update({key: {"type": "int"}}), "documented options"),
        (["flatnet_office", "gateways", "name"], lambda node, key: node[key].update(aliases=["host"]), "'aliases' is not compared"),
        (["flatnet_cluster", "api"], lambda node, key: node[key].pop("options"), "api: documented suboptions True, spec options False"),
    ],
)
def test_schema_comparison_detects_drift(path, change, fragment):
    drifted = _mutated(INTENT_SPEC, path, change)
    differences = schema_differences(documented_intent(), as_documented(drifted), "suboptions", no_log=False)
    assert differences and any(fragment in difference for difference in differences), differences


def test_peering_nodes_given_for_a_plan_without_a_cluster(seed):
    plan = plan_intent(seed, peering_nodes=[{"name": "node2", "ip": "10.200.20.105"}])
    assert plan["cluster"]["peering_nodes"] == [{"name": "node2", "ip": "10.200.20.105"}] and not plan["cluster"]["discovered"]


@pytest.mark.parametrize("nodes, expected", [
    ([{"name": "node2", "ip": "10.200.20.999"}], "preflight_peering_nodes[0].ip: '10.200.20.999' is not an IP address"),
    ([{"name": "node2\n", "ip": "10.200.20.105"}], "preflight_peering_nodes[0].name: 'node2\\n' is not a host name"),
    ([{"name": "node2", "ip": "10.200.20.105\nexit"}], "preflight_peering_nodes[0].ip: '10.200.20.105\\nexit' holds the control character"),
    ([{"name": "node2"}], "preflight_peering_nodes[0]: {'name': 'node2'} must be a mapping of exactly name and ip"),
    ("node2", "preflight_peering_nodes: a list of {name, ip} is expected, not str"),
])
def test_bad_peering_nodes_are_refused_with_their_path(seed, nodes, expected):
    with pytest.raises(IntentError) as caught:
        plan_intent(seed, peering_nodes=nodes)
    assert any(problem.startswith(expected) for problem in caught.value.problems), caught.value.problems


def test_peering_nodes_are_not_given_with_a_cluster_to_read(seed):
    with pytest.raises(IntentError) as caught:
        plan_intent(seed, facts={"nodes": []}, peering_nodes=[{"name": "node2", "ip": "10.200.20.105"}])
    assert caught.value.problems[0].startswith("preflight_peering_nodes: the peering nodes are read from the cluster")


@pytest.mark.parametrize("key, value, words", [("request_retries", -1, "is outside 0 to 20"), ("request_retries", 100, "is outside 0 to 20"),
                                               ("request_timeout", 0, "is outside 0 to 600 seconds"),
                                               ("request_timeout", 3600.0, "is outside 0 to 600 seconds")])
def test_api_limits_that_leave_no_try_or_no_time_are_refused(seed, key, value, words):
    seed["flatnet_cluster"]["api"] = {key: value}
    message = only_problem(seed)
    assert message.startswith("flatnet_cluster.api.%s: %s %s" % (key, value, words)), message
    seed["flatnet_cluster"]["api"] = {"request_retries": 0, "request_timeout": 5}
    assert not problems_of(seed)
