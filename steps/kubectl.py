"""The kubectl subset the article uses, parsed into driver calls, with kubectl-like output.

`Kubectl(driver, files).run("kubectl get all")` returns a `Result` (output, error, exit
code) the way a shell would see it. Supported: ``apply -f``, ``get``, ``delete``,
``scale``, ``set image``, ``rollout undo|status|history|restart|pause|resume``,
``exec POD -- printenv|cat``, and ``| grep [-v] WORD`` after any of them. Everything
reaches the system through the `kubesim.driver.Driver` methods only.

Tables follow kubectl's printers (columns of `k8s-semantics.md` §6.1), with the padding of
three spaces kubectl's tabwriter uses; AGE is rendered but scenarios never assert on it.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from kubesim.model.errors import ApiError, ControllerError, ManifestError
from kubesim.model.kinds import ALL_KINDS, kind_of, prefix, resource
from pytest_bdd import parsers, step

FEATURES = Path(__file__).resolve().parent.parent / "features"
MANIFESTS = FEATURES / "manifests"


EXEC_WITHOUT_DASHES = "error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\nSee 'kubectl exec -h' for help and examples"


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
    """A command line this kubectl subset does not understand (a bug in the scenario)."""


class Kubectl:
    """Run kubectl command lines against a driver; `files` maps names to manifest text."""

    def __init__(self, driver, files: dict[str, str] | None = None) -> None:
        self.driver = driver
        self.files = files if files is not None else {}

    # ------------------------------------------------------------------ entry point
    def run(self, line: str) -> Result:
        """Run `line` (``kubectl ... [| grep ...]``) and return what the shell shows."""
        segments = [s.strip() for s in _split_pipes(line)]
        args = shlex.split(segments[0])
        if not args or args[0] != "kubectl":
            raise KubectlUsage(f"Not a kubectl command: {line!r}.")
        result = Result(line)
        try:
            result.output = self._dispatch(args[1:])
        except ApiError as err:
            result.error, result.code = self._api_error_text(err, args), 1
        except ManifestError as err:
            result.error, result.code = f"error: {err}", 1
        except ControllerError as err:
            text = str(err)
            result.error, result.code = (text if text.startswith("error: ") else f"error: {text}"), 1
        for filt in segments[1:]:
            result = _pipe(result, filt)
        return result

    def _api_error_text(self, err: ApiError, args: list[str]) -> str:
        msg = err.kubectl_message()
        if args[1:2] == ["apply"] and err.reason != "Invalid" and err.source:
            exists = err.kind and err.name and self.driver.get(err.kind, err.name) is not None
            verb = "applying patch" if exists else "creating"
            return msg.replace("): ", f'): error when {verb} "{err.source}": ', 1)
        return msg

    def _dispatch(self, args: list[str]) -> str:
        verb, rest = args[0], args[1:]
        handler = {
            "apply": self._apply,
            "create": self._apply,
            "get": self._get,
            "delete": self._delete,
            "scale": self._scale,
            "set": self._set,
            "rollout": self._rollout,
            "exec": self._exec,
        }.get(verb)
        if handler is None:
            raise KubectlUsage(f"kubectl {verb} is not in the subset the scenarios use.")
        return handler(rest)

    # ------------------------------------------------------------------ apply / delete
    def manifest(self, name: str) -> str:
        """The text of manifest `name`: a docstring file of the scenario, else features/manifests/."""
        if name in self.files:
            return self.files[name]
        for base in (MANIFESTS, FEATURES, FEATURES.parent):
            if (base / name).is_file():
                return (base / name).read_text(encoding="utf-8")
        raise KubectlUsage(f"No manifest {name!r}: declare it with 'Given a file \"{name}\":' or put it in features/manifests/.")

    def _apply(self, args: list[str]) -> str:
        files = [args[i + 1] for i, a in enumerate(args) if a in ("-f", "--filename")]
        if not files:
            raise KubectlUsage("kubectl apply needs -f FILE.")
        lines: list[str] = []
        for name in files:
            lines += self.driver.apply(self.manifest(name), name)
        return "\n".join(lines)

    def _delete(self, args: list[str]) -> str:
        cascade = "background"
        names: list[str] = []
        for a in args:
            if a.startswith("--cascade="):
                cascade = a.split("=", 1)[1]
            elif not a.startswith("-"):
                names.append(a)
        kind, names = _kind_and_names(names)
        return "\n".join(self.driver.delete(kind, n, cascade=cascade) for n in names)

    # ------------------------------------------------------------------ scale / set image
    def _scale(self, args: list[str]) -> str:
        replicas = next((int(a.split("=", 1)[1]) for a in args if a.startswith("--replicas=")), None)
        if replicas is None:
            raise ControllerError("The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0")
        kind, names = _kind_and_names([a for a in args if not a.startswith("-")])
        return "\n".join(self.driver.scale(kind, n, replicas) for n in names)

    def _set(self, args: list[str]) -> str:
        if args[:1] != ["image"]:
            raise KubectlUsage("Only 'kubectl set image' is supported.")
        positional = [a for a in args[1:] if not a.startswith("-")]
        kind, names = _kind_and_names([positional[0]])
        if kind != "Deployment":
            raise KubectlUsage("set image: only deployments are supported.")
        out = []
        for pair in positional[1:]:
            container, _, image = pair.partition("=")
            out.append(self.driver.set_image(names[0], container, image))
        return "\n".join(dict.fromkeys(out))

    # ------------------------------------------------------------------ rollout
    def _rollout(self, args: list[str]) -> str:
        sub, rest = args[0], args[1:]
        flags = {a.split("=", 1)[0]: (a.split("=", 1)[1] if "=" in a else "true") for a in rest if a.startswith("--")}
        kind, names = _kind_and_names([a for a in rest if not a.startswith("-")])
        if kind != "Deployment":
            raise KubectlUsage("rollout: only deployments are supported.")
        name = names[0]
        if sub == "undo":
            return self.driver.rollout_undo(name, int(flags.get("--to-revision", 0)))
        if sub == "restart":
            return self.driver.rollout_restart(name)
        if sub == "pause":
            return self.driver.rollout_pause(name)
        if sub == "resume":
            return self.driver.rollout_resume(name)
        if sub == "history":
            return self._history(name, int(flags.get("--revision", 0)))
        if sub == "status":
            if flags.get("--watch", "true") != "false":
                self.driver.settle(timeout=1200)
            return rollout_status(self.driver.get("Deployment", name), name)
        raise KubectlUsage(f"kubectl rollout {sub} is not supported.")

    def _history(self, name: str, revision: int) -> str:
        d = self.driver.get("Deployment", name)
        if d is None:
            raise ApiError.not_found("deployments.apps", name, self.driver.namespace)
        rss = owned_replicasets(self.driver, d)
        rows = sorted((revision_of(rs), (rs["metadata"].get("annotations") or {}).get("kubernetes.io/change-cause") or "<none>") for rs in rss)
        if revision:
            match = [rs for rs in rss if revision_of(rs) == revision]
            if not match:
                raise ControllerError("unable to find the specified revision")
            tmpl = match[0]["spec"]["template"]
            images = "\n".join(f"   {c['name']}:\n    Image:\t{c['image']}" for c in tmpl["spec"]["containers"])
            return f"deployment.apps/{name} with revision #{revision}\nPod Template:\n  Containers:\n{images}"
        if not rows:
            return "No rollout history found."
        return f"deployment.apps/{name} \n" + _table([["REVISION", "CHANGE-CAUSE"]] + [[str(r), c] for r, c in rows], pad=2)

    # ------------------------------------------------------------------ exec
    def _exec(self, args: list[str]) -> str:
        if "--" not in args:
            if len([a for a in args if not a.startswith("-")]) > 1:
                raise ControllerError(EXEC_WITHOUT_DASHES[len("error: "):])
            raise ControllerError("you must specify at least one command for the container")
        cut = args.index("--")
        before, command = args[:cut], args[cut + 1 :]
        container = None
        pod = None
        i = 0
        while i < len(before):
            if before[i] in ("-c", "--container"):
                container, i = before[i + 1], i + 2
                continue
            if before[i].startswith("-"):
                i += 1
                continue
            pod, i = before[i], i + 1
        if pod is None:
            raise KubectlUsage("exec needs a pod name.")
        pod = pod.split("/", 1)[1] if pod.startswith(("pod/", "po/")) else pod
        if not command:
            raise ControllerError("you must specify at least one command for the container")
        if command[0] in ("printenv", "env"):
            env = self.driver.exec_env(pod, container)
            if len(command) > 1:
                return "\n".join(env[v] for v in command[1:] if v in env)
            return "\n".join(f"{k}={v}" for k, v in env.items())
        if command[0] == "cat" and len(command) == 2:
            self.driver.exec_env(pod, container)  # the container must be running
            text = self.driver.read_file(pod, command[1], container)
            if text is None:
                raise ControllerError(f"cat: {command[1]}: No such file or directory\ncommand terminated with exit code 1")
            return text.rstrip("\n")
        raise KubectlUsage(f"exec: only printenv and cat are simulated, not {command[0]!r}.")

    # ------------------------------------------------------------------ get
    def _get(self, args: list[str]) -> str:
        output = None
        selector = None
        positional: list[str] = []
        i = 0
        while i < len(args):
            a = args[i]
            if a in ("-o", "--output"):
                output, i = args[i + 1], i + 2
                continue
            if a.startswith("-o") and len(a) > 2:
                output = a[2:].lstrip("=")
            elif a.startswith("--output="):
                output = a.split("=", 1)[1]
            elif a in ("-l", "--selector"):
                selector, i = args[i + 1], i + 2
                continue
            elif not a.startswith("-"):
                positional.append(a)
            i += 1
        if not positional:
            raise KubectlUsage("kubectl get needs a resource type.")
        if positional[0] == "all":
            return self._get_all()
        kind, names = _kind_and_names(positional)
        if names:
            objs = []
            for n in names:
                obj = self.driver.get(kind, n)
                if obj is None:
                    raise ApiError.not_found(resource(kind), n, self.driver.namespace)
                objs.append(obj)
        else:
            objs = self.driver.list(kind)
        if selector:
            want = dict(part.split("=", 1) for part in selector.split(","))
            objs = [o for o in objs if all((o["metadata"].get("labels") or {}).get(k) == v for k, v in want.items())]
        if output == "json":
            if len(objs) == 1 and names:
                return json.dumps(objs[0], indent=4, sort_keys=True)
            return json.dumps({"apiVersion": "v1", "kind": "List", "items": objs}, indent=4, sort_keys=True)
        if output == "name":
            return "\n".join(f"{prefix(kind)}/{o['metadata']['name']}" for o in objs)
        if not objs:
            return ""
        return _table(PRINTERS[kind](objs, now_of(self.driver), prefix="", wide=output == "wide"))

    def _get_all(self) -> str:
        now = now_of(self.driver)
        parts = []
        for kind in ALL_KINDS:
            objs = self.driver.list(kind)
            if objs:
                parts.append(_table(PRINTERS[kind](objs, now, prefix=prefix(kind) + "/", wide=False)))
        return "\n\n".join(parts) if parts else f"No resources found in {self.driver.namespace} namespace."


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


def _kind_and_names(positional: list[str]) -> tuple[str, list[str]]:
    """`deployment/mc-user`, `deployment mc-user`, `po a b` -> (kind, names)."""
    if not positional:
        raise KubectlUsage("A resource type is required.")
    first = positional[0]
    if "/" in first:
        names = []
        kind = None
        for p in positional:
            k, _, n = p.partition("/")
            kind = kind_of(k)
            if kind is None:
                raise KubectlUsage(f"Unknown resource type {k!r}.")
            names.append(n)
        return kind, names
    kind = kind_of(first)
    if kind is None:
        raise KubectlUsage(f"Unknown resource type {first!r}.")
    return kind, positional[1:]


def _table(rows: list[list[str]], pad: int = 3) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join((" " * pad).join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)


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


def _age(obj: dict, now: float) -> str:
    t = _parse_time(obj["metadata"].get("creationTimestamp"))
    if t is None:
        return "<unknown>"
    s = max(0, int(now - t))
    if s < 120:
        return f"{s}s"
    m, s = divmod(s, 60)
    return f"{m}m{s}s" if m < 10 and s else f"{m}m"


def pod_status(pod: dict) -> str:
    """kubectl's STATUS column (`printPod`), for the cases the scenarios meet."""
    if pod["metadata"].get("deletionTimestamp") and pod["status"].get("phase") not in ("Succeeded", "Failed"):
        return "Terminating"
    reason = pod["status"].get("reason") or pod["status"].get("phase") or "Pending"
    for cs in reversed(pod["status"].get("containerStatuses") or []):
        state = cs.get("state") or {}
        if state.get("waiting", {}).get("reason"):
            reason = state["waiting"]["reason"]
        elif state.get("terminated", {}).get("reason"):
            reason = state["terminated"]["reason"]
    return reason


