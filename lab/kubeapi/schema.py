# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Validation, defaulting and pruning of one object before it is stored.

The Calico kinds get the structural schemas of Calico v3.30's CRDs: unknown
fields are pruned and reported in a ``Warning`` header (or refused with
``fieldValidation=Strict``), wrong JSON types, enums, bounds and required
fields give 422 Invalid. ``projectcalico.org/v3`` requests decode like Go
structs (a wrong type is a 400) and then get Calico's own defaulting and
validation (see ``calico.py``). Built-in kinds get their names, labels, their
top-level fields (unknown ones pruned), string maps checked and the defaulting
kube-apiserver does for Namespaces, Services and Secrets; below the top level
their fields are stored as sent (no built-in schemas here).
"""

from __future__ import annotations

import base64
import binascii
import copy
import ipaddress
import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from . import calico
from .errors import ApiError, FieldError, GoLiteral, bad_request, invalid
from .resources import (BUILTIN, CALICO_V3, LABEL_1035, LABEL_1123, PATH_SEGMENT, Resource)

# --- names and labels ---------------------------------------------------------------------------------------------

_LABEL_1123_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN_FMT = _LABEL_1123_FMT + r"(\." + _LABEL_1123_FMT + ")*"
_LABEL_1035_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_QUALIFIED_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_VALUE_FMT = "(" + _QUALIFIED_FMT + ")?"

SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and "
                 "end with an alphanumeric character (e.g. 'example.com', regex used for validation is '%s')" % _SUBDOMAIN_FMT)
LABEL_1123_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with "
                  "an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '%s')" % _LABEL_1123_FMT)
LABEL_1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, "
                  "and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '%s')" % _LABEL_1035_FMT)
QUALIFIED_MSG = ("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
                 "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '%s')" % _QUALIFIED_FMT)
LABEL_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and "
                   "end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '%s')"
                   % _LABEL_VALUE_FMT)

_NAME_RULES = {
    LABEL_1123: (re.compile("^%s$" % _LABEL_1123_FMT), LABEL_1123_MSG, 63),
    LABEL_1035: (re.compile("^%s$" % _LABEL_1035_FMT), LABEL_1035_MSG, 63),
}
_SUBDOMAIN_RULE = (re.compile("^%s$" % _SUBDOMAIN_FMT), SUBDOMAIN_MSG, 253)
_QUALIFIED_RE = re.compile("^%s$" % _QUALIFIED_FMT)
_LABEL_VALUE_RE = re.compile("^%s$" % _LABEL_VALUE_FMT)


def is_subdomain(value: str) -> bool:
    """A DNS-1123 subdomain of at most 253 characters."""
    return len(value) <= 253 and bool(_SUBDOMAIN_RULE[0].match(value))


def name_errors(res: Resource, name: str, path: str = "metadata.name") -> list:
    """The errors of metadata.name under the kind's naming rule."""
    if res.names == PATH_SEGMENT:
        for bad in (".", ".."):
            if name == bad:
                return [FieldError("Invalid", path, name, "may not be '%s'" % bad)]
        for bad in ("/", "%"):
            if bad in name:
                return [FieldError("Invalid", path, name, "may not contain '%s'" % bad)]
        return []
    regex, message, limit = _NAME_RULES.get(res.names, _SUBDOMAIN_RULE)
    errors = []
    if len(name) > limit:
        errors.append(FieldError("Invalid", path, name, "must be no more than %d characters" % limit))
    if not regex.match(name):
        errors.append(FieldError("Invalid", path, name, message))
    return errors


