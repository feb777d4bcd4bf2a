"""`kubesim`: kubectl's commands over an embedded simulated cluster kept in a state file.

Each invocation loads the state (under a lock), performs the request with the model,
lets the cluster run until it settles (unless ``--no-settle``), writes the state back
atomically, and prints what kubectl would print. A request the model refuses changes
nothing; `apply` applies the valid objects of a file and reports the others, as kubectl
does, and exits 1 if any was refused.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kubesim import model as m
from kubesim.model import kubectl as mk
from kubesim.model.clock import format_duration, parse_duration
from kubesim.model.deployment import util as du
from kubesim.model.manifest import load_each
from kubesim.model.state import KINDS, ClusterState

from .. import statefile
from . import printers as pr
from .describe import describe, DESCRIBERS
from .record import Recorder, rollout_status_message

MAX_TIMELINE = 5000


class UserError(Exception):
    """A refused request: `text` is printed to stderr as is, then exit `code`."""

    def __init__(self, text: str, code: int = 1) -> None:
        super().__init__(text)
        self.text = text
        self.code = code


@dataclass
class Ctx:
    """One invocation: options, output streams, and the state being worked on."""

    args: argparse.Namespace
    out: Callable[[str], None]
    err: Callable[[str], None]
    st: ClusterState | None = None
    session: dict = field(default_factory=dict)
    recorder: Recorder | None = None
    failed: bool = False

    @property
    def ns(self) -> str:
        return self.args.namespace or "default"


# ----- argument parsing ----------------------------------------------------------------------


def _common(p: argparse.ArgumentParser, top: bool) -> None:
    d = None if top else argparse.SUPPRESS
    p.add_argument("-n", "--namespace", default=d, help="the namespace (default: default)")
    p.add_argument("--state", default=d, help=f"the state file (default: ${statefile.ENV_VAR} or {statefile.DEFAULT_PATH})")
    p.add_argument("--no-settle", action="store_true", default=d if not top else False, help="stop at the current instant instead of running until the cluster settles")
    p.add_argument("--timeline", action="store_true", default=d if not top else False, help="also print every observable change this command caused, with its logical time")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kubesim", description="kubectl's commands over an embedded, simulated Kubernetes cluster (logical time).")
    _common(parser, True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    def cmd(name: str, help: str, **kw) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help, **kw)
        _common(p, False)
        return p

    sub.add_parser("trace", help="Record a real cluster's changes, or check a trace against the model (kubesim trace -h).", add_help=False)
    p = cmd("apply", "Apply manifests (files, directories of .yaml/.yml/.json, or - for stdin).")
    p.add_argument("-f", "--filename", action="append", required=True, metavar="FILE")
    p = cmd("get", "Display one or many resources.")
    p.add_argument("resource", help="kind[,kind...] (all, po, rs, deploy, svc, cm, ep, ns, ev) or kind/name")
    p.add_argument("names", nargs="*")
    p.add_argument("-o", "--output", choices=["json", "yaml", "wide", "name"])
    p.add_argument("-A", "--all-namespaces", action="store_true")
    p = cmd("describe", "Show details of a resource or group of resources.")
    p.add_argument("resource")
    p.add_argument("names", nargs="*")
    p = cmd("delete", "Delete resources by kind and name, or by file.")
    p.add_argument("resource", nargs="?")
    p.add_argument("names", nargs="*")
    p.add_argument("-f", "--filename", action="append", metavar="FILE")
    p.add_argument("--cascade", default="background", choices=["background", "orphan", "foreground"])
    p = cmd("scale", "Set a new size for a deployment or replica set.")
    p.add_argument("resource")
    p.add_argument("names", nargs="*")
    p.add_argument("--replicas", type=int, required=True)
    p = cmd("set", "Set specific features on objects (set image).")
    p.add_argument("what", choices=["image"])
    p.add_argument("resource")
    p.add_argument("pairs", nargs="+", metavar="CONTAINER=IMAGE")
    p = cmd("rollout", "Manage the rollout of a deployment.")
    p.add_argument("action", choices=["status", "history", "undo", "restart", "pause", "resume"])
    p.add_argument("resource")
    p.add_argument("names", nargs="*")
    p.add_argument("--to-revision", type=int, default=0)
    p.add_argument("--revision", type=int, default=0)
    p.add_argument("-w", "--watch", default="true", nargs="?", const="true", help="watch the rollout (true|false)")
    p = cmd("exec", "Run printenv, env or cat in a container (the only commands the simulated node knows).")
    p.add_argument("pod")
    p.add_argument("command_", nargs=argparse.REMAINDER, metavar="-- COMMAND")
    p.add_argument("-c", "--container")
    p = cmd("advance", "Let logical time pass (e.g. 10s, 2m, 500ms).")
    p.add_argument("duration")
    p = cmd("timeline", "Print every observable change recorded so far, with its logical time.")
    p.add_argument("-o", "--output", choices=["table", "json"], default="table")
    p = cmd("plot", "Draw pods per ReplicaSet and ready endpoints over time.")
    p.add_argument("what", choices=["rollout"])
    p.add_argument("resource", help="deployment/NAME")
    p.add_argument("-o", "--output", required=True, metavar="FILE.svg|FILE.png")
    cmd("reset", "Forget the simulated cluster: start afresh.")
    p = cmd("tour", "Replay the article step by step, as a terminal session, with notes where Kubernetes changed.")
    p.add_argument("--write", metavar="DIR", help="instead, write the article's manifests into DIR, so the tour's commands can be run by hand")
    p = cmd("check", "Run the scenarios and the stateful properties, print a summary per article claim, write the HTML report.")
    p.add_argument("--driver", default="model", help="system under test: model (default), cluster, or module:Class (importable from the current folder)")
    p.add_argument("--kube-context", help="kubeconfig context, for drivers that reach a real cluster")
    p.add_argument("--report", default="report", metavar="DIR")
    p.add_argument("--no-stateful", action="store_true", help="skip the stateful property tests")
    return parser


# ----- helpers ------------------------------------------------------------------------------


def resolve_kind(word: str) -> str:
    kind = pr.RESOURCE_ALIASES.get(word.lower())
    if kind is None:
        raise UserError(f'error: the server doesn\'t have a resource type "{word}"')
    return kind


def kind_and_names(resource: str, names: list[str]) -> tuple[str, list[str]]:
    """`deployment/web` or `deployment web ...` -> ("Deployment", ["web", ...])."""
    if "/" in resource:
        word, _, name = resource.partition("/")
        if names:
            raise UserError("error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'")
        return resolve_kind(word), [name]
    return resolve_kind(resource), list(names)


def one_deployment(resource: str, names: list[str]) -> str:
    kind, names = kind_and_names(resource, names)
    if kind != "Deployment":
        raise UserError(f'error: no rollout support for {pr.KIND_PREFIX[kind]} "{names[0] if names else ""}": kubesim simulates rollouts of deployments only')
    if len(names) != 1:
        raise UserError("error: required resource not specified")
    return names[0]


def _error_text(err: Exception, source: str | None = None, creating: bool = True) -> str:
    """What kubectl prints for a refused request."""
    if isinstance(err, m.ApiError):
        if source and err.reason != "Invalid":
            verb = "creating" if creating else "patching"
            return f'Error from server ({err.reason}): error when {verb} "{source}": {err.message}'
        return err.kubectl_message()
    if isinstance(err, m.ManifestError):
        return f"error: {err.message}"
    if isinstance(err, m.ControllerError):
        return f"error: {err}"
    return f"error: {err}"


def _files(paths: list[str]) -> list[tuple[str, bytes]]:
    """Read `-f` arguments: files, directories (their .yaml/.yml/.json files, sorted) or `-`."""
    out = []
    for p in paths:
        if p == "-":
            out.append(("STDIN", sys.stdin.buffer.read()))
            continue
        path = Path(p)
        if path.is_dir():
            found = sorted(q for q in path.iterdir() if q.suffix in (".yaml", ".yml", ".json") and q.is_file())
            out += [(str(q), q.read_bytes()) for q in found]
        elif path.exists():
            try:
                out.append((p, path.read_bytes()))
            except OSError as e:
                raise UserError(f'error: the path "{p}" cannot be read: {e.strerror}')
        else:
            raise UserError(f'error: the path "{p}" does not exist')
    return out


def _with_namespace(obj: dict, ns: str, explicit: bool) -> dict:
    """Default the object's namespace to `-n`; refuse a conflicting one, as kubectl does."""
    md = obj.get("metadata")
    if obj.get("kind") == "Namespace" or not isinstance(md, dict):
        return obj
    have = md.get("namespace")
    if have and explicit and have != ns:
        raise UserError(f"error: the namespace from the provided object \"{have}\" does not match the namespace \"{ns}\". You must pass '--namespace={have}' to perform this operation.")
    if have:
        return obj
    return {**obj, "metadata": {**md, "namespace": ns}}


