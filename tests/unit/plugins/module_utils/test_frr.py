# SPDX-License-Identifier: GPL-3.0-or-later
"""The FRR part on a shared switch: only flatnet's lines change, the rest stays byte for byte, no secret shows."""

from __future__ import annotations

import json
import os
from typing import List, Optional, Sequence, Tuple

import pytest

from ansible_collections.flatnet.kube.plugins.module_utils import _frr as frr
from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError

# An office core switch as `show running-config` prints it: its own uplink, networks, VRF, OSPF, static routes,
# prefix list, route map, SNMP community and vty password, and flatnet's part from an earlier run (node .108 no
# longer peers, an old password).
OFFICE = """Building configuration...

Current configuration:
!
frr version 8.4.4
frr defaults traditional
hostname core1
ip forwarding
service integrated-vtysh-config
!
password zebra-vty-secret
!
ip route 172.16.0.0/16 192.168.1.1
!
interface br0
 description nodes
exit
!
ip prefix-list OFFICE-OUT seq 5 permit 192.168.0.0/16
!
route-map UPLINK-IN permit 10
 set local-preference 200
exit
!
snmp-server community office-ro-secret ro
!
router bgp 65200
 bgp router-id 10.200.20.254
 neighbor 192.168.1.1 remote-as 65100
 neighbor 192.168.1.1 password uplink-secret
 neighbor 192.168.1.1 description uplink
 !
 address-family ipv4 unicast
  network 192.168.10.0/24
  redistribute connected
  neighbor 192.168.1.1 route-map UPLINK-IN in
  maximum-paths 4
 exit-address-family
 !
 address-family ipv6 unicast
  neighbor 192.168.1.1 activate
 exit-address-family
exit
!
router bgp 65200 vrf guests
 neighbor 10.9.9.1 remote-as 65300
exit
!
router ospf
 network 10.200.20.0/24 area 0
exit
!
end
"""

FLATNET_BEFORE = """ip prefix-list FLATNET-IN seq 10 permit 10.1.0.0/16 le 32
!
route-map FLATNET-OUT deny 10
exit
!
router bgp 65200
 neighbor FLATNET peer-group
 neighbor FLATNET remote-as 64513
 neighbor FLATNET password old-secret
 neighbor 10.200.20.108 peer-group FLATNET
 address-family ipv4 unicast
  neighbor FLATNET prefix-list FLATNET-IN in
 exit-address-family
exit
"""

MANAGED = """frr defaults traditional
!
ip prefix-list FLATNET-IN seq 10 permit 10.233.0.0/18 le 32
ip prefix-list FLATNET-IN seq 20 permit 10.233.64.0/18 ge 18 le 32
!
route-map FLATNET-OUT deny 10
exit
!
router bgp 65200
 neighbor FLATNET peer-group
 neighbor FLATNET remote-as 64513
 neighbor FLATNET description dev nodes (node-role.kubernetes.io/ingress == 'ingress')
 neighbor FLATNET password new-secret
 neighbor 10.200.20.105 peer-group FLATNET
 neighbor 10.200.20.106 peer-group FLATNET
 !
 address-family ipv4 unicast
  neighbor FLATNET prefix-list FLATNET-IN in
  neighbor FLATNET route-map FLATNET-OUT out
  neighbor FLATNET maximum-prefix 400
  maximum-paths 8
 exit-address-family
exit
!
"""


def _with_flatnet(office: str, part: str) -> str:
    """The office switch as it runs with flatnet's part merged in (the way FRR would show it)."""
    return frr.compose(office, part)


def _config_lines(text: str) -> List[str]:
    return [line for block in frr.blocks(text) for line in block]


