"""Tests for model/manifest.py: how `kubectl apply -f` reads a manifest stream, and what it refuses.

Expectations come from kubectl/apimachinery sources named per case: `YAMLReader.Read` and `ToJSON`
(k8s.io/apimachinery/pkg/util/yaml), go-yaml v2 `resolve` and `parser.fail`, kubectl
`validation.getObjectKind`, cli-runtime `StreamVisitor` / `infoForData`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kubesim.model.errors import ManifestError
from kubesim.model.manifest import Document, load_documents, load_each

from kubesim.tour import ARTICLE
SUFFIX = "if you choose to ignore these errors, turn validation off with --validate=false"


def _error(text: str | bytes, source: str = "x.yaml") -> ManifestError:
    with pytest.raises(ManifestError) as info:
        load_documents(text, source)
    return info.value


# ------------------------------------------------------------------------------------- the article


@pytest.mark.parametrize("name", ["rs.yaml", "svc-31001.yaml", "deploy.yaml", "deploy-v11.yaml", "svc-31000.yaml",
                                  "cm.yaml", "cm-original.yaml", "deploy-envfrom.yaml", "rs-no-selector.yaml"])
def test_article_manifests_load(name):
    """On each of the article's apps/v1 and v1 manifests, one document with its kind and name is read."""
    docs = load_documents((ARTICLE / name).read_bytes(), name)
    assert len(docs) == 1
    assert docs[0].index == 0 and docs[0].source == name
    assert docs[0].obj["metadata"]["name"] in ("mc-user", "mc-user-config")


def test_article_unquoted_password_stays_a_number():
    """On the article's ConfigMap, unquoted 123456 is a YAML int; the loader keeps it (the server rejects it)."""
    doc = load_documents((ARTICLE / "cm-original.yaml").read_text(), "cm.yaml")[0]
    assert doc.obj["data"]["DATASOURCE_PASSWORD"] == 123456


def test_article_extensions_v1beta1_replicaset_is_not_mapped():
    """On the article's extensions/v1beta1 ReplicaSet, kubectl fails REST mapping (C04; infoForData)."""
    err = _error((ARTICLE / "rs-original.yaml").read_text(), "rs.yaml")
    assert err.message == (
        'resource mapping not found for name: "mc-user" namespace: "" from "rs.yaml": '
        'no matches for kind "ReplicaSet" in version "extensions/v1beta1"\nensure CRDs are installed first'
    )
    assert (err.source, err.document_index, err.kind, err.name) == ("rs.yaml", 0, "ReplicaSet", "mc-user")


# ------------------------------------------------------------------------------------- streams

def test_multi_document_stream_keeps_indices_and_skips_empty_documents():
    """On a stream with a comment-only document, that document is skipped but still counted (StreamVisitor)."""
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\n# nothing\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\n"
    docs = load_documents(text, "s.yaml")
    assert [(d.index, d.obj["kind"]) for d in docs] == [(0, "ConfigMap"), (2, "Pod")]
    assert isinstance(docs[0], Document)


def test_leading_separator_does_not_make_a_document():
    """On a stream opening with `---`, YAMLReader returns no empty chunk, so the first object has index 0."""
    docs = load_documents("---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n")
    assert docs[0].index == 0 and docs[0].source == "-"


def test_list_kind_expands_into_items():
    """On `kind: List`, every item becomes a document with the list's index (FlattenListVisitor)."""
    text = ("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n"
            "- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: b}\n")
    docs = load_documents(text)
    assert [(d.index, d.obj["kind"]) for d in docs] == [(0, "ConfigMap"), (0, "Deployment")]


def test_unknown_kind_in_a_list_is_unable_to_recognize():
    """On an unserved kind among a List's items, cli-runtime's `infoForObject` says `unable to recognize` and the
    NoKindMatchError, without file or name (kubectl v1.36.3); a document of its own gets `infoForData`'s words."""
    text = ("apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: a}\n"
            "- apiVersion: v1\n  kind: Secretz\n  metadata: {name: b}\n---\napiVersion: v1\nkind: Secretz\nmetadata: {name: c}\n")
    good, in_list, alone = load_each(text, "l.yaml")
    assert isinstance(good, Document) and good.obj["kind"] == "ConfigMap"
    assert in_list.message == 'unable to recognize no matches for kind "Secretz" in version "v1"'
    assert in_list.list_item and in_list.document_index == 0 and in_list.name == "b"
    assert alone.message.startswith('resource mapping not found for name: "c" namespace: "" from "l.yaml"')
    assert not alone.list_item


def test_load_each_continues_past_a_kind_error():
    """On two documents where the first has an unserved kind, `load_each` reports it and still reads the second."""
    text = "apiVersion: extensions/v1beta1\nkind: ReplicaSet\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\n"
    first, second = load_each(text, "m.yaml")
    assert isinstance(first, ManifestError) and isinstance(second, Document) and second.index == 1


@pytest.mark.parametrize("scalar, expected", [
    ("y", True), ("no", False), ("on", True), ("OFF", False),     # go-yaml v2 resolve table (y/n are booleans)
    ("1:30", "1:30"),                                             # no YAML 1.1 base-60 in go-yaml
    ("017", 15), ("0x1F", 31), ("1_000", 1000),                   # strconv.ParseInt(s, 0, 64) after removing "_"
    ("1.5", 1.5), ("2001-12-14", "2001-12-14"),                   # timestamps stay strings into interface{}
    ("~", None), ('"123456"', "123456"), ("'true'", "true"),
], ids=lambda v: repr(v))
def test_scalars_resolve_as_go_yaml_v2(scalar, expected):
    """On a plain or quoted scalar, the value is what go-yaml v2 gives for interface{} (then JSON)."""
    doc = load_documents(f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: a}}\ndata:\n  k: {scalar}\n")[0]
    assert doc.obj["data"]["k"] == expected


