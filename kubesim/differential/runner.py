"""Run one script on two drivers, step by step; search for divergences with Hypothesis; run a profile in parallel.

`compare(commands, a, b)` runs each command on both sides (each in a fresh namespace),
settles both, and compares the request outcomes (accepted with the same output, or
refused with the same message) and the normalised observations (`observe`). It stops at
the first step with a difference the catalogue does not accept.

`search(...)` lets Hypothesis generate scripts (`scripts.scripts`), runs each through
`compare`, and shrinks any divergence to a minimal script. `run_profile(...)` splits a
profile's scripts into shards run in parallel processes, each shard on its own
namespaces, and returns a `Report` with the results table.
"""

from __future__ import annotations

import contextlib
import functools
import json
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Flaky

from kubesim.driver import CapabilityMissing, load_driver
from kubesim.replay import REFUSED

from .catalogue import Catalogue
from .catalogue import load as load_catalogue
from .observe import MISSING, Scrubber, diff, generalise, observe, pod_views
from .scripts import ScriptRunner, format_script, scripts


#: Seconds a step whose only uncatalogued differences are events trailing on a real cluster (fewer there) is
#: observed again, once a second: the real kubelet's and controller-manager's events reached the API server
#: more than 12 s after the pods they describe on the loaded shared node (their recorders write one event at
#: a time, and retry a failed write up to 10 s later: client-go's `recordToSink`).
EVENT_WAIT_SECONDS = 30.0
#: After a settle on a real cluster, the namespace's newest Event must be this old (by its creationTimestamp,
#: whole seconds, so one more second is waited for): the events of a step's last changes come after them.
EVENT_QUIET_SECONDS = 1.0
#: At most this long is waited for that quiet (a stream of new events, such as a crash loop's, never stops).
EVENT_QUIET_BOUND = 15.0


@dataclass(frozen=True)
class Side:
    """How to make one side's driver: ``model``, ``cluster`` or ``package.module:Class``, maybe a mutant of the model."""

    driver: str
    kube_context: str | None = None
    mutant: str | None = None

    @property
    def label(self) -> str:
        return self.driver + (f"+{self.mutant}" if self.mutant else "")

    def flags(self, letter: str) -> str:
        """This side as command-line options of ``python -m kubesim.differential``."""
        out = f"--{letter} {self.driver}"
        if self.mutant:
            out += f" --mutant-{letter} {self.mutant}"
        if self.kube_context and self.driver != "model":
            out += f" --kube-context {self.kube_context}"
        return out

    def make(self):
        if self.driver == "model":
            drv = load_driver("model", namespace="kubesim-differential")
        else:
            drv = load_driver(self.driver, **({"context": self.kube_context} if self.kube_context else {}))
        return Mutated(drv, self.mutant) if self.mutant else drv


class Mutated:
    """A driver whose every call runs inside a `kubesim.mutants` mutant, so only this side is broken."""

    def __init__(self, driver, name: str) -> None:
        from kubesim.mutants import MUTANTS

        if name not in MUTANTS:
            raise ValueError(f"Unknown mutant {name!r}; known: {', '.join(sorted(MUTANTS))}.")
        self._driver, self._mutant = driver, name

    def __getattr__(self, attr):
        value = getattr(self._driver, attr)
        if not callable(value):
            return value
        from kubesim.mutants import mutant

        def call(*args, **kwargs):
            with mutant(self._mutant):
                return value(*args, **kwargs)

        return call


@dataclass
class Step:
    """One compared step: the command, both outcomes, both observations, and how they differ."""

    command: str
    outcomes: tuple
    observations: tuple
    differences: list
    catalogued: list = field(default_factory=list)
    #: Seconds spent waiting for a real cluster's events after the settle (`events_quiet`, trailing events).
    event_wait: float = 0.0