def qualified_name_errors(key: str, path: str) -> list:
    """Errors of a label or annotation key (``prefix/name``)."""
    prefix, _slash, name = key.rpartition("/")
    errors = []
    if "/" in prefix:
        return [FieldError("Invalid", path, key, "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must "
                           "start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
                           "validation is '%s') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')" % _QUALIFIED_FMT)]
    if key.count("/") and not prefix:
        errors.append(FieldError("Invalid", path, key, "prefix part must be non-empty"))
    elif prefix and not is_subdomain(prefix):
        errors.append(FieldError("Invalid", path, key, "prefix part " + SUBDOMAIN_MSG))
    if not name:
        errors.append(FieldError("Invalid", path, key, "name part must be non-empty"))
    elif len(name) > 63:
        errors.append(FieldError("Invalid", path, key, "name part must be no more than 63 characters"))
    elif not _QUALIFIED_RE.match(name):
        errors.append(FieldError("Invalid", path, key, QUALIFIED_MSG))
    return errors


def label_errors(labels: dict) -> list:
    """Errors of metadata.labels."""
    errors = []
    for key, value in labels.items():
        errors.extend(qualified_name_errors(key, "metadata.labels"))
        if len(value) > 63:
            errors.append(FieldError("Invalid", "metadata.labels", value, "must be no more than 63 characters"))
        elif not _LABEL_VALUE_RE.match(value):
            errors.append(FieldError("Invalid", "metadata.labels", value, LABEL_VALUE_MSG))
    return errors


def annotation_errors(annotations: dict) -> list:
    """Errors of metadata.annotations (keys only; values are free text)."""
    errors = []
    for key in annotations:
        errors.extend(qualified_name_errors(key.lower(), "metadata.annotations"))
    return errors


# --- structural schemas (Calico v3.30 CRDs) ------------------------------------------------------------------------

S = {"type": "string"}
INT = {"type": "integer"}
I32 = {"type": "integer", "format": "int32"}
I64 = {"type": "integer", "format": "int64"}
B = {"type": "boolean"}
# asNumber: an integer in the CRDs; Calico's v3 API also takes "64512" or dotted "1.10".
ASN = {"type": "integer", "format": "int32", "x-as-number": True}


def obj(props: Optional[dict] = None, required: tuple = (), **extra: Any) -> dict:
    """An object schema."""
    schema: dict = {"type": "object"}
    if props is not None:
        schema["properties"] = props
    if required:
        schema["required"] = list(required)
    schema.update(extra)
    return schema


def arr(items: dict) -> dict:
    """An array schema."""
    return {"type": "array", "items": items}


def smap(values: dict) -> dict:
    """A map schema (string keys)."""
    return {"type": "object", "additionalProperties": values}


def enum(*values: str) -> dict:
    """A string enum."""
    return {"type": "string", "enum": list(values)}


def irange(low: int, high: int) -> dict:
    """A bounded int32."""
    return {"type": "integer", "format": "int32", "minimum": low, "maximum": high}


_SECRET_REF = obj({"secretKeyRef": obj({"key": S, "name": dict(S, default=""), "optional": B}, required=("key",))})
_CIDR_BLOCK = arr(obj({"cidr": S}))


def _filter_rule(bits: int) -> dict:
    return obj({"action": S, "cidr": S, "interface": S, "matchOperator": S,
                "prefixLength": obj({"max": irange(0, bits), "min": irange(0, bits)}), "source": S}, required=("action",))


def _peer_status() -> dict:
    return arr(obj({"peerIP": S, "since": S, "state": S, "type": S}))


def _routes() -> dict:
    return arr(obj({"destination": S, "gateway": S, "interface": S, "learnedFrom": obj({"peerIP": S, "sourceType": S}), "type": S}))


def _bird() -> dict:
    return obj({"lastBootTime": S, "lastReconfigurationTime": S, "routerID": S, "state": S, "version": S})


