# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of module_utils._linux_routes, with ip faked by a runner."""

from __future__ import annotations

import json
import os
import stat
from typing import Any, Dict, List, Optional, Sequence, Tuple

import pytest

from ansible_collections.flatnet.kube.plugins.module_utils import _linux_routes as lr
from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError

# Real output of iproute2 6.1 (ip -N -j route show table main), with a multipath, a blackhole, a
# dev-only, a kernel and a proto 250 route.
IPV4_MAIN = json.dumps([
    {"dst": "default", "gateway": "192.0.2.1", "dev": "eth0", "flags": []},
    {"dst": "10.7.0.0/16", "flags": [], "nexthops": [
        {"gateway": "10.200.21.1", "dev": "v0", "weight": 1, "flags": []},
        {"gateway": "10.200.21.5", "dev": "v0", "weight": 1, "flags": []}]},
    {"type": "blackhole", "dst": "10.8.0.0/16", "protocol": "4", "flags": []},
    {"dst": "10.9.0.0/16", "dev": "v0", "scope": "253", "flags": []},
    {"dst": "10.200.21.0/30", "dev": "v0", "protocol": "2", "scope": "253", "prefsrc": "10.200.21.2", "flags": []},
    {"dst": "10.6.6.6", "gateway": "10.200.21.1", "dev": "v0", "protocol": "4", "flags": ["onlink"]},
    {"dst": "10.233.0.0/17", "gateway": "10.200.21.1", "dev": "v0", "protocol": "4", "flags": []},
    {"dst": "10.233.128.0/18", "gateway": "10.200.21.1", "dev": "v0", "protocol": "250", "metric": 100, "flags": []},
])
IPV6_MAIN = json.dumps([
    {"dst": "2001:db8:21::/64", "dev": "v0", "protocol": "2", "metric": 256, "flags": [], "pref": "medium"},
    {"dst": "2001:db8:98::/48", "gateway": "fe80::1", "dev": "v0", "protocol": "4", "metric": 50, "flags": [], "pref": "medium"},
    {"dst": "2001:db8:99::/48", "gateway": "2001:db8:21::1", "dev": "v0", "protocol": "4", "metric": 1024, "flags": [],
     "pref": "medium"},
    {"dst": "fe80::/64", "dev": "v0", "protocol": "2", "metric": 256, "flags": [], "pref": "medium"},
    {"dst": "default", "gateway": "fd00::1", "dev": "eth0", "metric": 1024, "flags": [], "pref": "medium"},
])
# The same kind of output without -N: names, as iproute2 before -N printed them.
IPV4_NAMED = json.dumps([
    {"dst": "10.233.0.0/17", "gateway": "10.200.21.1", "dev": "v0", "protocol": "static", "flags": []},
    {"dst": "10.200.21.0/30", "dev": "v0", "protocol": "kernel", "scope": "link", "prefsrc": "10.200.21.2", "flags": []},
])
NO_TABLE = "Error: ipv4: FIB table does not exist.\nDump terminated\n"


class FakeIp:
    """A runner that answers ip commands from a table and records every command."""

    def __init__(self, tables: Optional[Dict[Tuple[int, str], str]] = None, fail: Optional[Dict[str, str]] = None,
                 numeric: bool = True) -> None:
        self.tables = tables or {}
        self.fail = fail or {}
        self.numeric = numeric
        self.calls: List[List[str]] = []

    def __call__(self, argv: List[str]) -> Tuple[int, str, str]:
        self.calls.append(list(argv))
        assert argv[0] == "/usr/sbin/ip"
        words = argv[1:]
        if "-N" in words and not self.numeric:
            return 255, "", 'Option "-N" is unknown, try "ip -help".\n'
        if "show" in words:
            family = int(words[words.index("route") - 1][1:])
            table = words[words.index("table") + 1]
            if (family, table) not in self.tables:
                return 2, "[", NO_TABLE
            return 0, self.tables[(family, table)], ""
        line = " ".join(words)
        for text, err in self.fail.items():
            if text in line:
                return 2, "", err
        return 0, "", ""

    def changes(self) -> List[str]:
        """The commands that were not reads, as typed."""
        return [" ".join(["ip"] + call[1:]) for call in self.calls if "show" not in call]


