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
                              "switch_bgp_router_id": "10.200.20.254", "switch_bgp_maximum_paths": 4}},
    # A listen range instead of neighbors, with a password.
    "listen-range": {"cluster_as": 64513, "switch_as": 65200, "password": PASSWORD,
                     "options": {"switch_bgp_neighbor_mode": "listen_range", "switch_bgp_listen_range": "10.200.20.0/24"}},
}
_OPTION_OF = {"switch_bgp_neighbor_mode": "listen_range", "switch_bgp_listen_range": "listen_range", "switch_bgp_ttl_security": "ttl_security",
              "switch_bgp_graceful_restart": "graceful_restart", "switch_bgp_router_id": "router_id", "switch_bgp_maximum_paths": "maximum_paths"}


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
    return {"case": request.param, "dir": out, "output": result.stdout}


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
