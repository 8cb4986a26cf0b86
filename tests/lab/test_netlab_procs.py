# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""netlab's process records: how a daemon is started again (``netlab revive``), and what kill and revive refuse."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from netlab import lab, procs  # pylint: disable=import-error
from netlab.model import LabError  # pylint: disable=import-error


def _state(tmp_path, entries: dict) -> str:
    state = str(tmp_path)
    with open(os.path.join(state, lab.LAB_FILE), "w", encoding="utf-8") as handle:
        json.dump({"namespaces": [], "pathspaces": []}, handle)
    with open(os.path.join(state, procs.PIDS_FILE), "w", encoding="utf-8") as handle:
        json.dump(entries, handle)
    return state


def test_the_restart_spec_is_kept_with_the_record(tmp_path):
    spec = procs.daemon("fz-switch", ["/usr/lib/frr/bgpd", "-d"], "/tmp/log", "/run/bgpd.pid", then=(["vtysh", "-b", "-d", "bgpd"],))
    registry = procs.Registry(str(tmp_path))
    registry.add("frr-bgpd@switch1", os.getpid(), restart=spec)
    again = procs.Registry(str(tmp_path)).entry("frr-bgpd@switch1")
    assert again["restart"] == {"netns": "fz-switch", "command": ["/usr/lib/frr/bgpd", "-d"], "log": "/tmp/log", "pidfile": "/run/bgpd.pid",
                                "then": [["vtysh", "-b", "-d", "bgpd"]]}
    with pytest.raises(KeyError, match="nope is not a process of this lab .its processes: frr-bgpd@switch1."):
        procs.Registry(str(tmp_path)).entry("nope")


def test_kill_and_revive_say_what_they_cannot_do(tmp_path):
    with pytest.raises(LabError, match="no lab in"):
        lab.kill(str(tmp_path / "none"), "dns@office")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # pylint: disable=consider-using-with
    try:
        state = _state(tmp_path, {"responder@web-node1-0": {"pid": sleeper.pid, "start": procs.start_time(sleeper.pid)},
                                  "dns@office": {"pid": 2 ** 22 + 1, "start": None}})
        with pytest.raises(LabError, match="dns@office .pid 4194305. is not running"):
            lab.kill(state, "dns@office")
        with pytest.raises(LabError, match="responder@web-node1-0 .pid %d. still runs" % sleeper.pid):
            lab.revive(state, "responder@web-node1-0")
        assert lab.kill(state, "responder@web-node1-0") == sleeper.pid
        assert not procs.alive(sleeper.pid)
        with pytest.raises(LabError, match="responder@web-node1-0 cannot be started alone"):
            lab.revive(state, "responder@web-node1-0")
        with pytest.raises(LabError, match="x is not a process of this lab"):
            lab.revive(state, "x")
    finally:
        sleeper.kill()
        sleeper.wait(timeout=10)