@pytest.fixture(name="conf")
def fixture_conf(tmp_path) -> str:
    """An iproute2 configuration directory as Debian ships it, plus FRR's protocol names."""
    conf = tmp_path / "iproute2"
    (conf / "rt_protos.d").mkdir(parents=True)
    (conf / "rt_protos").write_text("#\n# Reserved protocols.\n#\n0\tunspec\n2\tkernel\n3\tboot\n4\tstatic\n"
                                    "12\tbird\n186\tbgp\n", encoding="utf-8")
    (conf / "rt_protos.d" / "frr.conf").write_text("186  bgp\n196  static\n197  openfabric\n", encoding="utf-8")
    (conf / "rt_protos.d" / "README").write_text("250 ignored\n", encoding="utf-8")
    (conf / "rt_tables").write_text("255\tlocal\n254\tmain\n253\tdefault\n0\tunspec\n100 office # the office uplink\n",
                                    encoding="utf-8")
    return str(conf)


def make_host(conf: str, fake: FakeIp) -> lr.Host:
    return lr.Host(fake, "/usr/sbin/ip", conf_dirs=[conf])


def params(*routes: Dict[str, Any], **options: Any) -> Dict[str, Any]:
    result: Dict[str, Any] = {"routes": list(routes), "state": "present", "purge": False, "persist": "none",
                              "persist_path": None, "persist_interface": None}
    result.update(options)
    return result


def error_of(func, *args, **kwargs) -> str:
    with pytest.raises(FlatnetError) as caught:
        func(*args, **kwargs)
    return str(caught.value)


def names_of(conf: str) -> Tuple[Dict[int, str], Dict[int, str]]:
    return lr.Host(FakeIp(), conf_dirs=[conf]).names()


# --- names ---


def test_names_follow_iproute2(conf):
    protocols, tables = names_of(conf)
    assert lr.name_to_id(protocols, "static") == 4  # the lowest number with the name, as ip reads it
    assert lr.id_to_name(protocols, 4) == "static"
    assert lr.id_to_name(protocols, 196) == "196"  # ambiguous: shown as a number
    assert lr.name_to_id(protocols, "openfabric") == 197
    assert lr.name_to_id(protocols, "dhcp") == 16  # built in, not in the file
    assert lr.name_to_id(protocols, "nosuch") is None
    assert 250 not in protocols  # only .conf files of rt_protos.d count
    assert lr.name_to_id(tables, "office") == 100
    assert lr.id_to_name(tables, 254) == "main"


def test_missing_conf_dirs_give_builtin_names(tmp_path):
    protocols, tables = lr.Host(FakeIp(), conf_dirs=[str(tmp_path / "none")]).names()
    assert protocols == lr.PROTOCOLS
    assert tables == lr.TABLES


# --- parsing ip -j output ---


def test_parse_ipv4(conf):
    routes = lr.parse_routes(IPV4_MAIN, 4, "main", 254, names_of(conf)[0])
    by_dest = {route.dest: route for route in routes}
    assert by_dest["0.0.0.0/0"] == lr.Route(4, "0.0.0.0/0", "192.0.2.1", "eth0", 0, "main", 254, "boot", 3)
    assert by_dest["10.233.0.0/17"].proto == "static" and by_dest["10.233.0.0/17"].proto_id == 4
    assert by_dest["10.233.128.0/18"].metric == 100 and by_dest["10.233.128.0/18"].proto == "250"
    assert by_dest["10.6.6.6/32"].via == "10.200.21.1"
    assert by_dest["10.8.0.0/16"].kind == "blackhole"
    assert by_dest["10.9.0.0/16"].via is None and by_dest["10.9.0.0/16"].dev == "v0"
    assert by_dest["10.200.21.0/30"].proto == "kernel"
    assert by_dest["10.7.0.0/16"].nexthops == (("10.200.21.1", "v0"), ("10.200.21.5", "v0"))
    assert lr.route_line(by_dest["10.7.0.0/16"]) == "10.7.0.0/16 nexthop via 10.200.21.1 dev v0 nexthop via 10.200.21.5 dev v0 proto boot"
    assert lr.route_line(by_dest["10.8.0.0/16"]) == "blackhole 10.8.0.0/16 proto static"


def test_parse_ipv6(conf):
    routes = lr.parse_routes(IPV6_MAIN, 6, "main", 254, names_of(conf)[0])
    by_dest = {route.dest: route for route in routes}
    assert by_dest["::/0"].via == "fd00::1" and by_dest["::/0"].metric == 1024
    assert by_dest["2001:db8:98::/48"] == lr.Route(6, "2001:db8:98::/48", "fe80::1", "v0", 50, "main", 254, "static", 4)
    assert lr.route_line(by_dest["2001:db8:99::/48"]) == "2001:db8:99::/48 via 2001:db8:21::1 dev v0 proto static"
    assert lr.route_line(by_dest["2001:db8:98::/48"]) == "2001:db8:98::/48 via fe80::1 dev v0 proto static metric 50"


