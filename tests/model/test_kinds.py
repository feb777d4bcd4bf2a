"""The kind declarations (`model/kinds.py`) against a v1.36 server's discovery, and every table that reads them."""

from __future__ import annotations

import pytest

from kubesim.model import kinds
from kubesim.model.validation import DEFAULTERS, SCHEMAS, VALIDATORS

# `kubectl api-resources -o wide` on the v1.36 control plane of cluster/ (the core rows of these kinds):
# NAME, SHORTNAMES, APIVERSION, NAMESPACED, KIND, and whether CATEGORIES holds "all".
DISCOVERY = [
    ("configmaps", "cm", "v1", True, "ConfigMap", False),
    ("endpoints", "ep", "v1", True, "Endpoints", False),
    ("events", "ev", "v1", True, "Event", False),
    ("namespaces", "ns", "v1", False, "Namespace", False),
    ("pods", "po", "v1", True, "Pod", True),
    ("services", "svc", "v1", True, "Service", True),
    ("deployments", "deploy", "apps/v1", True, "Deployment", True),
    ("replicasets", "rs", "apps/v1", True, "ReplicaSet", True),
]


def test_the_declarations_are_the_servers_discovery_rows_in_its_order():
    """On `api-resources`, a v1.36 server lists these rows, the core group first and each group by name."""
    rows = [(k.plural, ",".join(k.short_names), k.api_version, k.namespaced, k.kind, k.all_category)
            for k in sorted(kinds.KIND_LIST, key=lambda k: k.discovery_order)]
    assert rows == DISCOVERY


@pytest.mark.parametrize(("word", "kind"), [
    ("po", "Pod"), ("PODS", "Pod"), ("deploy", "Deployment"), ("deployments.apps", "Deployment"),
    ("replicaset.apps", "ReplicaSet"), ("rs", "ReplicaSet"), ("ep", "Endpoints"), ("endpoints", "Endpoints"),
    ("svc", "Service"), ("cm", "ConfigMap"), ("ns", "Namespace"), ("ev", "Event"), ("deployment.extensions", None),
    ("deploymentz", None),
])
def test_kubectl_resolves_the_short_singular_plural_and_group_qualified_words(word, kind):
    """kubectl's RESTMapper matches a resource word case-insensitively by short name, singular, plural or `.group`."""
    assert kinds.kind_of(word) == kind


def test_the_names_kubectl_prints_and_the_rest_paths():
    """`deployment.apps/web` for `-o name`; `deployments.apps` in NotFound; `/apis/apps/v1/namespaces/x/...` paths."""
    d, ns = kinds.KINDS["Deployment"], kinds.KINDS["Namespace"]
    assert (d.prefix, d.resource, d.path("x", "web")) == ("deployment.apps", "deployments.apps", "/apis/apps/v1/namespaces/x/deployments/web")
    assert (ns.prefix, ns.resource, ns.path("x", "web")) == ("namespace", "namespaces", "/api/v1/namespaces/web")
    assert kinds.KINDS["Pod"].path("x") == "/api/v1/namespaces/x/pods"
    assert kinds.ALL_KINDS == ("Pod", "Service", "Deployment", "ReplicaSet")  # `kubectl get all`'s order


def test_every_kind_apply_accepts_has_a_schema_defaults_and_validation():
    """A kind that `apply -f` accepts is decoded, defaulted and validated; no other kind is."""
    accepted = {k.kind for k in kinds.KIND_LIST if k.manifests}
    assert {kind for _, kind in SCHEMAS} == set(DEFAULTERS) == set(VALIDATORS) == accepted
    assert set(SCHEMAS) == set(kinds.SERVED_KINDS)


def test_every_kind_has_a_table_printer_and_every_kind_but_events_a_describer():
    from kubesim.cli.describe import DESCRIBERS
    from kubesim.cli.printers import TABLES

    assert set(TABLES) == set(kinds.KINDS)
    assert set(DESCRIBERS) == set(kinds.KINDS) - {"Event"}