# ----- commands ------------------------------------------------------------------------------


def _apply_context(source: str, index: int | None, kind: str, name: str, err: Exception | None) -> str:
    """kubesim's own line after a refused object: kubectl names the file or the object, not the document."""
    where = f"document {index + 1} of {source}" if index is not None else f"{source}, before any document was read"
    what = f"{kind}/{name}" if kind and name else (f"{kind} without a name" if kind else "")
    field = getattr(err, "field", None)
    if not field and isinstance(err, m.ApiError):
        found = re.search(r'Go struct field \w+\.(\S+) of type|unknown field "([^"]+)"', err.message)
        field = (found.group(1) or found.group(2)) if found else None
    parts = [p for p in (what, f"field {field}" if field else "") if p]
    return f"({where}: {', '.join(parts)})" if parts else f"({where})"


def _no_name_error(obj: dict, ns: str, source: str) -> str:
    """kubectl apply's GET of an object without a name (`apply.go`, `resource name may not be empty`)."""
    kind = obj.get("kind", "")
    group_version = KINDS[kind][0] if kind in KINDS else str(obj.get("apiVersion", ""))
    gv = group_version if "/" in group_version else f"/{group_version}"
    resource = KINDS[kind][1].split(".")[0] if kind in KINDS else kind.lower() + "s"
    return (f'error when retrieving current configuration of:\nResource: "{gv}, Resource={resource}", GroupVersionKind: "{gv}, Kind={kind}"\n'
            f'Name: "", Namespace: "{"" if kind == "Namespace" else ns}"\nfrom server for: "{source}": resource name may not be empty')


