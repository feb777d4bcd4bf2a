"""What the steps record of one scenario for the report, and where they put it.

With ``KUBESIM_TIMELINE_DIR`` set, the `world` fixture of `kubesim.steps.common` writes one
JSON document per scenario (`write`): the driver and its clock, every command with its real
stdout, stderr and exit code (`command`), which command each step saw last, and for a
rollout (a Deployment with two ReplicaSets at once) its samples and ReplicaSet labels.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from kubesim import timeline


def timeline_id(feature_file: str, item_name: str) -> str:
    """The file stem under which a scenario's record is stored (steps write, the report reads)."""
    stem = Path(feature_file).name.removesuffix(".feature")
    return re.sub(r"[^\w.-]+", "_", f"{stem}--{item_name}")[:180]


def command(t: float, result) -> dict:
    """One command line as a shell showed it (a `kubesim.steps.kubectl.Result`), at time `t`."""
    return {"t": t, "command": result.command, "stdout": result.output, "stderr": result.error, "code": result.code}


def scenario_record(driver, observations: list, commands: list, steps: list) -> dict:
    """The report's data for one scenario; `steps` holds (step line, index of its last command)."""
    doc = {
        "driver": getattr(driver, "name", "?"),
        "clock": timeline.clock_of(driver),
        "commands": commands,
        "steps": [list(s) for s in steps],
    }
    if timeline.rollout_seen(observations):
        doc["samples"] = [s.as_dict() for s in timeline.changes(observations)]
        doc["replicasets"] = timeline.replicaset_labels(observations)
    return doc


def write(out: Path, doc: dict) -> Path:
    """Store `doc` (with ``feature_file`` and ``item``) under `out`; return the path."""
    out.mkdir(parents=True, exist_ok=True)
    doc["id"] = timeline_id(doc["feature_file"], doc["item"])
    path = out / f"{doc['id']}.json"
    path.write_text(json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False), encoding="utf-8")
    return path
