"""The article's claims C01..C24 in one line each (from the seed's claims.md), for the report."""

CLAIMS = {
    "C01": "Clustering behind nginx means editing its upstream list; K8S automates it. (context)",
    "C02": "A NodePort Service picks backend pods by label selector and routes each request to one of them.",
    "C03": "A ReplicaSet with replicas: 3 keeps 3 pods: delete or lose one and it starts a new one (self-healing).",
    "C04": "The ReplicaSet manifest uses extensions/v1beta1 and has no spec.selector.",
    "C05": "Service: port 8080 -> targetPort 8080, nodePort 31001, selector app: mc-user, type NodePort.",
    "C06": "apply -f, get all shows 3 pods; delete one; get all again: still 3 pods, one of them new.",
    "C07": "Rolling update replaces old pods batch by batch; no interruption; versions coexist; can roll back.",
    "C08": "V1 -> V2: delete a V1 pod, start a V2 pod, delete another V1, start another V2, delete the last V1.",
    "C09": "Rolling update compared with blue-green release. (context)",
    "C10": "A ReplicaSet wraps Pods; a Deployment wraps ReplicaSets.",
    "C11": "ReplicaSet and Deployment are software concepts with no concrete component.",
    "C12": "A Deployment's rolling update is transparent to users and to the Service.",
    "C13": "Deployment manifest: apps/v1, matchLabels = template labels, minReadySeconds 10, replicas 3, image 1.0.RELEASE.",
    "C14": "The Service for the Deployment uses nodePort 31000.",
    "C15": "kubectl get all lists deployment.apps/mc-user and replicaset.apps/mc-user-<hash>.",
    "C16": "Change the image to 1.1.RELEASE and apply: two ReplicaSets, until new = 3 and old = 0.",
    "C17": "kubectl rollout undo deployment/mc-user goes back to 1.0.",
    "C18": "A ConfigMap holds outside configuration, given to containers as env vars or volume files.",
    "C19": "One ConfigMap can be shared by several services, each getting it as environment variables.",
    "C20": "ConfigMap manifest with DATASOURCE_PASSWORD: 123456 (unquoted).",
    "C21": "envFrom configMapRef gives the container every key as an environment variable.",
    "C22": "kubectl exec POD printenv | grep DATASOURCE_NAME shows the variable.",
    "C23": "After updating and re-applying the ConfigMap, running pods do not see the new values.",
    "C24": "Delete a pod: the ReplicaSet recreates it and the new pod gets the new values.",
}

#: Claims the article makes only as context: nothing to check.
CONTEXT_ONLY = ("C01", "C09")
