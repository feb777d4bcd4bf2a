"""Golden output of every command, against kubectl v1.36's formats.

The expected text is written by hand from kubectl's printers (`printers.go` column
definitions, `rollout_status.go`, `history.go`, `describe.go`) and checked against the
real kubectl v1.36.3 session in `transcripts/kubectl-v1.36.txt` (same commands on the
project's real cluster). Names and IPs are the model's deterministic ones (a ClusterIP is drawn at random from the
seed, as the allocator draws it; the real session's was 10.108.227.64).
"""

import json

import pytest
import yaml

GET_ALL = """\
NAME                           READY   STATUS    RESTARTS   AGE
pod/mc-user-864fdcb6b7-6fsxs   1/1     Running   0          11s
pod/mc-user-864fdcb6b7-v2k75   1/1     Running   0          11s
pod/mc-user-864fdcb6b7-zcnzp   1/1     Running   0          11s

NAME                 TYPE        CLUSTER-IP    EXTERNAL-IP   PORT(S)          AGE
service/kubernetes   ClusterIP   10.96.0.1     <none>        443/TCP          11s
service/mc-user      NodePort    10.107.6.65   <none>        8080:31000/TCP   11s

NAME                      READY   UP-TO-DATE   AVAILABLE   AGE
deployment.apps/mc-user   3/3     3            3           11s

NAME                                 DESIRED   CURRENT   READY   AGE
replicaset.apps/mc-user-864fdcb6b7   3         3         3       11s
"""


def _deploy(kubesim):
    r = kubesim("apply", "-f", "deploy.yaml", "-f", "svc-31000.yaml")
    assert r.code == 0, r.err
    assert r.out == "deployment.apps/mc-user created\nservice/mc-user created\n"


def test_get_all_groups_kinds_as_the_article_shows(kubesim):
    """On `get all`, one table per kind, names prefixed pod/, service/, deployment.apps/, replicaset.apps/."""
    _deploy(kubesim)
    r = kubesim("get", "all")
    assert (r.code, r.out, r.err) == (0, GET_ALL, "")


def test_get_wide_name_and_multiple_kinds(kubesim):
    _deploy(kubesim)
    r = kubesim("get", "deploy,rs", "-o", "wide")
    assert r.out == (
        "NAME                      READY   UP-TO-DATE   AVAILABLE   AGE   CONTAINERS   IMAGES                        SELECTOR\n"
        "deployment.apps/mc-user   3/3     3            3           11s   mc-user      rainbow/mc-user:1.0.RELEASE   app=mc-user\n"
        "\n"
        "NAME                                 DESIRED   CURRENT   READY   AGE   CONTAINERS   IMAGES                        SELECTOR\n"
        "replicaset.apps/mc-user-864fdcb6b7   3         3         3       11s   mc-user      rainbow/mc-user:1.0.RELEASE   app=mc-user,pod-template-hash=864fdcb6b7\n"
    )
    r = kubesim("get", "po", "-o", "name")
    assert r.out == "pod/mc-user-864fdcb6b7-6fsxs\npod/mc-user-864fdcb6b7-v2k75\npod/mc-user-864fdcb6b7-zcnzp\n"
    r = kubesim("get", "svc")  # one kind: no kind prefix
    assert r.out.splitlines()[0] == "NAME         TYPE        CLUSTER-IP    EXTERNAL-IP   PORT(S)          AGE"
    assert r.out.splitlines()[2] == "mc-user      NodePort    10.107.6.65   <none>        8080:31000/TCP   11s"
    r = kubesim("get", "ep", "mc-user")
    assert r.out == "NAME      ENDPOINTS                                            AGE\nmc-user   10.244.0.27:8080,10.244.0.29:8080,10.244.0.31:8080   11s\n"


