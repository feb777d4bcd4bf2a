"""A pod's QoS class, as the API server writes it into `status.qosClass` on create.

Mirrors `ComputePodQOS` (pkg/apis/core/helper/qos/qos.go; `GetPodQOS` returns it for a pod
whose status has no class yet) applied to the pod as `SetDefaults_Pod` leaves it: a container
resource with a limit but no request has its request defaulted to the limit first.

Abstracts: pod-level `spec.resources` (the PodLevelResources feature) is not read; quantities
that do not parse are compared as written.
"""

from __future__ import annotations

from fractions import Fraction
import re

#: The resources that decide the class (`supportedQoSComputeResources`).
QOS_RESOURCES = ("cpu", "memory")

_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"n": Fraction(1, 10**9), "u": Fraction(1, 10**6), "m": Fraction(1, 1000), "": 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}
_QUANTITY_RE = re.compile(r"([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE]?)\Z")


def parse_quantity(value: object) -> Fraction | None:
    """Return the value of a `resource.Quantity` ("100m", "1Gi", "1e3", 2), or None if it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return Fraction(value)
    match = _QUANTITY_RE.match(str(value))
    if match is None:
        return None
    number, suffix = Fraction(match.group(1)), match.group(2)
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    if suffix in _DECIMAL:
        return number * _DECIMAL[suffix]
    return number * Fraction(10) ** int(suffix[1:])


def _amount(value: object) -> object:
    """A comparable amount, or None for zero (`ComputePodQOS` skips quantities that are not above zero)."""
    q = parse_quantity(value)
    if q is None:
        return str(value)
    return q if q > 0 else None


def qos_class(spec: dict) -> str:
    """Return "BestEffort", "Burstable" or "Guaranteed" for a pod with `spec` (`ComputePodQOS`).

    Requests and limits of cpu and memory are summed over containers and init containers;
    BestEffort when there are none; Guaranteed when every container limits both cpu and memory
    and the summed requests equal the summed limits; Burstable otherwise.
    """
    requests: dict[str, object] = {}
    limits: dict[str, object] = {}
    guaranteed = True
    for container in [*(spec.get("containers") or ()), *(spec.get("initContainers") or ())]:
        resources = (container.get("resources") if isinstance(container, dict) else None) or {}
        lim = resources.get("limits") or {}
        req = {**lim, **(resources.get("requests") or {})}  # SetDefaults_Pod: a missing request defaults to the limit
        for total, given in ((requests, req), (limits, lim)):
            for name in QOS_RESOURCES:
                amount = _amount(given[name]) if name in given else None
                if amount is not None:
                    total[name] = _add(total.get(name), amount)
        if not all(name in lim and _amount(lim[name]) is not None for name in QOS_RESOURCES):
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and requests == limits:
        return "Guaranteed"
    return "Burstable"


def _add(total: object, amount: object) -> object:
    if total is None:
        return amount
    if isinstance(total, Fraction) and isinstance(amount, Fraction):
        return total + amount
    return f"{total}+{amount}"


__all__ = ["QOS_RESOURCES", "parse_quantity", "qos_class"]
