"""The kubectl command lines of the scenarios, run against a driver with the `kubesim` CLI's parsing and printing.

`Kubectl(driver, files).run("kubectl get all")` returns a `Result` (output, error, exit code) the way a shell
would see it. A line is parsed by the CLI's parser (`kubesim.cli.parser.parse`), its resource arguments resolved
as the CLI resolves them (`kubesim.cli.targets`), and what it prints comes from the CLI's printers (`get` is the
CLI's own `cmd_get`, reading the driver; `rollout status` and `rollout history` their message functions), so a
scenario and `kubesim` print the same. What the CLI does with the model's state, the steps do through the
`kubesim.driver.Driver` methods only: ``apply -f``, ``get``, ``delete``, ``scale``, ``set image``,
``rollout undo|status|history|restart|pause|resume`` and ``exec POD -- printenv|env|cat``, each followed by
``| grep [-v] [-i] WORD`` or ``| wc -l`` if wanted.
"""

from __future__ import annotations

import datetime as _dt
import io
import shlex
from dataclasses import dataclass
from pathlib import Path

from kubesim.cli.common import Ctx, UserError, error_text, exec_command, kind_and_names, one_deployment
from kubesim.cli.history import history_text
from kubesim.cli.parser import UsageError, parse
from kubesim.cli.record import rollout_status_message
from kubesim.cli.resources import cmd_get
from kubesim.cli.targets import parse_targets, select
from kubesim.model.errors import ApiError, ControllerError, ManifestError
from pytest_bdd import parsers, step

FEATURES = Path(__file__).resolve().parent.parent / "features"
MANIFESTS = FEATURES / "manifests"


@dataclass
class Result:
    """What a shell shows after one command line: stdout, stderr and the exit code."""

    command: str
    output: str = ""
    error: str = ""
    code: int = 0

    @property
    def ok(self) -> bool:
        return self.code == 0


class KubectlUsage(Exception):
    """A command line the steps do not run (a bug in the scenario)."""


class _Config:
    epoch = 0  # ages count from the Unix epoch: `DriverState.now` is Unix time


class DriverState:
    """What the CLI's readers take from a `ClusterState`, answered by a driver: objects and the clock tables age by.

    `now` is the latest timestamp the cluster wrote (`now_of`), in Unix milliseconds.
    """

    config = _Config()

    def __init__(self, driver) -> None:
        self.driver = driver
        self.now = int(now_of(driver) * 1000)

    def get(self, kind: str, namespace: str, name: str) -> dict | None:
        return self.driver.get(kind, name)

    def list(self, kind: str, namespace: str | None = None) -> list[dict]:
        return self.driver.list(kind)


