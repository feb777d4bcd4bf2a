"""The legacy controller-side rollback (`deprecated.deployment.rollback.to` annotation).

Mirrors `pkg/controller/deployment/rollback.go`. `kubectl rollout undo` does not use it
any more (see `model/kubectl.py`), but upstream's e2e "iterative rollouts" still does.
"""

from __future__ import annotations

from ..state import ClusterState
from ..events import record_event
from ..store import update
from . import util as u
from .sync import COMPONENT, get_all_replica_sets_and_sync_revision


def rollback(st: ClusterState, d: dict, rs_list: list[dict]) -> ClusterState:
    """`rollback`: copy the template of the requested revision (0 = the previous one)."""
    st, d, new_rs, old_rss = get_all_replica_sets_and_sync_revision(st, d, rs_list, True)
    all_rss = [rs for rs in old_rss + [new_rs] if rs is not None]
    try:
        target = int((d["metadata"].get("annotations") or {}).get(u.ROLLBACK_TO, "0"))
    except ValueError:
        target = 0
    if target == 0:
        target = u.last_revision(all_rss)
        if target == 0:
            st = record_event(st, d, "Warning", "DeploymentRollbackRevisionNotFound", "Unable to find last revision.", COMPONENT)
            return _clear_rollback_to(st, d, None)
    for rs in all_rss:
        if u.revision(rs) == target:
            if u.equal_ignore_hash(d["spec"]["template"], rs["spec"]["template"]):
                st = record_event(st, d, "Warning", "DeploymentRollbackTemplateUnchanged", f"The rollback revision contains the same template as current deployment \"{d['metadata']['name']}\"", COMPONENT)
                return _clear_rollback_to(st, d, None)
            st = _clear_rollback_to(st, d, u.template_without_hash(rs["spec"]["template"]))
            d = st.get("Deployment", d["metadata"]["namespace"], d["metadata"]["name"])
            return record_event(st, d, "Normal", "DeploymentRollback", f"Rolled back deployment \"{d['metadata']['name']}\" to revision {target}", COMPONENT)
    st = record_event(st, d, "Warning", "DeploymentRollbackRevisionNotFound", "Unable to find the revision to rollback to.", COMPONENT)
    return _clear_rollback_to(st, d, None)


def _clear_rollback_to(st: ClusterState, d: dict, template: dict | None) -> ClusterState:
    ann = {k: v for k, v in (d["metadata"].get("annotations") or {}).items() if k != u.ROLLBACK_TO}
    md = {**d["metadata"], "annotations": ann}
    if not ann:
        md.pop("annotations")
    spec = d["spec"] if template is None else {**d["spec"], "template": template}
    st, _ = update(st, {**d, "metadata": md, "spec": spec})
    return st