def test_parse_names_and_empty_output(conf):
    routes = lr.parse_routes(IPV4_NAMED, 4, "office", 100, names_of(conf)[0])
    assert [(route.proto_id, route.table) for route in routes] == [(4, "office"), (2, "office")]
    assert lr.parse_routes("", 4, "main", 254, {}) == []
    assert lr.parse_routes("[]\n", 6, "main", 254, {}) == []


def test_parse_refuses_text_that_is_not_json():
    message = error_of(lr.parse_routes, "default via 192.0.2.1 dev eth0\n", 4, "main", 254, {})
    assert "iproute2 4.17 or later" in message and "default via" in message


def test_read_routes_of_a_missing_table_is_empty(conf):
    fake = FakeIp()
    assert lr.read_routes(make_host(conf, fake), 4, "100", 100) == []
    assert fake.calls == [["/usr/sbin/ip", "-N", "-j", "-4", "route", "show", "table", "100"]]


def test_read_routes_falls_back_to_names_without_numeric_option(conf):
    fake = FakeIp({(4, "main"): IPV4_NAMED}, numeric=False)
    host = make_host(conf, fake)
    routes = lr.read_routes(host, 4, "main", 254)
    assert routes[0].proto_id == 4
    assert fake.calls[-1] == ["/usr/sbin/ip", "-j", "-4", "route", "show", "table", "main"]
    assert host.numeric is False


# --- validating the routes option ---


def test_wanted_routes_are_canonical(conf):
    routes = lr.wanted_routes([
        {"dest": "10.233.0.0/17", "via": "10.200.21.1"},
        {"dest": "2001:DB8:233::/56", "via": "2001:db8:21:0::1", "metric": 0, "table": 100, "proto": "250"},
        {"dest": "2001:db8:234::/56", "via": "FE80::1", "dev": "eth1", "table": "office", "proto": "bird"},
        {"dest": "10.9.0.0/16", "dev": "eth1"},
    ], names_of(conf))
    assert routes[0] == lr.Route(4, "10.233.0.0/17", "10.200.21.1")
    assert routes[1][:4] == (6, "2001:db8:233::/56", "2001:db8:21::1", None)
    assert (routes[1].table, routes[1].table_id, routes[1].proto, routes[1].proto_id) == ("100", 100, "250", 250)
    assert lr.effective_metric(routes[1]) == 1024
    assert (routes[2].via, routes[2].table_id, routes[2].proto_id) == ("fe80::1", 100, 12)
    assert routes[3].via is None


@pytest.mark.parametrize("route, expected", [
    ({"dest": "10.233.0.1/17", "via": "10.200.21.1"}, "routes[0].dest: '10.233.0.1/17' has host bits set; did you mean '10.233.0.0/17'?"),
    ({"dest": "10.233.0.0", "via": "10.200.21.1"}, "routes[0].dest: '10.233.0.0' is not a valid CIDR: the prefix length is missing"),
    ({"dest": "10.233.0.0/17", "via": "10.200.21.1/30"}, "routes[0].via: '10.200.21.1/30' is not an IP address"),
    ({"dest": "10.233.0.0/17", "via": "127.0.0.1"}, "routes[0].via: '127.0.0.1' is a loopback address"),
    ({"dest": "10.233.0.0/17", "via": "2001:db8::1"},
     "routes[0].via: '2001:db8::1' is an IPv6 address but routes[0].dest '10.233.0.0/17' is IPv4; give a next hop of the same family"),
    ({"dest": "2001:db8::/32", "via": "10.200.21.1"}, "routes[0].via: '10.200.21.1' is an IPv4 address but routes[0].dest"),
    ({"dest": "2001:db8::/32", "via": "fe80::1"}, "routes[0].via: 'fe80::1' is an IPv6 link-local address; a link-local next hop needs dev"),
    ({"dest": "10.233.0.0/17"}, "routes[0]: a route needs via (the next hop), dev (the interface) or both; '10.233.0.0/17' has neither."),
    ({"dest": "10.233.0.0/17", "dev": "eth1; reboot"}, "routes[0].dev: 'eth1; reboot' is not an interface name"),
    ({"dest": "10.233.0.0/17", "dev": "a-very-long-interface"}, "routes[0].dev: 'a-very-long-interface' is not an interface name"),
    ({"dest": "10.233.0.0/17", "dev": "eth1", "metric": -1}, "routes[0].metric: -1 is not a route metric"),
    ({"dest": "10.233.0.0/17", "dev": "eth1", "table": "nosuch"}, "routes[0].table: 'nosuch' is not a routing table of this host"),
    ({"dest": "10.233.0.0/17", "dev": "eth1", "table": "0"}, "routes[0].table: '0' is not a routing table to write to"),
    ({"dest": "10.233.0.0/17", "dev": "eth1", "table": "1 2"}, "routes[0].table: '1 2' is not a routing table; use a number"),
    ({"dest": "10.233.0.0/17", "dev": "eth1", "proto": "kernel"}, "routes[0].proto: 'kernel' marks routes the kernel makes itself"),
    ({"dest": "10.233.0.0/17", "dev": "eth1", "proto": "nosuch"}, "routes[0].proto: 'nosuch' is not a routing protocol of this host"),
    ({"dest": "10.233.0.0/17", "dev": "eth1", "proto": "256"}, "routes[0].proto: '256' is not a routing protocol of this host"),
])
def test_wanted_route_errors(conf, route, expected):
    assert expected in error_of(lr.wanted_routes, [route], names_of(conf))


