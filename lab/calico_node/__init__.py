# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What calico-node does on each node of the lab: BIRD configured from the Calico resources.

``render.render_bird`` turns the resources calico-node reads (Nodes, IPPools,
block affinities, BGPConfigurations, BGPPeers and the Secrets they refer to)
into the BIRD configuration Calico's confd would write for one node;
``python -m calico_node.agent`` keeps that file current from the lab's API
and asks a running BIRD to reload it.

BGPPeer node selectors are evaluated with the collection's own parser
(``plugins/module_utils/_selector.py``), so the lab and the modules agree on
what a selector means. ``selector_matcher`` imports it, putting a throw-away
``ansible_collections/flatnet/kube`` link to this checkout on ``sys.path``
when the collection is not importable already.
"""

from __future__ import annotations

import atexit
import functools
import importlib
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from typing import Callable

Matcher = Callable[[str, Mapping], bool]

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
_MODULE = "ansible_collections.flatnet.kube.plugins.module_utils._selector"


def _collection_parent() -> str:
    """A directory holding ``ansible_collections/flatnet/kube`` that leads to this checkout."""
    parts = _ROOT.split(os.sep)
    if len(parts) >= 3 and parts[-3:-1] == ["ansible_collections", "flatnet"]:
        return os.sep.join(parts[:-3])
    parent = tempfile.mkdtemp(prefix="flatnet-lab-collection-")
    atexit.register(shutil.rmtree, parent, True)
    namespace = os.path.join(parent, "ansible_collections", "flatnet")
    os.makedirs(namespace)
    os.symlink(_ROOT, os.path.join(namespace, "kube"))
    return parent


@functools.cache
def selector_matcher() -> Matcher:
    """``matches(selector, labels) -> bool`` from the collection's Calico selector module."""
    try:
        module = importlib.import_module(_MODULE)
    except ImportError:
        sys.path.insert(0, _collection_parent())
        importlib.invalidate_caches()
        module = importlib.import_module(_MODULE)
    return module.matches
