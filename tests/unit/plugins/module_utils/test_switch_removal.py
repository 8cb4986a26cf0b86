# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""remove.yml on a vendor's switch: the removal names what the switch holds of flatnet's part, read off its running
configuration, and nothing when it holds none (so a second removal sends nothing)."""

from __future__ import annotations

import copy

import pytest
from switch_cases import part_of  # pylint: disable=import-error

from ansible_collections.flatnet.kube.plugins.module_utils import _switch
from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError

# Each platform's BGP running configuration with flatnet's members 10.200.20.105 and .107 (a node the plan no longer
# lists) and a neighbor of the switch's own, as its running_command prints it; then the lines its presence_command
# prints.
RUNNING = {
    "ios": ("router bgp 65200\n bgp log-neighbor-changes\n neighbor FLATNET peer-group\n neighbor FLATNET remote-as 64513\n"
            " neighbor 192.168.1.1 remote-as 65100\n neighbor 10.200.20.105 peer-group FLATNET\n neighbor 10.200.20.107 peer-group FLATNET\n"
            " !\n address-family ipv4\n  neighbor FLATNET prefix-list FLATNET-IN in\n exit-address-family\n"),
    "eos": ("router bgp 65200\n   neighbor FLATNET peer group\n   neighbor FLATNET remote-as 64513\n   neighbor 192.168.1.1 remote-as 65100\n"
            "   neighbor 10.200.20.105 peer group FLATNET\n   neighbor 10.200.20.107 peer group FLATNET\n"),
    "nxos": ("router bgp 65200\n  template peer FLATNET\n    remote-as 64513\n  neighbor 192.168.1.1\n    remote-as 65100\n"
             "    description uplink\n  neighbor 10.200.20.105\n    inherit peer FLATNET\n  neighbor 10.200.20.107\n    inherit peer FLATNET\n"),
    "iosxr": ("router bgp 65200\n neighbor-group FLATNET\n  remote-as 64513\n !\n neighbor 192.168.1.1\n  remote-as 65100\n !\n"
              " neighbor 10.200.20.105\n  use neighbor-group FLATNET\n !\n neighbor 10.200.20.107\n  use neighbor-group FLATNET\n !\n!\n"),
    "vyos": ("set protocols bgp neighbor 10.200.20.105 peer-group 'FLATNET'\nset protocols bgp neighbor 10.200.20.107 peer-group 'FLATNET'\n"
             "set protocols bgp peer-group FLATNET remote-as '64513'\nset policy prefix-list FLATNET-IN rule 10 action 'permit'\n"),
}


def _present(platform: str) -> str:
    return "\n".join(line for line in RUNNING[platform].splitlines() if "FLATNET" in line) + "\nroute-map FLATNET-OUT deny 10\n"


@pytest.mark.parametrize("platform", sorted(RUNNING))
def test_the_removal_names_the_members_the_switch_has_and_the_switchs_own_neighbor_never(platform):
    part = part_of("neighbors-ebgp-password")
    running = RUNNING[platform] if platform != "vyos" else _present(platform)
    removal = _switch.device_removal(part, platform, running, _present(platform))
    # The same commands as the reviewed removal file, for the members the switch holds (.106 it never had).
    assert removal == _switch.render(dict(copy.deepcopy(part), neighbors=["10.200.20.105", "10.200.20.107"]), platform, removal=True)
    assert "10.200.20.107" in removal and "10.200.20.106" not in removal and "192.168.1.1" not in removal
    assert "s3cret-pw" not in removal


@pytest.mark.parametrize("platform", sorted(RUNNING))
def test_a_switch_that_holds_nothing_of_flatnets_part_gets_no_command(platform):
    part = part_of("neighbors-ebgp-password")
    own = "router bgp 65200\n neighbor 192.168.1.1 remote-as 65100\n"
    assert _switch.device_removal(part, platform, own, "") == ""
    # The group gone but a prefix list left (a removal stopped half way): the rest still goes.
    rest = _switch.device_removal(part, platform, own, "ip prefix-list FLATNET-IN seq 10 permit 10.233.0.0/18 le 32\n")
    assert "FLATNET-IN" in rest and "10.200.20.105" not in rest


def test_a_listen_range_is_named_only_where_it_stands():
    part = part_of("listen-range")
    present = " bgp listen range 10.200.20.0/24 peer-group FLATNET\n neighbor FLATNET peer-group\n"
    assert "no bgp listen range 10.200.20.0/24 peer-group FLATNET" in _switch.device_removal(part, "ios", "router bgp 65200\n" + present, present)
    assert "listen range" not in _switch.device_removal(part, "ios", "router bgp 65200\n neighbor FLATNET peer-group\n", " neighbor FLATNET peer-group\n")


def test_how_each_platform_is_taken_out():
    facts = {name: _switch.platform_facts(name) for name in _switch.PLATFORMS}
    assert {name: fact["removed_by"] for name, fact in facts.items()} == {
        "frr": "frr", "sonic": "frr", "ios": "cli", "nxos": "cli", "iosxr": "cli", "eos": "cli", "vyos": "vyos", "junos": "junos",
        "vrp": "", "comware": ""}
    assert all(facts[name]["presence_command"] for name in ("ios", "nxos", "iosxr", "eos", "vyos"))
    with pytest.raises(FlatnetError, match="not read before its removal"):
        _switch.device_removal(part_of("neighbors-ebgp-password"), "junos", "", "")