SPECS: dict = {
    "ippools": obj({
        "allowedUses": arr(S), "assignmentMode": enum("Automatic", "Manual"), "blockSize": INT, "cidr": S,
        "disableBGPExport": B, "disabled": B, "ipip": obj({"enabled": B, "mode": S}), "ipipMode": S,
        "nat-outgoing": B, "natOutgoing": B, "nodeSelector": S, "vxlanMode": S,
    }, required=("cidr",)),
    "bgppeers": obj({
        "asNumber": ASN, "filters": arr(S), "keepOriginalNextHop": B, "localWorkloadSelector": S, "maxRestartTime": S,
        "nextHopMode": S, "node": S, "nodeSelector": S, "numAllowedLocalASNumbers": I32, "password": _SECRET_REF,
        "peerIP": S, "peerSelector": S, "reachableBy": S, "reversePeering": enum("Auto", "Manual"), "sourceAddress": S,
        "ttlSecurity": INT,
    }),
    "bgpconfigurations": obj({
        "asNumber": ASN, "bindMode": S, "communities": arr(obj({"name": S, "value": S})), "ignoredInterfaces": arr(S),
        "listenPort": {"type": "integer", "minimum": 1, "maximum": 65535}, "localWorkloadPeeringIPV4": S,
        "localWorkloadPeeringIPV6": S, "logSeverityScreen": S, "nodeMeshMaxRestartTime": S, "nodeMeshPassword": _SECRET_REF,
        "nodeToNodeMeshEnabled": B, "prefixAdvertisements": arr(obj({"cidr": S, "communities": arr(S)})),
        "serviceClusterIPs": _CIDR_BLOCK, "serviceExternalIPs": _CIDR_BLOCK, "serviceLoadBalancerIPs": _CIDR_BLOCK,
    }),
    "bgpfilters": obj({"exportV4": arr(_filter_rule(32)), "exportV6": arr(_filter_rule(128)),
                       "importV4": arr(_filter_rule(32)), "importV6": arr(_filter_rule(128))}),
    "ipamblocks": obj({
        "affinity": S, "allocations": arr(dict(INT, nullable=True)),
        "attributes": arr(obj({"handle_id": S, "secondary": smap(S)})), "cidr": S, "deleted": B,
        "sequenceNumber": dict(I64, default=0), "sequenceNumberForAllocation": smap(I64), "strictAffinity": B,
        "unallocated": arr(INT),
    }, required=("allocations", "attributes", "cidr", "sequenceNumber", "strictAffinity", "unallocated")),
    "blockaffinities": obj({"cidr": S, "deleted": S, "node": S, "state": S, "type": S},
                           required=("cidr", "deleted", "node", "state")),
    "caliconodestatuses": obj({"classes": arr(S), "node": S, "updatePeriodSeconds": I32}),
}

STATUSES: dict = {
    "caliconodestatuses": obj({
        "agent": obj({"birdV4": _bird(), "birdV6": _bird()}),
        "bgp": obj({"numberEstablishedV4": INT, "numberEstablishedV6": INT, "numberNotEstablishedV4": INT, "numberNotEstablishedV6": INT,
                    "peersV4": _peer_status(), "peersV6": _peer_status()},
                   required=("numberEstablishedV4", "numberEstablishedV6", "numberNotEstablishedV4", "numberNotEstablishedV6")),
        "lastUpdated": {"type": "string", "format": "date-time", "nullable": True},
        "routes": obj({"routesV4": _routes(), "routesV6": _routes()}),
    }),
}

# Go field types of the v3 structs where they differ from the plain JSON type (for decode errors).
_GO_TYPES = {"integer": "int", "boolean": "bool", "string": "string", "number": "float64", "array": "[]interface {}",
             "object": "map[string]interface {}"}


def root_schema(plural: str) -> dict:
    """The openAPIV3Schema of a Calico kind."""
    props = {"apiVersion": S, "kind": S, "metadata": {"type": "object"}, "spec": SPECS[plural]}
    if plural in STATUSES:
        props["status"] = STATUSES[plural]
    return obj(props)


def openapi(schema: dict) -> dict:
    """A schema as it appears in a CRD (without the emulator's own markers)."""
    out = {key: value for key, value in schema.items() if not key.startswith("x-as-")}
    if "properties" in out:
        out["properties"] = {key: openapi(value) for key, value in out["properties"].items()}
    for key in ("items", "additionalProperties"):
        if isinstance(out.get(key), dict):
            out[key] = openapi(out[key])
    return out