@dataclass
class Result:
    """One script's comparison; `divergence` is the first step with an uncatalogued difference."""

    commands: list
    steps: list
    seconds: float
    sides: tuple
    divergence: Step | None = None

    @property
    def signature(self) -> frozenset:
        """The shape of the divergence: its differing paths, map keys wildcarded."""
        return frozenset(generalise(d[0]) for d in self.divergence.differences) if self.divergence else frozenset()

    def report(self) -> str:
        """The divergence as a replayable script and the two observations side by side."""
        if self.divergence is None:
            return f"No divergence in {len(self.steps)} steps."
        step = self.divergence
        n = len(self.steps)
        a, b = self.sides
        lines = [
            f"Divergence between {a.label} (A) and {b.label} (B) at step {n} of {len(self.commands)}: {summary(step.command)}",
            "",
            f"Replay: python -m kubesim.differential --replay FILE {a.flags('a')} {b.flags('b')}",
            "--- script",
            format_script(self.commands[:n]).rstrip(),
            "--- differences (path: A | B)",
        ]
        lines += [f"{path}: {_short(va)} | {_short(vb)}" for path, va, vb in step.differences]
        if step.catalogued:
            lines.append("--- catalogued differences at this step")
            lines += [f"{d[0]}: {_short(d[1])} | {_short(d[2])}  ({entry})" for d, entry in step.catalogued]
        lines.append("--- observations side by side (A | B)")
        texts = [_dump({"outcome": outcome, **obs}) for outcome, obs in zip(step.outcomes, step.observations)]
        lines += side_by_side(*texts)
        return "\n".join(lines) + "\n"


def summary(command: str) -> str:
    """A command's first line; for a heredoc apply, the object it applies (``kubectl apply Service/web``)."""
    first = command.splitlines()[0]
    if "<<" not in first:
        return first
    import yaml

    try:
        obj = yaml.safe_load(command.split("\n", 1)[1].rsplit("\n", 1)[0])
        return f"kubectl apply {obj['kind']}/{obj['metadata']['name']}"
    except Exception:  # noqa: BLE001 - a summary only; the script shows the whole command
        return first


def _short(value) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 200 else text[:197] + "..."


def _dump(obs: dict) -> list[str]:
    return json.dumps(obs, indent=1, sort_keys=True).splitlines()


def side_by_side(a: list[str], b: list[str], width: int = 70) -> list[str]:
    """Two texts in columns, aligned by `difflib`; a differing line is marked with ``!``, ``<`` or ``>``."""
    import difflib

    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        left, right = a[i1:i2], b[j1:j2]
        mark = {"equal": " ", "replace": "!", "delete": "<", "insert": ">"}[op]
        for k in range(max(len(left), len(right))):
            la = left[k] if k < len(left) else ""
            rb = right[k] if k < len(right) else ""
            out.append(f"{la[:width]:<{width}} {mark} {rb[:width]}")
    return out


def _outcome(runner: ScriptRunner, scrub: Scrubber, command: str) -> list:
    try:
        return ["accepted", scrub.text(runner.run(command))]
    except REFUSED as err:
        return ["refused", scrub.text(str(err))]
    except CapabilityMissing as err:
        return ["unsupported", str(err)]


def _live(driver) -> bool:
    """A driver in real time (a real cluster), whose events can trail its state. One with the ``time`` capability
    keeps a logical clock it advances itself (the model, a model-based third party): its events never trail, and
    their timestamps say nothing about the wall clock."""
    return "time" not in driver.capabilities


def _created(event: dict) -> float:
    stamp = (event.get("metadata") or {}).get("creationTimestamp")
    try:
        return datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
    except (AttributeError, ValueError):
        return 0.0


def events_quiet(driver, quiet: float = EVENT_QUIET_SECONDS, bound: float = EVENT_QUIET_BOUND) -> float:
    """Wait until no Event was created in `driver`'s namespace for `quiet` seconds (at most `bound`); the seconds waited.

    A settle waits for the watched objects to be quiet; the events that report their last changes are
    written after them, by recorders that work through a queue (client-go's `EventBroadcaster`).
    """
    start = time.monotonic()
    while True:
        newest = max((_created(e) for e in driver.list("Event")), default=0.0)
        left = newest + quiet + 1.0 - time.time()  # creationTimestamp has whole seconds
        waited = time.monotonic() - start
        if left <= 0 or waited >= bound:
            return waited
        time.sleep(min(left, bound - waited) + 0.05)


