# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""DNS forwarding: the rendered text of every server, the include edits, and write-check-reload with roll-back.

The golden files in golden/dns/ are the seed's forwarding as each server gets
it; set FLATNET_UPDATE_GOLDEN=1 to rewrite them after a deliberate change, then
read the diff. The rendered BIND, Unbound and dnsmasq files are also handed to
the real checkers (named-checkconf, unbound-checkconf, dnsmasq --test).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import List, Sequence, Tuple

import pytest

from ansible_collections.flatnet.kube.plugins.module_utils import _dns as dns
from ansible_collections.flatnet.kube.plugins.module_utils import _files as files_module
from ansible_collections.flatnet.kube.plugins.module_utils import _netmath as netmath
from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError

GOLDEN = os.path.join(os.path.dirname(__file__), "golden", "dns")
SEED_ZONES = netmath.reverse_zones(["10.233.64.0/18", "10.233.0.0/18"])
SEED = dns.forwarding("cluster.local", SEED_ZONES, ["10.233.0.3"], ["192.168.10.0/24"])


def _golden(name: str, text: str) -> None:
    path = os.path.join(GOLDEN, name)
    if os.environ.get("FLATNET_UPDATE_GOLDEN"):
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(text)
    with open(path, encoding="utf-8") as handle:
        assert text == handle.read(), "%s differs from the rendered text; see the module docstring" % name


def _tool(name: str) -> str:
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")
    assert found, "%s is missing: make install puts it there (Debian packages bind9, unbound, dnsmasq-base)" % name
    return found


# --- the forwarding ---------------------------------------------------------------------------------------------------


def test_the_seed_forwards_its_domain_and_128_reverse_zones():
    assert SEED.zones[0] == "cluster.local"
    assert len(SEED.reverse_zones) == 128
    assert SEED.reverse_zones[0] == "0.233.10.in-addr.arpa" and SEED.reverse_zones[-1] == "127.233.10.in-addr.arpa"


def test_names_are_normalised_and_repeats_dropped():
    fwd = dns.forwarding("Cluster.Local.", ["0.233.10.IN-ADDR.ARPA.", "0.233.10.in-addr.arpa"], ["10.233.0.3"], ["192.168.10.0/25", "192.168.10.128/25"])
    assert fwd.zones == ["cluster.local", "0.233.10.in-addr.arpa"]
    assert fwd.clients == ["192.168.10.0/24"]


@pytest.mark.parametrize("domain, zones, forwarders, clients, words", [
    ("cluster.local", [], [], ["192.168.10.0/24"], ["flatnet_cluster.dns_service_ip", "kube-dns"]),
    ("cluster.local", [], ["10.233.0.300"], ["192.168.10.0/24"], ["dns_forward_forwarders[0]", "10.233.0.300"]),
    ("cluster.local", [], ["10.233.0.3"], [], ["flatnet_office.networks"]),
    ("cluster.local", [], ["10.233.0.3"], ["192.168.10.0/33"], ["flatnet_office.networks", "192.168.10.0/33"]),
    ("cluster_local", [], ["10.233.0.3"], ["192.168.10.0/24"], ["flatnet_cluster.domain", "cluster_local"]),
    ("cluster.local", ["example.com"], ["10.233.0.3"], ["192.168.10.0/24"], ["reverse_zones[0]", "in-addr.arpa"]),
    ("cluster.local", ["-x.in-addr.arpa"], ["10.233.0.3"], ["192.168.10.0/24"], ["reverse_zones[0]", "-x.in-addr.arpa"]),
])
def test_bad_input_names_the_setting_and_the_value(domain, zones, forwarders, clients, words):
    with pytest.raises(FlatnetError) as caught:
        dns.forwarding(domain, zones, forwarders, clients)
    for word in words:
        assert word in str(caught.value)


# --- the rendered text ------------------------------------------------------------------------------------------------


