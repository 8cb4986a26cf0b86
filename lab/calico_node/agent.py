# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""calico-node's BIRD side for one lab node: keep bird.cfg current from the API and reload BIRD.

``python -m calico_node.agent --node NAME --kubeconfig PATH --config-dir DIR --birdc-socket SOCK``
(with ``lab`` on PYTHONPATH) lists the Nodes, IPPools, IPAMBlocks, BlockAffinities,
BGPConfigurations, BGPPeers and the Secrets of the Calico namespace every
``--interval`` seconds, renders the configuration (``render.render_bird``) and,
when the text changed:

1. checks it with BIRD's own parser (``bird -p -c``); a configuration BIRD
   would refuse is logged and not written, so the last good one stays;
2. writes ``DIR/bird.cfg`` atomically;
3. runs ``birdc -s SOCK configure``; when BIRD refuses the new file the previous
   one is put back. With no socket (no BIRD running) this step is skipped.

``--once`` does this a single time and exits (1 when nothing usable was
rendered). Otherwise it runs until SIGTERM or SIGINT, or until the process
that started it goes away.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from typing import Any, Optional

from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes.client.rest import ApiException

from .render import CALICO_NAMESPACE, RenderError, render_bird

LOG = logging.getLogger("calico_node")
CONFIG_NAME = "bird.cfg"
CALICO_GROUP, CALICO_VERSION = "crd.projectcalico.org", "v1"
CALICO_PLURALS = ("ippools", "ipamblocks", "blockaffinities", "bgpconfigurations", "bgppeers")
REQUEST_TIMEOUT = 10
COMMAND_TIMEOUT = 30
_RECONFIGURED = ("Reconfigured", "Reconfiguration in progress", "Reconfiguration already in progress", "Reconfiguration ignored")


def fetch_resources(api: Any, namespace: str = CALICO_NAMESPACE) -> dict:
    """What calico-node reads, as plain API objects: {"nodes": [...], "ippools": [...], ..., "secrets": [...]}.

    Like calico-node, it reads only the Secrets its BGPPeers name, each by name (its ServiceAccount may read those and
    no other: a Secret it may not read, or that is not there, leaves that peer's password out).
    """
    core = k8s.CoreV1Api(api)
    custom = k8s.CustomObjectsApi(api)
    resources: dict = {}
    raw = core.list_node(_preload_content=False, _request_timeout=REQUEST_TIMEOUT)
    resources["nodes"] = json.loads(raw.data)["items"]
    for plural in CALICO_PLURALS:
        listed = custom.list_cluster_custom_object(CALICO_GROUP, CALICO_VERSION, plural, _request_timeout=REQUEST_TIMEOUT)
        resources[plural] = listed.get("items") or []
    resources["secrets"] = []
    for name in sorted(_secret_names(resources["bgppeers"])):
        try:
            raw = core.read_namespaced_secret(name, namespace, _preload_content=False, _request_timeout=REQUEST_TIMEOUT)
        except ApiException as err:
            if err.status not in (403, 404):
                raise
            LOG.warning("cannot read Secret %s/%s (%s): the peers that name it get no password", namespace, name, err.status)
            continue
        resources["secrets"].append(json.loads(raw.data))
    return resources


def _secret_names(peers: list) -> set:
    """The Secrets the peers' passwords name."""
    names = set()
    for peer in peers:
        ref = ((peer.get("spec") or {}).get("password") or {}).get("secretKeyRef") or {}
        if isinstance(ref, dict) and ref.get("name"):
            names.add(str(ref["name"]))
    return names


