# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the network math in module_utils._netmath."""

from __future__ import annotations

import importlib
import random
import sys

import netaddr
import pytest

from ansible_collections.flatnet.kube.plugins.module_utils import _netmath
from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError

ASN_FIX = "Use a number from 1 to 4294967295 in asplain (64513) or asdot (1.10) notation."


def error_of(func, *args, **kwargs) -> str:
    """Call func, expect a FlatnetError and return its message."""
    with pytest.raises(FlatnetError) as caught:
        func(*args, **kwargs)
    return str(caught.value)


# --- AS numbers ---


@pytest.mark.parametrize(
    "value, expected",
    [
        (64513, 64513),
        (65200, 65200),
        (1, 1),
        (4294967295, 4294967295),
        ("64513", 64513),
        (" 64513 ", 64513),
        ("1.10", 65546),
        ("0.64513", 64513),
        ("65535.65535", 4294967295),
        ("\t1.0\n", 65536),
    ],
)
def test_asn_plain_valid(value, expected):
    assert _netmath.asn_plain(value) == expected
    assert type(_netmath.asn_plain(value)) is int  # pylint: disable=unidiomatic-typecheck


@pytest.mark.parametrize(
    "value, quoted, why",
    [
        (True, "True", "boolean"),
        (False, "False", "boolean"),
        (None, "None", "of type NoneType"),
        (64513.0, "64513.0", "of type float"),
        ([64513], "[64513]", "of type list"),
        (-1, "-1", "negative"),
        (0, "0", "AS 0 is reserved (RFC 7607) and cannot be used in a BGP session"),
        ("0", "'0'", "AS 0 is reserved (RFC 7607)"),
        ("0.0", "'0.0'", "AS 0 is reserved (RFC 7607)"),
        (23456, "23456", "23456 is AS_TRANS (RFC 6793), a placeholder for 4-byte ASNs, not a real AS"),
        ("0.23456", "'0.23456'", "AS_TRANS (RFC 6793)"),
        (4294967296, "4294967296", "larger than 4294967295"),
        ("4294967296", "'4294967296'", "larger than 4294967295"),
        ("1.", "'1.'", "asdot notation"),
        (".1", "'.1'", "asdot notation"),
        ("1.65536", "'1.65536'", "from 0 to 65535"),
        ("65536.0", "'65536.0'", "from 0 to 65535"),
        ("a.b", "'a.b'", "asdot notation"),
        ("1.2.3", "'1.2.3'", "asdot notation"),
        ("1 .2", "'1 .2'", "asdot notation"),
        ("01x", "'01x'", "not a whole number"),
        ("-5", "'-5'", "not a whole number"),
        ("+5", "'+5'", "not a whole number"),
        ("AS64513", "'AS64513'", "not a whole number"),
        ("\u0661\u0662", "'\u0661\u0662'", "not a whole number"),
        ("", "''", "empty"),
        ("   ", "'   '", "empty"),
    ],
)
def test_asn_plain_invalid(value, quoted, why):
    message = error_of(_netmath.asn_plain, value, name="flatnet_cluster.asn")
    assert message.startswith(f"flatnet_cluster.asn: {quoted} is not a valid AS number: ")
    assert why in message
    assert message.endswith(".")


@pytest.mark.parametrize("value", [0, True, "1.", 4294967296])
def test_asn_plain_invalid_gives_fix(value):
    assert error_of(_netmath.asn_plain, value).endswith(ASN_FIX)


def test_asn_plain_as_trans_fix():
    message = error_of(_netmath.asn_plain, 23456, name="flatnet_office.switch_asn")
    assert message.startswith("flatnet_office.switch_asn: 23456 ")
    assert "Use the real AS number" in message


def test_asn_plain_allows_as_trans_on_request():
    assert _netmath.asn_plain(23456, allow_as_trans=True) == 23456
    assert _netmath.asn_plain("0.23456", allow_as_trans=True) == 23456


def test_asn_plain_default_name():
    assert error_of(_netmath.asn_plain, 0).startswith("asn: 0 ")


def test_asn_plain_accepts_int_and_str_subclasses():
    class Tagged(str):
        pass

    class Number(int):
        pass

    assert _netmath.asn_plain(Tagged("1.10")) == 65546
    assert _netmath.asn_plain(Number(64513)) == 64513


