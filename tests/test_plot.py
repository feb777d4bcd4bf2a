"""`kubesim plot` draws the report's rollout chart from a command-line session.

Expectation from upstream's rollback (`kubectl rollout undo` reuses the old ReplicaSet and
renumbers it to the newest revision, 1 -> 3, recording 1 in its revision-history annotation):
after apply, set image and undo, the chart names two series by revision and image. The
commands that changed the namespace are marked on the time axis at the instant they ran,
which the session's own timeline shows independently: a command that changes a Deployment's
spec changes it at that instant (README, "Simulated time moves only when a command says so").
"""

from __future__ import annotations

import contextlib
import html
import io
import json
import os
import re
from pathlib import Path
from types import SimpleNamespace
from unittest import mock

import pytest

from kubesim.cli import main

MANIFESTS = Path(__file__).resolve().parent.parent / "features" / "manifests"


def _kubesim(tmp_path: Path, *args: str) -> SimpleNamespace:
    """`kubesim ARGS` in `tmp_path` with its state file there, run in-process (`main`, as the console script
    runs it): each command loads the state file and saves it, so nothing passes between commands but the
    file. Any exception escaping `main` fails the test with the exception itself."""
    out, err = io.StringIO(), io.StringIO()
    with mock.patch.dict(os.environ, {"KUBESIM_STATE": str(tmp_path / "state.json")}), contextlib.chdir(tmp_path), \
            contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):  # fmt: skip
        code = main(list(args))
    return SimpleNamespace(returncode=code, stdout=out.getvalue(), stderr=err.getvalue())


def test_plot_names_series_by_revision_and_image_on_logical_time(tmp_path):
    """On apply, set image 1.1.RELEASE, rollout undo: `plot -o x.svg` shows rev 1→3 (1.0.RELEASE) and rev 2
    (1.1.RELEASE), marks the set image command (its whole line in the mark's hover title), labels the axis logical time, and has hover titles."""
    assert _kubesim(tmp_path, "apply", "-f", str(MANIFESTS / "deploy.yaml")).returncode == 0
    assert _kubesim(tmp_path, "set", "image", "deployment/mc-user", "mc-user=rainbow/mc-user:1.1.RELEASE").returncode == 0
    assert _kubesim(tmp_path, "rollout", "undo", "deployment/mc-user").returncode == 0
    res = _kubesim(tmp_path, "plot", "rollout", "deployment/mc-user", "-o", "rollout.svg")
    assert res.returncode == 0, res.stderr
    svg = (tmp_path / "rollout.svg").read_text(encoding="utf-8")
    text = html.unescape(svg)
    assert "pods of rev 1→3 · rainbow/mc-user:1.0.RELEASE" in text and "pods of rev 2 · rainbow/mc-user:1.1.RELEASE" in text
    assert "2. set image deployment/mc-user" in text and " s: set image deployment/mc-user mc-user=rainbow/mc-user:1.1.RELEASE</title>" in text
    assert "logical time (s)" in text and "wall-clock" not in text
    assert svg.count("<title>") >= 4 and "<script" not in svg


