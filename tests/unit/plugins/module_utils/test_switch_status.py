# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""flatnet's BGP sessions on every non-FRR platform: only the FLATNET group's peers, their state, prefixes and uptime.

The recorded outputs in golden/switch_status/ follow the layout of each vendor's documented example of the command,
with this lab's addresses: flatnet's nodes .105 (Established) and .106 (down), the office uplink 192.168.1.1 (not
flatnet's), and the same in IPv6 (2001:db8:20::105/106, uplink 2001:db8:1::1). The layouts are those of:
- ios: Cisco IOS XE 17 "show ip bgp summary" / "show bgp ipv6 unicast summary" (IP Routing: BGP Command Reference);
  a long IPv6 neighbor wraps its row to the next line, a listen range's neighbor is marked `*`;
- nxos: Cisco NX-OS 9.3/10.x `show bgp ipv4|ipv6 unicast summary | json` (TABLE_vrf/ROW_vrf ... ROW_neighbor);
- iosxr: Cisco IOS XR 7.x "show bgp ipv4|ipv6 unicast summary" (BGP Command Reference);
- eos: Arista EOS 4.2x `show ip bgp summary | json` / `show ipv6 bgp summary | json` (vrfs.default.peers);
- vyos: VyOS 1.4 runs FRR 9: vtysh `show bgp summary json` (ipv4Unicast/ipv6Unicast.peers), as the FRR switch;
- junos: Junos OS 21.4 `show bgp summary | display json` (bgp-information[].bgp-peer[], bgp-rib per table);
- vrp: Huawei VRP V200R0xx "display bgp peer" / "display bgp ipv6 peer" (Command Reference);
- comware: H3C Comware 7 "display bgp peer ipv4" / "display bgp peer ipv6" (Layer 3 IP Routing Command Reference).
"""

from __future__ import annotations

import os
import re
from typing import Dict, List, Optional

import pytest

from ansible_collections.flatnet.kube.plugins.module_utils import _switch_status as status
from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError

GOLDEN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "switch_status")
MEMBERS = ["10.200.20.105", "10.200.20.106", "2001:db8:20::105", "2001:db8:20::106"]
BOTH = [{"family": 4, "afi": "ipv4"}, {"family": 6, "afi": "ipv6"}]
# 2026-12-02T18:40:00Z: EOS's recorded last changes are this less the uptimes of the other platforms' outputs.
NOW = 1796236800.0
PLATFORMS = ["ios", "nxos", "iosxr", "eos", "vyos", "junos", "vrp", "comware"]


def _slug(command: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", command.lower()).strip("-")


def _outputs(platform: str, families: Optional[List[str]] = None) -> Dict[str, str]:
    families = BOTH if families is None else families
    outputs = {}
    for command in status.commands(platform, families):
        with open(os.path.join(GOLDEN, "%s.%s.txt" % (platform, _slug(command))), encoding="utf-8") as handle:
            outputs[command] = handle.read()
    return outputs


def _sessions(platform: str, members: Optional[List[str]] = None, listen_range: Optional[str] = None, families: Optional[List[str]] = None,
              outputs: Optional[Dict[str, str]] = None) -> List[dict]:
    members = MEMBERS if members is None else members
    families = BOTH if families is None else families
    return status.sessions(platform, outputs if outputs is not None else _outputs(platform, families), members, listen_range,
                           families, NOW)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_every_platform_gives_the_groups_sessions_only_with_state_prefixes_and_uptime(platform):
    sessions = _sessions(platform)
    assert [(row["neighbor"], row["family"], row["established"]) for row in sessions] == [
        ("10.200.20.105", "ipv4Unicast", True), ("10.200.20.106", "ipv4Unicast", False),
        ("2001:db8:20::105", "ipv6Unicast", True), ("2001:db8:20::106", "ipv6Unicast", False)]
    # The uplink (another AS, Established too) is not flatnet's.
    assert all(row["remote_as"] == 64513 for row in sessions)
    up, down = sessions[0], sessions[1]
    assert up["state"] == "Established" and up["prefixes_received"] == (8 if platform == "vyos" else 5)
    assert up["uptime"] == ("00:00:52" if platform == "vyos" else "1:45:12" if platform == "junos" else "01:45:12")
    assert up["row"] == "10.200.20.105 ipv4Unicast: Established, %d prefixes received, up %s" % (
        up["prefixes_received"], up["uptime"])
    assert down["state"] in ("Idle", "Active") and down["prefixes_received"] is None
    assert re.fullmatch(r"10\.200\.20\.106 ipv4Unicast: (Idle|Active), no prefixes received, up (never|-)", down["row"])
    assert sessions[2]["prefixes_received"] == 2 and sessions[3]["state"] in ("Idle", "Active")
    assert set(sessions[0]) == {"neighbor", "family", "state", "remote_as", "prefixes_received", "uptime", "established", "row"}


@pytest.mark.parametrize("platform", PLATFORMS)
def test_only_the_models_families_are_read_and_reported(platform):
    ipv4 = [{"family": 4, "afi": "ipv4"}]
    commands = status.commands(platform, ipv4)
    assert len(commands) == 1
    sessions = _sessions(platform, families=ipv4)
    assert [row["neighbor"] for row in sessions] == ["10.200.20.105", "10.200.20.106"]


def test_a_down_session_is_never_up_or_dash_as_on_frr():
    rows = {row["neighbor"]: row["row"] for row in _sessions("ios")}
    assert rows["10.200.20.106"] == "10.200.20.106 ipv4Unicast: Idle, no prefixes received, up never"
    assert rows["2001:db8:20::106"] == "2001:db8:20::106 ipv6Unicast: Active, no prefixes received, up -"
    nxos = {row["neighbor"]: row["row"] for row in _sessions("nxos")}
    assert nxos["2001:db8:20::106"].endswith("Idle, no prefixes received, up never")


def test_a_listen_range_takes_every_peer_inside_it_and_nothing_outside():
    # IOS marks a neighbor of a listen range `*10.200.20.107`.
    sessions = _sessions("ios", members=[], listen_range="10.200.20.0/24", families=[{"family": 4, "afi": "ipv4"}])
    assert [(row["neighbor"], row["state"], row["prefixes_received"]) for row in sessions] == [
        ("10.200.20.105", "Established", 5), ("10.200.20.106", "Idle", None), ("10.200.20.107", "Established", 5)]
    assert [row["neighbor"] for row in _sessions("eos", members=[], listen_range="2001:db8:20::/64")] == [
        "2001:db8:20::105", "2001:db8:20::106"]
    assert _sessions("junos", members=[], listen_range="10.99.0.0/16") == []


def test_members_match_whatever_case_the_switch_writes_ipv6_in():
    # IOS, VRP and Comware write IPv6 addresses in capitals; the model in lowercase.
    for platform in ("ios", "vrp", "comware"):
        assert "2001:DB8:20::105" in "".join(_outputs(platform).values())
        assert [row["neighbor"] for row in _sessions(platform, members=["2001:db8:20::105"])] == ["2001:db8:20::105"]


def test_eos_uptime_is_now_less_the_last_change_and_without_now_the_change_itself():
    outputs = _outputs("eos")
    assert _sessions("eos")[0]["uptime"] == "01:45:12"
    later = status.sessions("eos", outputs, MEMBERS, None, BOTH, NOW + 2 * 86400)
    assert later[0]["uptime"] == "2d01h45m"
    assert status.sessions("eos", outputs, MEMBERS, None, BOTH, NOW + 9 * 86400)[0]["uptime"] == "1w2d01h"
    without = status.sessions("eos", outputs, MEMBERS, None, BOTH)
    assert without[0]["uptime"] == "since 2026-12-02T16:54:47Z"
    assert without[1]["row"].endswith("up -")


def test_four_byte_and_asdot_remote_as_are_plain_ints():
    text = _outputs("vrp")["display bgp peer"].replace("64513", "64086.59905", 1)
    sessions = _sessions("vrp", families=[{"family": 4, "afi": "ipv4"}], outputs={"display bgp peer": text})
    assert sessions[0]["remote_as"] == 4200000001
    shown = _outputs("nxos")["show bgp ipv4 unicast summary | json"].replace('"64513"', '"4200000001"')
    nxos = _sessions("nxos", families=[{"family": 4, "afi": "ipv4"}], outputs={"show bgp ipv4 unicast summary | json": shown})
    assert [row["remote_as"] for row in nxos] == [4200000001, 4200000001]


def test_a_single_nxos_neighbor_row_is_a_dict_not_a_list():
    import json  # pylint: disable=import-outside-toplevel
    shown = json.loads(_outputs("nxos")["show bgp ipv4 unicast summary | json"])
    family = shown["TABLE_vrf"]["ROW_vrf"]["TABLE_af"]["ROW_af"]["TABLE_saf"]["ROW_saf"]
    family["TABLE_neighbor"]["ROW_neighbor"] = family["TABLE_neighbor"]["ROW_neighbor"][0]
    sessions = _sessions("nxos", families=[{"family": 4, "afi": "ipv4"}],
                         outputs={"show bgp ipv4 unicast summary | json": json.dumps(shown)})
    assert [row["row"] for row in sessions] == ["10.200.20.105 ipv4Unicast: Established, 5 prefixes received, up 01:45:12"]


def test_reads_name_each_command_with_the_families_its_output_holds():
    assert status.reads("ios", BOTH) == [{"command": "show ip bgp summary", "families": ["ipv4"]},
                                         {"command": "show bgp ipv6 unicast summary", "families": ["ipv6"]}]
    assert status.reads("junos", BOTH) == [{"command": "show bgp summary | display json", "families": ["ipv4", "ipv6"]}]
    assert status.reads("sonic", ["ipv4"]) == [{"command": "vtysh -c 'show bgp summary json'", "families": ["ipv4"]}]


def test_sonic_reads_frrs_json_as_the_frr_switch():
    with open(os.path.join(GOLDEN, "..", "frr", "show-bgp-summary.json"), encoding="utf-8") as handle:
        outputs = {"vtysh -c 'show bgp summary json'": handle.read()}
    sessions = status.sessions("sonic", outputs, ["10.200.20.105", "10.200.20.106"], None, ["ipv4"])
    assert [row["row"] for row in sessions] == ["10.200.20.105 ipv4Unicast: Established, 8 prefixes received, up 00:00:52",
                                                "10.200.20.106 ipv4Unicast: Active, no prefixes received, up never"]


def test_an_empty_summary_has_no_session_and_a_switch_without_bgp_says_nothing_wrong():
    assert status.sessions("nxos", {"show bgp ipv4 unicast summary | json": ""}, MEMBERS, None, ["ipv4"]) == []
    assert status.sessions("junos", {"show bgp summary | display json": "{}"}, MEMBERS, None, BOTH) == []


def test_what_cannot_be_read_is_refused_with_the_reason():
    with pytest.raises(FlatnetError, match="no output of 'show ip bgp summary'"):
        status.sessions("ios", {}, MEMBERS, None, ["ipv4"])
    with pytest.raises(FlatnetError, match="not JSON"):
        status.sessions("eos", {"show ip bgp summary | json": "% Invalid input"}, MEMBERS, None, ["ipv4"])
    with pytest.raises(FlatnetError, match="not the summary flatnet reads"):
        status.sessions("vrp", {"display bgp peer": "Error: Unrecognized command found at '^' position."}, MEMBERS, None,
                        ["ipv4"])
    with pytest.raises(FlatnetError, match="no session reader for platform 'aruba'"):
        status.commands("aruba", ["ipv4"])
    with pytest.raises(FlatnetError, match="unknown address family 'l2vpn'"):
        status.commands("ios", ["l2vpn"])


def test_the_filters_name_themselves_in_their_errors():
    from ansible.errors import AnsibleFilterError  # pylint: disable=import-outside-toplevel
    from ansible_collections.flatnet.kube.plugins.filter.switch_status import FilterModule  # pylint: disable=import-outside-toplevel

    filters = FilterModule().filters()
    assert filters["switch_status_reads"]("eos", ["ipv6"]) == [{"command": "show ipv6 bgp summary | json", "families": ["ipv6"]}]
    assert [row["neighbor"] for row in filters["switch_sessions"]("comware", _outputs("comware"), MEMBERS, None, BOTH)] == [
        "10.200.20.105", "10.200.20.106", "2001:db8:20::105", "2001:db8:20::106"]
    with pytest.raises(AnsibleFilterError, match=r"^flatnet.kube.switch_sessions: no output of"):
        filters["switch_sessions"]("junos", {}, MEMBERS, None, BOTH)