def test_long_value_is_shortened_in_message():
    message = error_of(_netmath.asn_plain, "x" * 500)
    assert "x" * 70 in message
    assert "x" * 100 not in message
    assert "..." in message


@pytest.mark.parametrize(
    "value, expected",
    [
        (64513, "64513"),
        ("64513", "64513"),
        (65535, "65535"),
        (65536, "1.0"),
        (65546, "1.10"),
        ("1.10", "1.10"),
        ("0.65200", "65200"),
        (4294967295, "65535.65535"),
    ],
)
def test_asn_dot(value, expected):
    assert _netmath.asn_dot(value) == expected


@pytest.mark.parametrize("value", [0, True, "1.65536", 23456, None])
def test_asn_dot_invalid(value):
    assert error_of(_netmath.asn_dot, value, name="bgp.peer_asn").startswith("bgp.peer_asn: ")


@pytest.mark.parametrize(
    "value, expected",
    [
        (64511, False),
        (64512, True),
        (64513, True),
        (65200, True),
        (65534, True),
        (65535, False),
        (65536, False),
        ("1.10", False),
        (4199999999, False),
        (4200000000, True),
        ("64086.59904", True),
        (4294967294, True),
        (4294967295, False),
        (13335, False),
    ],
)
def test_asn_is_private(value, expected):
    assert _netmath.asn_is_private(value) is expected


@pytest.mark.parametrize("value", [0, False, "x", 23456])
def test_asn_is_private_invalid(value):
    assert error_of(_netmath.asn_is_private, value, name="flatnet_office.switch_asn").startswith("flatnet_office.switch_asn: ")


# --- parse_cidr ---


@pytest.mark.parametrize(
    "value, expected",
    [
        ("10.233.64.0/18", "10.233.64.0/18"),
        (" 10.233.0.0/18\n", "10.233.0.0/18"),
        ("0.0.0.0/0", "0.0.0.0/0"),
        ("10.0.0.1/32", "10.0.0.1/32"),
        ("2001:DB8::/32", "2001:db8::/32"),
        ("2001:0db8:0000:0000::/64", "2001:db8::/64"),
        ("::/0", "::/0"),
        ("::1/128", "::1/128"),
        ("fd00:10:233::/48", "fd00:10:233::/48"),
    ],
)
def test_parse_cidr_valid(value, expected):
    network = _netmath.parse_cidr(value)
    assert isinstance(network, netaddr.IPNetwork)
    assert str(network) == expected


def test_parse_cidr_accepts_ipnetwork():
    assert str(_netmath.parse_cidr(netaddr.IPNetwork("10.233.0.0/18"))) == "10.233.0.0/18"
    message = error_of(_netmath.parse_cidr, netaddr.IPNetwork("10.233.0.1/18"), name="services")
    assert "did you mean '10.233.0.0/18'?" in message


