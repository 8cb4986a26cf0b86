# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The verify role's reachability report, from the probes' registered results."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, Optional, Sequence

ROW = "%-34s %-21s %-5s %s"
NAME_ROW = "%-34s %-44s %-5s %s"


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


def _service_name(service: Mapping[str, Any], domain: str) -> str:
    metadata = service.get("metadata") or {}
    return "%s.%s.svc.%s" % (metadata.get("name"), metadata.get("namespace"), domain.rstrip("."))


def name_probes(services: Sequence[Mapping[str, Any]], pods: Sequence[Mapping[str, Any]], domain: str,
                http_ports: Sequence[int] = ()) -> List[Dict[str, Any]]:
    """The DNS lookups the verify role makes: each Service name (A), each ClusterIP and pod IP back (PTR).

    ``args`` is the tail of a dig command line, ``pattern`` a regular expression one answer line must match;
    a name probe has a ``url`` when its Service has a port of ``http_ports``.
    """
    probes: List[Dict[str, Any]] = []
    for service in services:
        name, cluster_ip = _service_name(service, domain), (service.get("spec") or {}).get("clusterIP")
        probe = {"label": "name " + name, "query": name, "type": "A", "args": [name, "A"], "pattern": "^%s$" % re.escape(str(cluster_ip))}
        port = next((port.get("port") for port in (service.get("spec") or {}).get("ports") or [] if port.get("port") in http_ports), None)
        if port is not None:
            probe["url"] = "http://%s:%s/" % (name, port)
        probes.append(probe)
        probes.append({"label": "ptr " + str(cluster_ip), "query": str(cluster_ip), "type": "PTR", "args": ["-x", str(cluster_ip)],
                       "pattern": "^%s\\.$" % re.escape(name)})
    for pod in pods:
        address = (pod.get("status") or {}).get("podIP")
        probes.append({"label": "ptr %s (pod %s)" % (address, (pod.get("metadata") or {}).get("name")), "query": str(address), "type": "PTR",
                       "args": ["-x", str(address)], "pattern": "\\.%s\\.$" % re.escape(domain.rstrip("."))})
    return probes


def _name_answered(result: Mapping[str, Any]) -> Optional[str]:
    item = result.get("item") or {}
    if result.get("rc") != 0:
        return None
    return next((line for line in result.get("stdout_lines") or [] if re.search(item.get("pattern") or "^$", line)), None)


def reach_report(pings: Sequence[Mapping[str, Any]], pod_http: Sequence[Mapping[str, Any]],
                 service_http: Sequence[Mapping[str, Any]], names: Optional[Sequence[Mapping[str, Any]]] = None,
                 name_http: Optional[Sequence[Mapping[str, Any]]] = None) -> Dict[str, Any]:
    """Rows of a table, and how many probes answered, from ping, uri and dig loop results."""
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
    by_name = {(http.get("item") or {}).get("query"): http for http in name_http or [] if not http.get("skipped")}
    if names:
        rows.append(NAME_ROW % ("name (this host's resolver)", "answer", "dns", "http"))
    for result in names or []:
        if result.get("skipped"):
            continue
        item = result.get("item") or {}
        answer = _name_answered(result)
        http = by_name.get(item.get("query")) if item.get("type") == "A" else None
        rows.append(NAME_ROW % (item.get("label"), (answer or "-")[:60], "ok" if answer else "NO", _cell(http, "http") if http else "-"))
        for passed in [answer is not None] + ([_answered(http, "http")] if http else []):
            answered, silent = (answered + 1, silent) if passed else (answered, silent + 1)
    return {"rows": rows, "answered": answered, "silent": silent, "total": answered + silent}