class Kubectl:
    """Run kubectl command lines against a driver; `files` maps names to manifest text."""

    def __init__(self, driver, files: dict[str, str] | None = None) -> None:
        self.driver = driver
        self.files = files if files is not None else {}

    # ------------------------------------------------------------------ entry point
    def run(self, line: str) -> Result:
        """Run `line` (``kubectl ... [| grep ...]``) and return what the shell shows."""
        segments = [s.strip() for s in _split_pipes(line)]
        argv = shlex.split(segments[0])
        if not argv or argv[0] != "kubectl":
            raise KubectlUsage(f"Not a kubectl command: {line!r}.")
        out, err = io.StringIO(), io.StringIO()
        code = 0
        try:
            args = parse(argv[1:])
            args.namespace = args.namespace or getattr(self.driver, "namespace", None)  # the driver's namespace
            handler = getattr(self, f"_{args.command}", None)
            if handler is None:
                raise KubectlUsage(f"kubectl {args.command} is not in the subset the scenarios use.")
            ctx = Ctx(args, out=lambda text="", end="\n": out.write(text + end), err=lambda text: err.write(text + "\n"))
            handler(ctx, argv[1:])
            code = 1 if ctx.failed else 0
        except UsageError as e:
            err.write(e.text + "\n")
            code = 1
        except UserError as e:
            err.write(e.text + "\n")
            code = e.code
        except (ApiError, ManifestError, ControllerError) as e:
            err.write(error_text(e) + "\n")
            code = 1
        result = Result(line, out.getvalue().rstrip("\n"), err.getvalue().rstrip("\n"), code)
        for filt in segments[1:]:
            result = _pipe(result, filt)
        return result

    # ------------------------------------------------------------------ apply / delete
    def manifest(self, name: str) -> str:
        """The text of manifest `name`: a docstring file of the scenario, else features/manifests/."""
        if name in self.files:
            return self.files[name]
        for base in (MANIFESTS, FEATURES, FEATURES.parent):
            if (base / name).is_file():
                return (base / name).read_text(encoding="utf-8")
        raise KubectlUsage(f"No manifest {name!r}: declare it with 'Given a file \"{name}\":' or put it in features/manifests/.")

    def _apply(self, ctx: Ctx, argv: list[str]) -> None:
        for name in ctx.args.filename:
            try:
                lines = self.driver.apply(self.manifest(name), name)
            except ApiError as e:
                exists = e.kind and e.name and self.driver.get(e.kind, e.name) is not None
                raise UserError(error_text(e, name, creating=not exists))
            for text in lines:
                ctx.out(text)

    def _delete(self, ctx: Ctx, argv: list[str]) -> None:
        a = ctx.args
        if a.filename:
            raise KubectlUsage("kubectl delete -f is not in the subset the scenarios use.")
        targets = parse_targets(a.resources)
        if not any(names for _, names in targets) and not a.all and a.selector is None:  # as the CLI's cmd_delete
            raise UserError("error: resource(s) were provided, but no name was specified")
        ctx.st = DriverState(self.driver)
        found, errors = select(ctx, targets)
        for kind, objs in found:
            for obj in objs:
                ctx.out(self.driver.delete(kind, obj["metadata"]["name"], cascade=ctx.args.cascade))
        for e in errors:
            ctx.err(e)
            ctx.failed = True

    # ------------------------------------------------------------------ scale / set image
    def _scale(self, ctx: Ctx, argv: list[str]) -> None:
        kind, names = kind_and_names(ctx.args.resource, ctx.args.names)
        for name in names:
            ctx.out(self.driver.scale(kind, name, ctx.args.replicas))

    def _set(self, ctx: Ctx, argv: list[str]) -> None:
        name = one_deployment(ctx.args.resource, [])
        lines = [self.driver.set_image(name, *pair.split("=", 1)) for pair in ctx.args.pairs]
        for text in dict.fromkeys(lines):
            ctx.out(text)

    # ------------------------------------------------------------------ rollout
    def _rollout(self, ctx: Ctx, argv: list[str]) -> None:
        a = ctx.args
        name = one_deployment(a.resource, a.names)
        if a.action == "status":
            if str(a.watch).lower() not in ("false", "0", "f"):
                self.driver.settle(timeout=1200)
            d = self.driver.get("Deployment", name)
            if d is None:
                raise ApiError.not_found("deployments.apps", name, self.driver.namespace)
            message, _, error = rollout_status_message(d, a.revision)
            if error:
                raise UserError(f"error: {error}")
            return ctx.out(message)
        if a.action == "history":
            d = self.driver.get("Deployment", name)
            if d is None:
                raise ApiError.not_found("deployments.apps", name, self.driver.namespace)
            return ctx.out(history_text(name, {revision_of(rs): rs for rs in owned_replicasets(self.driver, d)}, a.revision))
        act = {"undo": lambda: self.driver.rollout_undo(name, a.to_revision), "restart": lambda: self.driver.rollout_restart(name),
               "pause": lambda: self.driver.rollout_pause(name), "resume": lambda: self.driver.rollout_resume(name)}[a.action]
        ctx.out(act())

    # ------------------------------------------------------------------ exec
    def _exec(self, ctx: Ctx, argv: list[str]) -> None:
        a = ctx.args
        command = exec_command(a.command_, argv)
        prog, rest = command[0], command[1:]
        if prog in ("printenv", "env") and not (prog == "env" and rest):
            env = self.driver.exec_env(a.pod, a.container)
            if not rest:
                for k, v in env.items():
                    ctx.out(f"{k}={v}")
                return
            values = [env[k] for k in rest if k in env]
            for v in values:
                ctx.out(v)
            if len(values) < len(rest):
                raise UserError("command terminated with exit code 1")
            return
        if prog == "cat" and rest:
            self.driver.exec_env(a.pod, a.container)  # the container must be running
            for path in rest:
                text = self.driver.read_file(a.pod, path, a.container)
                if text is None:
                    ctx.err(f"cat: {path}: No such file or directory")
                    ctx.failed = True
                else:
                    ctx.out(text.rstrip("\n"))
            if ctx.failed:
                raise UserError("command terminated with exit code 1")
            return
        raise KubectlUsage(f"exec: only printenv, env and cat are simulated, not {prog!r}.")

    # ------------------------------------------------------------------ get
    def _get(self, ctx: Ctx, argv: list[str]) -> None:
        if ctx.args.watch:
            raise KubectlUsage("kubectl get -w is not in the subset the scenarios use.")
        ctx.st = DriverState(self.driver)
        cmd_get(ctx)


