"""Timelines: what a rollout looks like over time, extracted from observations, and its chart.

A `Sample` summarises one observation for people and charts: pods per ReplicaSet
(running or starting, and terminating), ReplicaSet sizes and availability, and the
ready endpoints of each Service. `changes` keeps only the samples where something
visible changed. Works on observations from any driver.

`chart_svg` draws one `Panel` per driver side by side: a series per ReplicaSet named by its
revision and image, coloured by its first revision (the same colour in every chart), drawn
slightly apart so that equal counts stay visible; the user's commands are numbered on the time
axis and listed under it, which is labelled with the driver's clock; every series and change point carries an SVG
``<title>`` (hover text, no script). `plot` writes the same chart to a file (``kubesim plot``).
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import asdict, dataclass, field
from typing import Iterable

from .driver import Observation


@dataclass(frozen=True)
class Sample:
    """One instant of a timeline (time in seconds)."""

    t: float
    pods: dict = field(default_factory=dict)  # owner RS -> active pods
    terminating: dict = field(default_factory=dict)  # owner RS -> terminating pods
    rs_spec: dict = field(default_factory=dict)  # RS -> spec.replicas
    rs_available: dict = field(default_factory=dict)  # RS -> status.availableReplicas
    ready_endpoints: dict = field(default_factory=dict)  # Service -> ready addresses

    def key(self) -> tuple:
        """What a reader can see: zero counts and absent entries look the same."""
        return tuple(
            tuple(sorted((k, v) for k, v in d.items() if v))
            for d in (self.pods, self.terminating, self.rs_spec, self.rs_available, self.ready_endpoints)
        )

    def as_dict(self) -> dict:
        return asdict(self)


def _owner(pod: dict) -> str:
    for ref in pod["metadata"].get("ownerReferences") or ():
        if ref.get("controller"):
            return ref["name"]
    return "<none>"


def sample(obs: Observation, deployment: str | None = None) -> Sample:
    """Summarise one observation; with `deployment`, only its ReplicaSets and their pods."""
    rss = obs.of("ReplicaSet")
    if deployment is not None:
        rss = [rs for rs in rss if any(r.get("name") == deployment and r.get("controller") for r in rs["metadata"].get("ownerReferences") or ())]
    names = {rs["metadata"]["name"] for rs in rss}
    pods: dict[str, int] = {n: 0 for n in names}
    terminating: dict[str, int] = {}
    for p in obs.of("Pod"):
        owner = _owner(p)
        if deployment is not None and owner not in names:
            continue
        if p["metadata"].get("deletionTimestamp"):
            terminating[owner] = terminating.get(owner, 0) + 1
        elif p["status"].get("phase") not in ("Succeeded", "Failed"):
            pods[owner] = pods.get(owner, 0) + 1
    ready = {}
    for ep in obs.of("Endpoints"):
        if ep["metadata"]["name"] == "kubernetes":
            continue
        ready[ep["metadata"]["name"]] = sum(len(s.get("addresses") or ()) for s in ep.get("subsets") or ())
    return Sample(
        t=obs.time,
        pods=pods,
        terminating=terminating,
        rs_spec={rs["metadata"]["name"]: rs["spec"].get("replicas", 1) for rs in rss},
        rs_available={rs["metadata"]["name"]: (rs.get("status") or {}).get("availableReplicas", 0) for rs in rss},
        ready_endpoints=ready,
    )


def changes(observations: Iterable[Observation], deployment: str | None = None) -> list[Sample]:
    """The samples at which something visible changed (the first one always)."""
    out: list[Sample] = []
    last = None
    for obs in observations:
        s = sample(obs, deployment)
        k = s.key()
        if k != last:
            out.append(s)
            last = k
    return out


def table(samples: list[Sample]) -> str:
    """A plain-text table: one row per change, one column per ReplicaSet and Service."""
    rs_names = sorted({n for s in samples for n in s.rs_spec})
    svc_names = sorted({n for s in samples for n in s.ready_endpoints})
    head = ["TIME"] + [f"{n} (pods/spec/avail)" for n in rs_names] + [f"{n} ready endpoints" for n in svc_names] + ["TERMINATING"]
    rows = [head]
    for s in samples:
        row = [f"{s.t:g}s"]
        row += [f"{s.pods.get(n, 0)}/{s.rs_spec.get(n, 0)}/{s.rs_available.get(n, 0)}" for n in rs_names]
        row += [str(s.ready_endpoints.get(n, 0)) for n in svc_names]
        row.append(str(sum(s.terminating.values())))
        rows.append(row)
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    return "\n".join("   ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows)



def clock_of(driver) -> str:
    """``logical`` for a driver that moves time itself (capability ``time``), else ``wall clock``."""
    return "logical" if "time" in getattr(driver, "capabilities", ()) else "wall clock"


def _deployment_owners(obs: Observation) -> list[str]:
    return [r["name"] for rs in obs.of("ReplicaSet") for r in rs["metadata"].get("ownerReferences") or () if r.get("kind") == "Deployment" and r.get("controller")]


def rollout_seen(observations: Iterable[Observation]) -> bool:
    """Whether some Deployment had two ReplicaSets at once."""
    for obs in observations:
        owners = _deployment_owners(obs)
        if len(owners) != len(set(owners)):
            return True
    return False


def replicaset_labels(observations: Iterable[Observation]) -> dict[str, dict]:
    """ReplicaSet name -> ``{"revisions": [...], "image": ...}``, revisions in the order seen.

    A rollback renumbers the ReplicaSet it reuses (1 -> 3), so one ReplicaSet may have several;
    the earlier ones are also in its ``deployment.kubernetes.io/revision-history`` annotation
    (upstream `SetNewReplicaSetAnnotations`), so one observation after the fact suffices.
    """
    out: dict[str, dict] = {}
    for obs in observations:
        for rs in obs.of("ReplicaSet"):
            name = rs["metadata"]["name"]
            entry = out.setdefault(name, {"revisions": [], "image": ",".join(c["image"] for c in rs["spec"]["template"]["spec"]["containers"])})
            notes = rs["metadata"].get("annotations") or {}
            history = [int(r) for r in (notes.get("deployment.kubernetes.io/revision-history") or "").split(",") if r.strip().isdigit()]
            for rev in history + [int(notes.get("deployment.kubernetes.io/revision", "0") or 0)]:
                if rev and rev not in entry["revisions"]:
                    entry["revisions"].append(rev)
    return out


# ---------------------------------------------------------------------- the chart
#: Okabe-Ito colours (readable with colour-blindness), by first revision: revision 1 is always blue.
REVISION_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#8C6D1F")
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
#: Characters of a command line listed under a panel's time axis (its whole line is the mark's hover title).
COMMAND_WIDTH = 84
#: Commands a user types that change the cluster; the chart marks them on the time axis.
USER_ACTION = re.compile(r"^(kubectl|kubesim) (apply|create|delete|scale|set|rollout (undo|restart|pause|resume))\b")


@dataclass(frozen=True)
class Panel:
    """One driver's run of a scenario: its samples, ReplicaSet labels, marks on the time axis (t, text), clock."""

    samples: list
    replicasets: dict = field(default_factory=dict)
    commands: tuple = ()
    clock: str = "logical"
    driver: str = ""


