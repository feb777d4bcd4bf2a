"""The request layer: an observation before and after one user request."""

from __future__ import annotations

from kubesim.driver import Observation

from ..readers import deployment_template_key, name_of, revision_of, rs_template_key, uid_of
from ..registry import Request, Violation, invariant
from ..view import view


@invariant("request")
def undo_restores_previous_revision(before: Observation, request: Request, after: Observation) -> list[Violation]:
    """`rollout undo` puts the template of the previous (or the named) revision back.

    Upstream (kubectl `DeploymentRollbacker.Rollback`): without ``--to-revision`` the target
    is the ReplicaSet with the second-highest revision number, else the one with that
    number; its template (minus pod-template-hash) replaces the Deployment's. The
    controller then re-uses that ReplicaSet under the next revision number (see
    `revision_bumps_to_next_number`).
    """
    if request.verb != "rollout undo":
        return []
    d0, d1 = before.get("Deployment", request.name), after.get("Deployment", request.name)
    if d0 is None or d1 is None:
        return []
    v = view(before)
    rss = v.rss_of.get(uid_of(d0), ())
    revs = sorted({revision_of(rs) for rs in rss})
    to = request.args.get("to_revision", 0)
    target_rev = to if to else (revs[-2] if len(revs) >= 2 else None)
    target = next((rs for rs in rss if revision_of(rs) == target_rev), None)
    if target is None:
        return []
    if deployment_template_key(d1) != rs_template_key(target):
        cur = next((rs for rs in rss if rs_template_key(rs) == deployment_template_key(d1)), None)
        got = f"the template of revision {revision_of(cur)} ({name_of(cur)})" if cur is not None else "a template of no known revision"
        return [
            Violation(
                "undo_restores_previous_revision",
                f"Deployment/{request.name}",
                after.time,
                f"undo{' --to-revision=' + str(to) if to else ''} with revisions {revs} should restore revision {target_rev} ({name_of(target)}); the Deployment got {got}",
            )
        ]
    return []
