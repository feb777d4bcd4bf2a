"""The state layer: what holds in every reachable observation."""

from __future__ import annotations

from kubesim.driver import Observation

from ..readers import name_of, revision_of, rs_template_key, uid_of
from ..registry import Violation, invariant
from ..view import view


@invariant("state", reads=("Deployment", "ReplicaSet"))
def at_most_one_replicaset_per_template(obs: Observation) -> list[Violation]:
    """A Deployment controls at most one ReplicaSet per pod template (ignoring the hash label).

    Upstream: `getNewReplicaSet` re-uses the ReplicaSet whose template `EqualIgnoreHash`
    the Deployment's (`FindNewReplicaSet`, oldest first) instead of creating another one;
    rollback re-uses the old ReplicaSet rather than creating a new hash.
    """
    v = view(obs)
    out = []
    for d in v.deployments:
        seen: dict[str, str] = {}
        for rs in v.rss_of.get(uid_of(d), ()):
            k = rs_template_key(rs)
            if k in seen:
                out.append(
                    Violation("at_most_one_replicaset_per_template", f"Deployment/{name_of(d)}", obs.time, f"ReplicaSets {seen[k]} and {name_of(rs)} have the same pod template")
                )
            else:
                seen[k] = name_of(rs)
    return out


@invariant("state", reads=("Deployment", "ReplicaSet"))
def revisions_are_unique(obs: Observation) -> list[Violation]:
    """The ReplicaSets of one Deployment carry distinct revision numbers.

    Upstream: a new or re-used ReplicaSet gets `MaxRevision(oldRSs) + 1`
    (`SetNewReplicaSetAnnotations`), so a number is never given twice; re-using an old
    template moves its ReplicaSet to the top number.
    """
    v = view(obs)
    out = []
    for d in v.deployments:
        by_rev: dict[int, str] = {}
        for rs in v.rss_of.get(uid_of(d), ()):
            r = revision_of(rs)
            if r == 0:
                continue
            if r in by_rev:
                out.append(Violation("revisions_are_unique", f"Deployment/{name_of(d)}", obs.time, f"ReplicaSets {by_rev[r]} and {name_of(rs)} both have revision {r}"))
            by_rev[r] = name_of(rs)
    return out
