# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The verbs: get, list, create, update (PUT), patch and delete, with kube-apiserver's semantics.

resourceVersion is a global counter bumped on every write; an update whose
result equals the stored object writes nothing (as etcd's guaranteed update
does). ``generation`` is kept for custom resources only (it starts at 1 and
moves when anything outside metadata changes), as kube-apiserver does for the
kinds served here. ``?dryRun=All`` runs every check and returns the result
without storing it. Watches stream ADDED/MODIFIED/DELETED events (selector
transitions included) from a resourceVersion, or from the current state; no
periodic bookmarks, only the initial-events-end one of ``sendInitialEvents``.
"""

from __future__ import annotations

import copy
import datetime
import json
import random
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Iterator, Optional

from . import calico, errors, patch, rbac, schema, selectors, tables
from .resources import BUILTIN, CALICO_V3, CRD, CRD_GROUP, DEFINITION, Catalog, Resource
from .store import Store

MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
APPLY = "application/apply-patch+yaml"
CR_PATCH_TYPES = ("the body of the request was in an unknown format - accepted media types include: "
                  "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")
IMMORTAL_NAMESPACES = ("default", "kube-system", "kube-public")
SERVER_META = ("uid", "creationTimestamp", "resourceVersion", "generation", "selfLink", "managedFields",
               "deletionTimestamp", "deletionGracePeriodSeconds")
_NAME_CHARS = "bcdfghjklmnpqrstvwxz2456789"
WATCH_TIMEOUT = 1800


def now_rfc3339() -> str:
    """The current time as Kubernetes writes timestamps."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Request:  # pylint: disable=too-many-instance-attributes
    """One resource request, already routed."""

    method: str
    res: Resource
    namespace: Optional[str] = None
    name: Optional[str] = None
    query: dict = field(default_factory=dict)
    body: bytes = b""
    content_type: str = ""
    table: Optional[str] = None
    watch: bool = False
    # Who asks (an rbac.Identity), for the checks that depend on it: a role or binding may not grant more than it holds.
    who: Any = None

    def param(self, key: str, default: str = "") -> str:
        """The first value of a query parameter."""
        values = self.query.get(key)
        return values[0] if values else default


@dataclass
class Response:
    """What to answer: a status code, a JSON body and warnings."""

    code: int
    body: Any
    warnings: list = field(default_factory=list)
    stream: Optional[Iterator] = None


