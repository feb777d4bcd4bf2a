"""`kubesim logs`: what a simulated container says.

A simulated container runs no program, so its log is kubesim's account of it, from the pod's status as the API
serves it: the image it runs and when it started, and for `--previous` how its last run ended. The refusals are
the API server's (`pkg/registry/core/pod/strategy.go` `LogLocation`, `validateContainer`):
``container "x" in pod "p" is waiting to start: <reason>``, ``previous terminated container "x" in pod "p" not
found``, and for a pod of several containers without `-c`, kubectl's default of the first one with a note.

`-f/--follow` is a wait (the time rule): after what the running container has said, the cluster runs and each
line comes as it happens, until that run of the container ends (the API server's log stream closes when the
container exits: its exit is the last line), its pod is gone, or the cluster settles with the container still
running (or has run for an hour, as a crash loop elsewhere never settles), where kubectl would wait for ever
and kubesim stops with a note on stderr.
"""

from __future__ import annotations

from kubesim import model as m

from . import printers as pr
from .common import Ctx, UserError


def _pod_name(ctx: Ctx, word: str) -> str:
    """`POD`, `pod/NAME`, or `deployment/NAME` (kubectl picks one of its pods: the first by name here)."""
    kind, sep, name = word.partition("/")
    if not sep:
        return word
    if kind in ("po", "pod", "pods"):
        return name
    if kind in ("deploy", "deployment", "deployments", "rs", "replicaset", "replicasets"):
        pods = [p for p in ctx.st.list("Pod", ctx.ns) if not p["metadata"].get("deletionTimestamp")
                and any(r.get("name", "").startswith(name) for r in p["metadata"].get("ownerReferences") or ())]
        if not pods:
            raise UserError(f"error: timed out waiting for the condition: no pods of {kind}/{name}")
        return sorted(pods, key=lambda p: p["metadata"]["name"])[0]["metadata"]["name"]
    raise UserError(f"error: cannot get the logs from {kind}: kubesim finds the pods of pods, deployments and replicasets")


def _started(cname: str, status: dict, run: dict) -> str:
    restarts = status.get("restartCount") or 0
    return (f"[kubesim] {cname} ({status.get('image', '')}) started at {run.get('startedAt')}"
            + (f" after {restarts} restart{'s' if restarts != 1 else ''}" if restarts else ""))


def _exited(cname: str, t: dict) -> str:
    return f"[kubesim] {cname} exited with code {t.get('exitCode')} ({t.get('reason', '')}) at {t.get('finishedAt')}"


def _status(pod: dict, cname: str) -> dict:
    return next((s for s in (pod.get("status") or {}).get("containerStatuses") or () if s.get("name") == cname), {})


def cmd_logs(ctx: Ctx) -> None:
    a = ctx.args
    name = _pod_name(ctx, a.pod)
    pod = ctx.st.get("Pod", ctx.ns, name)
    if pod is None:
        raise UserError(m.ApiError.not_found("pods", name).kubectl_message())
    names = [c["name"] for c in pod["spec"]["containers"]]
    cname = a.container or names[0]
    if a.container is None and len(names) > 1:
        ctx.err(f'Defaulted container "{cname}" out of: {", ".join(names)}')
    if cname not in names:
        raise UserError(f'Error from server (BadRequest): container {cname} is not valid for pod {name}')
    status = _status(pod, cname)
    if a.previous:
        last = (status.get("lastState") or {}).get("terminated")
        if not last:
            raise UserError(f'Error from server (BadRequest): previous terminated container "{cname}" in pod "{name}" not found')
        ctx.out(_started(cname, {**status, "restartCount": 0}, last))
        ctx.out(_exited(cname, last))
        return
    state = status.get("state") or {}
    if "running" not in state and "terminated" not in state:
        reason = (state.get("waiting") or {}).get("reason", "ContainerCreating")
        raise UserError(f'Error from server (BadRequest): container "{cname}" in pod "{name}" is waiting to start: {reason}')
    ctx.out(_started(cname, status, state.get("running") or state.get("terminated")))
    if "terminated" in state:
        ctx.out(_exited(cname, state["terminated"]))
    elif a.follow:
        _follow(ctx, pod, cname, status.get("restartCount") or 0)


def _follow(ctx: Ctx, pod: dict, cname: str, restarts: int) -> None:
    """Stream the running container's end: its exit (from its state, or from `lastState` when it has already
    been restarted), or nothing when its pod goes away or the cluster settles first."""
    from .waits import Clock

    ns, name, uid = pod["metadata"]["namespace"], pod["metadata"]["name"], pod["metadata"]["uid"]
    clock = Clock(ctx, None)
    while clock.step():
        now = ctx.st.get("Pod", ns, name)
        if now is None or now["metadata"]["uid"] != uid:
            return
        status = _status(now, cname)
        if (status.get("restartCount") or 0) != restarts:
            ctx.out(_exited(cname, (status.get("lastState") or {}).get("terminated") or {}))
            return
        if "terminated" in (status.get("state") or {}):
            ctx.out(_exited(cname, status["state"]["terminated"]))
            return
    ctx.err(f"note: kubesim stops following at t={pr.clock(ctx.st.now)}: the simulated cluster has settled (or run for an hour) "
            f"with {cname} still running, where kubectl would follow it for ever")