@pytest.mark.parametrize(
    "value, quoted, fragments",
    [
        ("10.0.0.1", "'10.0.0.1'", ["prefix length is missing", "write it as '10.0.0.1/32'"]),
        ("2001:db8::1", "'2001:db8::1'", ["prefix length is missing", "write it as '2001:db8::1/128'"]),
        ("10.233/16", "'10.233/16'", ["four octets", "'10.233.0.0/16'"]),
        ("10/8", "'10/8'", ["four octets"]),
        ("10.0.0.0.0/8", "'10.0.0.0.0/8'", ["four octets"]),
        ("10.0.0.256/32", "'10.0.0.256/32'", ["not an IPv4 address"]),
        ("010.0.0.0/8", "'010.0.0.0/8'", ["not an IPv4 address"]),
        ("0x0a.0.0.0/8", "'0x0a.0.0.0/8'", ["not an IPv4 address"]),
        ("garbage", "'garbage'", ["four octets"]),
        ("2001:db8::g/32", "'2001:db8::g/32'", ["not an IPv6 address"]),
        ("fe80::1%eth0/64", "'fe80::1%eth0/64'", ["not an IPv6 address"]),
        ("10.0.0.0/33", "'10.0.0.0/33'", ["/33 is out of range for IPv4", "Use 0 to 32."]),
        ("2001:db8::/129", "'2001:db8::/129'", ["/129 is out of range for IPv6", "Use 0 to 128."]),
        ("10.0.0.0/", "'10.0.0.0/'", ["is not a number"]),
        ("10.0.0.0/-1", "'10.0.0.0/-1'", ["is not a number"]),
        ("10.0.0.0/8 x", "'10.0.0.0/8 x'", ["is not a number"]),
        ("10.0.0.0/ 8", "'10.0.0.0/ 8'", ["is not a number"]),
        ("10.0.0.0/8/8", "'10.0.0.0/8/8'", ["is not a number"]),
        ("x10.0.0.0/8", "'x10.0.0.0/8'", ["not an IPv4 address"]),
        ("10.0.0.0/255.0.0.0", "'10.0.0.0/255.0.0.0'", ["netmasks are not accepted"]),
        ("", "''", ["empty"]),
        (None, "None", ["of type NoneType, not a string"]),
        (167772160, "167772160", ["of type int, not a string"]),
        (["10.0.0.0/8"], "['10.0.0.0/8']", ["of type list, not a string"]),
    ],
)
def test_parse_cidr_invalid(value, quoted, fragments):
    message = error_of(_netmath.parse_cidr, value, name="flatnet_cluster.pools[0].cidr")
    assert message.startswith(f"flatnet_cluster.pools[0].cidr: {quoted} is not a valid CIDR: ")
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize(
    "value, network",
    [
        ("10.233.64.1/18", "10.233.64.0/18"),
        ("10.233.127.255/18", "10.233.64.0/18"),
        ("2001:db8::1/32", "2001:db8::/32"),
        ("2001:DB8:0:0:8000::/33", "2001:db8::/33"),
    ],
)
def test_parse_cidr_host_bits(value, network):
    message = error_of(_netmath.parse_cidr, value, name="flatnet_cluster.pools[0].cidr")
    assert message == f"flatnet_cluster.pools[0].cidr: '{value}' has host bits set; did you mean '{network}'?"


def test_parse_cidr_default_name():
    assert error_of(_netmath.parse_cidr, "x").startswith("cidr: 'x' ")


# --- reserved_kind ---


@pytest.mark.parametrize(
    "value, expected",
    [
        ("10.233.64.0/18", None),
        ("192.168.0.0/16", None),
        ("2001:db8::/32", None),
        ("169.254.0.0/16", "link-local"),
        ("169.254.10.0/24", "link-local"),
        ("169.0.0.0/8", "link-local"),
        ("fe80::/10", "link-local"),
        ("fe80::/64", "link-local"),
        ("127.0.0.0/8", "loopback"),
        ("127.0.0.1/32", "loopback"),
        ("126.0.0.0/7", "loopback"),
        ("::1/128", "loopback"),
        ("224.0.0.0/4", "multicast"),
        ("239.1.0.0/16", "multicast"),
        ("192.0.0.0/2", "multicast"),
        ("ff00::/8", "multicast"),
        ("ff02::/16", "multicast"),
        ("0.0.0.0/8", "unspecified"),
        ("0.0.0.0/0", "unspecified"),
        ("::/128", "unspecified"),
        ("::/0", "unspecified"),
        ("::2/127", None),
        ("128.0.0.0/3", None),
        ("::ffff:127.0.0.0/104", None),
    ],
)
def test_reserved_kind(value, expected):
    assert _netmath.reserved_kind(value) == expected
    assert _netmath.reserved_kind(netaddr.IPNetwork(value)) == expected


def test_reserved_kind_invalid():
    assert "has host bits set" in error_of(_netmath.reserved_kind, "127.0.0.1/8")


# --- summarise ---


@pytest.mark.parametrize(
    "value, expected",
    [
        (["10.233.64.0/18", "10.233.0.0/18"], ["10.233.0.0/17"]),
        ("10.233.64.0/18", ["10.233.64.0/18"]),
        ([], []),
        (["10.233.0.0/16", "10.233.64.0/18"], ["10.233.0.0/16"]),
        (["10.233.64.0/18", "10.233.64.0/18"], ["10.233.64.0/18"]),
        (["2001:db8::/33", "2001:db8:8000::/33", "192.168.0.0/24"], ["192.168.0.0/24", "2001:db8::/32"]),
        (["fd00::/8", "10.0.0.0/8", "172.16.0.0/12", "1.0.0.0/8"], ["1.0.0.0/8", "10.0.0.0/8", "172.16.0.0/12", "fd00::/8"]),
        (("10.0.0.0/25", "10.0.0.128/25", "10.0.1.0/24"), ["10.0.0.0/23"]),
        ([netaddr.IPNetwork("10.233.0.0/18"), "10.233.64.0/18"], ["10.233.0.0/17"]),
    ],
)
def test_summarise(value, expected):
    assert _netmath.summarise(value) == expected


