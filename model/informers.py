"""The informers' event handlers: which controller work a stored change enqueues.

In kube-controller-manager each controller registers `cache.ResourceEventHandlerFuncs`
(`AddFunc`, `UpdateFunc`, `DeleteFunc`) on the shared informers of the kinds it watches,
and a change reaches the handlers in the order they were registered. Here each controller
module declares a `Controller`: its work-item name, its sync function, and per watched
kind a `Handlers` record of functions named after upstream's (`add_pod`, `update_pod`,
`delete_pod`, ...). `model/controllers.py` registers them, in one explicit order; the
store calls `fan_out` on every write, and the engine runs work items by the registered
sync functions.

A handler appends the work items it enqueues to `queue` (a list): ``add(queue, st, obj,
ref)``, ``update(queue, st, old, cur, ref, status_only)``, ``delete(queue, st, obj, ref)``,
where `ref` is the controller reference of the object written (the new one on update)
and `status_only` says the write went through the status subresource. `st` is the state
before the write; a handler reads only what its own write does not change.

Abstracts: the informers' delay. Every handler runs as part of the write, so the work it
enqueues is on the queue when the write returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from .state import ClusterState


@dataclass(frozen=True)
class Handlers:
    """A controller's event handlers for one watched kind (a missing one: that event enqueues nothing)."""

    add: Callable | None = None
    update: Callable | None = None
    delete: Callable | None = None


@dataclass(frozen=True)
class Controller:
    """A controller: the work items named `name` run `sync(st, *item[1:])`; `watches` maps kind -> `Handlers`."""

    name: str
    sync: Callable[..., ClusterState]
    watches: dict[str, Handlers] = field(default_factory=dict)


#: kind -> the registered add / update / delete handlers, in registration order.
_ADD: dict[str, tuple] = {}
_UPDATE: dict[str, tuple] = {}
_DELETE: dict[str, tuple] = {}


def register(controllers: tuple[Controller, ...]) -> None:
    """Register `controllers`' handlers (replacing any registered before): their order is the
    order in which every change reaches them, and so the order of the work they enqueue."""
    for table, event in ((_ADD, "add"), (_UPDATE, "update"), (_DELETE, "delete")):
        table.clear()
        for c in controllers:
            for kind, handlers in c.watches.items():
                handler = getattr(handlers, event)
                if handler is not None:
                    table[kind] = (*table.get(kind, ()), handler)


def fan_out(st: ClusterState, kind: str, old: dict | None, new: dict | None, ref: dict | None, status_only: bool) -> list:
    """The work the registered handlers enqueue for the change of one `kind` object from `old` to
    `new` (None: created / deleted), in registration order."""
    queue: list = []
    if old is None:
        for handler in _ADD.get(kind, ()):
            handler(queue, st, new, ref)
    elif new is None:
        for handler in _DELETE.get(kind, ()):
            handler(queue, st, old, ref)
    else:
        for handler in _UPDATE.get(kind, ()):
            handler(queue, st, old, new, ref, status_only)
    return queue
