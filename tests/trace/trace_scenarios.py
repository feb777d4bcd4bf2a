"""The request sequences of the rollout and rollback scenarios, run on the embedded model
driver with a trace recorder attached (the same recorder conformance attaches to the
cluster driver). Each function takes the driver; the sequences are the features' own:
features/rolling_update.feature, rollback.feature, rollout_strategies.feature.

``KUBESIM_PROFILE=ci`` (the default) checks a representative subset of the scenarios'
traces (a few seconds); ``KUBESIM_PROFILE=thorough`` checks every one (about ten seconds).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import yaml

from kubesim.drivers.model import ModelDriver
from kubesim.features import __file__ as _features_init
from kubesim.trace import recording

MANIFESTS = Path(_features_init).parent / "manifests"


def _manifest(name: str) -> str:
    return (MANIFESTS / name).read_text()


def _mc_user(image: str, **spec) -> str:
    body = {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "mc-user"},
        "spec": {"selector": {"matchLabels": {"app": "mc-user"}}, "minReadySeconds": 10, "replicas": 3, **spec,
                 "template": {"metadata": {"labels": {"app": "mc-user"}}, "spec": {"containers": [{"name": "mc-user", "image": image}]}}},
    }
    return yaml.safe_dump(body)


def article_background(d) -> None:
    """rolling_update.feature's Background: the article's Deployment and Service, settled."""
    d.apply(_manifest("deploy.yaml"))
    d.apply(_manifest("svc-31000.yaml"))
    d.settle(timeout=1200)


def rolled_to_v11(d) -> None:
    """rollback.feature's Background: the same, then 1.1.RELEASE rolled out."""
    article_background(d)
    d.apply(_manifest("deploy-v11.yaml"))
    d.settle(timeout=1200)


def rolling_update_default(d) -> None:
    article_background(d)
    d.apply(_manifest("deploy-v11.yaml"))
    d.settle(timeout=1200)


def rolling_update_delete_first(d) -> None:
    article_background(d)
    d.apply(_mc_user("rainbow/mc-user:1.1.RELEASE", strategy={"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}}))
    d.settle(timeout=1200)


def rolling_update_min_ready(d) -> None:
    article_background(d)
    d.set_image("mc-user", "mc-user", "rainbow/mc-user:1.1.RELEASE")
    d.advance(9)
    d.advance(3)
    d.settle(timeout=1200)


def rolling_update_stalled(d) -> None:
    article_background(d)
    d.set_image("mc-user", "mc-user", "rainbow/mc-user:1.1.RELEASE-never-ready")
    d.settle(timeout=1200)


def rollback_undo(d) -> None:
    rolled_to_v11(d)
    d.rollout_undo("mc-user")
    d.settle(timeout=1200)


def rollback_undo_twice(d) -> None:
    rollback_undo(d)
    d.rollout_undo("mc-user")
    d.settle(timeout=1200)


def rollback_to_revision(d) -> None:
    rolled_to_v11(d)
    d.set_image("mc-user", "mc-user", "rainbow/mc-user:1.2.RELEASE")
    d.settle(timeout=1200)
    d.rollout_undo("mc-user", to_revision=1)
    d.settle(timeout=1200)


def rollback_history_limit(d) -> None:
    rolled_to_v11(d)
    d.apply(_mc_user("rainbow/mc-user:1.2.RELEASE", revisionHistoryLimit=1))
    d.settle(timeout=1200)


def strategy(replicas: int, surge, unavailable):
    """rollout_strategies.feature: a Deployment "web" with this strategy, then `set image`."""

    def run(d) -> None:
        body = {
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": replicas, "minReadySeconds": 10, "selector": {"matchLabels": {"app": "web"}},
                     "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": surge, "maxUnavailable": unavailable}},
                     "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "web", "image": "example/web:1"}]}}},
        }
        d.apply(yaml.safe_dump(body))
        d.settle(timeout=1200)
        d.set_image("web", "web", "example/web:2")
        d.settle(timeout=1200)

    run.__name__ = f"strategy_{replicas}_{surge}_{unavailable}".replace("%", "pct")
    return run


SCENARIOS = [
    rolling_update_default, rolling_update_delete_first, rolling_update_min_ready, rolling_update_stalled,
    rollback_undo, rollback_undo_twice, rollback_to_revision, rollback_history_limit,
    strategy(3, "25%", "25%"), strategy(3, 0, 1), strategy(3, 1, 1), strategy(1, "25%", "25%"), strategy(2, "0%", "25%"),
    strategy(4, "25%", "25%"), strategy(5, "30%", "30%"), strategy(3, "100%", 0), strategy(10, 3, 2),
]


def record(scenario, path: Path) -> Path:
    """Run `scenario` on a fresh model driver while recording its trace to `path`."""
    d = ModelDriver()
    d.start()
    with recording(d, str(path)):
        scenario(d)
    d.stop()
    return path


THOROUGH = os.environ.get("KUBESIM_PROFILE", "ci") == "thorough"
CI_SUBSET = {"rolling_update_default", "rolling_update_delete_first", "rolling_update_stalled", "rollback_undo",
             "rollback_to_revision", "strategy_1_25pct_25pct", "strategy_10_3_2"}


def chosen_scenarios():
    return [s for s in SCENARIOS if THOROUGH or s.__name__ in CI_SUBSET]



def read_lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def write_lines(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path