def test_every_line_that_is_not_flatnets_stays_as_it_runs():
    composed = frr.compose(OFFICE, MANAGED)
    lines = _config_lines(composed)
    ours = {block[0]: block for block in frr.blocks(composed)}
    for block in frr.blocks(OFFICE):
        if block[0] != "router bgp 65200":
            assert ours[block[0]] == block  # every other block byte for byte
    instance = ours["router bgp 65200"]
    theirs = [line for line in frr.blocks(OFFICE)[[b[0] for b in frr.blocks(OFFICE)].index("router bgp 65200")] if line != "  maximum-paths 4"]
    assert [line for line in instance if line in theirs and "FLATNET" not in line] == theirs  # every line of theirs, in order
    assert "  maximum-paths 4" not in lines and "  maximum-paths 8" in lines  # the one setting the part renders
    assert " bgp router-id 10.200.20.254" in lines  # not rendered: the switch's own stays
    assert composed.count("router bgp 65200\n") == 1 and "router bgp 65200 vrf guests\n neighbor 10.9.9.1 remote-as 65300\nexit" in composed


def test_flatnets_old_lines_go_and_the_new_ones_come():
    running = _with_flatnet(OFFICE, FLATNET_BEFORE)
    composed = frr.compose(running, MANAGED)
    assert "10.200.20.108" not in composed and "old-secret" not in composed and "10.1.0.0/16" not in composed
    assert composed == frr.compose(OFFICE, MANAGED)
    # Composing again on what it made changes nothing: the merge is stable.
    assert frr.compose(composed, MANAGED) == composed


def test_removal_takes_out_flatnets_lines_and_nothing_else():
    running = _with_flatnet(OFFICE, FLATNET_BEFORE)
    removed = frr.compose(running, "")
    assert "FLATNET" not in removed
    assert _config_lines(removed) == _config_lines(OFFICE)


def test_an_instance_of_another_as_is_refused():
    with pytest.raises(FlatnetError) as caught:
        frr.compose(OFFICE, MANAGED.replace("router bgp 65200", "router bgp 65201"))
    message = str(caught.value)
    assert "runs AS 65200" in message and "gives 65201" in message and "Set as_number: 65200" in message and "nothing was changed" in message


def test_a_neighbor_of_the_switchs_own_on_a_peering_node_is_refused():
    running = OFFICE.replace(" neighbor 192.168.1.1 remote-as 65100\n", " neighbor 192.168.1.1 remote-as 65100\n neighbor 10.200.20.105 remote-as 64513\n")
    with pytest.raises(FlatnetError) as caught:
        frr.compose(running, MANAGED)
    assert "already has a neighbor 10.200.20.105 of its own" in str(caught.value) and "listen_range" in str(caught.value)


def test_a_switch_without_bgp_gets_the_whole_part():
    bare = "frr defaults traditional\nhostname leaf\n!\ninterface br0\nexit\n!\nend\n"
    composed = frr.compose(bare, MANAGED)
    assert "router bgp 65200\n neighbor FLATNET peer-group" in composed and "interface br0\nexit" in composed


@pytest.mark.parametrize("line", [
    "router ospf",
    " neighbor 192.168.1.1 remote-as 65100",
    "ip prefix-list OFFICE-OUT seq 5 permit 0.0.0.0/0 le 32",
    "end",
    "line vty",
    " neighbor FLATNET password two words",
    " redistribute connected",
    "router bgp 65200 vrf guests",
])
def test_a_line_flatnet_never_renders_is_refused(line):
    managed = MANAGED.replace(" neighbor FLATNET peer-group\n", " neighbor FLATNET peer-group\n" + (line + "\n" if line.startswith(" ") else ""))
    if not line.startswith(" "):
        managed += line + "\n"
    with pytest.raises(FlatnetError) as caught:
        frr.compose(OFFICE, managed)
    assert "is not a line flatnet renders" in str(caught.value) and "nothing was changed" in str(caught.value)
    assert "two words" not in str(caught.value)