def test_summarise_accepts_generators():
    assert _netmath.summarise(cidr for cidr in ["10.233.64.0/18", "10.233.0.0/18"]) == ["10.233.0.0/17"]


@pytest.mark.parametrize(
    "value, fragment",
    [
        (["10.233.64.0/18", "10.233.0.1/18"], "cidrs[1]: '10.233.0.1/18' has host bits set"),
        (None, "cidrs: None is not a CIDR or a list of CIDRs"),
        (42, "cidrs: 42 is not a CIDR or a list of CIDRs"),
        ({"pods": "10.233.64.0/18"}, "is not a CIDR or a list of CIDRs"),
        (b"10.0.0.0/8", "is not a CIDR or a list of CIDRs"),
        ([None], "cidrs[0]: None is not a valid CIDR"),
    ],
)
def test_summarise_invalid(value, fragment):
    assert fragment in error_of(_netmath.summarise, value)


def test_summarise_uses_name():
    assert error_of(_netmath.summarise, ["x"], name="flatnet_cluster.ranges").startswith("flatnet_cluster.ranges[0]: 'x' ")


# --- reverse_zones ---


def test_reverse_zones_pod_range():
    expected = [f"{octet}.233.10.in-addr.arpa" for octet in range(64, 128)]
    assert _netmath.reverse_zones("10.233.64.0/18") == expected
    assert len(expected) == 64


def test_reverse_zones_ipv6_33():
    expected = [f"{nibble}.8.b.d.0.1.0.0.2.ip6.arpa" for nibble in range(8)]
    assert _netmath.reverse_zones(["2001:db8::/33"]) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("10.0.0.0/8", ["10.in-addr.arpa"]),
        ("10.233.0.0/16", ["233.10.in-addr.arpa"]),
        ("192.168.10.0/24", ["10.168.192.in-addr.arpa"]),
        ("10.0.0.0/8", ["10.in-addr.arpa"]),
        ("10.232.0.0/15", ["232.10.in-addr.arpa", "233.10.in-addr.arpa"]),
        ("192.168.10.0/23", ["10.168.192.in-addr.arpa", "11.168.192.in-addr.arpa"]),
        ("192.168.10.128/25", ["10.168.192.in-addr.arpa"]),
        ("192.168.10.7/32", ["10.168.192.in-addr.arpa"]),
        (["192.168.10.0/25", "192.168.10.192/26"], ["10.168.192.in-addr.arpa"]),
        (["10.233.64.0/24", "10.233.64.0/18"], [f"{octet}.233.10.in-addr.arpa" for octet in range(64, 128)]),
        (["172.16.0.0/16", "10.0.0.0/8", "9.9.9.0/24"], ["9.9.9.in-addr.arpa", "10.in-addr.arpa", "16.172.in-addr.arpa"]),
        ("2001:db8::/32", ["8.b.d.0.1.0.0.2.ip6.arpa"]),
        ("2001:DB8::/108", ["0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa"]),
        ("2001:db8::1/128", [".".join(reversed("20010db8000000000000000000000001")) + ".ip6.arpa"]),
        ("fc00::/7", ["c.f.ip6.arpa", "d.f.ip6.arpa"]),
        ("::/1", [f"{nibble}.ip6.arpa" for nibble in range(8)]),
        ("::/0", ["ip6.arpa"]),
        (["2001:db8::/32", "10.233.0.0/16"], ["233.10.in-addr.arpa", "8.b.d.0.1.0.0.2.ip6.arpa"]),
        ([], []),
    ],
)
def test_reverse_zones(value, expected):
    assert _netmath.reverse_zones(value) == expected


def test_reverse_zones_merges_overlaps():
    zones = _netmath.reverse_zones(["10.233.64.0/18", "10.233.0.0/18", "10.233.0.0/17"])
    assert zones == [f"{octet}.233.10.in-addr.arpa" for octet in range(128)]