def test_duplicate_slots_are_refused(conf):
    message = error_of(lr.wanted_routes, [
        {"dest": "2001:db8::/32", "via": "2001:db8:21::1"},
        {"dest": "10.233.0.0/17", "via": "10.200.21.1"},
        {"dest": "2001:db8::/32", "via": "2001:db8:21::2", "metric": 1024},
    ], names_of(conf))
    assert message.startswith("routes[2]: 2001:db8::/32 has the same dest, metric and table as routes[0]")


def test_absent_routes_need_no_next_hop(conf):
    assert lr.wanted_routes([{"dest": "10.233.0.0/17"}], names_of(conf), need_next_hop=False)[0].via is None


# --- planning and applying ---


def current_routes(conf: str) -> List[lr.Route]:
    protocols = names_of(conf)[0]
    return lr.parse_routes(IPV4_MAIN, 4, "main", 254, protocols) + lr.parse_routes(IPV6_MAIN, 6, "main", 254, protocols)


def plan_of(conf: str, routes: Sequence[Dict[str, Any]], state: str = "present", purge: bool = False) -> lr.Plan:
    wanted = lr.wanted_routes(routes, names_of(conf), need_next_hop=state == "present")
    return lr.plan(wanted, current_routes(conf), state, purge)


def test_plan_no_op_when_routes_are_there(conf):
    changes = plan_of(conf, [{"dest": "10.233.0.0/17", "via": "10.200.21.1"},  # any dev will do
                             {"dest": "10.6.6.6/32", "via": "10.200.21.1", "dev": "v0", "metric": 0},
                             {"dest": "2001:db8:99::/48", "via": "2001:db8:21::1", "dev": "v0", "metric": 0}])
    assert changes.add == [] and changes.remove == []
    assert changes.before == changes.after


def test_plan_adds_missing_and_replaces_different(conf):
    changes = plan_of(conf, [
        {"dest": "10.234.0.0/16", "via": "10.200.21.1"},                    # missing
        {"dest": "10.233.0.0/17", "via": "10.200.21.5"},                    # other next hop
        {"dest": "10.233.128.0/18", "via": "10.200.21.1", "metric": 100},   # proto 250, not static
        {"dest": "10.233.0.0/17", "via": "10.200.21.1", "metric": 10},      # another slot
        {"dest": "10.7.0.0/16", "via": "10.200.21.1"},                      # multipath is not one next hop
        {"dest": "10.9.0.0/16", "dev": "v1"},                                # other interface
    ])
    assert [lr.route_line(route) for route in changes.add] == [
        "10.234.0.0/16 via 10.200.21.1 proto static",
        "10.233.0.0/17 via 10.200.21.5 proto static",
        "10.233.128.0/18 via 10.200.21.1 proto static metric 100",
        "10.233.0.0/17 via 10.200.21.1 proto static metric 10",
        "10.7.0.0/16 via 10.200.21.1 proto static",
        "10.9.0.0/16 dev v1 proto static",
    ]
    assert changes.remove == []
    assert "10.233.0.0/17 via 10.200.21.1 dev v0 proto static" in [lr.route_line(route) for route in changes.before]
    assert "10.233.0.0/17 via 10.200.21.1 dev v0 proto static" not in [lr.route_line(route) for route in changes.after]


