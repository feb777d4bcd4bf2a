"""`kubectl describe` for the served kinds: the layout of `k8s.io/kubectl/pkg/describe`.

Mirrors `describe.go` (`DeploymentDescriber`, `ReplicaSetDescriber`, `PodDescriber`,
`ServiceDescriber`, `ConfigMapDescriber`, `DescribePodTemplate`, `describeContainers`,
`DescribeEvents`): one tabwriter (padding 2) over `Label:\\tvalue` lines, so a run of
labelled lines aligns. Abstracts: pods have no service-account token volume, so their
Mounts and Volumes are what the manifest says.
"""

from __future__ import annotations

import datetime as _dt

from kubesim.model.clock import parse_ms
from kubesim.model.state import ClusterState

from .printers import format_endpoints, format_label_selector, human_duration
from .tabwriter import TabWriter

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
MAX_ANNOTATION_LEN = 140


class _Out:
    """`PrefixWriter`: each level indents by two spaces."""

    def __init__(self) -> None:
        self.tw = TabWriter(padding=2)

    def w(self, level: int, text: str) -> None:
        self.tw.write("  " * level + text)

    def value(self) -> str:
        return self.tw.getvalue()


def _rfc1123z(epoch: int, stamp: str | None) -> str:
    ms = parse_ms(epoch, stamp)
    if ms is None:
        return "<unset>"
    t = _dt.datetime.fromtimestamp(epoch + ms // 1000, _dt.timezone.utc)
    return t.strftime("%a, %d %b %Y %H:%M:%S +0000")


def _multiline(out: _Out, title: str, items: dict | None, sep: str = "=", skip=()) -> None:
    """`printLabelsMultiline` / `printAnnotationsMultiline`: first pair on the title line, the rest below."""
    out.w(0, f"{title}:\t")
    pairs = [(k, v) for k, v in sorted((items or {}).items()) if k not in skip]
    if not pairs:
        out.w(0, "<none>\n")
        return
    for i, (k, v) in enumerate(pairs):
        if sep == ": " and len(v) > MAX_ANNOTATION_LEN:
            v = v[:MAX_ANNOTATION_LEN] + "..."
        if i:
            out.w(0, "\t")
        out.w(0, f"{k}{sep}{v}\n")


def _tolerations(out: _Out, title: str, tolerations) -> None:
    out.w(0, f"{title}:\t")
    if not tolerations:
        out.w(0, "<none>\n")
        return
    for i, t in enumerate(tolerations):
        if i:
            out.w(0, "\t")
        text = t.get("key", "")
        if t.get("value"):
            text += f"={t['value']}"
        if t.get("effect"):
            text += f":{t['effect']}"
        if t.get("operator") == "Exists" and not t.get("value"):
            text += " op=Exists"
        if t.get("tolerationSeconds") is not None:
            text += f" for {t['tolerationSeconds']}s"
        out.w(0, text + "\n")


def _container(out: _Out, c: dict, status: dict | None, epoch: int, name_indent: str, field_indent: str) -> None:
    """`describeContainers` for one container: the name line, then its fields one step in."""

    def w(level: int, text: str) -> None:
        out.tw.write(field_indent + "  " * (level - 1) + text)

    out.tw.write(f"{name_indent}{c.get('name', '')}:\n")
    if status is not None:
        w(1, f"Container ID:\t{status.get('containerID', '')}\n")
    w(1, f"Image:\t{c.get('image', '')}\n")
    if status is not None:
        w(1, f"Image ID:\t{status.get('imageID', '')}\n")
    ports = c.get("ports") or ()
    if not ports:
        w(1, "Port:\t<none>\n")
        w(1, "Host Port:\t<none>\n")
    else:
        plural = "s" if len(ports) > 1 else ""
        container_ports = ", ".join(f"{p.get('containerPort')}/{p.get('protocol', 'TCP')}" for p in ports)
        host_ports = ", ".join(f"{p.get('hostPort', 0)}/{p.get('protocol', 'TCP')}" for p in ports)
        w(1, f"Port{plural}:\t{container_ports}\n")
        w(1, f"Host Port{plural}:\t{host_ports}\n")
    if c.get("command"):
        w(1, "Command:\n")
        for part in c["command"]:
            w(2, f"{part}\n")
    if c.get("args"):
        w(1, "Args:\n")
        for part in c["args"]:
            w(2, f"{part}\n")
    if status is not None:
        state = status.get("state") or {}
        _container_state(w, "State", state, epoch)
        last = status.get("lastState") or {}
        if last:
            _container_state(w, "Last State", last, epoch)
        w(1, f"Ready:\t{'True' if status.get('ready') else 'False'}\n")
        w(1, f"Restart Count:\t{status.get('restartCount', 0)}\n")
    env_from = c.get("envFrom") or ()
    if env_from:
        w(1, "Environment Variables from:\n")
        for src in env_from:
            if src.get("configMapRef"):
                ref, kind = src["configMapRef"], "ConfigMap"
            else:
                ref, kind = src.get("secretRef") or {}, "Secret"
            prefix = f" with prefix '{src['prefix']}'" if src.get("prefix") else ""
            w(2, f"{ref.get('name', '')}\t{kind}{prefix}\tOptional: {'true' if ref.get('optional') else 'false'}\n")
    env = c.get("env") or ()
    if not env:
        w(1, "Environment:\t<none>\n")
    else:
        w(1, "Environment:\n")
        for e in env:
            vf = e.get("valueFrom")
            if vf is None:
                w(2, f"{e.get('name')}:\t{e.get('value', '')}\n")
            elif vf.get("configMapKeyRef"):
                r = vf["configMapKeyRef"]
                w(2, f"{e.get('name')}:\t<set to the key '{r.get('key')}' of config map '{r.get('name')}'>\tOptional: {'true' if r.get('optional') else 'false'}\n")
            else:
                w(2, f"{e.get('name')}:\t<set from a source kubesim does not describe>\n")
    mounts = c.get("volumeMounts") or ()
    if not mounts:
        w(1, "Mounts:\t<none>\n")
    else:
        w(1, "Mounts:\n")
        for mnt in sorted(mounts, key=lambda x: x.get("mountPath", "")):
            flags = "ro" if mnt.get("readOnly") else "rw"
            sub = f",path=\"{mnt['subPath']}\"" if mnt.get("subPath") else ""
            w(2, f"{mnt.get('mountPath')} from {mnt.get('name')} ({flags}{sub})\n")


def _container_state(w, title: str, state: dict, epoch: int) -> None:
    if state.get("running"):
        w(1, f"{title}:\tRunning\n")
        w(2, f"Started:\t{_rfc1123z(epoch, state['running'].get('startedAt'))}\n")
    elif state.get("waiting"):
        w(1, f"{title}:\tWaiting\n")
        if state["waiting"].get("reason"):
            w(2, f"Reason:\t{state['waiting']['reason']}\n")
        if state["waiting"].get("message"):
            w(2, f"Message:\t{state['waiting']['message']}\n")
    elif state.get("terminated"):
        t = state["terminated"]
        w(1, f"{title}:\tTerminated\n")
        if t.get("reason"):
            w(2, f"Reason:\t{t['reason']}\n")
        w(2, f"Exit Code:\t{t.get('exitCode', 0)}\n")
        w(2, f"Started:\t{_rfc1123z(epoch, t.get('startedAt'))}\n")
        w(2, f"Finished:\t{_rfc1123z(epoch, t.get('finishedAt'))}\n")
    else:
        w(1, f"{title}:\tWaiting\n")


def _volumes(out: _Out, volumes, level: int) -> None:
    if not volumes:
        out.w(level, "Volumes:\t<none>\n")
        return
    out.w(level, "Volumes:\n")
    for v in volumes:
        out.w(level + 1, f"{v.get('name')}:\n")
        if v.get("configMap"):
            cm = v["configMap"]
            out.w(level + 2, "Type:\tConfigMap (a volume populated by a ConfigMap)\n")
            out.w(level + 2, f"Name:\t{cm.get('name', '')}\n")
            out.w(level + 2, f"Optional:\t{'true' if cm.get('optional') else 'false'}\n")
        elif "emptyDir" in v:
            out.w(level + 2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n")
            out.w(level + 2, f"Medium:\t{(v['emptyDir'] or {}).get('medium', '')}\n")
        else:
            out.w(level + 2, "Type:\t<unknown>\n")


def _pod_template(out: _Out, tmpl: dict) -> None:
    md, spec = tmpl.get("metadata") or {}, tmpl.get("spec") or {}
    out.w(0, "Pod Template:\n")
    _multiline(out, "  Labels", md.get("labels"))
    if md.get("annotations"):
        _multiline(out, "  Annotations", md.get("annotations"), sep=": ")
    if spec.get("serviceAccountName"):
        out.w(1, f"Service Account:\t{spec['serviceAccountName']}\n")
    out.w(1, "Containers:\n")
    for c in spec.get("containers") or ():
        _container(out, c, None, 0, "   ", "    ")
    _volumes(out, spec.get("volumes"), 1)
    _multiline(out, "  Node-Selectors", spec.get("nodeSelector"))
    _tolerations(out, "  Tolerations", spec.get("tolerations"))


def _events(out: _Out, st: ClusterState, obj: dict) -> None:
    uid = obj["metadata"].get("uid")
    evs = [e for e in st.list("Event", obj["metadata"].get("namespace")) if (e.get("involvedObject") or {}).get("uid") == uid]
    if not evs:
        out.w(0, "Events:\t<none>\n")
        return
    evs.sort(key=lambda e: (parse_ms(st.config.epoch, e.get("lastTimestamp")) or 0))
    out.w(0, "Events:\n")
    out.w(1, "Type\tReason\tAge\tFrom\tMessage\n")
    out.w(1, "----\t------\t----\t----\t-------\n")
    for e in evs:
        last = st.now - (parse_ms(st.config.epoch, e.get("lastTimestamp")) or 0)
        interval = human_duration(last)
        if e.get("count", 1) > 1:
            first = st.now - (parse_ms(st.config.epoch, e.get("firstTimestamp")) or 0)
            interval = f"{interval} (x{e['count']} over {human_duration(first)})"
        source = (e.get("source") or {}).get("component", "")
        out.w(1, f"{e.get('type', '')}\t{e.get('reason', '')}\t{interval}\t{source}\t{(e.get('message') or '').strip()}\n")


def _header(out: _Out, st: ClusterState, obj: dict, *, timestamp: bool) -> None:
    md = obj["metadata"]
    out.w(0, f"Name:\t{md['name']}\n")
    out.w(0, f"Namespace:\t{md.get('namespace', '')}\n")
    if timestamp:
        out.w(0, f"CreationTimestamp:\t{_rfc1123z(st.config.epoch, md.get('creationTimestamp'))}\n")


def describe_deployment(st: ClusterState, d: dict) -> str:
    out = _Out()
    md, spec, status = d["metadata"], d["spec"], d.get("status") or {}
    _header(out, st, d, timestamp=True)
    _multiline(out, "Labels", md.get("labels"))
    _multiline(out, "Annotations", md.get("annotations"), sep=": ", skip=(LAST_APPLIED,))
    out.w(0, f"Selector:\t{format_label_selector(spec.get('selector'))}\n")
    replicas = status.get("replicas", 0)
    out.w(0, f"Replicas:\t{spec.get('replicas', 1)} desired | {status.get('updatedReplicas', 0)} updated | {replicas} total | "
             f"{status.get('availableReplicas', 0)} available | {status.get('unavailableReplicas', 0)} unavailable\n")
    strategy = spec.get("strategy") or {}
    out.w(0, f"StrategyType:\t{strategy.get('type', 'RollingUpdate')}\n")
    out.w(0, f"MinReadySeconds:\t{spec.get('minReadySeconds', 0)}\n")
    ru = strategy.get("rollingUpdate")
    if ru is not None:
        out.w(0, f"RollingUpdateStrategy:\t{ru.get('maxUnavailable')} max unavailable, {ru.get('maxSurge')} max surge\n")
    _pod_template(out, spec["template"])
    if status.get("conditions"):
        out.w(0, "Conditions:\n  Type\tStatus\tReason\n")
        out.w(1, "----\t------\t------\n")
        for c in status["conditions"]:
            out.w(1, f"{c.get('type')} \t{c.get('status')}\t{c.get('reason', '')}\n")
    rss = st.dependents_of(md["uid"], "ReplicaSet")
    from kubesim.model.deployment import util as du

    new_rs = None
    for rs in sorted(rss, key=lambda r: r["metadata"].get("creationTimestamp") or ""):
        if du.equal_ignore_hash(rs["spec"]["template"], spec["template"]):
            new_rs = rs
            break
    old = [rs for rs in rss if rs is not new_rs and rs["spec"].get("replicas", 0) > 0]

    def brief(rss_: list[dict]) -> str:
        if not rss_:
            return "<none>"
        return ", ".join(f"{rs['metadata']['name']} ({(rs.get('status') or {}).get('replicas', 0)}/{rs['spec'].get('replicas', 0)} replicas created)" for rs in rss_)

    out.w(0, f"OldReplicaSets:\t{brief(old)}\n")
    out.w(0, f"NewReplicaSet:\t{brief([new_rs] if new_rs else [])}\n")
    _events(out, st, d)
    return out.value()


def _controlled_by(out: _Out, obj: dict) -> None:
    for ref in obj["metadata"].get("ownerReferences") or ():
        if ref.get("controller"):
            out.w(0, f"Controlled By:\t{ref.get('kind')}/{ref.get('name')}\n")


def describe_replicaset(st: ClusterState, rs: dict) -> str:
    out = _Out()
    md, spec, status = rs["metadata"], rs["spec"], rs.get("status") or {}
    _header(out, st, rs, timestamp=False)
    out.w(0, f"Selector:\t{format_label_selector(spec.get('selector'))}\n")
    _multiline(out, "Labels", md.get("labels"))
    _multiline(out, "Annotations", md.get("annotations"), sep=": ", skip=(LAST_APPLIED,))
    _controlled_by(out, rs)
    out.w(0, f"Replicas:\t{status.get('replicas', 0)} current / {spec.get('replicas', 1)} desired\n")
    counts = {"Running": 0, "Pending": 0, "Succeeded": 0, "Failed": 0}
    for pod in st.dependents_of(md["uid"], "Pod"):
        phase = (pod.get("status") or {}).get("phase", "Pending")
        counts[phase if phase in counts else "Pending"] += 1
    out.w(0, f"Pods Status:\t{counts['Running']} Running / {counts['Pending']} Waiting / {counts['Succeeded']} Succeeded / {counts['Failed']} Failed\n")
    _pod_template(out, spec["template"])
    if status.get("conditions"):
        out.w(0, "Conditions:\n  Type\tStatus\tReason\n")
        out.w(1, "----\t------\t------\n")
        for c in status["conditions"]:
            out.w(1, f"{c.get('type')} \t{c.get('status')}\t{c.get('reason', '')}\n")
    _events(out, st, rs)
    return out.value()


def describe_pod(st: ClusterState, pod: dict) -> str:
    out = _Out()
    md, spec, status = pod["metadata"], pod["spec"], pod.get("status") or {}
    epoch = st.config.epoch
    _header(out, st, pod, timestamp=False)
    out.w(0, f"Priority:\t{spec.get('priority', 0)}\n")
    out.w(0, f"Service Account:\t{spec.get('serviceAccountName', '')}\n")
    node = spec.get("nodeName")
    out.w(0, f"Node:\t{node + '/' + status.get('hostIP', '') if node else '<none>'}\n")
    if status.get("startTime"):
        out.w(0, f"Start Time:\t{_rfc1123z(epoch, status['startTime'])}\n")
    _multiline(out, "Labels", md.get("labels"))
    _multiline(out, "Annotations", md.get("annotations"), sep=": ", skip=(LAST_APPLIED,))
    if md.get("deletionTimestamp"):
        out.w(0, f"Status:\tTerminating (lasts {human_duration(st.now - (parse_ms(epoch, md['deletionTimestamp']) or 0))})\n")
        out.w(0, f"Termination Grace Period:\t{md.get('deletionGracePeriodSeconds', 30)}s\n")
    else:
        out.w(0, f"Status:\t{status.get('phase', '')}\n")
    out.w(0, f"IP:\t{status.get('podIP', '')}\n")
    out.w(0, "IPs:")
    ips = status.get("podIPs") or ()
    if not ips:
        out.w(0, "\t<none>\n")
    else:
        out.w(0, "\n")
        for ip in ips:
            out.w(1, f"IP:\t{ip.get('ip')}\n")
    _controlled_by(out, pod)
    statuses = {cs.get("name"): cs for cs in status.get("containerStatuses") or ()}
    out.w(0, "Containers:\n")
    for c in spec.get("containers") or ():
        _container(out, c, statuses.get(c.get("name"), {}), epoch, "  ", "    ")
    if status.get("conditions"):
        out.w(0, "Conditions:\n  Type\tStatus\n")
        for c in status["conditions"]:
            out.w(1, f"{c.get('type')} \t{c.get('status')} \n")
    _volumes(out, spec.get("volumes"), 0)
    out.w(0, f"QoS Class:\t{status.get('qosClass', '')}\n")
    _multiline(out, "Node-Selectors", spec.get("nodeSelector"))
    _tolerations(out, "Tolerations", spec.get("tolerations"))
    _events(out, st, pod)
    return out.value()


def describe_service(st: ClusterState, svc: dict) -> str:
    out = _Out()
    md, spec = svc["metadata"], svc.get("spec") or {}
    _header(out, st, svc, timestamp=False)
    _multiline(out, "Labels", md.get("labels"))
    _multiline(out, "Annotations", md.get("annotations"), sep=": ", skip=(LAST_APPLIED,))
    sel = spec.get("selector")
    out.w(0, f"Selector:\t{','.join(f'{k}={v}' for k, v in sorted(sel.items())) if sel else '<none>'}\n")
    out.w(0, f"Type:\t{spec.get('type', 'ClusterIP')}\n")
    if spec.get("ipFamilyPolicy"):
        out.w(0, f"IP Family Policy:\t{spec['ipFamilyPolicy']}\n")
    if spec.get("ipFamilies"):
        out.w(0, f"IP Families:\t{','.join(spec['ipFamilies'])}\n")
    out.w(0, f"IP:\t{spec.get('clusterIP', '')}\n")
    if spec.get("clusterIPs"):
        out.w(0, f"IPs:\t{','.join(spec['clusterIPs'])}\n")
    ep = st.get("Endpoints", md.get("namespace", ""), md["name"])
    for p in spec.get("ports") or ():
        name = p.get("name") or "<unset>"
        proto = p.get("protocol", "TCP")
        out.w(0, f"Port:\t{name}\t{p.get('port')}/{proto}\n")
        target = p.get("targetPort", p.get("port"))
        out.w(0, f"TargetPort:\t{target}/{proto}\n")
        if p.get("nodePort"):
            out.w(0, f"NodePort:\t{name}\t{p['nodePort']}/{proto}\n")
        addrs = []
        for ss in (ep or {}).get("subsets") or ():
            for port in ss.get("ports") or ():
                if port.get("name", "") == p.get("name", ""):
                    addrs += [f"{a.get('ip')}:{port.get('port')}" for a in ss.get("addresses") or ()]
        out.w(0, f"Endpoints:\t{','.join(addrs)}\n")
    out.w(0, f"Session Affinity:\t{spec.get('sessionAffinity', 'None')}\n")
    if spec.get("externalTrafficPolicy"):
        out.w(0, f"External Traffic Policy:\t{spec['externalTrafficPolicy']}\n")
    if spec.get("internalTrafficPolicy"):
        out.w(0, f"Internal Traffic Policy:\t{spec['internalTrafficPolicy']}\n")
    _events(out, st, svc)
    return out.value()


def describe_configmap(st: ClusterState, cm: dict) -> str:
    out = _Out()
    md = cm["metadata"]
    _header(out, st, cm, timestamp=False)
    _multiline(out, "Labels", md.get("labels"))
    _multiline(out, "Annotations", md.get("annotations"), sep=": ", skip=(LAST_APPLIED,))
    out.w(0, "\nData\n====\n")
    for k, v in sorted((cm.get("data") or {}).items()):
        out.w(0, f"{k}:\n----\n{v}\n\n")
    out.w(0, "\nBinaryData\n====\n")
    for k, v in sorted((cm.get("binaryData") or {}).items()):
        out.w(0, f"{k}: {len(v) * 3 // 4} bytes\n")
    out.w(0, "\n")
    _events(out, st, cm)
    return out.value()


def describe_endpoints(st: ClusterState, ep: dict) -> str:
    out = _Out()
    md = ep["metadata"]
    _header(out, st, ep, timestamp=False)
    _multiline(out, "Labels", md.get("labels"))
    _multiline(out, "Annotations", md.get("annotations"), sep=": ", skip=(LAST_APPLIED,))
    out.w(0, "Subsets:\n")
    for ss in ep.get("subsets") or ():
        out.w(1, f"Addresses:\t{','.join(a.get('ip', '') for a in ss.get('addresses') or ()) or '<none>'}\n")
        out.w(1, f"NotReadyAddresses:\t{','.join(a.get('ip', '') for a in ss.get('notReadyAddresses') or ()) or '<none>'}\n")
        if ss.get("ports"):
            out.w(1, "Ports:\n")
            out.w(2, "Name\tPort\tProtocol\n")
            out.w(2, "----\t----\t--------\n")
            for p in ss["ports"]:
                out.w(2, f"{p.get('name') or '<unset>'}\t{p.get('port')}\t{p.get('protocol', 'TCP')}\n")
        out.w(0, "\n")
    _events(out, st, ep)
    return out.value()


def describe_namespace(st: ClusterState, ns: dict) -> str:
    out = _Out()
    md = ns["metadata"]
    out.w(0, f"Name:\t{md['name']}\n")
    _multiline(out, "Labels", md.get("labels"))
    _multiline(out, "Annotations", md.get("annotations"), sep=": ", skip=(LAST_APPLIED,))
    out.w(0, f"Status:\t{(ns.get('status') or {}).get('phase', 'Active')}\n")
    out.w(0, "\nNo resource quota.\n\nNo LimitRange resource.\n")
    return out.value()


DESCRIBERS = {
    "Deployment": describe_deployment,
    "ReplicaSet": describe_replicaset,
    "Pod": describe_pod,
    "Service": describe_service,
    "ConfigMap": describe_configmap,
    "Endpoints": describe_endpoints,
    "Namespace": describe_namespace,
}


def describe(st: ClusterState, obj: dict) -> str:
    return DESCRIBERS[obj["kind"]](st, obj)


__all__ = ["describe", "DESCRIBERS", "format_endpoints"]