# --- the structural walk ----------------------------------------------------------------------------------------

_DROP = object()


_JSON_TYPES = ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"), (list, "array"), (dict, "object"))


def json_type(value: Any) -> str:
    """The JSON type name of a decoded value."""
    for python_type, name in _JSON_TYPES:
        if isinstance(value, python_type):
            return name
    return "null"


@dataclass
class Walk:
    """What a structural walk found."""

    go_decode: bool = False
    kind: str = ""
    unknown: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    decode_error: str = ""


def _join(path: str, key: str) -> str:
    return "%s.%s" % (path, key) if path else key


def _type_ok(schema: dict, value: Any, walk: Walk) -> Any:
    """The value if its type fits (ints for integral floats), else _DROP after recording the error."""
    wanted = schema.get("type")
    actual = json_type(value)
    if wanted == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    if wanted == "number" and actual == "integer":
        return value
    if wanted is None or wanted == actual:
        return value
    if walk.go_decode and schema.get("x-as-number") and actual == "string":
        return value
    return _DROP


def _type_error(schema: dict, value: Any, path: str, walk: Walk) -> None:
    wanted = schema.get("type")
    actual = json_type(value)
    if walk.go_decode:
        if not walk.decode_error:
            go_type = "uint32" if schema.get("x-as-number") else _GO_TYPES.get(wanted, wanted)
            owner = walk.kind + "Spec" if path.startswith("spec.") else walk.kind
            walk.decode_error = "json: cannot unmarshal %s into Go struct field %s.%s of type %s" % (
                {"integer": "number", "boolean": "bool"}.get(actual, actual), owner, path, go_type)
        return
    walk.errors.append(FieldError("TypeInvalid", path, actual, "%s in body must be of type %s: %s" % (path, wanted, '"%s"' % actual)))


def _walk_object(schema: dict, value: dict, path: str, walk: Walk) -> dict:
    props = schema.get("properties")
    extra = schema.get("additionalProperties")
    out: dict = {}
    for key, item in value.items():
        if props is not None and key in props:
            sub = props[key]
        elif isinstance(extra, dict):
            sub = extra
        else:
            walk.unknown.append(_join(path, key) if props is not None or extra is None else "%s[%s]" % (path, key))
            continue
        child_path = _join(path, key) if props is not None and key in props else "%s[%s]" % (path, key)
        result = walk_value(sub, item, child_path, walk)
        if result is not _DROP:
            out[key] = result
    for key, sub in (props or {}).items():
        if key not in out and "default" in sub:
            out[key] = copy.deepcopy(sub["default"])
    for key in schema.get("required", ()):
        if key not in out:
            walk.errors.append(FieldError("Required", _join(path, key)))
    return out


def _check_scalar(schema: dict, value: Any, path: str, walk: Walk) -> None:
    if "enum" in schema and value not in schema["enum"]:
        walk.errors.append(FieldError("Unsupported", path, value, "supported values: %s" % ", ".join('"%s"' % v for v in schema["enum"])))
    if "minimum" in schema and isinstance(value, (int, float)) and value < schema["minimum"]:
        walk.errors.append(FieldError("Invalid", path, value, "%s in body should be greater than or equal to %s" % (path, schema["minimum"])))
    if "maximum" in schema and isinstance(value, (int, float)) and value > schema["maximum"]:
        walk.errors.append(FieldError("Invalid", path, value, "%s in body should be less than or equal to %s" % (path, schema["maximum"])))


