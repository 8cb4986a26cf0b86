# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A small Kubernetes REST client for flatnet.kube's modules.

Authentication follows kubernetes.core: a kubeconfig (path or dict),
context, host, bearer token, CA certificate and validate_certs, each with
its ``K8S_AUTH_*`` environment fallback (which is how AWX injects cluster
credentials). The kubernetes Python client loads the configuration and
builds the TLS connection pool; requests then go straight to the paths,
which keeps API calls few and independent of the client's generated code.

Every write goes through ``KubeClient.write``, which adds ``dryRun=All`` in
check mode so that the API server still validates what would be written, and
``fieldValidation=Strict``, so that a field the server does not know is an
error rather than silently dropped. A request the server could not serve
(429, 500, 502, 503, 504, a time-out, a broken connection) is tried again, a
bounded number of times, with exponential backoff and full jitter, honouring
Retry-After; only when repeating it is safe: a read, a write that carries a
resourceVersion or a DELETE with preconditions (the server refuses a stale
repeat), and a create that was refused with 429 (it was not served). The
process's totals (requests, attempts, seconds waited) go into each module's
result.
"""

from __future__ import annotations

import email.utils
import json
import random
import time
import traceback
from typing import Any, Dict, List, Mapping, Optional, Sequence
from urllib.parse import quote, urlencode

from ansible.module_utils.basic import env_fallback

from ansible_collections.flatnet.kube.plugins.module_utils._errors import FlatnetError

try:
    from kubernetes import client as k8s_client
    from kubernetes import config as k8s_config
    from kubernetes.client import rest as k8s_rest
except ImportError:
    HAS_KUBERNETES = False
    KUBERNETES_IMPORT_ERROR: Optional[str] = traceback.format_exc()
else:
    HAS_KUBERNETES = True
    KUBERNETES_IMPORT_ERROR = None

AUTH_ARG_SPEC: Dict[str, Any] = {
    "kubeconfig": {"type": "raw", "fallback": (env_fallback, ["K8S_AUTH_KUBECONFIG"])},
    "context": {"type": "str", "fallback": (env_fallback, ["K8S_AUTH_CONTEXT"])},
    "host": {"type": "str", "fallback": (env_fallback, ["K8S_AUTH_HOST"])},
    "api_key": {"type": "str", "no_log": True, "fallback": (env_fallback, ["K8S_AUTH_API_KEY"])},
    "validate_certs": {"type": "bool", "aliases": ["verify_ssl"], "fallback": (env_fallback, ["K8S_AUTH_VERIFY_SSL"])},
    "ca_cert": {"type": "path", "aliases": ["ssl_ca_cert"], "fallback": (env_fallback, ["K8S_AUTH_SSL_CA_CERT"])},
    "client_cert": {"type": "path", "aliases": ["cert_file"], "fallback": (env_fallback, ["K8S_AUTH_CERT_FILE"])},
    "client_key": {"type": "path", "aliases": ["key_file"], "no_log": False, "fallback": (env_fallback, ["K8S_AUTH_KEY_FILE"])},
    "request_timeout": {"type": "float", "default": 30.0},
    "request_retries": {"type": "int", "default": 4},
}

CALICO_GROUPS = ("projectcalico.org/v3", "crd.projectcalico.org/v1")

# Reasons a write may meet when another writer got there first.
CONFLICT = 409
# Answers that say the server could not serve the request now; a repeat may succeed.
RETRY_STATUSES = (429, 500, 502, 503, 504)
# Backoff: full jitter over base * 2^(attempt-1), at most BACKOFF_CAP; a Retry-After is honoured up to RETRY_AFTER_CAP.
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
RETRY_AFTER_CAP = 30.0
# The process's requests (a module runs in one process): what each cluster module reports as api_requests.
TOTALS: Dict[str, float] = {"requests": 0, "attempts": 0, "waited_seconds": 0.0}


def totals() -> Dict[str, Any]:
    """The API totals of this process: requests, attempts (a retried request counts once per try), seconds waited."""
    return {"requests": int(TOTALS["requests"]), "attempts": int(TOTALS["attempts"]), "waited_seconds": round(TOTALS["waited_seconds"], 3)}


class KubeError(FlatnetError):
    """The API refused a request or could not be reached."""

    def __init__(self, message: str, status: Optional[int] = None, reason: Optional[str] = None) -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


def _status_text(status: int, body: bytes) -> str:
    """The reason and message of a Kubernetes Status body, or the raw body."""
    try:
        data = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return "%d %s" % (status, body[:200].decode("utf-8", "replace").strip())
    if isinstance(data, dict) and data.get("kind") == "Status":
        return "%d %s: %s" % (status, data.get("reason") or "", data.get("message") or "")
    return "%d %s" % (status, json.dumps(data)[:200])


def _reason(body: bytes) -> Optional[str]:
    try:
        data = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    return data.get("reason") if isinstance(data, dict) else None


def _load_configuration(auth: Mapping[str, Any]) -> "k8s_client.Configuration":
    """A kubernetes client Configuration from the auth options (kubernetes.core semantics)."""
    configuration = k8s_client.Configuration()
    kubeconfig, context = auth.get("kubeconfig"), auth.get("context")
    explicit = auth.get("host") and auth.get("api_key")
    try:
        if isinstance(kubeconfig, dict):
            k8s_config.load_kube_config_from_dict(kubeconfig, context=context, client_configuration=configuration, persist_config=False)
        elif kubeconfig or context or not explicit:
            k8s_config.load_kube_config(config_file=kubeconfig, context=context, client_configuration=configuration, persist_config=False)
    except (k8s_config.ConfigException, OSError, ValueError, TypeError) as error:
        if kubeconfig or context or not _in_cluster(configuration):
            raise KubeError("cannot load the Kubernetes client configuration (kubeconfig %s, context %s): %s. Set kubeconfig, "
                            "or host and api_key, in flatnet_cluster.api or as K8S_AUTH_* variables."
                            % (kubeconfig if isinstance(kubeconfig, str) else "given" if kubeconfig else "default",
                               context or "current", str(error).rstrip("."))) from None
    if auth.get("host"):
        configuration.host = auth["host"]
    if auth.get("api_key"):
        # A kubeconfig token installs a hook that rewrites the key before every request; the explicit key wins.
        configuration.refresh_api_key_hook = None
        configuration.api_key = {"BearerToken": auth["api_key"], "authorization": auth["api_key"]}
        configuration.api_key_prefix = {"BearerToken": "Bearer", "authorization": "Bearer"}
    if auth.get("ca_cert"):
        configuration.ssl_ca_cert = auth["ca_cert"]
    if auth.get("client_cert"):
        configuration.cert_file = auth["client_cert"]
    if auth.get("client_key"):
        configuration.key_file = auth["client_key"]
    if auth.get("validate_certs") is not None:
        configuration.verify_ssl = bool(auth["validate_certs"])
    return configuration


def _in_cluster(configuration: "k8s_client.Configuration") -> bool:
    """Fall back to the pod's service account, as kubernetes.core does."""
    try:
        k8s_config.load_incluster_config(client_configuration=configuration)
    except k8s_config.ConfigException:
        return False
    return True


