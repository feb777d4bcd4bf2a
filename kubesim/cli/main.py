"""`kubesim`: kubectl's commands over an embedded simulated cluster kept in a state file.

Each invocation loads the state (under a lock), performs the request with the model and
prints what kubectl would print. Time follows one rule (`parser.TIME_RULE`, also in
`kubesim --help`): reads never move the cluster nor write the state; changes are followed
by running the cluster until it settles (unless ``--no-settle``) and are written back
atomically; waits move time as far as they waited and keep it even when they fail. A
change the model refuses changes nothing; `apply` applies the valid objects of a file and
reports the others, as kubectl does, and exits 1 if any was refused.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from kubesim import model as m
from kubesim.model import kubectl as mk
from kubesim.model.clock import parse_duration
from kubesim.model.deployment import util as du
from kubesim.model.kinds import prefix
from kubesim.model.state import ClusterState

from .. import statefile
from . import printers as pr
from .apply import cmd_apply
from .common import Ctx, UserError, error_text, exec_command, kind_and_names, one_deployment, parse_timeout
from .explain import cmd_explain
from .history import history_text
from .imperative import cmd_create, cmd_diff, cmd_expose
from .logs import cmd_logs
from .metadata import cmd_annotate, cmd_api_resources, cmd_label, cmd_version
from .parser import UsageError, parse
from .record import Recorder, rollout_status_message
from .resources import cmd_delete, cmd_describe, cmd_get
from .targets import parse_targets, select
from .waits import cmd_wait

MAX_TIMELINE = 5000


# ----- commands ------------------------------------------------------------------------------


def cmd_scale(ctx: Ctx) -> None:
    kind, names = kind_and_names(ctx.args.resource, ctx.args.names)
    if not names:
        raise UserError("error: resource(s) were provided, but no name was specified")
    st = ctx.st
    for name in names:
        st, line = m.perform(st, m.Scale(kind, name, ctx.args.replicas, ctx.ns))
        ctx.out(line)
    ctx.st = st


def cmd_set(ctx: Ctx) -> None:
    kind, names = kind_and_names(ctx.args.resource, [])
    images = {}
    for pair in ctx.args.pairs:
        cname, sep, image = pair.partition("=")
        if not sep or not cname or not image:
            raise UserError(f"error: invalid argument {pair!r}: use CONTAINER=IMAGE\nSee 'kubectl set image -h' for help and examples")
        images[cname] = image
    st, line = mk.set_image(ctx.st, kind, ctx.ns, names[0], images)
    if line.endswith("image updated"):
        ctx.out(line)
    ctx.st = st


def cmd_rollout(ctx: Ctx) -> None:
    a = ctx.args
    action = a.action
    if a.resource is None:
        raise UserError("error: required resource not specified")
    if action == "status":
        return rollout_status(ctx, _status_target(ctx))
    if a.selector is not None:
        raise UserError(f"error: kubesim implements -l/--selector for rollout status only, not for rollout {action}")
    name = one_deployment(a.resource, a.names)
    ns = ctx.ns
    if action == "history":
        return rollout_history(ctx, name)
    d = ctx.st.get("Deployment", ns, name)
    if d is None:
        raise UserError(m.ApiError.not_found("deployments.apps", name).kubectl_message())
    if action == "undo":
        if du.LAST_APPLIED in (d["metadata"].get("annotations") or {}):
            ctx.err(f"Warning: resource deployments/{name} was previously managed with 'kubectl apply'. Rolling back will not update the "
                    "kubectl.kubernetes.io/last-applied-configuration annotation, which may cause unexpected behavior on future 'kubectl apply' "
                    "operations. Consider using 'kubectl apply' with your previous configuration file instead.")
        act = m.RolloutUndo(name, a.to_revision, ns)
    else:
        act = {"restart": m.RolloutRestart, "pause": m.RolloutPause, "resume": m.RolloutResume}[action](name, ns)
    ctx.st, line = m.perform(ctx.st, act)
    ctx.out(line)


def _status_target(ctx: Ctx) -> str:
    """The one Deployment `rollout status` watches (`rollout_status.go` `Run`): the builder takes one resource
    type (`SingleResourceType`), names or `-l` (a type alone lists them all), and exactly one object must come out."""
    a = ctx.args
    targets = parse_targets([a.resource, *a.names])
    if len(targets) > 1:
        raise UserError("error: you may only specify a single resource type")
    kind, names = targets[0]
    if kind != "Deployment":
        raise UserError(f'error: no rollout support for {prefix(kind)} "{names[0] if names else ""}": kubesim simulates rollouts of deployments only')
    found, errors = select(ctx, targets)
    if errors:
        raise UserError(errors[0])
    objs = found[0][1]
    if len(objs) != 1:
        raise UserError(f"error: rollout status is only supported on individual resources and resource collections - {len(objs)} resources were found")
    return objs[0]["metadata"]["name"]


def rollout_status(ctx: Ctx, name: str) -> None:
    """Print `rollout status` lines as the watch would, letting time pass until the rollout is done, fails, or
    `--timeout` (logical) runs out (`rollout_status.go`: ``timed out waiting for the condition``)."""
    st = ctx.st
    if st.get("Deployment", ctx.ns, name) is None:
        raise UserError(m.ApiError.not_found("deployments.apps", name).kubectl_message())
    watch = str(ctx.args.watch).lower() not in ("false", "0", "f")
    timeout = parse_timeout(ctx.args.timeout) if ctx.args.timeout else 0
    deadline = st.now + timeout if timeout else None
    revision = ctx.args.revision
    last_obj = None
    for s in ([st] if not watch else m.history(st)):
        if deadline is not None and s.now > deadline:
            ctx.st = m.advance(ctx.st, deadline - ctx.st.now, observe=ctx.recorder.observe)
            raise UserError("error: timed out waiting for the condition")
        ctx.st = s
        ctx.recorder.observe(s)
        d = s.get("Deployment", ctx.ns, name)
        if d is None:
            raise UserError("error: object has been deleted")
        if d is last_obj:
            continue
        last_obj = d
        msg, done, error = rollout_status_message(d, revision)
        if error:
            raise UserError(f"error: {error}")
        ctx.out(msg)
        if done or not watch:
            break


def rollout_history(ctx: Ctx, name: str) -> None:
    d = ctx.st.get("Deployment", ctx.ns, name)
    if d is None:
        raise UserError(m.ApiError.not_found("deployments.apps", name).kubectl_message())
    rss = ctx.st.dependents_of(d["metadata"]["uid"], "ReplicaSet")
    ctx.out(history_text(name, {du.revision(rs): rs for rs in rss}, ctx.args.revision))


def cmd_exec(ctx: Ctx, raw_argv: list[str]) -> None:
    a = ctx.args
    command = exec_command(a.command_, raw_argv)
    if a.stdin or a.tty:
        ctx.err("note: kubesim's simulated containers are not interactive: -i/--stdin and -t/--tty are ignored")
    pod = ctx.st.get("Pod", ctx.ns, a.pod)
    if pod is None:
        raise UserError(m.ApiError.not_found("pods", a.pod).kubectl_message())
    phase = (pod.get("status") or {}).get("phase")
    if phase in ("Succeeded", "Failed"):
        raise UserError(f"error: cannot exec into a container in a completed pod; current phase is {phase}")
    cname = a.container or pod["spec"]["containers"][0]["name"]
    if a.container and a.container not in [c["name"] for c in pod["spec"]["containers"]]:
        raise UserError(f"error: unable to upgrade connection: container {a.container} not found in pod {a.pod}")
    env = m.container_env(ctx.st, ctx.ns, a.pod, a.container)
    if env is None:
        raise UserError(f'error: unable to upgrade connection: container not found ("{cname}")')
    prog, args = command[0], command[1:]
    if prog in ("printenv", "env") and not (prog == "env" and args):
        env = dict(env)
        if args:
            values = [env[k] for k in args if k in env]
            for v in values:
                ctx.out(v)
            if len(values) < len(args):
                raise UserError("command terminated with exit code 1")
        else:
            for k, v in env.items():
                ctx.out(f"{k}={v}")
        return
    if prog == "cat" and args:
        files = m.containerread_files(ctx.st, ctx.ns, a.pod, a.container)
        for path in args:
            if path in files:
                ctx.out(files[path].rstrip("\n") if files[path].endswith("\n") else files[path])
            else:
                ctx.err(f"cat: {path}: No such file or directory")
                ctx.failed = True
        if ctx.failed:
            raise UserError("command terminated with exit code 1")
        return
    raise UserError(f'error: Internal error occurred: kubesim\'s simulated containers run only printenv, env and cat, not "{prog}"\n'
                    "command terminated with exit code 126", code=126)


def cmd_advance(ctx: Ctx) -> None:
    try:
        ms = parse_duration(ctx.args.duration)
    except ValueError:
        raise UserError(f'error: invalid duration "{ctx.args.duration}": use e.g. 10s, 2m, 1h30m, 500ms')
    if ms < 0:
        raise UserError("error: time only moves forward")
    observe = ctx.recorder.observe if ctx.recorder else None
    ctx.st = m.advance(ctx.st, ms, observe=observe)
    ctx.out(f"t={pr.clock(ctx.st.now)}")


def cmd_timeline(ctx: Ctx) -> None:
    from .record import format_timeline

    entries = [e for e in ctx.session.get("timeline", []) if ctx.args.namespace is None or e.get("namespace") in (ctx.ns, "")]
    ctx.out(format_timeline(entries, ctx.args.output).rstrip("\n"))


def cmd_plot(ctx: Ctx) -> None:
    """Draw the rollout chart of the report (`kubesim.timeline.plot`) from this session's samples.

    Series are named by revision and image (from the ReplicaSets as they are now, whose
    revision-history annotation keeps the revisions a rollback replaced); the commands that
    changed the namespace are marked on the time axis, numbered, as the report marks a
    scenario's (`record.command_marks`). A session written by a kubesim that kept no command
    lines gets a chart without marks, and a note saying why.
    """
    from ..driver import Observation
    from ..timeline import plot, replicaset_labels
    from .record import command_marks, rollout_samples

    name = one_deployment(ctx.args.resource, [])
    samples = rollout_samples(ctx.session, ctx.ns, name)
    if not samples:
        raise UserError(f'error: no observations of deployment "{name}" in namespace "{ctx.ns}" yet: apply it first')
    out = ctx.args.output
    if not out.endswith((".svg", ".png")):
        raise UserError(f'error: cannot tell the image format of "{out}": use a .svg or .png file name')
    labels = replicaset_labels([Observation(0.0, {"ReplicaSet": ctx.st.list("ReplicaSet", ctx.ns)})])
    marks = command_marks(ctx.session, ctx.ns)
    if marks is None:
        ctx.err("note: this session was recorded by a kubesim that kept no command lines; the time axis has no command marks")
    plot(samples, out, title=f"rollout of deployment/{name}", replicasets=labels, commands=marks or (), clock="logical")
    ctx.out(f"wrote {out}")


def cmd_check(ctx: Ctx) -> int:
    from .check import run_check

    return run_check(ctx.args.driver, Path(ctx.args.report), stateful=not ctx.args.no_stateful, kube_context=ctx.args.kube_context, out=ctx.out, err=ctx.err)


def cmd_tour(ctx: Ctx) -> int:
    from ..tour import run_tour, write_manifests

    if ctx.args.write is None:
        return run_tour(main, out=ctx.out)
    try:
        written = write_manifests(Path(ctx.args.write))
    except OSError as e:
        raise UserError(f"error: {e}")
    ctx.out(f"wrote {len(written)} manifests to {ctx.args.write}: {' '.join(p.name for p in written)}")
    ctx.out("run the tour's commands there, e.g.: kubesim apply -f rs.yaml -f svc-31001.yaml")
    return 0


def kind_of_command(args) -> str:
    """Which side of the time rule (`parser.TIME_RULE`) a command is on: "read", "wait" or "change"."""
    c = args.command
    if c in ("advance", "wait") or (c == "rollout" and args.action == "status") or (c == "get" and args.watch) \
            or (c == "logs" and args.follow and not args.previous):
        return "wait"
    if c in ("get", "describe", "timeline", "plot", "exec", "logs", "diff") or (c == "rollout" and args.action == "history") \
            or (c == "apply" and args.dry_run != "none"):
        return "read"
    return "change"


def pending_note(st: ClusterState) -> str | None:
    """The stderr note of a read on a cluster that has not settled: how many visible changes are still to come, and
    over how long (found by settling a copy, which is thrown away; a settled cluster costs nothing)."""
    if not len(st.queued) and not st.timer_times:
        return None
    probe = Recorder({}, st)
    end = m.settle(st, observe=probe.observe)
    changes = len(probe.new_entries())
    if not changes:
        return None
    over = -(-(end.now - st.now) // 1000) * 1000  # whole seconds, rounded up: advancing by it lets every change happen
    return (f"note: the simulated cluster has not settled: {changes} change{'s' if changes != 1 else ''} pending"
            f"{f' over the next {pr.clock(over)}' if over else ' at this instant'}; reads do not move time "
            f"(`kubesim advance {pr.clock(max(over, 1000))}` or `kubesim rollout status` let them happen)")


class _Output:
    """stdout and stderr lines; a closed stdout (`| head -1`) ends the output quietly, as SIGPIPE ends kubectl."""

    def __init__(self) -> None:
        self.closed = False

    def out(self, text: str, end: str = "\n") -> None:
        if self.closed:
            return
        try:
            sys.stdout.write(text + end)
            sys.stdout.flush()
        except BrokenPipeError:
            self.closed = True
            try:  # the interpreter flushes stdout again at exit: point it at /dev/null
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            except (OSError, ValueError, AttributeError):
                pass

    @staticmethod
    def err(text: str) -> None:
        try:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()
        except BrokenPipeError:
            pass


#: The exit code of a command whose output pipe closed: 128 + SIGPIPE, as a shell reports kubectl killed by it.
SIGPIPE_EXIT = 141


def main(argv: list[str] | None = None) -> int:
    """Run one kubesim command; return the exit code (kubectl's: 0, or 1 for refused requests)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["trace"]:  # trace record / trace check: their own package and options
        from kubesim.trace.cli import main as trace_main

        return trace_main(argv[1:])
    io = _Output()
    try:
        args = parse(argv)
    except SystemExit as e:  # --help
        return int(e.code or 0)
    except UsageError as e:
        io.err(e.text)
        return 1
    code = _run(args, argv, io)
    return SIGPIPE_EXIT if io.closed else code


def _run(args, argv: list[str], io: _Output) -> int:
    out, err = io.out, io.err
    ctx = Ctx(args=args, out=out, err=err)
    try:
        if args.command == "check":
            return cmd_check(ctx)
        if args.command == "tour":
            return cmd_tour(ctx)
        if args.command in ("version", "api-resources", "explain"):  # about kubesim, not about the cluster: no state read
            {"version": cmd_version, "api-resources": cmd_api_resources, "explain": cmd_explain}[args.command](ctx)
            return 0
        path = statefile.resolve_path(args.state)
        if args.command == "reset":
            with statefile.StateFile(path) as sf:
                existed = sf.remove()
            out(f"reset: {'removed' if existed else 'no state at'} {path}")
            return 0
        with statefile.StateFile(path) as sf:
            ctx.st, ctx.session = sf.load()
            before = ctx.st
            ctx.recorder = Recorder(ctx.session, before)
            kind = kind_of_command(args)
            failure: UserError | None = None
            try:
                _dispatch(ctx, argv)
            except (m.ApiError, m.ManifestError, m.ControllerError) as e:
                failure = UserError(error_text(e))
            except UserError as e:
                failure = e
            if kind == "read":
                note = pending_note(before) if sf.exists() else None  # a cluster never saved has only its own start-up queued
                if note and failure is None:
                    err(note)
                if failure is not None:
                    raise failure
                return 1 if ctx.failed else 0
            if failure is not None and kind == "change":
                raise failure  # a refused change leaves the state as it was
            st = ctx.st
            if kind == "change" and not args.no_settle:
                st = m.settle(st, observe=ctx.recorder.observe)
            ctx.recorder.observe(st)
            if kind == "change" and ctx.st is not before:
                ctx.recorder.command(argv, before, ctx.st)
            # Nothing accepted on a cluster not yet saved: leave no file behind.
            if st is not before and (ctx.st is not before or sf.exists()):
                ctx.recorder.trim(MAX_TIMELINE)
                sf.save(st, ctx.session)
            if args.timeline:
                from .record import format_timeline

                new = ctx.recorder.new_entries()
                if new:
                    out(format_timeline(new, "table").rstrip("\n"))
            if failure is not None:  # a wait that failed keeps the time it waited
                raise failure
            return 1 if ctx.failed else 0
    except UserError as e:
        err(e.text)
        return e.code
    except statefile.StateFileError as e:
        err(f"error: {e}")
        return 1
    except m.NotSettled as e:
        err(f"error: the simulated cluster did not settle: {e}")
        return 1


def _dispatch(ctx: Ctx, argv: list[str]) -> None:
    c = ctx.args.command
    if c == "exec":
        return cmd_exec(ctx, argv)
    handler = {
        "apply": cmd_apply, "get": cmd_get, "describe": cmd_describe, "delete": cmd_delete, "scale": cmd_scale,
        "set": cmd_set, "rollout": cmd_rollout, "advance": cmd_advance, "timeline": cmd_timeline, "plot": cmd_plot,
        "label": cmd_label, "annotate": cmd_annotate, "wait": cmd_wait, "logs": cmd_logs,
        "create": cmd_create, "expose": cmd_expose, "diff": cmd_diff,
    }[c]
    handler(ctx)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
