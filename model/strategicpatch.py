"""`kubectl apply`'s strategic three-way merge, as a pure function of three objects.

kubectl computes `strategicpatch.CreateThreeWayMergePatch(original, modified, current)`
(original: the last-applied-configuration, modified: the manifest, current: the live
object) and the API server applies it with `StrategicMergePatch`. This module computes
the object that results, without building the patch:

- a field in `original` but not in `modified` is deleted from the live object; a field of
  the live object that neither names (set by a controller, `kubectl set`, `rollout undo`)
  stays (the deletions part of the patch only compares original with modified);
- a field of `modified` that differs from the live one is set (the delta part);
- maps merge key by key; a list whose `k8s.io/api` field is tagged
  ``patchStrategy:"merge"`` merges its items by the ``patchMergeKey`` (containers by
  ``name``, ``ports`` by ``containerPort``, ``volumeMounts`` by ``mountPath`` ...): items
  dropped since `original` are deleted (``$patch: delete``), the others merge item by item,
  live-only items stay, and the order is `normalizeElementOrder`'s (the manifest's items in
  its order, live-only items placed by their live position, `mergeSortedSlice`); every
  other list (``envFrom``, ``command``, ``args``, ``tolerations`` ...) is atomic: replaced
  whole when the manifest's differs;
- a map tagged ``retainKeys`` (a Deployment's ``strategy``, a volume's source) that the
  patch changes keeps only the keys of `modified` (``$retainKeys``), so switching
  ``strategy.type`` to Recreate drops the defaulted ``rollingUpdate``.

The schema below lists the tagged fields of the kinds the model serves (`k8s.io/api`
`core/v1` and `apps/v1` types.go); anything else is a plain map or an atomic list.
"""

from __future__ import annotations

import copy
import json
from typing import Any

#: Schema nodes: a map is {"retain": bool, "fields": {name: node}}; a merge list is
#: {"key": merge key (None for a list of scalars), "item": node of its items}.


def _map(retain: bool = False, **fields: dict) -> dict:
    return {"retain": retain, "fields": fields}


def _list(key: str | None, item: dict | None = None) -> dict:
    return {"key": key, "item": item or _map()}


_META = _map(ownerReferences=_list("uid"), finalizers=_list(None))
_CONTAINER = _map(ports=_list("containerPort"), env=_list("name"), volumeMounts=_list("mountPath"), volumeDevices=_list("devicePath"))
_POD_SPEC = _map(
    containers=_list("name", _CONTAINER),
    initContainers=_list("name", _CONTAINER),
    ephemeralContainers=_list("name", _CONTAINER),
    volumes=_list("name", _map(retain=True)),
    imagePullSecrets=_list("name"),
    hostAliases=_list("ip"),
    topologySpreadConstraints=_list("topologyKey"),
    schedulingGates=_list("name"),
    resourceClaims=_list("name", _map(retain=True)),
)
_TEMPLATE = _map(metadata=_META, spec=_POD_SPEC)
SCHEMAS = {
    "Pod": _map(metadata=_META, spec=_POD_SPEC),
    "Deployment": _map(metadata=_META, spec=_map(strategy=_map(retain=True), template=_TEMPLATE)),
    "ReplicaSet": _map(metadata=_META, spec=_map(template=_TEMPLATE)),
    "Service": _map(metadata=_META, spec=_map(ports=_list("port"))),
}
_PLAIN = _map()


def three_way(live: Any, last: Any, desired: Any, schema: dict | None = None) -> Any:
    """The live object after `kubectl apply` of `desired`, `last` being the last-applied
    configuration. `schema` defaults to the one of `desired`'s kind (`SCHEMAS`)."""
    if schema is None:
        schema = SCHEMAS.get(desired.get("kind"), _PLAIN) if isinstance(desired, dict) else _PLAIN
    return _merge(live, last, desired, schema)


def _merge(live: Any, last: Any, desired: Any, node: dict | None) -> Any:
    if isinstance(live, dict) and isinstance(desired, dict):
        return _merge_map(live, last if isinstance(last, dict) else {}, desired, node if node and "fields" in node else _PLAIN)
    if isinstance(live, list) and isinstance(desired, list) and node and "key" in node:
        return _merge_list(live, last if isinstance(last, list) else [], desired, node)
    return copy.deepcopy(desired)


def _merge_map(live: dict, last: dict, desired: dict, node: dict) -> dict:
    out = dict(live)
    for k in last:
        if k not in desired:
            out.pop(k, None)
    fields = node["fields"]
    for k, v in desired.items():
        out[k] = _merge(live[k], last.get(k), v, fields.get(k)) if k in live else copy.deepcopy(v)
    if node["retain"] and out != live:  # `$retainKeys` comes with any change to the map
        out = {k: v for k, v in out.items() if k in desired}
    return out


def _merge_list(live: list, last: list, desired: list, node: dict) -> list:
    key = node["key"]
    if key is None:  # a list of scalars with the merge strategy (`$deleteFromPrimitiveList`)
        gone = [v for v in last if v not in desired]
        kept = [v for v in live if v not in gone]
        return _ordered([v for v in kept if v in desired] + [v for v in desired if v not in kept], [v for v in kept if v not in desired], kept, _hashable)

    def ident(item):
        return _hashable(item.get(key)) if isinstance(item, dict) else None

    wanted = {ident(item) for item in desired}
    gone = {ident(item) for item in last} - wanted
    kept = [item for item in live if ident(item) not in gone]
    previous = {ident(item): item for item in last}
    by_key = {ident(item): item for item in kept}
    patch_items = []
    for item in desired:
        k = ident(item)
        patch_items.append(_merge(by_key[k], previous.get(k), item, node["item"]) if k in by_key else copy.deepcopy(item))
    server_only = [item for item in kept if ident(item) not in wanted]
    return _ordered(patch_items, server_only, kept, ident)


def _hashable(value: Any) -> Any:
    """A merge-key value usable in a set (a manifest may hold a list where a name belongs;
    validation refuses the merged object afterwards)."""
    return json.dumps(value, sort_keys=True) if isinstance(value, (dict, list)) else value


def _ordered(patch_items: list, server_only: list, server: list, ident) -> list:
    """`mergeSortedSlice`: the manifest's items in its order with the live-only items put
    back by their live position; a server-only item goes first only when both it and the
    next manifest item are in the live list and it comes earlier there."""
    position = {ident(item): i for i, item in enumerate(server)}
    out: list = []
    i = j = 0
    while i < len(server_only) or j < len(patch_items):
        if j >= len(patch_items):
            out.append(server_only[i])
            i += 1
        elif i < len(server_only) and ident(patch_items[j]) in position and position[ident(server_only[i])] < position[ident(patch_items[j])]:
            out.append(server_only[i])
            i += 1
        else:
            out.append(patch_items[j])
            j += 1
    return out