def cmd_apply(ctx: Ctx) -> None:
    """Apply every valid object of every file; report the refused ones after, as kubectl's aggregate does.

    The errors are shaped as kubectl's are (`apply.go` `RunApply`, `cmdutil.checkErr`): the reading errors form
    one aggregate (`EagerVisitorList`), inside which the refused items of one ``kind: List`` form another
    (`FlattenListVisitor`); the server's errors follow. One error prints as kubectl prints it alone (``error:
    ...``, ``The Deployment "web" is invalid: ...``); an aggregate prints as `cmdutil.MultipleErrors` does (no
    ``error:`` prefix, API errors as ``Error from server (<Reason>): error when creating "<file>": ...``, a nested
    aggregate on one line as ``[<e1>, <e2>]``). Each line is followed by kubesim's context line(s) naming the
    document (1-based), the object and the field.
    """
    explicit = ctx.args.namespace is not None
    st = ctx.st
    reading = _Aggregate()  # leaves (alone, among several, context) and, per kind: List, an aggregate of its items
    errors: list[tuple[str, str, str]] = []  # the server's (and apply's own) errors
    list_key = None
    seen = 0
    for source, data in _files(ctx.args.filename):
        for item in load_each(data, source):
            seen += 1
            if isinstance(item, m.ManifestError):
                where = _apply_context(source, item.document_index, item.kind, item.name, item)
                leaf = (_error_text(item), item.message, where)
                if not item.list_item:
                    reading.append(leaf)
                elif list_key == (source, item.document_index) and isinstance(reading[-1], _Aggregate):
                    reading[-1].append(leaf)
                else:
                    reading.append(_Aggregate([leaf]))
                list_key = (source, item.document_index) if item.list_item else None
                continue
            try:
                obj = _with_namespace(item.obj, ctx.ns, explicit)
            except UserError as e:
                reading.append((e.text, e.text.removeprefix("error: "), _apply_context(source, item.index, str(item.obj.get("kind")), "", None)))
                continue
            md = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
            kind = obj.get("kind")
            name = md.get("name")
            if not name:
                text = _no_name_error(obj, md.get("namespace") or ctx.ns, source)
                errors.append((f"error: {text}", text, _apply_context(source, item.index, kind, "", None) [:-1] + ", field metadata.name)"))
                continue
            existed = st.get(kind, md.get("namespace", "") if kind != "Namespace" else "", name) is not None if isinstance(name, str) else False
            try:
                st, line = m.perform(st, m.Apply(obj))
            except (m.ApiError, m.ManifestError) as err:
                err.source, err.document_index = source, item.index
                verb = "creating" if not existed else "patching"
                several = (f'Error from server ({err.reason}): error when {verb} "{source}": {err.message}'
                           if isinstance(err, m.ApiError) else err.message)
                errors.append((_error_text(err, source, creating=not existed), several,
                               _apply_context(source, item.index, kind, name if isinstance(name, str) else "", err)))
                continue
            ctx.out(line)
    ctx.st = st
    if not seen:
        raise UserError("error: no objects passed to apply")
    top = _Aggregate(([reading] if reading else []) + errors)  # apply returns errs[0], or an aggregate of errs
    err = top[0] if len(top) == 1 else top
    if isinstance(err, _Aggregate) and len(err) == 1:  # checkErr unwraps an aggregate of one
        err = err[0]
    if isinstance(err, tuple):
        ctx.err(err[0])
        ctx.err(err[2])
        ctx.failed = True
        return
    for e in err:
        ctx.err(_error_line(e))
        for leaf in _leaves(e):
            ctx.err(leaf[2])
        ctx.failed = True


