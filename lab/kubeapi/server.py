# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""HTTPS on 127.0.0.1, bearer-token authentication, routing, discovery and the test hooks.

Test hooks (bearer-protected, not part of any Kubernetes API):

``POST /_emulator/inject-conflict`` ``{"path": "<object URL path>", "times": N}``
    The next N PUT or PATCH requests to that path first see another writer:
    the object gets a new resourceVersion and the annotation
    ``lab.flatnet.kube/concurrent-writes``, so a request carrying the old
    resourceVersion meets a real 409 Conflict.
``POST /_emulator/inject-fault``
    ``{"path": "<URL path prefix>", "fault": F, "times": N, "methods": [...], "retry_after": S, "seconds": S}``
    The next N requests whose path starts with the prefix (and whose method is
    one of ``methods``, all when absent) are not served: F is ``429`` (with
    ``Retry-After: retry_after``, 1 by default), ``500``, ``503``, ``stall``
    (no answer for ``seconds``, at most 60, then the connection closes) or
    ``drop`` (the connection closes at once). None of them reaches the store.
    A new fault for a path replaces the path's earlier one; ``times`` 0 clears it.
``GET /_emulator/requests`` / ``DELETE /_emulator/requests``
    The log of API requests (method, path, query, status) since it was last cleared.

