# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers for the cluster tests: the official client over the emulator, and the emulator's test hooks."""

from __future__ import annotations

import http.client
import json
import os
import ssl
from typing import Any, Dict, List

import yaml
from kubernetes import client as k8s_client
from kubernetes import config as k8s_config

CRD = ("crd.projectcalico.org", "v1")
SEED = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "lab", "seeds", "seed-cluster.yml")


class Kube:
    """The official kubernetes client, to read back what the modules wrote."""

    def __init__(self, emulator: Any) -> None:
        self.emulator = emulator
        self.api = k8s_config.new_client_from_config(config_file=emulator.kubeconfig_path)
        self.custom = k8s_client.CustomObjectsApi(self.api)
        self.core = k8s_client.CoreV1Api(self.api)
        self.rbac = k8s_client.RbacAuthorizationV1Api(self.api)

    def get(self, plural: str, name: str, group: tuple = CRD) -> Dict[str, Any]:
        """One Calico object; raises ApiException(404) when absent."""
        return self.custom.get_cluster_custom_object(group[0], group[1], plural, name)

    def replace(self, plural: str, name: str, body: Dict[str, Any], group: tuple = CRD) -> Dict[str, Any]:
        """Write one Calico object back as a person with kubectl would (PUT, with the resourceVersion it read)."""
        return self.custom.replace_cluster_custom_object(group[0], group[1], plural, name, body)

    def names(self, plural: str, group: tuple = CRD) -> List[str]:
        return sorted(item["metadata"]["name"] for item in self.custom.list_cluster_custom_object(group[0], group[1], plural)["items"])

    def writes(self) -> List[Dict[str, Any]]:
        """The write requests the emulator has seen (its request log)."""
        return [entry for entry in self.emulator.requests() if entry["method"] in ("POST", "PUT", "PATCH", "DELETE")]

    def state(self) -> Dict[str, Any]:
        """Every Calico object and Secret, to prove that something did not change."""
        kinds = ("ippools", "bgppeers", "bgpconfigurations")
        return {"calico": dict((plural, self.custom.list_cluster_custom_object(CRD[0], CRD[1], plural)["items"]) for plural in kinds),
                "secrets": [item.to_dict() for item in self.core.list_secret_for_all_namespaces().items]}


def bad_token_kubeconfig(emulator: Any, directory: str) -> str:
    """A copy of the emulator's kubeconfig with a token the API refuses."""
    with open(emulator.kubeconfig_path, encoding="utf-8") as handle:
        config = yaml.safe_load(handle)
    config["users"][0]["user"]["token"] = "not-the-token"
    path = os.path.join(directory, "kubeconfig-bad-token")
    with open(path, "w", encoding="utf-8") as handle:
        yaml.safe_dump(config, handle)
    return path


def _hook(emulator: Any, path: str, body: Dict[str, Any]) -> None:
    context = ssl.create_default_context(cafile=emulator.ca_path)
    connection = http.client.HTTPSConnection("127.0.0.1", emulator.port, context=context, timeout=10)
    try:
        connection.request("POST", path, body=json.dumps(body), headers={"Authorization": "Bearer " + emulator.token,
                                                                         "Content-Type": "application/json"})
        response = connection.getresponse()
        text = response.read()
        assert response.status == 200, text
    finally:
        connection.close()


def inject_conflict(emulator: Any, path: str, times: int) -> None:
    """Make the next `times` writes to path meet a concurrent writer (a real 409 for a stale resourceVersion)."""
    _hook(emulator, "/_emulator/inject-conflict", {"path": path, "times": times})


def inject_fault(emulator: Any, path: str, fault: str, times: int, **options: Any) -> None:
    """Make the next `times` requests under path meet a fault (429, 500, 503, stall or drop) instead of an answer."""
    _hook(emulator, "/_emulator/inject-fault", dict({"path": path, "fault": fault, "times": times}, **options))
