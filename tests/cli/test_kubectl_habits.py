"""Everyday kubectl usage, run through the CLI as a user types it; each expectation names its kubectl source."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kubesim.tour import ARTICLE

LABELLED = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: a, labels: {tier: web, env: prod}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: b, labels: {tier: db, env: prod}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, labels: {tier: web}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: d}
"""


@pytest.fixture
def labelled(kubesim, tmp_path):
    (tmp_path / "labelled.yaml").write_text(LABELLED)
    assert kubesim("apply", "-f", "labelled.yaml").code == 0
    return kubesim


def _names(out: str) -> list[str]:
    return [line.split()[0] for line in out.splitlines()[1:]]


# ----- output to a closed pipe ------------------------------------------------------------------


def test_output_to_a_closed_pipe_ends_quietly(tmp_path):
    """`kubesim get pods | head -1`: kubectl (Go) is ended by SIGPIPE without a word, which a shell reports as
    exit 141; kubesim ends quietly with that code, and never prints a BrokenPipeError traceback."""
    exe = shutil.which("kubesim")
    assert exe, "the kubesim console script is installed with the package"
    env = {**os.environ, "KUBESIM_STATE": str(tmp_path / "state.json")}
    subprocess.run([exe, "apply", "-f", str(ARTICLE / "deploy.yaml")], env=env, check=True, capture_output=True)
    proc = subprocess.Popen([exe, "get", "pods,rs,deploy,svc,cm"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before kubesim writes a byte
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert err == ""


def test_a_pipe_that_reads_the_first_line_gets_it(tmp_path):
    exe = shutil.which("kubesim")
    env = {**os.environ, "KUBESIM_STATE": str(tmp_path / "state.json")}
    subprocess.run([exe, "apply", "-f", str(ARTICLE / "deploy.yaml")], env=env, check=True, capture_output=True)
    out = subprocess.run(f"'{exe}' get pods | head -1", shell=True, env=env, capture_output=True, text=True)
    assert out.stdout.split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"] and "Traceback" not in out.stderr


# ----- label selectors and label columns ----------------------------------------------------------


@pytest.mark.parametrize("selector, names", [
    # apimachinery labels.Parse grammar (selector.go): equality, inequality, set-based, existence
    ("tier=web", ["a", "c"]),
    ("tier==web", ["a", "c"]),
    ("tier!=web", ["b", "d"]),  # != also selects objects without the key
    ("tier in (web,db)", ["a", "b", "c"]),
    ("tier notin (web)", ["b", "d"]),
    ("env", ["a", "b"]),
    ("!env", ["c", "d"]),
    ("tier=web,env=prod", ["a"]),
    ("tier in (web), !env", ["c"]),
])
def test_get_with_a_label_selector(labelled, selector, names):
    r = labelled("get", "cm", "-l", selector)
    assert (r.code, r.err) == (0, "") and _names(r.out) == names


def test_selector_errors_and_names_with_a_selector(labelled):
    r = labelled("get", "cm", "-l", "tier in (web")
    # selector.go parseIdentifiersList: "found '', expected: ',' or ')'" inside "unable to parse requirement: ..."
    assert r.code == 1 and "unable to parse requirement: found '', expected: ',' or ')'" in r.err
    r = labelled("get", "cm", "a", "-l", "tier=web")
    assert (r.code, r.err) == (1, "error: name cannot be provided when a selector is specified\n")  # resource builder
    r = labelled("get", "cm", "-l", "tier=nothing")
    assert (r.code, r.out, r.err) == (0, "", "No resources found in default namespace.\n")


def test_show_labels_and_label_columns(labelled):
    """tableprinter.go: -L adds one column per key, headed by its last '/' segment upper-cased, empty where the
    label is missing; --show-labels adds LABELS last, labels.FormatLabels (sorted, <none> when empty)."""
    r = labelled("get", "cm", "a", "d", "-L", "tier", "--label-columns", "example.com/env,env", "--show-labels")
    assert r.out.splitlines() == [
        "NAME   DATA   AGE   TIER   ENV   ENV    LABELS",
        "a      0      0s    web          prod   env=prod,tier=web",
        "d      0      0s                        <none>",
    ]
    r = labelled("get", "cm", "a", "--no-headers")
    # printTable with NoHeaders: widths come from the cells alone, through GetNewTabWriter (minwidth 6, padding 3)
    assert r.out == "a     0     0s\n"


def test_describe_and_delete_with_a_selector(labelled):
    r = labelled("describe", "cm", "-l", "tier=web")
    assert [line for line in r.out.splitlines() if line.startswith("Name:")] == ["Name:         a", "Name:         c"]
    r = labelled("delete", "cm", "-l", "env=prod")
    assert r.out == 'configmap "a" deleted from default namespace\nconfigmap "b" deleted from default namespace\n'
    r = labelled("delete", "cm", "-l", "env=prod")
    assert (r.code, r.out) == (0, "No resources found\n")  # delete.go: printed on stdout when nothing matched


# ----- several TYPE/NAME arguments, comma lists, --all, --ignore-not-found -----------------------------


def test_several_kinds_and_names(labelled):
    r = labelled("get", "cm/a", "cm/c")
    assert _names(r.out) == ["a", "c"]
    r = labelled("get", "cm", "a", "b")
    assert _names(r.out) == ["a", "b"]
    r = labelled("get", "cm/a", "svc/kubernetes")  # TYPE/NAME of two kinds: one table each, names prefixed
    assert [line.split()[0] for line in r.out.splitlines() if line and not line.startswith("NAME")] == ["configmap/a", "service/kubernetes"]
    r = labelled("get", "po,svc")
    assert r.out.splitlines()[1].startswith("service/kubernetes")
    r = labelled("get", "cm", "cm/a")
    assert r.code == 1 and r.err.startswith("error: there is no need to specify a resource type as a separate argument")
    r = labelled("get", "cm/a", "b")
    assert (r.code, r.err) == (1, "error: arguments in resource/name form must have a single resource and name\n")


def test_ignore_not_found_and_delete_all(labelled):
    r = labelled("get", "cm", "a", "nope")
    assert r.code == 1 and _names(r.out) == ["a"] and r.err == 'Error from server (NotFound): configmaps "nope" not found\n'
    r = labelled("get", "cm", "nope", "--ignore-not-found")
    assert (r.code, r.out, r.err) == (0, "", "")
    r = labelled("delete", "cm", "nope", "--ignore-not-found")
    assert (r.code, r.out, r.err) == (0, "", "")
    r = labelled("delete", "cm", "--all")
    deleted = r.out.splitlines()
    assert r.code == 0 and {'configmap "a" deleted from default namespace', 'configmap "d" deleted from default namespace'} <= set(deleted)
    r = labelled("delete", "cm", "--all", "-l", "x=y")
    assert (r.code, r.err) == (1, "error: setting 'all' parameter but found a non empty selector.\n")


# ----- what kubesim does not implement ---------------------------------------------------------------


def test_kubectl_commands_kubesim_lacks_get_one_line(kubesim):
    for word in ("port-forward", "top", "cp", "drain"):
        r = kubesim(word, "x", "--whatever")
        assert r.code == 1 and r.out == ""
        assert r.err.count("\n") == 1 and r.err.startswith(f'error: kubesim does not implement "kubectl {word}"; it implements the kubectl commands ')
        assert "apply" in r.err and "usage:" not in r.err


def test_an_output_format_kubesim_lacks(kubesim):
    r = kubesim("get", "po", "-o", "go-template={{.kind}}")
    assert (r.code, r.err) == (1, 'error: kubesim does not implement the output format "go-template"; it implements json, yaml, wide, name, jsonpath, custom-columns\n')
    r = kubesim("get", "po", "-o", "bogus")  # get.go: kubectl's own message for a format nobody has
    assert r.code == 1 and r.err.startswith('error: unable to match a printer suitable for the output format "bogus", allowed formats are: ')


def test_a_missing_argument_is_one_line_not_a_usage_dump(kubesim):
    r = kubesim("scale", "deployment/mc-user")
    assert r.code == 1 and r.err.startswith("error: ") and "usage:" not in r.err and r.err.count("\n") == 2


# ----- exec -----------------------------------------------------------------------------------


def test_exec_it_is_accepted_with_a_note_and_the_articles_form_keeps_its_error(kubesim):
    assert kubesim("apply", "-f", "deploy.yaml").code == 0
    pod = kubesim("get", "po", "-o", "name").out.split()[0].split("/")[1]
    r = kubesim("exec", "-it", pod, "--", "printenv", "HOSTNAME")
    assert (r.code, r.out) == (0, f"{pod}\n")
    assert r.err == "note: kubesim's simulated containers are not interactive: -i/--stdin and -t/--tty are ignored\n"
    r = kubesim("exec", pod, "printenv")  # kubectl v1.31+ (exec.go): the form without -- is an error
    assert r.code == 1 and r.err.startswith("error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\n")


# ----- messages name the field ---------------------------------------------------------------------


def test_a_configmaps_non_string_value_names_its_key(kubesim):
    """The server's message names the Go struct field (`ConfigMap.data`, as kubectl prints it); kubesim's line
    after it names the value (the article's unquoted 123456) as the API server's `field.Path` writes a map key
    (apimachinery `validation/field/path.go`, `Path.Key`: ``data[KEY]``)."""
    r = kubesim("apply", "-f", "cm-original.yaml")
    assert r.code == 1
    assert r.err.splitlines() == [
        'Error from server (BadRequest): error when creating "cm-original.yaml": ConfigMap in version "v1" cannot be handled as a '
        "ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string",
        "(document 1 of cm-original.yaml: ConfigMap/mc-user-config, field data[DATASOURCE_PASSWORD])",
    ]


def test_map_keys_are_written_one_way_in_every_field_path(kubesim, tmp_path):
    """A key the validation refuses and a value the decoder refuses are both named `data[KEY]`, the style of the
    API server's own message (`field.Path.Key`, e.g. `data[bad key]: Invalid value`), never `data.KEY`."""
    (tmp_path / "two.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: one}\ndata: {bad key: v}\n---\n"
                                       "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: two}\ndata: {PORT: 8080}\n")
    r = kubesim("apply", "-f", "two.yaml")
    assert r.code == 1
    context = [line for line in r.err.splitlines() if line.startswith("(document ")]
    assert context == ["(document 1 of two.yaml: ConfigMap/one, field data[bad key])",
                       "(document 2 of two.yaml: ConfigMap/two, field data[PORT])"]
    assert "data[bad key]: Invalid value" in r.err and "data." not in r.err


TWO_CONTAINERS = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - {name: a, image: nginx, ports: [{containerPort: 80}]}
      - {name: b, image: nginx, ports: [{containerPort: 81}, {containerPort: 1.5}]}
"""


def test_a_list_items_wrong_type_names_its_index(kubesim, tmp_path):
    """Go's decoder stops at the first refused value (containers[1].ports[1]: `number 1.5`)."""
    (tmp_path / "two.yaml").write_text(TWO_CONTAINERS)
    r = kubesim("apply", "-f", "two.yaml")
    assert r.code == 1 and "cannot unmarshal number 1.5 into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32" in r.err
    assert r.err.splitlines()[-1] == "(document 1 of two.yaml: Deployment/web, field spec.template.spec.containers[1].ports[1].containerPort)"


def test_console_script_and_module_agree():
    out = subprocess.run([sys.executable, "-m", "kubesim.cli", "frobnicate"], capture_output=True, text=True)
    assert (out.returncode, out.stdout) == (1, "") and out.stderr.startswith('error: unknown command "frobnicate" for "kubesim"')
    assert Path(shutil.which("kubesim")).exists()


# ----- label, annotate, version, api-resources -----------------------------------------------------


def test_label_as_kubectl_label_does(kubesim):
    """label.go: KEY=VALUE adds, KEY- removes; an existing key needs --overwrite; the printer says labeled,
    unlabeled (the object shrank without --overwrite) or not labeled; removing a missing key says so."""
    assert kubesim("apply", "-f", "deploy.yaml").code == 0
    pod = kubesim("get", "po", "-o", "name").out.split()[0].split("/")[1]
    r = kubesim("label", "po", pod, "app=other")
    assert (r.code, r.err) == (1, "error: 'app' already has a value (mc-user), and --overwrite is false\n")
    r = kubesim("label", "po", pod, "tier=web")
    assert r.out == f"pod/{pod} labeled\n"
    assert kubesim("label", "po", pod, "tier=web", "--overwrite").out == f"pod/{pod} not labeled\n"
    r = kubesim("label", "po", pod, "tier-", "nope-")
    assert r.out == f'label "nope" not found.\npod/{pod} unlabeled\n'
    # relabelled out of its ReplicaSet's selector, the pod is orphaned and replaced (the change settles)
    assert kubesim("label", f"pod/{pod}", "app=other", "--overwrite").out == f"pod/{pod} labeled\n"
    assert len(kubesim("get", "po", "-l", "app=mc-user", "-o", "name").out.split()) == 3
    assert kubesim("get", "po", "-l", "app=other", "-o", "name").out == f"pod/{pod}\n"
    r = kubesim("label", "deploy", "mc-user", "Bad Key=1")
    assert r.code == 1 and r.err.startswith('The Deployment "mc-user" is invalid: metadata.labels: Invalid value: "Bad Key"')


def test_annotate_sets_the_change_cause_rollout_history_shows(kubesim):
    """annotate.go: only a different value needs --overwrite; `rollout history` shows kubernetes.io/change-cause."""
    assert kubesim("apply", "-f", "deploy.yaml").code == 0
    r = kubesim("annotate", "deployment/mc-user", "kubernetes.io/change-cause=first release")
    assert r.out == "deployment.apps/mc-user annotated\n"
    assert kubesim("annotate", "deployment/mc-user", "note=a").code == 0
    assert kubesim("annotate", "deployment/mc-user", "note=a").code == 0  # same value: no --overwrite needed
    r = kubesim("annotate", "deployment/mc-user", "note=b")
    assert (r.code, r.err) == (1, "error: --overwrite is false but found the following declared annotation(s): 'note' already has a value (a)\n")
    rs = kubesim("get", "rs", "-o", "name").out.split()[0].split("/")[1]
    assert kubesim("annotate", "rs", rs, "kubernetes.io/change-cause=first release").code == 0
    r = kubesim("rollout", "history", "deployment/mc-user")
    assert r.out == "deployment.apps/mc-user \nREVISION  CHANGE-CAUSE\n1         first release\n\n"


def test_version_and_api_resources(kubesim, tmp_path):
    r = kubesim("version")
    assert r.code == 0 and r.out.splitlines()[1] == "Server Version: v1.36.3 (simulated)"
    assert not (tmp_path / "state.json").exists()  # about kubesim, not the cluster: no state written
    r = kubesim("api-resources")
    # kubectl api-resources columns; the core group first, each group sorted by name
    assert r.out.splitlines()[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    assert [line.split()[0] for line in r.out.splitlines()[1:]] == [
        "configmaps", "endpoints", "events", "namespaces", "pods", "services", "deployments", "replicasets"]
    assert "namespaces    ns           v1           false        Namespace" in r.out


# ----- -o jsonpath, -o custom-columns, --sort-by --------------------------------------------------


def test_jsonpath_output(labelled):
    """The examples of kubectl's JSONPath reference (kubernetes.io "JSONPath Support") on the model's objects:
    several results of one action are separated by a space, range/end iterates, literals escape, filters select,
    a missing key prints nothing (get's AllowMissingKeys), and no newline is added."""
    r = labelled("get", "cm", "-l", "tier", "-o", "jsonpath={.items[*].metadata.name}")
    assert (r.code, r.out) == (0, "a b c")
    r = labelled("get", "cm", "-l", "tier", "-o", 'jsonpath={range .items[*]}{.metadata.name}{"\\t"}{.metadata.labels.tier}{"\\n"}{end}')
    assert r.out == "a\tweb\nb\tdb\nc\tweb\n"
    r = labelled("get", "cm", "-o", 'jsonpath={.items[?(@.metadata.labels.tier=="web")].metadata.name}')
    assert r.out == "a c"
    r = labelled("get", "cm", "a", "-o", "jsonpath={.metadata.labels}")
    assert r.out == '{"env":"prod","tier":"web"}'  # a map prints as JSON
    r = labelled("get", "cm", "a", "-o", "jsonpath={.metadata.nothing}")
    assert (r.code, r.out, r.err) == (0, "", "")
    r = labelled("get", "cm", "-o", "jsonpath={.items[-1:].metadata.name} {..tier}")
    assert r.out == "d web db web"
    r = labelled("get", "cm", "-o", "jsonpath={.items[}")
    assert (r.code, r.err) == (1, "error: error parsing jsonpath {.items[}, unterminated array\n")  # parser.go's message


def test_custom_columns_and_sort_by(labelled):
    """custom_column_printer.go: headers as given, several results joined by ',', <none> when missing; sorter.go."""
    r = labelled("get", "cm", "-o", "custom-columns=NAME:.metadata.name,TIER:.metadata.labels.tier", "--sort-by", "{.metadata.labels.tier}")
    assert r.out.splitlines() == [
        "NAME   TIER",
        "d      <none>",
        "b      db",
        "a      web",
        "c      web",
    ]
    r = labelled("get", "cm", "-o", "custom-columns=NAME:metadata.name", "--no-headers", "--sort-by=.metadata.name")
    assert r.out == "a\nb\nc\nd\n"
    r = labelled("get", "cm", "-o", "custom-columns=oops")
    assert r.code == 1 and r.err == "error: unexpected custom-columns spec: oops, expected <header>:<json-path-expr>\n"


# ----- apply --dry-run, logs ---------------------------------------------------------------------------


def test_apply_dry_run_prints_what_would_happen_and_writes_nothing(kubesim):
    """apply.go with --dry-run: each line ends `(dry run)` (client) or `(server dry run)`; nothing is stored."""
    assert kubesim("apply", "-f", "deploy.yaml").code == 0
    before = Path(kubesim.state).read_bytes()
    r = kubesim("apply", "-f", "deploy-v11.yaml", "-f", "cm.yaml", "--dry-run=client")
    assert (r.code, r.out) == (0, "deployment.apps/mc-user configured (dry run)\nconfigmap/mc-user-config created (dry run)\n")
    assert kubesim("apply", "-f", "cm.yaml", "--dry-run=server").out == "configmap/mc-user-config created (server dry run)\n"
    assert Path(kubesim.state).read_bytes() == before
    r = kubesim("apply", "-f", "cm-original.yaml", "--dry-run")
    assert r.code == 1 and "ConfigMap.data of type string" in r.err


def test_logs_tell_a_containers_starts_and_exits(kubesim):
    """The API server's refusals (pod strategy LogLocation): a waiting container, no previous run; a crashed
    container's previous run ends with its exit code."""
    from kubesim import model as m
    from kubesim import statefile

    with statefile.StateFile(Path(kubesim.state)) as sf:
        st, session = sf.load()
        st, _ = m.perform(st, m.SetImageBehaviour("example/crashes:1", m.ImageBehaviour(crash_after_ms=5000)))
        sf.save(st, session)
    assert kubesim("apply", "-f", "deploy.yaml", "--no-settle").code == 0
    kubesim("advance", "0s")
    pod = kubesim("get", "po", "-o", "name").out.split()[0].split("/")[1]
    r = kubesim("logs", pod)
    assert (r.code, r.err) == (1, f'Error from server (BadRequest): container "mc-user" in pod "{pod}" is waiting to start: ContainerCreating\n')
    kubesim("advance", "2s")
    r = kubesim("logs", pod)
    assert r.out == "[kubesim] mc-user (docker.io/rainbow/mc-user:1.0.RELEASE) started at 2026-01-01T00:00:01Z\n"
    r = kubesim("logs", f"pod/{pod}", "--previous")
    assert (r.code, r.err) == (1, f'Error from server (BadRequest): previous terminated container "mc-user" in pod "{pod}" not found\n')
    kubesim("set", "image", "deployment/mc-user", "mc-user=example/crashes:1")
    crashed = [p for p in kubesim("get", "po", "-o", "name").out.split() if "864fdcb6b7" not in p][0].split("/")[1]
    r = kubesim("logs", crashed, "-p")
    assert r.code == 0 and r.out.splitlines()[1].startswith("[kubesim] mc-user exited with code 1 (Error) at ")


def test_the_readme_table_lists_every_kubectl_command_kubesim_implements():
    from kubesim.cli.parser import KUBECTL_COMMANDS, build_parser

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("| command | flags and forms |", 1)[1].split("\n\n", 1)[0]
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    implemented = sorted(c for c in sub.choices if c in KUBECTL_COMMANDS)
    assert implemented and all(f"`{c}" in table for c in implemented), implemented


# ----- create deployment, expose, diff -------------------------------------------------------------------


def test_create_deployment_and_expose_it(kubesim):
    """create_deployment.go: labels and selector app=NAME, the container named after the image's base name;
    expose.go: the Deployment's selector, --port/--target-port/--type/--name, the port found in the container."""
    r = kubesim("create", "deployment", "web", "--image=nginx:1.27", "--replicas", "2", "--port", "80")
    assert (r.code, r.out) == (0, "deployment.apps/web created\n")
    d = json.loads(kubesim("get", "deploy", "web", "-o", "json").out)
    assert d["spec"]["selector"] == {"matchLabels": {"app": "web"}} and d["metadata"]["labels"] == {"app": "web"}
    assert [(c["name"], c["image"], c["ports"]) for c in d["spec"]["template"]["spec"]["containers"]] == [("nginx", "nginx:1.27", [{"containerPort": 80, "protocol": "TCP"}])]
    assert "last-applied-configuration" not in json.dumps(d)  # create is not apply
    assert kubesim("get", "deploy", "web").out.splitlines()[1].split()[1] == "2/2"  # a change: it settled
    r = kubesim("create", "deployment", "web", "--image=nginx")
    assert (r.code, r.err) == (1, 'error: failed to create deployment: deployments.apps "web" already exists\n')
    assert kubesim("expose", "deployment", "web", "--type=NodePort").out == "service/web exposed\n"
    assert kubesim("expose", "deploy/web", "--port", "8080", "--target-port", "80", "--name", "web-alt").out == "service/web-alt exposed\n"
    svc = json.loads(kubesim("get", "svc", "web-alt", "-o", "json").out)
    assert svc["spec"]["selector"] == {"app": "web"} and svc["spec"]["ports"][0]["port"] == 8080 and svc["spec"]["ports"][0]["targetPort"] == 80
    assert kubesim("get", "ep", "web").out.split()[-2].count(":80") == 2  # both pods behind the Service
    r = kubesim("create", "secret", "generic", "x", "--from-literal=a=b")
    assert r.code == 1 and r.err.startswith('error: kubesim does not implement "kubectl create secret"') and r.err.count("\n") == 1
    r = kubesim("create", "deployment", "--image=nginx")  # create_deployment.go
    assert r.code == 1 and r.err.startswith("error: exactly one NAME is required, got 0\n")


def test_diff_shows_what_apply_would_change(kubesim):
    """diff.go: a unified diff of the live and the merged object, exit 1 when they differ, 0 when not; a read."""
    assert kubesim("apply", "-f", "deploy.yaml").code == 0
    before = Path(kubesim.state).read_bytes()
    r = kubesim("diff", "-f", "deploy-v11.yaml")
    assert r.code == 1
    assert r.out.startswith("diff -u -N /tmp/LIVE/apps.v1.Deployment.default.mc-user /tmp/MERGED/apps.v1.Deployment.default.mc-user\n")
    assert "\n-      - image: rainbow/mc-user:1.0.RELEASE\n+      - image: rainbow/mc-user:1.1.RELEASE\n" in r.out
    assert Path(kubesim.state).read_bytes() == before
    assert kubesim("diff", "-f", "deploy.yaml").code == 0 and kubesim("diff", "-f", "deploy.yaml").out == ""


def test_explain_lists_the_fields_kubesim_decodes(kubesim):
    """kubectl explain's plaintext layout (GROUP, KIND, VERSION, FIELD <type>, FIELDS as `name<TAB><type>`);
    the fields are those the model's decoder accepts (DeploymentStrategy has rollingUpdate and type)."""
    r = kubesim("explain", "deployment.spec.strategy")
    assert r.out.split("\n\n")[:3] == [
        "GROUP:      apps\nKIND:       Deployment\nVERSION:    v1",
        "FIELD: strategy <DeploymentStrategy>",
        "FIELDS:\n  rollingUpdate\t<RollingUpdateDeployment>\n  type\t<string>",
    ]
    assert kubesim("explain", "svc.spec.ports.port").out.startswith("KIND:       Service\nVERSION:    v1\n\nFIELD: port <integer>\n\n(")
    r = kubesim("explain", "deploy.spec.nope")
    assert (r.code, r.err) == (1, 'error: field "nope" does not exist\n')
