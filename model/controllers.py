"""The control plane's controllers, registered in one explicit order.

A change reaches the controllers' informer handlers in this order, so the work items one
write enqueues are queued in this order too (for a pod: its ReplicaSet, then a Recreate
Deployment left without pods, then the Services that select it, then the scheduler or
kubelet). The engine runs each work item by the sync function registered under its name.
To add a controller: give its module a `Controller` (its handlers named after upstream's),
and place it in `CONTROLLERS`.
"""

from __future__ import annotations

from . import deployment, endpoints, garbagecollector, kubelet, replicaset, scheduler
from .informers import register

CONTROLLERS = (
    replicaset.CONTROLLER,
    deployment.CONTROLLER,
    endpoints.CONTROLLER,
    scheduler.CONTROLLER,
    kubelet.CONTROLLER,
    garbagecollector.CONTROLLER,
)

register(CONTROLLERS)
