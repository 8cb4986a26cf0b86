# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/render.yml for every switch platform, with no device: the rules on each rendered file, and the round trip
of the resource-module platforms through the vendor's own parser.

One inventory holds a switch of each platform. Each case renders all of them once (render.yml, then the round trip of
files/switch_platforms.yml). The switches' addresses are 127.0.0.1:9, where nothing listens, so a module that tried
to reach a device would fail the run.
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
from typing import Any, Dict, List

import pytest
import yaml

from ansible_collections.flatnet.kube.plugins.module_utils import _switch

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# Every registered platform; FLATNET_SWITCH_PLATFORMS (comma-separated) narrows a run to some of them while one is worked on.
PLATFORMS = [platform for platform in sorted(_switch.PLATFORMS)
             if platform in (os.environ.get("FLATNET_SWITCH_PLATFORMS") or ",".join(_switch.PLATFORMS)).split(",")]
NODES = [{"name": "node2", "ip": "10.200.20.105"}, {"name": "node3", "ip": "10.200.20.106"}]
PASSWORD = "s3cret-pw"
# The options each case sets on every switch host (where the platform has them).
CASES: Dict[str, Dict[str, Any]] = {
    # The seed: eBGP from AS 65200 to the cluster's 64513, the peering nodes as neighbors, a password.
    "seed": {"cluster_as": 64513, "switch_as": 65200, "password": PASSWORD, "options": {}},
    # 4-byte ASNs on both ends, no password, every instance setting asked for.
    "four-byte": {"cluster_as": 4200000002, "switch_as": 4200000001, "password": None,
                  "options": {"switch_bgp_ttl_security": True, "switch_bgp_graceful_restart": True,
                              "switch_bgp_router_id": "10.200.20.254", "switch_bgp_maximum_paths": 4,
                              "switch_bgp_maximum_prefix": 300}},
    # A listen range instead of neighbors, with a password.
    "listen-range": {"cluster_as": 64513, "switch_as": 65200, "password": PASSWORD,
                     "options": {"switch_bgp_neighbor_mode": "listen_range", "switch_bgp_listen_range": "10.200.20.0/24"}},
}
_OPTION_OF = {"switch_bgp_neighbor_mode": "listen_range", "switch_bgp_listen_range": "listen_range", "switch_bgp_ttl_security": "ttl_security",
              "switch_bgp_graceful_restart": "graceful_restart", "switch_bgp_router_id": "router_id", "switch_bgp_maximum_paths": "maximum_paths",
              "switch_bgp_maximum_prefix": "maximum_prefix"}


def _name(platform: str) -> str:
    return "sw-" + platform


def _host_vars(platform: str, options: Dict[str, Any]) -> Dict[str, Any]:
    """The case's options that the platform can express (preflight refuses the others; test_preflight proves it)."""
    cannot = _switch.platform_facts(platform)["cannot"]
    return {name: value for name, value in options.items() if _OPTION_OF[name] not in cannot}


def _inventory(path: str, case: Dict[str, Any], example_intent: Dict[str, Any]) -> None:
    intent = copy.deepcopy(example_intent)
    intent["flatnet_cluster"]["as_number"] = case["cluster_as"]
    switches = []
    for index, platform in enumerate(PLATFORMS):
        switch = {"name": _name(platform), "platform": platform, "as_number": case["switch_as"], "peer_ip": "10.200.20.%d" % (230 + index),
                  "peer_name": "peer-" + _name(platform)}
        if case["password"]:
            switch["password"] = case["password"]
        switches.append(switch)
    intent["flatnet_fabric"]["switches"] = switches
    hosts = {_name(platform): _host_vars(platform, case["options"]) for platform in PLATFORMS}
    os.makedirs(os.path.join(path, "group_vars", "all"))
    with open(os.path.join(path, "group_vars", "all", "flatnet.yml"), "w", encoding="utf-8") as handle:
        yaml.safe_dump(intent, handle)
    with open(os.path.join(path, "hosts.yml"), "w", encoding="utf-8") as handle:
        yaml.safe_dump({"all": {"children": {"switches": {"hosts": hosts, "vars": {
            "ansible_host": "127.0.0.1", "ansible_port": 9, "ansible_user": "nobody"}}}}}, handle)


