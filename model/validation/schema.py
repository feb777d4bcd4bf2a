"""The Go types the API server decodes each served kind into, as nested tuples (`SCHEMAS`).

A type is ("struct", GoName, {json field: type}), ("map", GoType, value type), ("slice", GoType, element type),
("string", GoType), ("int32",), ("int64",), ("bool",), ("intstr",), ("bytes",) or ("any",): the fields of
`k8s.io/api/core/v1` and `k8s.io/api/apps/v1` kubesim reads; the others are opaque ("any").
"""

from __future__ import annotations

ANY = ("any",)
STR = ("string", "string")
I32 = ("int32",)
I64 = ("int64",)
BOOL = ("bool",)
INTSTR = ("intstr",)
STR_MAP = ("map", "map[string]string", STR)
STR_LIST = ("slice", "[]string", STR)


def _named(go_type: str) -> tuple:
    return ("string", go_type)


def _struct(name: str, fields: dict) -> tuple:
    return ("struct", name, fields)


OBJECT_META = _struct("ObjectMeta", {
    "name": STR, "generateName": STR, "namespace": STR, "selfLink": STR, "uid": _named("types.UID"),
    "resourceVersion": STR, "generation": I64, "creationTimestamp": ANY, "deletionTimestamp": ANY,
    "deletionGracePeriodSeconds": I64, "labels": STR_MAP, "annotations": STR_MAP, "ownerReferences": ANY,
    "finalizers": STR_LIST, "managedFields": ANY,
})

LABEL_SELECTOR = _struct("LabelSelector", {
    "matchLabels": STR_MAP,
    "matchExpressions": ("slice", "[]v1.LabelSelectorRequirement", _struct("LabelSelectorRequirement", {
        "key": STR, "operator": _named("v1.LabelSelectorOperator"), "values": STR_LIST,
    })),
})

PROBE = _struct("Probe", {
    "exec": ANY,
    "httpGet": _struct("HTTPGetAction", {
        "path": STR, "port": INTSTR, "host": STR, "scheme": _named("v1.URIScheme"), "httpHeaders": ANY,
    }),
    "tcpSocket": _struct("TCPSocketAction", {"port": INTSTR, "host": STR}),
    "grpc": ANY,
    "initialDelaySeconds": I32, "timeoutSeconds": I32, "periodSeconds": I32, "successThreshold": I32,
    "failureThreshold": I32, "terminationGracePeriodSeconds": I64,
})

CONTAINER = _struct("Container", {
    "name": STR, "image": STR, "command": STR_LIST, "args": STR_LIST, "workingDir": STR,
    "ports": ("slice", "[]v1.ContainerPort", _struct("ContainerPort", {
        "name": STR, "hostPort": I32, "containerPort": I32, "protocol": _named("v1.Protocol"), "hostIP": STR,
    })),
    "envFrom": ("slice", "[]v1.EnvFromSource", _struct("EnvFromSource", {
        "prefix": STR,
        "configMapRef": _struct("ConfigMapEnvSource", {"name": STR, "optional": BOOL}),
        "secretRef": ANY,
    })),
    "env": ("slice", "[]v1.EnvVar", _struct("EnvVar", {
        "name": STR, "value": STR,
        "valueFrom": _struct("EnvVarSource", {
            "fieldRef": ANY, "resourceFieldRef": ANY, "secretKeyRef": ANY, "fileKeyRef": ANY,
            "configMapKeyRef": _struct("ConfigMapKeySelector", {"name": STR, "key": STR, "optional": BOOL}),
        }),
    })),
    "resources": ANY, "resizePolicy": ANY, "restartPolicy": _named("v1.ContainerRestartPolicy"),
    "restartPolicyRules": ANY,
    "volumeMounts": ("slice", "[]v1.VolumeMount", _struct("VolumeMount", {
        "name": STR, "readOnly": BOOL, "recursiveReadOnly": ANY, "mountPath": STR, "subPath": STR,
        "mountPropagation": ANY, "subPathExpr": STR,
    })),
    "volumeDevices": ANY, "livenessProbe": PROBE, "readinessProbe": PROBE, "startupProbe": PROBE,
    "lifecycle": ANY, "terminationMessagePath": STR,
    "terminationMessagePolicy": _named("v1.TerminationMessagePolicy"), "imagePullPolicy": _named("v1.PullPolicy"),
    "securityContext": ANY, "stdin": BOOL, "stdinOnce": BOOL, "tty": BOOL,
})

VOLUME = _struct("Volume", {
    "name": STR,
    "configMap": _struct("ConfigMapVolumeSource", {
        "name": STR,
        "items": ("slice", "[]v1.KeyToPath", _struct("KeyToPath", {"key": STR, "path": STR, "mode": I32})),
        "defaultMode": I32, "optional": BOOL,
    }),
    **{source: ANY for source in (
        "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs", "iscsi",
        "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker", "downwardAPI",
        "fc", "azureFile", "vsphereVolume", "quobyte", "azureDisk", "photonPersistentDisk", "projected",
        "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral", "image")},
})

