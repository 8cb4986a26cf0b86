# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A small OpenAPI v3 discovery: ``/openapi/v3`` and one document per group version.

Each document lists the resource paths with their operations, the
``x-kubernetes-group-version-kind`` extension, the query parameters (among them
``fieldValidation``, so kubectl uses server-side field validation) and the
JSON and merge patch media types (strategic merge patch, accepted for the
built-in kinds, is left out so kubectl computes it from its own types). The Calico
kinds carry their schemas; the built-in kinds carry none, so ``kubectl
explain`` does not work for them. ``/openapi/v2`` is not served.
"""

from __future__ import annotations

import hashlib
import json
from typing import Optional

from . import schema
from .resources import CALICO_V3, CRD, Catalog, Resource

_QUERY = ("dryRun", "fieldManager", "fieldValidation", "pretty")
_LIST_QUERY = ("labelSelector", "fieldSelector", "limit", "continue", "resourceVersion", "timeoutSeconds")
_PATCH_TYPES = ("application/json-patch+json", "application/merge-patch+json")


def _gv_key(res: Resource) -> str:
    return "api/%s" % res.version if not res.group else "apis/%s/%s" % (res.group, res.version)


def _schema_name(res: Resource) -> str:
    parts = res.group.split(".")[::-1] if res.group else ["io", "k8s", "api", "core"]
    return "%s.%s.%s" % (".".join(parts), res.version, res.kind)


def _params(names: tuple) -> list:
    return [{"name": name, "in": "query", "schema": {"type": "string", "uniqueItems": True}} for name in names]


def _operation(res: Resource, action: str, query: tuple, body: Optional[tuple] = None) -> dict:
    ref = {"$ref": "#/components/schemas/%s" % _schema_name(res)}
    op: dict = {
        "operationId": "%s%s" % (action, res.kind), "parameters": _params(query), "x-kubernetes-action": action,
        "x-kubernetes-group-version-kind": {"group": res.group, "version": res.version, "kind": res.kind},
        "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": ref}}}},
    }
    if body:
        op["requestBody"] = {"content": {media: {"schema": {"type": "object"}} for media in body}, "required": True}
    return op


def _paths(res: Resource) -> dict:
    prefix = "/" + _gv_key(res) + ("/namespaces/{namespace}" if res.namespaced else "")
    collection = {"get": _operation(res, "list", _LIST_QUERY)}
    item: dict = {"get": _operation(res, "get", ("pretty",)), "parameters": [{"name": "name", "in": "path", "required": True,
                                                                              "schema": {"type": "string"}}]}
    if res.allows("create"):
        collection["post"] = _operation(res, "post", _QUERY, ("application/json",))
    if res.allows("update"):
        item["put"] = _operation(res, "put", _QUERY, ("application/json",))
    if res.allows("patch"):
        item["patch"] = _operation(res, "patch", _QUERY + ("force",), _PATCH_TYPES)
    if res.allows("delete"):
        item["delete"] = _operation(res, "delete", ("dryRun", "gracePeriodSeconds", "propagationPolicy"), ("application/json",))
    return {"%s/%s" % (prefix, res.plural): collection, "%s/%s/{name}" % (prefix, res.plural): item}


def document(catalog: Catalog, key: str, kubernetes_version: str) -> Optional[dict]:
    """The OpenAPI v3 document of one group version (``api/v1``, ``apis/<group>/<version>``), or None."""
    served = [res for res in catalog.resources if _gv_key(res) == key]
    if not served:
        return None
    paths: dict = {}
    schemas: dict = {}
    for res in served:
        paths.update(_paths(res))
        body = schema.openapi(schema.root_schema(res.plural)) if res.flavor in (CRD, CALICO_V3) else {"type": "object"}
        body["x-kubernetes-group-version-kind"] = [{"group": res.group, "version": res.version, "kind": res.kind}]
        schemas[_schema_name(res)] = body
    return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": kubernetes_version}, "paths": paths,
            "components": {"schemas": schemas}}


def root(catalog: Catalog, kubernetes_version: str) -> dict:
    """``/openapi/v3``: where each group version's document is."""
    keys = sorted({_gv_key(res) for res in catalog.resources})
    paths = {}
    for key in keys:
        text = json.dumps(document(catalog, key, kubernetes_version), sort_keys=True).encode()
        paths[key] = {"serverRelativeURL": "/openapi/v3/%s?hash=%s" % (key, hashlib.sha512(text).hexdigest().upper())}
    return {"paths": paths}