@pytest.mark.parametrize("value", ["0.0.0.0/0", "0.0.0.0/4", "128.0.0.0/1", "8.0.0.0/7"])
def test_reverse_zones_refuses_huge_ipv4(value):
    message = error_of(_netmath.reverse_zones, ["10.233.0.0/16", value], name="flatnet_dns.forward")
    assert message.startswith(f"flatnet_dns.forward: '{value}' is too large for reverse DNS forwarding")
    assert "/8" in message


def test_reverse_zones_refuses_too_many_zones():
    ranges = [f"{first}.{second}.0.0/17" for first in (10, 11, 12) for second in range(256)]
    message = error_of(_netmath.reverse_zones, ranges, name="flatnet_dns.forward")
    assert message.startswith("flatnet_dns.forward: '12.0.0.0/17' brings the number of reverse zones to more than 65536.")


def test_reverse_zones_at_the_limit():
    ranges = [f"{first}.{second}.0.0/17" for first in (10, 11) for second in range(256)]
    assert len(_netmath.reverse_zones(ranges)) == 65536


@pytest.mark.parametrize("value", ["10.233.64.1/18", ["10.0.0.0/8", "x"], None])
def test_reverse_zones_invalid(value):
    assert error_of(_netmath.reverse_zones, value, name="flatnet_dns.forward").startswith("flatnet_dns.forward")


# --- cidr_conflicts ---


def test_cidr_conflicts_none():
    assert not _netmath.cidr_conflicts({"pods": "10.233.64.0/18", "services": "10.233.0.0/18", "office": ["192.168.10.0/24"]})
    assert not _netmath.cidr_conflicts({})
    assert not _netmath.cidr_conflicts({"pods": []})


def pair(left, left_cidr, right, right_cidr):
    """Build one expected conflict."""
    return {"left": left, "left_cidr": left_cidr, "right": right, "right_cidr": right_cidr}


@pytest.mark.parametrize(
    "named_sets, expected",
    [
        (
            {"pods": "10.233.64.0/18", "services": "10.233.0.0/16"},
            [pair("pods", "10.233.64.0/18", "services", "10.233.0.0/16")],
        ),
        (
            {"services": "10.233.0.0/16", "pods": "10.233.64.0/18"},
            [pair("services", "10.233.0.0/16", "pods", "10.233.64.0/18")],
        ),
        (
            {"pods": ["10.233.64.0/18", "10.233.64.0/18"]},
            [pair("pods", "10.233.64.0/18", "pods", "10.233.64.0/18")],
        ),
        (
            {"pods": ["10.233.64.0/24", "10.233.64.0/18"], "office": "192.168.0.0/16"},
            [pair("pods", "10.233.64.0/24", "pods", "10.233.64.0/18")],
        ),
        (
            {"v4": "0.0.0.0/0", "v6": "::/0"},
            [],
        ),
        (
            {"v4": "::ffff:10.0.0.0/104", "v6": "10.0.0.0/8"},
            [],
        ),
        (
            {
                "pods": ["10.233.64.0/18", "fd00:10:233::/56"],
                "services": ["10.233.0.0/18", "fd00:10:233::/112"],
                "office": ["10.0.0.0/8", "192.168.10.0/24"],
            },
            [
                pair("pods", "10.233.64.0/18", "office", "10.0.0.0/8"),
                pair("pods", "fd00:10:233::/56", "services", "fd00:10:233::/112"),
                pair("services", "10.233.0.0/18", "office", "10.0.0.0/8"),
            ],
        ),
        (
            {1: "10.0.0.0/8", 2: "10.1.0.0/16"},
            [pair(1, "10.0.0.0/8", 2, "10.1.0.0/16")],
        ),
        (
            {"a": ["10.0.0.0/8", "11.0.0.0/8"], "b": "10.0.0.0/7", "c": ["10.1.0.0/16", "11.1.0.0/16"]},
            [
                pair("a", "10.0.0.0/8", "b", "10.0.0.0/7"),
                pair("a", "10.0.0.0/8", "c", "10.1.0.0/16"),
                pair("a", "11.0.0.0/8", "b", "10.0.0.0/7"),
                pair("a", "11.0.0.0/8", "c", "11.1.0.0/16"),
                pair("b", "10.0.0.0/7", "c", "10.1.0.0/16"),
                pair("b", "10.0.0.0/7", "c", "11.1.0.0/16"),
            ],
        ),
    ],
)
def test_cidr_conflicts(named_sets, expected):
    assert _netmath.cidr_conflicts(named_sets) == expected


