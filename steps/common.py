"""Shared steps: the scenario's world, files, time, settling, and kubectl output checks.

The `world` fixture subscribes to the driver's observation hook when a scenario starts,
so every intermediate state the driver can see is recorded; "then" steps about a whole
rollout read those observations. With ``KUBESIM_TIMELINE_DIR`` set, every scenario leaves
``<scenario-id>.json`` there for the report (`kubesim.report.record`): the commands it ran with
their real output, which command each step saw last, and, where a Deployment had two
ReplicaSets at once, the rollout's timeline.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from pytest_bdd import parsers, step

from kubesim.driver import Observation
from kubesim.report import record

from .kubectl import Kubectl, Result

#: Pod picks in command lines: ``<a pod of mc-user>``, ``<two pods of mc-user>``, ``<the new pod of mc-user>``.
PLACEHOLDER = re.compile(
    r"<(?P<what>a|another|one|two|2|three|3|the new|the replacement|the same) pods? of (?P<app>[a-z0-9-]+)>"
    r"|<(?P<app_zh>[a-z0-9-]+) 的(?P<what_zh>一个|另一个|两个|新|同一个) ?pod>"
)
MUTATING = re.compile(r"^kubectl (apply|create|delete|scale|set|rollout (undo|restart|resume))\b")
COUNTS = {"a": 1, "another": 1, "one": 1, "two": 2, "2": 2, "three": 3, "3": 3, "一个": 1, "另一个": 1, "两个": 2}


@dataclass
class World:
    """What one scenario knows: the driver, its files, the last command, picks and observations."""

    driver: object
    files: dict = field(default_factory=dict)
    last: Result | None = None
    picked: list = field(default_factory=list)
    pods_before: set = field(default_factory=set)
    history: list = field(default_factory=list)  # (command, pods before it) per changing command
    observations: list = field(default_factory=list)
    mark: int = 0
    notes: dict = field(default_factory=dict)
    commands: list = field(default_factory=list)  # every command run, with its output, for the report
    steps: list = field(default_factory=list)  # (step line, index of the last command) for the report

    @property
    def kubectl(self) -> Kubectl:
        return Kubectl(self.driver, self.files)

    def run(self, command: str) -> Result:
        """Resolve pod placeholders, remember where the command started, and run it.

        Before a command that changes something, the current pods become the known ones,
        so that ``<the new pod of APP>`` later means a pod created since.
        """
        resolved = PLACEHOLDER.sub(self._pick, command)
        if MUTATING.search(resolved):
            self.pods_before = {p["metadata"]["name"] for p in self.driver.list("Pod")}
            self.history.append((resolved, self.pods_before))
        self.mark = len(self.observations)
        before = self.driver.observe()
        self.observations.append(before)
        self.last = self.kubectl.run(resolved)
        self.commands.append(record.command(before.time, self.last))
        return self.last

    def resolve(self, text: str) -> str:
        """Replace pod placeholders in `text` by pod names."""
        return PLACEHOLDER.sub(self._pick, text)

    def since_mark(self) -> list[Observation]:
        """Observations from the last command on, ending with the current state."""
        return self.observations[self.mark :] + [self.driver.observe()]

    def pods_of(self, app: str) -> list[dict]:
        """Active (not terminating, not finished) pods labelled ``app=<app>``, by name."""
        return [
            p
            for p in self.driver.list("Pod")
            if (p["metadata"].get("labels") or {}).get("app") == app
            and not p["metadata"].get("deletionTimestamp")
            and p["status"].get("phase") not in ("Succeeded", "Failed")
        ]

    def _pick(self, m: re.Match) -> str:
        what = m.group("what") or m.group("what_zh")
        app = m.group("app") or m.group("app_zh")
        names = [p["metadata"]["name"] for p in self.pods_of(app)]
        if what in ("the same", "同一个"):
            assert self.picked, "No pod was picked before '<the same pod of ...>'."
            return self.picked[-1]
        if what in ("the new", "the replacement", "新"):
            fresh = [n for n in names if n not in self.pods_before]
            assert fresh, f"No new pod of {app!r} among {names}."
            self.picked.append(fresh[0])
            return fresh[0]
        free = [n for n in names if n not in self.picked]
        n = COUNTS[what]
        assert len(free) >= n, f"Wanted {n} unpicked pods of {app!r}; there are {names} (already picked {self.picked})."
        self.picked += free[:n]
        return " ".join(free[:n])


@pytest.fixture
def world(driver, request):
    """The scenario's world, recording every observation from the start."""
    w = World(driver)
    unsubscribe = driver.subscribe(w.observations.append)
    w.observations.append(driver.observe())
    try:
        yield w
    finally:
        unsubscribe()
        out = os.environ.get("KUBESIM_TIMELINE_DIR")
        if out:
            _write_timeline(w, request, Path(out))


def _write_timeline(w: World, request, out: Path) -> None:
    """Save what the report shows of this scenario (`kubesim.report.record.scenario_record`)."""
    scenario = getattr(request.node, "_kubesim_scenario", None) or {}
    feature_file = scenario.get("feature_file", request.node.fspath.basename)
    doc = record.scenario_record(w.driver, w.observations + [w.driver.observe()], w.commands, w.steps)
    doc.update(item=request.node.name, feature_file=feature_file, scenario=scenario.get("name", request.node.name))
    record.write(out, doc)


def pytest_bdd_before_scenario(request, feature, scenario):
    """Remember which feature file and scenario a test item runs, for the report."""
    request.node._kubesim_scenario = {"feature_file": feature.rel_filename, "name": scenario.name}


