"""Tests for model/validation/: what the API server makes of an object on create and update.

Sources per case: sigs.k8s.io/json strict decoding (Go `UnmarshalTypeError` text), pkg/apis/apps/v1/defaults.go,
pkg/apis/core/v1/defaults.go, pkg/apis/apps/validation/validation.go, pkg/apis/core/validation/validation.go,
k8s.io/apimachinery/pkg/util/validation/validation.go.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from kubesim.model.errors import ApiError
from kubesim.model.manifest import load_documents
from kubesim.model.validation import admit, image_tag

from kubesim.tour import ARTICLE
SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and "
                 "must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
                 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")


def article(name: str) -> dict:
    return load_documents((ARTICLE / name).read_text(), name)[0].obj


def deployment(**spec) -> dict:
    obj = article("deploy.yaml")
    obj["spec"].update(spec)
    return obj


def rejected(obj: dict, **kwargs) -> ApiError:
    with pytest.raises(ApiError) as info:
        admit(obj, **kwargs)
    return info.value


def causes(obj: dict, **kwargs) -> list[str]:
    err = rejected(obj, **kwargs)
    assert err.reason == "Invalid"
    return [str(c) for c in err.causes]


TEMPLATE_DEFAULTS = {
    "dnsPolicy": "ClusterFirst", "restartPolicy": "Always", "schedulerName": "default-scheduler",
    "securityContext": {}, "terminationGracePeriodSeconds": 30,
}
CONTAINER_DEFAULTS = {
    "imagePullPolicy": "IfNotPresent", "resources": {}, "terminationMessagePath": "/dev/termination-log",
    "terminationMessagePolicy": "File",
}


# ============================================================================================ the article

def test_article_deployment_is_admitted_with_upstream_defaults():
    """On the article's Deployment (C13), the defaults of SetDefaults_Deployment/PodSpec/Container are filled in."""
    out = admit(article("deploy.yaml"))
    assert out["metadata"] == {"name": "mc-user", "namespace": "default"}
    assert out["spec"] == {
        "selector": {"matchLabels": {"app": "mc-user"}}, "minReadySeconds": 10, "replicas": 3,
        "template": {
            "metadata": {"labels": {"app": "mc-user"}},  # no creationTimestamp: null since v1.33 (PR #130989)
            "spec": {"containers": [{"name": "mc-user", "image": "rainbow/mc-user:1.0.RELEASE", **CONTAINER_DEFAULTS}],
                     **TEMPLATE_DEFAULTS},
        },
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
        "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600,
    }
    assert "status" not in out


def test_article_replicaset_is_admitted_with_replicas_and_template_defaults():
    """On the corrected apps/v1 ReplicaSet, only replicas and the pod template are defaulted."""
    out = admit(article("rs.yaml"))
    assert out["spec"]["replicas"] == 3 and out["spec"]["selector"] == {"matchLabels": {"app": "mc-user"}}
    assert out["spec"]["template"]["spec"] == {
        "containers": [{"name": "mc-user", "image": "rainbow/mc-user:1.0.RELEASE", **CONTAINER_DEFAULTS}],
        **TEMPLATE_DEFAULTS}


def test_article_replicaset_without_selector_gets_both_errors():
    """On apps/v1 without spec.selector (C04), a nil selector matches nothing, so both errors fire."""
    err = rejected(article("rs-no-selector.yaml"))
    assert err.message == ('ReplicaSet.apps "mc-user" is invalid: [spec.selector: Required value, '
                           'spec.template.metadata.labels: Invalid value: {"app":"mc-user"}: '
                           '`selector` does not match template `labels`]')
    assert err.kubectl_message() == ('The ReplicaSet "mc-user" is invalid: \n* spec.selector: Required value\n'
                                     '* spec.template.metadata.labels: Invalid value: {"app":"mc-user"}: '
                                     '`selector` does not match template `labels`')


