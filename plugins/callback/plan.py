# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The plan report of playbooks/plan.yml, and the summary line of site.yml and remove.yml."""

from __future__ import annotations

DOCUMENTATION = r"""
name: plan
short_description: One report of what a run changes, per place and host, with a summary line and a JSON file
description:
  - Collects the results of the tasks of the roles that change a place (M(flatnet.kube.calico_ippool) and the other
    cluster modules, the switch, the gateways and the DNS servers) and reports each object as V(create), V(update) or
    V(delete) with a short diff. Secrets show as changed or unchanged, never their values.
  - In check mode (C(playbooks/plan.yml), or C(--check)) it prints the whole report and the line
    C(plan - N changes on M hosts), written as C(plan) then a colon. Otherwise it prints the summary line only, which
    starts with C(applied).
  - The check play that site.yml runs first is not counted; its plays carry the play variable C(plan_report_skip).
  - With the extra variable C(plan_json) set to a path, the same report is written there as JSON (mode 0600), for CI
    or an AWX approval step to gate on.
  - Enable it with C(callbacks_enabled = flatnet.kube.plan) in C(ansible.cfg) or
    C(ANSIBLE_CALLBACKS_ENABLED=flatnet.kube.plan); C(playbooks/plan.yml) refuses to run without it.
type: aggregate
requirements:
  - enabled in callbacks_enabled
"""

import json
import os
import shlex

from ansible import context
from ansible.plugins.callback import CallbackBase

from ansible_collections.flatnet.kube.plugins.plugin_utils import _plan


class CallbackModule(CallbackBase):
    """Collects the places' changes and reports them at the end of the run."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "flatnet.kube.plan"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self._report = _plan.Report()
        self._skip = False
        # --check, or plan.yml's plan_only: a plan. A task of its own in check mode (a rehearsal) does not make one.
        self._check = bool(context.CLIARGS.get("check"))
        self._json = ""
        self._seen = False

    def v2_playbook_on_play_start(self, play) -> None:
        """Whether this play counts, and the run's mode and JSON path."""
        play_vars = play.vars or {}
        self._skip = bool(play_vars.get("plan_report_skip"))
        manager = play.get_variable_manager()
        extra = getattr(manager, "extra_vars", None) or {}
        self._json = str(extra.get("plan_json") or self._json or "")
        if str(play_vars.get("plan_only", extra.get("plan_only", ""))).lower() in ("true", "yes", "1"):
            self._check = True

    def _collect(self, result) -> None:
        if self._skip:
            return
        task = result._task  # pylint: disable=protected-access
        role = task._role.get_name() if getattr(task, "_role", None) else None  # pylint: disable=protected-access
        place = _plan.place_of(role)
        if place is None:
            return
        self._seen = True
        payload = result._result  # pylint: disable=protected-access
        items = payload.get("results") if isinstance(payload.get("results"), list) else [payload]
        kind = ""
        definition = (task.args or {}).get("definition")
        if isinstance(definition, dict) and isinstance(definition.get("kind"), str) and "{{" not in definition["kind"]:
            kind = definition["kind"]
        found, warnings = [], []
        for item in items:
            if isinstance(item, dict):
                found += _plan.changes(task.resolved_action or task.action, item, task.get_name(), kind)
                # A warning of a result that changes nothing (a read, a rehearsal in check mode) is not the plan's.
                warnings += [str(text) for text in item.get("warnings") or []] if item.get("changed") else []
        self._report.add(result._host.get_name(), place, found, warnings)  # pylint: disable=protected-access

    def v2_runner_on_ok(self, result) -> None:
        """A task's result, with its loop items."""
        self._collect(result)

    def v2_playbook_on_stats(self, stats) -> None:
        """The report, the summary line and the JSON file."""
        if not self._seen:
            return
        mode = "plan" if self._check else "applied"
        if mode == "plan":
            self._display.banner("FLATNET PLAN (check mode: nothing was changed)")
            inventories = " ".join("-i %s" % shlex.quote(source) for source in context.CLIARGS.get("inventory") or ())
            # site.yml plans on localhost first, so the limit always holds it.
            limit = ",".join(["localhost"] + sorted(set(self._report.changed_hosts()) - {"localhost"}))
            command = "ansible-playbook playbooks/site.yml %s --limit %s" % (inventories, shlex.quote(limit))
            self._display.display(self._report.text(mode, " ".join(command.split())))
        else:
            self._display.display(self._report.summary(mode))
        if self._json:
            path = os.path.abspath(os.path.expanduser(self._json))
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(self._report.as_dict(mode), handle, indent=2, sort_keys=True)
                handle.write("\n")
            self._display.display("%s: the report is in %s" % (mode, path))