def test_get_json_is_api_json_and_a_list_for_several(kubesim):
    """On `-o json`, one object as the API returns it (4-space indent, sorted keys); several as a v1 List."""
    _deploy(kubesim)
    one = kubesim("get", "deploy", "mc-user", "-o", "json")
    assert one.out.startswith('{\n    "apiVersion": "apps/v1",\n    "kind": "Deployment",\n    "metadata": {\n')
    assert json.loads(one.out)["status"]["availableReplicas"] == 3
    many = json.loads(kubesim("get", "svc", "-o", "json").out)
    assert many["kind"] == "List" and many["apiVersion"] == "v1" and many["metadata"] == {"resourceVersion": ""}
    assert [s["metadata"]["name"] for s in many["items"]] == ["kubernetes", "mc-user"]
    y = kubesim("get", "deploy", "mc-user", "-o", "yaml").out
    assert '    deployment.kubernetes.io/revision: "1"\n' in y
    assert '  creationTimestamp: "2026-01-01T00:00:00Z"\n' in y
    assert "    kubectl.kubernetes.io/last-applied-configuration: |\n" in y
    assert yaml.safe_load(y)["spec"]["replicas"] == 3


def test_rollout_status_prints_each_step(kubesim):
    """On an update applied with --no-settle, `rollout status` prints kubectl's lines as the rollout goes."""
    _deploy(kubesim)
    assert kubesim("apply", "-f", "deploy-v11.yaml", "--no-settle").out == "deployment.apps/mc-user configured\n"
    r = kubesim("rollout", "status", "deployment/mc-user")
    distinct = [line for i, line in enumerate(r.out.splitlines()) if i == 0 or r.out.splitlines()[i - 1] != line]
    assert distinct == [
        "Waiting for deployment spec update to be observed...",
        'Waiting for deployment "mc-user" rollout to finish: 0 out of 3 new replicas have been updated...',
        'Waiting for deployment "mc-user" rollout to finish: 1 out of 3 new replicas have been updated...',
        'Waiting for deployment "mc-user" rollout to finish: 2 out of 3 new replicas have been updated...',
        'Waiting for deployment "mc-user" rollout to finish: 1 old replicas are pending termination...',
        'deployment "mc-user" successfully rolled out',
    ]
    assert kubesim("rollout", "status", "deployment/mc-user").out == 'deployment "mc-user" successfully rolled out\n'


def test_rollout_status_while_new_pods_become_available(kubesim):
    r = kubesim("apply", "-f", "deploy.yaml", "--no-settle")
    r = kubesim("rollout", "status", "deploy/mc-user", "--watch=false")
    assert r.out == "Waiting for deployment spec update to be observed...\n"
    lines = set(kubesim("rollout", "status", "deployment/mc-user").out.splitlines())
    assert 'Waiting for deployment "mc-user" rollout to finish: 0 of 3 updated replicas are available...' in lines


def test_rollout_history_undo_and_history_again(kubesim):
    """On undo, revision 1 becomes 3 (history 2, 3); kubectl warns about last-applied-configuration."""
    _deploy(kubesim)
    kubesim("apply", "-f", "deploy-v11.yaml")
    r = kubesim("rollout", "history", "deployment/mc-user")
    assert r.out == "deployment.apps/mc-user \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n"
    r = kubesim("rollout", "history", "deployment/mc-user", "--revision=1")
    assert r.out.startswith("deployment.apps/mc-user with revision #1\nPod Template:\n  Labels:\tapp=mc-user\n\tpod-template-hash=864fdcb6b7\n  Containers:\n   mc-user:\n    Image:\trainbow/mc-user:1.0.RELEASE\n")
    r = kubesim("rollout", "undo", "deployment/mc-user")
    assert r.out == "deployment.apps/mc-user rolled back\n"
    assert r.err.startswith("Warning: resource deployments/mc-user was previously managed with 'kubectl apply'. Rolling back will not update")
    r = kubesim("rollout", "history", "deployment/mc-user")
    assert r.out == "deployment.apps/mc-user \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n"
    r = kubesim("rollout", "undo", "deployment/mc-user", "--to-revision", "9")
    assert r.code == 1 and r.err.endswith("error: unable to find specified revision 9 in history\n")