Not served: server-side apply (415), protobuf, the ``/status`` and other
subresources, deletecollection (405) and OpenAPI v2 (404).
"""

from __future__ import annotations

import base64
import hmac
import json
import os
import secrets
import socket
import ssl
import sys
import threading
import time
import traceback
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator, Optional, Union
from urllib.parse import parse_qs, urlsplit

import yaml

from . import errors, openapi, rbac, seed as seeds, tls
from .files import write_atomically
from .resources import DEFINITION, Catalog, Resource
from .rest import Api, Request, decode_json, now_rfc3339
from .store import Store

CONTEXT = "flatnet-lab"
PUBLIC_PATHS = ("/healthz", "/livez", "/readyz", "/version")
ADMIN_PREFIX = "/_emulator/"
TOKEN_FILE = "token"
# The identities besides the admin, each with a token and a kubeconfig of its own: the user flatnet runs as (bound to
# the least-privilege ClusterRole the project ships, once the lab applies it) and calico-node's ServiceAccount.
IDENTITIES = {"flatnet": rbac.user("flatnet"), "calico-node": rbac.service_account("kube-system", "calico-node")}
TOKENS_FILE = "tokens.json"
ADMIN = rbac.user("flatnet-lab-admin", rbac.MASTERS)


@dataclass
class Reply:
    """One HTTP answer."""

    code: int
    body: Union[dict, str, None]
    warnings: list = field(default_factory=list)
    logged: bool = True
    stream: Optional[Iterator] = None
    headers: dict = field(default_factory=dict)
    # A fault: close the connection without an answer, after this many seconds.
    drop_after: Optional[float] = None

    def payload(self) -> tuple:
        """(bytes, content type)."""
        if isinstance(self.body, str):
            return self.body.encode(), "text/plain; charset=utf-8"
        return json.dumps(self.body, separators=(",", ":")).encode() + b"\n", "application/json"


@dataclass
class Route:
    """Where a resource path leads."""

    res: Resource
    namespace: Optional[str]
    name: Optional[str]


def _media_ranges(accept: str) -> list:
    ranges = []
    for item in accept.split(","):
        parts = [part.strip() for part in item.split(";")]
        if parts[0]:
            ranges.append((parts[0].lower(), {key.strip(): value.strip() for key, _eq, value in (p.partition("=") for p in parts[1:])}))
    return ranges or [("application/json", {})]


def negotiate(accept: str, tabular: bool) -> str:
    """``json`` or ``table`` for an Accept header (406 when neither is acceptable)."""
    for media, params in _media_ranges(accept):
        if media not in ("application/json", "application/*", "*/*"):
            continue
        wanted = params.get("as")
        if not wanted:
            return "json"
        if wanted == "Table" and tabular and params.get("g") == "meta.k8s.io" and params.get("v") in ("v1", "v1beta1"):
            return "table"
    raise errors.not_acceptable("only the following media types are accepted: application/json")


class Emulator:  # pylint: disable=too-many-instance-attributes
    """The emulated API server. ``Emulator(dir, seed=...).start()`` serves it on a background thread."""

    # pylint: disable-next=too-many-arguments,too-many-positional-arguments
    def __init__(self, state_dir: str, seed: Union[None, str, dict] = None, calico_v3: bool = False, token: Optional[str] = None,
                 port: int = 0, kubeconfig: Optional[str] = None, reseed: bool = False) -> None:
        self.state_dir = os.path.abspath(state_dir)
        self.seed = seed
        self.calico_v3 = calico_v3
        self.reseed = reseed
        self.port = port
        self.kubeconfig_path = kubeconfig or os.path.join(self.state_dir, "kubeconfig")
        self.catalog = Catalog(calico_v3)
        self.store = Store(self.state_dir)
        self.api = Api(self.store, self.catalog)
        self.token = token or ""
        self.tokens: dict = {}
        self._given_token = token
        self._credentials: Optional[tls.Credentials] = None
        self._server: Optional[ThreadingHTTPServer] = None
        self._thread: Optional[threading.Thread] = None
        self._log: list = []
        self._log_lock = threading.Lock()
        self._conflicts: dict = {}
        self._faults: list = []

    # -- lifecycle --------------------------------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The server URL."""
        return "https://127.0.0.1:%d" % self.port

    @property
    def ca_path(self) -> str:
        """The CA certificate clients trust."""
        if self._credentials is None:
            raise RuntimeError("the emulator has not been started")
        return self._credentials.ca_cert

    def prepare(self) -> None:
        """State directory, credentials, token and objects (the seed goes in only when there is no state yet)."""
        os.makedirs(self.state_dir, mode=0o700, exist_ok=True)
        self._credentials = tls.ensure(self.state_dir)
        self.token = self._given_token or self._stored_token()
        self.tokens = self._stored_tokens()
        if self.store.exists():
            self.store.load()
            if not self.reseed:
                return
            self.store.clear()
        self._apply_seed()

    def _stored_token(self) -> str:
        path = os.path.join(self.state_dir, TOKEN_FILE)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                return handle.read().strip()
        value = secrets.token_urlsafe(32)
        _write_private(path, value + "\n")
        return value

    def _stored_tokens(self) -> dict:
        """A token per identity of IDENTITIES, kept in the state directory."""
        path = os.path.join(self.state_dir, TOKENS_FILE)
        if os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                tokens = json.load(handle)
            if sorted(tokens) == sorted(IDENTITIES):
                return tokens
        tokens = {name: secrets.token_urlsafe(32) for name in IDENTITIES}
        _write_private(path, json.dumps(tokens, indent=1) + "\n")
        return tokens

    def kubeconfig_for(self, identity: str) -> str:
        """The kubeconfig of one identity of IDENTITIES (written beside the admin's)."""
        base, ext = os.path.splitext(self.kubeconfig_path)
        return "%s-%s%s" % (base, identity, ext)

    def _apply_seed(self) -> None:
        built = seeds.build(seeds.load(self.seed)) if self.seed is not None else seeds.minimal()
        for key, value in built.settings.items():
            self.store.set_setting(key, value)
        self.store.set_setting("crdCreationTimestamp", now_rfc3339())
        self.store.set_setting("crdResourceVersion", self.store.revision + 1)
        with self.store.deferred():
            for group, plural, obj in built.objects:
                res = self.catalog.by_storage((group, plural))
                namespace = obj["metadata"].get("namespace") if res.namespaced else None
                self.api.create_object(Request("POST", res, namespace=namespace), obj)

    def start(self) -> "Emulator":
        """Listen on 127.0.0.1, write the kubeconfig and serve on a background thread."""
        self.prepare()
        credentials = self._credentials
        if credentials is None:
            raise RuntimeError("no serving certificate")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(credentials.server_cert, credentials.server_key)
        self._server = _Server(("127.0.0.1", self.port), self, context)
        self.port = self._server.server_address[1]
        self.write_kubeconfig()
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="kubeapi-%d" % self.port, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving (ending open watches) and close the socket."""
        self.api.stopping.set()
        with self.store.changed:
            self.store.changed.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self) -> "Emulator":
        return self.start() if self._server is None else self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def write_kubeconfig(self) -> None:
        """A kubeconfig for this server (the CA, the admin's bearer token, context flatnet-lab), and one per identity of
        IDENTITIES beside it (kubeconfig_for)."""
        if self._credentials is None:
            raise RuntimeError("the emulator has not been started")
        directory = os.path.dirname(os.path.abspath(self.kubeconfig_path))
        os.makedirs(directory, exist_ok=True)
        ca = base64.b64encode(self._credentials.ca_pem()).decode()
        for path, token in [(self.kubeconfig_path, self.token)] + [(self.kubeconfig_for(name), token) for name, token in sorted(self.tokens.items())]:
            config = {
                "apiVersion": "v1", "kind": "Config", "preferences": {},
                "clusters": [{"name": CONTEXT, "cluster": {"server": self.url, "certificate-authority-data": ca}}],
                "users": [{"name": CONTEXT, "user": {"token": token}}],
                "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": CONTEXT}}],
                "current-context": CONTEXT,
            }
            _write_private(path, yaml.safe_dump(config, sort_keys=False))

    # -- request log ------------------------------------------------------------------------------------------------

    def record(self, method: str, path: str, query: str, status: int) -> None:
        """Add one API request to the log."""
        with self._log_lock:
            self._log.append({"method": method, "path": path, "query": query, "status": status})

    def requests(self) -> list:
        """A copy of the request log."""
        with self._log_lock:
            return list(self._log)

    # -- answering --------------------------------------------------------------------------------------------------

    def respond(self, method: str, target: str, headers: Any, body: bytes) -> Reply:
        """Answer one HTTP request."""
        url = urlsplit(target)
        path = url.path.rstrip("/") or "/"
        query = parse_qs(url.query, keep_blank_values=True)
        try:
            authorization = headers.get("Authorization")
            who = None
            if not (path in PUBLIC_PATHS or path.startswith("/healthz/") or path.startswith("/livez/") or path.startswith("/readyz/")) \
                    or authorization is not None:
                who = self._authenticate(authorization)
            if path.startswith(ADMIN_PREFIX):
                if who is None or rbac.MASTERS not in who.groups:
                    raise errors.forbidden("", "", "", "the test hooks are the lab admin's")
                reply = self._admin(method, path, body)
                reply.logged = False
                return reply
            fault = self._fault(method, path)
            if fault is not None:
                return fault
            return self._serve(method, path, query, headers, body, who)
        except errors.ApiError as err:
            return Reply(err.code, err.status())
        except Exception as exc:  # pylint: disable=broad-except
            traceback.print_exc(file=sys.stderr)
            return Reply(500, errors.internal(str(exc)).status())

    def _authenticate(self, authorization: Optional[str]) -> rbac.Identity:
        scheme, _sep, presented = (authorization or "").partition(" ")
        if scheme.lower() == "bearer":
            offered = presented.strip().encode()
            if hmac.compare_digest(offered, self.token.encode()):
                return ADMIN
            for name, token in self.tokens.items():
                if hmac.compare_digest(offered, token.encode()):
                    return IDENTITIES[name]
        raise errors.unauthorized()

    # pylint: disable-next=too-many-arguments,too-many-positional-arguments
    def _serve(self, method: str, path: str, query: dict, headers: Any, body: bytes, who: Optional[rbac.Identity] = None) -> Reply:
        if path in ("/healthz", "/livez", "/readyz") or path.split("/")[1] in ("healthz", "livez", "readyz"):
            return Reply(200, "ok")
        if path == "/version":
            return Reply(200, self._version())
        if path == "/openapi/v3" or path.startswith("/openapi/v3/"):
            return Reply(200, self._openapi(path))
        if path.startswith("/openapi/"):
            raise errors.path_not_found()
        parts = path.strip("/").split("/")
        if parts[0] not in ("api", "apis"):
            raise errors.path_not_found()
        discovery = self._discovery(parts)
        if discovery is not None:
            if method != "GET":
                raise errors.method_not_allowed()
            return Reply(200, discovery)
        watch = query.get("watch", [""])[0] in ("true", "1")
        legacy = 2 if parts[0] == "api" else 3
        if len(parts) > legacy and parts[legacy] == "watch":
            parts = parts[:legacy] + parts[legacy + 1:]
            watch = True
        route = self.route(parts)
        self._authorize(who, method, route, query, watch)
        tabular = negotiate(headers.get("Accept", ""), method == "GET") == "table"
        request = Request(method, route.res, route.namespace, route.name, query, body, headers.get("Content-Type", ""),
                          query.get("includeObject", ["Metadata"])[0] if tabular else None, watch, who)
        with self.store.lock:
            if method in ("PUT", "PATCH") and self._conflicts.get(path, 0) > 0:
                self._conflicts[path] -= 1
                self.api.concurrent_write(route.res, route.namespace, route.name or "")
            response = self.api.handle(request)
        return Reply(response.code, response.body, response.warnings, stream=response.stream)

    def _authorize(self, who: Optional[rbac.Identity], method: str, route: "Route", query: dict, watch: bool) -> None:
        """RBAC for a resource request (403 with the real Status body when the bindings do not allow it)."""
        if who is None:
            raise errors.unauthorized()
        name = route.name
        if name is None and method == "GET":
            name = rbac.selected_name(query.get("fieldSelector", [""])[0])
        attrs = rbac.Attributes(rbac.verb_of(method, route.name is not None, watch), route.res.group, route.res.plural, route.namespace, name)
        if not rbac.allowed(self.store, who, attrs):
            raise rbac.forbidden(who, attrs)

    def _version(self) -> dict:
        version = self.store.settings.get("kubernetesVersion", seeds.DEFAULT_VERSION)
        major, minor = version.lstrip("v").split(".")[:2]
        return {"major": major, "minor": minor, "gitVersion": version, "gitCommit": "0000000000000000000000000000000000000000",
                "gitTreeState": "clean", "buildDate": "2024-08-14T19:29:29Z", "goVersion": "go1.22.5", "compiler": "gc",
                "platform": "linux/amd64"}

    def _openapi(self, path: str) -> dict:
        version = self.store.settings.get("kubernetesVersion", seeds.DEFAULT_VERSION)
        if path == "/openapi/v3":
            return openapi.root(self.catalog, version)
        doc = openapi.document(self.catalog, path[len("/openapi/v3/"):], version)
        if doc is None:
            raise errors.path_not_found()
        return doc

    # -- discovery --------------------------------------------------------------------------------------------------

    def _discovery(self, parts: list) -> Optional[dict]:
        groups = dict(self.catalog.groups())
        if parts == ["api"]:
            return {"kind": "APIVersions", "versions": ["v1"],
                    "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:%d" % self.port}]}
        if parts == ["api", "v1"]:
            return {"kind": "APIResourceList", "groupVersion": "v1", "resources": [r.discovery() for r in self.catalog.in_version("", "v1")]}
        if parts == ["apis"]:
            return {"kind": "APIGroupList", "apiVersion": "v1", "groups": [_group_doc(name, version) for name, version in groups.items()]}
        if len(parts) == 2 and parts[0] == "apis":
            if parts[1] not in groups:
                raise errors.path_not_found()
            return dict(_group_doc(parts[1], groups[parts[1]]), kind="APIGroup", apiVersion="v1")
        if len(parts) == 3 and parts[0] == "apis":
            if groups.get(parts[1]) != parts[2]:
                raise errors.path_not_found()
            return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "%s/%s" % (parts[1], parts[2]),
                    "resources": [r.discovery() for r in self.catalog.in_version(parts[1], parts[2])]}
        return None

    def route(self, parts: list) -> Route:
        """The resource, namespace and name of a resource path (404 if it is not one)."""
        if parts[0] == "api":
            group, version, rest = "", parts[1], parts[2:]
        else:
            group, version, rest = parts[1], parts[2], parts[3:]
        namespace = None
        if rest[0] == "namespaces" and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
        res = self.catalog.find(group, version, rest[0])
        if res is None or len(rest) > 2 or (namespace is not None and not res.namespaced):
            raise errors.path_not_found()
        name = rest[1] if len(rest) == 2 else None
        if name is not None and res.namespaced and namespace is None:
            raise errors.path_not_found()
        return Route(res, namespace, name)

    # -- test hooks -------------------------------------------------------------------------------------------------

    def _admin(self, method: str, path: str, body: bytes) -> Reply:
        if path == ADMIN_PREFIX + "inject-conflict" and method == "POST":
            return self._inject(body)
        if path == ADMIN_PREFIX + "inject-fault" and method == "POST":
            return self._inject_fault(body)
        if path == ADMIN_PREFIX + "requests" and method == "GET":
            return Reply(200, {"requests": self.requests()})
        if path == ADMIN_PREFIX + "requests" and method == "DELETE":
            with self._log_lock:
                count = len(self._log)
                self._log = []
            return Reply(200, {"cleared": count})
        raise errors.path_not_found()

    def _inject_fault(self, body: bytes) -> Reply:
        spec = _fault_spec(body)
        with self._log_lock:
            # A new fault for a path replaces the one it had (times 0 clears it).
            self._faults = [fault for fault in self._faults if fault["left"] > 0 and fault["path"] != spec["path"]] + [spec]
        return Reply(200, {key: spec[key] for key in ("path", "fault", "left", "methods")})

    def _fault(self, method: str, path: str) -> Optional[Reply]:
        """The injected fault this request meets, if any (each counts down once per request it answers)."""
        with self._log_lock:
            fault = next((fault for fault in self._faults if fault["left"] > 0 and (path == fault["path"] or path.startswith(fault["path"] + "/"))
                          and (fault["methods"] is None or method in fault["methods"])), None)
            if fault is None:
                return None
            fault["left"] -= 1
        kind = fault["fault"]
        if kind == "429":
            return Reply(429, _status(429, "TooManyRequests", "Too many requests, please try again later."),
                         headers={"Retry-After": "%g" % fault["retry_after"]})
        if kind == "500":
            return Reply(500, errors.internal("injected fault").status())
        if kind == "503":
            return Reply(503, _status(503, "ServiceUnavailable", "the server is currently unable to handle the request"))
        return Reply(0, None, drop_after=float(fault["seconds"]) if kind == "stall" else 0.0)

    def _inject(self, body: bytes) -> Reply:
        spec = decode_json(body, "inject-conflict body")
        if not isinstance(spec, dict) or not isinstance(spec.get("path"), str):
            raise errors.bad_request('inject-conflict needs {"path": "<object URL path>", "times": N}')
        times = spec.get("times", 1)
        if not isinstance(times, int) or isinstance(times, bool) or times < 0:
            raise errors.bad_request("times must be a non-negative integer")
        path = urlsplit(spec["path"]).path.rstrip("/")
        parts = path.strip("/").split("/")
        if len(parts) < 3 or parts[0] not in ("api", "apis"):
            raise errors.bad_request("%s is not an object path" % path)
        route = self.route(parts)
        if route.name is None or route.res.flavor == DEFINITION:
            raise errors.bad_request("%s is not an object path" % path)
        with self.store.lock:
            self._conflicts[path] = times
        return Reply(200, {"path": path, "times": times})


_FAULTS = ("429", "500", "503", "stall", "drop")


def _status(code: int, reason: str, message: str) -> dict:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message, "reason": reason,
            "details": {}, "code": code}


def _fault_spec(body: bytes) -> dict:
    spec = decode_json(body, "inject-fault body")
    usage = 'inject-fault needs {"path": "<URL path prefix>", "fault": one of %s, "times": N}' % ", ".join(_FAULTS)
    if not isinstance(spec, dict) or not isinstance(spec.get("path"), str) or not spec["path"].startswith("/") or spec.get("fault") not in _FAULTS:
        raise errors.bad_request(usage)
    times, methods = spec.get("times", 1), spec.get("methods")
    if not isinstance(times, int) or isinstance(times, bool) or not 0 <= times <= 10000:
        raise errors.bad_request("times must be an integer from 0 to 10000")
    if methods is not None and (not isinstance(methods, list) or not all(isinstance(m, str) and m.isupper() for m in methods)):
        raise errors.bad_request("methods must be a list of HTTP methods such as [\"PUT\", \"POST\"]")
    numbers = {}
    for key, default in (("retry_after", 1), ("seconds", 5)):
        value = spec.get(key, default)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value <= 60:
            raise errors.bad_request("%s must be a number of seconds from 0 to 60" % key)
        numbers[key] = value
    return {"path": spec["path"].rstrip("/") or "/", "fault": spec["fault"], "left": times, "methods": methods, **numbers}


def _group_doc(name: str, version: str) -> dict:
    gv = {"groupVersion": "%s/%s" % (name, version), "version": version}
    return {"name": name, "versions": [gv], "preferredVersion": gv}


def _write_private(path: str, text: str) -> None:
    write_atomically(path, text, 0o600)


class _Server(ThreadingHTTPServer):
    """A threading HTTP server whose connections are TLS (the handshake runs in the connection's thread)."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple, emulator: Emulator, context: ssl.SSLContext) -> None:
        self.emulator = emulator
        self.context = context
        super().__init__(address, _Handler)

    def get_request(self) -> tuple:
        sock, address = self.socket.accept()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, (ssl.SSLError, ConnectionError, socket.timeout, OSError)):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive; every answer has a Content-Length."""

    protocol_version = "HTTP/1.1"
    timeout = 120
    server: _Server

    def setup(self) -> None:
        self.request.settimeout(self.timeout)
        self.request.do_handshake()
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:  # pylint: disable=redefined-builtin
        if os.environ.get("KUBEAPI_ACCESS_LOG"):
            sys.stderr.write("%s - %s\n" % (self.address_string(), format % args))

    def version_string(self) -> str:
        return ""

    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _dispatch(self) -> None:
        body = self._body()
        emulator = self.server.emulator
        reply = emulator.respond(self.command, self.path, self.headers, body)
        if reply.drop_after is not None:
            # An injected stall or drop: no answer at all, the connection just ends.
            if reply.drop_after:
                time.sleep(reply.drop_after)
            emulator.record(self.command, urlsplit(self.path).path, urlsplit(self.path).query, 0)
            self.close_connection = True
            return
        if reply.logged:
            url = urlsplit(self.path)
            emulator.record(self.command, url.path, url.query, reply.code)
        if reply.stream is not None:
            self._stream(reply.stream)
            return
        payload, content_type = reply.payload()
        self.send_response(reply.code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Audit-Id", str(uuid.uuid4()))
        for name, value in reply.headers.items():
            self.send_header(name, value)
        for warning in reply.warnings:
            self.send_header("Warning", '299 - %s' % json.dumps(warning))
        if self.command != "HEAD":
            self._headers_buffer.append(b"\r\n" + payload)
            self.flush_headers()
        else:
            self.end_headers()

    def _stream(self, events: Iterator) -> None:
        """A watch: one JSON event per chunk, until the stream ends or the client goes."""
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.send_header("Audit-Id", str(uuid.uuid4()))
        self.end_headers()
        try:
            for event in events:
                data = json.dumps(event, separators=(",", ":")).encode() + b"\n"
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError, socket.timeout):
            self.close_connection = True

    def send_response(self, code: int, message: Optional[str] = None) -> None:
        self.log_request(code)
        self.send_response_only(code, message)
        self.send_header("Date", self.date_time_string())

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch
