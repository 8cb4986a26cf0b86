# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The DNS examples of docs/dns-servers.md are the exact text the renderers write, so the documentation cannot drift."""

from __future__ import annotations

import os
import re

import pytest

from ansible_collections.flatnet.kube.plugins.module_utils import _dns as dns

README = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "docs", "dns-servers.md")
# The page's example: the seed with its reverse zones cut to two.
EXAMPLE = dns.forwarding("cluster.local", ["0.233.10.in-addr.arpa", "64.233.10.in-addr.arpa"], ["10.233.0.3"], ["192.168.10.0/24"])
RENDERED = {"bind-zones": dns.bind_zones(EXAMPLE), "bind-options": dns.bind_options(EXAMPLE), "unbound": dns.unbound(EXAMPLE),
            "dnsmasq": dns.dnsmasq(EXAMPLE), "coredns": dns.coredns(EXAMPLE)}


def _examples() -> dict:
    with open(README, encoding="utf-8") as handle:
        text = handle.read()
    return dict(re.findall(r"<!-- dns-example: ([a-z-]+) -->\n```[a-z]*\n(.*?)```\n", text, re.DOTALL))


def test_every_server_has_its_example():
    assert sorted(_examples()) == sorted(RENDERED)


@pytest.mark.parametrize("name", sorted(RENDERED))
def test_the_example_is_the_rendered_text(name):
    assert _examples()[name] == RENDERED[name]