def test_plan_purge_removes_unlisted_routes_of_the_same_protocol_table_and_family(conf):
    changes = plan_of(conf, [{"dest": "10.234.0.0/16", "via": "10.200.21.1"}], purge=True)
    # 10.6.6.6 and 10.233.0.0/17 are static; the blackhole, the default (boot), the 250 route and IPv6 stay.
    assert [lr.route_line(route) for route in changes.remove] == [
        "10.6.6.6/32 via 10.200.21.1 dev v0 proto static",
        "10.233.0.0/17 via 10.200.21.1 dev v0 proto static",
    ]
    changes = plan_of(conf, [{"dest": "10.233.128.0/18", "via": "10.200.21.1", "proto": "250"}], purge=True)
    assert [route.dest for route in changes.add] == ["10.233.128.0/18"]  # metric 0 is another slot than metric 100
    assert [route.dest for route in changes.remove] == ["10.233.128.0/18"]
    changes = plan_of(conf, [{"dest": "10.233.0.0/17", "via": "10.200.21.1"}, {"dest": "10.6.6.6/32", "via": "10.200.21.1"}],
                      purge=True)
    assert changes.add == [] and changes.remove == []


def test_purge_stays_inside_the_cluster_ranges(conf):
    """A default route and an office route marked static (as systemd-networkd marks its own) are never purged."""
    protocols = names_of(conf)[0]
    networkd = lr.parse_routes(json.dumps([
        {"dst": "default", "gateway": "192.0.2.1", "dev": "eth0", "protocol": "4", "flags": []},
        {"dst": "172.16.0.0/12", "gateway": "192.0.2.9", "dev": "eth0", "protocol": "4", "flags": []}]), 4, "main", 254, protocols)
    wanted = lr.wanted_routes([{"dest": "10.234.0.0/16", "via": "10.200.21.1"}], names_of(conf))
    unscoped = lr.plan(wanted, current_routes(conf) + networkd, "present", True)
    assert {"0.0.0.0/0", "172.16.0.0/12"} <= {route.dest for route in unscoped.remove}  # what the old purge would have done
    scoped = lr.plan(wanted, current_routes(conf) + networkd, "present", True, ["10.233.0.0/16", "10.234.0.0/16"])
    assert [lr.route_line(route) for route in scoped.remove] == ["10.233.0.0/17 via 10.200.21.1 dev v0 proto static"]
    assert lr.purge_scope(["10.233.0.0/16"]) == ["10.233.0.0/16"]
    with pytest.raises(FlatnetError, match=r"purge_within\[0\]"):
        lr.purge_scope(["10.233.0.1/16"])


def test_purge_keeps_the_persisted_routes_outside_its_scope(conf):
    names = names_of(conf)
    inside, outside = lr.wanted_routes([{"dest": "10.233.0.0/17", "via": "10.200.21.1"}, {"dest": "172.16.0.0/12", "via": "10.200.21.1"}], names)
    new = lr.wanted_routes([{"dest": "10.233.0.0/16", "via": "10.200.21.1"}], names)[0]
    assert lr.persisted_routes("script", [inside, outside], [new], "present", True, ["10.233.0.0/16"]) == [outside, new]


def test_plan_purge_of_ipv6(conf):
    changes = plan_of(conf, [{"dest": "2001:db8:99::/48", "via": "2001:db8:21::1"}], purge=True)
    assert [lr.route_line(route) for route in changes.remove] == ["2001:db8:98::/48 via fe80::1 dev v0 proto static metric 50"]


def test_plan_absent(conf):
    changes = plan_of(conf, [{"dest": "10.233.0.0/17"}, {"dest": "10.6.6.6/32", "via": "10.200.21.9"},
                             {"dest": "10.233.128.0/18", "metric": 100}, {"dest": "10.234.0.0/16"}], state="absent")
    assert [lr.route_line(route) for route in changes.remove] == ["10.233.0.0/17 via 10.200.21.1 dev v0 proto static"]
    assert changes.add == []
    assert [lr.route_line(route) for route in changes.after] == ["10.6.6.6/32 via 10.200.21.1 dev v0 proto static",
                                                                 "10.233.128.0/18 via 10.200.21.1 dev v0 proto 250 metric 100"]


