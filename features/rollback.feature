@C17 @C07
Feature: Rollback: kubectl rollout undo goes back to 1.0.RELEASE
  The article says (中文原文, with an English gloss):

    "如果发现版本有问题,我们可以回退版本,可以使用下面命令
    kubectl rollout undo deployment/mc-user
    这个我们就回退到V1.0的老版本了。"
    (If the new version has a problem we can roll back with `kubectl rollout undo deployment/mc-user`;
    this takes us back to the old version 1.0.)

  Today's Kubernetes agrees. kubectl (not the controller) copies the previous ReplicaSet's pod
  template into the Deployment; the controller scales that same ReplicaSet back up and renumbers
  it to the newest revision (revisions 1, 2 -> undo -> 2, 3); no new ReplicaSet is made.

  Background:
    Given I run "kubectl apply -f deploy.yaml -f svc-31000.yaml"
    And the cluster settles
    And I run "kubectl apply -f deploy-v11.yaml"
    And the cluster settles

  @rollout
  Scenario: rollout undo returns to 1.0.RELEASE by reusing the old ReplicaSet
    When I run "kubectl rollout undo deployment/mc-user"
    Then the output is:
      """
      deployment.apps/mc-user rolled back
      """
    When the cluster settles
    Then every pod of mc-user runs rainbow/mc-user:1.0.RELEASE
    And the ReplicaSets of deployment "mc-user" are:
      | image                       | replicas | revision |
      | rainbow/mc-user:1.0.RELEASE | 3        | 3        |
      | rainbow/mc-user:1.1.RELEASE | 0        | 2        |
    And the ReplicaSet of rainbow/mc-user:1.0.RELEASE is the one created first
    And service "mc-user" had at least 3 ready endpoints throughout
    When I run "kubectl rollout history deployment/mc-user"
    Then the output is:
      """
      deployment.apps/mc-user
      REVISION  CHANGE-CAUSE
      2         <none>
      3         <none>
      """

  Scenario: Undo twice toggles between the two newest revisions
    When I run "kubectl rollout undo deployment/mc-user"
    And the cluster settles
    And I run "kubectl rollout undo deployment/mc-user"
    And the cluster settles
    Then every pod of mc-user runs rainbow/mc-user:1.1.RELEASE
    And the ReplicaSets of deployment "mc-user" are:
      | image                       | replicas | revision |
      | rainbow/mc-user:1.0.RELEASE | 0        | 3        |
      | rainbow/mc-user:1.1.RELEASE | 3        | 4        |

  Scenario: With three revisions, undo goes to the previous one, not the first
    When I run "kubectl set image deployment/mc-user mc-user=rainbow/mc-user:1.2.RELEASE"
    And the cluster settles
    And I run "kubectl rollout undo deployment/mc-user"
    And the cluster settles
    Then every pod of mc-user runs rainbow/mc-user:1.1.RELEASE
    When I run "kubectl rollout history deployment/mc-user"
    Then the output is:
      """
      deployment.apps/mc-user
      REVISION  CHANGE-CAUSE
      1         <none>
      3         <none>
      4         <none>
      """

  Scenario: rollout undo --to-revision picks a revision by number
    When I run "kubectl set image deployment/mc-user mc-user=rainbow/mc-user:1.2.RELEASE"
    And the cluster settles
    And I run "kubectl rollout undo deployment/mc-user --to-revision=1"
    And the cluster settles
    Then every pod of mc-user runs rainbow/mc-user:1.0.RELEASE
    And the ReplicaSets of deployment "mc-user" are:
      | image                       | replicas | revision |
      | rainbow/mc-user:1.0.RELEASE | 3        | 4        |
      | rainbow/mc-user:1.1.RELEASE | 0        | 2        |
      | rainbow/mc-user:1.2.RELEASE | 0        | 3        |
    When I try to run "kubectl rollout undo deployment/mc-user --to-revision=1"
    Then the command fails with:
      """
      error: unable to find specified revision 1 in history
      """

  Scenario: Undo to the revision already running is skipped
    When I try to run "kubectl rollout undo deployment/mc-user --to-revision=2"
    Then the output is:
      """
      deployment.apps/mc-user skipped rollback (current template already matches revision 2)
      """

  Scenario: revisionHistoryLimit keeps only that many old ReplicaSets
    Given a file "deploy-limit.yaml":
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
        revisionHistoryLimit: 1
        template:
          metadata:
            labels:
              app: mc-user
          spec:
            containers:
              - name: mc-user
                image: rainbow/mc-user:1.2.RELEASE
      """
    When I run "kubectl apply -f deploy-limit.yaml"
    And the cluster settles
    Then the ReplicaSets of deployment "mc-user" are:
      | image                       | replicas | revision |
      | rainbow/mc-user:1.1.RELEASE | 0        | 2        |
      | rainbow/mc-user:1.2.RELEASE | 3        | 3        |

  Scenario: With revisionHistoryLimit 0 there is nothing to undo to
    Given a file "deploy-no-history.yaml":
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
        revisionHistoryLimit: 0
        template:
          metadata:
            labels:
              app: mc-user
          spec:
            containers:
              - name: mc-user
                image: rainbow/mc-user:1.2.RELEASE
      """
    When I run "kubectl apply -f deploy-no-history.yaml"
    And the cluster settles
    And I try to run "kubectl rollout undo deployment/mc-user"
    Then the command fails with:
      """
      error: no rollout history found for deployment "mc-user"
      """
