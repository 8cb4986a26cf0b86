# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A node's routing: BIRD in the node's namespace, configured by the lab's calico-node agent.

The agent (``calico_node.agent``) reads the API, so it runs in the host's
namespace, where the API listens on 127.0.0.1; it reaches BIRD through BIRD's
control socket, a file. Order, as calico-node does it: render once
(``--once``), start BIRD on that file, then keep the agent polling.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

from . import procs, sh

START_TIMEOUT = 60.0
AGENT_TIMEOUT = 60


@dataclass(frozen=True)
class NodeFiles:
    """Where a node's BIRD and agent keep their files: STATE/nodes/<node>/."""

    directory: str

    @property
    def config(self) -> str:
        """bird.cfg, written by the agent."""
        return os.path.join(self.directory, "bird.cfg")

    @property
    def socket(self) -> str:
        """BIRD's control socket."""
        return os.path.join(self.directory, "bird.ctl")

    @property
    def pidfile(self) -> str:
        """BIRD's pid file."""
        return os.path.join(self.directory, "bird.pid")


def agent_command(node: str, kubeconfig: str, files: NodeFiles, interval: float, once: bool) -> list:
    """The calico-node agent's command line."""
    command = [sys.executable, "-m", "calico_node.agent", "--node", node, "--kubeconfig", kubeconfig,
               "--config-dir", files.directory, "--birdc-socket", files.socket, "--interval", str(interval)]
    return command + (["--once"] if once else [])


def render_once(kubeconfig: str, files: dict, env: dict) -> None:
    """Let the agent write the first bird.cfg of every node of ``files`` (the agents run side by side)."""
    running = []
    for node in files:
        os.makedirs(files[node].directory, exist_ok=True)
        with open(os.path.join(files[node].directory, "agent.log"), "ab") as log:
            running.append((node, subprocess.Popen(agent_command(node, kubeconfig, files[node], 1.0, True),  # pylint: disable=consider-using-with
                                                   stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=env)))
    failed = []
    for node, process in running:
        try:
            status = process.wait(timeout=AGENT_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            status = process.wait()
        if status != 0 or not os.path.exists(files[node].config):
            failed.append(node)
    if failed:
        raise sh.CommandError("the calico-node agent wrote no BIRD configuration for %s (see %s)"
                              % (", ".join(failed), " ".join(os.path.join(files[node].directory, "agent.log") for node in failed)))


def start_bird(netns: str, files: NodeFiles) -> int:
    """Start BIRD in the node's namespace (it forks into the background); its pid."""
    return procs.start_forking(netns, ["bird", "-c", files.config, "-s", files.socket, "-P", files.pidfile],
                               os.path.join(files.directory, "bird.log"), files.pidfile,
                               lambda: os.path.exists(files.socket) and procs.read_pidfile(files.pidfile) is not None, START_TIMEOUT,
                               "BIRD did not come up in %s (see %s)" % (netns, files.directory))


def start_agent(node: str, kubeconfig: str, files: NodeFiles, env: dict, interval: float) -> tuple:
    """Start the polling agent under a keeper; (keeper pid, agent pid or 0 when it is not known yet)."""
    pidfile = os.path.join(files.directory, "agent.pid")
    command = [sys.executable, "-m", "netlab.keeper", "--pid-file", pidfile, "--"] + agent_command(node, kubeconfig, files, interval, False)
    keeper = procs.spawn(command, os.path.join(files.directory, "agent.log"), env=env)
    sh.wait_for(lambda: procs.read_pidfile(pidfile) is not None, 5.0)
    return keeper.pid, procs.read_pidfile(pidfile) or 0