def _trailing(differences: list, live: tuple) -> bool:
    """Whether every difference is in events and some real-time side has fewer of one (its events may still come)."""
    if not differences or not all(d[0].startswith("events") for d in differences):
        return False
    count = lambda v: 0 if v == MISSING else v  # noqa: E731
    return any(
        isinstance(count(d[1]), int) and isinstance(count(d[2]), int) and ((live[0] and count(d[1]) < count(d[2])) or (live[1] and count(d[2]) < count(d[1])))
        for d in differences
    )


def compare(commands: list[str], a: Side, b: Side, *, catalogue: Catalogue | None = None, settle_timeout: float = 120.0) -> Result:
    """Run `commands` on fresh drivers for `a` and `b`, comparing outcomes and settled observations after each."""
    catalogue = catalogue if catalogue is not None else load_catalogue()
    start = time.monotonic()
    drivers = [a.make(), b.make()]
    result = Result(list(commands), [], 0.0, (a, b))
    runners = []
    try:
        kubelet = all("kubelet" in d.capabilities for d in drivers)
        scrubs = [Scrubber(d.namespace) for d in drivers]
        live = tuple(_live(d) for d in drivers)
        seen: tuple = ({}, {})
        for drv, scrub, views in zip(drivers, scrubs, seen):
            ranked = functools.partial(pod_views, drv, scrub=scrub, seen=views) if kubelet else None
            runners.append(ScriptRunner(drv, settle_timeout, ranked))
        for command in commands:
            outcomes, observations = [], []
            waited = 0.0
            for runner, scrub, views, real_time in zip(runners, scrubs, seen, live):
                outcomes.append(_outcome(runner, scrub, command))
                runner.run("kubesim settle")
                if real_time:
                    waited += events_quiet(runner.driver)
                observations.append(observe(runner.driver, kubelet=kubelet, scrub=scrub, seen=views))
            differences = diff({"outcome": outcomes[0], **observations[0]}, {"outcome": outcomes[1], **observations[1]})
            catalogued, rest = catalogue.classify(differences, a.driver, b.driver)
            again = time.monotonic()
            while _trailing(rest, live) and time.monotonic() - again < EVENT_WAIT_SECONDS:
                # Events are written asynchronously (client-go's broadcaster, one at a time, on a busy
                # node), after the state they report: events missing on a real cluster are waited for.
                time.sleep(1.0)
                observations = [observe(r.driver, kubelet=kubelet, scrub=sc, seen=v) for r, sc, v in zip(runners, scrubs, seen)]
                differences = diff({"outcome": outcomes[0], **observations[0]}, {"outcome": outcomes[1], **observations[1]})
                catalogued, rest = catalogue.classify(differences, a.driver, b.driver)
            waited += time.monotonic() - again
            step = Step(command, tuple(outcomes), tuple(observations), rest, catalogued, waited)
            result.steps.append(step)
            if rest:
                result.divergence = step
                break
    finally:
        for drv in drivers:
            with contextlib.suppress(Exception):
                drv.stop()
        result.seconds = time.monotonic() - start
    return result


def both_have_kubelet(a: Side, b: Side) -> bool:
    """Whether both sides run containers (capability ``kubelet``); a cluster driver knows only once started."""
    drivers = [a.make(), b.make()]
    try:
        for drv in drivers:
            drv.start()
        return all("kubelet" in drv.capabilities for drv in drivers)
    finally:
        for drv in drivers:
            with contextlib.suppress(Exception):
                drv.stop()


class DivergenceFound(AssertionError):
    """Raised inside the Hypothesis search so that it shrinks the script."""

    def __init__(self, result: Result) -> None:
        super().__init__(result.report())
        self.result = result