def test_bind_zones_golden():
    _golden("bind-zones.conf", dns.bind_zones(SEED))


def test_bind_options_golden():
    _golden("bind-options.conf", dns.bind_options(SEED))


def test_unbound_golden():
    _golden("unbound.conf", dns.unbound(SEED))


def test_dnsmasq_golden():
    _golden("dnsmasq.conf", dns.dnsmasq(SEED))


def test_coredns_golden():
    _golden("Corefile", dns.coredns(SEED))


def test_windows_golden():
    _golden("windows.json", json.dumps(dns.windows_zones(SEED, timeout=5), indent=1) + "\n")


def test_every_zone_is_forward_only_to_the_cluster_dns_in_bind():
    text = dns.bind_zones(SEED)
    assert text.count("type forward;") == text.count("forward only;") == 129
    assert text.count("forwarders { 10.233.0.3; };") == 129


def test_options_without_dnssec_or_restriction():
    text = dns.bind_options(SEED, dnssec_except=False, restrict_clients=True)
    assert "validate-except" not in text and "allow-recursion" in text
    text = dns.bind_options(SEED, dnssec_except=True, restrict_clients=False)
    assert "validate-except" in text and "allow-recursion" not in text


def test_unrestricted_renderers_allow_no_clients_explicitly():
    assert "access-control" not in dns.unbound(SEED, restrict_clients=False)
    assert "local-service" not in dns.dnsmasq(SEED, restrict_clients=False)
    assert "acl {" not in dns.coredns(SEED, restrict_clients=False)


def test_two_forwarders_are_both_used():
    fwd = dns.forwarding("cluster.local", [], ["10.233.0.3", "10.233.0.4"], ["192.168.10.0/24"])
    assert "forwarders { 10.233.0.3; 10.233.0.4; };" in dns.bind_zones(fwd)
    assert "server=/cluster.local/10.233.0.3\nserver=/cluster.local/10.233.0.4" in dns.dnsmasq(fwd)
    assert "forward . 10.233.0.3 10.233.0.4" in dns.coredns(fwd)
    assert dns.windows_zones(fwd)[0]["dns_servers"] == ["10.233.0.3", "10.233.0.4"]


@pytest.mark.parametrize("replication, timeout, word", [("site", None, "dns_forward_windows_replication"), ("none", 16, "dns_forward_windows_timeout")])
def test_windows_rejects_out_of_range_settings(replication, timeout, word):
    with pytest.raises(FlatnetError, match=word):
        dns.windows_zones(SEED, replication=replication, timeout=timeout)


# --- the real checkers accept the rendered text -----------------------------------------------------------------------


def _named_checkconf(tmp_path, options: str) -> subprocess.CompletedProcess:
    """named-checkconf -p on a named.conf with ``options`` and the seed's two flatnet includes."""
    (tmp_path / "zones.conf").write_text(dns.bind_zones(SEED))
    (tmp_path / "options.conf").write_text(dns.bind_options(SEED))
    main = 'options {\n\tdirectory "%s";\n%s};\n' % (tmp_path, options)
    main = dns.with_include(dns.with_options_include(main, str(tmp_path / "options.conf"), "named.conf"), "bind", str(tmp_path / "zones.conf"))
    (tmp_path / "named.conf").write_text(main)
    return subprocess.run([_tool("named-checkconf"), "-p", str(tmp_path / "named.conf")], capture_output=True, text=True, check=False)


def test_named_checkconf_accepts_the_seed_with_validation_on(tmp_path):
    done = _named_checkconf(tmp_path, "\tdnssec-validation auto;\n")
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"127.233.10.in-addr.arpa";' in done.stdout and "allow-recursion" in done.stdout


def test_named_checkconf_refuses_an_option_set_twice(tmp_path):
    done = _named_checkconf(tmp_path, "\tallow-recursion { any; };\n")
    assert done.returncode != 0
    message = dns._check_failure(["named-checkconf"], done.returncode, done.stdout, done.stderr)  # pylint: disable=protected-access
    assert "allow-recursion" in message and "dns_forward_restrict_clients" in message


