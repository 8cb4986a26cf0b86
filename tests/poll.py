# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""For the lab tests: a bounded poll (ask again until the answer is the expected one, on a monotonic deadline), and netlab.

A network answer right after a change depends on timers (BGP, a resolver's
cache, a daemon's reload) and on the machine's load. A test that asks once
asserts the machine's speed; a test that asks until a deadline asserts the
behaviour, and says what it saw last when the deadline passes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from typing import Callable, TypeVar

T = TypeVar("T")
LAB = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lab")

# Long enough for BGP to converge on a loaded machine (BIRD's connect retry and error wait), short enough to fail.
DEADLINE = 90.0


def until(ask: Callable[[], T], accept: Callable[[T], bool], seconds: float = DEADLINE, step: float = 1.0) -> T:
    """Call ``ask`` until ``accept`` takes its answer or ``seconds`` have passed; the last answer either way."""
    deadline = time.monotonic() + seconds
    answer = ask()
    while not accept(answer) and time.monotonic() < deadline:
        time.sleep(step)
        answer = ask()
    return answer


def netlab(*args: str, timeout: float = 300) -> "subprocess.CompletedProcess[str]":
    """Run ``python -m netlab`` (lab/ on PYTHONPATH); a command that outlives the timeout comes back as exit 124, so
    that the caller's clean-up (``netlab down``) still runs."""
    env = dict(os.environ, PYTHONPATH=LAB)
    try:
        return subprocess.run([sys.executable, "-m", "netlab", *args], capture_output=True, text=True, timeout=timeout, env=env, check=False)
    except subprocess.TimeoutExpired as err:
        return subprocess.CompletedProcess(err.cmd, 124, "", "netlab %s did not end in %ds" % (args[0], timeout))


def lab_up(state: str, inventory: str, prefix: str, office_dns: str = "bind") -> dict:
    """``netlab up`` a twin of ``inventory`` (the office DNS server ``office_dns``) in ``state``; its lab.json record.
    A lab that does not come up is taken down again and the test fails loudly."""
    import pytest  # pylint: disable=import-outside-toplevel
    done = netlab("up", "--inventory", inventory, "--state-dir", state, "--prefix", prefix, "--office-dns", office_dns)
    if done.returncode != 0:
        netlab("down", "--state-dir", state)
        pytest.fail("netlab up failed:\n%s%s" % (done.stdout, done.stderr))
    with open(os.path.join(state, "lab.json"), encoding="utf-8") as handle:
        return json.load(handle)