def test_scale_set_image_pause_resume_restart(kubesim):
    _deploy(kubesim)
    assert kubesim("scale", "deployment/mc-user", "--replicas", "2").out == "deployment.apps/mc-user scaled\n"
    assert kubesim("set", "image", "deployment/mc-user", "mc-user=rainbow/mc-user:1.2.RELEASE").out == "deployment.apps/mc-user image updated\n"
    assert kubesim("rollout", "pause", "deployment/mc-user").out == "deployment.apps/mc-user paused\n"
    again = kubesim("rollout", "pause", "deployment/mc-user")
    assert again.code == 1 and again.err.startswith("error: ") and "is already paused" in again.err
    assert kubesim("rollout", "resume", "deployment/mc-user").out == "deployment.apps/mc-user resumed\n"
    assert kubesim("rollout", "restart", "deployment/mc-user").out == "deployment.apps/mc-user restarted\n"
    assert kubesim("get", "deploy").out.splitlines()[1].split()[:4] == ["mc-user", "2/2", "2", "2"]


def test_delete_by_name_and_by_file(kubesim):
    """On delete, kubectl v1.36 names the namespace: `deployment.apps "x" deleted from default namespace`."""
    _deploy(kubesim)
    assert kubesim("delete", "deployment", "mc-user").out == 'deployment.apps "mc-user" deleted from default namespace\n'
    assert kubesim("delete", "-f", "svc-31000.yaml").out == 'service "mc-user" deleted from default namespace\n'
    r = kubesim("delete", "svc", "nope")
    assert (r.code, r.err) == (1, 'Error from server (NotFound): services "nope" not found\n')
    r = kubesim("get", "all")
    assert r.out.startswith("NAME                 TYPE") and "pod/" not in r.out


def test_errors_as_kubectl_prints_them(kubesim):
    r = kubesim("get", "deploy", "nope")
    assert (r.code, r.out, r.err) == (1, "", 'Error from server (NotFound): deployments.apps "nope" not found\n')
    r = kubesim("get", "foo")
    assert (r.code, r.err) == (1, 'error: the server doesn\'t have a resource type "foo"\n')
    r = kubesim("-n", "other", "get", "all")
    assert (r.code, r.out, r.err) == (0, "", "No resources found in other namespace.\n")


def test_apply_errors_name_the_file_and_keep_the_state(kubesim):
    """On refused manifests, kubectl's messages; the state file is not written."""
    r = kubesim("apply", "-f", "rs-original.yaml")
    assert r.code == 1
    assert r.err == ('error: resource mapping not found for name: "mc-user" namespace: "" from "rs-original.yaml": '
                     'no matches for kind "ReplicaSet" in version "extensions/v1beta1"\nensure CRDs are installed first\n'
                     '(document 1 of rs-original.yaml: ReplicaSet/mc-user, field apiVersion)\n')
    r = kubesim("apply", "-f", "cm-original.yaml")
    assert r.code == 1
    assert r.err.startswith('Error from server (BadRequest): error when creating "cm-original.yaml": ConfigMap in version "v1" cannot be handled as a ConfigMap:')
    r = kubesim("apply", "-f", "rs-no-selector.yaml")
    assert r.err == ('The ReplicaSet "mc-user" is invalid: \n* spec.selector: Required value\n'
                     '* spec.template.metadata.labels: Invalid value: {"app":"mc-user"}: `selector` does not match template `labels`\n'
                     '(document 1 of rs-no-selector.yaml: ReplicaSet/mc-user, field spec.selector)\n')
    import os

    assert not os.path.exists(kubesim.state)