class KubeClient:
    """Requests to one API server; writes honour check mode."""

    def __init__(self, auth: Mapping[str, Any], check_mode: bool = False) -> None:
        if not HAS_KUBERNETES:
            raise KubeError("the Python library kubernetes is required on the controller; install it with "
                            "'pip install kubernetes' (the collection's requirements.txt pins a range)")
        self.configuration = _load_configuration(auth)
        self.check_mode = check_mode
        self.timeout = float(auth.get("request_timeout") or 30.0)
        retries = auth.get("request_retries")
        self.retries = 4 if retries is None else int(retries)
        if self.retries < 0:
            raise KubeError("request_retries: %d is below 0; give the number of times a failed request is tried again (0: never)" % self.retries)
        self.sleep = time.sleep
        self._pool = k8s_rest.RESTClientObject(self.configuration).pool_manager
        self._groups: Optional[List[str]] = None
        self.calls = 0

    def _headers(self, content_type: Optional[str]) -> Dict[str, str]:
        headers = {"Accept": "application/json", "User-Agent": "flatnet.kube"}
        if content_type:
            headers["Content-Type"] = content_type
        for setting in self.configuration.auth_settings().values():
            if setting.get("in") == "header" and setting.get("value"):
                headers[setting["key"]] = setting["value"]
        return headers

    def request(self, method: str, path: str, body: Any = None, query: Optional[Mapping[str, str]] = None,
                content_type: Optional[str] = None, repeatable: Optional[bool] = None) -> Dict[str, Any]:
        """Send one request; return the decoded JSON body or raise KubeError.

        A request the server could not serve is tried again, at most ``retries`` times, when ``repeatable`` (a read
        by default) or when it was refused with 429 (the server did not act on it).
        """
        url = self.configuration.host.rstrip("/") + path
        if query:
            url += "?" + urlencode(sorted(query.items()))
        payload = None if body is None else json.dumps(body).encode("utf-8")
        if payload is not None and content_type is None:
            content_type = "application/json"
        repeatable = method in ("GET", "HEAD") if repeatable is None else repeatable
        self.calls += 1
        TOTALS["requests"] += 1
        attempt = 0
        while True:
            attempt += 1
            TOTALS["attempts"] += 1
            wait: Optional[float] = None
            try:
                response = self._pool.request(method, url, body=payload, headers=self._headers(content_type), timeout=self.timeout, retries=False)
            except Exception as error:  # pylint: disable=broad-except
                failure = KubeError("cannot reach the Kubernetes API at %s (%s %s): %s" % (self.configuration.host, method, path, _transport(error)))
            else:
                if response.status < 400:
                    return _decoded(method, path, response.status, response.data)
                failure = self._error(method, path, response.status, response.data)
                if response.status not in RETRY_STATUSES:
                    raise failure
                wait = _retry_after(getattr(response, "headers", None))
            # A 429 was refused before the server acted on it: even a create may go again.
            if not (repeatable or failure.status == 429) or attempt > self.retries:
                if attempt > 1:
                    raise KubeError("%s; gave up after %d attempts (request_retries %d)" % (failure, attempt, self.retries),
                                    status=failure.status, reason=failure.reason)
                raise failure
            delay = wait if wait is not None else random.uniform(0, min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)))
            TOTALS["waited_seconds"] += delay
            self.sleep(delay)

    @staticmethod
    def _error(method: str, path: str, status: int, data: bytes) -> KubeError:
        text = _status_text(status, data)
        if status == 401:
            hint = ("the credentials were refused; check flatnet_cluster.api (kubeconfig, context or api_key) "
                    "or the K8S_AUTH_* variables")
        elif status == 403:
            hint = "the account lacks permission; grant it (RBAC) for this resource"
        else:
            hint = "the request was %s %s" % (method, path)
        return KubeError("Kubernetes API answered %s (%s)" % (text, hint), status=status, reason=_reason(data))

    def get(self, path: str) -> Optional[Dict[str, Any]]:
        """The object at path, or None when it does not exist."""
        try:
            return self.request("GET", path)
        except KubeError as error:
            if error.status == 404:
                return None
            raise

    def list(self, path: str, label_selector: Optional[str] = None) -> List[Dict[str, Any]]:
        """The items at a collection path; an unserved kind (404) is an empty list."""
        query = {"labelSelector": label_selector} if label_selector else None
        try:
            return self.request("GET", path, query=query).get("items") or []
        except KubeError as error:
            if error.status == 404:
                return []
            raise

    def write(self, method: str, path: str, body: Any = None, content_type: Optional[str] = None) -> Dict[str, Any]:
        """POST, PUT, PATCH or DELETE; a server-side dry run in check mode; unknown fields refused (Strict).

        A write that carries a resourceVersion (or a DELETE with preconditions) is safe to repeat: the server refuses
        it with 409 once the object has moved on. Any other write is repeated only after a 429.
        """
        query = {"dryRun": "All"} if self.check_mode else {}
        if method in ("POST", "PUT", "PATCH"):
            query["fieldValidation"] = "Strict"
        return self.request(method, path, body=body, query=query or None, content_type=content_type, repeatable=_carries_version(body))

    def delete(self, path: str, current: Optional[Mapping[str, Any]] = None) -> bool:
        """DELETE the object at ``path``; with ``current`` (the object as read), only while it is still that object
        (preconditions on uid and resourceVersion: a 409 when someone changed it since). False when it was gone."""
        metadata = (current or {}).get("metadata") or {}
        preconditions = {key: metadata[field] for key, field in (("uid", "uid"), ("resourceVersion", "resourceVersion")) if metadata.get(field)}
        body = {"kind": "DeleteOptions", "apiVersion": "v1", "preconditions": preconditions} if preconditions else None
        try:
            self.write("DELETE", path, body)
        except KubeError as error:
            if error.status == 404:
                return False
            raise
        return True

    def api_groups(self) -> List[str]:
        """The group/versions the server serves (one call, cached)."""
        if self._groups is None:
            data = self.request("GET", "/apis")
            self._groups = [version["groupVersion"] for group in data.get("groups") or [] for version in group.get("versions") or []]
        return self._groups

    def calico_group(self, wanted: str = "auto") -> str:
        """The Calico API group/version to use: projectcalico.org/v3 where served, else the CRDs."""
        served = self.api_groups()
        if wanted != "auto":
            if wanted not in served:
                raise KubeError("api_group %s is not served by this cluster (it serves %s); use api_group: auto"
                                % (wanted, ", ".join(group for group in served if "projectcalico" in group) or "no Calico group"))
            return wanted
        for group in CALICO_GROUPS:
            if group in served:
                return group
        raise KubeError("the cluster serves no Calico API (neither projectcalico.org/v3 nor crd.projectcalico.org/v1); "
                        "install Calico first, or check that flatnet_cluster.api points at the right cluster")


