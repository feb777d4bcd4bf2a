"""kubesim benchmarks: prints a table and writes it to bench/results.md.

    python -m bench.run                 # model workloads, stateful throughput, test suite
    python -m bench.run --cluster       # also the same rollout on the local real control plane
    KUBECONFIG=... python -m bench.run --cluster --kube-context kubesim-local   # a cluster already running
    python -m bench.run --ci-run 732    # the whole `bash .ci/run` duration (seconds, or a file holding it)
    python -m bench.run --sizes 10,100,1000 --repeat 1 --skip-tests   # a quick look

Every model figure comes from a fresh subprocess per (workload, size, repeat), so peak
memory (`ru_maxrss`) is that run's own. Times are the best of `--repeat` runs (wall and
CPU of the timed part only; building the starting state is not timed). A run that
exceeds `--timeout` is reported as such and larger sizes of that workload are skipped.
Up to 1,000 replicas each subprocess also keeps the best of 3 in-process runs from the
same (immutable) starting state. The exponent is the least-squares slope of log(wall time) against log(replicas) over the
sizes from 1,000 up.

`--cluster` uses the kubeconfig in the KUBECONFIG environment variable when it is set, and
then never starts or stops a cluster: an unreachable one is reported as skipped. Without
KUBECONFIG it uses the local cluster's kubeconfig (cluster/_run/kubeconfig) and, if that
cluster is not up, starts it with `make cluster-up` and stops it again afterwards.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "bench", "results.md")
SIZES = (10, 100, 1_000, 10_000, 100_000)
WORKLOADS = ("rollout", "rollout-surge1", "scale-up", "scale-up-3-nodes", "scale-down", "self-heal")
TITLES = {
    "rollout": "Rolling update v1 -> v2, default strategy (25%/25%)",
    "rollout-surge1": "Rolling update v1 -> v2, maxSurge 1 / maxUnavailable 0",
    "scale-up": "Scale up 0 -> N",
    "scale-up-3-nodes": "Scale up 0 -> N on three nodes (the scheduler chooses a node for each pod)",
    "scale-down": "Scale down N -> 0",
    "self-heal": "Self-healing after deleting half the pods",
}
GIB = 1024**3


# ----- one measurement, in a subprocess --------------------------------------------------


def worker(workload: str, n: int) -> None:
    """Build the starting state, time the workload, check the result, print one JSON line."""
    sys.path.insert(0, ROOT)
    from bench.scenarios import WORKLOADS as W

    setup, run, check = W[workload]
    # States are immutable values, so small workloads can run again from the same start:
    # up to 1,000 replicas the best of 3 in-process runs is kept (the first one pays for
    # cold caches). Larger ones run once per subprocess, and the run owns its start: nothing
    # here keeps the pre-run state (and every pod the run deletes) alive while it runs.
    repeat = 3 if n <= 1000 else 1
    start = setup(n) if repeat > 1 else None
    box = [start if start is not None else setup(n)]
    gc.collect()
    wall = cpu = math.inf
    for i in range(repeat):
        if i:
            box = [start]
        w0, c0 = time.perf_counter(), time.process_time()
        st = run(box, n)
        w, c = time.perf_counter() - w0, time.process_time() - c0
        wall, cpu = min(wall, w), min(cpu, c)
        check(st, n)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux
    print(json.dumps({"wall": wall, "cpu": cpu, "maxrss": rss, "now_ms": st.now, "events": len(st.table("Event"))}))


def measure(workload: str, n: int, timeout: float) -> dict:
    cmd = [sys.executable, "-m", "bench.run", "--worker", workload, str(n)]
    try:
        out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timeout (> {timeout:g} s)"}
    if out.returncode != 0:
        tail = (out.stderr.strip().splitlines() or ["?"])[-1]
        return {"error": f"failed: {tail[:120]}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


# ----- the parts -------------------------------------------------------------------------


def revision() -> str:
    """The commit measured (with "+ changes" when the work tree differs from it), or "?"."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10)
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "?"
    if head.returncode != 0:
        return "?"
    return f"commit {head.stdout.strip()}" + (" + changes" if dirty.stdout.strip() else "")


def loadavg() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