def decode_json(data: bytes, what: str) -> Any:
    """A JSON body, or 400."""
    try:
        return json.loads(data.decode("utf-8") or "null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise errors.bad_request("%s: %s" % (what, exc)) from exc


class Api:
    """The resource verbs over one store."""

    def __init__(self, store: Store, catalog: Catalog) -> None:
        self.store = store
        self.catalog = catalog
        self.stopping = threading.Event()

    # -- views ------------------------------------------------------------------------------------------------------

    def view(self, res: Resource, stored: dict) -> dict:
        """A stored object as ``res`` serves it."""
        obj = copy.deepcopy(stored)
        if res.flavor == CALICO_V3:
            obj = calico.to_view(res, obj)
        obj["apiVersion"] = res.group_version
        obj["kind"] = res.kind
        return {"apiVersion": obj.pop("apiVersion"), "kind": obj.pop("kind"), **obj}

    def storage_form(self, res: Resource, obj: dict) -> dict:
        """An admitted object as it is stored."""
        stored = calico.to_storage(res, obj) if res.flavor == CALICO_V3 else dict(obj)
        stored["apiVersion"] = res.storage_version
        return stored

    # -- dispatch ---------------------------------------------------------------------------------------------------

    def handle(self, req: Request) -> Response:
        """Run one request; raises ApiError."""
        verb = "watch" if req.watch and req.method == "GET" else self._verb(req)
        if not req.res.allows(verb):
            raise errors.method_not_allowed()
        if verb == "watch":
            return self._watch(req)
        if req.res.flavor == DEFINITION:
            return self._definitions(req)
        with self.store.lock:
            return getattr(self, "_" + verb)(req)

    @staticmethod
    def _verb(req: Request) -> str:
        named = req.name is not None
        verbs = {("GET", True): "get", ("GET", False): "list", ("POST", False): "create", ("PUT", True): "update",
                 ("PATCH", True): "patch", ("DELETE", True): "delete", ("DELETE", False): "deletecollection"}
        verb = verbs.get((req.method, named))
        if verb is None or (verb == "create" and req.res.namespaced and req.namespace is None):
            raise errors.method_not_allowed()
        return verb

    # -- reads ------------------------------------------------------------------------------------------------------

    def _stored(self, res: Resource, namespace: Optional[str], name: str) -> dict:
        stored = self.store.get(res.storage, namespace or "", name)
        if stored is None:
            raise errors.not_found(res.group, res.plural, name)
        return stored

    def _get(self, req: Request) -> Response:
        obj = self.view(req.res, self._stored(req.res, req.namespace, req.name))
        if req.table:
            return Response(200, tables.table(req.res.group, req.res.plural, [obj], str(self.store.revision), req.table))
        return Response(200, obj)

    def _list(self, req: Request) -> Response:
        res = req.res
        labels = selectors.parse_labels(req.param("labelSelector"))
        fields = selectors.parse_fields(req.param("fieldSelector"), res.field_labels, res.flavor != BUILTIN)
        items = [self.view(res, obj) for obj in self.store.list(res.storage, req.namespace)]
        items = [obj for obj in items if selectors.match_labels(labels, obj) and fields(obj)]
        revision = str(self.store.revision)
        if req.table:
            return Response(200, tables.table(res.group, res.plural, items, revision, req.table))
        if res.flavor == BUILTIN:
            for obj in items:
                obj.pop("apiVersion", None)
                obj.pop("kind", None)
        meta = {"resourceVersion": revision} if res.flavor == BUILTIN else {"continue": "", "resourceVersion": revision}
        return Response(200, {"kind": res.list_kind, "apiVersion": res.group_version, "metadata": meta, "items": items})

    # -- helpers for writes -----------------------------------------------------------------------------------------

    @staticmethod
    def _dry_run(req: Request) -> bool:
        values = req.query.get("dryRun") or []
        for value in values:
            if value != "All":
                raise errors.bad_request('Invalid dryRun value: "%s": supported values: "All"' % value)
        return bool(values)

    @staticmethod
    def _field_validation(req: Request) -> str:
        value = req.param("fieldValidation", "Warn") or "Warn"
        if value not in ("Strict", "Warn", "Ignore"):
            raise errors.bad_request("fieldValidation parameter unsupported: %s" % value)
        return value

    def _context(self, req: Request, old_view: Optional[dict]) -> schema.Context:
        res = req.res
        return schema.Context(
            res=res, old=old_view,
            siblings=lambda: [self.view(res, obj) for obj in self.store.list(res.storage)],
            service_cidr=self.store.settings.get("serviceCIDR", "10.233.0.0/18"),
            cluster_ips=self._cluster_ips, field_validation=self._field_validation(req))

    def _cluster_ips(self) -> set:
        used = set()
        for svc in self.store.list(("", "services")):
            used.update((svc.get("spec") or {}).get("clusterIPs") or [])
            used.add((svc.get("spec") or {}).get("clusterIP"))
        return {ip for ip in used if ip and ip != "None"}

    @staticmethod
    def _namespace_of(req: Request, meta: dict) -> None:
        if not req.res.namespaced:
            meta.pop("namespace", None)
            return
        if meta.get("namespace") and meta["namespace"] != req.namespace:
            raise errors.bad_request("the namespace of the provided object does not match the namespace sent on the request")
        meta["namespace"] = req.namespace

    def _require_namespace(self, namespace: Optional[str]) -> None:
        if namespace is not None and self.store.get(("", "namespaces"), "", namespace) is None:
            raise errors.not_found("", "namespaces", namespace)

    @staticmethod
    def _generation(res: Resource, new: dict, old: Optional[dict]) -> None:
        meta = new["metadata"]
        if res.flavor == BUILTIN:
            meta.pop("generation", None)
            return
        if old is None:
            meta["generation"] = 1
            return
        before = {key: value for key, value in old.items() if key not in ("metadata", "apiVersion", "kind")}
        after = {key: value for key, value in new.items() if key not in ("metadata", "apiVersion", "kind")}
        previous = old["metadata"].get("generation", 1)
        meta["generation"] = previous + 1 if before != after else previous

    def _write(self, req: Request, admitted: schema.Admitted, old_stored: Optional[dict], dry_run: bool) -> tuple:
        """Store (or, in a dry run, only shape) an admitted object; returns (stored, changed)."""
        res = req.res
        stored = self.storage_form(res, admitted.obj)
        self._generation(res, stored, old_stored)
        if old_stored is not None:
            stored["metadata"]["resourceVersion"] = old_stored["metadata"]["resourceVersion"]
            if stored == old_stored:
                return old_stored, False
        if dry_run:
            if old_stored is None:
                stored["metadata"].pop("resourceVersion", None)
            return stored, True
        return self.store.put(res.storage, stored), True

    # -- create -----------------------------------------------------------------------------------------------------

    def _create(self, req: Request) -> Response:
        body = decode_json(req.body, "couldn't get version/kind; json parse error")
        obj = self.create_object(req, body)
        return Response(201, obj.body, obj.warnings)

    def create_object(self, req: Request, body: Any) -> Response:
        """Admit and store a new object (also used to load the seed)."""
        res = req.res
        schema.check_type_meta(res, body)
        meta = body.get("metadata")
        if meta is None:
            meta = body["metadata"] = {}
        if not isinstance(meta, dict):
            raise errors.bad_request("metadata must be an object")
        self._namespace_of(req, meta)
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = meta["generateName"] + "".join(random.choice(_NAME_CHARS) for _index in range(5))
        if meta.get("resourceVersion"):
            raise errors.internal("resourceVersion should not be set on objects to be created")
        self._require_namespace(meta.get("namespace") if res.namespaced else None)
        for key in SERVER_META:
            meta.pop(key, None)
        admitted = schema.admit(self._context(req, None), body)
        self._no_escalation(req, admitted.obj)
        name = admitted.obj["metadata"]["name"]
        if self.store.get(res.storage, admitted.obj["metadata"].get("namespace", ""), name) is not None:
            raise errors.already_exists(res.group, res.plural, name)
        admitted.obj["metadata"]["uid"] = str(uuid.uuid4())
        admitted.obj["metadata"]["creationTimestamp"] = now_rfc3339()
        stored, _changed = self._write(req, admitted, None, self._dry_run(req))
        return Response(201, self.view(res, stored), admitted.warnings)

    def _no_escalation(self, req: Request, obj: dict) -> None:
        if req.who is not None and req.res.group == rbac.RBAC_GROUP:
            refused = rbac.escalation(self.store, req.who, req.res.plural, req.namespace, obj)
            if refused is not None:
                raise refused

    # -- update and patch -------------------------------------------------------------------------------------------

    def _replace(self, req: Request, body: Any, old_stored: dict) -> Response:
        """The shared tail of PUT and PATCH: preconditions, admission, write."""
        res = req.res
        if not isinstance(body, dict):
            raise errors.bad_request("the object provided is unrecognized: expected an object")
        meta = body.get("metadata")
        if not isinstance(meta, dict):
            meta = body["metadata"] = {}
        if meta.get("name", "") != req.name:
            raise errors.bad_request("the name of the object (%s) does not match the name on the URL (%s)" % (meta.get("name", ""), req.name))
        self._namespace_of(req, meta)
        old_meta = old_stored["metadata"]
        wanted = meta.get("resourceVersion")
        if wanted and wanted != old_meta["resourceVersion"]:
            raise errors.conflict(res.group, res.plural, req.name, errors.MODIFIED)
        if meta.get("uid") and meta["uid"] != old_meta.get("uid"):
            raise errors.invalid(res.group, res.kind, req.name, [errors.FieldError("Invalid", "metadata.uid", meta["uid"], "field is immutable")])
        for key in SERVER_META:
            meta.pop(key, None)
        old_view = self.view(res, old_stored)
        if res.plural in ("rolebindings", "clusterrolebindings") and body.get("roleRef") != old_stored.get("roleRef"):
            ref = body.get("roleRef") if isinstance(body.get("roleRef"), dict) else {}
            literal = 'rbac.RoleRef{APIGroup:"%s", Kind:"%s", Name:"%s"}' % (ref.get("apiGroup", ""), ref.get("kind", ""), ref.get("name", ""))
            raise errors.invalid(res.group, res.kind, req.name, [errors.FieldError("Invalid", "roleRef", errors.GoLiteral(literal),
                                                                                   "cannot change roleRef")])
        admitted = schema.admit(self._context(req, old_view), body)
        self._no_escalation(req, admitted.obj)
        for key in ("uid", "creationTimestamp"):
            if key in old_meta:
                admitted.obj["metadata"][key] = old_meta[key]
        if res.flavor == BUILTIN and res.plural in schema.STATUS_SUBRESOURCE:
            admitted.obj.pop("status", None)
            if "status" in old_stored:
                admitted.obj["status"] = copy.deepcopy(old_stored["status"])
        stored, _changed = self._write(req, admitted, old_stored, self._dry_run(req))
        return Response(200, self.view(res, stored), admitted.warnings)

    def _update(self, req: Request) -> Response:
        body = decode_json(req.body, "couldn't get version/kind; json parse error")
        old_stored = self._stored(req.res, req.namespace, req.name)
        if isinstance(body, dict):
            schema.check_type_meta(req.res, body)
            # A custom resource allows no unconditional update (apiextensions' AllowUnconditionalUpdate is false):
            # a PUT must carry the resourceVersion it was read at. A patch takes the stored one.
            if req.res.flavor == CRD and not (body.get("metadata") or {}).get("resourceVersion"):
                raise errors.invalid(req.res.group, req.res.kind, req.name, [errors.FieldError(
                    "Invalid", "metadata.resourceVersion", errors.GoLiteral("0x0"), "must be specified for an update")])
        return self._replace(req, body, old_stored)

    def _patch(self, req: Request) -> Response:
        res = req.res
        media = req.content_type.split(";")[0].strip().lower()
        if media == STRATEGIC and res.flavor != BUILTIN:
            raise errors.unsupported_media_type(CR_PATCH_TYPES)
        if media == APPLY:
            raise errors.unsupported_media_type("server-side apply (application/apply-patch+yaml) is not served by the flatnet lab API emulator")
        if media not in (MERGE, JSON_PATCH, STRATEGIC):
            raise errors.unsupported_media_type("the body of the request was in an unknown format - accepted media types include: "
                                                "application/json-patch+json, application/merge-patch+json"
                                                + (", application/strategic-merge-patch+json" if res.flavor == BUILTIN else ""))
        old_stored = self._stored(res, req.namespace, req.name)
        current = self.view(res, old_stored)
        document = decode_json(req.body, "error decoding patch")
        try:
            if media == JSON_PATCH:
                patched = patch.json_patch(current, document)
            else:
                if not isinstance(document, dict):
                    raise patch.PatchFormatError("json: cannot unmarshal %s into Go value of type map[string]interface {}"
                                                 % schema.json_type(document))
                patched = patch.merge_patch(current, document)
        except patch.PatchFormatError as exc:
            raise errors.bad_request(str(exc)) from exc
        except patch.PatchApplyError as exc:
            raise errors.unprocessable(str(exc)) from exc
        if isinstance(patched, dict):
            patched["apiVersion"] = res.group_version
            patched["kind"] = res.kind
        return self._replace(req, patched, old_stored)

    # -- delete -----------------------------------------------------------------------------------------------------

    def _delete_options(self, req: Request) -> dict:
        options = decode_json(req.body, "error decoding DeleteOptions") if req.body.strip() else {}
        if options is not None and not isinstance(options, dict):
            raise errors.bad_request("DeleteOptions must be an object")
        return options or {}

    def _delete(self, req: Request) -> Response:
        res = req.res
        options = self._delete_options(req)
        dry_run = self._dry_run(req) or "All" in (options.get("dryRun") or [])
        stored = self._stored(res, req.namespace, req.name)
        meta = stored["metadata"]
        pre = options.get("preconditions") or {}
        if pre.get("uid") and pre["uid"] != meta.get("uid"):
            raise errors.conflict(res.group, res.plural, req.name, "Precondition failed: UID in precondition: %s, UID in object meta: %s"
                                  % (pre["uid"], meta.get("uid")))
        if pre.get("resourceVersion") and pre["resourceVersion"] != meta.get("resourceVersion"):
            raise errors.conflict(res.group, res.plural, req.name, "Precondition failed: ResourceVersion in precondition: %s, "
                                  "ResourceVersion in object meta: %s" % (pre["resourceVersion"], meta.get("resourceVersion")))
        if res.storage == ("", "namespaces"):
            return self._delete_namespace(req, stored, dry_run)
        if not dry_run:
            self.store.delete(res.storage, req.namespace or "", req.name)
        details = {"name": req.name}
        if res.group:
            details["group"] = res.group
        details.update({"kind": res.plural, "uid": meta.get("uid", "")})
        return Response(200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details})

    def _delete_namespace(self, req: Request, stored: dict, dry_run: bool) -> Response:
        """Namespaces answer with the object in phase Terminating; here their contents go at once."""
        if req.name in IMMORTAL_NAMESPACES:
            raise errors.forbidden("", "namespaces", req.name, "this namespace may not be deleted")
        shown = self.view(req.res, stored)
        shown["metadata"]["deletionTimestamp"] = now_rfc3339()
        shown.setdefault("status", {})["phase"] = "Terminating"
        if not dry_run:
            for key, _obj in self.store.values(lambda key: key[1] == req.name and key[0] != ("", "namespaces")):
                self.store.delete(key[0], key[1], key[2], persist=False)
            self.store.delete(req.res.storage, "", req.name)
        return Response(200, shown)

    # -- watch ------------------------------------------------------------------------------------------------------

    def _watch(self, req: Request) -> Response:
        """Check the request, take the starting point, and stream from there."""
        res = req.res
        labels = selectors.parse_labels(req.param("labelSelector"))
        fields = selectors.parse_fields(req.param("fieldSelector"), res.field_labels, res.flavor != BUILTIN)

        def matches(obj: Optional[dict]) -> bool:
            return obj is not None and selectors.match_labels(labels, obj) and fields(obj) and (
                req.name is None or obj["metadata"].get("name") == req.name)
        try:
            timeout = min(int(req.param("timeoutSeconds") or WATCH_TIMEOUT), WATCH_TIMEOUT)
            start = req.param("resourceVersion")
            cursor = int(start) if start not in ("", "0") else None
        except ValueError as exc:
            raise errors.bad_request("invalid watch parameters: %s" % exc) from exc
        initial_events = cursor is None or req.param("sendInitialEvents") == "true"
        with self.store.lock:
            if initial_events:
                if res.flavor == DEFINITION:
                    current = self.definitions()
                else:
                    current = [self.view(res, obj) for obj in self.store.list(res.storage, req.namespace)]
                initial = [obj for obj in current if matches(obj)]
                cursor = self.store.revision
            else:
                initial = []
            oldest = self.store.oldest_watchable
        stream = self._stream(req, matches, initial, cursor, oldest, time.monotonic() + timeout)
        return Response(200, None, stream=stream)

    def _shape(self, req: Request, obj: dict) -> dict:
        if req.table:
            return tables.table(req.res.group, req.res.plural, [obj], obj["metadata"].get("resourceVersion", ""), req.table)
        return obj

    # pylint: disable-next=too-many-arguments,too-many-positional-arguments
    def _stream(self, req: Request, matches: Any, initial: list, cursor: int, oldest: int, deadline: float) -> Iterator[dict]:
        if cursor < oldest:
            status = errors.ApiError(410, "Expired", "too old resource version: %d (%d)" % (cursor, oldest)).status()
            yield {"type": "ERROR", "object": status}
            return
        for obj in initial:
            yield {"type": "ADDED", "object": self._shape(req, obj)}
        if req.param("sendInitialEvents") == "true":
            yield {"type": "BOOKMARK", "object": {"kind": req.res.kind, "apiVersion": req.res.group_version, "metadata": {
                "resourceVersion": str(cursor), "annotations": {"k8s.io/initial-events-end": "true"}}}}
        # The events already recorded go out whatever the time (a handler that started late still sends them); then
        # the watch waits for more until its deadline.
        while not self.stopping.is_set():
            with self.store.changed:
                events = self.store.events_after(cursor)
                if not events:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return
                    self.store.changed.wait(min(0.5, remaining))
                    continue
            for event in events:
                cursor = event.revision
                shown = self._event(req, matches, event)
                if shown is not None:
                    yield shown
            if time.monotonic() >= deadline:
                return

    def _event(self, req: Request, matches: Any, event: Any) -> Optional[dict]:
        res = req.res
        if event.storage != res.storage or (req.namespace is not None and event.namespace != req.namespace):
            return None
        before = self.view(res, event.old) if event.old is not None else None
        after = self.view(res, event.new)
        was, now = matches(before), matches(after)
        if event.type == "DELETED":
            kind = "DELETED" if was else None
        elif now:
            kind = "MODIFIED" if was else "ADDED"
        else:
            kind = "DELETED" if was else None
        return {"type": kind, "object": self._shape(req, after)} if kind else None

    # -- concurrent writers (test hook) -----------------------------------------------------------------------------

    def concurrent_write(self, res: Resource, namespace: Optional[str], name: str) -> Optional[str]:
        """Another writer touches the object: a new resourceVersion and a counter annotation."""
        with self.store.lock:
            stored = self.store.get(res.storage, namespace or "", name)
            if stored is None:
                return None
            annotations = stored["metadata"].setdefault("annotations", {})
            key = "lab.flatnet.kube/concurrent-writes"
            annotations[key] = str(int(annotations.get(key, "0")) + 1)
            return self.store.put(res.storage, stored)["metadata"]["resourceVersion"]

    # -- CustomResourceDefinitions ---------------------------------------------------------------------------------

    def definitions(self) -> list:
        """The CRDs of the Calico kinds."""
        created = self.store.settings.get("crdCreationTimestamp", now_rfc3339())
        version = str(self.store.settings.get("crdResourceVersion", 1))
        return [_definition(res, created, version) for res in self.catalog.crd_kinds()]

    def _definitions(self, req: Request) -> Response:
        items = self.definitions()
        res = req.res
        if req.name is not None:
            found = [crd for crd in items if crd["metadata"]["name"] == req.name]
            if not found:
                raise errors.not_found(res.group, res.plural, req.name)
            if req.table:
                return Response(200, tables.table(res.group, res.plural, found, str(self.store.revision), req.table))
            return Response(200, found[0])
        labels = selectors.parse_labels(req.param("labelSelector"))
        fields = selectors.parse_fields(req.param("fieldSelector"), (), False)
        items = [crd for crd in items if selectors.match_labels(labels, crd) and fields(crd)]
        if req.table:
            return Response(200, tables.table(res.group, res.plural, items, str(self.store.revision), req.table))
        return Response(200, {"kind": res.list_kind, "apiVersion": res.group_version,
                              "metadata": {"resourceVersion": str(self.store.revision)}, "items": items})


def _definition(res: Resource, created: str, version: str) -> dict:
    name = res.qualified_resource
    names = {"kind": res.kind, "listKind": res.list_kind, "plural": res.plural, "singular": res.singular}
    conditions = [
        {"type": "NamesAccepted", "status": "True", "lastTransitionTime": created, "reason": "NoConflicts",
         "message": "no conflicts found"},
        {"type": "Established", "status": "True", "lastTransitionTime": created, "reason": "InitialNamesAccepted",
         "message": "the initial names have been accepted"},
    ]
    return {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": name, "uid": str(uuid.uuid5(uuid.NAMESPACE_DNS, name)), "resourceVersion": version, "generation": 1,
                     "creationTimestamp": created},
        "spec": {"group": CRD_GROUP, "names": names, "scope": "Cluster", "conversion": {"strategy": "None"},
                 "versions": [{"name": "v1", "served": True, "storage": True,
                               "schema": {"openAPIV3Schema": schema.openapi(schema.root_schema(res.plural))}}]},
        "status": {"acceptedNames": names, "conditions": conditions, "storedVersions": ["v1"]},
    }
