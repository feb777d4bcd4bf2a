"""Hypothesis fuzzing of the loader, of `admit` and of the command line.

Only `ManifestError` may escape `load_documents`/`load_each` (and `load_each` returns, never raises), only
`ApiError` may escape `admit`, and `kubesim.cli.main` never lets an exception out nor prints "Traceback".
Inputs: random text and bytes, YAML-ish text, random JSON trees under served kinds, and random mutations
of the article's manifests (features/manifests/*.yaml), also run through `kubesim apply`.

Profiles: the default is derandomized and fast; ``KUBESIM_PROFILE=thorough`` runs 10,000 examples per test.
"""

from __future__ import annotations

import contextlib
import copy
import io
import os
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kubesim.cli import main
from kubesim.model.errors import ApiError, ManifestError
from kubesim.model.manifest import SERVED_KINDS, Document, load_documents, load_each
from kubesim.model.validation import admit

from .conftest import record

from kubesim.tour import ARTICLE
THOROUGH = os.environ.get("KUBESIM_PROFILE") == "thorough"


def _settings(ci_examples: int) -> settings:
    return settings(max_examples=10_000 if THOROUGH else ci_examples, derandomize=not THOROUGH, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck), print_blob=True)


class Counter:
    def __init__(self, name: str) -> None:
        self.name, self.tried = name, 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        # Hypothesis re-raises the minimal failing example after shrinking: count the run as not clean.
        record("fuzzing", self.name, self.tried, 0 if exc[0] else self.tried)


def check_loader(data) -> list:
    items = load_each(data, "fuzz.yaml")
    assert all(isinstance(i, (Document, ManifestError)) for i in items)
    for i in items:
        if isinstance(i, ManifestError):
            assert i.message and i.source == "fuzz.yaml"
    try:
        docs = load_documents(data, "fuzz.yaml")
    except ManifestError:
        docs = None
    if docs is not None:
        assert all(isinstance(d, Document) and isinstance(d.obj, dict) for d in docs)
    return [i for i in items if isinstance(i, Document)]


def check_admit(obj) -> None:
    try:
        out = admit(obj)
    except ApiError as err:
        assert err.message
        return
    assert isinstance(out, dict)


YAML_ALPHABET = st.sampled_from(list("abc:-_ \n\t[]{},&*!|>'\"#%@`?.0123456789") + ["---\n", "apiVersion: v1\n", "kind: ConfigMap\n",
                                                                                 "metadata:\n  name: x\n", "data:\n", "  ", "\xff", "é", "~", "null"])
yamlish = st.lists(YAML_ALPHABET, max_size=60).map("".join)

scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True, allow_infinity=True),
                    st.text(max_size=12), st.sampled_from(["25%", "150%", "abc%", "-1", "0%", "web", "Always", "NodePort", "app"]))
FIELD_NAMES = ["metadata", "name", "labels", "spec", "replicas", "selector", "matchLabels", "template", "containers", "image",
               "ports", "nodePort", "port", "data", "strategy", "rollingUpdate", "maxSurge", "maxUnavailable", "type", "env",
               "envFrom", "configMapRef", "volumes", "configMap", "items", "binaryData", "namespace", "annotations", "x"]
trees = st.recursive(scalars, lambda kids: st.one_of(st.lists(kids, max_size=4),
                                                      st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=6), kids, max_size=5)),
                     max_leaves=30)


@st.composite
def served_objects(draw):
    api_version, kind = draw(st.sampled_from(sorted(SERVED_KINDS)))
    obj = draw(st.dictionaries(st.sampled_from(FIELD_NAMES), trees, max_size=5))
    obj.update(apiVersion=api_version, kind=kind)
    return obj


ARTICLE_OBJS = [yaml.safe_load(p.read_text()) for p in sorted(ARTICLE.glob("*.yaml"))]


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


