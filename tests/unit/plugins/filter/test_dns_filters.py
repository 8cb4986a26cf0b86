# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The coredns_forward_block and windows_forward_zones filters: thin faces of module_utils._dns."""

from __future__ import annotations

import os

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.flatnet.kube.plugins.filter import dns

FILTERS = dns.FilterModule().filters()


def test_filter_names_and_their_docs():
    assert set(FILTERS) == {"coredns_forward_block", "windows_forward_zones"}
    for name in FILTERS:
        with open(os.path.join(os.path.dirname(dns.__file__), name + ".yml"), encoding="utf-8") as handle:
            assert yaml.safe_load(handle)["DOCUMENTATION"]["name"] == name


def test_coredns_block_for_two_zones():
    text = FILTERS["coredns_forward_block"](["cluster.local", "0.233.10.in-addr.arpa"], ["10.233.0.3"], ["192.168.10.0/24"], cache=10)
    assert "cluster.local:53,\n0.233.10.in-addr.arpa:53 {\n" in text
    assert "        allow net 192.168.10.0/24\n        block\n" in text and "    cache 10\n" in text


def test_windows_zones_one_per_zone():
    zones = FILTERS["windows_forward_zones"](["cluster.local", "0.233.10.in-addr.arpa"], ["10.233.0.3"], ["192.168.10.0/24"], replication="domain")
    assert [zone["name"] for zone in zones] == ["cluster.local", "0.233.10.in-addr.arpa"]
    assert all(zone["type"] == "forwarder" and zone["replication"] == "domain" and "forwarder_timeout" not in zone for zone in zones)


@pytest.mark.parametrize("name, args, word", [
    ("coredns_forward_block", (["cluster.local"], [], ["192.168.10.0/24"]), "flatnet_cluster.dns_service_ip"),
    ("windows_forward_zones", (["cluster.local"], ["10.233.0.3"], ["192.168.10.0/24"], "site"), "dns_forward_windows_replication"),
])
def test_errors_name_the_filter_and_the_setting(name, args, word):
    with pytest.raises(AnsibleFilterError) as caught:
        FILTERS[name](*args)
    assert str(caught.value).startswith("flatnet.kube.%s: " % name) and word in str(caught.value)