@dataclass
class Stats:
    """What a search did: scripts and steps compared (shrinking excluded), catalogued differences, divergences."""

    scripts: int = 0
    steps: int = 0
    seconds: float = 0.0
    max_seconds: float = 0.0
    catalogued: dict = field(default_factory=dict)
    divergences: list = field(default_factory=list)
    flaky: list = field(default_factory=list)
    shrink_runs: int = 0
    #: Seconds waited for a real cluster's events after settles (all steps), and the longest wait of one step.
    event_wait: float = 0.0
    event_wait_max: float = 0.0

    def add(self, result: Result) -> None:
        self.scripts += 1
        self.steps += len(result.steps)
        self.seconds += result.seconds
        self.max_seconds = max(self.max_seconds, result.seconds)
        for step in result.steps:
            self.event_wait += step.event_wait
            self.event_wait_max = max(self.event_wait_max, step.event_wait)
            for _, entry in step.catalogued:
                self.catalogued[entry] = self.catalogued.get(entry, 0) + 1

    def merge(self, other: "Stats") -> None:
        self.scripts += other.scripts
        self.steps += other.steps
        self.seconds += other.seconds
        self.max_seconds = max(self.max_seconds, other.max_seconds)
        for k, v in other.catalogued.items():
            self.catalogued[k] = self.catalogued.get(k, 0) + v
        self.divergences += other.divergences
        self.flaky += other.flaky
        self.shrink_runs += other.shrink_runs
        self.event_wait += other.event_wait
        self.event_wait_max = max(self.event_wait_max, other.event_wait_max)


@dataclass(frozen=True)
class Search:
    """One search: the sides, how many scripts, how long each may be, and the seed."""

    a: Side
    b: Side
    scripts: int
    max_steps: int = 12
    seed: int = 0
    settle_timeout: float = 120.0
    catalogue_path: str | None = None
    #: Stop at the first divergence (a planted-divergence test needs one, shrunk).
    stop_at_first: bool = False
    #: Whether containers may read the ConfigMap (`scripts.scripts`); None: ask the drivers (`both_have_kubelet`).
    configmap_refs: bool | None = None
    #: Seconds of shrinking per divergence; after that, the smallest script found so far is the result.
    shrink_seconds: float = 300.0


def search(spec: Search) -> Stats:
    """Generate `spec.scripts` scripts; shrink each new divergence and go on.

    A divergence that shares a differing path (`Result.signature`) with one already found
    is taken for the same one: it is not counted or shrunk again.
    A divergence that does not happen again when Hypothesis re-runs the script (a race on
    a real cluster) is reported under `Stats.flaky` with the script that showed it.
    Shrinking stops after `spec.shrink_seconds` (each attempt on a real cluster replays a
    script at seconds a step): later attempts are answered "no divergence" without running,
    except a script already seen to diverge, which runs again, so that the final replay
    Hypothesis makes of the smallest one is real.
    """
    catalogue = load_catalogue(spec.catalogue_path) if spec.catalogue_path else load_catalogue()
    configmap_refs = both_have_kubelet(spec.a, spec.b) if spec.configmap_refs is None else spec.configmap_refs
    stats = Stats()
    known: set = set()
    attempt = 0
    while stats.scripts < spec.scripts:
        first: list[Result] = []
        diverged: set = set()
        shrink_start: list[float] = []

        @settings(
            max_examples=spec.scripts - stats.scripts,
            deadline=None,
            database=None,
            derandomize=False,
            print_blob=False,
            report_multiple_bugs=False,
            suppress_health_check=list(HealthCheck),
            phases=[Phase.generate, Phase.shrink],
        )
        @seed(spec.seed * 1000 + attempt)
        @given(scripts(spec.max_steps, configmap_refs))
        def check(commands):
            if first and time.monotonic() - shrink_start[0] > spec.shrink_seconds and tuple(commands) not in diverged:
                return
            result = compare(commands, spec.a, spec.b, catalogue=catalogue, settle_timeout=spec.settle_timeout)
            if first:
                stats.shrink_runs += 1
            else:
                stats.add(result)
            if result.divergence is not None and not any(result.signature & k for k in known):
                if not first:
                    shrink_start.append(time.monotonic())
                first.append(result)
                diverged.add(tuple(commands))
                raise DivergenceFound(result)

        try:
            check()
        except DivergenceFound as err:
            known.update((first[0].signature, err.result.signature))
            stats.divergences.append(err.result)
        except Flaky:
            known.add(first[0].signature)
            stats.flaky.append(first[0])
        if not first or (spec.stop_at_first and stats.divergences):
            break
        attempt += 1
    return stats