@pytest.fixture(scope="module", params=sorted(CASES))
def rendered(request: Any, tmp_path_factory: Any, collections_path: str, example_intent: Dict[str, Any]) -> Dict[str, Any]:
    """The case's name, and the directory render.yml and the round trip wrote into."""
    base = tmp_path_factory.mktemp("switch-" + request.param)
    inventory, out = str(base / "inventory"), str(base / "render")
    _inventory(inventory, CASES[request.param], example_intent)
    environment = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections_path, ANSIBLE_CONFIG=os.path.join(ROOT, "ansible.cfg"),
                       ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", inventory,
               os.path.join(HERE, "files", "switch_platforms.yml"), "-e", "render_dir=" + out,
               "-e", json.dumps({"preflight_peering_nodes": NODES})]
    result = subprocess.run(command, cwd=str(base), env=environment, capture_output=True, text=True, timeout=900, check=False)
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-5000:]
    assert CASES[request.param]["password"] is None or PASSWORD not in result.stdout + result.stderr
    return {"case": request.param, "dir": out, "output": result.stdout, "intent": example_intent}


def _file(rendered: Dict[str, Any], platform: str, suffix: str = ".conf") -> str:
    with open(os.path.join(rendered["dir"], "%s.%s%s" % (_name(platform), platform, suffix)), encoding="utf-8") as handle:
        return handle.read()


def _subset_problems(given: Any, parsed: Any, where: str) -> List[str]:
    """Where ``parsed`` lacks something of ``given``: mappings key by key, lists item by item (each given item must
    match some parsed item), scalars by equality."""
    if isinstance(given, dict):
        if not isinstance(parsed, dict):
            return ["%s: %r came back as %r" % (where, given, parsed)]
        return [problem for key, value in given.items() for problem in _subset_problems(value, parsed.get(key), "%s.%s" % (where, key))]
    if isinstance(given, list):
        if not isinstance(parsed, list):
            return ["%s: %r came back as %r" % (where, given, parsed)]
        return ["%s[%d]: %r is not among %r" % (where, index, item, parsed) for index, item in enumerate(given)
                if not any(not _subset_problems(item, candidate, where) for candidate in parsed)]
    return [] if given == parsed else ["%s: %r came back as %r" % (where, given, parsed)]


@pytest.mark.parametrize("platform", [platform for platform in PLATFORMS if _switch.platform_facts(platform)["by_modules"]])
def test_the_vendors_parser_gives_back_the_data_flatnet_gave(rendered: Dict[str, Any], platform: str) -> None:
    with open(os.path.join(rendered["dir"], _name(platform) + ".roundtrip.json"), encoding="utf-8") as handle:
        trip = json.load(handle)
    resources = {key: value for key, value in trip["given"].items() if key != "cli"}
    assert resources and set(trip["parsed"]) == set(resources)
    assert _subset_problems(resources, trip["parsed"], platform) == []
    # The review file holds exactly the commands the modules rendered, after its header.
    body = [line for line in _file(rendered, platform).splitlines() if not line.startswith(_switch.PLATFORMS[platform].comment + " ")]
    assert body == trip["commands"]


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_platform_gets_its_part_and_its_removal_with_a_header(rendered: Dict[str, Any], platform: str) -> None:
    comment = _switch.PLATFORMS[platform].comment
    for suffix, says in ((".conf", "flatnet's part for"), (".removal.conf", "the removal of flatnet's part for")):
        text = _file(rendered, platform, suffix)
        assert text.startswith("%s flatnet.kube: %s %s (%s, AS " % (comment, says, _name(platform), platform))
        assert len([line for line in text.splitlines() if not line.startswith(comment + " ")]) > 2
        mode = os.stat(os.path.join(rendered["dir"], "%s.%s%s" % (_name(platform), platform, suffix))).st_mode & 0o777
        assert mode == 0o600


@pytest.mark.parametrize("platform", PLATFORMS)
def test_the_worked_examples_are_what_render_writes_for_the_seed(rendered: Dict[str, Any], platform: str) -> None:
    if rendered["case"] != "seed":
        pytest.skip("docs/switch-platforms.md shows the seed's case")
    with open(os.path.join(ROOT, "docs", "switch-platforms.md"), encoding="utf-8") as handle:
        page = handle.read()
    for suffix in (".conf", ".removal.conf"):
        text = _file(rendered, platform, suffix).replace(_name(platform), "switch1")
        assert "```\n%s```\n" % text in page, "docs/switch-platforms.md: the %s%s example differs from what render.yml writes" % (platform, suffix)