def test_non_string_map_keys_become_strings():
    """On integer and boolean keys, sigs.k8s.io/yaml turns them into JSON strings."""
    doc = load_documents("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata:\n  1: a\n  true: b\n")[0]
    assert doc.obj["data"] == {"1": "a", "true": "b"}


# ------------------------------------------------------------------------------------- refusals

@pytest.mark.parametrize("text, message", [
    # go-yaml scanner error: problem line (0-based) + 1.
    ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a: b\n",
     "error parsing x.yaml: error converting YAML to JSON: yaml: line 4: mapping values are not allowed in this context"),
    # go-yaml prints no line when the problem is on the first line.
    ("a: b: c\n", "error parsing x.yaml: error converting YAML to JSON: yaml: mapping values are not allowed in this context"),
    # YAMLReader: only a comment may follow a separator.
    ("a: 1\n--- b\n", "error parsing x.yaml: invalid Yaml document separator: b"),
], ids=["scanner-line", "first-line", "separator"])
def test_yaml_syntax_errors_use_kubectl_wording(text, message):
    """On malformed YAML, the message is kubectl's `error parsing <file>: ...` (after its `error: ` prefix)."""
    err = _error(text)
    assert err.message == message and err.source == "x.yaml"


def test_parser_error_line_is_go_yaml_s():
    """On a parser (not scanner) error, go-yaml reports the 0-based problem line, as its `fail` does."""
    err = _error("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n labels: x\n")
    assert err.message.startswith("error parsing x.yaml: error converting YAML to JSON: yaml: line 4: ")


def test_line_numbers_count_from_the_document_chunk():
    """On an error in the second document, the line counts from that chunk, as YAMLReader hands it to ToJSON."""
    err = _error("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\nb: c: d\n")
    assert err.message.endswith("yaml: mapping values are not allowed in this context") and err.document_index == 1


def test_non_utf8_bytes():
    """On bytes that are not UTF-8, go-yaml's reader error is reported."""
    err = _error(b"apiVersion: v1\nkind: ConfigMap\ndata:\n  k: \xff\n")
    assert err.message == "error parsing x.yaml: error converting YAML to JSON: yaml: invalid leading UTF-8 octet"


@pytest.mark.parametrize("text, detail", [
    ("metadata: {name: a}\n", "[apiVersion not set, kind not set]"),
    ("apiVersion: v1\nmetadata: {name: a}\n", "kind not set"),
    ("kind: Pod\n", "apiVersion not set"),
    ("- a\n- b\n", "invalid object to validate"),
    ("just a string\n", "invalid object to validate"),
], ids=["both", "kind", "apiVersion", "list", "scalar"])
def test_missing_type_information(text, detail):
    """On a document without apiVersion/kind or not a mapping, kubectl's `getObjectKind` errors are aggregated."""
    assert _error(text).message == f'error validating "x.yaml": error validating data: {detail}; {SUFFIX}'


@pytest.mark.parametrize("api_version, kind", [("v1", "Deployment"), ("apps/v1beta1", "Deployment"),
                                               ("batch/v1", "Job"), ("apps/v1", "Pod")])
def test_unserved_kinds_are_not_mapped(api_version, kind):
    """On a kind the simulated server does not serve, kubectl's "no matches for kind" error names the object."""
    err = _error(f"apiVersion: {api_version}\nkind: {kind}\nmetadata:\n  name: w\n  namespace: ns\n", "f.yaml")
    assert err.message == (f'resource mapping not found for name: "w" namespace: "ns" from "f.yaml": no matches for '
                           f'kind "{kind}" in version "{api_version}"\nensure CRDs are installed first')


# ------------------------------------------------------------------------------------- safety

def test_billion_laughs_is_refused():
    """On an alias bomb, the loader fails like go-yaml ("excessive aliasing") without expanding it."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    err = _error("\n".join(lines) + "\n")
    assert err.message == "error parsing x.yaml: error converting YAML to JSON: yaml: document contains excessive aliasing"


def test_small_alias_use_is_fine():
    """On an ordinary anchor and alias, the value is shared as go-yaml would copy it."""
    doc = load_documents("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, labels: &l {x: z}, annotations: *l}\n")[0]
    assert doc.obj["metadata"]["annotations"] == {"x": "z"}


def test_self_referencing_alias_is_refused():
    """On an alias inside its own anchor, go-yaml's "value contains itself" error is given."""
    assert "contains itself" in _error("a: &a [*a]\n").message


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000, "a:\n" + "".join(" " * (i + 1) + "a:\n" for i in range(2000))],
                         ids=["flow", "block"])
def test_deep_nesting_is_refused(text):
    """On 100k-deep flow nesting or deep block nesting, ManifestError is raised, not RecursionError."""
    assert "exceeded max depth" in _error(text).message


def test_big_input_is_refused():
    """On a 50 MB input, the loader refuses before parsing."""
    assert "kubesim reads at most" in _error(b"a: " + b"x" * (50 * 1024 * 1024)).message


def test_nothing_but_manifest_error_escapes():
    """On odd inputs (tabs, control characters, bad anchors), only ManifestError is raised."""
    for text in ["\ta: b\n", "a: \x07\n", "a: *nope\n", "? [a]\n: b\n", "a: .inf\n", "{a: [}\n"]:
        with pytest.raises(ManifestError):
            load_documents(text)
