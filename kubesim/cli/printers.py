"""kubectl's output formats: the `get` tables, `-o name|json|yaml|wide`, and AGE.

Mirrors `pkg/printers/internalversion/printers.go` (columns and cells of pods, ReplicaSets,
Deployments, Services, Endpoints, ConfigMaps, Namespaces), `apimachinery/pkg/util/duration`
(`HumanDuration`) and the JSON/YAML printers of `cli-runtime/pkg/printers`. Time is the
simulated cluster's logical clock.
"""

from __future__ import annotations

import json
from typing import Callable

import yaml

from kubesim.model.clock import parse_ms
from kubesim.model.kinds import prefix

from .tabwriter import layout

# ----- durations ---------------------------------------------------------------------------


def human_duration(ms: int) -> str:
    """`duration.HumanDuration`: ``5s``, ``119s``, ``2m10s``, ``15m``, ``3h``, ``5h30m``, ``3d4h``, ``2y``."""
    seconds = int(ms / 1000) if ms >= 0 else -int(-ms / 1000)
    if seconds < -1:
        return "<invalid>"
    if seconds < 0:
        return "0s"
    if seconds < 120:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 10:
        s = seconds % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 180:
        return f"{minutes}m"
    hours = seconds // 3600
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        dy = (hours // 24) % 365
        return f"{hours // 24 // 365}y" if dy == 0 else f"{hours // 24 // 365}y{dy}d"
    return f"{hours // 24 // 365}y"


def clock(ms: int) -> str:
    """A logical instant as kubectl writes a Go duration truncated to the second (`Duration.Truncate(time.Second)`):
    ``11s`` (not ``11.001s``), ``10m12s``, ``1h0m5s``; under a second, ``500ms``."""
    if 0 <= ms < 1000:
        return f"{ms}ms" if ms else "0s"
    s = ms // 1000
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    if h:
        return f"{h}h{m}m{s}s"
    return f"{m}m{s}s" if m else f"{s}s"


def age(obj: dict, now: int, epoch: int, field: str | None = None) -> str:
    """The AGE cell: time since `creationTimestamp` (or `field`), or ``<unknown>``."""
    stamp = obj["metadata"].get("creationTimestamp") if field is None else field
    at = parse_ms(epoch, stamp) if stamp else None
    return "<unknown>" if at is None else human_duration(now - at)


# ----- selectors and labels ----------------------------------------------------------------


def format_label_selector(sel: dict | None) -> str:
    """`metav1.FormatLabelSelector`: ``app=web,tier in (a,b)``; ``<none>`` for an empty one."""
    if not sel:
        return "<none>"
    parts = [f"{k}={v}" for k, v in sorted((sel.get("matchLabels") or {}).items())]
    for expr in sel.get("matchExpressions") or ():
        op, key, values = expr.get("operator"), expr.get("key"), sorted(expr.get("values") or ())
        if op == "In":
            parts.append(f"{key} in ({','.join(values)})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({','.join(values)})")
        elif op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    text = ",".join(sorted(parts))
    return text or "<none>"


def format_labels(labels: dict | None) -> str:
    """`labels.FormatLabels`: ``a=b,c=d`` sorted, ``<none>`` when empty."""
    if not labels:
        return "<none>"
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


# ----- rows -------------------------------------------------------------------------------


def pod_status(pod: dict) -> tuple[str, int, int, int, int | None]:
    """`printPod`'s reason, ready and total containers, restarts and last restart time (ms)."""
    status = pod.get("status") or {}
    spec = pod.get("spec") or {}
    reason = status.get("reason") or status.get("phase") or ""
    restarts = 0
    last_restart = None
    total = len(spec.get("containers") or ())
    ready = 0
    for cond in status.get("conditions") or ():
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"
    initializing = False
    init_specs = spec.get("initContainers") or []
    for i, cs in enumerate(status.get("initContainerStatuses") or ()):
        restarts += cs.get("restartCount", 0)
        state = cs.get("state") or {}
        term = state.get("terminated")
        waiting = state.get("waiting")
        if term and term.get("exitCode") == 0:
            continue
        if term:
            reason = "Init:" + (term.get("reason") or (f"Signal:{term['signal']}" if term.get("signal") else f"ExitCode:{term.get('exitCode')}"))
        elif waiting and waiting.get("reason") and waiting["reason"] != "PodInitializing":
            reason = "Init:" + waiting["reason"]
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        initializing = True
        break
    if not initializing:
        restarts = 0
        has_running = False
        for cs in reversed(status.get("containerStatuses") or ()):
            restarts += cs.get("restartCount", 0)
            last = (cs.get("lastState") or {}).get("terminated")
            if last and last.get("finishedAt"):
                last_restart = max(last_restart or "", last["finishedAt"])
            state = cs.get("state") or {}
            if (state.get("waiting") or {}).get("reason"):
                reason = state["waiting"]["reason"]
            elif (state.get("terminated") or {}).get("reason"):
                reason = state["terminated"]["reason"]
            elif state.get("terminated"):
                t = state["terminated"]
                reason = f"Signal:{t['signal']}" if t.get("signal") else f"ExitCode:{t.get('exitCode')}"
            elif state.get("running") and cs.get("ready"):
                has_running = True
                ready += 1
            elif state.get("running"):
                has_running = True
        if reason == "Completed" and has_running:
            pod_ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or ())
            reason = "Running" if pod_ready else "NotReady"
    if pod["metadata"].get("deletionTimestamp"):
        if status.get("reason") == "NodeLost":
            reason = "Unknown"
        elif reason not in ("Succeeded", "Failed"):
            reason = "Terminating"
    return reason, ready, total, restarts, last_restart