def test_cidr_conflicts_normalises_ipv6():
    assert _netmath.cidr_conflicts({"a": "2001:DB8::/32", "b": "2001:db8:0::/48"}) == [pair("a", "2001:db8::/32", "b", "2001:db8::/48")]


@pytest.mark.parametrize(
    "named_sets, fragment",
    [
        ({"pods": ["10.233.64.0/18", "10.233.0.1/18"]}, "pods[1]: '10.233.0.1/18' has host bits set"),
        ({"services": "10.233/18"}, "services: '10.233/18' is not a valid CIDR"),
        ({"office": None}, "office: None is not a CIDR or a list of CIDRs"),
        (["10.0.0.0/8"], "named_sets: ['10.0.0.0/8'] is not a mapping"),
        ("10.0.0.0/8", "named_sets: '10.0.0.0/8' is not a mapping"),
    ],
)
def test_cidr_conflicts_invalid(named_sets, fragment):
    assert fragment in error_of(_netmath.cidr_conflicts, named_sets)


def brute_force_conflicts(named_sets):
    """All-pairs reference for cidr_conflicts."""
    entries = []
    for set_name, cidrs in named_sets.items():
        for cidr in [cidrs] if isinstance(cidrs, str) else cidrs:
            entries.append((set_name, netaddr.IPNetwork(cidr)))
    result = []
    for index, (left, left_net) in enumerate(entries):
        for right, right_net in entries[index + 1:]:
            if left_net.version == right_net.version and left_net.first <= right_net.last and right_net.first <= left_net.last:
                result.append(pair(left, str(left_net), right, str(right_net)))
    return result


def random_cidr(rng: random.Random, version: int) -> str:
    """A random network of the given IP version inside a small range, so that overlaps happen."""
    base = netaddr.IPNetwork("10.0.0.0/8" if version == 4 else "2001:db8::/32")
    prefix = rng.randint(base.prefixlen, base.prefixlen + 24)
    address = netaddr.IPAddress(base.first + rng.randrange(base.size), version)
    return str(netaddr.IPNetwork(f"{address}/{prefix}").cidr)


def test_cidr_conflicts_matches_brute_force():
    rng = random.Random(20240617)
    for _round in range(40):
        named_sets = {
            f"set{index}": [random_cidr(rng, rng.choice((4, 6))) for _item in range(rng.randint(0, 6))]
            for index in range(rng.randint(1, 5))
        }
        assert _netmath.cidr_conflicts(named_sets) == brute_force_conflicts(named_sets)


def test_cidr_conflicts_many_disjoint_is_fast():
    named_sets = {"nodes": [f"10.{high}.{low}.0/24" for high in range(64) for low in range(256)]}
    named_sets["pods"] = "10.200.0.0/16"
    assert not _netmath.cidr_conflicts(named_sets)
    named_sets["all"] = "10.0.0.0/8"
    assert len(_netmath.cidr_conflicts(named_sets)) == 64 * 256 + 1


# --- calico_blocks ---