@pytest.mark.parametrize("line", ["exit", "end", " exit", " end", " !\nexit"])
def test_an_exit_or_end_inside_the_block_is_refused(line):
    # A value that ended the block early would let the lines after it land elsewhere.
    managed = MANAGED.replace(" neighbor FLATNET peer-group\n", " neighbor FLATNET peer-group\n%s\n" % line)
    with pytest.raises(FlatnetError) as caught:
        frr.compose(OFFICE, managed)
    assert "nothing was changed" in str(caught.value)


def test_mask_hides_the_rest_of_every_secret_bearing_line():
    text = ("password zebra-vty-secret\n neighbor 192.168.1.1 password uplink-secret\nsnmp-server community office-ro-secret ro\n"
            " no neighbor FLATNET password old-secret\n  key-string chain-secret\n ip ospf authentication-key ospf-secret\n"
            " neighbor FLATNET description dev nodes")
    masked = frr.mask(text, ["dev"])
    for secret in ("zebra-vty-secret", "uplink-secret", "office-ro-secret", "old-secret", "chain-secret", "ospf-secret", "dev"):
        assert secret not in masked
    assert masked.splitlines()[1] == " neighbor 192.168.1.1 password ********"
    assert masked.splitlines()[-1] == " neighbor FLATNET description ******** nodes"


TEST_OUTPUT = """2026-11-25 21:33:36,666  INFO: Called via "Namespace(...)"

Lines To Delete
===============
router bgp 65200
 no neighbor FLATNET password old-secret

Lines To Add
============
router bgp 65200
 neighbor FLATNET password new-secret
"""


def test_parse_delta():
    delta = frr.parse_delta(TEST_OUTPUT)
    assert delta.delete == ["router bgp 65200", " no neighbor FLATNET password old-secret"]
    assert delta.add == ["router bgp 65200", " neighbor FLATNET password new-secret"]
    assert not delta.empty
    assert frr.parse_delta("\nLines To Delete\n===============\n\nLines To Add\n============\n").empty


class FakeRouter:
    """Answers vtysh and frr-reload.py like the office switch; the delta empties after a reload."""

    def __init__(self, valid: bool = True, sticky: bool = False, reload_fails: int = 0, code: Optional[int] = None) -> None:
        self.commands: List[List[str]] = []
        self.valid, self.sticky, self.reload_fails, self.code = valid, sticky, reload_fails, code
        self.reloaded = False
        self.files: List[str] = []
        self.daemons = ["zebra", "bgpd", "staticd"]

    def __call__(self, command: Sequence[str]) -> Tuple[int, str, str]:
        self.commands.append(list(command))
        if self.code is not None:
            return self.code, "", ""
        if "show daemons" in command:
            return 0, " ".join(self.daemons) + "\n", ""
        if "show running-config" in command:
            return 0, OFFICE, ""
        if "-C" in command:
            return (0, "", "") if self.valid else (1, "", "line 40: % Unknown command:  neighbor 192.168.1.1 password uplink-secret")
        if "--test" in command:
            return 0, (TEST_OUTPUT if not self.reloaded or self.sticky else "Lines To Delete\nLines To Add\n"), ""
        if "--reload" in command:
            with open(command[-1], encoding="utf-8") as handle:
                self.files.append(handle.read())
            if self.reload_fails:
                self.reload_fails -= 1
                return 1, "", "vtysh failed on: neighbor FLATNET password new-secret"
            self.reloaded = True
        return 0, "", ""


def _kinds(router: FakeRouter) -> List[str]:
    """The commands but ``show daemons`` (before and after each read, before each save), by kind."""
    return [next((word for word in ("show running-config", "-C", "--test", "--reload", "write memory") if word in command), "?")
            for command in router.commands if "show daemons" not in command]


