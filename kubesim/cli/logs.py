"""`kubesim logs`: what a simulated container says.

A simulated container runs no program, so its log is kubesim's account of it, from the pod's status as the API
serves it: the image it runs and when it started, and for `--previous` how its last run ended. The refusals are
the API server's (`pkg/registry/core/pod/strategy.go` `LogLocation`, `validateContainer`):
``container "x" in pod "p" is waiting to start: <reason>``, ``previous terminated container "x" in pod "p" not
found``, and for a pod of several containers without `-c`, kubectl's default of the first one with a note.
"""

from __future__ import annotations

from kubesim import model as m

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
    status = next((s for s in (pod.get("status") or {}).get("containerStatuses") or () if s.get("name") == cname), {})
    if a.previous:
        last = (status.get("lastState") or {}).get("terminated")
        if not last:
            raise UserError(f'Error from server (BadRequest): previous terminated container "{cname}" in pod "{name}" not found')
        ctx.out(f"[kubesim] {cname} ({status.get('image', '')}) started at {last.get('startedAt')}")
        ctx.out(f"[kubesim] {cname} exited with code {last.get('exitCode')} ({last.get('reason', '')}) at {last.get('finishedAt')}")
        return
    state = status.get("state") or {}
    if "running" not in state and "terminated" not in state:
        reason = (state.get("waiting") or {}).get("reason", "ContainerCreating")
        raise UserError(f'Error from server (BadRequest): container "{cname}" in pod "{name}" is waiting to start: {reason}')
    run = state.get("running") or state.get("terminated")
    ctx.out(f"[kubesim] {cname} ({status.get('image', '')}) started at {run.get('startedAt')}"
            + (f" after {status['restartCount']} restart{'s' if status['restartCount'] != 1 else ''}" if status.get("restartCount") else ""))
    if "terminated" in state:
        t = state["terminated"]
        ctx.out(f"[kubesim] {cname} exited with code {t.get('exitCode')} ({t.get('reason', '')}) at {t.get('finishedAt')}")