def walk_value(schema: dict, value: Any, path: str, walk: Walk) -> Any:
    """Prune, type-check, default and bound-check one value; _DROP when it is to be removed."""
    if value is None:
        return None if schema.get("nullable") else _DROP
    checked = _type_ok(schema, value, walk)
    if checked is _DROP:
        _type_error(schema, value, path, walk)
        return value
    if isinstance(checked, dict):
        return _walk_object(schema, checked, path, walk)
    if isinstance(checked, list):
        items = schema.get("items", {})
        out = []
        for index, item in enumerate(checked):
            item_path = "%s[%d]" % (path, index)
            if item is None and not items.get("nullable"):
                _type_error(items, item, item_path, walk)
                out.append(item)
                continue
            result = walk_value(items, item, item_path, walk)
            out.append(None if result is _DROP else result)
        return out
    _check_scalar(schema, checked, path, walk)
    return checked


# --- built-in kinds ------------------------------------------------------------------------------------------------

# The top-level fields of the built-in kinds (others are dropped with a warning, as Go decoding does).
BUILTIN_FIELDS = {
    "namespaces": ("spec", "status"), "nodes": ("spec", "status"), "services": ("spec", "status"), "pods": ("spec", "status"),
    "endpoints": ("subsets",), "configmaps": ("data", "binaryData", "immutable"),
    "secrets": ("data", "stringData", "type", "immutable"),
    "serviceaccounts": ("secrets", "imagePullSecrets", "automountServiceAccountToken"),
    "roles": ("rules",), "clusterroles": ("rules", "aggregationRule"),
    "rolebindings": ("subjects", "roleRef"), "clusterrolebindings": ("subjects", "roleRef"),
}
# String maps whose values Go decodes as strings.
_STRING_MAPS = {"configmaps": ("data", "binaryData"), "secrets": ("data", "stringData")}
# Kinds whose status belongs to the /status subresource: a write of the main resource keeps the stored status.
STATUS_SUBRESOURCE = ("namespaces", "nodes", "services", "pods")


def _builtin_fields(res: Resource, body: dict, out: dict, unknown: list) -> None:
    allowed = BUILTIN_FIELDS.get(res.plural, ())
    for key, value in body.items():
        if key in ("apiVersion", "kind", "metadata"):
            continue
        if key not in allowed:
            unknown.append(key)
            continue
        if key in _STRING_MAPS.get(res.plural, ()) and value is not None:
            bad = [item for item in (value.values() if isinstance(value, dict) else [value]) if not isinstance(item, str)]
            if bad or not isinstance(value, dict):
                wrong = json_type(bad[0]) if bad else json_type(value)
                raise bad_request('%s in version "%s" cannot be handled as a %s: json: cannot unmarshal %s into Go struct field %s.%s of type %s'
                                  % (res.kind, res.version, res.kind, {"integer": "number", "boolean": "bool"}.get(wrong, wrong), res.kind,
                                     key, "string" if bad else "map[string]string"))
        if value is not None:
            out[key] = copy.deepcopy(value)


# --- metadata --------------------------------------------------------------------------------------------------

OBJECT_META = ("name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
               "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "ownerReferences", "finalizers",
               "managedFields")


def clean_metadata(meta: Any, unknown: list) -> dict:
    """ObjectMeta as decoded: unknown fields dropped (and reported), string maps checked."""
    if meta is None:
        return {}
    if not isinstance(meta, dict):
        raise bad_request("json: cannot unmarshal %s into Go struct field Object.metadata of type v1.ObjectMeta" % json_type(meta))
    out = {}
    for key, value in meta.items():
        if key not in OBJECT_META:
            unknown.append("metadata." + key)
            continue
        if value is None:
            continue
        if key in ("labels", "annotations"):
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise bad_request("json: cannot unmarshal into Go struct field ObjectMeta.metadata.%s of type string" % key)
        out[key] = value
    return out


def metadata_errors(res: Resource, meta: dict) -> list:
    """ObjectMeta validation: the name, labels and annotations."""
    errors = []
    name = meta.get("name", "")
    if not name:
        errors.append(FieldError("Required", "metadata.name", detail="name or generateName is required"))
    else:
        errors.extend(name_errors(res, name))
    errors.extend(label_errors(meta.get("labels") or {}))
    errors.extend(annotation_errors(meta.get("annotations") or {}))
    return errors


