# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the asn and network filter plugins."""

from __future__ import annotations

import os

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.flatnet.kube.plugins.filter import asn, network
from ansible_collections.flatnet.kube.plugins.module_utils import _netmath
from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError

FILTERS = {**asn.FilterModule().filters(), **network.FilterModule().filters()}
FILTER_DIR = os.path.dirname(asn.__file__)


def test_filter_names():
    assert set(asn.FilterModule().filters()) == {"asn_plain", "asn_dot", "asn_is_private"}
    assert set(network.FilterModule().filters()) == {"reverse_zones", "cidr_conflicts", "calico_blocks", "cidr_summary"}


@pytest.mark.parametrize(
    "filter_name, func, args, kwargs",
    [
        ("asn_plain", _netmath.asn_plain, ("1.10",), {}),
        ("asn_plain", _netmath.asn_plain, (64513,), {"name": "flatnet_cluster.asn"}),
        ("asn_plain", _netmath.asn_plain, (23456,), {"allow_as_trans": True}),
        ("asn_dot", _netmath.asn_dot, (65546,), {}),
        ("asn_dot", _netmath.asn_dot, ("65200",), {"name": "flatnet_office.switch_asn"}),
        ("asn_is_private", _netmath.asn_is_private, (64513,), {}),
        ("asn_is_private", _netmath.asn_is_private, ("1.10",), {"name": "bgp.peer_asn"}),
        ("reverse_zones", _netmath.reverse_zones, ("10.233.64.0/18",), {}),
        ("reverse_zones", _netmath.reverse_zones, (["10.233.64.0/18", "2001:db8::/33"],), {"name": "ranges"}),
        ("cidr_conflicts", _netmath.cidr_conflicts, ({"pods": "10.233.64.0/18", "services": "10.233.0.0/16"},), {}),
        ("calico_blocks", _netmath.calico_blocks, ("10.233.64.0/18", 24), {}),
        ("calico_blocks", _netmath.calico_blocks, ("fd00:10:233::/112", 122), {"name": "flatnet_cluster.pools[1]"}),
        ("cidr_summary", _netmath.summarise, (["10.233.64.0/18", "10.233.0.0/18"],), {}),
        ("cidr_summary", _netmath.summarise, ("10.233.0.0/18",), {"name": "services"}),
    ],
)
def test_filter_matches_module_utils(filter_name, func, args, kwargs):
    assert FILTERS[filter_name](*args, **kwargs) == func(*args, **kwargs)


@pytest.mark.parametrize(
    "filter_name, args, expected",
    [
        ("asn_plain", ("1.10",), 65546),
        ("asn_dot", (65546,), "1.10"),
        ("asn_is_private", (65200,), True),
        ("reverse_zones", ("10.233.0.0/16",), ["233.10.in-addr.arpa"]),
        ("cidr_conflicts", ({"pods": "10.233.64.0/18", "services": "10.233.0.0/18"},), []),
        ("cidr_summary", (["10.233.64.0/18", "10.233.0.0/18"],), ["10.233.0.0/17"]),
    ],
)
def test_filter_results(filter_name, args, expected):
    assert FILTERS[filter_name](*args) == expected


def test_calico_blocks_result():
    assert FILTERS["calico_blocks"]("10.233.64.0/18", 24) == {
        "cidr": "10.233.64.0/18",
        "family": 4,
        "prefix_length": 18,
        "block_size": 24,
        "blocks": 64,
        "addresses_per_block": 256,
        "addresses": 16384,
    }


@pytest.mark.parametrize(
    "filter_name, args, kwargs, fragments",
    [
        ("asn_plain", (0,), {"name": "flatnet_cluster.asn"}, ["flatnet_cluster.asn: 0 ", "RFC 7607"]),
        ("asn_plain", (23456,), {}, ["asn: 23456 ", "AS_TRANS"]),
        ("asn_plain", (True,), {}, ["asn: True ", "boolean"]),
        ("asn_dot", ("1.65536",), {"name": "bgp.peer_asn"}, ["bgp.peer_asn: '1.65536' "]),
        ("asn_is_private", (None,), {}, ["asn: None "]),
        ("reverse_zones", ("0.0.0.0/0",), {"name": "flatnet_dns.forward"}, ["flatnet_dns.forward: '0.0.0.0/0' is too large"]),
        ("reverse_zones", (["10.0.0.1/8"],), {}, ["cidrs[0]: '10.0.0.1/8' has host bits set; did you mean '10.0.0.0/8'?"]),
        ("cidr_conflicts", ({"pods": ["10.233.64.0/18", "bad"]},), {}, ["pods[1]: 'bad' is not a valid CIDR"]),
        ("cidr_conflicts", (["10.0.0.0/8"],), {}, ["is not a mapping"]),
        ("calico_blocks", ("10.233.64.0/18", 33), {"name": "flatnet_cluster.pools[0]"},
         ["flatnet_cluster.pools[0].block_size: 33 is out of range for an IPv4 pool; use 20 to 32"]),
        ("calico_blocks", ("10.233.64.0/27", 26), {}, ["pool.block_size: 26 ", "use a block_size of at least 27"]),
        ("cidr_summary", ("10.233/16",), {"name": "services"}, ["services: '10.233/16' is not a valid CIDR"]),
    ],
)
def test_filter_errors(filter_name, args, kwargs, fragments):
    with pytest.raises(AnsibleFilterError) as caught:
        FILTERS[filter_name](*args, **kwargs)
    message = caught.value.message
    assert message.startswith(f"flatnet.kube.{filter_name}: ")
    for fragment in fragments:
        assert fragment in message
    assert isinstance(caught.value.__cause__, FlatnetError)


@pytest.mark.parametrize("filter_name", sorted(FILTERS))
def test_filter_has_sidecar_docs(filter_name):
    with open(os.path.join(FILTER_DIR, f"{filter_name}.yml"), encoding="utf-8") as handle:
        docs = yaml.safe_load(handle)
    assert set(docs) == {"DOCUMENTATION", "EXAMPLES", "RETURN"}
    assert docs["DOCUMENTATION"]["name"] == filter_name
    assert docs["DOCUMENTATION"]["options"]["_input"]["required"] is True
    assert f"flatnet.kube.{filter_name}" in docs["EXAMPLES"]
    assert "_value" in docs["RETURN"]
