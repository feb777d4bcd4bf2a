"""`kubesim trace record` and `kubesim trace check` (also `python -m kubesim.trace`).

Exit codes of `check`: 0 valid, 1 invalid (no model run produces the trace), 3 undecided
(the search bound was hit), 2 bad input (unreadable trace, bad options).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
import time

from .format import TraceError, load
from .search import Bounds, check

EXIT = {"valid": 0, "invalid": 1, "bound": 3}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kubesim trace", description="Record what a cluster does, and check it is a behaviour the model allows.")
    sub = parser.add_subparsers(dest="action", metavar="ACTION")
    sub.required = True
    rec = sub.add_parser("record", help="Watch a real cluster (read-only) and write a trace.",
                         description="List and watch Deployments, ReplicaSets, Pods, Endpoints, ConfigMaps, Services and Events (read-only: "
                                     "only GET requests) and write every change to a JSON Lines trace.")
    rec.add_argument("--context", required=True, help="the kubeconfig context to read (required: never guessed)")
    rec.add_argument("--kubeconfig", default=None, help="the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)")
    rec.add_argument("-n", "--namespace", default=None, help="watch only this namespace (default: all namespaces)")
    rec.add_argument("-o", "--output", required=True, metavar="FILE", help="the trace file to write")
    rec.add_argument("--timeout", type=float, default=None, metavar="S", help="stop after S seconds (default: at Ctrl-C)")
    chk = sub.add_parser("check", help="Search the model for a run that matches a trace.",
                         description="Replay the trace's user requests into the model and search its interleavings for a run whose "
                                     "projected states match the observed ones in order.")
    chk.add_argument("file", metavar="FILE")
    d = Bounds()
    chk.add_argument("--max-states", type=int, default=d.max_states, help=f"give up after exploring this many states (default {d.max_states})")
    chk.add_argument("--max-seconds", type=float, default=d.max_seconds, help=f"give up after this many seconds (default {d.max_seconds:g})")
    chk.add_argument("--lag", type=int, default=d.lag, help=f"projected changes of the model an observed value may trail (default {d.lag})")
    chk.add_argument("--slack", type=float, default=d.slack, help=f"seconds a timer may fire after the observation showing it (default {d.slack:g})")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    except SystemExit as e:
        return int(e.code or 0)
    if args.action == "check":
        return _check(args)
    return _record(args)


def _check(args) -> int:
    if args.max_states < 1 or args.max_seconds <= 0 or args.lag < 0 or args.slack < 0:
        print("error: --max-states and --max-seconds must be positive, --lag and --slack not negative", file=sys.stderr)
        return 2
    try:
        trace = load(args.file)
    except TraceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    result = check(trace, Bounds(max_states=args.max_states, max_seconds=args.max_seconds, lag=args.lag, slack=args.slack))
    size = os.path.getsize(args.file)
    print(f"{args.file}: {result.message}")
    print(f"{args.file}: {result.changes} changes ({size:,} bytes), {result.observations} projected observations, "
          f"{result.states} states explored in {result.seconds:.2f}s")
    return EXIT[result.verdict]


def _record(args) -> int:
    if importlib.util.find_spec("kubernetes") is None:
        print("error: trace record needs the official kubernetes client: pip install 'kubesim[cluster]'", file=sys.stderr)
        return 2
    from kubernetes import config

    from .record import Reader, record_cluster

    try:
        api = config.new_client_from_config(config_file=args.kubeconfig or os.environ.get("KUBECONFIG") or None, context=args.context)
    except Exception as err:  # noqa: BLE001 - the client raises several kinds for a bad kubeconfig or context
        print(f"error: cannot use context {args.context!r}: {err}", file=sys.stderr)
        return 2
    started = time.monotonic()
    try:
        with open(args.output, "w", encoding="utf-8") as out:
            count = record_cluster(Reader(api), out, args.namespace, args.timeout, {"source": "cluster", "context": args.context},
                                   on_listed=lambda: print(f"recording: what exists is listed; every change from now on goes to {args.output}", file=sys.stderr, flush=True))
    except OSError as err:
        print(f"error: {args.output}: {err.strerror or err}", file=sys.stderr)
        return 2
    except RuntimeError as err:
        print(f"error: reading the cluster failed: {err}", file=sys.stderr)
        return 1
    print(f"recorded {count} changes to {args.output} in {time.monotonic() - started:.1f}s")
    return 0
