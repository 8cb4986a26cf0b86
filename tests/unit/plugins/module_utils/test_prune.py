# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""module_utils._prune: what counts as flatnet's, and what pruning picks."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from ansible_collections.flatnet.kube.plugins.module_utils import _prune as prune
from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError


def _obj(name: str, labels: Any) -> Dict[str, Any]:
    return {"metadata": {"name": name, "labels": labels}}


def test_the_labels_and_their_selector() -> None:
    assert prune.ownership_labels("dev") == {"app.kubernetes.io/managed-by": "flatnet.kube", "flatnet.kube/cluster": "dev"}
    assert prune.label_selector("dev") == "app.kubernetes.io/managed-by=flatnet.kube,flatnet.kube/cluster=dev"


@pytest.mark.parametrize("labels, owned", [
    ({"app.kubernetes.io/managed-by": "flatnet.kube", "flatnet.kube/cluster": "dev", "team": "x"}, True),
    ({"app.kubernetes.io/managed-by": "flatnet.kube"}, False),
    ({"flatnet.kube/cluster": "dev"}, False),
    ({"app.kubernetes.io/managed-by": "Helm", "flatnet.kube/cluster": "dev"}, False),
    ({"app.kubernetes.io/managed-by": "flatnet.kube", "flatnet.kube/cluster": "dev2"}, False),
    (None, False),
])
def test_owned_needs_both_labels_with_their_values(labels: Any, owned: bool) -> None:
    assert prune.is_owned(_obj("x", labels), "dev") is owned


def test_to_prune_keeps_what_is_kept_and_never_a_stranger_even_if_the_server_returned_it() -> None:
    mine = prune.ownership_labels("dev")
    listed = [_obj("b", mine), _obj("a", mine), _obj("kept", mine), _obj("stranger", {"team": "net"})]
    assert prune.to_prune(listed, "dev", ["kept"]) == ["a", "b"]


@pytest.mark.parametrize("cluster", ["", None, 5])
def test_a_cluster_name_is_required(cluster: Any) -> None:
    with pytest.raises(FlatnetError, match="flatnet_cluster.name"):
        prune.ownership_labels(cluster)