class _Aggregate(list):
    """An aggregate error (`utilerrors.Aggregate`) of leaves ``(alone, among several, context)`` and aggregates."""


def _leaves(e) -> list[tuple[str, str, str]]:
    return [e] if isinstance(e, tuple) else [leaf for x in e for leaf in _leaves(x)]


def _error_line(e) -> str:
    """`messageForError`: a leaf's message; an aggregate's `Error()` (one: its element's; more: the distinct
    messages of its flattened leaves, in brackets unless only one is left)."""
    if isinstance(e, tuple):
        return e[1]
    if len(e) == 1:
        return _error_line(e[0])
    messages = list(dict.fromkeys(leaf[1] for leaf in _leaves(e)))
    return messages[0] if len(messages) == 1 else "[" + ", ".join(messages) + "]"


def _collect(ctx: Ctx, kinds: list[str], names: list[str], all_ns: bool) -> tuple[list[tuple[str, list[dict]]], list[str]]:
    st = ctx.st
    found: list[tuple[str, list[dict]]] = []
    errors: list[str] = []
    for kind in kinds:
        ns = None if all_ns or kind == "Namespace" else ctx.ns
        if names:
            objs = []
            for name in names:
                obj = st.get(kind, "" if kind == "Namespace" else ctx.ns, name)
                if obj is None:
                    errors.append(m.ApiError.not_found(KINDS[kind][1], name).kubectl_message())
                else:
                    objs.append(obj)
        else:
            objs = st.list(kind, ns)
        found.append((kind, objs))
    return found, errors


