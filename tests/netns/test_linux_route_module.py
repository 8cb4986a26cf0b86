# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The linux_route module against a real kernel, in throw-away network namespaces.

Each test gets a namespace ``fn-r-<hex>`` whose veth v0 (10.200.21.2/30,
2001:db8:21::2/64) faces a peer namespace holding 10.200.21.1 and
2001:db8:21::1, so those are on-link next hops. The module runs through the
``ansible`` command under ``ip netns exec``, so every route it reads or
writes is the namespace's. Needs root; fails loudly otherwise.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from typing import Any, Dict, Iterator, List

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ANSIBLE = os.path.join(os.path.dirname(sys.executable), "ansible")
SWITCH = "10.200.21.1"
SWITCH6 = "2001:db8:21::1"


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check, timeout=30)


def routes(netns: str, family: int = 4) -> List[Dict[str, Any]]:
    """The namespace's main table, as ip -j shows it."""
    return json.loads(ip("-n", netns, "-j", f"-{family}", "route", "show", "table", "main").stdout or "[]")


def route_to(netns: str, dest: str, family: int = 4) -> List[Dict[str, Any]]:
    return [route for route in routes(netns, family) if route.get("dst") == dest]


def _has_json_callback() -> bool:
    return any(os.path.exists(os.path.join(path, "ansible_collections", "ansible", "posix", "plugins", "callback", "json.py"))
               for path in sys.path)


@pytest.fixture(scope="module", autouse=True)
def _requirements() -> Iterator[None]:
    if os.geteuid() != 0:
        pytest.fail("network namespaces need root")
    if not shutil.which("ip") or ip("netns", "list", check=False).returncode != 0:
        pytest.fail("ip netns is not available")
    if not os.access(ANSIBLE, os.X_OK):
        pytest.fail(f"ansible is not installed beside {sys.executable}")
    if not _has_json_callback():
        pytest.fail("the ansible.posix collection (json callback) is not installed")
    before = (routes_of_root(4), routes_of_root(6))
    yield
    assert (routes_of_root(4), routes_of_root(6)) == before, "the host's own routes changed"


def routes_of_root(family: int) -> list:
    """The root namespace's routes, without the expiry of learned ones, which counts down by itself."""
    listed = json.loads(ip("-j", f"-{family}", "route", "show", "table", "all", check=False).stdout or "[]")
    return [{key: value for key, value in route.items() if key != "expires"} for route in listed]


@pytest.fixture(name="netns")
def fixture_netns() -> Iterator[str]:
    """A namespace with on-link next hops 10.200.21.1 and 2001:db8:21::1; both namespaces go afterwards."""
    name = f"fn-r-{secrets.token_hex(4)}"
    peer = f"{name}-p"
    try:
        ip("netns", "add", name)
        ip("netns", "add", peer)
        ip("-n", name, "link", "add", "v0", "type", "veth", "peer", "name", "v1", "netns", peer)
        for netns, dev, address, address6 in ((name, "v0", "10.200.21.2/30", "2001:db8:21::2/64"),
                                              (peer, "v1", "10.200.21.1/30", "2001:db8:21::1/64")):
            ip("-n", netns, "addr", "add", address, "dev", dev)
            ip("-n", netns, "addr", "add", address6, "dev", dev, "nodad")
            ip("-n", netns, "link", "set", dev, "up")
            ip("-n", netns, "link", "set", "lo", "up")
        yield name
    finally:
        ip("netns", "del", name, check=False)
        ip("netns", "del", peer, check=False)


