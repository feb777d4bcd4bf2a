"""Re-applying an unchanged object: kubectl prints `<kind>/<name> unchanged` and sends no patch.

kubectl `apply.go` (`applyOneObject`): when the three-way patch it computes is empty (`{}`) it prints the
object with the operation "unchanged" and does not call the server, so the object's resourceVersion stays.
"""

from __future__ import annotations

import json

import pytest

ARTICLE_VALID = ["rs.yaml", "svc-31001.yaml", "deploy.yaml", "svc-31000.yaml", "cm.yaml"]


def _rv(kubesim, kind: str, name: str) -> str:
    r = kubesim("get", kind, name, "-o", "json")
    assert r.code == 0, r.err
    return json.loads(r.out)["metadata"]["resourceVersion"]


@pytest.mark.parametrize("manifest", ARTICLE_VALID)
def test_reapplying_an_article_manifest_is_unchanged(kubesim, manifest):
    first = kubesim("apply", "-f", manifest)
    assert first.code == 0 and first.out.endswith(" created\n"), first.err
    ref = first.out.strip().split()[0]  # e.g. service/mc-user
    kind, name = ref.split("/")
    before = _rv(kubesim, kind.split(".")[0], name)
    again = kubesim("apply", "-f", manifest)
    assert (again.code, again.out, again.err) == (0, f"{ref} unchanged\n", "")
    assert _rv(kubesim, kind.split(".")[0], name) == before


def test_a_changed_service_is_still_configured(kubesim):
    """The Service of the article moved from nodePort 31001 to 31000: that is a change."""
    assert kubesim("apply", "-f", "svc-31001.yaml").code == 0
    before = _rv(kubesim, "svc", "mc-user")
    r = kubesim("apply", "-f", "svc-31000.yaml")
    assert r.out == "service/mc-user configured\n"
    assert _rv(kubesim, "svc", "mc-user") != before