def _pod_row(pod: dict, now: int, epoch: int, wide: bool) -> list[str]:
    reason, ready, total, restarts, last_restart = pod_status(pod)
    restarts_cell = str(restarts)
    if restarts and last_restart:
        restarts_cell = f"{restarts} ({age(pod, now, epoch, last_restart)} ago)"
    row = [f"{ready}/{total}", reason, restarts_cell, age(pod, now, epoch)]
    if wide:
        status, spec = pod.get("status") or {}, pod.get("spec") or {}
        gates = spec.get("readinessGates") or ()
        if gates:
            conds = {c.get("type"): c.get("status") for c in status.get("conditions") or ()}
            gates_cell = f"{sum(1 for g in gates if conds.get(g.get('conditionType')) == 'True')}/{len(gates)}"
        else:
            gates_cell = "<none>"
        row += [status.get("podIP") or "<none>", spec.get("nodeName") or "<none>", status.get("nominatedNodeName") or "<none>", gates_cell]
    return row


def _containers_images(template_spec: dict) -> list[str]:
    cs = template_spec.get("containers") or ()
    return [",".join(c.get("name", "") for c in cs), ",".join(c.get("image", "") for c in cs)]


def _rs_row(rs: dict, now: int, epoch: int, wide: bool) -> list[str]:
    st = rs.get("status") or {}
    row = [str(rs["spec"].get("replicas", 1)), str(st.get("replicas", 0)), str(st.get("readyReplicas", 0)), age(rs, now, epoch)]
    if wide:
        row += _containers_images(rs["spec"]["template"].get("spec") or {}) + [format_label_selector(rs["spec"].get("selector"))]
    return row


def _deploy_row(d: dict, now: int, epoch: int, wide: bool) -> list[str]:
    st = d.get("status") or {}
    row = [f"{st.get('readyReplicas', 0)}/{d['spec'].get('replicas', 1)}", str(st.get("updatedReplicas", 0)), str(st.get("availableReplicas", 0)), age(d, now, epoch)]
    if wide:
        row += _containers_images(d["spec"]["template"].get("spec") or {}) + [format_label_selector(d["spec"].get("selector"))]
    return row


def service_ports(svc: dict) -> str:
    """`makePortString`: ``8080:31000/TCP,443/TCP``; ``<none>`` without ports."""
    out = []
    for p in (svc.get("spec") or {}).get("ports") or ():
        proto = p.get("protocol", "TCP")
        out.append(f"{p.get('port')}:{p['nodePort']}/{proto}" if p.get("nodePort") else f"{p.get('port')}/{proto}")
    return ",".join(out) or "<none>"


def _external_ip(svc: dict) -> str:
    spec = svc.get("spec") or {}
    stype = spec.get("type", "ClusterIP")
    external = list(spec.get("externalIPs") or ())
    if stype in ("ClusterIP", "NodePort"):
        return ",".join(external) or "<none>"
    if stype == "ExternalName":
        return spec.get("externalName", "")
    ingress = [i.get("ip") or i.get("hostname") for i in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or ()]
    return ",".join(ingress + external) or "<pending>"


def _service_row(svc: dict, now: int, epoch: int, wide: bool) -> list[str]:
    spec = svc.get("spec") or {}
    row = [spec.get("type", "ClusterIP"), spec.get("clusterIP") or "<none>", _external_ip(svc), service_ports(svc), age(svc, now, epoch)]
    if wide:
        row.append(format_labels(spec.get("selector")))
    return row


def format_endpoints(ep: dict, limit: int = 3) -> str:
    """`formatEndpoints`: ready ``ip:port`` pairs, at most `limit`, then `` + N more...``."""
    items = []
    for ss in ep.get("subsets") or ():
        addrs = [a.get("ip", "") for a in ss.get("addresses") or ()]
        ports = ss.get("ports") or ()
        if not ports:
            items += addrs
        else:
            for p in ports:
                items += [f"[{a}]:{p.get('port')}" if ":" in a else f"{a}:{p.get('port')}" for a in addrs]
    text = ",".join(items[:limit])
    if len(items) > limit:
        return f"{text} + {len(items) - limit} more..."
    return text or "<none>"


def _endpoints_row(ep: dict, now: int, epoch: int, wide: bool) -> list[str]:
    return [format_endpoints(ep), age(ep, now, epoch)]


def _configmap_row(cm: dict, now: int, epoch: int, wide: bool) -> list[str]:
    return [str(len(cm.get("data") or {}) + len(cm.get("binaryData") or {})), age(cm, now, epoch)]