def _carries_version(body: Any) -> bool:
    if not isinstance(body, Mapping):
        return False
    if body.get("kind") == "DeleteOptions":
        return bool((body.get("preconditions") or {}).get("resourceVersion"))
    return bool((body.get("metadata") or {}).get("resourceVersion"))


def _retry_after(headers: Any) -> Optional[float]:
    """Retry-After in seconds (a number or an HTTP date), at most RETRY_AFTER_CAP; None when absent or unreadable."""
    value = headers.get("Retry-After") if headers is not None else None
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(str(value))
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - time.time()
    return max(0.0, min(RETRY_AFTER_CAP, seconds))


def _transport(error: Exception) -> str:
    """A connection-level failure in words: a time-out, a reply cut short, or the error itself."""
    text = str(error)
    if "IncompleteRead" in text or "Connection broken" in text:
        return "the reply was cut short (%s)" % text[:200]
    if "timed out" in text.lower() or "timeout" in type(error).__name__.lower():
        return "no reply within request_timeout (%s)" % text[:200]
    return text[:300]


def _decoded(method: str, path: str, status: int, data: bytes) -> Dict[str, Any]:
    """A successful reply's JSON object; a clear error for a body that is not one (a proxy's page, a cut reply)."""
    if not data:
        return {}
    try:
        decoded = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise KubeError("the Kubernetes API answered %s %s with %d and %d bytes that are not JSON (%r...): a proxy or load balancer "
                        "in front of the API may have answered, or the reply was cut short; check flatnet_cluster.api's host"
                        % (method, path, status, len(data), data[:80].decode("utf-8", "replace")), status=status) from None
    if not isinstance(decoded, dict):
        raise KubeError("the Kubernetes API answered %s %s with %d and JSON that is not an object (%s)"
                        % (method, path, status, type(decoded).__name__), status=status)
    return decoded


