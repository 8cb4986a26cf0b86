# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of module_utils._k8s: paths, diffs, errors, authentication and the request layer.

No API server is contacted: clients get explicit credentials (or a
kubeconfig written to a temporary directory), and requests go to FakePool,
which stands in for the urllib3 pool manager.
"""

from __future__ import annotations

import json
from typing import Any, Dict, List, Mapping, Optional, Tuple

import pytest
import yaml
from kubernetes.config import kube_config

from ansible_collections.flatnet.kube.plugins.module_utils import _k8s as k8s

HOST = "https://10.200.20.105:6443"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.flatnet-test-token"
CALICO_CRD = "crd.projectcalico.org/v1"
CALICO_V3 = "projectcalico.org/v3"
BASE_GROUPS = ["v1", "apps/v1", "rbac.authorization.k8s.io/v1"]


def status_body(status: int, reason: str, message: str) -> bytes:
    """A Kubernetes Status answer."""
    return json.dumps({"kind": "Status", "apiVersion": "v1", "status": "Failure", "message": message, "reason": reason,
                       "code": status}).encode("utf-8")


class FakeResponse:  # pylint: disable=too-few-public-methods
    """The two fields KubeClient reads from a urllib3 response."""

    def __init__(self, status: int, data: bytes) -> None:
        self.status = status
        self.data = data


class FakePool:  # pylint: disable=too-few-public-methods
    """A pool manager that answers from a table keyed by (method, url) and records each request."""

    def __init__(self, answers: Optional[Mapping[Tuple[str, str], Any]] = None) -> None:
        self.answers = dict(answers or {})
        self.requests: List[Dict[str, Any]] = []

    def request(self, method: str, url: str, **kwargs: Any) -> FakeResponse:
        """Answer one request."""
        self.requests.append(dict(kwargs, method=method, url=url))
        answer = self.answers.get((method, url))
        if isinstance(answer, Exception):
            raise answer
        if answer is None:
            return FakeResponse(404, status_body(404, "NotFound", "the server could not find the requested resource"))
        status, body = answer
        return FakeResponse(status, body if isinstance(body, bytes) else json.dumps(body).encode("utf-8"))


@pytest.fixture(name="no_kubeconfig", autouse=True)
def fixture_no_kubeconfig(monkeypatch, tmp_path):
    """No kubeconfig, no in-cluster service account, no K8S_AUTH_* variables: only what a test passes counts."""
    monkeypatch.setenv("HOME", str(tmp_path))
    # The kubernetes library reads KUBECONFIG once, on import.
    monkeypatch.setattr(kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", "~/.kube/config")
    for variable in ("KUBECONFIG", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT", "K8S_AUTH_KUBECONFIG", "K8S_AUTH_HOST",
                     "K8S_AUTH_API_KEY", "K8S_AUTH_CONTEXT", "K8S_AUTH_VERIFY_SSL"):
        monkeypatch.delenv(variable, raising=False)
    return tmp_path


def make_client(monkeypatch, answers: Optional[Mapping[Tuple[str, str], Any]] = None, check_mode: bool = False,
                **auth: Any) -> Tuple[k8s.KubeClient, FakePool]:
    """A client with explicit credentials whose requests go to a FakePool."""
    client = k8s.KubeClient(dict({"host": HOST, "api_key": TOKEN}, **auth), check_mode=check_mode)
    pool = FakePool(answers)
    monkeypatch.setattr(client, "_pool", pool)
    return client, pool


def lower_keys(headers: Mapping[str, str]) -> Dict[str, str]:
    """Headers by lower-case name (HTTP header names are case-insensitive)."""
    return dict((key.lower(), value) for key, value in headers.items())


def kubeconfig(token: str = "from-kubeconfig") -> Dict[str, Any]:
    """A one-context kubeconfig with a bearer token."""
    return {
        "apiVersion": "v1", "kind": "Config", "current-context": "dev", "preferences": {},
        "clusters": [{"name": "dev", "cluster": {"server": "https://10.200.20.106:6443", "insecure-skip-tls-verify": True}}],
        "users": [{"name": "admin", "user": {"token": token}}],
        "contexts": [{"name": "dev", "context": {"cluster": "dev", "user": "admin"}}],
    }


# --------------------------------------------------------------------------
# Paths
# --------------------------------------------------------------------------


@pytest.mark.parametrize("group, plural, namespace, expected", [
    ("v1", "nodes", None, "/api/v1/nodes"),
    ("v1", "services", "kube-system", "/api/v1/namespaces/kube-system/services"),
    (CALICO_CRD, "ippools", None, "/apis/crd.projectcalico.org/v1/ippools"),
    (CALICO_V3, "bgppeers", None, "/apis/projectcalico.org/v3/bgppeers"),
    ("apps/v1", "deployments", "kube-system", "/apis/apps/v1/namespaces/kube-system/deployments"),
    ("v1", "configmaps", "team a/b", "/api/v1/namespaces/team%20a%2Fb/configmaps"),
    ("v1", "pods", "", "/api/v1/pods"),
])
def test_collection_path(group, plural, namespace, expected):
    assert k8s.collection_path(group, plural, namespace) == expected


@pytest.mark.parametrize("group, plural, name, namespace, expected", [
    ("v1", "nodes", "node1", None, "/api/v1/nodes/node1"),
    ("v1", "configmaps", "coredns", "kube-system", "/api/v1/namespaces/kube-system/configmaps/coredns"),
    (CALICO_CRD, "ippools", "default-pool", None, "/apis/crd.projectcalico.org/v1/ippools/default-pool"),
    (CALICO_V3, "bgpconfigurations", "node.node1", None, "/apis/projectcalico.org/v3/bgpconfigurations/node.node1"),
    (CALICO_CRD, "bgppeers", "peer switch/1?x=y", None, "/apis/crd.projectcalico.org/v1/bgppeers/peer%20switch%2F1%3Fx%3Dy"),
    ("apps/v1", "deployments", "calico/kube", "ns#1", "/apis/apps/v1/namespaces/ns%231/deployments/calico%2Fkube"),
])
def test_object_path(group, plural, name, namespace, expected):
    assert k8s.object_path(group, plural, name, namespace) == expected


# --------------------------------------------------------------------------
# strip_server_fields
# --------------------------------------------------------------------------


SERVED_POOL = {
    "apiVersion": CALICO_CRD, "kind": "IPPool",
    "metadata": {
        "name": "default-pool", "uid": "6c1f8c1e-8f4e-4d2b-9a51-3c7d2a1b0e42", "resourceVersion": "81234", "generation": 3,
        "creationTimestamp": "2024-05-01T09:00:00Z", "labels": {"app.kubernetes.io/managed-by": "flatnet"},
        "annotations": {"flatnet.dev/owner": "platform"}, "managedFields": [{"manager": "flatnet.kube", "operation": "Update"}],
    },
    "spec": {"cidr": "10.233.64.0/18", "blockSize": 24},
    "status": {"conditions": []},
}


def test_strip_server_fields_keeps_what_users_manage():
    stripped = k8s.strip_server_fields(SERVED_POOL)
    assert stripped == {
        "metadata": {"name": "default-pool", "labels": {"app.kubernetes.io/managed-by": "flatnet"},
                     "annotations": {"flatnet.dev/owner": "platform"}},
        "spec": {"cidr": "10.233.64.0/18", "blockSize": 24},
    }
    stripped["metadata"]["labels"]["extra"] = "x"
    assert SERVED_POOL["metadata"]["labels"] == {"app.kubernetes.io/managed-by": "flatnet"}


def test_strip_server_fields_namespace_keep_and_none():
    configmap = {"apiVersion": "v1", "kind": "ConfigMap", "data": {"Corefile": ".:53 {}"},
                 "metadata": {"name": "coredns", "namespace": "kube-system", "labels": {}, "resourceVersion": "9"}}
    assert k8s.strip_server_fields(configmap, keep=("data",)) == {
        "metadata": {"name": "coredns", "namespace": "kube-system"}, "data": {"Corefile": ".:53 {}"}}
    assert k8s.strip_server_fields(configmap) == {"metadata": {"name": "coredns", "namespace": "kube-system"}}
    assert k8s.strip_server_fields(None) is None
    assert k8s.strip_server_fields({}) == {"metadata": {"name": None}}


# --------------------------------------------------------------------------
# Error texts
# --------------------------------------------------------------------------


@pytest.mark.parametrize("status, body, expected", [
    (409, status_body(409, "Conflict", 'Operation cannot be fulfilled on ippools.crd.projectcalico.org "default-pool"'),
     '409 Conflict: Operation cannot be fulfilled on ippools.crd.projectcalico.org "default-pool"'),
    (404, json.dumps({"kind": "Status", "code": 404}).encode("utf-8"), "404 : "),
    (502, b"<html><body>Bad Gateway</body></html>\n", "502 <html><body>Bad Gateway</body></html>"),
    (500, b"x" * 300, "500 " + "x" * 200),
    (500, b"\xff\xfe oops", "500 \ufffd\ufffd oops"),
    (500, json.dumps({"error": "etcd timeout"}).encode("utf-8"), '500 {"error": "etcd timeout"}'),
    (500, json.dumps(["a", "b"]).encode("utf-8"), '500 ["a", "b"]'),
    (500, json.dumps({"items": ["y" * 300]}).encode("utf-8"), "500 " + json.dumps({"items": ["y" * 300]})[:200]),
])
def test_status_text(status, body, expected):
    assert k8s._status_text(status, body) == expected  # pylint: disable=protected-access


@pytest.mark.parametrize("status, needle", [
    (401, "the credentials were refused; check flatnet_cluster.api (kubeconfig, context or api_key) or the K8S_AUTH_* variables"),
    (403, "the account lacks permission; grant it (RBAC) for this resource"),
    (422, "the request was PUT /apis/crd.projectcalico.org/v1/ippools/default-pool"),
])
def test_error_hints(status, needle):
    reason = {401: "Unauthorized", 403: "Forbidden", 422: "Invalid"}[status]
    error = k8s.KubeClient._error("PUT", "/apis/crd.projectcalico.org/v1/ippools/default-pool",  # pylint: disable=protected-access
                                  status, status_body(status, reason, "refused"))
    assert str(error) == "Kubernetes API answered %d %s: refused (%s)" % (status, reason, needle)
    assert error.status == status
    assert error.reason == reason
    assert isinstance(error, ValueError)


def test_error_without_status_body_has_no_reason():
    error = k8s.KubeClient._error("GET", "/apis", 503, b"upstream connect error")  # pylint: disable=protected-access
    assert (error.status, error.reason) == (503, None)
    assert str(error) == "Kubernetes API answered 503 upstream connect error (the request was GET /apis)"


# --------------------------------------------------------------------------
# Authentication
# --------------------------------------------------------------------------


def test_explicit_host_and_token(monkeypatch):
    client, _pool = make_client(monkeypatch)
    assert client.configuration.host == HOST
    assert client.configuration.verify_ssl is True
    assert client.check_mode is False
    assert client.timeout == 30.0
    assert client.calls == 0
    headers = client._headers(None)  # pylint: disable=protected-access
    assert lower_keys(headers) == {"accept": "application/json", "user-agent": "flatnet.kube", "authorization": "Bearer " + TOKEN}
    assert lower_keys(client._headers("application/merge-patch+json"))["content-type"] == "application/merge-patch+json"  # pylint: disable=protected-access


@pytest.mark.parametrize("validate_certs, verify_ssl", [(False, False), (True, True), (None, True)])
def test_validate_certs(monkeypatch, validate_certs, verify_ssl):
    client, _pool = make_client(monkeypatch, validate_certs=validate_certs)
    assert client.configuration.verify_ssl is verify_ssl


def test_ca_cert_client_cert_and_timeout(monkeypatch, tmp_path):
    paths = dict((name, str(tmp_path / name)) for name in ("ca.crt", "client.crt", "client.key"))
    client, _pool = make_client(monkeypatch, ca_cert=paths["ca.crt"], client_cert=paths["client.crt"],
                                client_key=paths["client.key"], request_timeout=5)
    assert (client.configuration.ssl_ca_cert, client.configuration.cert_file, client.configuration.key_file) == (
        paths["ca.crt"], paths["client.crt"], paths["client.key"])
    assert client.timeout == 5.0


@pytest.mark.parametrize("as_file", [True, False])
def test_kubeconfig_token(no_kubeconfig, as_file):
    config: Any = kubeconfig()
    if as_file:
        path = no_kubeconfig / "dev.kubeconfig"
        path.write_text(yaml.safe_dump(config), encoding="utf-8")
        config = str(path)
    client = k8s.KubeClient({"kubeconfig": config})
    assert client.configuration.host == "https://10.200.20.106:6443"
    assert client.configuration.verify_ssl is False
    assert lower_keys(client._headers(None))["authorization"] == "Bearer from-kubeconfig"  # pylint: disable=protected-access


def test_default_kubeconfig_in_home(no_kubeconfig):
    (no_kubeconfig / ".kube").mkdir()
    (no_kubeconfig / ".kube" / "config").write_text(yaml.safe_dump(kubeconfig("home-token")), encoding="utf-8")
    client = k8s.KubeClient({})
    assert client.configuration.host == "https://10.200.20.106:6443"
    assert lower_keys(client._headers(None))["authorization"] == "Bearer home-token"  # pylint: disable=protected-access


def test_explicit_token_overrides_the_kubeconfig_token():
    """AWX may give a kubeconfig for the server and CA and K8S_AUTH_API_KEY for the token: the token wins, once prefixed."""
    client = k8s.KubeClient({"kubeconfig": kubeconfig(), "api_key": TOKEN, "host": HOST})
    assert client.configuration.host == HOST
    assert lower_keys(client._headers(None))["authorization"] == "Bearer " + TOKEN  # pylint: disable=protected-access
    assert lower_keys(client._headers(None))["authorization"] == "Bearer " + TOKEN  # pylint: disable=protected-access


def test_missing_kubeconfig_path(no_kubeconfig):
    missing = str(no_kubeconfig / "nowhere" / "config")
    with pytest.raises(k8s.KubeError) as caught:
        k8s.KubeClient({"kubeconfig": missing})
    message = str(caught.value)
    assert message.startswith("cannot load the Kubernetes client configuration (kubeconfig %s, context current): " % missing)
    assert message.endswith("Set kubeconfig, or host and api_key, in flatnet_cluster.api or as K8S_AUTH_* variables.")
    assert caught.value.status is None


@pytest.mark.parametrize("auth, described", [
    ({}, "(kubeconfig default, context current)"),
    ({"host": HOST}, "(kubeconfig default, context current)"),
    ({"kubeconfig": kubeconfig(), "context": "prod"}, "(kubeconfig given, context prod)"),
])
def test_unloadable_configuration(auth, described):
    with pytest.raises(k8s.KubeError) as caught:
        k8s.KubeClient(auth)
    assert str(caught.value).startswith("cannot load the Kubernetes client configuration %s: " % described)
    assert "flatnet_cluster.api" in str(caught.value)
    assert "K8S_AUTH_*" in str(caught.value)


# --------------------------------------------------------------------------
# Requests
# --------------------------------------------------------------------------


def test_get_sends_one_request(monkeypatch):
    node = {"kind": "Node", "metadata": {"name": "node1"}}
    client, pool = make_client(monkeypatch, {("GET", HOST + "/api/v1/nodes/node1"): (200, node)})
    assert client.get("/api/v1/nodes/node1") == node
    assert client.calls == 1
    assert len(pool.requests) == 1
    request = pool.requests[0]
    assert lower_keys(request.pop("headers")) == {"accept": "application/json", "user-agent": "flatnet.kube",
                                                  "authorization": "Bearer " + TOKEN}
    assert request == {"method": "GET", "url": HOST + "/api/v1/nodes/node1", "body": None, "timeout": 30.0, "retries": False}


def test_host_with_trailing_slash(monkeypatch):
    client, pool = make_client(monkeypatch, {("GET", HOST + "/api/v1/nodes"): (200, {"items": []})}, host=HOST + "/")
    assert client.list("/api/v1/nodes") == []
    assert [request["url"] for request in pool.requests] == [HOST + "/api/v1/nodes"]


@pytest.mark.parametrize("check_mode, suffix", [(False, "?fieldValidation=Strict"), (True, "?dryRun=All&fieldValidation=Strict")])
def test_write_honours_check_mode(monkeypatch, check_mode, suffix):
    url = HOST + "/apis/crd.projectcalico.org/v1/ippools"
    body = {"apiVersion": CALICO_CRD, "kind": "IPPool", "metadata": {"name": "default-pool"}, "spec": {"cidr": "10.233.64.0/18"}}
    client, pool = make_client(monkeypatch, {("POST", url + suffix): (201, dict(body, status={}))}, check_mode=check_mode)
    assert client.write("POST", "/apis/crd.projectcalico.org/v1/ippools", body) == dict(body, status={})
    request = pool.requests[0]
    assert request["url"] == url + suffix
    assert json.loads(request["body"].decode("utf-8")) == body
    assert lower_keys(request["headers"])["content-type"] == "application/json"


def test_delete_without_body_and_empty_answer(monkeypatch):
    url = HOST + "/apis/crd.projectcalico.org/v1/bgppeers/peer-switch"
    client, pool = make_client(monkeypatch, {("DELETE", url): (200, b"")})
    assert client.write("DELETE", "/apis/crd.projectcalico.org/v1/bgppeers/peer-switch") == {}
    assert pool.requests[0]["body"] is None
    assert "content-type" not in lower_keys(pool.requests[0]["headers"])


def test_list_with_label_selector(monkeypatch):
    url = HOST + "/api/v1/namespaces/kube-system/services?labelSelector=k8s-app%3Dkube-dns"
    service = {"metadata": {"name": "kube-dns"}, "spec": {"clusterIP": "10.233.0.3"}}
    client, _pool = make_client(monkeypatch, {("GET", url): (200, {"kind": "ServiceList", "items": [service]})})
    assert client.list("/api/v1/namespaces/kube-system/services", label_selector="k8s-app=kube-dns") == [service]


def test_not_found_is_none_or_empty(monkeypatch):
    client, _pool = make_client(monkeypatch, {("GET", HOST + "/apis/projectcalico.org/v3/ippools"): (200, {"items": None})})
    assert client.get("/api/v1/namespaces/kube-system/configmaps/coredns") is None
    assert client.list("/apis/crd.projectcalico.org/v1/caliconodestatuses") == []
    assert client.list("/apis/projectcalico.org/v3/ippools") == []
    assert client.calls == 3


@pytest.mark.parametrize("method", ["get", "list"])
def test_other_errors_raise(monkeypatch, method):
    path = "/apis/crd.projectcalico.org/v1/ippools"
    client, _pool = make_client(monkeypatch, {("GET", HOST + path): (403, status_body(403, "Forbidden", "ippools is forbidden"))})
    with pytest.raises(k8s.KubeError) as caught:
        getattr(client, method)(path)
    assert caught.value.status == 403
    assert str(caught.value) == ("Kubernetes API answered 403 Forbidden: ippools is forbidden (the account lacks permission; "
                                 "grant it (RBAC) for this resource)")


def test_unreachable_server(monkeypatch):
    client, pool = make_client(monkeypatch, {("GET", HOST + "/apis"): ConnectionRefusedError("[Errno 111] Connection refused")})
    waits: List[float] = []
    client.sleep = waits.append
    with pytest.raises(k8s.KubeError) as caught:
        client.api_groups()
    assert str(caught.value) == ("cannot reach the Kubernetes API at %s (GET /apis): [Errno 111] Connection refused; gave up after 5 "
                                 "attempts (request_retries 4)" % HOST)
    assert caught.value.status is None and len(pool.requests) == 5
    # Full jitter over 0.5, 1, 2 and 4 seconds.
    assert len(waits) == 4 and all(0 <= wait <= limit for wait, limit in zip(waits, (0.5, 1, 2, 4)))


def test_api_groups_is_one_cached_call(monkeypatch):
    groups = {"kind": "APIGroupList", "groups": [
        {"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}]},
        {"name": "crd.projectcalico.org", "versions": [{"groupVersion": CALICO_CRD, "version": "v1"}]},
        {"name": "projectcalico.org", "versions": [{"groupVersion": CALICO_V3, "version": "v3"}]},
    ]}
    client, pool = make_client(monkeypatch, {("GET", HOST + "/apis"): (200, groups)})
    assert client.api_groups() == ["apps/v1", CALICO_CRD, CALICO_V3]
    assert client.calico_group() == CALICO_V3
    assert client.calls == 1
    assert len(pool.requests) == 1


# --------------------------------------------------------------------------
# calico_group
# --------------------------------------------------------------------------


@pytest.mark.parametrize("served, wanted, group", [
    (BASE_GROUPS + [CALICO_CRD, CALICO_V3], "auto", CALICO_V3),
    (BASE_GROUPS + [CALICO_V3], "auto", CALICO_V3),
    (BASE_GROUPS + [CALICO_CRD], "auto", CALICO_CRD),
    (BASE_GROUPS + [CALICO_CRD, CALICO_V3], CALICO_CRD, CALICO_CRD),
    (BASE_GROUPS + [CALICO_CRD, CALICO_V3], CALICO_V3, CALICO_V3),
])
def test_calico_group(monkeypatch, served, wanted, group):
    client, pool = make_client(monkeypatch)
    monkeypatch.setattr(client, "_groups", served)
    assert client.calico_group(wanted) == group
    assert not pool.requests


@pytest.mark.parametrize("served, wanted, message", [
    (BASE_GROUPS + [CALICO_CRD], CALICO_V3,
     "api_group projectcalico.org/v3 is not served by this cluster (it serves crd.projectcalico.org/v1); use api_group: auto"),
    (BASE_GROUPS, CALICO_CRD, "api_group crd.projectcalico.org/v1 is not served by this cluster (it serves no Calico group); "
                              "use api_group: auto"),
    (BASE_GROUPS, "auto", "the cluster serves no Calico API (neither projectcalico.org/v3 nor crd.projectcalico.org/v1); install "
                          "Calico first, or check that flatnet_cluster.api points at the right cluster"),
    ([], "auto", "the cluster serves no Calico API (neither projectcalico.org/v3 nor crd.projectcalico.org/v1); install "
                 "Calico first, or check that flatnet_cluster.api points at the right cluster"),
])
def test_calico_group_errors(monkeypatch, served, wanted, message):
    client, _pool = make_client(monkeypatch)
    monkeypatch.setattr(client, "_groups", served)
    with pytest.raises(k8s.KubeError) as caught:
        client.calico_group(wanted)
    assert str(caught.value) == message


class Scripted(FakePool):  # pylint: disable=too-few-public-methods
    """A pool that answers each request with the next of a script: (status, body, headers) or an exception."""

    def __init__(self, script: List[Any]) -> None:
        super().__init__()
        self.script = list(script)

    def request(self, method: str, url: str, **kwargs: Any) -> Any:
        self.requests.append(dict(kwargs, method=method, url=url))
        answer = self.script.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, body, headers = answer
        response = FakeResponse(status, body if isinstance(body, bytes) else json.dumps(body).encode("utf-8"))
        response.headers = headers  # type: ignore[attr-defined]
        return response


def scripted_client(monkeypatch, script: List[Any], **auth: Any) -> Tuple[k8s.KubeClient, Scripted, List[float]]:
    client = k8s.KubeClient(dict({"host": HOST, "api_key": TOKEN}, **auth))
    pool = Scripted(script)
    monkeypatch.setattr(client, "_pool", pool)
    waits: List[float] = []
    client.sleep = waits.append
    return client, pool, waits


BUSY = (429, status_body(429, "TooManyRequests", "too many requests"), {"Retry-After": "2"})
UNAVAILABLE = (503, status_body(503, "ServiceUnavailable", "the server is currently unable to handle the request"), {})
POOL = {"apiVersion": CALICO_CRD, "kind": "IPPool", "metadata": {"name": "p", "resourceVersion": "7"}, "spec": {}}


def test_a_read_is_tried_again_honouring_retry_after_and_the_totals_count_it(monkeypatch):
    monkeypatch.setattr(k8s, "TOTALS", {"requests": 0, "attempts": 0, "waited_seconds": 0.0})
    client, pool, waits = scripted_client(monkeypatch, [BUSY, UNAVAILABLE, (200, POOL, {})])
    assert client.get("/apis/crd.projectcalico.org/v1/ippools/p") == POOL
    assert len(pool.requests) == 3 and waits[0] == 2.0 and 0 <= waits[1] <= 1
    assert k8s.totals() == {"requests": 1, "attempts": 3, "waited_seconds": round(2.0 + waits[1], 3)}


def test_retry_after_is_capped_and_read_as_a_date_too():
    assert k8s._retry_after({"Retry-After": "3600"}) == k8s.RETRY_AFTER_CAP  # pylint: disable=protected-access
    assert k8s._retry_after({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0  # pylint: disable=protected-access
    assert k8s._retry_after({"Retry-After": "soon"}) is None and k8s._retry_after({}) is None  # pylint: disable=protected-access


def test_a_write_with_a_resource_version_is_repeated_and_a_create_only_after_a_429(monkeypatch):
    client, pool, _waits = scripted_client(monkeypatch, [UNAVAILABLE, (200, POOL, {})])
    assert client.write("PUT", "/apis/crd.projectcalico.org/v1/ippools/p", POOL) == POOL and len(pool.requests) == 2
    created = dict(POOL, metadata={"name": "p"})
    client, pool, _waits = scripted_client(monkeypatch, [UNAVAILABLE])
    with pytest.raises(k8s.KubeError, match="503 ServiceUnavailable") as caught:
        client.write("POST", "/apis/crd.projectcalico.org/v1/ippools", created)
    assert len(pool.requests) == 1 and "gave up" not in str(caught.value)  # a 503 may have been served: not repeated
    client, pool, _waits = scripted_client(monkeypatch, [BUSY, (201, created, {})])
    assert client.write("POST", "/apis/crd.projectcalico.org/v1/ippools", created) == created and len(pool.requests) == 2


def test_a_few_faults_are_absorbed_and_many_fail_clearly_after_the_bound(monkeypatch):
    client, pool, waits = scripted_client(monkeypatch, [UNAVAILABLE] * 3, request_retries=2)
    with pytest.raises(k8s.KubeError, match="gave up after 3 attempts \\(request_retries 2\\)") as caught:
        client.get("/api/v1/nodes")
    assert caught.value.status == 503 and len(pool.requests) == 3 and len(waits) == 2
    with pytest.raises(k8s.KubeError, match="request_retries: -1 is below 0"):
        k8s.KubeClient({"host": HOST, "api_key": TOKEN, "request_retries": -1})


@pytest.mark.parametrize("body, words", [(b"<html>502 Bad Gateway</html>", "not JSON"), (b"[1, 2]", "not an object"),
                                         (b'{"kind": "IPPo', "not JSON")])
def test_a_success_that_is_not_a_json_object_is_a_clear_error(monkeypatch, body, words):
    client, _pool, _waits = scripted_client(monkeypatch, [(200, body, {})])
    with pytest.raises(k8s.KubeError, match=words) as caught:
        client.get("/api/v1/nodes")
    assert "GET /api/v1/nodes with 200" in str(caught.value)


def test_a_reply_cut_short_and_a_time_out_say_so(monkeypatch):
    client, _pool, _waits = scripted_client(monkeypatch, [OSError("Connection broken: IncompleteRead(10 bytes read)")], request_retries=0)
    with pytest.raises(k8s.KubeError, match="the reply was cut short"):
        client.get("/api/v1/nodes")
    client, _pool, _waits = scripted_client(monkeypatch, [OSError("Read timed out. (read timeout=0.5)")], request_retries=0, request_timeout=0.5)
    with pytest.raises(k8s.KubeError, match="no reply within request_timeout"):
        client.get("/api/v1/nodes")


def test_delete_sends_preconditions_and_a_gone_object_is_no_error(monkeypatch):
    client, pool, _waits = scripted_client(monkeypatch, [(200, {}, {}), (404, status_body(404, "NotFound", "gone"), {})])
    current = dict(POOL, metadata={"name": "p", "uid": "u-1", "resourceVersion": "7"})
    assert client.delete("/apis/crd.projectcalico.org/v1/ippools/p", current) is True
    assert json.loads(pool.requests[0]["body"].decode("utf-8")) == {
        "kind": "DeleteOptions", "apiVersion": "v1", "preconditions": {"uid": "u-1", "resourceVersion": "7"}}
    assert client.delete("/apis/crd.projectcalico.org/v1/ippools/p", current) is False
