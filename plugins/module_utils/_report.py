# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The verify role's reachability report, from the probes' registered results."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Sequence

ROW = "%-30s %-21s %-5s %s"


def _answered(result: Mapping[str, Any], kind: str) -> bool:
    if kind == "ping":
        return result.get("rc") == 0
    return result.get("status") == 200


def _body(result: Mapping[str, Any]) -> str:
    content = (result.get("content") or "").strip().splitlines()
    return content[0][:40] if content else ""


def _cell(result: Mapping[str, Any], kind: str) -> str:
    if result.get("skipped"):
        return "-"
    if _answered(result, kind):
        return "ok " + _body(result) if kind == "http" else "ok"
    return "NO"


def reach_report(pings: Sequence[Mapping[str, Any]], pod_http: Sequence[Mapping[str, Any]],
                 service_http: Sequence[Mapping[str, Any]]) -> Dict[str, Any]:
    """Rows of a table, and how many probes answered, from ping and uri loop results."""
    rows: List[str] = [ROW % ("target", "address", "ping", "http")]
    answered = silent = 0
    for ping, http in zip(pings, pod_http):
        pod = ping.get("item") or {}
        name = "pod %s/%s" % ((pod.get("metadata") or {}).get("name"), (pod.get("spec") or {}).get("nodeName"))
        rows.append(ROW % (name, (pod.get("status") or {}).get("podIP"), _cell(ping, "ping"), _cell(http, "http")))
        for result, kind in ((ping, "ping"), (http, "http")):
            if not result.get("skipped"):
                answered, silent = (answered + 1, silent) if _answered(result, kind) else (answered, silent + 1)
    for http in service_http:
        if http.get("skipped"):
            continue
        service, port = http.get("item") or ({}, {})
        metadata = service.get("metadata") or {}
        address = "%s:%s" % ((service.get("spec") or {}).get("clusterIP"), port.get("port"))
        rows.append(ROW % ("svc %s/%s" % (metadata.get("namespace"), metadata.get("name")), address, "-", _cell(http, "http")))
        answered, silent = (answered + 1, silent) if _answered(http, "http") else (answered, silent + 1)
    return {"rows": rows, "answered": answered, "silent": silent, "total": answered + silent}