@dataclass(frozen=True)
class Profile:
    scripts: int
    max_steps: int
    workers: int


#: ``ci``: the budgeted run for CI's conformance step; ``long``: `make differential`.
PROFILES = {"ci": Profile(scripts=30, max_steps=10, workers=3), "long": Profile(scripts=300, max_steps=12, workers=3)}


def run_profile(
    a: Side,
    b: Side,
    *,
    scripts_total: int,
    max_steps: int,
    workers: int,
    seed: int = 0,
    settle_timeout: float = 120.0,
    catalogue_path: str | None = None,
    configmap_refs: bool | None = None,
) -> "Report":
    """Split `scripts_total` scripts into `workers` shards (own seeds, own namespaces), run them in parallel processes."""
    workers = max(1, min(workers, scripts_total))
    shares = [scripts_total // workers + (1 if i < scripts_total % workers else 0) for i in range(workers)]
    if configmap_refs is None:
        configmap_refs = both_have_kubelet(a, b)
    specs = [
        Search(a, b, n, max_steps, seed * 100 + i, settle_timeout, catalogue_path, configmap_refs=configmap_refs) for i, n in enumerate(shares)
    ]
    start = time.monotonic()
    total = Stats()
    if workers == 1:
        total.merge(search(specs[0]))
    else:
        # spawned, not forked: a forked child would inherit the locks of the parent's watch threads
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            for stats in pool.map(search, specs):
                total.merge(stats)
    return Report(a.label, b.label, total, time.monotonic() - start, workers, max_steps, seed)


@dataclass
class Report:
    a: str
    b: str
    stats: Stats
    wall_seconds: float
    workers: int
    max_steps: int
    seed: int

    @property
    def failed(self) -> bool:
        return bool(self.stats.divergences or self.stats.flaky)

    def table(self) -> str:
        s = self.stats
        per = s.seconds / s.scripts if s.scripts else 0.0
        rows = [
            ("sides A, B", f"{self.a}, {self.b}"),
            ("scripts", str(s.scripts)),
            ("steps", str(s.steps)),
            ("divergences found (uncatalogued, after shrinking)", str(len(s.divergences))),
            ("divergences that did not reproduce", str(len(s.flaky))),
            ("catalogued differences (step count per entry)", ", ".join(f"{k} x{v}" for k, v in sorted(s.catalogued.items())) or "0"),
            ("time per script (mean / max)", f"{per:.2f} s / {s.max_seconds:.2f} s"),
            ("waiting for events, per step (mean / max)", f"{s.event_wait / s.steps if s.steps else 0.0:.2f} s / {s.event_wait_max:.2f} s"),
            ("shrinking runs", str(s.shrink_runs)),
            ("wall time", f"{self.wall_seconds:.1f} s on {self.workers} parallel worker(s)"),
            ("steps per script at most, seed", f"{self.max_steps}, {self.seed}"),
        ]
        width = max(len(k) for k, _ in rows)
        lines = ["| " + "what".ljust(width) + " | result |", "|" + "-" * (width + 2) + "|--------|"]
        lines += [f"| {k.ljust(width)} | {v} |" for k, v in rows]
        for i, r in enumerate(s.divergences, 1):
            lines.append(f"\ndivergence {i}: {len(r.steps)} steps, differing at: {', '.join(sorted(r.signature))}")
        for i, r in enumerate(s.flaky, 1):
            lines.append(f"\ndid not reproduce {i}: {len(r.steps)} steps, differing at: {', '.join(sorted(r.signature))}")
        return "\n".join(lines) + "\n"
