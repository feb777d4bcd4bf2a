@C03
Feature: ReplicaSet: three pods, kept three (self-healing)
  The article says (中文原文, with an English gloss):

    "K8S有个Replica Set组件,从字面上面来看就是副本集意思;它的作用就是用来保证Pod的高可用,
    如果我们在Replica Set中定义了应用数量为3,那么它会保证应用数量;即使一个pod挂了,
    它会自动会启动1个,始终保证pod应用数量为3。"
    (Kubernetes has a ReplicaSet: set the number of instances to 3 and it keeps 3;
    even if a pod dies it starts another one, always keeping 3 pods.)

    "还是有3个pod,可以看出即使删除了一个pod;ReplicaSet会又帮我们启动了一个pod。
    这个就是ReplicaSet的自愈能力,自我恢复能力。"
    (Still 3 pods: even after we deleted one, the ReplicaSet started another.
    This is the ReplicaSet's self-healing.)

  Today's Kubernetes agrees, with two corrections to the manifest (C04): the ReplicaSet is
  served as apps/v1 and needs a spec.selector matching the template labels.

  Background:
    Given a file "rs.yaml":
      """
      apiVersion: apps/v1
      kind: ReplicaSet
      metadata:
        name: mc-user
      spec:
        replicas: 3
        selector:
          matchLabels:
            app: mc-user
        template:
          metadata:
            labels:
              app: mc-user
          spec:
            containers:
              - name: mc-user
                image: rainbow/mc-user:1.0.RELEASE
      """

  @C06 @C05
  Scenario: The article's walk-through: apply, get all, delete a pod, get all again
    When I run "kubectl apply -f rs.yaml -f svc-31001.yaml"
    And the cluster settles
    And I run "kubectl get all"
    Then the output contains:
      """
      NAME                 READY   STATUS    RESTARTS   AGE
      pod/mc-user-<id>     1/1     Running   0          <age>
      pod/mc-user-<id>     1/1     Running   0          <age>
      pod/mc-user-<id>     1/1     Running   0          <age>
      service/mc-user      NodePort    <ip>    <none>   8080:31001/TCP   <age>
      replicaset.apps/mc-user   3   3   3   <age>
      """
    When I run "kubectl delete po <a pod of mc-user>"
    Then the output shows "deleted"
    When the cluster settles
    And I run "kubectl get all"
    Then there are 3 running pods of mc-user
    And the deleted pods are gone, replaced by 1 pod with a new name

  Scenario: Deleting two pods at once brings two new ones
    Given I run "kubectl apply -f rs.yaml"
    And the cluster settles
    When I run "kubectl delete po <two pods of mc-user>"
    And the cluster settles
    Then there are 3 running pods of mc-user
    And the deleted pods are gone, replaced by 2 pods with new names

  Scenario: Scaling up adds pods; scaling down keeps the count
    Given I run "kubectl apply -f rs.yaml"
    And the cluster settles
    When I run "kubectl scale rs mc-user --replicas=5"
    And the cluster settles
    Then there are 5 running pods of mc-user
    When I run "kubectl scale rs mc-user --replicas=2"
    And the cluster settles
    Then there are 2 running pods of mc-user
    When I run "kubectl get rs mc-user"
    Then the output is:
      """
      NAME      DESIRED   CURRENT   READY   AGE
      mc-user   2         2         2       <age>
      """

  Scenario: Scaling down removes the pods that have been ready the shortest time first
    Given I run "kubectl apply -f rs.yaml"
    And the cluster settles
    And 120 seconds pass
    When I run "kubectl scale rs mc-user --replicas=5"
    And the cluster settles
    And 5 seconds pass
    And I run "kubectl scale rs mc-user --replicas=3"
    And the cluster settles
    Then there are 3 running pods of mc-user
    And they are the 3 pods that ran before scaling up

  Scenario: With one pod too many, the ReplicaSet removes a pod that is not ready before ready ones
    Given a file "stray.yaml":
      """
      apiVersion: v1
      kind: Pod
      metadata:
        name: mc-user-stray
        labels:
          app: mc-user
        annotations:
          kubesim.dev/never-ready: "true"
      spec:
        containers:
          - name: mc-user
            image: rainbow/mc-user:1.0.RELEASE
      """
    And I run "kubectl apply -f rs.yaml"
    And the cluster settles
    When I run "kubectl apply -f stray.yaml"
    And the cluster settles
    Then pod "mc-user-stray" is gone
    And there are 3 running pods of mc-user

  Scenario: A pod that matches the selector and has no owner is adopted
    Given a file "orphan.yaml":
      """
      apiVersion: v1
      kind: Pod
      metadata:
        name: mc-user-orphan
        labels:
          app: mc-user
      spec:
        containers:
          - name: mc-user
            image: rainbow/mc-user:1.0.RELEASE
      """
    When I run "kubectl apply -f orphan.yaml"
    And the cluster settles
    And I run "kubectl apply -f rs.yaml"
    And the cluster settles
    Then pod "mc-user-orphan" is controlled by replicaset "mc-user"
    And there are 3 running pods of mc-user
    And replicaset "mc-user" created only 2 pods

  Scenario: A pod controlled by another ReplicaSet is never taken, even if the selector matches
    Given a file "rs-canary.yaml":
      """
      apiVersion: apps/v1
      kind: ReplicaSet
      metadata:
        name: mc-user-canary
      spec:
        replicas: 1
        selector:
          matchLabels:
            app: mc-user
        template:
          metadata:
            labels:
              app: mc-user
              track: canary
          spec:
            containers:
              - name: mc-user
                image: rainbow/mc-user:1.1.RELEASE
      """
    And I run "kubectl apply -f rs.yaml"
    And the cluster settles
    When I run "kubectl apply -f rs-canary.yaml"
    And the cluster settles
    Then replicaset "mc-user" controls 3 pods and replicaset "mc-user-canary" controls 1 pod
    And there are 4 running pods of mc-user

  @erratum @C04
  Scenario: The article's extensions/v1beta1 ReplicaSet is no longer served
    Article: "apiVersion: extensions/v1beta1  #指定api版本" (the ReplicaSet is declared in extensions/v1beta1, with no spec.selector).
    Today: extensions/v1beta1 ReplicaSets are not served since v1.16; kubectl cannot map the kind and applies nothing.
    When I try to run "kubectl apply -f rs-original.yaml"
    Then the command fails with:
      """
      error: resource mapping not found for name: "mc-user" namespace: "" from "rs-original.yaml": no matches for kind "ReplicaSet" in version "extensions/v1beta1"
      ensure CRDs are installed first
      """
    And there are 0 running pods of mc-user

  @erratum @C04
  Scenario: In apps/v1 a ReplicaSet without spec.selector is invalid
    Article: the ReplicaSet manifest has no "selector:"; extensions/v1beta1 used to default it from the template labels.
    Today: apps/v1 requires spec.selector, and it must match the template labels.
    When I try to run "kubectl apply -f rs-no-selector.yaml"
    Then the command fails with:
      """
      The ReplicaSet "mc-user" is invalid:
      * spec.selector: Required value
      * spec.template.metadata.labels: Invalid value: {"app":"mc-user"}: `selector` does not match template `labels`
      """