def test_article_configmap_with_unquoted_number_is_a_bad_request():
    """On `DATASOURCE_PASSWORD: 123456` (C20), decoding fails before validation with Go's type error."""
    err = rejected(article("cm-original.yaml"))
    assert (err.reason, err.code) == ("BadRequest", 400)
    assert err.message == ('ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number '
                           'into Go struct field ConfigMap.data of type string')


def test_article_configmap_quoted_is_admitted():
    """On the corrected ConfigMap, data is kept as strings and nothing is added but the namespace."""
    out = admit(article("cm.yaml"))
    assert out["data"]["DATASOURCE_PASSWORD"] == "123456" and out["metadata"]["namespace"] == "default"


def test_article_nodeport_service_is_defaulted():
    """On the article's NodePort Service (C05), SetDefaults_Service fills protocol, policies and the IP family."""
    out = admit(article("svc-31001.yaml"))
    assert out["spec"] == {
        "ports": [{"name": "http", "port": 8080, "targetPort": 8080, "nodePort": 31001, "protocol": "TCP"}],
        "selector": {"app": "mc-user"}, "type": "NodePort", "sessionAffinity": "None",
        "externalTrafficPolicy": "Cluster", "internalTrafficPolicy": "Cluster",
        "ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv4"],
    }


def test_article_envfrom_deployment_is_admitted():
    """On the envFrom Deployment (C21), the configMapRef is kept as written."""
    out = admit(article("deploy-envfrom.yaml"))
    assert out["spec"]["template"]["spec"]["containers"][0]["envFrom"] == [{"configMapRef": {"name": "mc-user-config"}}]


def test_admit_does_not_mutate_its_input():
    """On admit, the caller's dict is left as it was."""
    obj = article("deploy.yaml")
    before = copy.deepcopy(obj)
    admit(obj)
    assert obj == before


# ============================================================================================ decoding

@pytest.mark.parametrize("path, value, message", [
    (("spec", "replicas"), "3", "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"),
    (("spec", "replicas"), 1.5, "json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32"),
    (("spec", "replicas"), 2**31, "json: cannot unmarshal number 2147483648 into Go struct field DeploymentSpec.spec.replicas of type int32"),
    (("spec", "paused"), "yes", "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.paused of type bool"),
    (("spec", "template", "spec", "containers"), {"name": "x"},
     "json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container"),
    (("spec", "selector"), ["app"], "json: cannot unmarshal array into Go struct field DeploymentSpec.spec.selector of type v1.LabelSelector"),
    (("metadata", "labels"), {"app": 1}, "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string"),
    (("spec", "strategy", "rollingUpdate"), {"maxSurge": True},
     "json: cannot unmarshal bool into Go struct field RollingUpdateDeployment.spec.strategy.rollingUpdate.maxSurge of type int32"),
    (("spec", "strategy", "type"), 1,
     "json: cannot unmarshal number into Go struct field DeploymentStrategy.spec.strategy.type of type v1.DeploymentStrategyType"),
], ids=["string-int", "fraction", "overflow", "bool", "object-for-list", "array-for-struct", "label-value",
        "intstr-bool", "named-string"])
def test_decode_type_errors(path, value, message):
    """On a wrongly typed field, the BadRequest carries Go's UnmarshalTypeError with struct and JSON path."""
    obj = article("deploy.yaml")
    target = obj
    for key in path[:-1]:
        target = target.setdefault(key, {})
    target[path[-1]] = value
    err = rejected(obj)
    assert err.reason == "BadRequest"
    assert err.message == f'Deployment in version "v1" cannot be handled as a Deployment: {message}'


def test_first_type_error_in_sorted_key_order_wins():
    """On two bad values, the one whose key sorts first is reported (kubectl sends key-sorted JSON)."""
    obj = article("cm.yaml")
    obj["data"] = {"b": 1, "a": True}
    assert rejected(obj).message.endswith("cannot unmarshal bool into Go struct field ConfigMap.data of type string")