def series_label(name: str, info: dict | None) -> str:
    """``rev 2 · rainbow/mc-user:1.1.RELEASE``; ``rev 1→3 · ...`` for a ReplicaSet a rollback reused."""
    if not info:
        return f"ReplicaSet {name}"
    revs = "→".join(str(r) for r in info.get("revisions") or ()) or "?"
    return f"rev {revs} · {info.get('image', '?')}"


def time_label(clock: str) -> str:
    return "logical time (s)" if clock == "logical" else "wall-clock time (s since the scenario started)"


def _series(panel: Panel) -> list[tuple[str, str, str, str, list[float]]]:
    """(key, label, colour, marker, values) per line: ReplicaSets by first revision, terminating, endpoints."""
    names = sorted({n for s in panel.samples for n in s.rs_spec}, key=lambda n: ((panel.replicasets.get(n) or {}).get("revisions") or [1 << 30])[0])
    out = []
    for i, name in enumerate(names):
        info = panel.replicasets.get(name)
        first = ((info or {}).get("revisions") or [i + 1])[0]
        colour = REVISION_COLOURS[(first - 1) % len(REVISION_COLOURS)]
        out.append((f"rs:{name}", f"pods of {series_label(name, info)}", colour, MARKERS[(first - 1) % len(MARKERS)], [s.pods.get(name, 0) for s in panel.samples]))
    term = [sum(s.terminating.values()) for s in panel.samples]
    if any(term):
        out.append(("terminating", "terminating pods", "#777777", "x", term))
    for svc in sorted({n for s in panel.samples for n in s.ready_endpoints}):
        out.append((f"svc:{svc}", f"ready endpoints of service {svc}", "#000000", "|", [s.ready_endpoints.get(svc, 0) for s in panel.samples]))
    return out


