# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/preflight.yml on the example inventory and on broken copies of it."""

from __future__ import annotations

import re
from typing import Any, Callable, Dict

import pytest


def _set(path: str, value: Any) -> Callable[[Dict[str, Any]], None]:
    """An edit that sets one dotted path (list indexes as numbers) of the intent."""

    def edit(intent: Dict[str, Any]) -> None:
        keys = [int(key) if key.isdigit() else key for key in path.split(".")]
        target = intent
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return edit


def _recap(output: str) -> Dict[str, int]:
    match = re.search(r"localhost\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", output)
    assert match, output
    return dict(zip(("ok", "changed", "unreachable", "failed"), map(int, match.groups())))


def test_example_inventory_passes_and_shows_the_plan(run_playbook: Callable[..., Any]) -> None:
    result = run_playbook("preflight.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert _recap(result.stdout) == {"ok": 5, "changed": 0, "unreachable": 0, "failed": 0}
    assert "cluster AS 64513 (private), domain cluster.local" in result.stdout
    assert "peering nodes: node-role.kubernetes.io/ingress == 'ingress'" in result.stdout
    assert "office networks: 192.168.10.0/24" in result.stdout
    assert "office routes: 10.233.0.0/17" in result.stdout
    assert "gateways: office-gw1 via 10.200.21.1" in result.stdout
    assert "DNS servers: office-dns1 (bind)" in result.stdout
    assert "reverse zones: 128 (0.233.10.in-addr.arpa ... 127.233.10.in-addr.arpa)" in result.stdout


def _both_encapsulations(intent: Dict[str, Any]) -> None:
    intent["flatnet_cluster"]["pools"][0].update(ipip_mode="Always", vxlan_mode="CrossSubnet")


BROKEN = [
    ("malformed CIDR", _set("flatnet_cluster.pools.0.cidr", "10.233.64.0/33"),
     ["flatnet_cluster.pools[0].cidr", "10.233.64.0/33"]),
    ("host bits", _set("flatnet_cluster.pools.0.cidr", "10.233.64.1/18"),
     ["flatnet_cluster.pools[0].cidr", "'10.233.64.1/18' has host bits set", "'10.233.64.0/18'"]),
    ("pods overlap services", _set("flatnet_cluster.service_cluster_ips", ["10.233.64.0/20"]),
     ["flatnet_cluster.pools[0].cidr: '10.233.64.0/18' overlaps flatnet_cluster.service_cluster_ips[0] '10.233.64.0/20'",
      "pods and Services need separate ranges"]),
    ("office overlaps cluster", _set("flatnet_office.networks", ["10.233.0.0/16"]),
     ["overlaps flatnet_office.networks[0] '10.233.0.0/16'", "choose cluster ranges outside the office networks"]),
    ("link-local", _set("flatnet_office.networks", ["169.254.0.0/16"]),
     ["flatnet_office.networks[0]: '169.254.0.0/16' overlaps the link-local range"]),
    ("block size", _set("flatnet_cluster.pools.0.block_size", 33),
     ["flatnet_cluster.pools[0].block_size: 33 is out of range for an IPv4 pool; use 20 to 32"]),
    ("pool shorter than block", _set("flatnet_cluster.pools.0.block_size", 17),
     ["flatnet_cluster.pools[0].block_size: 17"]),
    ("AS_TRANS", _set("flatnet_cluster.as_number", 23456),
     ["flatnet_cluster.as_number: 23456", "AS_TRANS"]),
    ("malformed asdot", _set("flatnet_fabric.switches.0.as_number", "1.65536"),
     ["flatnet_fabric.switches[0].as_number: '1.65536'", "asdot"]),
    ("same AS over eBGP", _set("flatnet_fabric.switches.0.as_number", 64513),
     ["flatnet_fabric.switches[0].as_number: 64513 equals flatnet_cluster.as_number", "session_type: ibgp"]),
    ("IPIP and VXLAN", _both_encapsulations,
     ["flatnet_cluster.pools[0]: ipip_mode 'Always' and vxlan_mode 'CrossSubnet' are both enabled", "set one of them to Never"]),
    ("empty selector", _set("flatnet_cluster.peer_selector", ""),
     ["flatnet_cluster.peer_selector", "is empty", "all()"]),
    ("unparsable selector", _set("flatnet_cluster.peer_selector", "node-role.kubernetes.io/ingress = ingress"),
     ["flatnet_cluster.peer_selector", "use =="]),
    ("cluster domain", _set("flatnet_cluster.domain", "cluster..local"),
     ["flatnet_cluster.domain: 'cluster..local' is not a valid cluster domain", "'cluster.local'"]),
    ("unknown key", _set("flatnet_cluster.pools.0.blocksize", 24),
     ["flatnet_cluster.pools[0].blocksize: this key is not part of the intent and would be ignored; did you mean block_size?"]),
    ("mistyped key", lambda intent: intent["flatnet_cluster"].update(as_numbr=intent["flatnet_cluster"].pop("as_number")),
     ["flatnet_cluster.as_numbr: this key is not part of the intent", "did you mean as_number?",
      "flatnet_cluster.as_number: is required and missing"]),
    ("text where a number belongs", _set("flatnet_cluster.pools.0.block_size", "24x"),
     ["flatnet_cluster.pools[0].block_size: '24x' is not a whole number; write digits only, e.g. 24."]),
    ("wrong choice", _set("flatnet_fabric.switches.0.platform", "eos2"),
     ["flatnet_fabric.switches[0].platform: 'eos2' is not one of frr, ios", "did you mean eos?"]),
    ("line break in a selector value", _set("flatnet_cluster.peer_selector",
                                            "a == 'x\nip prefix-list FLATNET-IN seq 1 permit 0.0.0.0/0 le 32'"),
     ["flatnet_cluster.peer_selector", "holds the control character", "must be one line of printable text", "label value"]),
    ("line break after a switch name", _set("flatnet_fabric.switches.0.name", "switch1\n"),
     ["flatnet_fabric.switches[0].name", "holds the control character", "is not a host name"]),
    ("platform switch_bgp cannot apply", _set("flatnet_fabric.switches.0.platform", "vrp"),
     ["flatnet_fabric.switches[0].platform: switch_bgp cannot configure 'vrp' in this release", "take it out of the switches group"]),
    ("switch no host configures", lambda intent: intent["flatnet_fabric"]["switches"].append(
        {"name": "leaf2", "platform": "frr", "as_number": 65201, "peer_ip": "10.200.20.253"}),
     ["flatnet_fabric.switches[1]: the switch 'leaf2' is no host of the switches group, so nothing would configure its side",
      "set flatnet_fabric.switches[1].managed_elsewhere: true"]),
    ("option the platform lacks", lambda intent: (intent["flatnet_fabric"]["switches"][0].update(platform="junos"),
                                                  intent.update(switch_bgp_ttl_security=True)),
     ["flatnet_fabric.switches[0] ('switch1'): switch_bgp_ttl_security is True for this host, but the platform junos cannot do it",
      "Unset switch_bgp_ttl_security for 'switch1'"]),
    ("mistyped variable", _set("flatnet_clustr", {}),
     ["flatnet_clustr: this variable is not part of the flatnet intent", "did you mean flatnet_cluster?"]),
]


@pytest.mark.parametrize("edit, expected", [case[1:] for case in BROKEN], ids=[case[0] for case in BROKEN])
def test_broken_inventory_fails_in_preflight(run_playbook: Callable[..., Any], edit: Callable[..., None], expected: list) -> None:
    result = run_playbook("preflight.yml", edit)
    assert result.returncode == 2, result.stdout + result.stderr
    recap = _recap(result.stdout)
    assert recap["failed"] == 1 and recap["changed"] == 0
    assert "Share the plan" not in result.stdout  # nothing after the check ran
    output = result.stdout.replace("\\n", "\n")
    for fragment in expected:
        assert fragment in output


def test_structure_problems_come_in_flatnets_words_without_a_dump_of_the_schema(run_playbook: Callable[..., Any]) -> None:
    def edit(intent: Dict[str, Any]) -> None:
        intent["flatnet_cluster"]["as_numbr"] = intent["flatnet_cluster"].pop("as_number")
        intent["flatnet_cluster"]["pools"][0]["block_size"] = "24x"
        intent["flatnet_ofice"] = {}
    result = run_playbook("preflight.yml", edit)
    assert result.returncode == 2
    output = result.stdout.replace("\\n", "\n")
    for fragment in ("flatnet_cluster.as_numbr: this key", "flatnet_cluster.pools[0].block_size: '24x'", "flatnet_ofice: this variable",
                     "did you mean flatnet_office?"):
        assert fragment in output, output
    assert "argument_spec" not in result.stdout and "Supported parameters" not in result.stdout
