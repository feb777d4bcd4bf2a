"""Decide what the API server makes of an object on create or update: decode it, default it, validate it.

`admit` is the whole pipeline for the served kinds (v1 Pod, Service, ConfigMap, Namespace; apps/v1
ReplicaSet, Deployment). It mirrors, in this order:

* decoding: `sigs.k8s.io/json` strict decoding as the API server runs it for ``fieldValidation=Strict``
  (kubectl's default since v1.27): the first Go type error wins (``json: cannot unmarshal number into Go
  struct field ConfigMap.data of type string``), else every unknown field is listed
  (``strict decoding error: unknown field "spec.foo"``). Go decodes the JSON that kubectl produced from
  YAML, whose map keys are sorted, so fields are visited in sorted order.
* defaulting: `pkg/apis/apps/v1/defaults.go`, `pkg/apis/core/v1/defaults.go` and the registry strategies'
  `PrepareForCreate` (status reset, Namespace finalizers, Service ipFamilies).
* validation: `pkg/apis/apps/validation/validation.go`, `pkg/apis/core/validation/validation.go`,
  `k8s.io/apimachinery/pkg/api/validation/objectmeta.go` and `k8s.io/apimachinery/pkg/util/validation`.

One module per stage: `schema` (the Go types) and `decode`, `defaults`, then the checks: `fields` (names,
labels, metadata, selectors), `pod` (the pod spec) and `resources` (each kind's `Validate*`).

Abstracts: fields the model does not use (resources, securityContext, affinity, ...) are accepted as
opaque JSON; the store, not this module, allocates clusterIP and nodePort, checks the nodePort range
and conflicts, generates names and adds uid/resourceVersion/creationTimestamp/generation. Admission
plugins (ServiceAccount, Priority, DefaultTolerationSeconds) are left out.
"""

from __future__ import annotations

from kubesim.model.errors import ApiError
from kubesim.model.kinds import KINDS

from .decode import decode, json_kind, number_text
from .defaults import DEFAULTERS, image_tag, set_defaults
from .resources import VALIDATORS, validate
from .schema import SCHEMAS

__all__ = ["DEFAULTERS", "SCHEMAS", "VALIDATORS", "admit", "decode", "image_tag", "json_kind", "number_text", "set_defaults",
           "validate"]


def admit(obj: dict, *, old: dict | None = None, begin_create=None) -> dict:
    """Return a decoded, defaulted deep copy of `obj`, or raise the `ApiError` the API server would.

    `old` is the stored object on update; it enables the immutability rules (apps/v1 `spec.selector`,
    ConfigMap `immutable`). The result carries no server-assigned metadata. `begin_create(decoded)`, if given,
    runs between defaulting and validation, where the registry's `Store.Create` calls its `BeginCreate` hook
    (the Service node-port allocator, `store.begin_create`), so its errors come first.
    """
    if not isinstance(obj, dict):
        raise ApiError("BadRequest", "the body of the request was in an unknown format")
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    schema = SCHEMAS.get((api_version, kind)) if isinstance(api_version, str) and isinstance(kind, str) else None
    if schema is None:
        raise ApiError("BadRequest", f'no kind "{kind}" is registered for version "{api_version}"', kind=str(kind))
    decoded = decode(obj, schema, kind, api_version)
    set_defaults(decoded, kind)
    if begin_create is not None:
        begin_create(decoded)
    causes = validate(decoded, kind, old)
    if causes:
        meta = decoded.get("metadata", {})
        raise ApiError.invalid(
            kind, meta.get("name", ""), causes, group=KINDS[kind].group,
            resource=KINDS[kind].resource, namespace=meta.get("namespace", ""),
        )
    return decoded