def _run(command: list) -> tuple:
    """(exit status, combined output) of a short command."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False)
    except (OSError, subprocess.TimeoutExpired) as err:
        return 127, str(err)
    return done.returncode, (done.stdout + done.stderr).strip()


def _write_atomically(path: str, text: str) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    handle, temp = tempfile.mkstemp(prefix=".bird-", suffix=".cfg", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temp, 0o600)  # it may hold BGP passwords
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def _read(path: str) -> Optional[str]:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


class Agent:
    """One node's configuration loop."""

    # pylint: disable-next=too-many-arguments,too-many-positional-arguments
    def __init__(self, node: str, config_dir: str, socket_path: str, bird: Optional[str] = None, birdc: Optional[str] = None,
                 namespace: str = CALICO_NAMESPACE) -> None:
        self.node = node
        self.config_path = os.path.join(config_dir, CONFIG_NAME)
        self.socket_path = socket_path
        self.bird = bird if bird is not None else shutil.which("bird")
        self.birdc = birdc if birdc is not None else shutil.which("birdc")
        self.namespace = namespace
        self.refused: Optional[str] = None

    def check(self, text: str) -> Optional[str]:
        """None when BIRD's parser accepts the text, else its complaint (no check when bird is not installed)."""
        if not self.bird:
            return None
        directory = os.path.dirname(os.path.abspath(self.config_path))
        handle, temp = tempfile.mkstemp(prefix=".check-", suffix=".cfg", dir=directory)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            status, output = _run([self.bird, "-p", "-c", temp])
        finally:
            os.unlink(temp)
        return None if status == 0 else (output or "bird -p exited with %d" % status)

    def configure(self, previous: Optional[str]) -> Optional[bool]:
        """Ask BIRD to load the file; put ``previous`` back unless it loaded.

        True when BIRD loaded it (or there is no BIRD to ask), False when BIRD refused it, None when birdc could not
        ask (a timeout, no socket to connect to): that is no verdict on the text, so the next round tries again.
        """
        if not os.path.exists(self.socket_path):
            LOG.info("%s: no BIRD control socket at %s; not asking BIRD to reload", self.node, self.socket_path)
            return True
        if not self.birdc:
            LOG.error("%s: birdc is not installed; cannot ask BIRD to reload", self.node)
            return True
        status, output = _run([self.birdc, "-s", self.socket_path, "configure"])
        if status == 0 and any(marker in output for marker in _RECONFIGURED):
            LOG.info("%s: BIRD reloaded the configuration: %s", self.node, output.replace("\n", " | "))
            return True
        verdict: Optional[bool] = None if status == 127 or "Unable to connect" in output else False
        if verdict is None:
            LOG.warning("%s: could not ask BIRD to reload (birdc exit %d), trying again next round: %s", self.node, status,
                        output.replace("\n", " | "))
        else:
            LOG.error("%s: BIRD refused the configuration (birdc exit %d): %s", self.node, status, output.replace("\n", " | "))
        if previous is not None:
            _write_atomically(self.config_path, previous)
            LOG.info("%s: previous configuration restored in %s", self.node, self.config_path)
        return verdict

    def apply(self, text: str) -> bool:
        """Write and load a rendered configuration when it differs from the file. False when it could not be used."""
        previous = _read(self.config_path)
        if text == previous:
            return True
        if text == self.refused:
            return False
        problem = self.check(text)
        if problem is not None:
            LOG.error("%s: BIRD's parser rejects the rendered configuration; keeping the current one: %s", self.node, problem)
            self.refused = text
            return False
        _write_atomically(self.config_path, text)
        LOG.info("%s: wrote %s", self.node, self.config_path)
        loaded = self.configure(previous)
        if not loaded:
            self.refused = text if loaded is False else None
            return False
        self.refused = None
        return True

    def step(self, api: Any) -> bool:
        """One round: read the API, render, apply. False when nothing usable came of it."""
        try:
            resources = fetch_resources(api, self.namespace)
        except Exception as err:  # pylint: disable=broad-exception-caught
            LOG.error("%s: cannot read the API: %s", self.node, err)
            return False
        try:
            text = render_bird(self.node, resources, namespace=self.namespace)
        except RenderError as err:
            LOG.error("%s: no configuration rendered: %s", self.node, err)
            return False
        return self.apply(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="calico_node.agent", description="Keep one lab node's BIRD configured from the Calico resources.")
    parser.add_argument("--node", required=True, help="the Kubernetes node name")
    parser.add_argument("--kubeconfig", required=True, help="kubeconfig of the API to read")
    parser.add_argument("--config-dir", required=True, help="where bird.cfg is written")
    parser.add_argument("--birdc-socket", required=True, help="BIRD's control socket")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between polls (default 1.0)")
    parser.add_argument("--once", action="store_true", help="render and apply once, then exit")
    parser.add_argument("--namespace", default=CALICO_NAMESPACE, help="namespace of the BGP password Secrets (default kube-system)")
    parser.add_argument("--bird", help="the bird binary used to check configurations (default: bird on PATH)")
    parser.add_argument("--birdc", help="the birdc binary (default: birdc on PATH)")
    return parser


def main(argv: Optional[list] = None) -> int:
    """Command line entry point."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(asctime)s calico-node %(levelname)s %(message)s")
    os.makedirs(args.config_dir, exist_ok=True)
    agent = Agent(args.node, args.config_dir, args.birdc_socket, bird=args.bird, birdc=args.birdc, namespace=args.namespace)
    api = k8s_config.new_client_from_config(config_file=args.kubeconfig)
    try:
        if args.once:
            return 0 if agent.step(api) else 1
        return _loop(agent, api, max(args.interval, 0.05))
    finally:
        api.close()


def _loop(agent: Agent, api: Any, interval: float) -> int:
    stop = threading.Event()

    def on_signal(signum: int, _frame: Any) -> None:
        LOG.info("%s: signal %d, stopping", agent.node, signum)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    parent = os.getppid()
    while not stop.is_set():
        agent.step(api)
        stop.wait(interval)
        if os.getppid() != parent:
            LOG.info("%s: the starting process is gone, stopping", agent.node)
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