def collection_path(group_version: str, plural: str, namespace: Optional[str] = None) -> str:
    """The URL path of a collection, e.g. /apis/crd.projectcalico.org/v1/ippools."""
    base = "/api/v1" if group_version == "v1" else "/apis/" + group_version
    if namespace:
        base += "/namespaces/" + quote(namespace, safe="")
    return base + "/" + plural


def object_path(group_version: str, plural: str, name: str, namespace: Optional[str] = None) -> str:
    """The URL path of one object."""
    return collection_path(group_version, plural, namespace) + "/" + quote(name, safe="")


def strip_server_fields(obj: Optional[Mapping[str, Any]], keep: Sequence[str] = ("spec",)) -> Optional[Dict[str, Any]]:
    """The parts of an object a user manages, for diffs: no resourceVersion, uid or managedFields."""
    if obj is None:
        return None
    metadata = obj.get("metadata") or {}
    result: Dict[str, Any] = {"metadata": {"name": metadata.get("name")}}
    if metadata.get("namespace"):
        result["metadata"]["namespace"] = metadata["namespace"]
    for key in ("labels", "annotations"):
        if metadata.get(key):
            result["metadata"][key] = dict(metadata[key])
    for key in keep:
        if key in obj:
            result[key] = obj[key]
    return result