@st.composite
def mutated_article(draw):
    """An article manifest with 1-3 random edits: a value replaced, a key removed, or a key added."""
    obj = copy.deepcopy(draw(st.sampled_from(ARTICLE_OBJS)))
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(obj))
        path = draw(st.sampled_from(paths))
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        parent = obj
        for step in path[:-1]:
            parent = parent[step]
        if not path:
            if action == "replace":
                obj = draw(trees)
                if not isinstance(obj, dict):
                    return obj
            continue
        key = path[-1]
        if action == "replace":
            parent[key] = draw(trees)
        elif action == "delete":
            del parent[key]
        elif isinstance(parent[key], dict):
            parent[key][draw(st.sampled_from(FIELD_NAMES))] = draw(trees)
        if not isinstance(obj, dict):
            break
    return obj


def _dump(obj) -> str:
    return yaml.safe_dump(obj, sort_keys=False, allow_unicode=True)


@_settings(150)
@given(st.text(max_size=200))
def test_loader_on_random_text(text):
    with Counter("loader: random text") as c:
        c.tried += 1
        check_loader(text)


@_settings(300)
@given(st.binary(max_size=200))
def test_loader_on_random_bytes(data):
    with Counter("loader: random bytes") as c:
        c.tried += 1
        check_loader(data)


@_settings(300)
@given(yamlish)
def test_loader_on_yaml_like_text(text):
    with Counter("loader: YAML-like text") as c:
        c.tried += 1
        for doc in check_loader(text):
            check_admit(doc.obj)


@_settings(100)
@given(served_objects())
def test_admit_on_random_trees(obj):
    with Counter("admit: random trees") as c:
        c.tried += 1
        check_admit(obj)
        for doc in check_loader(_dump(obj)):
            check_admit(doc.obj)


@_settings(200)
@given(mutated_article())
def test_loader_and_admit_on_mutated_article_manifests(obj):
    with Counter("loader+admit: mutated article") as c:
        c.tried += 1
        check_admit(obj)
        for doc in check_loader(_dump(obj)):
            check_admit(doc.obj)


def run_cli(argv: list[str]) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)  # an exception escaping main fails the test
    text = out.getvalue() + err.getvalue()
    assert "Traceback" not in text
    assert isinstance(code, int)
    return code, text


@_settings(40)
@given(st.lists(mutated_article(), min_size=1, max_size=3))
def test_cli_apply_on_mutated_article_manifests(tmp_path_factory, objs):
    with Counter("CLI: apply mutated article") as c:
        c.tried += 1
        d = tmp_path_factory.mktemp("cli")
        (d / "m.yaml").write_text("---\n".join(_dump(o) for o in objs))
        state = str(d / "s.json")
        code, text = run_cli(["--state", state, "apply", "-f", str(d / "m.yaml")])
        if code:
            assert "m.yaml" in text or "no objects passed to apply" in text
        run_cli(["--state", state, "get", "all,cm,ep", "-o", "json"])


WORDS = ["apply", "-f", "get", "describe", "delete", "scale", "set", "image", "rollout", "status", "history", "undo", "restart",
         "pause", "resume", "exec", "--", "printenv", "cat", "advance", "timeline", "-o", "json", "yaml", "wide", "name",
         "deploy", "deployment/mc-user", "po", "svc", "cm", "ep", "ns", "all", "rs", "mc-user", "--replicas", "3", "-1", "x",
         "-n", "other", "--to-revision", "2", "--no-settle", "--timeline", "10s", "-5s", "mc-user=nginx", "=", "-A",
         "--cascade", "orphan", "/etc/x", "deploy.yaml", "cm.yaml", "missing.yaml", "--revision", "99", "-w", "false", ""]


@_settings(60)
@given(st.lists(st.lists(st.sampled_from(WORDS), max_size=7), min_size=1, max_size=4))
def test_cli_on_random_command_lines(tmp_path_factory, commands):
    with Counter("CLI: random command lines") as c:
        c.tried += 1
        d = tmp_path_factory.mktemp("argv")
        for name in ("deploy.yaml", "cm.yaml"):
            (d / name).write_bytes((ARTICLE / name).read_bytes())
        state = str(d / "s.json")
        cwd = os.getcwd()
        os.chdir(d)
        try:
            run_cli(["--state", state, "apply", "-f", "deploy.yaml"])
            for argv in commands:
                run_cli(["--state", state, *argv])
        finally:
            os.chdir(cwd)
