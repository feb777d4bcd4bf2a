"""Timelines: what a rollout looks like over time, extracted from observations.

A `Sample` summarises one observation for people and charts: pods per ReplicaSet
(running or starting, and terminating), ReplicaSet sizes and availability, and the
ready endpoints of each Service. `changes` keeps only the samples where something
visible changed. Works on observations from any driver.
"""

from __future__ import annotations

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


def plot(samples: list[Sample], out_path: str, title: str = "") -> None:
    """Draw pods per ReplicaSet and ready endpoints over time (SVG or PNG by suffix)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 3.6), dpi=110)
    times = [s.t for s in samples]
    if samples:
        times_ext = times + [times[-1] + max(1.0, (times[-1] - times[0]) * 0.05)]
    else:
        times_ext = []
    for name in sorted({n for s in samples for n in s.rs_spec}):
        ys = [s.pods.get(name, 0) for s in samples]
        ax.step(times_ext, ys + ys[-1:], where="post", label=f"pods of {name}", linewidth=2)
    term = [sum(s.terminating.values()) for s in samples]
    if any(term):
        ax.step(times_ext, term + term[-1:], where="post", label="terminating", linestyle=":", color="grey")
    for svc in sorted({n for s in samples for n in s.ready_endpoints}):
        ys = [s.ready_endpoints.get(svc, 0) for s in samples]
        ax.step(times_ext, ys + ys[-1:], where="post", label=f"ready endpoints of {svc}", linestyle="--", color="black")
    ax.set_xlabel("time (s)")
    ax.set_ylabel("count")
    ax.yaxis.get_major_locator().set_params(integer=True)
    if title:
        ax.set_title(title)
    ax.legend(loc="best", fontsize="small")
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(out_path)
    plt.close(fig)