def test_env_value_number_is_rejected():
    """On an env value that is a number, the error names EnvVar and the path without indices."""
    obj = article("deploy.yaml")
    obj["spec"]["template"]["spec"]["containers"][0]["env"] = [{"name": "A", "value": 1}]
    assert rejected(obj).message.endswith(
        "json: cannot unmarshal number into Go struct field EnvVar.spec.template.spec.containers.env.value of type string")


def test_unknown_fields_are_all_reported_with_indices():
    """On unknown fields, strict decoding lists each, with list indices, in sorted order."""
    obj = article("deploy.yaml")
    obj["spec"]["foo"] = 1
    obj["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] = "Always"
    err = rejected(obj)
    assert err.message == ('Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
                           'unknown field "spec.foo", unknown field "spec.template.spec.containers[0].imagePullPolicyy"')


@pytest.mark.parametrize("policy", ["TerminationStarted", "TerminationComplete"])
def test_deployment_pod_replacement_policy_is_not_served_in_v1_36(policy):
    """`spec.podReplacementPolicy` (KEP-5882) is not part of apps/v1 in v1.36: the v1.36.3
    kube-apiserver binary has no `DeploymentPodReplacementPolicy` gate in its ``--feature-gates``
    list (the KEP-3973 gate was renamed `DeploymentReplicaSetTerminatingReplicas`, beta and on,
    which serves only ``status.terminatingReplicas``) and neither policy value, so strict
    decoding refuses the field as unknown, as it does any other."""
    obj = article("deploy.yaml")
    obj["spec"]["podReplacementPolicy"] = policy
    assert rejected(obj).message == ('Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
                                     'unknown field "spec.podReplacementPolicy"')


def test_service_target_port_accepts_int_or_string():
    """On targetPort as a name, the IntOrString keeps the string."""
    obj = article("svc-31000.yaml")
    obj["spec"]["ports"][0]["targetPort"] = "http"
    assert admit(obj)["spec"]["ports"][0]["targetPort"] == "http"


# ============================================================================================ defaults

@pytest.mark.parametrize("image, policy", [
    ("nginx", "Always"), ("nginx:latest", "Always"), ("nginx:1.25", "IfNotPresent"),
    ("localhost:5000/app", "Always"), ("localhost:5000/app:v1", "IfNotPresent"),
    ("nginx@sha256:" + "a" * 64, "IfNotPresent"),
])
def test_image_pull_policy_default(image, policy):
    """On an image without a tag or with :latest, SetDefaults_Container picks Always, else IfNotPresent."""
    obj = article("deploy.yaml")
    obj["spec"]["template"]["spec"]["containers"][0]["image"] = image
    assert admit(obj)["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] == policy
    assert image_tag(image) in ("latest", "1.25", "v1", "")


def test_each_rolling_update_field_is_defaulted_on_its_own():
    """On `maxSurge: 0` alone, maxUnavailable still gets 25% (SetDefaults_Deployment)."""
    out = admit(deployment(strategy={"rollingUpdate": {"maxSurge": 0}}))
    assert out["spec"]["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": "25%"}}


def test_recreate_strategy_gets_no_rolling_update():
    """On type Recreate, no rollingUpdate block is added."""
    assert admit(deployment(strategy={"type": "Recreate"}))["spec"]["strategy"] == {"type": "Recreate"}


def test_probe_port_and_volume_defaults():
    """On a readiness probe, a container port and a configMap volume, their defaulters apply."""
    obj = article("deploy.yaml")
    spec = obj["spec"]["template"]["spec"]
    spec["containers"][0].update(ports=[{"containerPort": 8080}], readinessProbe={"httpGet": {"port": 8080}},
                                 volumeMounts=[{"name": "cfg", "mountPath": "/etc/cfg"}])
    spec["volumes"] = [{"name": "cfg", "configMap": {"name": "mc-user-config"}}, {"name": "scratch"}]
    out = admit(obj)["spec"]["template"]["spec"]
    container = out["containers"][0]
    assert container["ports"] == [{"containerPort": 8080, "protocol": "TCP"}]
    assert container["readinessProbe"] == {"httpGet": {"port": 8080, "path": "/", "scheme": "HTTP"}, "timeoutSeconds": 1,
                                           "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3}
    assert out["volumes"] == [{"name": "cfg", "configMap": {"name": "mc-user-config", "defaultMode": 420}},
                              {"name": "scratch", "emptyDir": {}}]


def test_cluster_ip_service_defaults_and_target_port():
    """On a ClusterIP Service without targetPort, targetPort = port and externalTrafficPolicy stays unset."""
    obj = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"ports": [{"port": 80}]}}
    spec = admit(obj)["spec"]
    assert spec["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    assert spec["type"] == "ClusterIP" and "externalTrafficPolicy" not in spec and "clusterIP" not in spec


def test_namespace_defaults():
    """On a Namespace, the metadata.name label, the kubernetes finalizer and phase Active are set."""
    out = admit({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}})
    assert out["metadata"] == {"name": "team-a", "labels": {"kubernetes.io/metadata.name": "team-a"}}
    assert out["spec"] == {"finalizers": ["kubernetes"]} and out["status"] == {"phase": "Active"}


