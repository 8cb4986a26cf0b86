# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""playbooks/picture.yml: the plan's topology drawn and rendered by Graphviz; the README's picture is its output for the seed."""

from __future__ import annotations

import json
import os
import re
import shutil
from typing import Any, Callable
from xml.etree import ElementTree

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
IMAGES = os.path.join(ROOT, "docs", "images")
# The seed's two ingress nodes, as `make picture` (and `make docs`) give them.
SEED_NODES = [{"name": "node1", "ip": "10.200.20.105"}, {"name": "node2", "ip": "10.200.20.106"}]


@pytest.fixture(scope="module", autouse=True)
def _needs_graphviz() -> None:
    if not shutil.which("dot"):
        pytest.fail("Graphviz's dot is missing; make install puts it there (apt package graphviz)")


def _draw(run_playbook: Callable[..., Any], tmp_path: Any, *extra: str) -> Any:
    out = tmp_path / "picture"
    result = run_playbook("picture.yml", args=["-e", "picture_dir=%s" % out, "-e", json.dumps({"preflight_peering_nodes": SEED_NODES}), *extra])
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def _read(path: Any) -> str:
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def test_the_seed_picture_in_docs_is_what_the_playbook_draws(run_playbook: Callable[..., Any], tmp_path: Any) -> None:
    out = _draw(run_playbook, tmp_path)
    assert _read(out / "topology.dot") == _read(os.path.join(IMAGES, "topology-seed.dot")), "run `make docs` to redraw docs/images"
    assert _read(out / "topology.svg") == _read(os.path.join(IMAGES, "topology-seed.svg")), "run `make docs` to redraw docs/images"


def test_the_svg_shows_each_place_of_the_plan(run_playbook: Callable[..., Any], tmp_path: Any) -> None:
    out = _draw(run_playbook, tmp_path)
    root = ElementTree.fromstring(_read(out / "topology.svg"))
    texts = [element.text or "" for element in root.iter() if element.tag.endswith("}text")]
    for expected in ("node1", "10.200.20.105", "switch1 (frr)", "AS 65200, ebgp, peer 10.200.20.254", "office-gw1 (linux)",
                     "route 10.233.0.0/17 via 10.200.21.1", "192.168.10.0/24", "office-dns1 (bind)",
                     "forwards cluster.local + 128 reverse zones", "password: none"):
        assert expected in texts, (expected, texts)


def test_a_rerun_changes_nothing(run_playbook: Callable[..., Any], tmp_path: Any) -> None:
    _draw(run_playbook, tmp_path)
    again = run_playbook("picture.yml", args=["-e", "picture_dir=%s" % (tmp_path / "picture"), "-e", json.dumps({"preflight_peering_nodes": SEED_NODES})])
    assert again.returncode == 0 and re.search(r"localhost\s+: ok=\d+\s+changed=0\s", again.stdout), again.stdout


def test_without_a_directory_it_says_what_to_give(run_playbook: Callable[..., Any]) -> None:
    result = run_playbook("picture.yml")
    assert result.returncode != 0
    assert "picture_dir: give the directory to write into" in result.stdout


def test_the_picture_never_shows_a_password(run_playbook: Callable[..., Any], tmp_path: Any) -> None:
    secret = "Fl4tnet-picture-secret"

    def with_password(intent: Any) -> None:
        intent["flatnet_fabric"]["switches"][0]["password"] = secret

    out = tmp_path / "picture"
    result = run_playbook("picture.yml", edit=with_password, args=["-e", "picture_dir=%s" % out, "-e", json.dumps({"preflight_peering_nodes": SEED_NODES})])
    assert result.returncode == 0, result.stdout + result.stderr
    dot = _read(out / "topology.dot")
    assert "password: set" in dot and secret not in dot and secret not in _read(out / "topology.svg") and secret not in result.stdout