def test_unbound_checkconf_accepts_the_seed(tmp_path):
    (tmp_path / "flatnet.conf").write_text(dns.unbound(SEED))
    main = 'server:\n\tusername: ""\n\tchroot: ""\n\tdirectory: "%s"\n\tpidfile: "%s/u.pid"\n' % (tmp_path, tmp_path)
    (tmp_path / "unbound.conf").write_text(dns.with_include(main, "unbound", str(tmp_path / "flatnet.conf")))
    done = subprocess.run([_tool("unbound-checkconf"), str(tmp_path / "unbound.conf")], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_dnsmasq_test_accepts_the_seed(tmp_path):
    (tmp_path / "flatnet.conf").write_text(dns.dnsmasq(SEED))
    (tmp_path / "dnsmasq.conf").write_text(dns.with_include("no-resolv\n", "dnsmasq", str(tmp_path / "flatnet.conf")))
    done = subprocess.run([_tool("dnsmasq"), "--test", "-C", str(tmp_path / "dnsmasq.conf")], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


# --- include lines ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("server, line", [("bind", 'include "/etc/x.conf";'), ("unbound", 'include-toplevel: "/etc/x.conf"'),
                                          ("dnsmasq", "conf-file=/etc/x.conf")])
def test_include_is_added_once(server, line):
    once = dns.with_include("existing", server, "/etc/x.conf")
    assert once == "existing\n" + line + "\n"
    assert dns.with_include(once, server, "/etc/x.conf") == once


def test_an_include_written_by_hand_with_other_spacing_counts():
    text = 'zone "a" { type primary; file "a"; };\n   include   "/etc/x.conf" ;\n'
    assert dns.with_include(text, "bind", "/etc/x.conf") == text
    assert dns.with_include('include: "/etc/x.conf"\n', "unbound", "/etc/x.conf") == 'include: "/etc/x.conf"\n'


def test_options_include_is_the_first_statement_of_the_block():
    text = "// mine\noptions {\n\tdirectory \"/var/cache/bind\";\n};\n"
    edited = dns.with_options_include(text, "/etc/bind/o.conf", "named.conf.options")
    assert edited == "// mine\noptions {\n\tinclude \"/etc/bind/o.conf\";\n\tdirectory \"/var/cache/bind\";\n};\n"
    assert dns.with_options_include(edited, "/etc/bind/o.conf", "named.conf.options") == edited
    one_line = dns.with_options_include("options { directory \"/x\"; };\n", "/etc/bind/o.conf", "f")
    assert one_line == "options { include \"/etc/bind/o.conf\"; directory \"/x\"; };\n"


def test_a_file_without_options_block_is_refused():
    with pytest.raises(FlatnetError, match="dns_forward_bind_options_in: named.conf.local has no 'options {' block"):
        dns.with_options_include('zone "x" { type primary; file "x"; };\n', "/etc/bind/o.conf", "named.conf.local")


# --- write, check, reload ---------------------------------------------------------------------------------------------


class Commands:
    """A fake runner: answers each command with the next (rc, out, err) and records what ran."""

    def __init__(self, *answers: Tuple[int, str, str]) -> None:
        self.answers = list(answers)
        self.ran: List[List[str]] = []

    def __call__(self, command: Sequence[str]) -> Tuple[int, str, str]:
        self.ran.append(list(command))
        return self.answers.pop(0)


def _bind_settings(tmp_path, **extra) -> dns.Settings:
    (tmp_path / "named.conf.options").write_text('options {\n\tdirectory "/var/cache/bind";\n};\n')
    (tmp_path / "named.conf.local").write_text("// local zones\n")
    values = dict(server="bind", path=str(tmp_path / "flatnet.zones.conf"), include_in=str(tmp_path / "named.conf.local"),
                  options_path=str(tmp_path / "flatnet.options.conf"), options_in=str(tmp_path / "named.conf.options"),
                  check_command=("named-checkconf",), reload_command=("rndc", "reload"))
    values.update(extra)
    return dns.Settings(**values)