def pytest_bdd_after_step(request, feature, scenario, step, step_func, step_func_args):
    """Note which command's output a step saw (the report shows it beside the step)."""
    if isinstance(step_func_args.get("world"), World):
        step_func_args["world"].steps.append((step.line_number, len(step_func_args["world"].commands) - 1))


def pytest_bdd_step_error(request, feature, scenario, step, step_func, step_func_args, exception):
    pytest_bdd_after_step(request, feature, scenario, step, step_func, step_func_args)


# ---------------------------------------------------------------------- files and time
@step(parsers.re(r'a file "(?P<name>[^"]+)":?$'))
@step(parsers.re(r'文件 "(?P<name>[^"]+)" 的内容是:?$'))
def _file(world, name: str, docstring: str):
    """Declare a manifest by its docstring, as the article shows it."""
    world.files[name] = docstring + "\n"


@step("the cluster settles")
@step("the cluster has settled")
@step("I wait until the cluster settles")
@step("集群稳定下来")
@step("等待集群稳定")
def _settle(world):
    """Wait until nothing changes any more (the model: run every controller and timer)."""
    world.driver.settle(timeout=1200)


@step(parsers.re(r"(?P<seconds>\d+(?:\.\d+)?) seconds? pass(?:es)?$"))
@step(parsers.re(r"过了 ?(?P<seconds>\d+(?:\.\d+)?) ?秒$"))
def _advance(world, seconds: str):
    """Let time pass (precisely on the model; a cluster driver may sleep)."""
    world.driver.advance(float(seconds))


# ---------------------------------------------------------------------- output checks
def _matches(pattern_line: str, line: str) -> bool:
    squashed = " ".join(pattern_line.split())
    pieces = re.split(r"(<[a-z-]+>)", squashed)
    rx = "".join(r"[^\s]+" if re.fullmatch(r"<[a-z-]+>", p) else r"\s+".join(re.escape(w) for w in p.split(" ")) for p in pieces)
    return re.fullmatch(rx, " ".join(line.split())) is not None


@step("the output contains:")
@step("输出包含:")
def _output_contains(world, docstring: str):
    """Each docstring line matches some output line, in order; ``<hash>`` etc. match one token."""
    lines = world.last.output.splitlines()
    i = 0
    for want in [ln for ln in docstring.splitlines() if ln.strip()]:
        while i < len(lines) and not _matches(want, lines[i]):
            i += 1
        assert i < len(lines), f"No line matching {want!r} (in order) in the output of `{world.last.command}`:\n{world.last.output}"
        i += 1


@step("the output is:")
@step("输出是:")
def _output_is(world, docstring: str):
    """The output has exactly the docstring's lines (spacing and ``<token>`` placeholders aside)."""
    got = [ln for ln in world.last.output.splitlines() if ln.strip()]
    want = [ln for ln in docstring.splitlines() if ln.strip()]
    ok = len(got) == len(want) and all(_matches(w, g) for w, g in zip(want, got))
    assert ok, f"The output of `{world.last.command}` is:\n{world.last.output}\n--- expected:\n{docstring}"


@step("the output is empty")
@step("the command prints nothing")
@step("输出为空")
@step("什么也没有输出")
def _output_empty(world):
    assert world.last.output.strip() == "", f"`{world.last.command}` printed:\n{world.last.output}"


@step(parsers.re(r'the output shows "(?P<text>.+)"$'))
@step(parsers.re(r'输出 "(?P<text>.+)"$'))
def _output_shows(world, text: str):
    assert text in world.last.output, f"{text!r} is not in the output of `{world.last.command}`:\n{world.last.output}"


@step("the command fails with:")
@step("命令失败并报错:")
def _fails_with(world, docstring: str):
    """The command failed, and its error output is exactly the docstring (modulo spacing)."""
    r = world.last
    assert not r.ok, f"`{r.command}` succeeded:\n{r.output}"
    got = [ln for ln in r.error.splitlines() if ln.strip()]
    want = [ln for ln in docstring.splitlines() if ln.strip()]
    ok = len(got) == len(want) and all(_matches(w, g) for w, g in zip(want, got))
    assert ok, f"`{r.command}` failed with:\n{r.error}\n--- expected:\n{docstring}"


@step(parsers.re(r'the command fails with "(?P<text>.+)"$'))
@step(parsers.re(r'命令失败并报错 "(?P<text>.+)"$'))
def _fails_with_text(world, text: str):
    r = world.last
    assert not r.ok, f"`{r.command}` succeeded:\n{r.output}"
    assert text in r.error, f"`{r.command}` failed with:\n{r.error}\n--- expected it to contain:\n{text}"


@step("the command succeeds")
@step("命令成功")
def _succeeds(world):
    assert world.last.ok, f"`{world.last.command}` failed:\n{world.last.error}"


@step("the output has these lines, in any order:")
@step("输出包含这些行(顺序不限):")
def _output_lines_any_order(world, docstring: str):
    """The output's lines are exactly the docstring's, in any order (printenv's order is the runtime's)."""
    got = sorted(" ".join(ln.split()) for ln in world.last.output.splitlines() if ln.strip())
    want = sorted(" ".join(ln.split()) for ln in docstring.splitlines() if ln.strip())
    assert got == want, f"The output of `{world.last.command}` is:\n{world.last.output}\n--- expected these lines in any order:\n{docstring}"