def test_apply_in_check_mode_only_tests_and_masks_the_delta():
    router = FakeRouter()
    applied = frr.apply(frr.Frr(router, pathspace="fn-switch", secrets=["new-secret"]), MANAGED, check_mode=True)
    delta = applied.delta
    assert applied.settings == ["maximum-paths 8 (was: maximum-paths 4)"]
    assert _kinds(router) == ["show running-config", "-C", "--test"]
    assert router.commands[0][:6] == ["timeout", "--kill-after=10", "120", "vtysh", "-N", "fn-switch"]
    assert "--pathspace" in router.commands[4] and "fn-switch" in router.commands[4]
    assert delta.delete == ["router bgp 65200", " no neighbor FLATNET password ********"]
    assert delta.add == ["router bgp 65200", " neighbor FLATNET password ********"]


def test_apply_reloads_checks_and_saves():
    router = FakeRouter()
    frr.apply(frr.Frr(router), MANAGED, check_mode=False)
    assert _kinds(router) == ["show running-config", "-C", "--test", "--reload", "--test", "write memory"]


def test_an_invalid_configuration_is_never_applied_and_its_error_is_masked():
    router = FakeRouter(valid=False)
    with pytest.raises(FlatnetError) as error:
        frr.apply(frr.Frr(router), MANAGED, check_mode=False)
    assert "FRR rejected the configuration (vtysh -C)" in str(error.value) and "Unknown command" in str(error.value)
    assert "uplink-secret" not in str(error.value)
    assert "--reload" not in _kinds(router)


def test_a_failed_reload_puts_the_previous_configuration_back():
    router = FakeRouter(reload_fails=1)
    with pytest.raises(FlatnetError) as error:
        frr.apply(frr.Frr(router, secrets=["new-secret"]), MANAGED, check_mode=False)
    message = str(error.value)
    assert "frr-reload.py --reload failed" in message and "was put back" in message and "new-secret" not in message
    assert _kinds(router)[-2:] == ["--reload", "--reload"]
    assert _config_lines(router.files[1]) == _config_lines(OFFICE)  # the second reload loads what ran before
    assert "write memory" not in _kinds(router)


def test_when_the_restore_fails_too_both_errors_are_reported():
    router = FakeRouter(reload_fails=2)
    with pytest.raises(FlatnetError) as error:
        frr.apply(frr.Frr(router), MANAGED, check_mode=False)
    assert "Putting the previous configuration back failed too" in str(error.value) and "show running-config" in str(error.value)


def test_a_delta_left_after_reload_is_an_error():
    router = FakeRouter(sticky=True)
    with pytest.raises(FlatnetError) as error:
        frr.apply(frr.Frr(router, secrets=["new-secret"]), MANAGED, check_mode=False)
    assert "FRR did not take the whole configuration" in str(error.value) and "new-secret" not in str(error.value)
    assert "write memory" not in _kinds(router)


def test_a_hung_command_is_stopped_and_said_so():
    router = FakeRouter(code=124)
    with pytest.raises(FlatnetError, match=r"listing FRR's daemons \(show daemons\) did not end within 30 seconds and was stopped"):
        frr.apply(frr.Frr(router, timeout=30), MANAGED, check_mode=True)


WITH_ID = MANAGED.replace(" neighbor FLATNET peer-group\n", " bgp router-id 10.0.0.1\n bgp graceful-restart\n neighbor FLATNET peer-group\n")


def test_setting_changes_name_each_instance_wide_setting_with_its_old_value():
    assert frr.setting_changes(OFFICE, frr.compose(OFFICE, MANAGED)) == ["maximum-paths 8 (was: maximum-paths 4)"]
    assert frr.setting_changes(OFFICE, frr.compose(OFFICE, WITH_ID)) == [
        "bgp router-id 10.0.0.1 (was: bgp router-id 10.200.20.254)", "bgp graceful-restart (was: not set)",
        "maximum-paths 8 (was: maximum-paths 4)"]
    composed = frr.compose(OFFICE, MANAGED)
    assert frr.setting_changes(composed, frr.compose(composed, MANAGED)) == []  # already set: nothing to say
    new = "frr defaults traditional\n"
    assert frr.setting_changes(new, frr.compose(new, MANAGED)) == []  # a new instance is all flatnet's