#: A fixed pure-Python workload of the kinds of operations the model is made of (dict and tuple building,
#: lookups, small calls), timed in its own interpreter: the machine's speed at the moment, so that figures
#: from different machines, or one machine on a busy host, can be compared.
REFERENCE = """
import time
def work():
    table, hits = {}, 0
    for i in range(200_000):
        key = ("default", f"pod-{i % 5000}")
        obj = {"metadata": {"name": key[1], "uid": i}, "status": {"phase": "Running", "ready": i % 3 == 0}}
        table[key] = {**obj, "spec": {"nodeName": "n%d" % (i % 3)}}
        if table.get(("default", f"pod-{(i * 7) % 5000}")) is not None:
            hits += 1
    return len(table), hits
best = float("inf")
for _ in range(3):
    t = time.perf_counter()
    work()
    best = min(best, time.perf_counter() - t)
print(best)
"""


def reference_seconds() -> float | None:
    """The best of 3 timings of `REFERENCE`, in a fresh interpreter (None if it cannot run)."""
    try:
        out = subprocess.run([sys.executable, "-c", REFERENCE], capture_output=True, text=True, timeout=120)
        return float(out.stdout.strip()) if out.returncode == 0 else None
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def _reference_text() -> str:
    ref = reference_seconds()
    return "?" if ref is None else f"{ref:.3f} s"


def machine() -> dict:
    cpu = platform.processor() or "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    ram = "?"
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal"):
                    ram = f"{int(line.split()[1]) / 1024**2:.1f} GiB"
                    break
    except OSError:
        pass
    return {
        "CPU": cpu,
        "Cores": str(os.cpu_count()),
        "RAM": ram,
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "OS": platform.platform(),
    }


def fit_exponent(points: list[tuple[int, float]]) -> float | None:
    """Least-squares slope of log(t) against log(n)."""
    pts = [(math.log(n), math.log(t)) for n, t in points if t > 0]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sxx if sxx else None


def model_workloads(args, emit) -> dict:
    results: dict = {}
    for wl in args.workloads:
        emit(f"\n### {TITLES[wl]}\n")
        emit("| replicas | wall s (best) | CPU s | peak RSS MiB | runs | logical time s |")
        emit("|---:|---:|---:|---:|---:|---:|")
        results[wl] = {}
        stop = None
        for n in args.sizes:
            if n > args.limit.get(wl, n):
                emit(f"| {n:,} | skipped: --limit {wl}={args.limit[wl]:,} | | | | |")
                continue
            if stop:
                emit(f"| {n:,} | skipped: {stop} | | | | |")
                continue
            runs = []
            for i in range(args.repeat):
                r = measure(wl, n, args.timeout)
                if "error" in r:
                    runs = [r]
                    break
                runs.append(r)
                if r["wall"] > args.single_above:
                    break  # long runs: one is enough (noted in the table)
            if "error" in runs[0]:
                emit(f"| {n:,} | {runs[0]['error']} | | | | |")
                stop = f"{n:,} did not finish"
                results[wl][n] = None
                continue
            best = min(runs, key=lambda r: r["wall"])
            best["cpu"] = min(r["cpu"] for r in runs)
            best["maxrss"] = max(r["maxrss"] for r in runs)
            results[wl][n] = best
            emit(f"| {n:,} | {best['wall']:.3f} | {best['cpu']:.3f} | {best['maxrss'] / 2**20:.0f} | {len(runs)} | {best['now_ms'] / 1000:g} |")
        pts = [(n, r["wall"]) for n, r in results[wl].items() if r is not None and n >= 1000]
        exp = fit_exponent(pts)
        results[wl]["exponent"] = exp
        span = f"{min(p[0] for p in pts):,} -> {max(p[0] for p in pts):,}" if pts else "-"
        emit(f"\nFitted exponent of wall time against replicas ({span}): " + (f"**{exp:.2f}**" if exp is not None else "n/a (fewer than 2 sizes >= 1,000 finished)"))
    return results