def _namespace_row(ns: dict, now: int, epoch: int, wide: bool) -> list[str]:
    return [(ns.get("status") or {}).get("phase", "Active"), age(ns, now, epoch)]


def _event_row(ev: dict, now: int, epoch: int, wide: bool) -> list[str]:
    io = ev.get("involvedObject") or {}
    return [age(ev, now, epoch, ev.get("lastTimestamp")), ev.get("type", ""), ev.get("reason", ""), f"{io.get('kind', '').lower()}/{io.get('name', '')}", ev.get("message", "")]


Row = Callable[[dict, int, int, bool], list]
#: kind -> (columns, wide columns, row function).
TABLES: dict[str, tuple[list[str], list[str], Row]] = {
    "Pod": (["READY", "STATUS", "RESTARTS", "AGE"], ["IP", "NODE", "NOMINATED NODE", "READINESS GATES"], _pod_row),
    "ReplicaSet": (["DESIRED", "CURRENT", "READY", "AGE"], ["CONTAINERS", "IMAGES", "SELECTOR"], _rs_row),
    "Deployment": (["READY", "UP-TO-DATE", "AVAILABLE", "AGE"], ["CONTAINERS", "IMAGES", "SELECTOR"], _deploy_row),
    "Service": (["TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"], ["SELECTOR"], _service_row),
    "Endpoints": (["ENDPOINTS", "AGE"], [], _endpoints_row),
    "ConfigMap": (["DATA", "AGE"], [], _configmap_row),
    "Namespace": (["STATUS", "AGE"], [], _namespace_row),
    "Event": (["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"], [], _event_row),
}


def table(kind: str, objs: list[dict], now: int, epoch: int, **options) -> str:
    """One kind's table as `kubectl get` prints it (no trailing newline); `options` as `table_rows` takes them."""
    return layout(table_rows(kind, objs, now, epoch, **options), padding=3, minwidth=6)


def table_rows(kind: str, objs: list[dict], now: int, epoch: int, *, wide: bool = False, with_kind: bool = False, with_namespace: bool = False,
               label_columns: tuple[str, ...] = (), show_labels: bool = False, headers: bool = True) -> list[list[str]]:
    """One kind's table as cells: the header (unless `headers` is false), then a row per object.

    `decorateTable` (cli-runtime `tableprinter.go`): NAMESPACE first; after the kind's (and wide) columns one column
    per `-L` label, headed by the key's last ``/`` segment upper-cased (`formatLabelHeaders`), then LABELS
    (`--show-labels`, `labels.FormatLabels`).
    """
    cols, wide_cols, row_of = TABLES[kind]
    extra = [label.split("/")[-1].upper() for label in label_columns] + (["LABELS"] if show_labels else [])
    head = (["NAMESPACE"] if with_namespace else []) + ["NAME"] + cols + (wide_cols if wide else []) + extra
    if kind == "Event":  # events have no NAME column
        head = (["NAMESPACE"] if with_namespace else []) + cols + extra
    rows = [head] if headers else []
    for obj in objs:
        name = obj["metadata"]["name"]
        if with_kind:
            name = f"{prefix(kind)}/{name}"
        row = row_of(obj, now, epoch, wide)
        if kind != "Event":
            row = [name] + row
        labels = obj["metadata"].get("labels") or {}
        row += [labels.get(key, "") for key in label_columns] + ([format_labels(labels)] if show_labels else [])
        rows.append(([obj["metadata"].get("namespace", "")] if with_namespace else []) + row)
    return rows


# ----- -o json / yaml / name ---------------------------------------------------------------


def as_list(objs: list[dict]) -> dict:
    """Several objects as kubectl prints them: a `v1` `List`."""
    return {"apiVersion": "v1", "items": objs, "kind": "List", "metadata": {"resourceVersion": ""}}


def to_json(obj) -> str:
    """Go's `json.MarshalIndent(obj, "", "    ")` of unstructured data (sorted keys, HTML escaped)."""
    text = json.dumps(obj, sort_keys=True, indent=4, ensure_ascii=False)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n"


class _GoYamlDumper(yaml.SafeDumper):
    """Emit YAML as sigs.k8s.io/yaml does: sorted keys, double quotes when a string needs them.

    Never anchors and aliases (`&id001`): objects may share equal parts, which are written out each time.
    """

    def ignore_aliases(self, data) -> bool:
        return True


def _str_representer(dumper: yaml.SafeDumper, value: str):
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    tag = dumper.resolve(yaml.ScalarNode, value, (True, False))
    needs_quotes = tag != "tag:yaml.org,2002:str" or value in ("y", "Y", "n", "N", "yes", "no", "on", "off", "Yes", "No", "On", "Off", "YES", "NO", "ON", "OFF")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"' if needs_quotes else None)


_GoYamlDumper.add_representer(str, _str_representer)


def to_yaml(obj) -> str:
    return yaml.dump(obj, Dumper=_GoYamlDumper, sort_keys=True, default_flow_style=False, allow_unicode=True, width=float("inf"))


def name_of(obj: dict) -> str:
    """`-o name`: ``deployment.apps/web``."""
    return f"{prefix(obj['kind'])}/{obj['metadata']['name']}"
