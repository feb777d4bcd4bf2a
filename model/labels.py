"""Label selectors: `matchLabels` and `matchExpressions` as `metav1.LabelSelectorAsSelector` reads them."""

from __future__ import annotations

from typing import Mapping


def selector_matches(selector: Mapping | None, labels: Mapping | None) -> bool:
    """Return whether a `metav1.LabelSelector` selects an object with `labels`.

    A nil selector selects nothing; an empty one (``{}``) selects everything.
    """
    if selector is None:
        return False
    labels = labels or {}
    for k, v in (selector.get("matchLabels") or {}).items():
        if labels.get(k) != v:
            return False
    for expr in selector.get("matchExpressions") or ():
        key, op, values = expr["key"], expr["operator"], expr.get("values") or ()
        if op == "In":
            if key not in labels or labels[key] not in values:
                return False
        elif op == "NotIn":
            if key in labels and labels[key] in values:
                return False
        elif op == "Exists":
            if key not in labels:
                return False
        elif op == "DoesNotExist":
            if key in labels:
                return False
        else:  # validation rejects other operators
            return False
    return True


def map_selector_matches(selector: Mapping | None, labels: Mapping | None) -> bool:
    """Return whether a Service's plain `spec.selector` map selects `labels`.

    An empty or missing Service selector selects nothing (the Service has user-managed endpoints).
    """
    if not selector:
        return False
    labels = labels or {}
    return all(labels.get(k) == v for k, v in selector.items())