@pytest.mark.parametrize(
    "cidr, block_size, expected",
    [
        (
            "10.233.64.0/18", 24,
            {"cidr": "10.233.64.0/18", "family": 4, "prefix_length": 18, "block_size": 24, "blocks": 64, "addresses_per_block": 256, "addresses": 16384},
        ),
        (
            "10.233.64.0/18", 26,
            {"cidr": "10.233.64.0/18", "family": 4, "prefix_length": 18, "block_size": 26, "blocks": 256, "addresses_per_block": 64, "addresses": 16384},
        ),
        (
            "10.233.64.0/26", 26,
            {"cidr": "10.233.64.0/26", "family": 4, "prefix_length": 26, "block_size": 26, "blocks": 1, "addresses_per_block": 64, "addresses": 64},
        ),
        (
            "10.0.0.0/8", 20,
            {"cidr": "10.0.0.0/8", "family": 4, "prefix_length": 8, "block_size": 20, "blocks": 4096, "addresses_per_block": 4096, "addresses": 16777216},
        ),
        (
            "10.0.0.7/32", 32,
            {"cidr": "10.0.0.7/32", "family": 4, "prefix_length": 32, "block_size": 32, "blocks": 1, "addresses_per_block": 1, "addresses": 1},
        ),
        (
            "FD00:10:233::/112", 122,
            {"cidr": "fd00:10:233::/112", "family": 6, "prefix_length": 112, "block_size": 122, "blocks": 1024, "addresses_per_block": 64,
             "addresses": 65536},
        ),
        (
            "fd00::/64", 116,
            {"cidr": "fd00::/64", "family": 6, "prefix_length": 64, "block_size": 116, "blocks": 2 ** 52, "addresses_per_block": 4096,
             "addresses": 2 ** 64},
        ),
    ],
)
def test_calico_blocks(cidr, block_size, expected):
    assert _netmath.calico_blocks(cidr, block_size) == expected


@pytest.mark.parametrize(
    "cidr, block_size, message",
    [
        ("10.233.64.0/18", 33,
         "flatnet_cluster.pools[0].block_size: 33 is out of range for an IPv4 pool; use 20 to 32 (Calico's default is 26)"),
        ("10.233.64.0/18", 19,
         "flatnet_cluster.pools[0].block_size: 19 is out of range for an IPv4 pool; use 20 to 32 (Calico's default is 26)"),
        ("fd00::/64", 115,
         "flatnet_cluster.pools[0].block_size: 115 is out of range for an IPv6 pool; use 116 to 128 (Calico's default is 122)"),
        ("fd00::/64", 26,
         "flatnet_cluster.pools[0].block_size: 26 is out of range for an IPv6 pool; use 116 to 128 (Calico's default is 122)"),
        ("10.233.64.0/27", 26,
         "flatnet_cluster.pools[0].block_size: 26 does not fit pool '10.233.64.0/27': pool prefix /27 is longer than block_size 26; "
         "a pool must hold at least one block: use a block_size of at least 27 or a larger pool"),
        ("fd00::/124", 122,
         "flatnet_cluster.pools[0].block_size: 122 does not fit pool 'fd00::/124': pool prefix /124 is longer than block_size 122; "
         "a pool must hold at least one block: use a block_size of at least 124 or a larger pool"),
    ],
)
def test_calico_blocks_invalid(cidr, block_size, message):
    assert error_of(_netmath.calico_blocks, cidr, block_size, name="flatnet_cluster.pools[0]") == message


@pytest.mark.parametrize(
    "block_size, fragment",
    [
        (True, "True is not a valid block size: it must be a whole number, not of type bool"),
        ("26", "'26' is not a valid block size: it must be a whole number, not of type str"),
        (26.0, "26.0 is not a valid block size"),
        (None, "None is not a valid block size"),
    ],
)
def test_calico_blocks_block_size_type(block_size, fragment):
    message = error_of(_netmath.calico_blocks, "10.233.64.0/18", block_size, name="flatnet_cluster.pools[0]")
    assert message.startswith("flatnet_cluster.pools[0].block_size: ")
    assert fragment in message
    assert "use 20 to 32 (Calico's default is 26)" in message


def test_calico_blocks_bad_cidr():
    message = error_of(_netmath.calico_blocks, "10.233.64.1/18", 24, name="flatnet_cluster.pools[0]")
    assert message == "flatnet_cluster.pools[0].cidr: '10.233.64.1/18' has host bits set; did you mean '10.233.64.0/18'?"
    assert error_of(_netmath.calico_blocks, "x", 24).startswith("pool.cidr: 'x' ")


def test_block_size_constants():
    assert _netmath.IPV4_BLOCK_SIZES == (20, 32)
    assert _netmath.IPV6_BLOCK_SIZES == (116, 128)


# --- properties ---


def random_pool(rng: random.Random) -> str:
    """A random pool anywhere in the address space of a random family."""
    if rng.random() < 0.5:
        prefix = rng.randint(8, 32)
        network = netaddr.IPNetwork(f"{netaddr.IPAddress(rng.getrandbits(32), 4)}/{prefix}")
    else:
        prefix = rng.randint(1, 128)
        network = netaddr.IPNetwork(f"{netaddr.IPAddress(rng.getrandbits(128), 6)}/{prefix}")
    return str(network.cidr)