def user_actions(commands) -> tuple[tuple[float, str], ...]:
    """The (t, command line) pairs that change the cluster, without the ``kubectl`` prefix."""
    return tuple((t, text.split(" ", 1)[1]) for t, text in commands if USER_ACTION.match(text))


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _commands(panel: Panel) -> list[tuple[float, str]]:
    """The panel's marks grouped by instant: (t, "apply -f a.yaml; rollout undo ...")."""
    grouped: dict[float, list[str]] = {}
    for t, text in panel.commands:
        grouped.setdefault(t, []).append(text)
    return [(t, "; ".join(v)) for t, v in sorted(grouped.items())]


def _draw(ax, panel: Panel, titles: dict, prefix: str, heading: str = "") -> dict:
    """Draw one panel on `ax` under `heading`; return label -> handle; fill `titles` with gid -> hover text."""
    handles = {}
    samples = panel.samples
    cmds = _commands(panel)
    times = [s.t for s in samples]
    end = max(times[-1:] + [t for t, _ in cmds] + [0.0])
    start = min(times[:1] + [t for t, _ in cmds] + [end])
    times_ext = times + [end + max(1.0, (end - start) * 0.06)]
    series = _series(panel)
    spread = 0.09
    for k, (key, label, colour, marker, ys) in enumerate(series):
        off = spread * (k - (len(series) - 1) / 2)
        dashed = key.startswith("svc:") or key == "terminating"
        (line,) = ax.step(times_ext, [y + off for y in ys + ys[-1:]], where="post", color=colour, linewidth=1.4 if dashed else 2.2,
                          linestyle="--" if key.startswith("svc:") else (":" if key == "terminating" else "-"), label=label)
        gid = f"{prefix}-line{k}"
        line.set_gid(gid)
        titles[gid] = f"{label}: " + ", ".join(f"{y} at {t:g}s" for i, (t, y) in enumerate(zip(times, ys)) if i == 0 or ys[i - 1] != y)
        handles.setdefault(label, line)
        for i, (t, y) in enumerate(zip(times, ys)):
            if i and ys[i - 1] == y:
                continue
            (pt,) = ax.plot([t], [y + off], marker=marker, color=colour, markersize=5, linestyle="none")
            pgid = f"{prefix}-pt{k}-{i}"
            pt.set_gid(pgid)
            titles[pgid] = f"t = {t:g} s ({panel.clock}): {label} = {y}"
    for j, (t, text) in enumerate(cmds):
        ax.axvline(t, color="#444444", linewidth=0.8, linestyle=(0, (2, 2)))
        num = ax.annotate(str(j + 1), xy=(t, 1.0), xycoords=("data", "axes fraction"), xytext=(0, 3 + 9 * (j % 2)), textcoords="offset points",
                          fontsize=8, fontweight="bold", color="#222222", ha="center", annotation_clip=False)
        gid = f"{prefix}-cmd{j}"
        num.set_gid(gid)
        titles[gid] = f"t = {t:g} s: {text}"
    if cmds:  # the numbered lines under the time axis, where long commands cannot cover each other
        listing = "\n".join(f"{j + 1}. {_shorten(text, COMMAND_WIDTH)}   (at {t:g} s)" for j, (t, text) in enumerate(cmds))
        ax.annotate(listing, xy=(0, 0), xycoords="axes fraction", xytext=(0, -36), textcoords="offset points", va="top", fontsize=7.5,
                    color="#222222", linespacing=1.4, annotation_clip=False)
    ax.set_xlabel(time_label(panel.clock))
    ax.set_ylabel("pods / endpoints")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set_ylim(bottom=-0.4)
    ax.set_xlim(left=start - max(0.5, (end - start) * 0.02), right=times_ext[-1])
    ax.grid(True, alpha=0.3)
    heading = "\n".join(filter(None, [heading, f"{panel.driver} driver ({panel.clock} time)" if panel.driver else ""]))
    if heading:  # above the commands' numbers
        ax.set_title(heading, fontsize=10, loc="left", pad=(24 if cmds else 6))
    return handles