_BAD_NAME = ("ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain "
             "must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
             "character (e.g. 'example.com', regex used for validation is "
             "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
_NO_KIND = 'no matches for kind "{}" in version "{}"'
_MAPPING = 'resource mapping not found for name: "{}" namespace: "" from "{}": ' + _NO_KIND + "\nensure CRDs are installed first"


@pytest.mark.parametrize("text, lines", [
    # A List's refused items form one aggregate: alone, it prints one line per item, no `error:`.
    ("apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Secretz, metadata: {name: a}}\n"
     "- {apiVersion: apps/v1, kind: Foo, metadata: {name: b}}\n",
     ["unable to recognize " + _NO_KIND.format("Secretz", "v1"), "(document 1 of f.yaml: Secretz/a, field apiVersion)",
      "unable to recognize " + _NO_KIND.format("Foo", "apps/v1"), "(document 1 of f.yaml: Foo/b, field apiVersion)"]),
    # Beside another reading error, the List's aggregate is one line in brackets.
    ("apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Secretz, metadata: {name: a}}\n"
     "- {apiVersion: apps/v1, kind: Foo, metadata: {name: b}}\n---\napiVersion: v1\nkind: Secretz\nmetadata: {name: c}\n",
     ["[unable to recognize " + _NO_KIND.format("Secretz", "v1") + ", unable to recognize " + _NO_KIND.format("Foo", "apps/v1") + "]",
      "(document 1 of f.yaml: Secretz/a, field apiVersion)", "(document 1 of f.yaml: Foo/b, field apiVersion)",
      _MAPPING.format("c", "f.yaml", "Secretz", "v1"), "(document 2 of f.yaml: Secretz/c, field apiVersion)"]),
    # Reading errors are one aggregate; beside a server error it prints on one line (in brackets), first.
    ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\n---\napiVersion: v1\nkind: Secretz\nmetadata: {name: c}\n"
     "---\napiVersion: v1\nkind: Secretz\nmetadata: {name: d}\n",
     ["[" + _MAPPING.format("c", "f.yaml", "Secretz", "v1") + ", " + _MAPPING.format("d", "f.yaml", "Secretz", "v1") + "]",
      "(document 2 of f.yaml: Secretz/c, field apiVersion)", "(document 3 of f.yaml: Secretz/d, field apiVersion)",
      'Error from server (Invalid): error when creating "f.yaml": ' + _BAD_NAME,
      "(document 1 of f.yaml: ConfigMap/Bad_Name, field metadata.name)"]),
], ids=["list-items-alone", "list-and-document", "reading-and-server"])
def test_apply_error_aggregates_print_as_kubectl_does(kubesim, tmp_path, text, lines):
    """On several refused objects, the shape of kubectl v1.36.3's output (recorded on the project's cluster):
    `FlattenListVisitor`'s and `EagerVisitorList`'s aggregates inside apply's, printed by `checkErr`."""
    (tmp_path / "f.yaml").write_text(text)
    r = kubesim("apply", "-f", "f.yaml")
    assert (r.code, r.out, r.err) == (1, "", "\n".join(lines) + "\n")


def test_apply_applies_the_valid_objects_of_a_file(kubesim, tmp_path):
    (tmp_path / "mixed.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: good}\ndata: {a: b}\n---\n"
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bad}\ndata: {a: 1}\n"
    )
    r = kubesim("apply", "-f", "mixed.yaml")
    assert r.code == 1 and r.out == "configmap/good created\n" and 'error when creating "mixed.yaml"' in r.err
    assert kubesim("get", "cm", "-o", "name").out == "configmap/good\n"
    (tmp_path / "bad.yaml").write_text("kind: [unclosed\n")
    r = kubesim("apply", "-f", "bad.yaml")
    assert r.code == 1 and r.err.startswith("error: error parsing bad.yaml:") and "Traceback" not in r.err
    r = kubesim("apply", "-f", "missing.yaml")
    assert (r.code, r.err) == (1, 'error: the path "missing.yaml" does not exist\n')


def test_exec(kubesim):
    """On `exec POD printenv` (no --), kubectl v1.31+'s error; with -- the container's environment."""
    kubesim("apply", "-f", "cm.yaml", "-f", "deploy-envfrom.yaml")
    pod = kubesim("get", "po", "-o", "name").out.split()[0].split("/")[1]
    r = kubesim("exec", pod, "printenv")
    assert (r.code, r.out) == (1, "")
    assert r.err == "error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\nSee 'kubectl exec -h' for help and examples\n"
    r = kubesim("exec", pod, "--", "printenv")
    assert r.code == 0 and "DATASOURCE_USERNAME=root\n" in r.out and "DATASOURCE_PASSWORD=123456\n" in r.out
    assert kubesim("exec", pod, "--", "printenv", "DATASOURCE_URL").out == "jdbc:mysql://mysql/mc-user\n"
    assert kubesim("exec", pod, "--", "printenv", "DATASOURCE_NAME").code == 1
    assert kubesim("exec", "nope", "--", "printenv").err == 'Error from server (NotFound): pods "nope" not found\n'