@pytest.fixture(name="run")
def fixture_run(netns: str, collections_path: str, tmp_path: Any):
    """Run flatnet.kube.linux_route in the namespace; return the host's result."""

    def run(args: Dict[str, Any], *flags: str) -> Dict[str, Any]:
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
                   ANSIBLE_LOAD_CALLBACK_PLUGINS="1", ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_INVENTORY_UNPARSED_WARNING="0",
                   ANSIBLE_HOME=str(tmp_path / "ansible-home"), ANSIBLE_NOCOLOR="1")
        env.pop("ANSIBLE_CONFIG", None)
        command = ["ip", "netns", "exec", netns, ANSIBLE, "localhost", "-m", "flatnet.kube.linux_route", "-a", json.dumps(args),
                   "-e", f"ansible_python_interpreter={sys.executable}", *flags]
        done = subprocess.run(command, cwd=str(tmp_path), env=env, capture_output=True, text=True, timeout=120, check=False)
        try:
            output = json.loads(done.stdout)
        except ValueError:
            pytest.fail(f"ansible printed no JSON (rc {done.returncode}):\n{done.stdout}\n{done.stderr}")
        return output["plays"][0]["tasks"][0]["hosts"]["localhost"]

    return run


SUMMARIES = [{"dest": "10.233.0.0/17", "via": SWITCH}, {"dest": "10.233.128.0/18", "via": SWITCH, "metric": 100},
             {"dest": "2001:db8:233::/56", "via": SWITCH6}]


def test_add_then_nothing_to_do(netns, run):
    result = run({"routes": SUMMARIES})
    assert result["changed"] is True, result
    assert result["commands"] == [
        "ip -4 route replace 10.233.0.0/17 via 10.200.21.1 proto static",
        "ip -4 route replace 10.233.128.0/18 via 10.200.21.1 metric 100 proto static",
        "ip -6 route replace 2001:db8:233::/56 via 2001:db8:21::1 proto static",
    ]
    assert [route["dest"] for route in result["routes_added"]] == ["10.233.0.0/17", "10.233.128.0/18", "2001:db8:233::/56"]
    assert route_to(netns, "10.233.0.0/17") == [
        {"dst": "10.233.0.0/17", "gateway": SWITCH, "dev": "v0", "protocol": "static", "flags": []}]
    assert route_to(netns, "10.233.128.0/18")[0]["metric"] == 100
    assert route_to(netns, "2001:db8:233::/56", 6)[0]["gateway"] == SWITCH6
    again = run({"routes": SUMMARIES})
    assert again["changed"] is False, again
    assert again["commands"] == [] and again["routes_added"] == [] and again["routes_removed"] == []


def test_a_different_next_hop_is_replaced(netns, run):
    ip("-n", netns, "route", "add", "10.233.0.0/17", "via", "10.200.21.2", "proto", "static")  # the host itself, wrongly
    result = run({"routes": SUMMARIES[:1]}, "--diff")
    assert result["changed"] is True
    assert result["diff"][0]["before"] == "10.233.0.0/17 via 10.200.21.2 dev v0 proto static\n"
    assert result["diff"][0]["after"] == "10.233.0.0/17 via 10.200.21.1 proto static\n"
    assert [route["gateway"] for route in route_to(netns, "10.233.0.0/17")] == [SWITCH]


def test_check_mode_adds_nothing(netns, run):
    result = run({"routes": SUMMARIES}, "--check", "--diff")
    assert result["changed"] is True
    assert len(result["commands"]) == 3
    assert result["diff"][0]["before"] == ""
    assert "10.233.0.0/17 via 10.200.21.1 proto static\n" in result["diff"][0]["after"]
    assert route_to(netns, "10.233.0.0/17") == [] and route_to(netns, "2001:db8:233::/56", 6) == []


def test_diff_shows_route_lines(netns, run):
    result = run({"routes": SUMMARIES[:2]}, "--diff")
    assert result["diff"] == [{"before_header": "routes", "after_header": "routes", "before": "",
                               "after": "10.233.0.0/17 via 10.200.21.1 proto static\n"
                                        "10.233.128.0/18 via 10.200.21.1 proto static metric 100\n"}]
    # Without --diff the result still carries the diff (the plan report reads it); a run with nothing to do shows none.
    unchanged = run({"routes": SUMMARIES[:2]})
    assert unchanged["changed"] is False and [entry["before"] == entry["after"] for entry in unchanged["diff"]] == [True]


