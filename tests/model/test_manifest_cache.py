"""The remembered reads of `model.manifest` (`_READ`): a stream read again gives what reading it afresh gives.

The independent expectation is the uncached reader itself (`_read_each`), run on the same text.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kubesim.generate import FENCEPOSTS, IMAGES, configmap_manifest, deployment_manifest
from kubesim.model import manifest
from kubesim.model.errors import ManifestError
from kubesim.model.manifest import Document, load_documents, load_each


@pytest.fixture(autouse=True)
def _fresh_cache():
    manifest._READ.clear()
    yield
    manifest._READ.clear()


def _as_data(items):
    """Comparable data of what a read gave; `repr` tells 1, 1.0 and True apart (== does not)."""
    return [(type(i).__name__, i.index, i.source, repr(i.obj)) if isinstance(i, Document) else (type(i).__name__, i.message) for i in items]


manifests = st.one_of(
    st.builds(
        deployment_manifest,
        st.sampled_from(["web", "web-canary"]), st.integers(0, 5), st.sampled_from(["RollingUpdate", "Recreate"]),
        st.sampled_from(FENCEPOSTS), st.sampled_from(FENCEPOSTS), st.sampled_from([0, 2]), st.integers(0, 3),
        st.sampled_from(IMAGES), st.sampled_from(["none", "envFrom", "keyRef"]), st.sampled_from([0, 1]),
    ),
    st.sampled_from(["red", "green"]).map(configmap_manifest),
)


@settings(max_examples=60, deadline=None)
@given(docs=st.lists(manifests, min_size=1, max_size=3), source=st.sampled_from(["-", "a.yaml"]))
def test_a_remembered_read_equals_a_fresh_one(docs, source):
    """On generated streams, the first and the second read both equal the uncached reader's, object for object."""
    manifest._READ.clear()
    text = "---\n".join(docs)
    fresh = _as_data(manifest._read_each(text, source))
    first = load_each(text, source)
    assert (text, source) in manifest._READ
    second = load_each(text, source)
    assert _as_data(first) == fresh and _as_data(second) == fresh
    assert [repr(d.obj) for d in load_documents(text, source)] == [d[3] for d in fresh]


def test_each_read_gets_its_own_objects():
    """Changing what one read returned does not change what the next read of the same text returns."""
    text = deployment_manifest("web", 2, "RollingUpdate", None, None, 0, 2, IMAGES[0], "envFrom", 0)
    first = load_documents(text)[0].obj
    first["spec"]["template"]["spec"]["containers"][0]["image"] = "changed"
    first["metadata"]["name"] = "changed"
    second = load_documents(text)[0].obj
    assert second["metadata"]["name"] == "web"
    assert second["spec"]["template"]["spec"]["containers"][0]["image"] == IMAGES[0]
    assert second is not first and second["spec"] is not first["spec"]


def test_an_alias_stays_shared_in_a_remembered_read():
    """An aliased map is one object in a fresh read (the loader attaches its anchor's value), and so in a copy."""
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: &l {k: v}, annotations: *l}\n"
    for _ in range(2):
        md = load_documents(text)[0].obj["metadata"]
        assert md["labels"] is md["annotations"] and md["labels"] == {"k": "v"}
    assert type(manifest._READ[(text, "-")][0][1]) is dict  # kept as a copy: JSON text would not show the sharing


def test_a_stream_with_an_error_is_read_afresh_each_time():
    """Errors are not remembered: each read raises its own `ManifestError` (callers annotate it)."""
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\nkind: Pod\n"
    first, second = load_each(text, "x.yaml"), load_each(text, "x.yaml")
    assert isinstance(first[-1], ManifestError) and isinstance(second[-1], ManifestError)
    assert first[-1] is not second[-1] and first[-1].message == second[-1].message
    assert (text, "x.yaml") not in manifest._READ


def test_the_source_is_part_of_the_key():
    """The same text under two names gives documents that carry their own name."""
    text = configmap_manifest("red")
    assert load_documents(text, "a.yaml")[0].source == "a.yaml"
    assert load_documents(text, "b.yaml")[0].source == "b.yaml"


def test_scalars_keep_their_types_in_a_remembered_read():
    """Integers, floats, booleans, nulls and strings that look like numbers read back as the same types and values."""
    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n"
        "x: {i: 1, f: 1.0, e: 1e3, o: 017, h: 0x1F, t: true, y: y, n: null, s: '1', big: 18446744073709551615, neg: -0.0,"
        " u: \"\\u00e9\\U0001F600\", l: [1, [2.5, {k: ~}]], empty: {}, none: []}\n"
    )
    fresh = repr(manifest._read_each(text, "-")[0].obj)
    assert repr(load_documents(text)[0].obj) == fresh
    assert type(manifest._READ[(text, "-")][0][1]) is str  # kept as JSON text
    again = load_documents(text)[0].obj
    assert repr(again) == fresh
    assert repr(again["x"]["neg"]) == "-0.0" and again["x"]["t"] is True and again["x"]["big"] == 2**64 - 1