def test_describe_deployment(kubesim):
    _deploy(kubesim)
    r = kubesim("describe", "deployment", "mc-user")
    assert r.out == """\
Name:                   mc-user
Namespace:              default
CreationTimestamp:      Thu, 01 Jan 2026 00:00:00 +0000
Labels:                 <none>
Annotations:            deployment.kubernetes.io/revision: 1
Selector:               app=mc-user
Replicas:               3 desired | 3 updated | 3 total | 3 available | 0 unavailable
StrategyType:           RollingUpdate
MinReadySeconds:        10
RollingUpdateStrategy:  25% max unavailable, 25% max surge
Pod Template:
  Labels:  app=mc-user
  Containers:
   mc-user:
    Image:         rainbow/mc-user:1.0.RELEASE
    Port:          <none>
    Host Port:     <none>
    Environment:   <none>
    Mounts:        <none>
  Volumes:         <none>
  Node-Selectors:  <none>
  Tolerations:     <none>
Conditions:
  Type           Status  Reason
  ----           ------  ------
  Available      True    MinimumReplicasAvailable
  Progressing    True    NewReplicaSetAvailable
OldReplicaSets:  <none>
NewReplicaSet:   mc-user-864fdcb6b7 (3/3 replicas created)
Events:
  Type    Reason             Age   From                   Message
  ----    ------             ----  ----                   -------
  Normal  ScalingReplicaSet  11s   deployment-controller  Scaled up replica set mc-user-864fdcb6b7 from 0 to 3
"""
    svc = kubesim("describe", "svc", "mc-user").out
    assert "Port:                     http  8080/TCP\nTargetPort:               8080/TCP\nNodePort:                 http  31000/TCP\n" in svc
    cm = kubesim("apply", "-f", "cm.yaml") and kubesim("describe", "cm", "mc-user-config").out
    assert cm.startswith("Name:         mc-user-config\nNamespace:    default\nLabels:       <none>\nAnnotations:  <none>\n\nData\n====\nDATASOURCE_PASSWORD:\n----\n123456\n\n")


def test_time_advance_no_settle_and_timeline(kubesim, tmp_path):
    r = kubesim("apply", "-f", "deploy.yaml", "--no-settle")
    assert kubesim("get", "deploy").out.splitlines()[1].split()[1] == "0/3"
    assert kubesim("advance", "5s").out == "t=5s\n"
    assert kubesim("get", "deploy").out.splitlines()[1].split()[1:4] == ["3/3", "3", "0"]
    assert kubesim("advance", "7s").out == "t=12s\n"
    assert kubesim("get", "deploy").out.splitlines()[1].split()[1:4] == ["3/3", "3", "3"]
    table = kubesim("timeline").out.splitlines()
    assert table[0].split() == ["TIME", "OBJECT", "CHANGE"]
    # the deployment became available at 11.001 s; durations print in whole seconds, as kubectl prints them
    assert any(line.startswith("11s ") and "deployment.apps/mc-user" in line and "available=3" in line for line in table)
    lines = [json.loads(x) for x in kubesim("timeline", "-o", "json").out.splitlines()]
    assert {"t", "namespace", "object", "change"} <= set(lines[0])
    r = kubesim("apply", "-f", "deploy-v11.yaml", "--timeline")
    assert "replicaset.apps/mc-user-c74c9cc8d" in r.out and r.out.startswith("deployment.apps/mc-user configured\nTIME")
    r = kubesim("plot", "rollout", "deployment/mc-user", "-o", str(tmp_path / "r.svg"))
    assert r.code == 0 and (tmp_path / "r.svg").read_text().lstrip().startswith("<?xml")


def test_usage_errors(kubesim):
    """kubectl (cobra) answers an unknown command or flag in one line plus a hint, and exits 1."""
    r = kubesim("frobnicate")
    assert (r.code, r.out) == (1, "") and r.err == 'error: unknown command "frobnicate" for "kubesim"\nRun \'kubesim --help\' for usage.\n'
    r = kubesim("get", "--bogus", "po")
    assert r.code == 1 and r.err.startswith("error: unknown flag: --bogus: kubesim get does not implement it; it implements ")
    assert r.err.endswith("\nSee 'kubesim get --help' for usage.\n") and "usage:" not in r.err
    assert kubesim("advance", "soon").err == 'error: invalid duration "soon": use e.g. 10s, 2m, 1h30m, 500ms\n'