POD_SPEC = _struct("PodSpec", {
    "volumes": ("slice", "[]v1.Volume", VOLUME),
    "initContainers": ANY, "containers": ("slice", "[]v1.Container", CONTAINER), "ephemeralContainers": ANY,
    "restartPolicy": _named("v1.RestartPolicy"), "terminationGracePeriodSeconds": I64,
    "activeDeadlineSeconds": I64, "dnsPolicy": _named("v1.DNSPolicy"), "nodeSelector": STR_MAP,
    "serviceAccountName": STR, "serviceAccount": STR, "automountServiceAccountToken": BOOL, "nodeName": STR,
    "hostNetwork": BOOL, "hostPID": BOOL, "hostIPC": BOOL, "shareProcessNamespace": BOOL, "securityContext": ANY,
    "imagePullSecrets": ANY, "hostname": STR, "subdomain": STR, "affinity": ANY, "schedulerName": STR,
    "tolerations": ANY, "hostAliases": ANY, "priorityClassName": STR, "priority": I32, "dnsConfig": ANY,
    "readinessGates": ANY, "runtimeClassName": STR, "enableServiceLinks": BOOL, "preemptionPolicy": ANY,
    "overhead": ANY, "topologySpreadConstraints": ANY, "setHostnameAsFQDN": BOOL, "os": ANY, "hostUsers": BOOL,
    "schedulingGates": ANY, "resourceClaims": ANY, "resources": ANY, "hostnameOverride": STR,
})

POD_TEMPLATE = _struct("PodTemplateSpec", {"metadata": OBJECT_META, "spec": POD_SPEC})

DEPLOYMENT_SPEC = _struct("DeploymentSpec", {
    "replicas": I32, "selector": LABEL_SELECTOR, "template": POD_TEMPLATE,
    "strategy": _struct("DeploymentStrategy", {
        "type": _named("v1.DeploymentStrategyType"),
        "rollingUpdate": _struct("RollingUpdateDeployment", {"maxUnavailable": INTSTR, "maxSurge": INTSTR}),
    }),
    "minReadySeconds": I32, "revisionHistoryLimit": I32, "paused": BOOL, "progressDeadlineSeconds": I32,
})

REPLICASET_SPEC = _struct("ReplicaSetSpec", {
    "replicas": I32, "minReadySeconds": I32, "selector": LABEL_SELECTOR, "template": POD_TEMPLATE,
})

SERVICE_SPEC = _struct("ServiceSpec", {
    "ports": ("slice", "[]v1.ServicePort", _struct("ServicePort", {
        "name": STR, "protocol": _named("v1.Protocol"), "appProtocol": STR, "port": I32, "targetPort": INTSTR,
        "nodePort": I32,
    })),
    "selector": STR_MAP, "clusterIP": STR, "clusterIPs": STR_LIST, "type": _named("v1.ServiceType"),
    "externalIPs": STR_LIST, "sessionAffinity": _named("v1.ServiceAffinity"), "loadBalancerIP": STR,
    "loadBalancerSourceRanges": STR_LIST, "externalName": STR,
    "externalTrafficPolicy": _named("v1.ServiceExternalTrafficPolicy"), "healthCheckNodePort": I32,
    "publishNotReadyAddresses": BOOL, "sessionAffinityConfig": ANY,
    "ipFamilies": ("slice", "[]v1.IPFamily", _named("v1.IPFamily")), "ipFamilyPolicy": _named("v1.IPFamilyPolicy"),
    "allocateLoadBalancerNodePorts": BOOL, "loadBalancerClass": STR,
    "internalTrafficPolicy": _named("v1.ServiceInternalTrafficPolicy"), "trafficDistribution": STR,
})


def _top(kind: str, extra: dict) -> tuple:
    return _struct(kind, {"apiVersion": STR, "kind": STR, "metadata": OBJECT_META, **extra})


SCHEMAS = {
    ("apps/v1", "Deployment"): _top("Deployment", {"spec": DEPLOYMENT_SPEC, "status": ANY}),
    ("apps/v1", "ReplicaSet"): _top("ReplicaSet", {"spec": REPLICASET_SPEC, "status": ANY}),
    ("v1", "Pod"): _top("Pod", {"spec": POD_SPEC, "status": ANY}),
    ("v1", "Service"): _top("Service", {"spec": SERVICE_SPEC, "status": ANY}),
    ("v1", "ConfigMap"): _top("ConfigMap", {
        "data": STR_MAP, "binaryData": ("map", "map[string][]uint8", ("bytes",)), "immutable": BOOL,
    }),
    ("v1", "Namespace"): _top("Namespace", {"spec": _struct("NamespaceSpec", {"finalizers": (
        "slice", "[]v1.FinalizerName", _named("v1.FinalizerName"))}), "status": ANY}),
}