def _snapshot(tmp_path) -> dict:
    return {path.name: path.read_text() for path in sorted(tmp_path.iterdir())}


def test_bind_writes_four_files_then_checks_then_reloads(tmp_path):
    settings = _bind_settings(tmp_path)
    changes = dns.plan_files(SEED, settings)
    names = [os.path.basename(change.path) for change in changes]
    assert names == ["flatnet.zones.conf", "flatnet.options.conf", "named.conf.local", "named.conf.options"]
    commands = Commands((0, "", ""), (0, "server reload successful", ""))
    outcome = dns.apply(changes, commands, settings.check_command, settings.reload_command, check_mode=False)
    assert outcome.changed and outcome.reloaded and commands.ran == [["named-checkconf"], ["rndc", "reload"]]
    assert (tmp_path / "named.conf.local").read_text().endswith('include "%s";\n' % settings.path)
    assert dns.plan_files(SEED, settings) and not any(change.changed for change in dns.plan_files(SEED, settings))


def test_after_the_reload_each_zone_is_flushed_from_the_cache(tmp_path):
    settings = _bind_settings(tmp_path, flush_command=("rndc", "flushtree"))
    flush = dns.flush_commands(settings, ["cluster.local", "0.233.10.in-addr.arpa"])
    assert flush == [["rndc", "flushtree", "cluster.local"], ["rndc", "flushtree", "0.233.10.in-addr.arpa"]]
    commands = Commands((0, "", ""), (0, "", ""), (0, "", ""), (0, "", ""))
    outcome = dns.apply(dns.plan_files(SEED, settings), commands, settings.check_command, settings.reload_command, False, flush=flush)
    assert commands.ran == [["named-checkconf"], ["rndc", "reload"]] + flush
    assert outcome.flushed == ("cluster.local", "0.233.10.in-addr.arpa") and outcome.warnings == ()


def test_a_failed_flush_is_a_warning_and_keeps_the_new_files(tmp_path):
    settings = _bind_settings(tmp_path)
    flush = [["rndc", "flushtree", "cluster.local"]]
    commands = Commands((0, "", ""), (0, "", ""), (1, "", "rndc: 'flushtree' failed: permission denied"))
    outcome = dns.apply(dns.plan_files(SEED, settings), commands, settings.check_command, settings.reload_command, False, flush=flush)
    assert outcome.reloaded and outcome.flushed == ()
    assert outcome.warnings == ("rndc flushtree cluster.local failed (exit 1): rndc: 'flushtree' failed: permission denied. The new "
                                "configuration is loaded; answers cached before it (such as an NXDOMAIN for the zone) last until "
                                "their TTL runs out.",)
    assert 'include "%s";' % settings.path in (tmp_path / "named.conf.local").read_text()


def test_nothing_changed_flushes_nothing(tmp_path):
    settings = _bind_settings(tmp_path)
    dns.apply(dns.plan_files(SEED, settings), Commands((0, "", ""), (0, "", "")), settings.check_command, settings.reload_command, False)
    commands = Commands()
    outcome = dns.apply(dns.plan_files(SEED, settings), commands, settings.check_command, settings.reload_command, False,
                        flush=[["rndc", "flushtree", "cluster.local"]])
    assert not outcome.changed and commands.ran == []


def test_one_file_can_take_both_bind_includes(tmp_path):
    (tmp_path / "named.conf").write_text('options {\n\tdirectory "/x";\n};\n')
    settings = _bind_settings(tmp_path, include_in=str(tmp_path / "named.conf"), options_in=str(tmp_path / "named.conf"))
    changes = dns.plan_files(SEED, settings)
    edited = [change for change in changes if change.path.endswith("named.conf")]
    assert len(edited) == 1
    assert edited[0].after == 'options {\n\tinclude "%s";\n\tdirectory "/x";\n};\ninclude "%s";\n' % (settings.options_path, settings.path)


