# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's processes: started detached, recorded in STATE/pids.json, stopped by pid.

Each record keeps the process's start time (field 22 of /proc/PID/stat), so a
pid that the system has since given to another process is never signalled.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
from typing import Callable, Optional

from . import sh

PIDS_FILE = "pids.json"
TERM_WAIT = 5.0
KILL_WAIT = 10.0


def _stat_fields(pid: int) -> list:
    """The fields of /proc/PID/stat after the command name (the state first), [] when the process does not exist."""
    try:
        with open("/proc/%d/stat" % pid, encoding="utf-8") as handle:
            text = handle.read()
    except OSError:
        return []
    return text[text.rfind(")") + 2:].split()


def start_time(pid: int) -> Optional[str]:
    """The start time of a process (clock ticks since boot), None when it does not exist."""
    fields = _stat_fields(pid)
    return fields[19] if len(fields) > 19 else None


def alive(pid: int, started: Optional[str] = None) -> bool:
    """Whether the process runs (and is the recorded one, when its start time is given); zombies count as gone."""
    fields = _stat_fields(pid)
    if len(fields) <= 19 or (started is not None and fields[19] != started):
        return False
    return fields[0] != "Z"


class Registry:
    """STATE/pids.json: name -> {pid, start}; rewritten after every change so a crash leaves it complete."""

    def __init__(self, state_dir: str) -> None:
        self.path = os.path.join(state_dir, PIDS_FILE)
        self.entries: dict = {}
        if os.path.exists(self.path):
            with open(self.path, encoding="utf-8") as handle:
                self.entries = json.load(handle)

    def add(self, name: str, pid: int, restart: Optional[dict] = None) -> None:
        """Record a process; ``restart`` (from :func:`daemon`) says how ``netlab revive`` starts it again."""
        self.entries[name] = {"pid": pid, "start": start_time(pid)}
        if restart is not None:
            self.entries[name]["restart"] = restart
        self._save()

    def entry(self, name: str) -> dict:
        """The record of one process; KeyError names the recorded ones."""
        if name not in self.entries:
            raise KeyError("%s is not a process of this lab (its processes: %s)" % (name, " ".join(sorted(self.entries))))
        return self.entries[name]

    def _save(self) -> None:
        directory = os.path.dirname(self.path)
        os.makedirs(directory, exist_ok=True)
        handle, temp = tempfile.mkstemp(prefix=".pids-", dir=directory)
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(self.entries, out, indent=1, sort_keys=True)
        os.replace(temp, self.path)

    def status(self) -> list:
        """(name, pid, alive) for every record."""
        return [(name, entry["pid"], alive(entry["pid"], entry.get("start"))) for name, entry in sorted(self.entries.items())]

    def stop_all(self, order: tuple = ()) -> None:
        """Stop every recorded process; names starting with an entry of ``order`` go first, in that order."""
        def rank(name: str) -> int:
            return next((index for index, head in enumerate(order) if name.startswith(head)), len(order))
        groups: dict = {}
        for name, entry in self.entries.items():
            groups.setdefault(rank(name), []).append((entry["pid"], entry.get("start")))
        for key in sorted(groups):
            stop(groups[key])
        self.entries = {}
        if os.path.exists(self.path):
            os.unlink(self.path)


def _signal(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _reap(pids: list) -> None:
    """Collect the exit status of any of our own children among them (they would stay zombies)."""
    for pid in pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            pass


def _wait_gone(live: list, seconds: float) -> list:
    """Reap and poll (bounded, every 50 ms) until the targets are gone; those still alive."""
    for _attempt in range(int(seconds / 0.05)):
        _reap([pid for pid, _started in live])
        live = [(pid, started) for pid, started in live if alive(pid, started)]
        if not live:
            break
        time.sleep(0.05)
    return live


def stop(targets: list) -> None:
    """SIGTERM the (pid, start) targets, wait a bounded time, then SIGKILL what is left."""
    live = [(pid, started) for pid, started in targets if alive(pid, started)]
    for pid, _started in live:
        _signal(pid, signal.SIGTERM)
    live = _wait_gone(live, TERM_WAIT)
    for pid, _started in live:
        _signal(pid, signal.SIGKILL)
    _wait_gone(live, KILL_WAIT)


def kill(pid: int, started: Optional[str] = None) -> None:
    """SIGKILL one process (a crash, for the fault tests) and wait, bounded, until it is gone."""
    if alive(pid, started):
        _signal(pid, signal.SIGKILL)
        _wait_gone([(pid, started)], KILL_WAIT)


def spawn(command: list, log_path: str, env: Optional[dict] = None) -> subprocess.Popen:
    """Start a long-running process in its own session, its output going to a log file."""
    with open(log_path, "ab") as log:
        return subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,  # pylint: disable=consider-using-with
                                env=env, start_new_session=True, close_fds=True)


def read_pidfile(path: str) -> Optional[int]:
    """The pid in a daemon's pid file, None when there is none yet."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def daemon(netns: str, command: list, log_path: str, pidfile: str, then: tuple = ()) -> dict:
    """How a forking daemon is started: its namespace, command, log, pid file, and the commands run after it is up."""
    return {"netns": netns, "command": list(command), "log": log_path, "pidfile": pidfile, "then": [list(line) for line in then]}


def start_daemon(spec: dict, ready: Callable[[], bool], timeout: float, failure: str, step: float = 0.05) -> int:
    """Start a :func:`daemon` spec (bounded wait until ``ready``), then run its ``then`` commands in its namespace; its pid."""
    pid = start_forking(spec["netns"], spec["command"], spec["log"], spec["pidfile"], ready, timeout, failure, step=step)
    for line in spec["then"]:
        sh.ns_run(spec["netns"], line)
    return pid


def revive(spec: dict, timeout: float) -> int:
    """Start a daemon again after it died (its stale pid file removed first); its new pid."""
    pidfile = spec["pidfile"]
    if os.path.exists(pidfile):
        os.unlink(pidfile)

    def ready() -> bool:
        pid = read_pidfile(pidfile)
        return pid is not None and alive(pid)
    return start_daemon(spec, ready, timeout, "%s did not start again in %s (see %s)" % (spec["command"][0], spec["netns"], spec["log"]))


def start_forking(netns: str, command: list, log_path: str, pidfile: str, ready: Callable[[], bool], timeout: float, failure: str,
                  step: float = 0.05) -> int:
    """Start a daemon that forks into the background inside a namespace, wait (bounded) until it is ready; its pid.

    Raises sh.CommandError with ``failure`` when it is not ready in time.
    """
    with open(log_path, "ab") as log:
        subprocess.run(sh.in_netns(netns, command), stdin=subprocess.DEVNULL, stdout=log, stderr=log, timeout=timeout, check=True)
    if not sh.wait_for(ready, timeout, step=step):
        raise sh.CommandError(failure)
    return read_pidfile(pidfile) or 0