def test_commands(conf):
    wanted = lr.wanted_routes([{"dest": "10.233.0.0/17", "via": "10.200.21.1"},
                               {"dest": "2001:db8::/32", "via": "fe80::1", "dev": "eth1", "metric": 7, "table": "office", "proto": "250"}],
                              names_of(conf))
    assert lr.shown(lr.replace_command(wanted[0])) == "ip -4 route replace 10.233.0.0/17 via 10.200.21.1 proto static"
    assert lr.shown(lr.replace_command(wanted[1])) == "ip -6 route replace 2001:db8::/32 via fe80::1 dev eth1 metric 7 table office proto 250"
    by_dest = {route.dest: route for route in current_routes(conf)}
    assert lr.shown(lr.delete_command(by_dest["10.233.0.0/17"])) == "ip -4 route del 10.233.0.0/17 via 10.200.21.1 dev v0 metric 0 proto 4"
    assert lr.shown(lr.delete_command(by_dest["10.7.0.0/16"])) == "ip -4 route del 10.7.0.0/16 metric 0 proto 3"
    assert lr.shown(lr.delete_command(by_dest["::/0"])) == "ip -6 route del ::/0 via fd00::1 dev eth0 metric 1024 proto 3"


def test_manage_applies_writes_before_deletes(conf):
    fake = FakeIp({(4, "main"): IPV4_MAIN, (6, "main"): IPV6_MAIN})
    result = lr.manage(make_host(conf, fake), params({"dest": "10.234.0.0/16", "via": "10.200.21.1"}, purge=True))
    assert result["changed"] is True
    assert result["commands"] == fake.changes() == [
        "ip -4 route replace 10.234.0.0/16 via 10.200.21.1 proto static",
        "ip -4 route del 10.6.6.6/32 via 10.200.21.1 dev v0 metric 0 proto 4",
        "ip -4 route del 10.233.0.0/17 via 10.200.21.1 dev v0 metric 0 proto 4",
    ]
    assert result["routes_added"] == [{"dest": "10.234.0.0/16", "via": "10.200.21.1", "dev": None, "metric": None, "table": "main",
                                       "proto": "static"}]
    assert [route["dest"] for route in result["routes_removed"]] == ["10.6.6.6/32", "10.233.0.0/17"]
    assert result["diff"] == [{
        "before_header": "routes", "after_header": "routes",
        "before": "10.6.6.6/32 via 10.200.21.1 dev v0 proto static\n10.233.0.0/17 via 10.200.21.1 dev v0 proto static\n",
        "after": "10.234.0.0/16 via 10.200.21.1 proto static\n",
    }]
    # Only the IPv4 main table was read: nothing IPv6 is listed.
    assert [call[3] for call in fake.calls if "show" in call] == ["-4"]


def test_manage_check_mode_runs_no_change(conf):
    fake = FakeIp({(4, "main"): IPV4_MAIN})
    result = lr.manage(make_host(conf, fake), params({"dest": "10.234.0.0/16", "via": "10.200.21.1"}), check_mode=True)
    assert result["changed"] is True
    assert result["commands"] == ["ip -4 route replace 10.234.0.0/16 via 10.200.21.1 proto static"]
    assert fake.changes() == []


def test_manage_unchanged(conf):
    fake = FakeIp({(4, "main"): IPV4_MAIN, (6, "main"): IPV6_MAIN})
    result = lr.manage(make_host(conf, fake), params({"dest": "10.233.0.0/17", "via": "10.200.21.1"},
                                                     {"dest": "2001:db8:99::/48", "via": "2001:db8:21::1"}))
    assert result["changed"] is False and result["commands"] == [] and fake.changes() == []
    assert result["diff"][0]["before"] == result["diff"][0]["after"]


def test_manage_reads_other_tables(conf):
    fake = FakeIp()
    result = lr.manage(make_host(conf, fake), params({"dest": "10.233.0.0/17", "via": "10.200.21.1", "table": "office"}))
    assert result["commands"] == ["ip -4 route replace 10.233.0.0/17 via 10.200.21.1 table office proto static"]
    assert fake.calls[0][-2:] == ["table", "office"]


@pytest.mark.parametrize("err", ["Error: Nexthop has invalid gateway.\n", "RTNETLINK answers: Network is unreachable\n",
                                 "RTNETLINK answers: No route to host\n"])
def test_unreachable_next_hop(conf, err):
    fake = FakeIp({(4, "main"): "[]"}, fail={"replace": err})
    message = error_of(lr.manage, make_host(conf, fake), params({"dest": "10.233.0.0/17", "dev": "v0"},
                                                                {"dest": "10.234.0.0/16", "via": "10.200.21.1"}))
    assert message.startswith("routes[0]: 'ip -4 route replace 10.233.0.0/17 dev v0 proto static' failed")
    fake = FakeIp({(4, "main"): "[]"}, fail={"10.234.0.0/16": err})
    message = error_of(lr.manage, make_host(conf, fake), params({"dest": "10.233.0.0/17", "dev": "v0"},
                                                                {"dest": "10.234.0.0/16", "via": "10.200.21.1"}))
    assert message.startswith("routes[1].via 10.200.21.1 is not on a connected network of this host; add the transit link first")