# ---------------------------------------------------------------------- helpers
def _split_pipes(line: str) -> list[str]:
    """Split a shell line on unquoted ``|``."""
    out, cur, quote = [], "", None
    for ch in line:
        if quote:
            cur += ch
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote, cur = ch, cur + ch
        elif ch == "|":
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return out


def _pipe(result: Result, filt: str) -> Result:
    """Apply ``grep [-v] [-i] WORD`` or ``wc -l`` to the output; stderr passes through."""
    args = shlex.split(filt)
    if args[0] == "grep":
        invert = "-v" in args
        icase = "-i" in args
        word = [a for a in args[1:] if not a.startswith("-")][0]
        hit = (lambda s: word.lower() in s.lower()) if icase else (lambda s: word in s)
        lines = [ln for ln in result.output.splitlines() if hit(ln) != invert]
        code = result.code if result.code else (0 if lines else 1)
        return Result(result.command, "\n".join(lines), result.error, code)
    if args[0] == "wc" and args[1:] == ["-l"]:
        n = len(result.output.splitlines())
        return Result(result.command, str(n), result.error, result.code)
    raise KubectlUsage(f"Unsupported pipe stage {filt!r}.")


def _parse_time(stamp: str | None) -> float | None:
    if not stamp:
        return None
    return _dt.datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=_dt.timezone.utc).timestamp()


def now_of(driver) -> float:
    """The cluster's idea of now: the latest timestamp it wrote (ages are display only)."""
    latest = 0.0
    for ev in driver.list("Event"):
        t = _parse_time(ev.get("lastTimestamp") or ev["metadata"].get("creationTimestamp"))
        latest = max(latest, t or 0.0)
    for kind in ("Pod", "ReplicaSet", "Deployment"):
        for o in driver.list(kind):
            latest = max(latest, _parse_time(o["metadata"].get("creationTimestamp")) or 0.0)
    return latest


def revision_of(rs: dict) -> int:
    return int((rs["metadata"].get("annotations") or {}).get("deployment.kubernetes.io/revision", "0") or 0)


def owned_replicasets(driver, d: dict) -> list[dict]:
    """The ReplicaSets whose controller is Deployment `d`."""
    uid = d["metadata"].get("uid")
    return [
        rs
        for rs in driver.list("ReplicaSet")
        if any(r.get("controller") and (r.get("uid") == uid or (uid is None and r.get("name") == d["metadata"]["name"])) for r in rs["metadata"].get("ownerReferences") or [])
    ]
# ---------------------------------------------------------------------- steps
@step(parsers.re(r'I run "(?P<command>.+)"$'))
@step(parsers.re(r'我运行 "(?P<command>.+)"$'))
@step(parsers.re(r'我执行 "(?P<command>.+)"$'))
def _run(world, command: str):
    """Run a kubectl command line that must succeed."""
    result = world.run(command)
    assert result.ok, f"`{result.command}` failed:\n{result.error}"


@step(parsers.re(r'I try to run "(?P<command>.+)"$'))
@step(parsers.re(r'我尝试运行 "(?P<command>.+)"$'))
@step(parsers.re(r'我尝试执行 "(?P<command>.+)"$'))
def _try(world, command: str):
    """Run a kubectl command line that may fail; later steps check how."""
    world.run(command)