# ---- the rules, read off each platform's text by patterns written here from the vendors' command references ------

_FRR_LIKE = {
    "accepted": r"^\s*ip prefix-list FLATNET-IN seq \d+ permit (?P<prefix>\S+)(?: ge \d+)? le (?P<le>\d+)$",
    "deny_out": [r"^route-map FLATNET-OUT deny 10$", r"^\s*neighbor FLATNET route-map FLATNET-OUT out$"],
    "maximum_prefix": r"^\s*neighbor FLATNET maximum-prefix (\d+)$",
    "ecmp": r"^\s*maximum-paths (?:ibgp )?(\d+)$",
    "local_as": r"^router bgp (\S+)$",
    "remote_as": r"^\s*neighbor FLATNET remote-as (\S+)$",
}
RULES: Dict[str, Dict[str, Any]] = {
    # FRR's form says what a session over the limit does: restart after some minutes by default.
    "frr": dict(_FRR_LIKE, maximum_prefix=r"^\s*neighbor FLATNET maximum-prefix (\d+) restart \d+$"),
    "sonic": dict(_FRR_LIKE, maximum_prefix=r"^\s*neighbor FLATNET maximum-prefix (\d+) restart \d+$"),
    "ios": _FRR_LIKE,
    "nxos": dict(_FRR_LIKE, maximum_prefix=r"^\s*maximum-prefix (\d+)$", remote_as=r"^\s*remote-as (\S+)$",
                 deny_out=[r"^route-map FLATNET-OUT deny 10$", r"^\s*route-map FLATNET-OUT out$"]),
    "iosxr": {
        "accepted": r"^\s*(?P<prefix>[0-9a-f.:]+/\d+) le (?P<le>\d+),?$",
        "deny_out": [r"^route-policy FLATNET-OUT\n\s*drop\n\s*end-policy$", r"^\s*route-policy FLATNET-OUT out$"],
        "maximum_prefix": r"^\s*maximum-prefix (\d+)$",
        "ecmp": r"^\s*maximum-paths (?:ebgp|ibgp) (\d+)$",
        "local_as": r"^router bgp (\S+)$",
        "remote_as": r"^\s*remote-as (\S+)$",
    },
    "eos": dict(_FRR_LIKE, accepted=r"^\s*seq \d+ permit (?P<prefix>\S+)(?: ge \d+)? le (?P<le>\d+)$",
                maximum_prefix=r"^\s*neighbor FLATNET maximum-routes (\d+)$", ecmp=r"^\s*maximum-paths (\d+) ecmp \d+$"),
    "vyos": {
        # A rule's prefix and bound are two set commands.
        "accepted": r"^set policy prefix-list FLATNET-IN rule (?P<rule>\d+) (?:prefix '(?P<prefix>\S+)'|le '(?P<le>\d+)')$",
        "deny_out": [r"^set policy route-map FLATNET-OUT rule 10 action 'deny'$",
                     r"^set protocols bgp peer-group FLATNET address-family ipv4-unicast route-map export 'FLATNET-OUT'$"],
        "maximum_prefix": r"^set protocols bgp peer-group FLATNET address-family ipv4-unicast maximum-prefix '(\d+)'$",
        "ecmp": r"^set protocols bgp address-family ipv4-unicast maximum-paths (?:ebgp|ibgp) '(\d+)'$",
        "local_as": None,  # the switch's own system-as stays as it is
        "remote_as": r"^set protocols bgp peer-group FLATNET remote-as '(\S+)'$",
    },
    "junos": {
        # A prefix-list entry with orlonger: the prefix and every longer one, to host routes.
        "accepted": r"^set policy-options prefix-list FLATNET-IN (?P<prefix>\S+)$",
        "orlonger": r"^set policy-options policy-statement FLATNET-IN term accept from prefix-list-filter FLATNET-IN orlonger$",
        "deny_out": [r"^set policy-options policy-statement FLATNET-OUT then reject$", r"^set protocols bgp group FLATNET export FLATNET-OUT$"],
        "maximum_prefix": r"^set protocols bgp group FLATNET family inet unicast prefix-limit maximum (\d+)$",
        "ecmp": r"^set protocols bgp group FLATNET (multipath)$",
        "local_as": None,  # routing-options autonomous-system stays as it is
        "remote_as": r"^set protocols bgp group FLATNET peer-as (\S+)$",
    },
    "vrp": {
        "accepted": r"^ip ip-prefix FLATNET-IN index \d+ permit (?P<address>\S+) (?P<length>\d+)(?: greater-equal \d+)? less-equal (?P<le>\d+)$",
        "deny_out": [r"^route-policy FLATNET-OUT deny node 10$", r"^\s*peer FLATNET route-policy FLATNET-OUT export$"],
        "maximum_prefix": r"^\s*peer FLATNET route-limit (\d+)$",
        "ecmp": r"^\s*maximum load-balancing (?:ebgp |ibgp )?(\d+)$",
        "local_as": r"^bgp (\S+)$",
        "remote_as": r"^\s*peer FLATNET as-number (\S+)$",
    },
    "comware": {
        "accepted": r"^ip prefix-list FLATNET-IN index \d+ permit (?P<address>\S+) (?P<length>\d+)(?: greater-equal \d+)? less-equal (?P<le>\d+)$",
        "deny_out": [r"^route-policy FLATNET-OUT deny node 10$", r"^\s*peer FLATNET route-policy FLATNET-OUT export$"],
        "maximum_prefix": r"^\s*peer FLATNET route-limit (\d+)$",
        "ecmp": r"^\s*balance (?:ebgp |ibgp )?(\d+)$",
        "local_as": r"^bgp (\S+)$",
        "remote_as": r"^\s*peer FLATNET as-number (\S+)$",
    },
}


