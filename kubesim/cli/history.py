"""What `kubectl rollout history` prints for a Deployment, from its ReplicaSets by revision.

Mirrors `kubectl/pkg/polymorphichelpers/history.go` (`DeploymentHistoryViewer.ViewHistory`) and the name printer
of `rollout_history.go`, which puts ``deployment.apps/NAME`` and the revision it was asked for before the text.
"""

from __future__ import annotations

from .common import UserError
from .describe import _Out, _pod_template
from .tabwriter import layout


def history_text(name: str, by_revision: dict[int, dict], revision: int = 0) -> str:
    """Return the history of Deployment `name` whose ReplicaSets are `by_revision`; with `revision`, that revision's
    pod template. An empty history answers before `revision` is looked at (`ViewHistory`); a revision it lacks is an
    error (``unable to find the specified revision``)."""
    if not by_revision:
        return f"deployment.apps/{name} {f'with revision #{revision}' if revision else ''}\nNo rollout history found."
    if revision:
        rs = by_revision.get(revision)
        if rs is None:
            raise UserError("error: unable to find the specified revision")
        out = _Out()
        _pod_template(out, rs["spec"]["template"])
        return f"deployment.apps/{name} with revision #{revision}\n{''.join(out.tw._text)}"
    rows = [["REVISION", "CHANGE-CAUSE"]]
    for r in sorted(by_revision):
        rows.append([str(r), (by_revision[r]["metadata"].get("annotations") or {}).get("kubernetes.io/change-cause") or "<none>"])
    return f"deployment.apps/{name} \n{layout(rows, padding=2)}\n"