def test_the_record_keeps_each_setting_as_it_was_before_its_first_change():
    composed = frr.compose(OFFICE, WITH_ID)
    record = frr.recorded(OFFICE, composed, None)
    family = " address-family ipv4 unicast"
    assert record == {"version": 1, "instance": "router bgp 65200", "settings": [
        {"section": "", "key": " bgp router-id", "line": " bgp router-id 10.200.20.254"},
        {"section": "", "key": " bgp graceful-restart", "line": None},
        {"section": family, "key": "  maximum-paths", "line": "  maximum-paths 4"}]}
    # A later change of a recorded setting keeps what it was at the start, not what flatnet had set.
    assert frr.recorded(composed, frr.compose(composed, WITH_ID.replace("maximum-paths 8", "maximum-paths 16")), record) == record
    # Nothing changes: nothing to record; a new instance is all flatnet's.
    assert frr.recorded(composed, frr.compose(composed, WITH_ID), None) is None
    assert frr.recorded("frr defaults traditional\n", frr.compose("frr defaults traditional\n", MANAGED), None) is None


def test_a_removal_with_the_record_gives_back_the_instance_as_it_ran_before_flatnet():
    composed = frr.compose(OFFICE, WITH_ID)
    record = frr.recorded(OFFICE, composed, None)
    # The same lines (FRR orders an instance's lines itself; the lab compares the switch's own output in order).
    assert sorted(_config_lines(frr.compose(composed, "", record))) == sorted(_config_lines(OFFICE))
    # Without the record the settings flatnet set stay as the instance's own.
    kept = _config_lines(frr.compose(composed, ""))
    assert " bgp graceful-restart" in kept and "  maximum-paths 8" in kept and " bgp router-id 10.0.0.1" in kept
    assert frr.setting_changes(composed, frr.compose(composed, "", record)) == [
        "bgp router-id 10.200.20.254 (was: bgp router-id 10.0.0.1)", "maximum-paths 4 (was: maximum-paths 8)",
        "not set (was: bgp graceful-restart)"]


@pytest.mark.parametrize("record", [
    {"version": 2, "instance": "router bgp 65200", "settings": []},
    {"version": 1, "instance": "router bgp 65200 vrf x", "settings": []},
    {"version": 1, "instance": "router bgp 65200", "settings": [{"section": "", "key": " bgp router-id", "line": " neighbor 10.0.0.9 remote-as 1"}]},
    {"version": 1, "instance": "router bgp 65200", "settings": [{"section": "", "key": "  maximum-paths", "line": "  maximum-paths 4\nline vty"}]},
    {"version": 1, "instance": "router bgp 65200", "settings": [{"section": "router ospf", "key": "  maximum-paths", "line": None}]},
    {"version": 1, "instance": "router bgp 65200", "settings": [{"section": "", "key": " password", "line": None}]},
    "not json",
])
def test_a_record_flatnet_did_not_write_is_refused(tmp_path, record):
    path = tmp_path / frr.RECORD_NAME
    path.write_text(record if isinstance(record, str) else json.dumps(record), encoding="utf-8")
    with pytest.raises(FlatnetError, match="is not a record of the start that flatnet wrote.*nothing was changed"):
        frr.read_record(str(path))


def test_a_record_of_another_instance_is_refused():
    record = {"version": 1, "instance": "router bgp 65201", "settings": []}
    with pytest.raises(FlatnetError, match="made for `router bgp 65201`, but the switch runs `router bgp 65200`"):
        frr.compose(OFFICE, "", record)


class RecordingRouter(FakeRouter):
    """A router that notes whether the record was on disk when frr-reload.py applied the change."""

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.record_at_reload: Optional[str] = None

    def __call__(self, command: Sequence[str]) -> Tuple[int, str, str]:
        if "--reload" in command and os.path.exists(self.path):
            with open(self.path, encoding="utf-8") as handle:
                self.record_at_reload = handle.read()
        return super().__call__(command)