# --- admission ---------------------------------------------------------------------------------------------------


@dataclass
class Context:
    """What admission needs to know beyond the object itself."""

    res: Resource
    old: Optional[dict] = None
    siblings: Callable[[], list] = list
    service_cidr: str = "10.233.0.0/18"
    cluster_ips: Callable[[], dict] = dict
    field_validation: str = "Warn"


@dataclass
class Admitted:
    """An admitted object and the warnings for the response."""

    obj: dict
    warnings: list


def check_type_meta(res: Resource, body: Any) -> None:
    """The body is an object of this resource's apiVersion and kind (a 400 otherwise)."""
    if not isinstance(body, dict):
        raise bad_request("the object provided is unrecognized (must be of type %s): couldn't get version/kind; "
                          "json parse error: expected an object" % res.kind)
    api_version = body.get("apiVersion")
    kind = body.get("kind")
    if res.flavor != BUILTIN and (not kind or not api_version):
        missing = "Kind" if not kind else "apiVersion"
        raise bad_request("Object '%s' is missing in '%s'" % (missing, _short_json(body)))
    if api_version and api_version != res.group_version:
        raise bad_request("the API version in the data (%s) does not match the expected API version (%s)" % (api_version, res.group_version))
    if kind and kind != res.kind:
        raise bad_request("the kind in the data (%s) does not match the expected kind (%s)" % (kind, res.kind))


def _short_json(body: dict) -> str:
    return json.dumps(body, separators=(",", ":"), sort_keys=True)[:200]


def _strict(ctx: Context, unknown: list) -> None:
    if unknown and ctx.field_validation == "Strict":
        res = ctx.res
        raise bad_request('%s in version "%s" cannot be handled as a %s: strict decoding error: %s'
                          % (res.kind, res.version, res.kind, ", ".join('unknown field "%s"' % path for path in unknown)))


def admit(ctx: Context, body: Any) -> Admitted:
    """Validate, default and prune one object for create or update; raises ApiError."""
    res = ctx.res
    check_type_meta(res, body)
    unknown: list = []
    meta = clean_metadata(body.get("metadata"), unknown)
    obj_out = {"apiVersion": res.group_version, "kind": res.kind, "metadata": meta}
    errors: list = []
    if res.flavor == BUILTIN:
        _builtin_fields(res, body, obj_out, unknown)
    else:
        walk = Walk(go_decode=res.flavor == CALICO_V3, kind=res.kind)
        rest = {key: value for key, value in body.items() if key not in ("apiVersion", "kind", "metadata")}
        pruned = walk_value(root_schema(res.plural), rest, "", walk)
        if walk.decode_error:
            raise bad_request('%s in version "%s" cannot be handled as a %s: %s' % (res.kind, res.version, res.kind, walk.decode_error))
        unknown.extend(walk.unknown)
        errors.extend(walk.errors)
        obj_out.update(pruned)
    _strict(ctx, unknown)
    errors = metadata_errors(res, meta) + errors
    if res.flavor == BUILTIN and not errors:
        errors.extend(default_builtin(ctx, obj_out))
    if errors:
        raise invalid(res.group, res.kind, meta.get("name", ""), errors)
    if res.flavor == CALICO_V3:
        calico.validate(ctx.res, obj_out, ctx.old, ctx.siblings)
    warnings = [] if ctx.field_validation == "Ignore" else ['unknown field "%s"' % path for path in unknown]
    return Admitted(obj_out, warnings)


# --- built-in defaulting ---------------------------------------------------------------------------------------------


def default_builtin(ctx: Context, obj_in: dict) -> list:
    """kube-apiserver's defaulting for the built-in kinds that have any here; returns field errors."""
    handler = {"namespaces": _default_namespace, "services": _default_service, "secrets": _default_secret}.get(ctx.res.plural)
    return handler(ctx, obj_in) if handler else []