def cmd_get(ctx: Ctx) -> None:
    a = ctx.args
    words = a.resource.split(",")
    if len(words) == 1 and "/" in words[0]:
        kind, names = kind_and_names(a.resource, a.names)
        kinds = [kind]
    else:
        kinds = []
        for w in words:
            kinds += list(pr.ALL_KINDS) if w == "all" else [resolve_kind(w)]
        names = a.names
    if a.names and ("all" in words or len(kinds) > 1) and names:
        pass
    if "Endpoints" in kinds:  # the API server's deprecation warning, printed by kubectl v1.33+
        ctx.err("Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice")
    found, errors = _collect(ctx, kinds, names, a.all_namespaces)
    objs = [o for _, lst in found for o in lst]
    with_kind = len(kinds) > 1
    if a.output == "json" or a.output == "yaml":
        doc = objs[0] if (len(objs) == 1 and names and len(kinds) == 1 and len(names) == 1) else pr.as_list(objs)
        ctx.out((pr.to_json(doc) if a.output == "json" else pr.to_yaml(doc)).rstrip("\n"))
    elif a.output == "name":
        for o in objs:
            ctx.out(pr.name_of(o))
    else:
        tables = [pr.table(kind, lst, ctx.st.now, ctx.st.config.epoch, wide=a.output == "wide", with_kind=with_kind, with_namespace=a.all_namespaces)
                  for kind, lst in found if lst]
        if tables:
            ctx.out("\n\n".join(tables))
        elif not errors:
            where = "" if a.all_namespaces else f" in {ctx.ns} namespace"
            ctx.err(f"No resources found{where}.")
    for e in errors:
        ctx.err(e)
        ctx.failed = True


def cmd_describe(ctx: Ctx) -> None:
    kind, names = kind_and_names(ctx.args.resource, ctx.args.names)
    if kind not in DESCRIBERS:
        raise UserError(f'error: kubesim cannot describe {kind} objects')
    if names:
        texts = []
        for name in names:
            obj = ctx.st.get(kind, "" if kind == "Namespace" else ctx.ns, name)
            if obj is None:
                raise UserError(m.ApiError.not_found(KINDS[kind][1], name).kubectl_message())
            texts.append(describe(ctx.st, obj))
    else:
        objs = ctx.st.list(kind, None if kind == "Namespace" else ctx.ns)
        if not objs:
            ctx.err(f"No resources found in {ctx.ns} namespace.")
            return
        texts = [describe(ctx.st, o) for o in objs]
    ctx.out("\n\n".join(t.rstrip("\n") for t in texts))


def cmd_delete(ctx: Ctx) -> None:
    a = ctx.args
    targets: list[tuple[str, str, str]] = []
    if a.filename:
        if a.resource:
            raise UserError("error: resource(s) were provided, but no name was specified")
        for source, data in _files(a.filename):
            for item in load_each(data, source):
                if isinstance(item, m.ManifestError):
                    ctx.err(_error_text(item))
                    ctx.failed = True
                    continue
                obj = item.obj
                md = obj.get("metadata") or {}
                kind = obj.get("kind")
                targets.append((kind, md.get("name", ""), "" if kind == "Namespace" else (md.get("namespace") or ctx.ns)))
    else:
        if not a.resource:
            raise UserError("error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'")
        kind, names = kind_and_names(a.resource, a.names)
        if not names:
            raise UserError("error: resource(s) were provided, but no name was specified")
        targets = [(kind, n, "" if kind == "Namespace" else ctx.ns) for n in names]
    st = ctx.st
    for kind, name, ns in targets:
        try:
            st, _ = m.perform(st, m.Delete(kind, name, ns, a.cascade))
        except m.ApiError as err:
            ctx.err(err.kubectl_message())
            ctx.failed = True
            continue
        ctx.out(mk.deleted_line(kind, name, ns))
    ctx.st = st


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
    name = one_deployment(a.resource, a.names)
    ns = ctx.ns
    action = a.action
    if action == "status":
        return rollout_status(ctx, name)
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