def test_apply_writes_the_record_before_the_change_and_a_removal_deletes_it(tmp_path):
    path = str(tmp_path / frr.RECORD_NAME)
    checked = frr.apply(frr.Frr(RecordingRouter(path)), MANAGED, check_mode=True, record_path=path)
    assert not os.path.exists(path) and checked.record["settings"][0]["line"] == "  maximum-paths 4"  # check mode writes nothing
    router = RecordingRouter(path)
    applied = frr.apply(frr.Frr(router), MANAGED, check_mode=False, record_path=path)
    assert json.loads(router.record_at_reload or "{}") == applied.record
    assert os.stat(path).st_mode & 0o777 == 0o600 and frr.read_record(path) == applied.record
    removing = RecordingRouter(path)
    removed = frr.apply(frr.Frr(removing), "", check_mode=False, record_path=path)
    assert removed.record == applied.record and not os.path.exists(path)
    # What the removal gave frr-reload.py carries the recorded setting back.
    assert "  maximum-paths 4" in removing.files[0]


def test_a_record_that_cannot_be_written_stops_the_change_before_it(tmp_path):
    path = str(tmp_path / "missing" / frr.RECORD_NAME)
    router = FakeRouter()
    with pytest.raises(FlatnetError, match="cannot write the record of the start .* nothing was changed"):
        frr.apply(frr.Frr(router), MANAGED, check_mode=False, record_path=path)
    assert "--reload" not in _kinds(router)


class DyingRouter(FakeRouter):
    """A router whose controller dies (an exception here) right after frr-reload.py, before write memory; it notes
    whether the unsaved marker stood during the reload."""

    def __init__(self, marker: str, die: bool = True) -> None:
        super().__init__()
        self.marker, self.die = marker, die
        self.marked_at_reload = False

    def __call__(self, command: Sequence[str]) -> Tuple[int, str, str]:
        if "--reload" in command:
            self.marked_at_reload = os.path.exists(self.marker)
        if "write memory" in command and self.die:
            raise KeyboardInterrupt("killed before write memory")
        return super().__call__(command)


def test_a_run_killed_between_reload_and_save_leaves_a_marker_and_the_next_run_saves(tmp_path):
    path = str(tmp_path / frr.RECORD_NAME)
    marker = frr.unsaved_marker(path)
    dying = DyingRouter(marker)
    with pytest.raises(KeyboardInterrupt):
        frr.apply(frr.Frr(dying), MANAGED, check_mode=False, record_path=path)
    assert dying.marked_at_reload and os.path.exists(marker) and os.stat(marker).st_mode & 0o777 == 0o600
    # The next run finds the part running (no delta), and saves because of the marker; check mode only says it would.
    settled = FakeRouter()
    settled.reloaded = True
    checked = frr.apply(frr.Frr(settled), MANAGED, check_mode=True, record_path=path)
    assert checked.saved_late and checked.delta.empty and "write memory" not in _kinds(settled) and os.path.exists(marker)
    applied = frr.apply(frr.Frr(settled), MANAGED, check_mode=False, record_path=path)
    assert applied.saved_late and applied.delta.empty and _kinds(settled)[-1] == "write memory" and not os.path.exists(marker)
    # And once saved, the run after it does nothing.
    quiet = FakeRouter()
    quiet.reloaded = True
    again = frr.apply(frr.Frr(quiet), MANAGED, check_mode=False, record_path=path)
    assert not again.saved_late and "write memory" not in _kinds(quiet)


def test_a_whole_change_leaves_no_marker_and_no_save_means_no_marker(tmp_path):
    path = str(tmp_path / frr.RECORD_NAME)
    router = DyingRouter(frr.unsaved_marker(path), die=False)
    applied = frr.apply(frr.Frr(router), MANAGED, check_mode=False, record_path=path)
    assert router.marked_at_reload and not applied.saved_late and not os.path.exists(frr.unsaved_marker(path))
    unsaving = DyingRouter(frr.unsaved_marker(path), die=False)
    frr.apply(frr.Frr(unsaving), MANAGED, check_mode=False, save=False, record_path=path)
    assert not unsaving.marked_at_reload and "write memory" not in _kinds(unsaving)