def test_check_mode_writes_and_runs_nothing(tmp_path):
    settings = _bind_settings(tmp_path)
    before = _snapshot(tmp_path)
    commands = Commands()
    outcome = dns.apply(dns.plan_files(SEED, settings), commands, settings.check_command, settings.reload_command, check_mode=True)
    assert outcome.changed and not outcome.reloaded and len(outcome.files) == 4
    assert commands.ran == [] and _snapshot(tmp_path) == before


def test_a_refused_configuration_is_rolled_back_and_never_reloaded(tmp_path):
    settings = _bind_settings(tmp_path)
    (tmp_path / "flatnet.zones.conf").write_text("# an older flatnet file\n")
    before = _snapshot(tmp_path)
    commands = Commands((1, "named.conf.options:4: unknown option 'flatnet-lab-broken-on-purpose'", ""))
    with pytest.raises(FlatnetError) as caught:
        dns.apply(dns.plan_files(SEED, settings), commands, settings.check_command, settings.reload_command, check_mode=False)
    assert commands.ran == [["named-checkconf"]]
    assert "unknown option 'flatnet-lab-broken-on-purpose'" in str(caught.value)
    assert "keeps serving its previous configuration" in str(caught.value)
    assert _snapshot(tmp_path) == before  # the new options file is gone again, the others hold their old text


def test_a_failed_reload_puts_the_files_back_and_loads_them_again(tmp_path):
    settings = _bind_settings(tmp_path)
    before = _snapshot(tmp_path)
    commands = Commands((0, "", ""), (1, "", "rndc: 'reload' failed: unexpected end of input"), (0, "server reload successful", ""))
    with pytest.raises(FlatnetError) as caught:
        dns.apply(dns.plan_files(SEED, settings), commands, settings.check_command, settings.reload_command, check_mode=False,
                  marker=dns.marker_path(settings.path))
    assert commands.ran == [["named-checkconf"], ["rndc", "reload"], ["rndc", "reload"]]
    assert str(caught.value) == ("rndc reload failed (exit 1): rndc: 'reload' failed: unexpected end of input. The files were put back "
                                 "as they were, and rndc reload loaded them again: the server serves its previous configuration.")
    assert _snapshot(tmp_path) == before  # no backup, no marker left


def test_when_the_restored_files_do_not_load_either_the_error_says_the_server_may_be_down_and_the_next_run_reloads(tmp_path):
    settings = dns.Settings(server="dnsmasq", path=str(tmp_path / "flatnet.conf"), check_command=("dnsmasq", "--test"),
                            reload_command=("systemctl", "restart", "dnsmasq"))
    (tmp_path / "flatnet.conf").write_text("# an older flatnet file\n")
    marker = dns.marker_path(settings.path)
    commands = Commands((0, "", ""), (1, "", "Job for dnsmasq.service failed"), (1, "", "Job for dnsmasq.service failed"))
    with pytest.raises(FlatnetError) as caught:
        dns.apply(dns.plan_files(SEED, settings), commands, settings.check_command, settings.reload_command, False, marker=marker)
    assert "loading them again failed too (exit 1): Job for dnsmasq.service failed. The server may be down" in str(caught.value)
    assert (tmp_path / "flatnet.conf").read_text() == "# an older flatnet file\n" and os.path.exists(marker)
    # The next run finds its files to write and reloads; one that finds nothing to write reloads too, once.
    outcome = dns.apply(dns.plan_files(SEED, settings), Commands((0, "", ""), (0, "", "")), settings.check_command,
                        settings.reload_command, False, marker=marker)
    assert outcome.reloaded and not os.path.exists(marker)
    assert not dns.apply(dns.plan_files(SEED, settings), Commands(), settings.check_command, settings.reload_command, False, marker=marker).changed