def figure(panels: list[Panel], title: str = "", titles: dict | None = None):
    """The matplotlib figure of `panels` side by side, legend outside; `titles` gets gid -> hover text."""
    titles = {} if titles is None else titles
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    listed = max((len(_commands(p)) for p in panels), default=0)  # lines listed under the time axes
    fig, axes = plt.subplots(1, len(panels), figsize=(6.4 * len(panels), 3.4 + 0.16 * listed), dpi=110, sharey=True, squeeze=False)
    handles: dict = {}
    for n, (ax, panel) in enumerate(zip(axes[0], panels)):
        handles.update({k: v for k, v in _draw(ax, panel, titles, f"p{n}", title if n == 0 else "").items() if k not in handles})
    fig.legend(list(handles.values()), list(handles.keys()), loc="upper left", bbox_to_anchor=(1.0, 0.95), fontsize="small", frameon=False)
    fig.tight_layout()
    return fig


_RC = {"svg.fonttype": "none", "font.family": "DejaVu Sans"}


def chart_svg(panels: list[Panel], title: str = "", salt: str = "kubesim") -> str:
    """The chart as an SVG element (no XML prologue) with hover ``<title>``s; ids are unique per `salt`."""
    import matplotlib
    import matplotlib.pyplot as plt

    titles: dict[str, str] = {}
    with matplotlib.rc_context({**_RC, "svg.hashsalt": salt, "svg.id": None}):
        fig = figure(panels, title, titles)
        buf = io.StringIO()
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})  # no timestamp: same panels, same SVG
        plt.close(fig)
    return _add_titles(buf.getvalue(), titles, salt)


def _add_titles(svg: str, titles: dict[str, str], salt: str) -> str:
    from html import escape

    svg = svg[svg.index("<svg") :]
    slug = "c" + hashlib.sha1(salt.encode()).hexdigest()[:10]
    for gid, text in titles.items():
        svg = svg.replace(f'<g id="{gid}">', f'<g id="{slug}-{gid}" class="hover"><title>{escape(text)}</title>', 1)
    return svg


def plot(samples: list[Sample], out_path: str, title: str = "", replicasets: dict | None = None, commands=(), clock: str = "logical", driver: str = "") -> None:
    """Write the chart of one run to `out_path` (SVG with hover titles, or PNG, by suffix)."""
    panel = Panel(samples, replicasets or {}, tuple(commands), clock, driver)
    if out_path.endswith(".svg"):
        with open(out_path, "w", encoding="utf-8") as f:
            f.write('<?xml version="1.0" encoding="utf-8"?>\n' + chart_svg([panel], title, salt=out_path))
        return
    import matplotlib
    import matplotlib.pyplot as plt

    with matplotlib.rc_context(_RC):
        fig = figure([panel], title, {})
        fig.savefig(out_path, bbox_inches="tight")
        plt.close(fig)