def rollout_status(ctx: Ctx, name: str) -> None:
    """Print `rollout status` lines as the watch would, letting time pass until the rollout is done."""
    st = ctx.st
    if st.get("Deployment", ctx.ns, name) is None:
        raise UserError(m.ApiError.not_found("deployments.apps", name).kubectl_message())
    watch = str(ctx.args.watch).lower() not in ("false", "0", "f")
    revision = ctx.args.revision
    last_obj = None
    final = st
    for s in ([st] if not watch else m.history(st)):
        final = s
        d = s.get("Deployment", ctx.ns, name)
        if d is None:
            raise UserError(f'error: object has been deleted')
        if d is last_obj:
            continue
        last_obj = d
        if ctx.recorder is not None:
            ctx.recorder.observe(s)
        msg, done, error = rollout_status_message(d, revision)
        if error:
            ctx.st = s
            raise UserError(f"error: {error}")
        ctx.out(msg)
        if done or not watch:
            break
    ctx.st = final
    ctx.session["_status_stopped_at"] = final.now


def rollout_history(ctx: Ctx, name: str) -> None:
    from .describe import _Out, _pod_template

    d = ctx.st.get("Deployment", ctx.ns, name)
    if d is None:
        raise UserError(m.ApiError.not_found("deployments.apps", name).kubectl_message())
    rss = ctx.st.dependents_of(d["metadata"]["uid"], "ReplicaSet")
    by_rev = {du.revision(rs): rs for rs in rss}
    rev = ctx.args.revision
    if not by_rev:  # ViewHistory answers this before looking for --revision
        ctx.out(f"deployment.apps/{name} {f'with revision #{rev}' if rev else ''}\nNo rollout history found.")
        return
    if rev:
        rs = by_rev.get(rev)
        if rs is None:
            raise UserError(f"error: unable to find the specified revision")
        tmpl = rs["spec"]["template"]
        out = _Out()
        _pod_template(out, tmpl)
        raw = "".join(out.tw._text)
        ctx.out(f"deployment.apps/{name} with revision #{rev}\n{raw}")
        return
    rows = [["REVISION", "CHANGE-CAUSE"]]
    for r in sorted(by_rev):
        cause = (by_rev[r]["metadata"].get("annotations") or {}).get("kubernetes.io/change-cause") or "<none>"
        rows.append([str(r), cause])
    from .tabwriter import layout

    ctx.out(f"deployment.apps/{name} \n{layout(rows, padding=2)}\n")


EXEC_HELP = "See 'kubectl exec -h' for help and examples"


def cmd_exec(ctx: Ctx, raw_argv: list[str]) -> None:
    a = ctx.args
    command = list(a.command_)
    dashed = "--" in raw_argv[raw_argv.index("exec"):] if "exec" in raw_argv else False
    if command and command[0] == "--":
        command = command[1:]
    if not dashed and command:
        raise UserError(f"error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\n{EXEC_HELP}")
    if not command:
        raise UserError(f"error: you must specify at least one command for the container\n{EXEC_HELP}")
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
        files = m.container_files(ctx.st, ctx.ns, a.pod, a.container)
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
    ctx.out(f"t={format_duration(ctx.st.now)}")


def cmd_timeline(ctx: Ctx) -> None:
    from .record import format_timeline

    entries = [e for e in ctx.session.get("timeline", []) if ctx.args.namespace is None or e.get("namespace") in (ctx.ns, "")]
    ctx.out(format_timeline(entries, ctx.args.output).rstrip("\n"))