def zone_of(address: "netaddr.IPAddress", zones: set) -> bool:
    """Whether one of the zone names is a suffix (on a label boundary) of the address's reverse name."""
    labels = address.reverse_dns.rstrip(".").split(".")
    return any(".".join(labels[index:]) in zones for index in range(len(labels)))


def test_reverse_zones_and_summary_cover_random_pools():
    rng = random.Random(5396)
    for _round in range(200):
        pools = [random_pool(rng) for _item in range(rng.randint(1, 4))]
        zones = set(_netmath.reverse_zones(pools))
        for pool in pools:
            network = netaddr.IPNetwork(pool)
            assert zone_of(network[0], zones), pool
            assert zone_of(network[-1], zones), pool
        assert netaddr.IPSet(_netmath.summarise(pools)) == netaddr.IPSet(pools)


# --- without netaddr ---


def test_module_imports_without_netaddr(monkeypatch):
    monkeypatch.setitem(sys.modules, "netaddr", None)
    try:
        reloaded = importlib.reload(_netmath)
        assert reloaded.HAS_NETADDR is False
        assert "netaddr" in reloaded.NETADDR_IMPORT_ERROR
        assert reloaded.asn_plain("1.10") == 65546
    finally:
        monkeypatch.undo()
        importlib.reload(_netmath)
    assert _netmath.HAS_NETADDR is True


@pytest.mark.parametrize(
    "func, args",
    [
        (_netmath.parse_cidr, ("10.0.0.0/8",)),
        (_netmath.reserved_kind, ("10.0.0.0/8",)),
        (_netmath.summarise, (["10.0.0.0/8"],)),
        (_netmath.reverse_zones, ("10.0.0.0/8",)),
        (_netmath.cidr_conflicts, ({"pods": "10.0.0.0/8"},)),
        (_netmath.calico_blocks, ("10.0.0.0/8", 26)),
    ],
)
def test_clear_error_without_netaddr(monkeypatch, func, args):
    monkeypatch.setattr(_netmath, "HAS_NETADDR", False)
    message = error_of(func, *args)
    assert "requires the Python library netaddr" in message
    assert "pip install netaddr" in message


# --- parse_address ---


@pytest.mark.parametrize("value, expected", [
    ("10.200.20.254", "10.200.20.254"),
    (" 10.200.20.254 ", "10.200.20.254"),
    ("2001:DB8::1", "2001:db8::1"),
    ("fd00:0:0::10", "fd00::10"),
])
def test_parse_address_accepts_host_addresses(value, expected):
    address = _netmath.parse_address(value, name="peer")
    assert str(address) == expected
    assert isinstance(address, netaddr.IPAddress)


@pytest.mark.parametrize("value, fix", [
    ("10.200.20", "all four octets"),
    ("10.200.20.256", "all four octets"),
    ("010.200.20.1", "all four octets"),
    ("switch1", "all four octets"),
    ("2001:db8::zz", "all four octets"),
    ("10.200.20.254/32", "without a prefix length"),
    ("", "without a prefix length"),
    (None, "without a prefix length"),
    (167777534, "without a prefix length"),
])
def test_parse_address_rejects_non_addresses(value, fix):
    with pytest.raises(FlatnetError) as error:
        _netmath.parse_address(value, name="flatnet_fabric.switches[0].peer_ip")
    message = str(error.value)
    assert message.startswith("flatnet_fabric.switches[0].peer_ip: ")
    assert _netmath._quote(value) in message
    assert "is not an IP address" in message and fix in message


@pytest.mark.parametrize("value, kind", [
    ("0.0.0.0", "unspecified"), ("127.0.0.1", "loopback"), ("169.254.1.1", "link-local"), ("239.1.1.1", "multicast"),
    ("::", "unspecified"), ("::1", "loopback"), ("fe80::1", "link-local"), ("ff02::5", "multicast"),
])
def test_parse_address_rejects_special_addresses(value, kind):
    with pytest.raises(FlatnetError) as error:
        _netmath.parse_address(value, name="next_hop")
    assert str(error.value).startswith("next_hop: '%s' is a %s address" % (value, kind))
    assert "Use the address of the interface" in str(error.value)
