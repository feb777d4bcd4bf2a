"""`make conformance`: run every scenario on the model and on a real control plane, side by side.

It builds (cached) and starts the local control plane (`cluster/`: KWOK nodes and a real
node with a kubelet and containerd), runs the Gherkin scenarios through the model driver
and, at the same time, through the cluster driver on the real node (each scenario in a
fresh namespace, `--workers` scenarios at once with pytest-xdist, invariant monitors
watching), then the differential step (`tests/differential/conformance`: generated scripts, planted
mutants and the catalogue's scripts, model against cluster, within 10 minutes; ``--no-differential``
leaves it out), stops the
control plane, and prints one row per scenario: model -> passed/failed/skipped, real
cluster -> passed/failed/skipped, with the reason for every skip. It exits 1 if any
scenario failed on either system. The report in ``--out``
(``index.html``, ``claims/``) shows every scenario with its result on both systems and
each rollout's chart on the model beside the real cluster's (`kubesim.report`).

Usage: ``python -m kubesim.conformance [--no-up] [--keep-up] [--out DIR] [-k EXPR] [--workers N] [--no-differential]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLUSTER = ROOT / "cluster"
KUBECONFIG = CLUSTER / "_run" / "kubeconfig"
CONTEXT = "kubesim-local"
#: Reruns of a scenario that failed on the real cluster (reported as such in the table).
CLUSTER_RERUNS = 1


def scenario_command(driver: str, junit: Path, extra: list[str], workers: int = 1) -> list[str]:
    """The pytest command that runs features/ on one driver."""
    cmd = [sys.executable, "-m", "pytest", "features", "-q", "-p", "no:cacheprovider", "--ignore=features/test_mutants.py", f"--junitxml={junit}", "--driver", driver, *extra]
    # the project's addopts spread `python -m pytest` over every core: a scenario run uses `workers`
    cmd += ["-n", str(workers), "--dist", "load"] if workers > 1 else ["-n", "0"]
    if driver == "cluster":
        # A scenario that fails on the real cluster runs once more; the table names every such
        # scenario as "passed on rerun", so real timing trouble stays visible without failing
        # the run on one unlucky schedule of a loaded 2-core node.
        cmd += ["--kube-context", CONTEXT, "--reruns", str(CLUSTER_RERUNS), "--reruns-delay", "5"]
    return cmd


def report_env(out: Path, driver: str, env: dict) -> dict:
    """`env` for `driver`'s run, whose scenarios then leave their records (commands, rollout timelines)
    in ``out/<driver>/timelines`` for the report (`kubesim.report.record`)."""
    shutil.rmtree(out / driver, ignore_errors=True)
    return {**env, "KUBESIM_TIMELINE_DIR": str(out / driver / "timelines")}


def run_scenarios(driver: str, junit: Path, extra: list[str], env: dict, workers: int = 1) -> tuple[int, float]:
    """Run features/ on one driver; return pytest's exit code and the seconds it took."""
    start = time.monotonic()
    code = subprocess.call(scenario_command(driver, junit, extra, workers), cwd=ROOT, env=env)
    return code, time.monotonic() - start


def outcomes(junit: Path, rerun_log: Path | None = None) -> dict[str, tuple[str, str]]:
    """Read a JUnit XML report (`kubesim.report.results.junit_outcomes`): "module::test" -> (passed|failed|skipped,
    reason), reasons cut to fit the table. A pass after a rerun reads "passed on rerun", with why the first
    run failed when `rerun_log` (the plugin's ``--rerun-log`` file) has it."""
    from kubesim.report.results import junit_outcomes

    if not junit.exists():
        return {}
    limits = {"failed": 90, "skipped": 90, "passed": 160}
    return {f"{module}::{name}": (status, reason[: limits.get(status, 90)]) for (module, name), (status, reason) in junit_outcomes(junit, rerun_log).items()}


def wait_for_cleanup(timeout: float = 120.0) -> list[str]:
    """Wait until every namespace the cluster driver created is gone; return those left."""
    from kubesim.drivers.cluster import ClusterDriver

    probe = ClusterDriver(kube_context=CONTEXT, kubeconfig=str(KUBECONFIG))
    deadline = time.monotonic() + timeout
    run_id = os.environ["KUBESIM_RUN_ID"]
    left = probe.leftover_namespaces(run_id)
    while left and time.monotonic() < deadline:
        time.sleep(1)
        left = probe.leftover_namespaces(run_id)
    return left