class StoppingRouter(FakeRouter):
    """A router whose daemons stop: ``stopped`` from the start, or ``stops`` once its running configuration was read."""

    def __init__(self, stopped: Sequence[str] = (), stops: Sequence[str] = (), stops_after: str = "show running-config") -> None:
        super().__init__()
        self.daemons = [name for name in self.daemons if name not in stopped]
        self.stops, self.stops_after = list(stops), stops_after

    def __call__(self, command: Sequence[str]) -> Tuple[int, str, str]:
        answer = super().__call__(command)
        if self.stops_after in command:
            self.daemons = [name for name in self.daemons if name not in self.stops]
        return answer


@pytest.mark.parametrize("stopped, named", [(["bgpd"], "FRR's bgpd is not running (vtysh reaches: zebra staticd)"),
                                            (["zebra", "bgpd"], "FRR's zebra and bgpd are not running (vtysh reaches: staticd)")])
def test_a_switch_with_zebra_or_bgpd_stopped_is_refused_before_anything_changes(stopped, named):
    # vtysh shows no BGP at all while bgpd is stopped, and exits 0: that must never read as a switch without BGP.
    router = StoppingRouter(stopped=stopped)
    with pytest.raises(FlatnetError) as error:
        frr.apply(frr.Frr(router), MANAGED, check_mode=False)
    assert named in str(error.value) and "nothing was changed" in str(error.value)
    assert _kinds(router) == []


def test_a_daemon_that_stops_while_the_configuration_is_read_is_caught():
    router = StoppingRouter(stops=["bgpd"])
    with pytest.raises(FlatnetError, match="FRR's bgpd is not running"):
        frr.apply(frr.Frr(router), MANAGED, check_mode=False)
    assert _kinds(router) == ["show running-config"]


def test_a_daemon_that_stops_during_the_change_is_never_saved_and_the_next_run_saves(tmp_path):
    path = str(tmp_path / frr.RECORD_NAME)
    router = StoppingRouter(stops=["staticd"], stops_after="--reload")
    with pytest.raises(FlatnetError, match="FRR's staticd stopped during the change, so the configuration was not saved"):
        frr.apply(frr.Frr(router), MANAGED, check_mode=False, record_path=path)
    assert "write memory" not in _kinds(router) and os.path.exists(frr.unsaved_marker(path))


def _summary():
    # Recorded from FRR 8.4 in the lab (show bgp summary json); the second node's session edited to one that is not up.
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden", "frr", "show-bgp-summary.json"), encoding="utf-8") as handle:
        return json.load(handle)


def test_sessions_are_the_peer_groups_members_only_with_their_state():
    running = frr.compose(OFFICE.replace("192.168.1.1", "10.200.22.2"), MANAGED)
    sessions = frr.sessions(running, _summary())
    assert [(row["neighbor"], row["state"], row["prefixes_received"], row["established"]) for row in sessions] == [
        ("10.200.20.105", "Established", 8, True), ("10.200.20.106", "Active", None, False)]
    assert sessions[0]["row"] == "10.200.20.105 ipv4Unicast: Established, 8 prefixes received, up 00:00:52"
    assert sessions[1]["row"] == "10.200.20.106 ipv4Unicast: Active, no prefixes received, up never"


def test_sessions_of_a_listen_range_and_of_a_switch_without_flatnet():
    listening = MANAGED.replace(" neighbor 10.200.20.105 peer-group FLATNET\n neighbor 10.200.20.106 peer-group FLATNET\n",
                                " bgp listen range 10.200.20.0/24 peer-group FLATNET\n")
    running = frr.compose(OFFICE.replace("192.168.1.1", "10.200.22.2"), listening)
    assert [row["neighbor"] for row in frr.sessions(running, _summary())] == ["10.200.20.105", "10.200.20.106"]
    assert frr.sessions(OFFICE, _summary()) == []