def test_plot_marks_the_commands_that_changed_the_namespace_when_they_ran(tmp_path):
    """apply, get (a read), advance 30s (a wait), set image, an apply and a create that change only
    namespace "other", rollout undo: the chart of default's Deployment marks exactly apply, set image
    and undo, numbered in order, each at the instant of the first change the session's timeline
    recorded for it (a change happens when the command runs; settling comes after); `--state` is
    not part of the line, and the marks survive in the state file (each command reads and writes it anew)."""
    state = tmp_path / "elsewhere.json"
    run = lambda *a: _kubesim(tmp_path, "--state", str(state), *a)  # noqa: E731

    def entries() -> list[dict]:
        return [json.loads(ln) for ln in run("timeline", "-o", "json").stdout.splitlines() if ln.strip()]

    def change(*argv: str) -> float:
        """Run a changing command; return the instant (s) of the first timeline entry it added."""
        n = len(entries())
        assert run(*argv).returncode == 0
        return entries()[n]["t"] / 1000

    (tmp_path / "other.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata: {name: other}\n---\n"
                                         "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: web, namespace: other}\ndata: {a: b}\n")
    instants = [change("apply", "-f", str(MANIFESTS / "deploy.yaml"))]
    assert run("get", "pods").returncode == 0
    assert run("advance", "30s").returncode == 0
    instants.append(change("set", "image", "deployment/mc-user", "mc-user=rainbow/mc-user:1.1.RELEASE"))
    change("apply", "-f", "other.yaml")
    change("-n", "other", "create", "deployment", "web", "--image=nginx")
    instants.append(change("rollout", "undo", "deployment/mc-user"))
    res = run("plot", "rollout", "deployment/mc-user", "-o", "rollout.svg")
    assert res.returncode == 0 and res.stderr == "", res.stderr
    text = html.unescape((tmp_path / "rollout.svg").read_text(encoding="utf-8"))
    hovers = re.findall(r"<title>t = ([0-9.e+]+) s: ([^<]*)</title>", text)
    assert [c for _, c in hovers] == [
        f"apply -f {MANIFESTS / 'deploy.yaml'}",
        "set image deployment/mc-user mc-user=rainbow/mc-user:1.1.RELEASE",
        "rollout undo deployment/mc-user",
    ]
    assert [float(t) for t, _ in hovers] == instants and instants[1] >= instants[0] + 30
    assert "1. apply -f" in text and "3. rollout undo deployment/mc-user" in text and "--state" not in text


def test_a_state_file_without_command_lines_still_plots_with_a_note(tmp_path):
    """A session written before kubesim kept command lines (no ``commands``) is read as before: the
    chart is drawn without marks, and stderr says why; the file is not rewritten by the read."""
    assert _kubesim(tmp_path, "apply", "-f", str(MANIFESTS / "deploy.yaml")).returncode == 0
    assert _kubesim(tmp_path, "set", "image", "deployment/mc-user", "mc-user=rainbow/mc-user:1.1.RELEASE").returncode == 0
    path = tmp_path / "state.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert len(doc["session"].pop("commands")) == 2
    path.write_text(json.dumps(doc), encoding="utf-8")
    before = path.read_bytes()
    res = _kubesim(tmp_path, "plot", "rollout", "deployment/mc-user", "-o", "old.svg")
    assert res.returncode == 0 and "kept no command lines" in res.stderr
    text = html.unescape((tmp_path / "old.svg").read_text(encoding="utf-8"))
    assert "pods of rev 2 · rainbow/mc-user:1.1.RELEASE" in text and "set image" not in text
    assert path.read_bytes() == before
    # the next change records its line again
    assert _kubesim(tmp_path, "rollout", "undo", "deployment/mc-user").returncode == 0
    assert [c["argv"] for c in json.loads(path.read_text(encoding="utf-8"))["session"]["commands"]] == [["rollout", "undo", "deployment/mc-user"]]


@pytest.fixture(scope="module")
def applied(tmp_path_factory) -> str:
    """The state file's text after `kubesim apply -f deploy.yaml` in a fresh session (made once for the module)."""
    where = tmp_path_factory.mktemp("applied")
    assert _kubesim(where, "apply", "-f", str(MANIFESTS / "deploy.yaml")).returncode == 0
    return (where / "state.json").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "commands, field",
    [
        ('"apply"', "session.commands"),
        ('[{"t": 0, "namespaces": ["default"]}]', "session.commands[0].argv"),
        ('[{"t": "0s", "namespaces": ["default"], "argv": ["apply"]}]', "session.commands[0].t"),
        ('[{"t": 0, "namespaces": "default", "argv": ["apply"]}]', "session.commands[0].namespaces"),
    ],
    ids=["not-a-list", "no-argv", "t-not-ms", "namespaces-not-a-list"],
)
@pytest.mark.parametrize("command", [("plot", "rollout", "deployment/mc-user", "-o", "x.svg"), ("scale", "deployment/mc-user", "--replicas", "1")], ids=["read", "change"])
def test_a_corrupt_command_record_is_named_and_the_file_untouched(applied, tmp_path, commands, field, command):
    """A state file whose session.commands has the wrong shape is refused by reads and changes alike,
    with one error naming the file and the field, exit 1, no traceback, and the file as it was."""
    path = tmp_path / "state.json"
    doc = json.loads(applied)
    doc["session"]["commands"] = json.loads(commands)
    path.write_text(json.dumps(doc), encoding="utf-8")
    before = path.read_bytes()
    res = _kubesim(tmp_path, *command)
    assert res.returncode == 1 and "Traceback" not in res.stderr
    assert str(path) in res.stderr and "is corrupt" in res.stderr and field in res.stderr
    assert path.read_bytes() == before and not (tmp_path / "x.svg").exists()


