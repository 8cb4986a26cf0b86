# SPDX-License-Identifier: GPL-3.0-or-later
"""The FRR part: block splitting, composing with the running configuration, frr-reload.py's delta."""

from __future__ import annotations

from typing import List, Sequence, Tuple

import pytest

from ansible_collections.flatnet.kube.plugins.module_utils import _frr as frr
from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError

RUNNING = """Building configuration...

Current configuration:
!
frr version 8.4.4
frr defaults traditional
hostname tor1
ip forwarding
!
interface br0
 description nodes
exit
!
ip prefix-list FLATNET-IN seq 10 permit 10.1.0.0/16 le 32
!
router bgp 65200
 neighbor 10.200.20.105 remote-as 64513
exit
!
router ospf
 network 10.200.20.0/24 area 0
exit
!
end
"""

MANAGED = """frr defaults traditional
!
ip prefix-list FLATNET-IN seq 10 permit 10.233.0.0/18 le 32
!
router bgp 65200
 neighbor FLATNET peer-group
 address-family ipv4 unicast
  neighbor FLATNET prefix-list FLATNET-IN in
 exit-address-family
exit
!
"""

TEST_OUTPUT = """2026-11-25 21:33:36,666  INFO: Called via "Namespace(...)"

Lines To Delete
===============
router bgp 65200
 no neighbor 10.200.20.105 remote-as 64513

Lines To Add
============
router bgp 65200
 neighbor FLATNET peer-group
"""


def test_blocks_group_indented_lines_and_exit():
    parsed = frr.blocks(RUNNING)
    assert [block[0] for block in parsed] == [
        "frr defaults traditional", "hostname tor1", "ip forwarding", "interface br0",
        "ip prefix-list FLATNET-IN seq 10 permit 10.1.0.0/16 le 32", "router bgp 65200", "router ospf"]
    assert parsed[3] == ["interface br0", " description nodes", "exit"]


def test_compose_replaces_only_the_managed_blocks():
    composed = frr.compose(RUNNING, MANAGED)
    assert "router ospf\n network 10.200.20.0/24 area 0\nexit" in composed
    assert "interface br0" in composed and "ip forwarding" in composed and "hostname tor1" in composed
    assert "10.1.0.0/16" not in composed and "neighbor 10.200.20.105" not in composed
    assert composed.count("router bgp 65200") == 1 and "neighbor FLATNET peer-group" in composed
    assert composed.count("frr defaults") == 1


def test_compose_refuses_unowned_blocks():
    with pytest.raises(FlatnetError) as error:
        frr.compose(RUNNING, "router ospf\n network 10.0.0.0/8 area 0\n")
    assert "may only hold `router bgp`" in str(error.value) and "router ospf" in str(error.value)


def test_parse_delta():
    delta = frr.parse_delta(TEST_OUTPUT)
    assert delta.delete == ["router bgp 65200", " no neighbor 10.200.20.105 remote-as 64513"]
    assert delta.add == ["router bgp 65200", " neighbor FLATNET peer-group"]
    assert not delta.empty
    assert frr.diff_text(delta) == "-router bgp 65200\n- no neighbor 10.200.20.105 remote-as 64513\n+router bgp 65200\n+ neighbor FLATNET peer-group\n"
    assert frr.parse_delta("\nLines To Delete\n===============\n\nLines To Add\n============\n").empty


class FakeRouter:
    """Answers vtysh and frr-reload.py like a router whose delta empties after a reload."""

    def __init__(self, valid: bool = True, sticky: bool = False) -> None:
        self.commands: List[List[str]] = []
        self.valid, self.sticky, self.reloaded = valid, sticky, False

    def __call__(self, command: Sequence[str]) -> Tuple[int, str, str]:
        self.commands.append(list(command))
        if "show running-config" in command:
            return 0, RUNNING, ""
        if "-C" in command:
            return (0, "", "") if self.valid else (1, "", "% Unknown command: neighbor FLATNET bogus")
        if "--test" in command:
            return 0, (TEST_OUTPUT if not self.reloaded or self.sticky else "Lines To Delete\nLines To Add\n"), ""
        if "--reload" in command:
            self.reloaded = True
        return 0, "", ""


def _kinds(router: FakeRouter) -> List[str]:
    kinds = []
    for command in router.commands:
        kinds.append(next((word for word in ("show running-config", "-C", "--test", "--reload", "write memory") if word in command), "?"))
    return kinds


def test_apply_in_check_mode_only_tests():
    router = FakeRouter()
    delta, _config = frr.apply(frr.Frr(router, pathspace="fn-switch"), MANAGED, check_mode=True)
    assert not delta.empty
    assert _kinds(router) == ["show running-config", "-C", "--test"]
    assert router.commands[0][:3] == ["vtysh", "-N", "fn-switch"]
    assert "--pathspace" in router.commands[2] and "fn-switch" in router.commands[2]


def test_apply_reloads_checks_and_saves():
    router = FakeRouter()
    frr.apply(frr.Frr(router), MANAGED, check_mode=False)
    assert _kinds(router) == ["show running-config", "-C", "--test", "--reload", "--test", "write memory"]


def test_an_invalid_configuration_is_never_applied():
    router = FakeRouter(valid=False)
    with pytest.raises(FlatnetError) as error:
        frr.apply(frr.Frr(router), MANAGED, check_mode=False)
    assert "FRR rejected the configuration (vtysh -C)" in str(error.value) and "Unknown command" in str(error.value)
    assert "--reload" not in _kinds(router)


def test_a_delta_left_after_reload_is_an_error():
    router = FakeRouter(sticky=True)
    with pytest.raises(FlatnetError) as error:
        frr.apply(frr.Frr(router), MANAGED, check_mode=False)
    assert "FRR did not take the whole configuration" in str(error.value)
    assert "write memory" not in _kinds(router)
