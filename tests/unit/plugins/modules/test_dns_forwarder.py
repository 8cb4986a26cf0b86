# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The dns_forwarder module in-process: check mode and diff, a real write with a real checker, idempotence, failures."""

from __future__ import annotations

import shutil

import pytest

try:  # ansible-core 2.19: module warnings go to the display when controller code is loaded in the process
    from ansible.module_utils import _internal as module_utils_internal
except ImportError:  # older ansible-core: they always go to the result
    module_utils_internal = None

from ansible_collections.flatnet.kube.plugins.modules import dns_forwarder

ZONES = ["cluster.local", "0.233.10.in-addr.arpa", "64.233.10.in-addr.arpa"]


@pytest.fixture(name="run")
def fixture_run(run_module):
    """Run dns_forwarder with the given options."""
    return lambda args: run_module(dns_forwarder.main, args)


@pytest.fixture(name="unbound_args")
def fixture_unbound_args(tmp_path):
    """An Unbound main file in tmp_path, checked by the real unbound-checkconf; the reload is `true`."""
    checker = shutil.which("unbound-checkconf") or shutil.which("unbound-checkconf", path="/usr/sbin")
    assert checker, "unbound-checkconf is missing: make install puts it there (Debian package unbound)"
    main = tmp_path / "unbound.conf"
    main.write_text('server:\n\tusername: ""\n\tchroot: ""\n\tdirectory: "%s"\n\tpidfile: "%s/u.pid"\n' % (tmp_path, tmp_path))
    return {"server": "unbound", "zones": ZONES, "forwarders": ["10.233.0.3"], "clients": ["192.168.10.0/24"],
            "path": str(tmp_path / "flatnet-kube.conf"), "include_in": str(main), "check_command": [checker, str(main)],
            "reload_command": ["true"]}


def _files(tmp_path):
    return {path.name: path.read_text() for path in sorted(tmp_path.iterdir())}


def test_check_mode_shows_the_diff_and_changes_nothing(run, unbound_args, tmp_path):
    before = _files(tmp_path)
    result = run(dict(unbound_args, _ansible_check_mode=True, _ansible_diff=True)).result
    assert result["changed"] is True and result["reloaded"] is False
    assert [entry["after_header"] for entry in result["diff"]] == [unbound_args["path"], unbound_args["include_in"]]
    assert 'forward-zone:\n\tname: "64.233.10.in-addr.arpa"' in result["diff"][0]["after"]
    assert _files(tmp_path) == before


def test_apply_then_nothing_left_to_do(run, unbound_args, tmp_path):
    first = run(unbound_args).result
    assert first["changed"] is True and first["reloaded"] is True and first["checked"].endswith("unbound.conf")
    assert (tmp_path / "unbound.conf").read_text().endswith('include-toplevel: "%s"\n' % unbound_args["path"])
    second = run(unbound_args).result
    assert second["changed"] is False and second["files"] == [] and second["reloaded"] is False


def test_a_checker_refusal_fails_and_leaves_the_files_as_they_were(run, unbound_args, tmp_path):
    (tmp_path / "unbound.conf").write_text((tmp_path / "unbound.conf").read_text() + "\tflatnet-lab-broken-on-purpose: yes\n")
    before = _files(tmp_path)
    result = run(unbound_args).result
    assert result["failed"] is True
    assert "flatnet-lab-broken-on-purpose" in result["msg"] and "keeps serving" in result["msg"]
    assert _files(tmp_path) == before


def test_bad_input_fails_before_any_file_is_written(run, unbound_args, tmp_path):
    before = _files(tmp_path)
    result = run(dict(unbound_args, forwarders=["10.233.0.999"])).result
    assert result["failed"] is True and "dns_forward_forwarders[0]" in result["msg"] and "10.233.0.999" in result["msg"]
    assert _files(tmp_path) == before


def test_unknown_options_are_refused(run, unbound_args):
    result = run(dict(unbound_args, forwarder=["10.233.0.3"])).result
    assert result["failed"] is True and "forwarder" in result["msg"]


def test_the_flush_runs_per_zone_after_the_reload_and_a_failure_warns(run, unbound_args, tmp_path, monkeypatch):
    # Once another test has loaded controller code in this process, module warnings go to the display instead of the
    # result; a module runs as a module here.
    if module_utils_internal is not None:
        monkeypatch.setattr(module_utils_internal, "is_controller", False)
    flushed = run(dict(unbound_args, flush_command=["true"])).result
    assert flushed["reloaded"] is True and flushed["flushed"] == flushed["zones"] and "warnings" not in flushed
    (tmp_path / "flatnet-kube.conf").write_text("# edited by hand\n")
    failed = run(dict(unbound_args, flush_command=["false"])).result
    assert failed["changed"] is True and failed["reloaded"] is True and failed["flushed"] == []
    # ansible-core 2.19 wraps each warning in an event; older releases give the text.
    texts = [warning["event"]["msg"] if isinstance(warning, dict) else warning for warning in failed["warnings"]]
    assert texts == ["false %s failed (exit 1): no output. The new configuration is loaded; answers cached before it (such as an "
                     "NXDOMAIN for the zone) last until their TTL runs out." % zone for zone in ZONES]


def test_absent_takes_the_forwarding_away_byte_for_byte_and_then_changes_nothing(run, unbound_args, tmp_path):
    start = _files(tmp_path)
    assert run(unbound_args).result["changed"] is True
    removal = {key: value for key, value in unbound_args.items() if key not in ("zones", "forwarders", "clients")}
    checked = run(dict(removal, state="absent", _ansible_check_mode=True, _ansible_diff=True)).result
    assert checked["changed"] is True and [entry["after_header"] for entry in checked["diff"]] == [
        unbound_args["path"] + " (absent)", unbound_args["include_in"]]
    gone = run(dict(removal, state="absent")).result
    assert gone["changed"] is True and gone["reloaded"] is True and gone["checked"].endswith("unbound.conf")
    assert _files(tmp_path) == start
    again = run(dict(removal, state="absent")).result
    assert again["changed"] is False and again["reloaded"] is False


def test_present_still_needs_the_zones(run, unbound_args):
    result = run({key: value for key, value in unbound_args.items() if key != "zones"}).result
    assert result["failed"] is True and "zones" in result["msg"]