def test_an_frr_in_a_container_gets_the_prefix_and_its_own_view_of_the_files(tmp_path):
    # SONiC: vtysh and frr-reload.py run in the bgp container, which mounts the host's file_dir as file_dir_inside.
    seen = []

    def container(command: Sequence[str]) -> Tuple[int, str, str]:
        path = command[-1]
        if path.startswith("/etc/frr/"):
            host_path = tmp_path / os.path.basename(path)
            assert host_path.exists() and oct(host_path.stat().st_mode & 0o777) == "0o600"
            seen.append(path)
            command = list(command[:-1]) + [str(host_path)]
        return FakeRouter.__call__(router, command)

    router = FakeRouter()
    frr.apply(frr.Frr(container, command_prefix=["docker", "exec", "-i", "bgp"], file_dir=str(tmp_path), file_dir_inside="/etc/frr"),
              MANAGED, check_mode=False)
    assert all(command[3:7] == ["docker", "exec", "-i", "bgp"] for command in router.commands)
    assert len(seen) == 4 and all(os.path.dirname(path) == "/etc/frr" for path in seen)  # -C, --test, --reload, --test
    assert not list(tmp_path.iterdir())  # every file is removed afterwards


def test_a_maximum_prefix_below_what_a_session_receives_now_is_a_risk():
    running = frr.compose(OFFICE.replace("192.168.1.1", "10.200.22.2"), MANAGED)
    assert frr.prefix_limit_risks(running, running, _summary()) == []  # 400 > 8
    lower = frr.compose(running, MANAGED.replace("maximum-prefix 400", "maximum-prefix 5"))
    assert frr.prefix_limit_risks(lower, running, _summary()) == [
        "maximum-prefix 5 is below the 8 prefixes that 10.200.20.105 sends now (ipv4Unicast): the switch would tear that "
        "session down when the limit applies; raise switch_bgp_maximum_prefix, or narrow what the node advertises"]


class SummaryRouter(FakeRouter):
    """A router whose delta sets a maximum-prefix, with the recorded summary (one node sends 8 prefixes)."""

    def __call__(self, command: Sequence[str]) -> Tuple[int, str, str]:
        if "show bgp summary json" in command:
            self.commands.append(list(command))
            return 0, json.dumps(_summary()), ""
        if "--test" in command:
            self.commands.append(list(command))
            return 0, "Lines To Delete\nLines To Add\nrouter bgp 65200\n address-family ipv4 unicast\n  neighbor FLATNET maximum-prefix 5\n", ""
        return super().__call__(command)


def test_apply_reads_the_sessions_once_when_a_maximum_prefix_changes_and_warns():
    router = SummaryRouter()
    low = MANAGED.replace("maximum-prefix 400", "maximum-prefix 5").replace("10.200.20.106 peer-group", "10.200.20.107 peer-group")
    running = OFFICE.replace("192.168.1.1", "10.200.22.2")
    router_running = frr.compose(running, MANAGED)

    def show(command: Sequence[str]) -> Tuple[int, str, str]:
        return (0, router_running, "") if "show running-config" in command else router(command)

    applied = frr.apply(frr.Frr(show), low, check_mode=True)
    assert [risk.split(" (")[0] for risk in applied.risks] == ["maximum-prefix 5 is below the 8 prefixes that 10.200.20.105 sends now"]
    assert sum(1 for command in router.commands if "show bgp summary json" in command) == 1
    # A delta without a maximum-prefix reads no summary.
    plain = FakeRouter()
    frr.apply(frr.Frr(plain), MANAGED, check_mode=True)
    assert not [command for command in plain.commands if "show bgp summary json" in command]
