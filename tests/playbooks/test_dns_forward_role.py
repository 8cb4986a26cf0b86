# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The dns_forward role on a local host: CoreDNS's server block with check mode, diff and idempotence; the role's own refusals.

BIND, Unbound and dnsmasq are proved on real servers in the lab (molecule and
test_site_lab.py); CoreDNS and Windows DNS cannot run here, so CoreDNS's file is
written and compared with the golden file, and Windows DNS is rendered only.
"""

from __future__ import annotations

import os

from ansible_collections.flatnet.kube.plugins.module_utils import _dns as dns
from ansible_collections.flatnet.kube.plugins.module_utils import _netmath as netmath

PLAYBOOK = os.path.join(os.path.dirname(os.path.abspath(__file__)), "files", "dns_forward_local.yml")


def _pinned(intent):
    intent["flatnet_cluster"]["dns_service_ip"] = "10.233.0.3"


def _recap(result, host="office-dns1"):
    return result.stdout.split("PLAY RECAP")[-1].split(host)[1].splitlines()[0]


def test_coredns_block_is_written_once_and_shown_in_check_mode(run_playbook, tmp_path):
    path = tmp_path / "flatnet-kube.conf"
    extra = ["-e", "dns_forward_kind=coredns", "-e", "dns_forward_coredns_path=%s" % path]
    check = run_playbook(PLAYBOOK, _pinned, args=extra + ["--check", "--diff"])
    assert check.returncode == 0, check.stdout
    assert "changed=1" in _recap(check) and "+cluster.local:53," in check.stdout and not path.exists()
    first = run_playbook(PLAYBOOK, _pinned, args=extra)
    assert first.returncode == 0, first.stdout
    expected = dns.coredns(dns.forwarding("cluster.local", netmath.reverse_zones(["10.233.64.0/18", "10.233.0.0/18"]), ["10.233.0.3"],
                                          ["192.168.10.0/24"]))
    assert path.read_text() == expected
    second = run_playbook(PLAYBOOK, _pinned, args=extra)
    assert "changed=0" in _recap(second) and "failed=0" in _recap(second)


def test_without_a_dns_service_ip_the_role_says_where_to_get_it(run_playbook, tmp_path):
    result = run_playbook(PLAYBOOK, args=["-e", "dns_forward_kind=coredns", "-e", "dns_forward_coredns_path=%s" % (tmp_path / "f.conf")])
    assert result.returncode == 2
    assert "flatnet_cluster.dns_service_ip: the address of the cluster DNS is not known" in result.stdout
    assert not (tmp_path / "f.conf").exists()


def test_an_unknown_kind_is_refused_by_the_argument_spec(run_playbook, tmp_path):
    result = run_playbook(PLAYBOOK, _pinned, args=["-e", "dns_forward_kind=powerdns", "-e", "dns_forward_coredns_path=%s" % (tmp_path / "f")])
    assert result.returncode == 2 and "dns_forward_kind" in result.stdout and "powerdns" in result.stdout
    assert not (tmp_path / "f").exists()


def test_a_host_that_is_no_dns_server_of_the_intent_is_refused(run_playbook, tmp_path):
    def renamed(intent):
        _pinned(intent)
        intent["flatnet_office"]["dns_servers"][0]["name"] = "other-dns"
    result = run_playbook(PLAYBOOK, renamed, args=["-e", "dns_forward_kind=coredns", "-e", "dns_forward_coredns_path=%s" % (tmp_path / "f")])
    assert result.returncode == 2 and "the host must be one of flatnet_office.dns_servers (other-dns)" in result.stdout
    assert not (tmp_path / "f").exists()