def test_pod_defaults():
    """On a bare Pod, enableServiceLinks is true and the create-time status is Pending/BestEffort."""
    out = admit({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                 "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    assert out["spec"]["enableServiceLinks"] is True
    assert out["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


# ============================================================================================ validation

@pytest.mark.parametrize("spec, expected", [
    ({"replicas": -1}, ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"]),
    ({"minReadySeconds": -1}, ["spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0"]),
    ({"revisionHistoryLimit": -1}, ["spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0"]),
    ({"progressDeadlineSeconds": 10}, ["spec.progressDeadlineSeconds: Invalid value: 10: must be greater than minReadySeconds"]),
    ({"selector": {}}, ["spec.selector: Invalid value: {}: empty selector is invalid for deployment"]),
    ({"selector": {"matchLabels": {"app": "other"}}},
     ['spec.template.metadata.labels: Invalid value: {"app":"mc-user"}: `selector` does not match template `labels`']),
    ({"strategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}},
     ["spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0"]),
    ({"strategy": {"rollingUpdate": {"maxSurge": "0%", "maxUnavailable": "0%"}}},
     ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "0%": may not be 0 when `maxSurge` is 0']),
    ({"strategy": {"rollingUpdate": {"maxUnavailable": "110%"}}},
     ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: "110%": must not be greater than 100%']),
    ({"strategy": {"rollingUpdate": {"maxSurge": "20Percent"}}},
     ['spec.strategy.rollingUpdate.maxSurge: Invalid value: "20Percent": a valid percent string must be a numeric '
      "string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"]),
    ({"strategy": {"rollingUpdate": {"maxSurge": -1}}},
     ["spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0"]),
    ({"strategy": {"type": "Recreate", "rollingUpdate": {"maxSurge": 1}}},
     ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"]),
    ({"strategy": {"type": "BlueGreen"}},
     ['spec.strategy: Unsupported value: {"Type":"BlueGreen","RollingUpdate":null}: supported values: "Recreate", '
      '"RollingUpdate"']),
    ({"strategy": {"type": "BlueGreen", "rollingUpdate": {"maxSurge": 1}}},
     ['spec.strategy: Unsupported value: {"Type":"BlueGreen","RollingUpdate":{"MaxUnavailable":0,"MaxSurge":1}}: '
      'supported values: "Recreate", "RollingUpdate"']),
], ids=["replicas", "minReady", "history", "deadline", "empty-selector", "mismatch", "zero-zero", "zero-percent",
        "over-100", "bad-percent", "negative-surge", "recreate-rolling", "unknown-strategy", "unknown-strategy-rolling"])
def test_deployment_spec_rules(spec, expected):
    """On each broken Deployment spec field, ValidateDeploymentSpec's message is returned (apps validation.go)."""
    assert causes(deployment(**spec)) == expected


def test_invalid_deployment_message_shape():
    """On one cause, the message is `Deployment.apps "<name>" is invalid: <cause>` and details name the group."""
    err = rejected(deployment(replicas=-1))
    assert err.message == 'Deployment.apps "mc-user" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0'
    assert err.status()["details"]["group"] == "apps" and err.code == 422


@pytest.mark.parametrize("template_spec, expected", [
    ({"restartPolicy": "Never"}, ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"']),
    ({"activeDeadlineSeconds": 5}, ["spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported"]),
    ({"containers": []}, ["spec.template.spec.containers: Required value"]),
], ids=["restart-never", "active-deadline", "no-containers"])
def test_template_rules(template_spec, expected):
    """On template-level violations, ValidatePodTemplateSpecForReplicaSet / ValidatePodSpec report them."""
    obj = article("deploy.yaml")
    obj["spec"]["template"]["spec"].update(template_spec)
    assert causes(obj) == expected


@pytest.mark.parametrize("container, expected", [
    ({"name": "", "image": "x"}, ["spec.template.spec.containers[0].name: Required value"]),
    ({"name": "Web_1", "image": "x"}, ['spec.template.spec.containers[0].name: Invalid value: "Web_1": a lowercase RFC 1123 '
                                       "label must consist of lower case alphanumeric characters or '-', and must start and "
                                       "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for "
                                       "validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"]),
    ({"name": "web"}, ["spec.template.spec.containers[0].image: Required value"]),
    ({"name": "web", "image": "x", "env": [{"name": "A=B", "value": "1"}]},
     ['spec.template.spec.containers[0].env[0].name: Invalid value: "A=B": a valid environment variable name must '
      "consist only of printable ASCII characters other than '='"]),
    ({"name": "web", "image": "x", "env": [{"name": "1.weird-but-ok", "value": "1"}]}, []),
    ({"name": "web", "image": "x", "envFrom": [{"prefix": "P=", "configMapRef": {"name": "c"}}]},
     ['spec.template.spec.containers[0].envFrom[0].prefix: Invalid value: "P=": a valid environment variable name must '
      "consist only of printable ASCII characters other than '='"]),
    ({"name": "web", "image": "x", "envFrom": [{"configMapRef": {}}]},
     ["spec.template.spec.containers[0].envFrom[0].configMapRef.name: Required value"]),
    ({"name": "web", "image": "x", "env": [{"name": "A", "valueFrom": {"configMapKeyRef": {"name": "c"}}}]},
     ["spec.template.spec.containers[0].env[0].valueFrom.configMapKeyRef.key: Required value"]),
    ({"name": "web", "image": "x", "ports": [{"containerPort": 70000}]},
     ["spec.template.spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive"]),
    ({"name": "web", "image": "x", "volumeMounts": [{"name": "nope", "mountPath": "/x"}]},
     ['spec.template.spec.containers[0].volumeMounts[0].name: Not found: "nope"']),
    ({"name": "web", "image": "x", "readinessProbe": {"periodSeconds": 5}},
     ["spec.template.spec.containers[0].readinessProbe: Required value: must specify a handler type"]),
], ids=["name-required", "name-label", "image-required", "env-name-equals", "env-name-relaxed", "envfrom-prefix",
        "configmapref-name", "keyref-key", "container-port", "mount-not-found", "probe-handler"])
def test_container_rules(container, expected):
    """On each broken container field, validateContainers' message is returned with its full path."""
    obj = article("deploy.yaml")
    obj["spec"]["template"]["spec"]["containers"] = [container]
    if expected:
        assert causes(obj) == expected
    else:
        admit(obj)


def test_duplicate_container_names():
    """On two containers with one name, the second gets `Duplicate value`."""
    obj = article("deploy.yaml")
    obj["spec"]["template"]["spec"]["containers"] *= 2
    assert causes(obj) == ['spec.template.spec.containers[1].name: Duplicate value: "mc-user"']


def test_configmap_volume_default_mode_range():
    """On a configMap volume with defaultMode above 0777, the file-mode message is returned."""
    obj = article("deploy.yaml")
    obj["spec"]["template"]["spec"]["volumes"] = [{"name": "v", "configMap": {"name": "c", "defaultMode": 1000}}]
    assert causes(obj) == ["spec.template.spec.volumes[0].configMap.defaultMode: Invalid value: 1000: must be a number "
                           "between 0 and 0777 (octal), both inclusive"]


@pytest.mark.parametrize("name, expected", [
    ("My_App", f'metadata.name: Invalid value: "My_App": {SUBDOMAIN_MSG}'),
    ("", "metadata.name: Required value: name or generateName is required"),
])
def test_deployment_names(name, expected):
    """On a bad or missing name, ValidateObjectMeta with NameIsDNSSubdomain reports it."""
    obj = article("deploy.yaml")
    obj["metadata"]["name"] = name
    assert causes(obj) == [expected]


def test_label_value_rule():
    """On a label value with a space, IsValidLabelValue's message is given on the labels path."""
    obj = article("cm.yaml")
    obj["metadata"]["labels"] = {"tier": "a b"}
    assert causes(obj) == ['metadata.labels: Invalid value: "a b": a valid label must be an empty string or consist of '
                           "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
                           "character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
                           "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"]


def test_service_name_is_an_rfc1123_label():
    """On Service names, v1.36's RelaxedServiceNameValidation (beta, on by default) applies `NameIsDNSLabel`: a
    leading digit is accepted (`kubectl apply` on v1.36.3: `service/1web created`), a dot is refused with
    `IsDNS1123Label`'s "must not contain dots", an underscore with the RFC 1123 label message."""
    obj = article("svc-31000.yaml")
    obj["metadata"]["name"] = "1web"
    assert admit(obj)["metadata"]["name"] == "1web"
    obj["metadata"]["name"] = "web.a"
    assert causes(obj) == ['metadata.name: Invalid value: "web.a": must not contain dots']
    obj["metadata"]["name"] = "Web.a"
    assert causes(obj) == ['metadata.name: Invalid value: "Web.a": a lowercase RFC 1123 label must consist of lower case '
                           "alphanumeric characters or '-', and must start and end with an alphanumeric character "
                           "(e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"]


def test_namespace_name_is_a_label():
    """On a Namespace name with a dot, `IsDNS1123Label` says "must not contain dots" (a valid subdomain that is
    not a label); a name that is not even a subdomain gets the RFC 1123 label message."""
    err = rejected({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a.b"}})
    assert [str(c) for c in err.causes] == ['metadata.name: Invalid value: "a.b": must not contain dots']
    err = rejected({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a_b"}})
    assert str(err.causes[0]).startswith('metadata.name: Invalid value: "a_b": a lowercase RFC 1123 label must consist of')


@pytest.mark.parametrize("spec, expected", [
    ({"ports": []}, ["spec.ports: Required value"]),
    ({"ports": [{"port": 0, "nodePort": 31000}]}, ["spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
                                                   "spec.ports[0].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive"]),
    ({"ports": [{"name": "a", "port": 80}, {"port": 81}]}, ["spec.ports[1].name: Required value"]),
    ({"ports": [{"name": "a", "port": 80}, {"name": "a", "port": 81}]}, ['spec.ports[1].name: Duplicate value: "a"']),
    ({"ports": [{"name": "a", "port": 80}, {"name": "b", "port": 80}]},
     ['spec.ports[1]: Duplicate value: {"Name":"","Protocol":"TCP","AppProtocol":null,"Port":80,"TargetPort":0,"NodePort":0}']),
    ({"ports": [{"port": 80, "targetPort": "Http"}]},
     ['spec.ports[0].targetPort: Invalid value: "Http": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)']),
    ({"ports": [{"port": 80, "nodePort": 30080}], "type": "ClusterIP"},
     ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]),
    ({"ports": [{"port": 80}], "type": "Magic"},
     ['spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"']),
], ids=["no-ports", "port-range", "name-required", "name-duplicate", "port-duplicate", "target-name", "nodeport-clusterip",
        "type"])
def test_service_rules(spec, expected):
    """On each broken Service field, ValidateService / validateServicePort report it."""
    obj = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"type": "NodePort", **spec}}
    assert causes(obj) == expected


@pytest.mark.parametrize("data, expected", [
    ({"bad key": "v"}, ['data[bad key]: Invalid value: "bad key": a valid config key must consist of alphanumeric '
                        "characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for "
                        "validation is '[-._a-zA-Z0-9]+')"]),
    ({"..x": "v"}, ['data[..x]: Invalid value: "..x": must not start with \'..\'']),
    ({"big": "x" * (1024 * 1024 + 1)}, [": Too long: must have at most 1048576 bytes"]),
], ids=["charset", "dotdot", "size"])
def test_configmap_rules(data, expected):
    """On bad keys or oversize data, ValidateConfigMap reports IsConfigMapKey messages or TooLong."""
    obj = article("cm.yaml")
    obj["data"] = data
    assert causes(obj) == expected


def test_configmap_key_in_data_and_binary_data():
    """On a key in both data and binaryData, the data key is reported as a duplicate."""
    obj = article("cm.yaml")
    obj["binaryData"] = {"DATASOURCE_URL": "aGk="}
    assert causes(obj) == ['data[DATASOURCE_URL]: Invalid value: "DATASOURCE_URL": duplicate of key present in binaryData']


def test_all_causes_are_reported_together():
    """On several errors, all are aggregated in one Invalid error, in upstream order."""
    obj = deployment(replicas=-1, minReadySeconds=-5)
    assert causes(obj) == ["spec.replicas: Invalid value: -1: must be greater than or equal to 0",
                           "spec.minReadySeconds: Invalid value: -5: must be greater than or equal to 0"]


# ============================================================================================ updates

@pytest.mark.parametrize("manifest", ["deploy.yaml", "rs.yaml"])
def test_selector_is_immutable_on_update(manifest):
    """On an apps/v1 update that changes spec.selector, the strategy's ValidateImmutableField rejects it."""
    old = admit(article(manifest))
    new = article(manifest)
    new["spec"]["selector"] = {"matchLabels": {"app": "mc-user", "tier": "web"}}
    new["spec"]["template"]["metadata"]["labels"]["tier"] = "web"
    assert causes(new, old=old) == ['spec.selector: Invalid value: {"matchLabels":{"app":"mc-user","tier":"web"}}: field is immutable']


def test_template_change_is_allowed_on_update():
    """On an update that changes only the image (C16), admit succeeds."""
    old = admit(article("deploy.yaml"))
    assert admit(article("deploy-v11.yaml"), old=old)["spec"]["template"]["spec"]["containers"][0]["image"].endswith("1.1.RELEASE")


def test_immutable_configmap_rules():
    """On an immutable ConfigMap, changing data or unsetting immutable is Forbidden; labels may change (§4.3)."""
    old_obj = article("cm.yaml")
    old_obj["immutable"] = True
    old = admit(old_obj)
    changed = copy.deepcopy(old_obj)
    changed["data"]["DATASOURCE_PASSWORD"] = "654321"
    del changed["immutable"]
    assert causes(changed, old=old) == ["immutable: Forbidden: field is immutable when `immutable` is set",
                                        "data: Forbidden: field is immutable when `immutable` is set"]
    relabelled = copy.deepcopy(old_obj)
    relabelled["metadata"]["labels"] = {"x": "z"}
    admit(relabelled, old=old)