def _print_pods(objs, now, prefix, wide):
    rows = [["NAME", "READY", "STATUS", "RESTARTS", "AGE"] + (["IP", "NODE"] if wide else [])]
    for p in objs:
        cs = p["status"].get("containerStatuses") or []
        ready = sum(1 for c in cs if c.get("ready"))
        restarts = sum(c.get("restartCount", 0) for c in cs)
        row = [prefix + p["metadata"]["name"], f"{ready}/{len(p['spec']['containers'])}", pod_status(p), str(restarts), _age(p, now)]
        if wide:
            row += [p["status"].get("podIP") or "<none>", p["spec"].get("nodeName") or "<none>"]
        rows.append(row)
    return rows


def _print_rs(objs, now, prefix, wide):
    rows = [["NAME", "DESIRED", "CURRENT", "READY", "AGE"] + (["CONTAINERS", "IMAGES"] if wide else [])]
    for rs in objs:
        st = rs.get("status") or {}
        row = [prefix + rs["metadata"]["name"], str(rs["spec"].get("replicas", 1)), str(st.get("replicas", 0)), str(st.get("readyReplicas", 0)), _age(rs, now)]
        if wide:
            cs = rs["spec"]["template"]["spec"]["containers"]
            row += [",".join(c["name"] for c in cs), ",".join(c["image"] for c in cs)]
        rows.append(row)
    return rows


