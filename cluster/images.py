"""The real node's images and admission policy, both from the shared image conventions.

    python3 cluster/images.py build DIR    # DIR/images.tar (docker-archive), rebuilt only when its inputs change
    python3 cluster/images.py policy       # the MutatingAdmissionPolicy (+ binding), as JSON for kubectl apply
    python3 cluster/images.py list         # the image references the node gets

No registry is involved: `build` compiles three static C programs (`images/init.c`, PID 1 of
every image; `images/printenv.c`; `images/pause.c`, the pod sandbox) and writes one
docker-archive holding every image the scenarios use, sharing one busybox layer; `up.sh`
imports it with `ctr -n k8s.io images import`. Pods use the default pull policy of tagged
images (IfNotPresent), so nothing is ever pulled.

The conventions (`model/images.py`) reach the real node two ways: what an image's name asks
for is in the image's own environment (its init reads it), and what a pod's annotations ask
for is turned into a readiness probe and a preStop hook by a MutatingAdmissionPolicy when
the pod is created in a namespace labelled ``kubesim.dev/node: real``; the same policy puts
such pods on the real node (node selector and toleration of its taint).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
from kubesim.model import images as conventions  # `pip install -e .` provides it

#: The label (on namespaces, nodes and as the taint key) that chooses the real node.
NODE_LABEL = "kubesim.dev/node"
NODE_VALUE = "real"
PAUSE = "registry.k8s.io/pause:3.10"

#: Every image a scenario or test runs on the real node (a pod of another image would fail
#: with ErrImagePull: the node reaches no registry).
IMAGES = (
    "rainbow/mc-user:1.0.RELEASE",
    "rainbow/mc-user:1.1.RELEASE",
    "rainbow/mc-user:1.2.RELEASE",
    "rainbow/mc-user:1.1.RELEASE-never-ready",
    "rainbow/mc-user:1.1.RELEASE-crash-after-3s",
    "rainbow/mc-order:1.0.RELEASE",
    "example/web:1",
    "example/web:2",
)

BUSYBOX = Path("/bin/busybox")
SOURCES = ("init.c", "printenv.c", "pause.c")


def _entry(t: tarfile.TarFile, name: str, data: bytes | None = None, mode: int = 0o755, typ=tarfile.REGTYPE, link: str = "") -> None:
    ti = tarfile.TarInfo(name)
    ti.mode, ti.mtime, ti.type, ti.linkname = mode, 0, typ, link
    if data is not None:
        ti.size = len(data)
    t.addfile(ti, io.BytesIO(data) if data is not None else None)


def _layer(files: dict[str, bytes], busybox: bool) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as t:
        if busybox:
            for d in ("bin", "etc", "tmp", "proc", "sys", "dev", "root", "var"):
                _entry(t, d, mode=0o1777 if d == "tmp" else 0o755, typ=tarfile.DIRTYPE)
            _entry(t, "etc/passwd", b"root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n", 0o644)
            _entry(t, "etc/group", b"root:x:0:\nnobody:x:65534:\n", 0o644)
            _entry(t, "bin/busybox", BUSYBOX.read_bytes())
            applets = subprocess.run([str(BUSYBOX), "--list"], capture_output=True, text=True, check=True).stdout.split()
            for applet in sorted(set(applets) - {"busybox", "printenv", "init"}):
                _entry(t, "bin/" + applet, typ=tarfile.SYMTYPE, link="busybox", mode=0o777)
        for name, data in files.items():
            _entry(t, name, data, 0o755 if name.startswith("bin/") or "/" not in name else 0o644)
    return buf.getvalue()


def _compile(workdir: Path) -> dict[str, bytes]:
    out = {}
    for src in SOURCES:
        exe = workdir / Path(src).stem
        subprocess.run(["gcc", "-O2", "-static", "-o", str(exe), str(HERE / "images" / src)], check=True)
        subprocess.run(["strip", str(exe)], check=True)
        out[exe.name] = exe.read_bytes()
    return out


def _stamp() -> str:
    h = hashlib.sha256()
    for p in [*(HERE / "images" / s for s in SOURCES), Path(__file__), Path(conventions.__file__), BUSYBOX]:
        h.update(p.read_bytes())
    h.update(subprocess.run(["gcc", "--version"], capture_output=True, text=True).stdout.encode())
    return h.hexdigest()


def build(outdir: Path) -> Path:
    """Write outdir/images.tar unless its stamp says it is up to date; return its path."""
    outdir.mkdir(parents=True, exist_ok=True)
    tar, stamp_file = outdir / "images.tar", outdir / "images.tar.stamp"
    stamp = _stamp()
    if tar.exists() and stamp_file.exists() and stamp_file.read_text().strip() == stamp and os.environ.get("FORCE") != "1":
        print(f"images up to date: {tar}")
        return tar
    with tempfile.TemporaryDirectory() as tmp:
        bins = _compile(Path(tmp))
    base = _layer({"bin/kubesim-init": bins["init"], "bin/printenv": bins["printenv"]}, busybox=True)
    layers: dict[str, bytes] = {}
    manifest = []
    configs: dict[str, bytes] = {}

    def add_layer(data: bytes) -> tuple[str, str]:
        diff_id = "sha256:" + hashlib.sha256(data).hexdigest()
        name = diff_id[7:] + "/layer.tar"
        layers[name] = data
        return diff_id, name

    def add_image(tag: str, layer_data: list[bytes], config: dict) -> None:
        ids, names = zip(*(add_layer(d) for d in layer_data))
        cfg = json.dumps(
            {"architecture": "amd64", "os": "linux", "created": "2026-01-01T00:00:00Z", "config": config, "rootfs": {"type": "layers", "diff_ids": list(ids)}},
            separators=(",", ":"),
            sort_keys=True,
        ).encode()
        cname = hashlib.sha256(cfg).hexdigest() + ".json"
        configs[cname] = cfg
        manifest.append({"Config": cname, "RepoTags": [tag], "Layers": list(names)})

    add_image(PAUSE, [_layer({"pause": bins["pause"]}, busybox=False)], {"Entrypoint": ["/pause"], "WorkingDir": "/"})
    for tag in IMAGES:
        env = ["PATH=/bin"] + [f"{k}={v}" for k, v in sorted(conventions.image_env(tag).items())]
        version = _layer({"VERSION": (tag.rsplit(":", 1)[-1] + "\n").encode()}, busybox=False)
        add_image(tag, [base, version], {"Entrypoint": ["/bin/kubesim-init"], "Env": env, "WorkingDir": "/"})
    tmp_tar = tar.with_suffix(".tmp")
    with tarfile.open(tmp_tar, "w") as t:
        for name, data in {**configs, **layers}.items():
            _entry(t, name, data, 0o644)
        _entry(t, "manifest.json", json.dumps(manifest).encode(), 0o644)
    tmp_tar.replace(tar)
    stamp_file.write_text(stamp + "\n")
    print(f"images built: {tar} ({tar.stat().st_size // 1024} KiB): {PAUSE}, {', '.join(IMAGES)}")
    return tar


def policy() -> list[dict]:
    """The MutatingAdmissionPolicy that carries the pod annotations' conventions to the real node."""
    c = conventions
    ann = "object.metadata.annotations"

    def has_ann(key: str) -> str:
        return f"(has({ann}) && '{key}' in {ann})"

    number = "^[0-9]+([.][0-9]+)?$"
    variables = [
        {"name": "neverReady", "expression": f"{has_ann(c.NEVER_READY_ANNOTATION)} && {ann}['{c.NEVER_READY_ANNOTATION}'] == 'true'"},
        {
            "name": "readyAfter",
            "expression": f"{has_ann(c.READY_AFTER_ANNOTATION)} && {ann}['{c.READY_AFTER_ANNOTATION}'].matches('{number}') ? {ann}['{c.READY_AFTER_ANNOTATION}'] : '0'",
        },
        {
            "name": "terminateAfter",
            "expression": f"{has_ann(c.TERMINATE_AFTER_ANNOTATION)} ? ({ann}['{c.TERMINATE_AFTER_ANNOTATION}'].matches('{number}') ? {ann}['{c.TERMINATE_AFTER_ANNOTATION}'] : '0') : ''",
        },
        {
            "name": "probePath",
            "expression": f"variables.neverReady ? '{c.NEVER_READY_PATH}' : '{c.READY_PATH}?{c.READY_AFTER_QUERY}=' + variables.readyAfter",
        },
        # The probe goes to the image's init: only a container that runs the image's entrypoint has one.
        {"name": "probed", "expression": "!has(object.spec.containers[0].command) && !has(object.spec.containers[0].readinessProbe)"},
    ]
    key = NODE_LABEL.replace("/", "~1")
    patches = [
        f"""(has(object.spec.nodeSelector)
            ? [JSONPatch{{op: "add", path: "/spec/nodeSelector/{key}", value: "{NODE_VALUE}"}}]
            : [JSONPatch{{op: "add", path: "/spec/nodeSelector", value: {{"{NODE_LABEL}": "{NODE_VALUE}"}}}}])""",
        f"""(has(object.spec.tolerations)
            ? [JSONPatch{{op: "add", path: "/spec/tolerations/-", value: Object.spec.tolerations{{key: "{NODE_LABEL}", operator: "Equal", value: "{NODE_VALUE}", effect: "NoSchedule"}}}}]
            : [JSONPatch{{op: "add", path: "/spec/tolerations", value: [Object.spec.tolerations{{key: "{NODE_LABEL}", operator: "Equal", value: "{NODE_VALUE}", effect: "NoSchedule"}}]}}])""",
        f"""(variables.probed
            ? [JSONPatch{{op: "add", path: "/spec/containers/0/readinessProbe", value: Object.spec.containers.readinessProbe{{
                httpGet: Object.spec.containers.readinessProbe.httpGet{{path: string(variables.probePath), port: {c.PROBE_PORT}}},
                periodSeconds: 1, timeoutSeconds: 1, successThreshold: 1, failureThreshold: 1}}}}]
            : [])""",
        """(variables.terminateAfter != '' && !has(object.spec.containers[0].lifecycle)
            ? [JSONPatch{op: "add", path: "/spec/containers/0/lifecycle", value: Object.spec.containers.lifecycle{
                preStop: Object.spec.containers.lifecycle.preStop{exec: Object.spec.containers.lifecycle.preStop.exec{command: ["sleep", string(variables.terminateAfter)]}}}}]
            : [])""",
    ]
    name = "kubesim-real-node"
    return [
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "MutatingAdmissionPolicy",
            "metadata": {"name": name},
            "spec": {
                "matchConstraints": {"resourceRules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["pods"]}]},
                "failurePolicy": "Fail",
                "reinvocationPolicy": "Never",
                "variables": variables,
                "mutations": [{"patchType": "JSONPatch", "jsonPatch": {"expression": " + ".join(patches)}}],
            },
        },
        {
            "apiVersion": "admissionregistration.k8s.io/v1",
            "kind": "MutatingAdmissionPolicyBinding",
            "metadata": {"name": name},
            "spec": {"policyName": name, "matchResources": {"namespaceSelector": {"matchLabels": {NODE_LABEL: NODE_VALUE}}}},
        },
    ]


def main(argv: list[str]) -> int:
    if argv[:1] == ["build"] and len(argv) == 2:
        if not shutil.which("gcc") or not BUSYBOX.exists():
            print("cluster/images.py build needs gcc and busybox-static (cluster/build.sh installs them)", file=sys.stderr)
            return 1
        build(Path(argv[1]))
        return 0
    if argv == ["policy"]:
        print(json.dumps({"apiVersion": "v1", "kind": "List", "items": policy()}, indent=1))
        return 0
    if argv == ["list"]:
        print("\n".join((PAUSE, *IMAGES)))
        return 0
    print(__doc__.split("\n\n")[0], file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
