# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Two Calico selector evaluators written apart, the collection's (plugins/module_utils/_selector.py) and the lab's
calico-node (lab/calico_node/selector.py), on one table of cases taken from Calico's documentation of selectors: each
must give the documented answer, so a bug in either cannot hide behind the other."""

from __future__ import annotations

import pytest
from calico_node import selector as lab_selector  # pylint: disable=import-error

from ansible_collections.flatnet.kube.plugins.module_utils import _selector as product_selector
from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError

INGRESS = {"node-role.kubernetes.io/ingress": "ingress", "kubernetes.io/hostname": "node2", "rack": "r1", "zone": "us-east-1a"}
PLAIN = {"kubernetes.io/hostname": "node1", "zone": "eu-west-2b"}
NONE: dict = {}

# (selector, labels, selected): the operators of Calico's selector documentation, each with a node that has the label,
# one that has another value, and one that lacks it.
CASES = [
    ("all()", NONE, True),
    ("global()", PLAIN, True),
    ("has(rack)", INGRESS, True),
    ("has(rack)", PLAIN, False),
    ("!has(rack)", PLAIN, True),
    ("!has(rack)", INGRESS, False),
    ("node-role.kubernetes.io/ingress == 'ingress'", INGRESS, True),
    ("node-role.kubernetes.io/ingress == 'ingress'", PLAIN, False),
    ('node-role.kubernetes.io/ingress == "ingress"', INGRESS, True),
    ("rack != 'r1'", INGRESS, False),
    ("rack != 'r1'", PLAIN, True),  # != is true when the label is absent
    ("rack in {'r1', 'r2'}", INGRESS, True),
    ("rack in {'r2', 'r3'}", INGRESS, False),
    ("rack in {'r1'}", PLAIN, False),  # in is false when the label is absent
    ("rack not in {'r2', 'r3'}", INGRESS, True),
    ("rack not in {'r1'}", INGRESS, False),
    ("rack not in {'r1'}", PLAIN, True),  # not in is true when the label is absent
    ("zone contains 'east'", INGRESS, True),
    ("zone contains 'east'", PLAIN, False),
    ("zone contains 'east'", NONE, False),
    ("zone starts with 'us-'", INGRESS, True),
    ("zone starts with 'us-'", PLAIN, False),
    ("zone ends with '-2b'", PLAIN, True),
    ("zone ends with '-2b'", INGRESS, False),
    ("zone ends with '-2b'", NONE, False),
    ("has(rack) && zone starts with 'us-'", INGRESS, True),
    ("has(rack) && zone starts with 'eu-'", INGRESS, False),
    ("has(rack) || zone starts with 'eu-'", PLAIN, True),
    ("!has(rack) && !has(zone)", NONE, True),
    ("!(has(rack) || has(zone))", PLAIN, False),
    # && binds tighter than ||, and ! tighter than both.
    ("has(rack) || has(zone) && rack == 'r9'", INGRESS, True),
    ("(has(rack) || has(zone)) && rack == 'r9'", INGRESS, False),
    ("!has(rack) || rack == 'r1'", INGRESS, True),
    ("kubernetes.io/hostname in {'node1', 'node2'} && !has(node-role.kubernetes.io/ingress)", PLAIN, True),
    ("kubernetes.io/hostname in {'node1', 'node2'} && !has(node-role.kubernetes.io/ingress)", INGRESS, False),
]
# Selectors Calico refuses: both evaluators must refuse them too, not pick an answer.
REFUSED = ["rack ==", "rack == 'r1' &&", "has(rack", "rack in {'r1'", "rack = 'r1'", "(rack == 'r1'", "rack == 'r1')"]


@pytest.mark.parametrize("expression, labels, selected", CASES)
def test_both_evaluators_give_calicos_answer(expression, labels, selected):
    assert lab_selector.matches(expression, labels) is selected
    assert product_selector.matches(expression, labels) is selected


@pytest.mark.parametrize("expression", REFUSED)
def test_both_evaluators_refuse_what_calico_refuses(expression):
    with pytest.raises(ValueError):
        lab_selector.matches(expression, INGRESS)
    with pytest.raises(FlatnetError):
        product_selector.matches(expression, INGRESS)


def test_the_lab_does_not_borrow_the_collections_evaluator():
    import calico_node  # pylint: disable=import-error,import-outside-toplevel
    assert calico_node.selector_matcher() is lab_selector.matches
    with open(lab_selector.__file__, encoding="utf-8") as handle:
        assert "ansible_collections" not in handle.read()
