# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What calico-node does on each node of the lab: BIRD configured from the Calico resources.

``render.render_bird`` turns the resources calico-node reads (Nodes, IPPools,
block affinities, BGPConfigurations, BGPPeers and the Secrets they refer to)
into the BIRD configuration Calico's confd would write for one node;
``python -m calico_node.agent`` keeps that file current from the lab's API
and asks a running BIRD to reload it.

BGPPeer node selectors are evaluated by the lab's own evaluator
(``selector.py``), written apart from the collection's parser, so that a bug
in either shows up against the other on one table of Calico's selector cases
(``tests/lab/test_selector_oracle.py``) and in every lab test.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Callable

from .selector import matches

Matcher = Callable[[str, Mapping], bool]


def selector_matcher() -> Matcher:
    """``matches(selector, labels) -> bool``: the lab's own Calico selector evaluator."""
    return matches