def test_a_run_that_died_before_the_reload_leaves_a_marker_and_the_next_run_reloads_though_no_file_differs(tmp_path):
    settings = _bind_settings(tmp_path)
    marker = dns.marker_path(settings.path)

    def dies(command):
        raise KeyboardInterrupt  # the controller stops between the writes and the reload

    with pytest.raises(KeyboardInterrupt):
        dns.apply(dns.plan_files(SEED, settings), dies, settings.check_command, settings.reload_command, False, marker=marker)
    # An exception is rolled back; a SIGKILL is not: leave the files new and the marker as a killed run would.
    for change in dns.plan_files(SEED, settings):
        dns.write(change.path, change.after)
    files_module.replace(marker, "{}", 0o600)
    checked = dns.apply(dns.plan_files(SEED, settings), Commands(), settings.check_command, settings.reload_command, True, marker=marker)
    assert checked.changed and checked.files == [] and "did not see the server load them" in checked.warnings[0]
    commands = Commands((0, "", ""), (0, "", ""))
    outcome = dns.apply(dns.plan_files(SEED, settings), commands, settings.check_command, settings.reload_command, False, marker=marker)
    assert outcome.changed and outcome.reloaded and outcome.files == [] and commands.ran == [["named-checkconf"], ["rndc", "reload"]]
    assert not os.path.exists(marker) and not [name for name in os.listdir(tmp_path) if name.startswith(".")]


def test_every_write_is_on_disk_before_the_next_step(tmp_path, monkeypatch):
    synced = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda descriptor: (synced.append(descriptor), real(descriptor)))
    settings = _bind_settings(tmp_path)
    dns.apply(dns.plan_files(SEED, settings), Commands((0, "", ""), (0, "", "")), settings.check_command, settings.reload_command, False,
              marker=dns.marker_path(settings.path))
    # Each of the four files, the two backups and the marker: the file, then its directory; and each removal's directory.
    assert len(synced) >= 2 * (4 + 2 + 1)


def test_nothing_to_change_runs_no_command(tmp_path):
    settings = dns.Settings(server="dnsmasq", path=str(tmp_path / "f.conf"))
    (tmp_path / "f.conf").write_text(dns.dnsmasq(SEED))
    commands = Commands()
    outcome = dns.apply(dns.plan_files(SEED, settings), commands, ("dnsmasq", "--test"), ("true",), check_mode=False)
    assert outcome == dns.Outcome(False, [], "", False) and commands.ran == []


def test_an_existing_file_keeps_its_mode(tmp_path):
    target = tmp_path / "f.conf"
    target.write_text("old\n")
    os.chmod(target, 0o640)
    dns.write(str(target), "new\n")
    assert target.read_text() == "new\n" and (os.stat(target).st_mode & 0o777) == 0o640


@pytest.mark.parametrize("extra, words", [
    ({"path": "relative.conf"}, ["path", "absolute"]),
    ({"options_path": ""}, ["options_path and options_in"]),
    ({"include_in": "/nonexistent/named.conf.local"}, ["/nonexistent/named.conf.local does not exist"]),
])
def test_bad_paths_are_refused_before_anything_is_written(tmp_path, extra, words):
    settings = _bind_settings(tmp_path, **extra)
    before = _snapshot(tmp_path)
    with pytest.raises(FlatnetError) as caught:
        dns.plan_files(SEED, settings)
    for word in words:
        assert word in str(caught.value)
    assert _snapshot(tmp_path) == before


def test_the_managed_file_cannot_be_the_included_one(tmp_path):
    (tmp_path / "f.conf").write_text("x\n")
    settings = dns.Settings(server="unbound", path=str(tmp_path / "f.conf"), include_in=str(tmp_path / "f.conf"))
    with pytest.raises(FlatnetError, match="different paths"):
        dns.plan_files(SEED, settings)