def stateful(args, emit) -> float | None:
    """The median end-to-end figure of `--stateful-runs` runs of bench/stateful_throughput.py (each its own process)."""
    emit(f"\n### Hypothesis stateful steps per second (bench/stateful_throughput.py, {args.stateful_runs} runs)\n")
    cmd = [sys.executable, os.path.join("bench", "stateful_throughput.py"), str(args.stateful_examples)]
    figures: list[float] = []
    for i in range(args.stateful_runs):
        try:
            out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=args.timeout * 2)
        except subprocess.TimeoutExpired:
            emit(f"run {i + 1}: timed out")
            return None
        text = out.stdout.strip()
        m = re.search(r"([\d,]+) checked steps/s", text)
        if out.returncode != 0 or not m:
            emit(f"run {i + 1} failed: {(out.stderr.strip().splitlines() or ['?'])[-1]}")
            return None
        figures.append(float(m.group(1).replace(",", "")))
        if i == 0:
            for line in text.splitlines():
                emit(f"    {line}")
    median = statistics.median(figures)
    emit(f"\nend to end, every run: {', '.join(f'{f:,.0f}' for f in figures)} checked steps/s; median **{median:,.0f}**")
    return median


def test_suite(args, emit) -> float | None:
    emit("\n### The default test command: `python -m pytest -q`\n")
    load = loadavg()
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], cwd=ROOT, capture_output=True, text=True, env=tool_env())
    wall = time.perf_counter() - t0
    counts = [line for line in out.stdout.splitlines() if re.search(r"\d+ (passed|failed)", line)]
    if counts:
        summary = counts[-1].strip("= ")
    else:  # the project's -q output has no summary line: count the progress characters
        progress = "".join(re.sub(r"\s*\[\s*\d+%\]$", "", line) for line in out.stdout.splitlines() if re.fullmatch(r"[.FEsxX]+\s*\[\s*\d+%\]", line.strip()))
        summary = f"{progress.count('.')} passed, {progress.count('F')} failed, {progress.count('E')} errors, {progress.count('s')} skipped"
    emit(f"{wall:.1f} s wall (exit code {out.returncode}): `{summary}`; load average {load} before, {loadavg()} after")
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        emit("(PYTHONDONTWRITEBYTECODE is set here: no bytecode or rewritten test module is cached between runs, so every run, and every CLI process a test starts, compiles from source)")
    return wall if out.returncode == 0 else None


CLUSTER_MANIFEST = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: {n}
  minReadySeconds: 0
  selector:
    matchLabels: {{app: web}}
  template:
    metadata:
      labels: {{app: web}}
    spec:
      containers:
        - name: web
          image: {image}
