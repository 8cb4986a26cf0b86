# Copyright (c) flatnet.kube contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""API errors and the Status bodies a kube-apiserver answers with."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional

# Field error types: (StatusCause reason, text in the message).
_FIELD_TYPES = {
    "Invalid": ("FieldValueInvalid", "Invalid value"),
    "TypeInvalid": ("FieldValueTypeInvalid", "Invalid value"),
    "Required": ("FieldValueRequired", "Required value"),
    "Unsupported": ("FieldValueNotSupported", "Unsupported value"),
    "Forbidden": ("FieldValueForbidden", "Forbidden"),
    "Duplicate": ("FieldValueDuplicate", "Duplicate value"),
}

_NO_VALUE = object()


class GoLiteral(str):
    """A value already written the way Go prints it (``[]string{"10.0.0.1"}``)."""


def go_repr(value: Any) -> str:
    """A value as Go's %v/%q would show it in a field error."""
    if isinstance(value, GoLiteral):
        return str(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if value is None:
        return "null"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


@dataclass
class FieldError:
    """One field error, like k8s.io/apimachinery's field.Error."""

    type: str
    field: str
    value: Any = _NO_VALUE
    detail: str = ""

    def body(self) -> str:
        """The message without the field path."""
        text = _FIELD_TYPES[self.type][1]
        if self.type in ("Required", "Forbidden") or self.value is _NO_VALUE:
            return "%s: %s" % (text, self.detail) if self.detail else text
        text = "%s: %s" % (text, go_repr(self.value))
        return "%s: %s" % (text, self.detail) if self.detail else text

    def __str__(self) -> str:
        return "%s: %s" % (self.field, self.body())

    def cause(self) -> dict:
        """The StatusCause of this error."""
        return {"reason": _FIELD_TYPES[self.type][0], "message": self.body(), "field": self.field}


class ApiError(Exception):
    """An error answered to the client as a Status body."""

    def __init__(self, code: int, reason: str, message: str, details: Optional[dict] = None) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details

    def status(self) -> dict:
        """The Status body."""
        body: dict = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                      "message": self.message, "reason": self.reason}
        if self.details is not None:
            body["details"] = self.details
        body["code"] = self.code
        return body


def _details(name: str, group: str, kind: str) -> dict:
    details: dict = {"name": name}
    if group:
        details["group"] = group
    details["kind"] = kind
    return details


def qualified(name: str, group: str) -> str:
    """``ippools.crd.projectcalico.org`` or ``services`` (core has no group)."""
    return "%s.%s" % (name, group) if group else name


def not_found(group: str, plural: str, name: str) -> ApiError:
    """404 for a missing object."""
    return ApiError(404, "NotFound", '%s "%s" not found' % (qualified(plural, group), name), _details(name, group, plural))


def path_not_found() -> ApiError:
    """404 for a path the server does not serve."""
    return ApiError(404, "NotFound", "the server could not find the requested resource", {})


def already_exists(group: str, plural: str, name: str) -> ApiError:
    """409 AlreadyExists."""
    return ApiError(409, "AlreadyExists", '%s "%s" already exists' % (qualified(plural, group), name), _details(name, group, plural))


def conflict(group: str, plural: str, name: str, why: str) -> ApiError:
    """409 Conflict."""
    message = 'Operation cannot be fulfilled on %s "%s": %s' % (qualified(plural, group), name, why)
    return ApiError(409, "Conflict", message, _details(name, group, plural))


MODIFIED = "the object has been modified; please apply your changes to the latest version and try again"


def invalid(group: str, kind: str, name: str, errors: list[FieldError]) -> ApiError:
    """422 Invalid with one cause per field error."""
    if len(errors) == 1:
        aggregate = str(errors[0])
    else:
        aggregate = "[%s]" % ", ".join(str(err) for err in errors)
    message = '%s "%s" is invalid: %s' % (qualified(kind, group), name, aggregate)
    details = _details(name, group, kind)
    details["causes"] = [err.cause() for err in errors]
    return ApiError(422, "Invalid", message, details)


def invalid_text(group: str, kind: str, name: str, message: str, causes: list[dict]) -> ApiError:
    """422 Invalid with a message written by the validator itself (Calico's wording)."""
    details = _details(name, group, kind)
    details["causes"] = causes
    return ApiError(422, "Invalid", message, details)


def unprocessable(text: str) -> ApiError:
    """422 for a patch that cannot be applied (a failed test, a missing path)."""
    return ApiError(422, "Invalid", "the server rejected our request due to an error in our request",
                    {"causes": [{"reason": "UnexpectedServerResponse", "message": text}]})


def bad_request(message: str) -> ApiError:
    """400 BadRequest."""
    return ApiError(400, "BadRequest", message)


def unauthorized() -> ApiError:
    """401 Unauthorized."""
    return ApiError(401, "Unauthorized", "Unauthorized")


def forbidden(group: str, plural: str, name: str, why: str) -> ApiError:
    """403 Forbidden."""
    message = '%s "%s" is forbidden: %s' % (qualified(plural, group), name, why)
    return ApiError(403, "Forbidden", message, _details(name, group, plural))


def method_not_allowed(message: str = "the server does not allow this method on the requested resource") -> ApiError:
    """405 MethodNotAllowed."""
    return ApiError(405, "MethodNotAllowed", message, {})


def unsupported_media_type(message: str) -> ApiError:
    """415 UnsupportedMediaType."""
    return ApiError(415, "UnsupportedMediaType", message)


def not_acceptable(message: str) -> ApiError:
    """406 NotAcceptable."""
    return ApiError(406, "NotAcceptable", message)


def internal(message: str) -> ApiError:
    """500 InternalError."""
    return ApiError(500, "InternalError", "Internal error occurred: %s" % message,
                    {"causes": [{"message": message}]})