def _print_deploy(objs, now, prefix, wide):
    rows = [["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"] + (["CONTAINERS", "IMAGES"] if wide else [])]
    for d in objs:
        st = d.get("status") or {}
        row = [
            prefix + d["metadata"]["name"],
            f"{st.get('readyReplicas', 0)}/{d['spec'].get('replicas', 1)}",
            str(st.get("updatedReplicas", 0)),
            str(st.get("availableReplicas", 0)),
            _age(d, now),
        ]
        if wide:
            cs = d["spec"]["template"]["spec"]["containers"]
            row += [",".join(c["name"] for c in cs), ",".join(c["image"] for c in cs)]
        rows.append(row)
    return rows


def _port_string(svc: dict) -> str:
    parts = []
    for p in svc["spec"].get("ports") or []:
        proto = p.get("protocol", "TCP")
        parts.append(f"{p['port']}:{p['nodePort']}/{proto}" if p.get("nodePort") else f"{p['port']}/{proto}")
    return ",".join(parts) or "<none>"


def _print_svc(objs, now, prefix, wide):
    rows = [["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]]
    for s in objs:
        rows.append([prefix + s["metadata"]["name"], s["spec"].get("type", "ClusterIP"), s["spec"].get("clusterIP") or "<none>", "<none>", _port_string(s), _age(s, now)])
    return rows


def endpoint_addresses(ep: dict | None, ready: bool = True) -> list[str]:
    """``ip:port`` of each (not-)ready address of an Endpoints object."""
    out = []
    for subset in (ep or {}).get("subsets") or []:
        ports = [p["port"] for p in subset.get("ports") or []] or [None]
        for addr in subset.get("addresses" if ready else "notReadyAddresses") or []:
            out += [f"{addr['ip']}:{port}" if port else addr["ip"] for port in ports]
    return out


def _print_ep(objs, now, prefix, wide):
    rows = [["NAME", "ENDPOINTS", "AGE"]]
    for ep in objs:
        addrs = endpoint_addresses(ep)
        text = ",".join(addrs[:3]) + (f" + {len(addrs) - 3} more..." if len(addrs) > 3 else "") if addrs else "<none>"
        rows.append([prefix + ep["metadata"]["name"], text, _age(ep, now)])
    return rows


def _print_cm(objs, now, prefix, wide):
    rows = [["NAME", "DATA", "AGE"]]
    for cm in objs:
        rows.append([prefix + cm["metadata"]["name"], str(len(cm.get("data") or {}) + len(cm.get("binaryData") or {})), _age(cm, now)])
    return rows


def _print_events(objs, now, prefix, wide):
    rows = [["TYPE", "REASON", "OBJECT", "MESSAGE"]]
    for ev in objs:
        io = ev["involvedObject"]
        rows.append([ev.get("type", ""), ev.get("reason", ""), f"{io['kind'].lower()}/{io['name']}", ev.get("message", "")])
    return rows


PRINTERS = {
    "Pod": _print_pods,
    "ReplicaSet": _print_rs,
    "Deployment": _print_deploy,
    "Service": _print_svc,
    "Endpoints": _print_ep,
    "ConfigMap": _print_cm,
    "Event": _print_events,
}


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


def rollout_status(d: dict | None, name: str) -> str:
    """One evaluation of `DeploymentStatusViewer.Status` (k8s-semantics §1.16); errors raise."""
    if d is None:
        raise ApiError.not_found("deployments.apps", name)
    st = d.get("status") or {}
    spec_replicas = d["spec"].get("replicas", 1)
    if d["metadata"].get("generation", 0) > st.get("observedGeneration", 0):
        return "Waiting for deployment spec update to be observed..."
    progressing = next((c for c in st.get("conditions") or [] if c["type"] == "Progressing"), None)
    if progressing and progressing.get("reason") == "ProgressDeadlineExceeded":
        raise ControllerError(f'deployment "{name}" exceeded its progress deadline')
    updated, replicas, available = st.get("updatedReplicas", 0), st.get("replicas", 0), st.get("availableReplicas", 0)
    if updated < spec_replicas:
        return f'Waiting for deployment "{name}" rollout to finish: {updated} out of {spec_replicas} new replicas have been updated...'
    if replicas > updated:
        return f'Waiting for deployment "{name}" rollout to finish: {replicas - updated} old replicas are pending termination...'
    if available < updated:
        return f'Waiting for deployment "{name}" rollout to finish: {available} of {updated} updated replicas are available...'
    return f'deployment "{name}" successfully rolled out'


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