def _accepted(platform: str, text: str) -> set:
    rules = RULES[platform]
    found = [match.groupdict() for match in re.finditer(rules["accepted"], text, re.M)]
    if platform == "vyos":
        by_rule: Dict[str, Dict[str, str]] = {}
        for match in found:
            by_rule.setdefault(match["rule"], {}).update({key: value for key, value in match.items() if value and key != "rule"})
        found = list(by_rule.values())
    if platform == "junos":
        return {(match["prefix"], 32) for match in found} if re.search(rules["orlonger"], text, re.M) else set()
    return {(match.get("prefix") or "%s/%s" % (match["address"], match["length"]), int(match["le"])) for match in found}


def _asdot(number: int) -> str:
    return "%d.%d" % divmod(number, 65536) if number > 65535 else str(number)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_platform_writes_the_rules(rendered: Dict[str, Any], platform: str) -> None:
    """Each rule, read off the rendered change with the platform's own words: only the cluster's ranges accepted, each
    down to host routes; nothing announced; the maximum-prefix; ECMP; the session's AS numbers in the platform's
    form; the password only where it is set."""
    case = CASES[rendered["case"]]
    rules = RULES[platform]
    text = "\n".join(line for line in _file(rendered, platform).splitlines() if not line.startswith(_switch.PLATFORMS[platform].comment + " "))
    cluster = rendered["intent"]["flatnet_cluster"]
    assert _accepted(platform, text) == {(cidr, 32) for cidr in [pool["cidr"] for pool in cluster["pools"]] + cluster["service_cluster_ips"]}
    for pattern in rules["deny_out"]:
        assert re.search(pattern, text, re.M), (platform, pattern)
    limits = {int(value) for value in re.findall(rules["maximum_prefix"], text, re.M)}
    wanted = case["options"].get("switch_bgp_maximum_prefix")
    header = re.search(r"maximum-prefix (\d+)$", _file(rendered, platform), re.M)
    assert limits == {wanted or int(header.group(1))} and (wanted or int(header.group(1))) > 0
    paths = re.findall(rules["ecmp"], text, re.M)
    assert paths == (["multipath"] if platform == "junos" else [str(case["options"].get("switch_bgp_maximum_paths", 8))])
    as_form = _asdot if platform == "vrp" else str
    if rules["local_as"]:
        assert set(re.findall(rules["local_as"], text, re.M)) == {as_form(case["switch_as"])}
    assert re.findall(rules["remote_as"], text, re.M) == [as_form(case["cluster_as"])]
    assert (PASSWORD in text) == bool(case["password"])
