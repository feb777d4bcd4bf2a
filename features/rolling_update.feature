@C07 @C16
Feature: Deployment: rolling update from 1.0.RELEASE to 1.1.RELEASE
  The article says (中文原文, with an English gloss):

    "滚动发布是一种高级发布策略,按批次依次替换老版本,逐步升级到新版本。发布过程中,应用不中断,用户体验平滑。"
    (A rolling update replaces the old version batch by batch; the app is not interrupted.)

    "先删除其中一个V1的pod……然后发布V2的Pod……再删除一个V1的pod……再启动一个V2的Pod……再删除最后一个V1的pod"
    (First delete one V1 pod, then start a V2 pod, delete another V1, start another V2, delete the last V1.)

    "我们可以发现滚动发布的特点,就是老版本和新版本会共存一段时间。"
    (Old and new versions coexist for a while.)

    "Deployment的滚动发布,对用户请求以及Service是透明的,无感知。"
    (The Deployment's rolling update is transparent to users and to the Service.)

    "我们用kubectl get all查看,就会发现replicaset 有2个;一个是老版本的,一个是新版本的。
    老版本的pod数逐渐减少,新版本的pod数量逐渐增加,一直到新版本为3,老版本为0。"
    (kubectl get all shows 2 ReplicaSets, old and new; the old one shrinks and the new one grows
    until new = 3 and old = 0.)

  Today's Kubernetes agrees, except for the order (C08): with the manifest shown (default
  maxSurge 25% -> 1, maxUnavailable 25% -> 0 for 3 replicas) a V2 pod starts first and a V1 pod
  goes only once a V2 pod has been available; the article's delete-first picture is what
  maxSurge 0 / maxUnavailable 1 gives. The old ReplicaSet stays, scaled to 0, as history.

  Background:
    Given a file "deploy.yaml":
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: mc-user
      spec:
        selector:
          matchLabels:
            app: mc-user
        minReadySeconds: 10
        replicas: 3
        template:
          metadata:
            labels:
              app: mc-user
          spec:
            containers:
              - name: mc-user
                image: rainbow/mc-user:1.0.RELEASE
      """
    And I run "kubectl apply -f deploy.yaml -f svc-31000.yaml"
    And the cluster settles

  @C13 @C15 @C10
  Scenario: kubectl get all shows the Deployment and its ReplicaSet named after the pod-template-hash
    When I run "kubectl get all"
    Then the output contains:
      """
      pod/mc-user-<hash>-<id>         1/1   Running   0   <age>
      service/mc-user                 NodePort   <ip>   <none>   8080:31000/TCP   <age>
      deployment.apps/mc-user         3/3   3   3   <age>
      replicaset.apps/mc-user-<hash>  3     3   3   <age>
      """
    And the ReplicaSet of deployment "mc-user" is named "mc-user-" followed by its pod-template-hash
    And deployment "mc-user" controls 1 ReplicaSet, which controls 3 pods

  @rollout @C08 @erratum @C12
  Scenario: With the article's manifest (default maxSurge/maxUnavailable) a V2 pod starts before any V1 pod goes
    Article: "先删除其中一个V1的pod,然后发布V2的Pod,再删除一个V1的pod,再启动一个V2的Pod,再删除最后一个V1的pod" (delete a V1 pod first, then start a V2 pod, and so on).
    Today: with 3 replicas the defaults resolve to maxSurge 1 (25% rounded up) and maxUnavailable 0 (25% rounded down): a V2 pod is created first, and a V1 pod goes only after a V2 pod has been available for minReadySeconds.
    When I run "kubectl apply -f deploy-v11.yaml"
    And the cluster settles
    Then the ReplicaSets were scaled in this order:
      | 1.0.RELEASE | 1.1.RELEASE |
      | 3           | 0           |
      | 3           | 1           |
      | 2           | 1           |
      | 2           | 2           |
      | 1           | 2           |
      | 1           | 3           |
      | 0           | 3           |
    And service "mc-user" had at least 3 ready endpoints throughout
    And service "mc-user" never routed to a pod that was terminating or not ready
    And there were never more than 4 pods of mc-user that were not terminating

  @rollout @C08 @C12
  Scenario: With maxSurge 0 and maxUnavailable 1 the rollout follows the article's picture
    Given a file "deploy-delete-first.yaml":
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: mc-user
      spec:
        selector:
          matchLabels:
            app: mc-user
        minReadySeconds: 10
        replicas: 3
        strategy:
          rollingUpdate:
            maxSurge: 0
            maxUnavailable: 1
        template:
          metadata:
            labels:
              app: mc-user
          spec:
            containers:
              - name: mc-user
                image: rainbow/mc-user:1.1.RELEASE
      """
    When I run "kubectl apply -f deploy-delete-first.yaml"
    And the cluster settles
    Then the ReplicaSets were scaled in this order:
      | 1.0.RELEASE | 1.1.RELEASE |
      | 3           | 0           |
      | 2           | 0           |
      | 2           | 1           |
      | 1           | 1           |
      | 1           | 2           |
      | 0           | 2           |
      | 0           | 3           |
    And service "mc-user" had at least 2 ready endpoints throughout
    And there were never more than 3 pods of mc-user that were not terminating

  @rollout @C16 @C13
  Scenario: Two ReplicaSets coexist; the old one ends at 0 and is kept
    When I run "kubectl apply -f deploy-v11.yaml"
    And the cluster settles
    Then pods of 1.0.RELEASE and 1.1.RELEASE were running at the same time
    And the rollout took at least 30 seconds
    And the ReplicaSets of deployment "mc-user" are:
      | image                       | replicas | revision |
      | rainbow/mc-user:1.0.RELEASE | 0        | 1        |
      | rainbow/mc-user:1.1.RELEASE | 3        | 2        |
    When I run "kubectl get rs"
    Then the output contains:
      """
      NAME             DESIRED   CURRENT   READY   AGE
      mc-user-<hash>   <n>       <n>       <n>     <age>
      mc-user-<hash>   <n>       <n>       <n>     <age>
      """
    When I run "kubectl rollout status deployment/mc-user"
    Then the output shows "deployment "mc-user" successfully rolled out"

  @rollout @C13
  Scenario: A new pod counts as available only after being ready for minReadySeconds (10 s)
    When I run "kubectl set image deployment/mc-user mc-user=rainbow/mc-user:1.1.RELEASE"
    And 9 seconds pass
    And I run "kubectl get deploy mc-user"
    Then the output is:
      """
      NAME      READY   UP-TO-DATE   AVAILABLE   AGE
      mc-user   4/3     1            3           <age>
      """
    And the ReplicaSets of deployment "mc-user" are:
      | image                       | replicas | revision |
      | rainbow/mc-user:1.0.RELEASE | 3        | 1        |
      | rainbow/mc-user:1.1.RELEASE | 1        | 2        |
    When 8 seconds pass
    Then the ReplicaSets of deployment "mc-user" are:
      | image                       | replicas | revision |
      | rainbow/mc-user:1.0.RELEASE | 2        | 1        |
      | rainbow/mc-user:1.1.RELEASE | 2        | 2        |

  @rollout @C12
  Scenario: An image that never becomes ready stalls the rollout without taking the app down
    When I run "kubectl set image deployment/mc-user mc-user=rainbow/mc-user:1.1.RELEASE-never-ready"
    And the cluster settles
    Then the ReplicaSets of deployment "mc-user" are:
      | image                                   | replicas | revision |
      | rainbow/mc-user:1.0.RELEASE             | 3        | 1        |
      | rainbow/mc-user:1.1.RELEASE-never-ready | 1        | 2        |
    And service "mc-user" had at least 3 ready endpoints throughout

  @rollout @C12
  Scenario: A stalled rollout ends in ProgressDeadlineExceeded, and rollout status fails
    The Deployment declares a progress deadline of 15 s instead of the default 600 s, so that a real cluster reaches it in real time.
    Given a file "deploy-deadline.yaml":
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: mc-user
      spec:
        selector:
          matchLabels:
            app: mc-user
        minReadySeconds: 10
        progressDeadlineSeconds: 15
        replicas: 3
        template:
          metadata:
            labels:
              app: mc-user
          spec:
            containers:
              - name: mc-user
                image: rainbow/mc-user:1.0.RELEASE
      """
    When I run "kubectl apply -f deploy-deadline.yaml"
    Then the output is:
      """
      deployment.apps/mc-user configured
      """
    When I run "kubectl set image deployment/mc-user mc-user=rainbow/mc-user:1.1.RELEASE-never-ready"
    And the cluster settles
    And 20 seconds pass
    Then the ReplicaSets of deployment "mc-user" are:
      | image                                   | replicas | revision |
      | rainbow/mc-user:1.0.RELEASE             | 3        | 1        |
      | rainbow/mc-user:1.1.RELEASE-never-ready | 1        | 2        |
    And deployment "mc-user" has condition Progressing "False" with reason "ProgressDeadlineExceeded"
    When I try to run "kubectl rollout status deployment/mc-user"
    Then the command fails with:
      """
      error: deployment "mc-user" exceeded its progress deadline
      """

  @rollout @erratum @C11
  Scenario: ReplicaSet and Deployment are API objects, reconciled by controllers
    Article: "注意点:ReplicaSet 和 Deployment是一个软件概念,它是没有具体的组件的;是抽象出来的名词" (ReplicaSet and Deployment are software concepts with no concrete component).
    Today: both are API objects (apps/v1) stored by the API server, and the deployment and replicaset controllers in kube-controller-manager act on them.
    When I run "kubectl apply -f deploy-v11.yaml"
    And the cluster settles
    Then deployment "mc-user" is an API object of apps/v1
    And the events show the "deployment-controller" scaling ReplicaSets
    And the events show the "replicaset-controller" creating pods