def test_diff_names_each_file_and_an_absent_one():
    changes = [dns.FileChange("/a", None, "new\n"), dns.FileChange("/b", "same\n", "same\n"), dns.FileChange("/c", "x\n", "y\n")]
    assert dns.diff(changes) == [{"before_header": "/a (absent)", "after_header": "/a", "before": "", "after": "new\n"},
                                 {"before_header": "/c", "after_header": "/c", "before": "x\n", "after": "y\n"}]


def test_default_commands_follow_the_server():
    settings = dns.settings_from({"server": "unbound", "path": "/etc/unbound/unbound.conf.d/f.conf"})
    assert settings.check_command == ("unbound-checkconf",) and settings.reload_command == ("unbound-control", "reload")
    settings = dns.settings_from({"server": "dnsmasq", "path": "/x", "check_command": ["dnsmasq", "--test", "-C", "/y"]})
    assert settings.check_command == ("dnsmasq", "--test", "-C", "/y") and settings.reload_command == ("systemctl", "restart", "dnsmasq")
    # BIND keeps its cache over a reload; Unbound's reload and dnsmasq's restart empty it.
    assert [dns.settings_from({"server": server, "path": "/x"}).flush_command for server in ("bind", "unbound", "dnsmasq")] == [
        ("rndc", "flushtree"), (), ()]
    assert dns.settings_from({"server": "bind", "path": "/x", "flush_command": []}).flush_command == ()
    assert dns.settings_from({"server": "bind", "path": "/x", "flush_command": ["rndc", "-c", "/r", "flushtree"]}).flush_command == (
        "rndc", "-c", "/r", "flushtree")
    assert dns.flush_commands(dns.settings_from({"server": "unbound", "path": "/x"}), ["cluster.local"]) == []


@pytest.mark.parametrize("zone", ["cluster.local\n", "a\n.local", "clu\rster.local", "x\x00.local", 'cluster.local"; }; zone "x'])
def test_a_zone_that_could_break_a_line_or_a_string_is_refused(zone):
    with pytest.raises(FlatnetError) as caught:
        dns.forwarding(zone, [], ["10.233.0.3"], ["192.168.10.0/24"])
    assert "\n" not in str(caught.value) and "\r" not in str(caught.value)


@pytest.mark.parametrize("option, value", [("path", "/etc/bind/x.conf\ninclude \"/etc/passwd\""), ("path", '/etc/bind/x".conf'),
                                           ("options_path", "/etc/bind/o\\.conf"), ("include_in", "/etc/bind/named.conf.local\r")])
def test_a_path_that_could_break_an_include_line_is_refused_before_anything_is_written(tmp_path, option, value):
    settings = _bind_settings(tmp_path, **{option: value})
    before = _snapshot(tmp_path)
    with pytest.raises(FlatnetError) as caught:
        dns.plan_files(SEED, settings)
    assert str(caught.value).startswith(option + ":") and _snapshot(tmp_path) == before


@pytest.mark.parametrize("server, text", [
    ("bind", 'include "/etc/bind/named.conf.default-zones";\n'),
    ("bind", ""),
    ("unbound", "server:\n\tverbosity: 1\n"),
    ("dnsmasq", "domain-needed\n"),
])
def test_without_include_undoes_with_include(server, text):
    path = "/etc/x/flatnet-kube.conf"
    assert dns.without_include(dns.with_include(text, server, path), server, path) == text


@pytest.mark.parametrize("text", ['options {\n\tdirectory "/var/cache/bind";\n};\n', 'options { directory "/var/cache/bind"; };\n'])
def test_without_include_undoes_the_options_include(text):
    path = "/etc/bind/flatnet-kube.options.conf"
    assert dns.without_include(dns.with_options_include(text, path, "named.conf.options"), "bind", path) == text