def test_absent_removes(netns, run):
    run({"routes": SUMMARIES})
    result = run({"routes": [{"dest": "10.233.0.0/17"}, {"dest": "2001:db8:233::/56", "via": SWITCH6}], "state": "absent"})
    assert result["changed"] is True
    assert result["commands"] == ["ip -4 route del 10.233.0.0/17 via 10.200.21.1 dev v0 metric 0 proto 4",
                                  "ip -6 route del 2001:db8:233::/56 via 2001:db8:21::1 dev v0 metric 1024 proto 4"]
    assert route_to(netns, "10.233.0.0/17") == [] and route_to(netns, "2001:db8:233::/56", 6) == []
    assert route_to(netns, "10.233.128.0/18") != []
    assert run({"routes": [{"dest": "10.233.0.0/17"}], "state": "absent"})["changed"] is False


def test_purge_removes_only_unlisted_routes_of_the_same_protocol(netns, run):
    ip("-n", netns, "route", "add", "10.99.0.0/16", "via", SWITCH, "proto", "static")
    ip("-n", netns, "route", "add", "10.98.0.0/16", "via", SWITCH)  # proto boot
    ip("-n", netns, "route", "add", "10.97.0.0/16", "via", SWITCH, "proto", "196")  # FRR's "static"
    ip("-n", netns, "route", "add", "blackhole", "10.96.0.0/16", "proto", "static")
    ip("-n", netns, "-6", "route", "add", "2001:db8:99::/48", "via", SWITCH6, "proto", "static")
    result = run({"routes": SUMMARIES[:2], "purge": True})
    assert result["changed"] is True
    assert [route["dest"] for route in result["routes_removed"]] == ["10.99.0.0/16"]
    assert route_to(netns, "10.99.0.0/16") == []
    for dest in ("10.98.0.0/16", "10.97.0.0/16", "10.96.0.0/16", "10.200.21.0/30"):
        assert route_to(netns, dest) != [], dest
    assert route_to(netns, "2001:db8:99::/48", 6) != []  # no IPv6 route is listed, so IPv6 is not purged
    assert run({"routes": SUMMARIES[:2], "purge": True})["changed"] is False


def test_unreachable_next_hop_is_explained(netns, run):
    result = run({"routes": [{"dest": "10.233.0.0/17", "via": "10.200.99.1"}]})
    assert result["failed"] is True
    assert result["msg"].startswith("routes[0].via 10.200.99.1 is not on a connected network of this host; "
                                    "add the transit link first")
    result = run({"routes": [{"dest": "2001:db8:233::/56", "via": "2001:db8:99::1"}]})
    assert result["msg"].startswith("routes[0].via 2001:db8:99::1 is not on a connected network of this host")
    assert route_to(netns, "10.233.0.0/17") == []


def test_bad_input_fails_before_any_change(netns, run):
    result = run({"routes": [{"dest": "10.233.0.0/17", "via": SWITCH}, {"dest": "10.233.1.0/17", "via": SWITCH}]})
    assert result["failed"] is True
    assert result["msg"] == "routes[1].dest: '10.233.1.0/17' has host bits set; did you mean '10.233.0.0/17'?"
    assert route_to(netns, "10.233.0.0/17") == []


def test_persist_script_is_idempotent_and_restores_the_routes(netns, run, tmp_path):
    path = str(tmp_path / "sbin" / "flatnet-routes")
    args = {"routes": SUMMARIES, "persist": "script", "persist_path": path}
    result = run(args, "--diff")
    assert result["changed"] is True and result["persist_path"] == path
    assert result["diff"][1]["before"] == "" and result["diff"][1]["after"] == open(path, encoding="utf-8").read()
    written = os.stat(path).st_mtime_ns
    again = run(args, "--diff")
    assert again["changed"] is False
    assert again["diff"][1]["before"] == again["diff"][1]["after"]
    assert os.stat(path).st_mtime_ns == written
    ip("-n", netns, "route", "del", "10.233.0.0/17")
    ip("-n", netns, "-6", "route", "del", "2001:db8:233::/56")
    subprocess.run(["ip", "netns", "exec", netns, path], check=True, timeout=30)
    assert route_to(netns, "10.233.0.0/17")[0]["gateway"] == SWITCH
    assert route_to(netns, "2001:db8:233::/56", 6)[0]["gateway"] == SWITCH6
    assert run(args)["changed"] is False