"""


def tool_env() -> dict:
    """The environment for the test suite and `make cluster-up/down`: this interpreter's scripts folder first on
    PATH, so they run with the Python (and the `kubesim` command) the benchmark runs under, as they would in its
    activated virtualenv (the cluster's build reads the image conventions from the installed package)."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", os.defpath)])
    return env


def cluster_kubeconfig(args, emit) -> tuple[str | None, bool]:
    """The kubeconfig of a reachable cluster (or None, reported), and whether this run started that cluster.

    With KUBECONFIG set, that cluster is used as found: never started or stopped here. Without it,
    the local cluster's kubeconfig is used, and the cluster started with `make cluster-up` if it is
    not up (from a fresh clone).
    """
    emit("\n### The real cluster\n")
    given = os.environ.get("KUBECONFIG")
    kubeconfig = given or os.path.join(ROOT, "cluster", "_run", "kubeconfig")

    def reachable() -> str | None:
        try:
            from kubesim.drivers.cluster import ClusterDriver

            d = ClusterDriver(kube_context=args.kube_context, kubeconfig=kubeconfig, request_timeout=5)
            d._request("GET", "/version")
            return None
        except Exception as err:  # noqa: BLE001
            return f"{type(err).__name__}: {str(err).splitlines()[0][:160] if str(err) else ''}"

    why = reachable() if os.path.exists(kubeconfig) else f"no kubeconfig at {kubeconfig}"
    if why is None:
        emit(f"cluster: context {args.kube_context} of {'$KUBECONFIG' if given else os.path.relpath(kubeconfig, ROOT)}, already running")
        return kubeconfig, False
    if given:
        emit(f"**skipped**: the cluster of KUBECONFIG context {args.kube_context} is not reachable ({why}); a given cluster is never started here")
        return None, False
    emit(f"cluster not reachable ({why}); starting it with `make cluster-up`")
    up = subprocess.run(["make", "cluster-up"], cwd=ROOT, capture_output=True, text=True, timeout=300, env=tool_env())
    started = up.returncode == 0
    why = reachable() if started else f"make cluster-up failed: {(up.stderr.strip().splitlines() or ['?'])[-1]}"
    if why is not None:
        emit(f"**skipped**: the cluster is not reachable ({why})")
        if started:
            subprocess.run(["make", "cluster-down"], cwd=ROOT, capture_output=True, text=True, timeout=300, env=tool_env())
        return None, False
    return kubeconfig, started


def cluster_compare(args, emit, kubeconfig: str, model_result: dict | None) -> float | None:
    n = args.cluster_replicas
    emit(f"\n### The same {n}-replica rolling update on the model and on the local real control plane (KWOK)\n")
    try:
        from kubesim.drivers.cluster import ClusterDriver

        d = ClusterDriver(kube_context=args.kube_context, kubeconfig=kubeconfig, node="kwok")  # the scale work stays on KWOK nodes
        d.start()
        try:
            d.apply(CLUSTER_MANIFEST.format(n=n, image="web:v1"), "bench.yaml")
            d.settle(timeout=600)
            t0 = time.perf_counter()
            d.set_image("web", "web", "web:v2")
            time.sleep(0.05)
            while True:  # done when the rollout is complete (no quiet period added)
                obs = d.observe()
                dep = obs.of("Deployment")[0]
                s = dep.get("status") or {}
                if (
                    s.get("observedGeneration", 0) >= dep["metadata"].get("generation", 1)
                    and s.get("updatedReplicas", 0) == n
                    and s.get("availableReplicas", 0) == n
                    and s.get("replicas", 0) == n
                    and not d.unsettled()
                ):
                    break
                if time.perf_counter() - t0 > 600:
                    raise TimeoutError("rollout did not complete in 600 s")
                time.sleep(0.02)
            real = time.perf_counter() - t0
        finally:
            d.stop()
    except Exception as err:  # noqa: BLE001
        emit(f"**skipped**: {type(err).__name__}: {err}")
        return None
    model = model_result["wall"] if model_result else None
    if model is None:
        r = measure("rollout", n, args.timeout)
        model = r.get("wall")
    emit("| | wall s |\n|---|---:|")
    emit(f"| real control plane (kube-apiserver + controller-manager + scheduler + KWOK) | {real:.3f} |")
    emit(f"| model | {model:.4f} |")
    ratio = real / model
    emit(f"\nThe model is **{ratio:,.0f}x** faster for this rollout.")
    return ratio


def differential(args, emit, kubeconfig: str | None) -> dict:
    """Seconds per generated script of the differential runner (`kubesim.differential`), model against model,
    and model against the real cluster when one is reachable (`kubeconfig`)."""
    emit("\n### The differential runner: time per generated script (`kubesim.differential`, one worker, seed 0)\n")
    from kubesim.differential.runner import Side, run_profile

    out: dict = {}
    emit("| sides | scripts | steps | divergences | time per script (mean / max) |\n|---|---:|---:|---:|---:|")
    runs = [("model", Side("model"), Side("model"), args.differential_scripts)]
    if kubeconfig is not None:
        runs.append(("cluster", Side("model"), Side("cluster", args.kube_context), args.differential_cluster_scripts))
    saved = os.environ.get("KUBECONFIG")
    for label, a, b, n in runs:
        if kubeconfig is not None:
            os.environ["KUBECONFIG"] = kubeconfig  # the cluster side's driver reads it
        try:
            report = run_profile(a, b, scripts_total=n, max_steps=args.differential_steps, workers=1, seed=0)
        except Exception as err:  # noqa: BLE001
            emit(f"| {a.label}, {b.label} | failed: {type(err).__name__}: {str(err)[:120]} | | | |")
            continue
        finally:
            if saved is None:
                os.environ.pop("KUBECONFIG", None)
            else:
                os.environ["KUBECONFIG"] = saved
        s = report.stats
        per = s.seconds / s.scripts if s.scripts else None
        out[label] = per
        divergences = len(s.divergences) + len(s.flaky)
        emit(f"| {a.label}, {b.label} | {s.scripts} | {s.steps} | {divergences} | {per:.3f} s / {s.max_seconds:.3f} s |")
    if kubeconfig is None:
        emit("| model, cluster | not measured (no reachable cluster; run with `--cluster`) | | | |")
    emit(f"\nScripts of up to {args.differential_steps} requests, each followed by a settle; a script's time covers both sides.")
    return out


def ci_duration(args, emit) -> float | None:
    """The whole `bash .ci/run` duration in seconds, from `--ci-run` (seconds, or a file holding them), or None."""
    emit("\n### The whole CI run: `bash .ci/run`\n")
    value = args.ci_run
    if not value:
        emit("not measured (give `--ci-run SECONDS` or `--ci-run FILE` with the duration of a `bash .ci/run`)")
        return None
    text = value
    if os.path.exists(value):
        with open(value, encoding="utf-8") as f:
            text = f.read()
    seconds = parse_duration_text(text)
    if seconds is None:
        emit(f"not measured (no duration found in {value!r}: expected seconds, `12m12.3s` or `12 min 12 s`)")
        return None
    emit(f"{seconds:.0f} s ({int(seconds // 60)} min {seconds % 60:.0f} s), as given by `--ci-run {value}`")
    return seconds


def parse_duration_text(text: str) -> float | None:
    """Seconds from ``732``, ``732.5``, ``12m12.3s`` (bash's `time`), ``real 12m12s`` or ``12 min 12 s``; None otherwise."""
    text = text.strip()
    m = re.fullmatch(r"(?:real\s+)?(\d+(?:\.\d+)?)\s*s?", text) or re.search(r"^real\s+(\d+(?:\.\d+)?)\s*s?$", text, re.M)
    if m:
        return float(m.group(1))
    m = re.search(r"(\d+)\s*(?:m|min)\s*(\d+(?:\.\d+)?)\s*s", text)
    if m:
        return int(m.group(1)) * 60 + float(m.group(2))
    return None


# ----- targets ---------------------------------------------------------------------------


def targets(res: dict, steps: float | None, tests: float | None, ratio: float | None, args) -> list[tuple[str, str, str]]:
    def wall(wl, n):
        r = res.get(wl, {}).get(n)
        return None if r is None else r["wall"]

    def row(name, value, ok, fmt):
        if value is None:
            return (name, "not measured", "-")
        return (name, fmt.format(value), "met" if ok(value) else "**missed**")

    rss = res.get("rollout", {}).get(100_000)
    mib = 2**20
    out = [
        row("10,000-replica default rolling update < 0.8 s", wall("rollout", 10_000), lambda v: v < 0.8, "{:.2f} s"),
        row("100,000-replica default rolling update < 10 s", wall("rollout", 100_000), lambda v: v < 10, "{:.2f} s"),
        row("peak memory for 100,000 pods < 800 MiB", None if rss is None else rss["maxrss"] / mib, lambda v: v < 800, "{:.0f} MiB"),
        row("exponent 1,000 -> 100,000 <= 1.1", res.get("rollout", {}).get("exponent"), lambda v: v <= 1.1, "{:.2f}"),
        row("maxSurge 1 / maxUnavailable 0 at 10,000 < 5 s", wall("rollout-surge1", 10_000), lambda v: v < 5, "{:.2f} s"),
        row(f">= 8,000 stateful steps/s end to end (median of {args.stateful_runs} runs)", steps, lambda v: v >= 8000, "{:,.0f}"),
        row("model >= 1,000x faster than the real control plane (100-replica rollout)", ratio, lambda v: v >= 1000, "{:,.0f}x"),
        row("`python -m pytest -q` < 60 s", tests, lambda v: v < 60, "{:.1f} s"),
    ]
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--worker", nargs=2, metavar=("WORKLOAD", "N"), help=argparse.SUPPRESS)
    p.add_argument("--sizes", default=",".join(map(str, SIZES)), help="replica counts (default %(default)s)")
    p.add_argument("--workloads", default=",".join(WORKLOADS), help="which model workloads (default: all)")
    p.add_argument("--limit", action="append", default=[], metavar="WORKLOAD=N", help="skip sizes above N for one workload (repeatable)")
    p.add_argument("--repeat", type=int, default=3, help="runs per size; the best is reported (default 3)")
    p.add_argument("--single-above", type=float, default=20.0, help="seconds: a run longer than this is not repeated")
    p.add_argument("--timeout", type=float, default=420.0, help="seconds per run (setup included) before giving up on a size (default 420)")
    p.add_argument("--stateful-examples", type=int, default=200)
    p.add_argument("--stateful-runs", type=int, default=5, help="runs of the stateful benchmark; the median is reported (default 5)")
    p.add_argument("--skip-tests", action="store_true", help="do not time the test suite")
    p.add_argument("--skip-stateful", action="store_true")
    p.add_argument("--cluster", action="store_true", help="also time the rollout on the local real control plane")
    p.add_argument("--cluster-replicas", type=int, default=100)
    p.add_argument("--kube-context", default="kubesim-local", help="kubeconfig context of the real cluster (default %(default)s)")
    p.add_argument("--skip-differential", action="store_true", help="do not time the differential runner")
    p.add_argument("--differential-scripts", type=int, default=20, help="generated scripts, model against model (default 20)")
    p.add_argument("--differential-cluster-scripts", type=int, default=3, help="generated scripts, model against the cluster (default 3)")
    p.add_argument("--differential-steps", type=int, default=10, help="requests per generated script at most (default 10, the ci profile's)")
    p.add_argument("--ci-run", metavar="SECONDS|FILE", help="the duration of a whole `bash .ci/run` (measured elsewhere), to report")
    p.add_argument("--output", default=RESULTS, help="where to write the markdown (default bench/results.md)")
    args = p.parse_args(argv)
    if args.worker:
        worker(args.worker[0], int(args.worker[1]))
        return 0
    args.sizes = [int(s) for s in args.sizes.split(",") if s]
    args.workloads = [w for w in args.workloads.split(",") if w]
    args.limit = {w: int(n) for w, n in (item.split("=", 1) for item in args.limit)}
    lines: list[str] = []

    def emit(line: str = "") -> None:
        print(line, flush=True)
        lines.append(line)

    start = time.perf_counter()
    emit("# kubesim benchmark results\n")
    emit(f"Run {datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M UTC')} with `python -m bench.run {' '.join(argv if argv is not None else sys.argv[1:])}` on {revision()}.\n")
    emit("| machine | |\n|---|---|")
    for k, v in machine().items():
        emit(f"| {k} | {v} |")
    emit(f"| load average at start | {loadavg()} |")
    emit(f"| reference workload at start (fixed pure-Python work, best of 3; lower is faster) | {_reference_text()} |")
    res = model_workloads(args, emit)
    steps = None if args.skip_stateful else stateful(args, emit)
    tests = None if args.skip_tests else test_suite(args, emit)
    ratio = None
    kubeconfig, started = cluster_kubeconfig(args, emit) if args.cluster else (None, False)
    try:
        if kubeconfig is not None:
            ratio = cluster_compare(args, emit, kubeconfig, res.get("rollout", {}).get(args.cluster_replicas))
        if not args.skip_differential:
            differential(args, emit, kubeconfig)
    finally:
        if started:
            subprocess.run(["make", "cluster-down"], cwd=ROOT, capture_output=True, text=True, timeout=300, env=tool_env())
            emit("(the benchmark started the cluster and brought it down again: `make cluster-down`)")
    ci_duration(args, emit)
    emit("\n### Targets\n")
    emit("| target | figure | |\n|---|---:|---|")
    for name, fig, verdict in targets(res, steps, tests, ratio, args):
        emit(f"| {name} | {fig} | {verdict} |")
    emit(
        f"\nLoad average at the end: {loadavg()}; the reference workload at the end: {_reference_text()} "
        f"(2-core machine shared with other work: times are noisy; best of {args.repeat}). Total {time.perf_counter() - start:.0f} s."
    )
    with open(args.output, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"\nwritten to {os.path.relpath(args.output, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
