@C18
Feature: ConfigMap: configuration from outside, as environment variables or files
  The article says (中文原文, with an English gloss):

    "K8S提供了ConfigMap这个功能,提供用户在外部进行配置,然后K8S把ConfigMap以环境变量的方式提供给Pod中的容器
    或者也可以通过Volume文件持久化的方式提供给Pod容器。"
    (Kubernetes keeps configuration outside in a ConfigMap and hands it to containers as
    environment variables, or as files in a volume.)

    "一份ConfigMap可以提供给多个服务使用,ConfigMap会把配置信息以env方式存在于每个服务的环境变量中。"
    (One ConfigMap can serve several services, each getting it as environment variables.)

    "很不幸,更新了configMap;再用kubectl apply -f 重新发布configmap;之前的pod容器是不会获得最新的配置信息的。"
    (Unfortunately, after updating the ConfigMap and applying it again, running containers do not get the new values.)

    "我们可以删除pod,因为replicaset会保证pod数量,会自动重启,那新的pod就会应用新的配置信息了。"
    (We can delete the pod: the ReplicaSet recreates it, and the new pod uses the new values.)

  Today's Kubernetes agrees for environment variables, with errata: the unquoted password is
  rejected (C20), the article's exec command fails and its grep matches nothing (C22), and a
  ConfigMap mounted as a volume does change in running pods (C23).

  Background:
    Given a file "cm-v2.yaml":
      """
      apiVersion: v1
      kind: ConfigMap
      metadata:
        name: mc-user-config
      data:
        DATASOURCE_URL: jdbc:mysql://mysql/mc-user
        DATASOURCE_USERNAME: root
        DATASOURCE_PASSWORD: "654321"
      """

  @C21 @needs_kubelet
  Scenario: envFrom gives the container every key of the ConfigMap
    When I run "kubectl apply -f cm.yaml -f deploy-envfrom.yaml"
    And the cluster settles
    And I run "kubectl exec <a pod of mc-user> -- printenv | grep DATASOURCE"
    Then the output has these lines, in any order:
      """
      DATASOURCE_URL=jdbc:mysql://mysql/mc-user
      DATASOURCE_USERNAME=root
      DATASOURCE_PASSWORD=123456
      """

  @C19 @needs_kubelet
  Scenario: Two Deployments share one ConfigMap
    Given a file "mc-order.yaml":
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: mc-order
      spec:
        selector:
          matchLabels:
            app: mc-order
        replicas: 2
        template:
          metadata:
            labels:
              app: mc-order
          spec:
            containers:
              - name: mc-order
                image: rainbow/mc-order:1.0.RELEASE
                envFrom:
                  - configMapRef:
                      name: mc-user-config
      """
    When I run "kubectl apply -f cm.yaml -f deploy-envfrom.yaml -f mc-order.yaml"
    And the cluster settles
    Then every pod of mc-user has DATASOURCE_URL=jdbc:mysql://mysql/mc-user
    And every pod of mc-order has DATASOURCE_URL=jdbc:mysql://mysql/mc-user

  @C23 @needs_kubelet
  Scenario: Updating the ConfigMap leaves the environment of running pods unchanged
    When I run "kubectl apply -f cm.yaml -f deploy-envfrom.yaml"
    And the cluster settles
    And I run "kubectl apply -f cm-v2.yaml"
    Then the output is:
      """
      configmap/mc-user-config configured
      """
    When the cluster settles
    Then every pod of mc-user has DATASOURCE_PASSWORD=123456

  @C24 @needs_kubelet
  Scenario: A recreated pod gets the new values, the others keep the old ones
    When I run "kubectl apply -f cm.yaml -f deploy-envfrom.yaml"
    And the cluster settles
    And I run "kubectl apply -f cm-v2.yaml"
    And I run "kubectl delete po <a pod of mc-user>"
    And the cluster settles
    And I run "kubectl exec <the new pod of mc-user> -- printenv DATASOURCE_PASSWORD"
    Then the output is:
      """
      654321
      """
    And 2 pods of mc-user have DATASOURCE_PASSWORD=123456 and 1 has DATASOURCE_PASSWORD=654321

  @C24 @rollout @needs_kubelet
  Scenario: kubectl rollout restart replaces every pod, and all get the new values
    When I run "kubectl apply -f cm.yaml -f deploy-envfrom.yaml"
    And the cluster settles
    And I run "kubectl apply -f cm-v2.yaml"
    And I run "kubectl rollout restart deployment/mc-user"
    Then the output is:
      """
      deployment.apps/mc-user restarted
      """
    When the cluster settles
    Then every pod of mc-user has DATASOURCE_PASSWORD=654321
    And none of the pods of mc-user existed before the restart

  @C24 @needs_faults @needs_kubelet
  Scenario: A container that restarts after a crash re-reads the ConfigMap
    When I run "kubectl apply -f cm.yaml -f deploy-envfrom.yaml"
    And the cluster settles
    And I run "kubectl apply -f cm-v2.yaml"
    And the container of <a pod of mc-user> crashes
    And the cluster settles
    Then 2 pods of mc-user have DATASOURCE_PASSWORD=123456 and 1 has DATASOURCE_PASSWORD=654321
    And the pod that crashed has DATASOURCE_PASSWORD=654321 and 1 restart

  @erratum @C23 @needs_kubelet
  Scenario: A ConfigMap mounted as a volume does change in running pods, after the kubelet's sync delay
    Article: "更新了configMap……之前的pod容器是不会获得最新的配置信息的" (after the ConfigMap is updated, running containers do not get the new values).
    Today: true for environment variables; files of a ConfigMap volume are updated in running pods at the pod's next periodic kubelet sync (syncFrequency, 1 minute, plus up to half of it as jitter; the local cluster's real node syncs every 20 s), except subPath mounts.
    Given a file "deploy-volume.yaml":
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: mc-user
      spec:
        selector:
          matchLabels:
            app: mc-user
        replicas: 1
        template:
          metadata:
            labels:
              app: mc-user
          spec:
            containers:
              - name: mc-user
                image: rainbow/mc-user:1.0.RELEASE
                volumeMounts:
                  - name: config
                    mountPath: /etc/mc-user
                  - name: config
                    mountPath: /etc/pinned/DATASOURCE_PASSWORD
                    subPath: DATASOURCE_PASSWORD
            volumes:
              - name: config
                configMap:
                  name: mc-user-config
      """
    When I run "kubectl apply -f cm.yaml -f deploy-volume.yaml"
    And the cluster settles
    And I run "kubectl exec <a pod of mc-user> -- cat /etc/mc-user/DATASOURCE_PASSWORD"
    Then the output is:
      """
      123456
      """
    When I run "kubectl apply -f cm-v2.yaml"
    And 90 seconds pass
    And I run "kubectl exec <the same pod of mc-user> -- cat /etc/mc-user/DATASOURCE_PASSWORD"
    Then the output is:
      """
      654321
      """
    When I run "kubectl exec <the same pod of mc-user> -- cat /etc/pinned/DATASOURCE_PASSWORD"
    Then the output is:
      """
      123456
      """

  @erratum @C20
  Scenario: The article's ConfigMap with an unquoted number is rejected
    Article: "DATASOURCE_PASSWORD: 123456" (unquoted).
    Today: unquoted 123456 is a YAML integer, ConfigMap data values must be strings, so the API server refuses to decode the object; quote it ("123456").
    When I try to run "kubectl apply -f cm-original.yaml"
    Then the command fails with:
      """
      Error from server (BadRequest): error when creating "cm-original.yaml": ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string
      """
    When I run "kubectl apply -f cm.yaml"
    Then the output is:
      """
      configmap/mc-user-config created
      """

  @erratum @C22 @needs_kubelet
  Scenario: The article's exec command fails, and its grep would match nothing
    Article: "kubectl exec mc-user-34wrwq-3423 printenv | grep DATASOURCE_NAME" shows the variable.
    Today: since kubectl v1.31 a command without "--" is an error, and no key is named DATASOURCE_NAME (the key is DATASOURCE_USERNAME), so the grep prints nothing even with "--".
    When I run "kubectl apply -f cm.yaml -f deploy-envfrom.yaml"
    And the cluster settles
    And I try to run "kubectl exec <a pod of mc-user> printenv | grep DATASOURCE_NAME"
    Then the command fails with:
      """
      error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead
      See 'kubectl exec -h' for help and examples
      """
    And the command prints nothing
    When I try to run "kubectl exec <another pod of mc-user> -- printenv | grep DATASOURCE_NAME"
    Then the command prints nothing
    When I run "kubectl exec <the same pod of mc-user> -- printenv | grep DATASOURCE_USERNAME"
    Then the output is:
      """
      DATASOURCE_USERNAME=root
      """

  @needs_kubelet
  Scenario: A missing ConfigMap keeps the container from starting until it exists
    When I run "kubectl apply -f deploy-envfrom.yaml"
    And the cluster settles
    And I run "kubectl get po"
    Then the output contains:
      """
      NAME                    READY   STATUS                       RESTARTS   AGE
      mc-user-<hash>-<id>     0/1     CreateContainerConfigError   0          <age>
      """
    When I try to run "kubectl exec <a pod of mc-user> -- printenv"
    Then the command fails with "container not found"
    When I run "kubectl apply -f cm.yaml"
    And the cluster settles
    Then there are 3 running pods of mc-user
    And no pod of mc-user was replaced
