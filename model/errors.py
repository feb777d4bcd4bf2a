"""Errors the model raises, shaped like the Kubernetes API server's and kubectl's.

Two families, as in real Kubernetes:

* `ApiError` is what the API server answers (a `Status` object): `reason` is the
  `metav1.StatusReason` (``Invalid``, ``BadRequest``, ``NotFound``, ``AlreadyExists``,
  ``Conflict``), `code` the HTTP code, and for ``Invalid`` one `Cause` per field.
* `ManifestError` is what kubectl itself reports before anything reaches the server:
  YAML that does not parse, a document that is not an object, a kind that no served
  API knows ("no matches for kind").

Both keep the file, the document index, the object and the field as attributes, so a
front end can name them; `str()` gives the message kubectl would print after its prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Cause:
    """One field error, as `field.Error` renders it: ``<field>: <type>: <detail>``."""

    field: str
    type: str  # "Invalid value", "Required value", "Forbidden", "Unsupported value", "Duplicate value", "Too long"
    detail: str = ""
    value: Any = None
    has_value: bool = False

    def __str__(self) -> str:
        if self.type == "Required value":
            text = f"{self.field}: Required value"
            return f"{text}: {self.detail}" if self.detail else text
        if self.has_value:
            text = f"{self.field}: {self.type}: {render_value(self.value)}"
        else:
            text = f"{self.field}: {self.type}"
        return f"{text}: {self.detail}" if self.detail else text


@dataclass(frozen=True, slots=True)
class GoJSON:
    """A bad value that is an internal Go struct: `field.Error` prints `json.Marshal` of it, whose keys are the
    Go field names in declaration order (internal types have no json tags). `text` is that rendering."""

    text: str


def go_json_string(value: str) -> str:
    """`json.Marshal` of a Go string: UTF-8 kept; ``\\n``, ``\\r``, ``\\t``, ``\\"``, ``\\\\`` short; other control
    characters, ``<``, ``>``, ``&``, U+2028 and U+2029 as ``\\u00XX`` / ``\\u20XX``."""
    short = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
    out = []
    for ch in value:
        if ch in short:
            out.append(short[ch])
        elif ch < " " or ch in "<>&\u2028\u2029":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def render_value(value: Any) -> str:
    """Render a field value the way recent API servers print it in `field.Error`."""
    import json

    if isinstance(value, GoJSON):
        return value.text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value)
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


_CODES = {
    "Invalid": 422,
    "BadRequest": 400,
    "NotFound": 404,
    "AlreadyExists": 409,
    "Conflict": 409,
    "Forbidden": 403,
    "MethodNotAllowed": 405,
}


class KubesimError(Exception):
    """Base class of every error the model raises on purpose."""


class ApiError(KubesimError):
    """A request the API server refuses.

    `kind` is the Go kind ("Deployment"), `resource` the plural resource with its group
    ("deployments.apps") used by NotFound/AlreadyExists messages, `name` the object name.
    """

    def __init__(
        self,
        reason: str,
        message: str,
        *,
        kind: str = "",
        resource: str = "",
        name: str = "",
        namespace: str = "",
        causes: tuple[Cause, ...] = (),
    ) -> None:
        super().__init__(message)
        self.reason = reason
        self.code = _CODES.get(reason, 500)
        self.message = message
        self.kind = kind
        self.resource = resource
        self.name = name
        self.namespace = namespace
        self.causes = tuple(causes)
        # Where the object came from, filled in by loaders and front ends.
        self.source: str | None = None
        self.document_index: int | None = None

    @property
    def field(self) -> str | None:
        """The first offending field path, if the error names one."""
        return self.causes[0].field if self.causes else None

    def __str__(self) -> str:
        return self.message

    def status(self) -> dict:
        """Return the `metav1.Status` object the API server would send."""
        details: dict[str, Any] = {"name": self.name, "kind": self.resource.split(".")[0] if self.resource else self.kind.lower()}
        group = self.resource.split(".", 1)[1] if "." in self.resource else ""
        if group:
            details["group"] = group
        if self.causes:
            details["causes"] = [
                {"reason": _cause_reason(c.type), "message": str(c).split(": ", 1)[1] if ": " in str(c) else str(c), "field": c.field}
                for c in self.causes
            ]
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": self.message,
            "reason": self.reason,
            "details": details,
            "code": self.code,
        }

    @classmethod
    def invalid(
        cls, kind: str, name: str, causes: list[Cause] | tuple[Cause, ...], *, group: str = "", resource: str = "", namespace: str = ""
    ) -> "ApiError":
        """Build the 422 ``Invalid`` error with upstream's message layout (`errors.NewInvalid`).

        One cause: ``Deployment.apps "web" is invalid: <cause>``; several:
        ``Deployment.apps "web" is invalid: [<c1>, <c2>]`` (an aggregate). kubectl rewrites it
        as ``The Deployment "web" is invalid: ...`` (see `kubectl_message`).
        """
        causes = tuple(causes)
        qualified = f"{kind}.{group}" if group else kind
        if len(causes) == 1:
            msg = f'{qualified} "{name}" is invalid: {causes[0]}'
        else:
            msg = f'{qualified} "{name}" is invalid: [' + ", ".join(str(c) for c in causes) + "]"
        return cls("Invalid", msg, kind=kind, resource=resource, name=name, namespace=namespace, causes=causes)

    def kubectl_message(self) -> str:
        """Return the text kubectl prints for this error (`cmdutil.StandardErrorMessage`).

        Invalid errors become ``The <Kind> "<name>" is invalid: <cause>`` (one cause) or
        ``The <Kind> "<name>" is invalid: \n* <c1>\n* <c2>`` (several); the others are
        ``Error from server (<Reason>): <message>``.
        """
        if self.reason == "Invalid" and self.causes:
            if len(self.causes) == 1:
                return f'The {self.kind} "{self.name}" is invalid: {self.causes[0]}'
            return f'The {self.kind} "{self.name}" is invalid: \n' + "\n".join(f"* {c}" for c in self.causes)
        return f"Error from server ({self.reason}): {self.message}"

    @classmethod
    def not_found(cls, resource: str, name: str, namespace: str = "") -> "ApiError":
        return cls("NotFound", f'{resource} "{name}" not found', resource=resource, name=name, namespace=namespace)

    @classmethod
    def already_exists(cls, resource: str, name: str, namespace: str = "") -> "ApiError":
        return cls("AlreadyExists", f'{resource} "{name}" already exists', resource=resource, name=name, namespace=namespace)


def _cause_reason(cause_type: str) -> str:
    return {
        "Invalid value": "FieldValueInvalid",
        "Required value": "FieldValueRequired",
        "Forbidden": "FieldValueForbidden",
        "Unsupported value": "FieldValueNotSupported",
        "Duplicate value": "FieldValueDuplicate",
        "Too long": "FieldValueTooLong",
    }.get(cause_type, "FieldValueInvalid")


class ManifestError(KubesimError):
    """A manifest kubectl refuses before sending it: bad YAML, not an object, unknown kind.

    `source` is the file ("-" for stdin), `document_index` the 0-based index of the YAML
    document, `kind`/`name` the object if known, `field` the offending path if any.
    """

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        document_index: int | None = None,
        kind: str = "",
        name: str = "",
        field: str | None = None,
        list_item: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.document_index = document_index
        self.kind = kind
        self.name = name
        self.field = field
        #: The error is about an item of the ``kind: List`` at `document_index`: kubectl's `FlattenListVisitor`
        #: gathers those of one list into one aggregate error.
        self.list_item = list_item

    def __str__(self) -> str:
        return self.message


class ControllerError(KubesimError):
    """A client-side workflow error that kubectl reports with ``error: ...`` (e.g. rollout undo)."""