def table(model: dict, cluster: dict) -> str:
    ids = sorted(set(model) | set(cluster))
    width = max((len(i) for i in ids), default=10)
    lines = [f"{'SCENARIO'.ljust(width)}  {'MODEL':<8}  REAL CLUSTER"]
    for i in ids:
        m = model.get(i, ("missing", ""))
        c = cluster.get(i, ("missing", ""))
        note = f" ({c[1]})" if c[1] else ""
        mnote = f" ({m[1]})" if m[0] == "failed" and m[1] else ""
        lines.append(f"{i.ljust(width)}  {m[0]:<8}  {c[0]}{note}{mnote}")
    counts = lambda d, s: sum(1 for v in d.values() if v[0] == s)  # noqa: E731
    reruns = sum(1 for v in cluster.values() if v[1].startswith("passed on rerun"))
    lines.append("")
    lines.append(
        f"model: {counts(model, 'passed')} passed, {counts(model, 'failed')} failed, {counts(model, 'skipped')} skipped; "
        f"real cluster: {counts(cluster, 'passed')} passed ({reruns} on rerun), {counts(cluster, 'failed')} failed, {counts(cluster, 'skipped')} skipped"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m kubesim.conformance", description=__doc__.splitlines()[0])
    ap.add_argument("--no-up", action="store_true", help="use a control plane that is already running")
    ap.add_argument("--keep-up", action="store_true", help="leave the control plane running afterwards")
    ap.add_argument("--out", default=str(ROOT / "report" / "conformance"), help="where to write the JUnit reports and the table")
    ap.add_argument("-k", dest="keyword", default=None, help="only scenarios matching this pytest -k expression")
    ap.add_argument("--no-differential", dest="differential", action="store_false", help="leave out the differential step (generated scripts, planted mutants and the catalogue's scripts, model against cluster; about 10 min)")
    ap.add_argument("--workers", type=int, default=int(os.environ.get("KUBESIM_CONFORMANCE_WORKERS", "6")), help="cluster scenarios run at once, each in its own namespace (default 6)")
    args = ap.parse_args(argv)
    if args.workers < 1:
        ap.error("--workers must be at least 1")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    extra = ["-k", args.keyword] if args.keyword else []
    os.environ.setdefault("KUBESIM_RUN_ID", f"conformance-{os.getpid()}-{int(time.time())}")
    env = {**os.environ, "KUBECONFIG": str(KUBECONFIG), "PYTHON": sys.executable}
    timings: dict[str, float] = {}
    leftovers: list[str] = []
    cleanup_code = None
    differential_code = 0
    down_code = 0
    started = False
    try:
        if not args.no_up:
            t = time.monotonic()
            subprocess.check_call(["bash", str(CLUSTER / "build.sh")], cwd=ROOT)
            timings["build"] = time.monotonic() - t
            t = time.monotonic()
            subprocess.check_call(["bash", str(CLUSTER / "up.sh")], cwd=ROOT)
            timings["start-up"] = time.monotonic() - t
            started = True
        # The model's run is CPU work and the cluster's mostly waiting on real time: side by side.
        t = time.monotonic()
        with open(out / "model.log", "w") as model_log:
            # the model's cucumber JSON is the report's backbone (pytest-bdd writes none under xdist, so
            # the cluster's results come from its JUnit file and its charts from its records)
            model_cmd = scenario_command("model", out / "model.xml", extra + [f"--cucumberjson={out / 'model' / 'cucumber.json'}"])
            model_proc = subprocess.Popen(model_cmd, cwd=ROOT, env=report_env(out, "model", env), stdout=model_log, stderr=subprocess.STDOUT)
            model_done = threading.Thread(target=lambda: (model_proc.wait(), timings.__setitem__("model run", time.monotonic() - t)), daemon=True)
            model_done.start()
            try:
                # every rollout/rollback scenario's trace is recorded and checked against the model
                # (kubesim.trace): a trace no model run produces fails its scenario (a rerun records
                # its own file); the table gives the count and summary.txt each verdict.
                shutil.rmtree(out / "traces", ignore_errors=True)
                trace = ["--trace-dir", str(out / "traces")]
                (out / "cluster-reruns.jsonl").unlink(missing_ok=True)  # the report reads <driver>-reruns.jsonl beside <driver>.xml
                reruns = ["--rerun-log", str(out / "cluster-reruns.jsonl")]
                _, timings["cluster run"] = run_scenarios("cluster", out / "cluster.xml", extra + trace + reruns, report_env(out, "cluster", env), args.workers)
            finally:
                model_done.join()
        print("model run (side by side with the cluster run):", (out / "model.log").read_text()[-1500:])
        t = time.monotonic()
        (out / "real-node.txt").unlink(missing_ok=True)
        cleanup_code = subprocess.call(
            [sys.executable, "-m", "pytest", "tests/cluster", "-q", "-p", "no:cacheprovider", "-n", "0",  # one process: these share the cluster
             f"--junitxml={out / 'cleanup.xml'}"],
            cwd=ROOT,
            env={**env, "KUBESIM_CLUSTER_CONTEXT": CONTEXT, "KUBESIM_MEASURE_FILE": str(out / "real-node.txt")},
        )
        timings["cleanup and real-node checks"] = time.monotonic() - t
        if args.differential:
            # generated scripts on the model and on the cluster, compared step by step (kubesim.differential)
            t = time.monotonic()
            differential_code = subprocess.call(
                [sys.executable, "-m", "pytest", "tests/differential/conformance", "-q", "-p", "no:cacheprovider", "-n", "2", "--dist", "loadgroup",
                 "--driver", "cluster", "--kube-context", CONTEXT, f"--junitxml={out / 'differential.xml'}"],
                cwd=ROOT, env={**env, "KUBESIM_DIFFERENTIAL_OUT": str(out / "differential")},
            )  # fmt: skip
            timings["differential"] = time.monotonic() - t
        leftovers = wait_for_cleanup()
    finally:
        if started and not args.keep_up:
            t = time.monotonic()
            down_code = subprocess.call(["bash", str(CLUSTER / "down.sh")], cwd=ROOT)
            timings["stop"] = time.monotonic() - t
    model, cluster = outcomes(out / "model.xml"), outcomes(out / "cluster.xml", out / "cluster-reruns.jsonl")
    text = table(model, cluster)
    text += "\n" + "; ".join(f"{k} {v:.0f}s" for k, v in timings.items())
    text += "\n" + (f"namespaces left behind: {', '.join(leftovers)}" if leftovers else "every scenario namespace was deleted")
    cleanup = outcomes(out / "cleanup.xml")
    if (out / "real-node.txt").exists():
        text += "\n" + (out / "real-node.txt").read_text().strip()
    if (out / "traces" / "summary.txt").exists():
        lines = (out / "traces" / "summary.txt").read_text().splitlines()
        text += f"\ntraces checked against the model: {sum(': valid ' in x for x in lines)} valid of {len(lines)} (each: {out / 'traces' / 'summary.txt'})"
    if args.differential:
        text += "\ndifferential (model against cluster, tests/differential/conformance): " + ", ".join(f"{k.split('::')[-1]} {v[0]}" for k, v in sorted(outcomes(out / "differential.xml").items()))
    if down_code:
        text += "\ncluster/down.sh failed: the real node's host changes were not all undone (see cluster/_host.diff)"
    text += "\ncleanup after failure, timeout and Ctrl-C, and the real node (tests/cluster): " + ", ".join(f"{k.split('::')[-1]} {v[0]}" for k, v in sorted(cleanup.items()))
    (out / "table.txt").write_text(text + "\n")
    print(text)
    from kubesim.report import render_report

    print(f"report (the model and the real cluster side by side): {render_report(out / 'model' / 'cucumber.json', out / 'model' / 'timelines', out, conformance=out)}")
    failed = (
        any(v[0] == "failed" for v in list(model.values()) + list(cluster.values()))
        or not model
        or not cluster
        or bool(leftovers)
        or cleanup_code != 0
        or differential_code != 0
        or down_code != 0
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