def cmd_plot(ctx: Ctx) -> None:
    """Draw the rollout chart of the report (`kubesim.timeline.plot`) from this session's samples.

    Series are named by revision and image (from the ReplicaSets as they are now, whose
    revision-history annotation keeps the revisions a rollback replaced). The session keeps no
    command lines, so the time axis marks when the Deployment and each of its ReplicaSets
    were created.
    """
    from ..driver import Observation
    from ..timeline import plot, replicaset_labels
    from .record import rollout_samples

    name = one_deployment(ctx.args.resource, [])
    samples = rollout_samples(ctx.session, ctx.ns, name)
    if not samples:
        raise UserError(f'error: no observations of deployment "{name}" in namespace "{ctx.ns}" yet: apply it first')
    out = ctx.args.output
    if not out.endswith((".svg", ".png")):
        raise UserError(f'error: cannot tell the image format of "{out}": use a .svg or .png file name')
    labels = replicaset_labels([Observation(0.0, {"ReplicaSet": ctx.st.list("ReplicaSet", ctx.ns)})])
    owned = {rs for s in samples for rs in s.rs_spec}
    marks = []
    for e in ctx.session.get("timeline", []):
        kind, _, obj = e["object"].partition("/")
        if e.get("namespace") == ctx.ns and e["change"].startswith("created") and (e["object"] == f"deployment.apps/{name}" or (kind == "replicaset.apps" and obj in owned)):
            info = labels.get(obj)
            what = f"deployment/{name} created" if kind == "deployment.apps" else f"new ReplicaSet rev {(info or {}).get('revisions', ['?'])[0]}"
            marks.append((e["t"] / 1000, what))
    plot(samples, out, title=f"rollout of deployment/{name}", replicasets=labels, commands=marks, clock="logical")
    ctx.out(f"wrote {out}")


def cmd_check(ctx: Ctx) -> int:
    from .check import run_check

    return run_check(ctx.args.driver, Path(ctx.args.report), stateful=not ctx.args.no_stateful, kube_context=ctx.args.kube_context, out=ctx.out, err=ctx.err)


def cmd_tour(ctx: Ctx) -> int:
    from ..tour import run_tour, write_manifests

    if ctx.args.write is None:
        return run_tour(out=ctx.out)
    try:
        written = write_manifests(Path(ctx.args.write))
    except OSError as e:
        raise UserError(f"error: {e}")
    ctx.out(f"wrote {len(written)} manifests to {ctx.args.write}: {' '.join(p.name for p in written)}")
    ctx.out("run the tour's commands there, e.g.: kubesim apply -f rs.yaml -f svc-31001.yaml")
    return 0


#: Commands that read the state and never change it.
READ_ONLY = {"get", "describe", "timeline", "plot"}
NO_STATE = {"check", "tour", "reset"}


def main(argv: list[str] | None = None) -> int:
    """Run one kubesim command; return the exit code (kubectl's: 0, or 1 for refused requests)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["trace"]:  # trace record / trace check: their own package and options
        from kubesim.trace.cli import main as trace_main

        return trace_main(argv[1:])
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:
        return int(e.code or 0)

    def out(text: str) -> None:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()

    def err(text: str) -> None:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()

    ctx = Ctx(args=args, out=out, err=err)
    try:
        if args.command == "check":
            return cmd_check(ctx)
        if args.command == "tour":
            return cmd_tour(ctx)
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
            try:
                _dispatch(ctx, argv)
            except (m.ApiError, m.ManifestError, m.ControllerError) as e:
                raise UserError(_error_text(e))
            if args.command in READ_ONLY:
                return 1 if ctx.failed else 0
            st = ctx.st
            # `rollout status` returns when kubectl would: time stops where the watch ended.
            # `advance` stops at the instant asked for.
            status_cmd = args.command == "rollout" and args.action == "status"
            if not args.no_settle and not status_cmd and args.command != "advance":
                st = m.settle(st, observe=ctx.recorder.observe)
            ctx.recorder.observe(st)
            ctx.session.pop("_status_stopped_at", None)
            code = ctx.session.pop("_exit", None)
            # Nothing accepted on a cluster not yet saved: leave no file behind.
            if st is not before and (ctx.st is not before or sf.exists()):
                ctx.recorder.trim(MAX_TIMELINE)
                sf.save(st, ctx.session)
            if args.timeline:
                from .record import format_timeline

                new = ctx.recorder.new_entries()
                if new:
                    out(format_timeline(new, "table").rstrip("\n"))
            return 1 if (ctx.failed or code) else 0
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
    }[c]
    handler(ctx)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