def _default_namespace(_ctx: Context, ns: dict) -> list:
    meta = ns["metadata"]
    meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta["name"]
    ns.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    ns.setdefault("status", {}).setdefault("phase", "Active")
    return []


def _default_secret(_ctx: Context, secret: dict) -> list:
    secret.setdefault("type", "Opaque")
    data = secret.setdefault("data", {})
    for key, value in data.items():
        try:
            base64.b64decode(value, validate=True)
        except (binascii.Error, TypeError, ValueError) as exc:
            raise bad_request("Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data in data[%s]" % key) from exc
    for key, value in (secret.pop("stringData", None) or {}).items():
        data[key] = base64.b64encode(str(value).encode()).decode()
    if not data:
        secret.pop("data")
    return []


def _ips_literal(ips: list) -> GoLiteral:
    return GoLiteral("[]string{%s}" % ", ".join('"%s"' % ip for ip in ips))


def _default_service(ctx: Context, svc: dict) -> list:
    spec = svc.setdefault("spec", {})
    spec.setdefault("type", "ClusterIP")
    spec.setdefault("sessionAffinity", "None")
    for port in spec.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))
    svc.setdefault("status", {}).setdefault("loadBalancer", {})
    if spec["type"] == "ExternalName":
        return []
    old_spec = (ctx.old or {}).get("spec", {})
    if ctx.old is not None and not spec.get("clusterIP") and old_spec.get("clusterIP"):
        spec["clusterIP"] = old_spec["clusterIP"]
        spec["clusterIPs"] = list(old_spec.get("clusterIPs") or [old_spec["clusterIP"]])
    if ctx.old is not None and old_spec.get("clusterIP") and spec.get("clusterIP") != old_spec["clusterIP"]:
        return [FieldError("Invalid", "spec.clusterIPs[0]", _ips_literal([spec.get("clusterIP", "")]), "may not change once set")]
    errors = [] if ctx.old is not None else _allocate_cluster_ip(ctx, svc)
    if spec.get("clusterIP") not in (None, "None"):
        spec.setdefault("clusterIPs", [spec["clusterIP"]])
        spec.setdefault("ipFamilies", ["IPv4" if ":" not in spec["clusterIP"] else "IPv6"])
        spec.setdefault("ipFamilyPolicy", "SingleStack")
    spec.setdefault("internalTrafficPolicy", "Cluster")
    return errors


def _allocate_cluster_ip(ctx: Context, svc: dict) -> list:
    spec = svc["spec"]
    network = ipaddress.ip_network(ctx.service_cidr)
    used = ctx.cluster_ips()
    wanted = spec.get("clusterIP") or ((spec.get("clusterIPs") or [""])[0])
    if wanted == "None":
        spec["clusterIP"] = "None"
        spec["clusterIPs"] = ["None"]
        return []
    if wanted:
        try:
            address = ipaddress.ip_address(wanted)
        except ValueError:
            return [FieldError("Invalid", "spec.clusterIPs[0]", wanted, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")]
        if address not in network or address in (network.network_address, network.broadcast_address):
            return [FieldError("Invalid", "spec.clusterIPs", _ips_literal([wanted]), "failed to allocate IP %s: the provided IP (%s) is not in "
                               "the valid range. The range of valid IPs is %s" % (wanted, wanted, network))]
        if wanted in used:
            return [FieldError("Invalid", "spec.clusterIPs", _ips_literal([wanted]),
                               "failed to allocate IP %s: provided IP is already allocated" % wanted)]
        spec["clusterIP"] = wanted
        return []
    for host in network.hosts():
        if str(host) not in used:
            spec["clusterIP"] = str(host)
            return []
    raise ApiError(500, "InternalError", "Internal error occurred: failed to allocate a serviceIP: range is full")