def test_after_several_rollouts_no_two_texts_of_the_chart_overlap():
    """The session above with more rollouts (apply, three set image, undo, scale, undo --to-revision, at
    the instants kubesim ran them): every text of the chart (numbers on the time axis, the listed
    command lines, ticks, labels, legend, title) is drawn where no other text is, and each command
    line is listed under the axis in full up to the listing's width; the same holds with a real
    cluster's panel (its wall clock) beside the model's, as the report draws them."""
    import matplotlib.text

    from kubesim import timeline

    instants = [0, 11.001, 45.001, 79.001, 113.001, 147.001, 158.001]
    lines = ["apply -f /work/some/long/path/to/the/features/manifests/deploy.yaml"]
    lines += [f"set image deployment/mc-user mc-user=rainbow/mc-user:1.{v}.RELEASE" for v in (1, 2, 3)]
    lines += ["rollout undo deployment/mc-user", "scale deployment/mc-user --replicas 5", "rollout undo deployment/mc-user --to-revision 1"]
    samples = [timeline.Sample(t=t, pods={"a": 3 - (i % 3), "b": i % 4}, rs_spec={"a": 3, "b": 3}) for i, t in enumerate(range(0, 190, 11))]
    labels = {"a": {"revisions": [1, 3, 6], "image": "rainbow/mc-user:1.0.RELEASE"}, "b": {"revisions": [2, 5], "image": "rainbow/mc-user:1.1.RELEASE"}}
    panel = timeline.Panel(samples, labels, tuple(zip(instants, lines)), "logical", "")
    wall = timeline.Panel(samples, labels, tuple((t * 1.2 + 0.3, line) for t, line in zip(instants, lines)), "wall clock", "cluster")
    for panels, title in (([panel], "rollout of deployment/mc-user"), ([timeline.Panel(samples, labels, panel.commands, "logical", "model"), wall], "")):
        fig = timeline.figure(panels, title)
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        ticks = {id(t) for ax in fig.axes for t in ax.get_xticklabels() + ax.get_yticklabels()}
        drawn_ticks = [  # the tick labels inside the view (matplotlib keeps others, undrawn)
            t for ax in fig.axes for axis, view in ((ax.xaxis, sorted(ax.get_xlim())), (ax.yaxis, sorted(ax.get_ylim())))
            for t, loc in zip(axis.get_ticklabels(), axis.get_ticklocs()) if view[0] <= loc <= view[1]
        ]  # fmt: skip
        texts = [t for t in fig.findobj(matplotlib.text.Text) if id(t) not in ticks] + drawn_ticks
        texts = [t for t in texts if t.get_visible() and t.get_text().strip()]
        boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in texts]
        overlaps = [(a, b) for i, (a, ba) in enumerate(boxes) for b, bb in boxes[i + 1 :] if ba.overlaps(bb)]
        assert not overlaps, overlaps
        shown = "\n".join(t for t, _ in boxes)
        for n, line in enumerate(lines, start=1):
            assert shown.count(f"{n}. {line}") == len(panels)


def test_the_same_panels_draw_the_same_svg():
    """A chart is a function of what it shows: drawn twice, the SVG is the same to the byte (no timestamp
    in its metadata), so a report or a plot rendered again from the same run does not differ."""
    from kubesim import timeline

    samples = [timeline.Sample(t=float(i), pods={"a": 3 - i, "b": i}, rs_spec={"a": 3 - i, "b": i}) for i in range(4)]
    panel = timeline.Panel(samples, {"a": {"revisions": [1]}, "b": {"revisions": [2]}}, ((1.0, "set image deployment/web web=web:v2"),), "logical", "model")
    first = timeline.chart_svg([panel], "rollout", salt="same")
    assert first == timeline.chart_svg([panel], "rollout", salt="same")
    assert "<dc:date>" not in first and "set image deployment/web" in first