def test_missing_device_and_other_failures(conf):
    fake = FakeIp({(4, "main"): "[]"}, fail={"replace": 'Cannot find device "eth9"\n'})
    message = error_of(lr.manage, make_host(conf, fake), params({"dest": "10.233.0.0/17", "via": "10.200.21.1", "dev": "eth9"}))
    assert message.startswith("routes[0].dev eth9 is not an interface of this host")
    fake = FakeIp({(4, "main"): IPV4_MAIN}, fail={"del": "RTNETLINK answers: Operation not permitted\n"})
    message = error_of(lr.manage, make_host(conf, fake), params({"dest": "10.233.0.0/17"}, state="absent"))
    assert message == ("'ip -4 route del 10.233.0.0/17 via 10.200.21.1 dev v0 metric 0 proto 4' failed: "
                       "RTNETLINK answers: Operation not permitted")
    fake = FakeIp({(4, "main"): IPV4_MAIN}, fail={"del": "RTNETLINK answers: No such process\n"})
    assert lr.manage(make_host(conf, fake), params({"dest": "10.233.0.0/17"}, state="absent"))["changed"] is True


def test_manage_read_failure(conf):
    def runner(argv):
        return 1, "", "Cannot open netlink socket: Permission denied\n"
    message = error_of(lr.manage, lr.Host(runner, conf_dirs=[conf]), params({"dest": "10.233.0.0/17", "dev": "eth1"}))
    assert message == "'ip -N -j -4 route show table main' failed: Cannot open netlink socket: Permission denied"


# --- persistence ---


PERSIST_ROUTES = (
    {"dest": "10.233.0.0/17", "via": "10.200.21.1"},
    {"dest": "10.233.128.0/18", "via": "10.200.21.1", "dev": "eth1", "metric": 100, "table": "100", "proto": "250"},
    {"dest": "2001:db8:233::/56", "via": "fe80::1", "dev": "eth1", "proto": "bird"},
)


def test_render_script(conf):
    text = lr.render("script", lr.wanted_routes(PERSIST_ROUTES, names_of(conf)), None)
    assert text.splitlines()[0] == "#!/bin/sh"
    assert "set -e" in text
    assert text.splitlines()[-3:] == [
        "ip -4 route replace 10.233.0.0/17 via 10.200.21.1 proto static",
        "ip -4 route replace 10.233.128.0/18 via 10.200.21.1 dev eth1 metric 100 table 100 proto 250",
        "ip -6 route replace 2001:db8:233::/56 via fe80::1 dev eth1 proto bird",
    ]


def test_render_ifupdown(conf):
    text = lr.render("ifupdown", lr.wanted_routes(PERSIST_ROUTES, names_of(conf)), "eth1")
    assert text.splitlines()[-4:] == [
        "iface eth1 inet manual",
        "    up ip -4 route replace 10.233.0.0/17 via 10.200.21.1 proto static",
        "    up ip -4 route replace 10.233.128.0/18 via 10.200.21.1 dev eth1 metric 100 table 100 proto 250",
        "    up ip -6 route replace 2001:db8:233::/56 via fe80::1 dev eth1 proto bird",
    ]


def test_render_networkd(conf):
    text = lr.render("networkd", lr.wanted_routes(PERSIST_ROUTES, names_of(conf)), "eth1")
    sections = text.split("\n\n")[1:]
    assert sections == [
        "[Route]\nDestination=10.233.0.0/17\nGateway=10.200.21.1\nProtocol=static",
        "[Route]\nDestination=10.233.128.0/18\nGateway=10.200.21.1\nMetric=100\nTable=100\nProtocol=250",
        "[Route]\nDestination=2001:db8:233::/56\nGateway=fe80::1\nProtocol=12\n",  # networkd has no name for bird
    ]


@pytest.mark.parametrize("style", ["script", "ifupdown", "networkd"])
def test_persisted_files_read_back(conf, style):
    names = names_of(conf)
    wanted = lr.wanted_routes(PERSIST_ROUTES, names)
    text = lr.render(style, wanted, "eth1")
    again = lr.parse_persisted(style, text, "/tmp/file", names, "eth1")
    assert [lr.slot(route) for route in again] == [lr.slot(route) for route in wanted]
    assert lr.render(style, again, "eth1") == text


