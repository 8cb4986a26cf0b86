# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The network lab: a twin of the inventory's network, built of Linux network namespaces.

``python -m netlab up --inventory DIR`` (with ``lab`` on PYTHONPATH) reads the
intent (``flatnet_cluster``, ``flatnet_fabric``, ``flatnet_office``) and the
lab description (``netlab``) from the inventory, and builds:

* the switch: a namespace with a Linux bridge for the node network, real FRR
  (zebra and bgpd, no BGP configuration yet) and a transit link to the gateway;
* the nodes: a namespace each, with BIRD configured by the lab's calico-node
  agent from the emulated Kubernetes API, and kube-proxy's and Felix's NAT as
  nftables tables;
* the pods: a namespace each, wired as Calico wires them, with a small HTTP
  responder, registered in the API with Endpoints for their Services;
* the office: a gateway namespace without any route to the cluster, and a PC.

Nothing of it touches the host's own network namespace: the only socket there
is the emulated API on 127.0.0.1. See README.md in this directory.
"""

from __future__ import annotations

DEFAULT_PREFIX = "fn-"
DEFAULT_STATE_DIR = ".build/lab"