def test_persisted_routes_change_like_the_kernel(conf):
    names = names_of(conf)
    one, two, three = lr.wanted_routes(PERSIST_ROUTES, names)
    moved = lr.wanted_routes([{"dest": "10.233.0.0/17", "via": "10.200.21.5"}], names)[0]
    assert lr.persisted_routes("script", [one, two], [moved, three], "present", False) == [moved, two, three]
    assert lr.persisted_routes("script", [one, two], [three], "present", True) == [three]
    assert lr.persisted_routes("script", [one, two, three], [moved], "absent", False) == [two, three]


def test_persist_writes_only_on_change(conf, tmp_path):
    path = str(tmp_path / "sbin" / "flatnet-routes")
    fake = FakeIp({(4, "main"): "[]"})
    options = params({"dest": "10.233.0.0/17", "via": "10.200.21.1"}, persist="script", persist_path=path)
    result = lr.manage(make_host(conf, fake), options, check_mode=True)
    assert result["changed"] is True and not os.path.exists(path)
    assert result["diff"][1]["before"] == "" and "10.233.0.0/17" in result["diff"][1]["after"]
    fake = FakeIp({(4, "main"): json.dumps([{"dst": "10.233.0.0/17", "gateway": "10.200.21.1", "dev": "v0", "protocol": "4"}])})
    result = lr.manage(make_host(conf, fake), options)
    assert result["changed"] is True and result["persist_path"] == path and fake.changes() == []
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o755
    written = os.stat(path).st_mtime_ns
    result = lr.manage(make_host(conf, fake), options)
    assert result["changed"] is False and os.stat(path).st_mtime_ns == written
    result = lr.manage(make_host(conf, fake), dict(options, routes=[{"dest": "10.233.0.0/17"}], state="absent"))
    assert result["changed"] is True and not os.path.exists(path)
    assert result["diff"][1]["after"] == ""


def test_persist_networkd_default_path_and_checks(conf):
    assert lr.persist_path("networkd", None, "eth1") == "/etc/systemd/network/eth1.network.d/flatnet-routes.conf"
    assert lr.persist_path("ifupdown", None, "eth1") == "/etc/network/interfaces.d/flatnet-routes"
    assert lr.persist_path("script", None, None) == "/usr/local/sbin/flatnet-routes"
    assert error_of(lr.persist_path, "networkd", None, None).startswith("persist_interface: persist=networkd needs the interface")
    assert "is not an interface name" in error_of(lr.persist_path, "ifupdown", None, "../../etc")
    fake = FakeIp()
    message = error_of(lr.manage, make_host(conf, fake), params({"dest": "10.233.0.0/17", "dev": "eth2"}, persist="ifupdown",
                                                                persist_interface="eth1"))
    assert message.startswith("routes[0].dev: 'eth2' is not persist_interface 'eth1'; the ifupdown file holds the routes of one")
    assert fake.calls == []


INJECTED = "\nip route replace 0.0.0.0/0 via 10.6.6.6"


@pytest.mark.parametrize("route, option", [
    ({"dest": "10.233.0.0/17" + INJECTED, "via": "10.200.21.1"}, {}),
    ({"dest": "10.233.0.0/17", "via": "10.200.21.1" + INJECTED}, {}),
    ({"dest": "10.233.0.0/17", "via": "10.200.21.1", "dev": "eth1" + INJECTED}, {}),
    ({"dest": "10.233.0.0/17", "via": "10.200.21.1", "proto": "static" + INJECTED}, {}),
    ({"dest": "10.233.0.0/17", "via": "10.200.21.1", "table": "office" + INJECTED}, {}),
    ({"dest": "10.233.0.0/17", "via": "10.200.21.1", "dev": "eth1"}, {"persist": "networkd", "persist_interface": "eth1" + INJECTED}),
    ({"dest": "10.233.0.0/17", "via": "10.200.21.1", "dev": "eth1"}, {"persist": "ifupdown", "persist_interface": "eth1\r"}),
])
def test_a_line_break_in_any_route_field_is_refused_before_anything_changes(conf, tmp_path, route, option):
    fake = FakeIp({(4, "main"): "[]", (4, "office"): "[]"})
    options = params(route, **option)
    if option:
        options["persist_path"] = str(tmp_path / "routes")
    with pytest.raises(FlatnetError):
        lr.manage(make_host(conf, fake), options)
    assert fake.changes() == [] and not (tmp_path / "routes").exists()
