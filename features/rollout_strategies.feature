@C07 @rollout
Feature: Rolling update strategies: how far maxSurge and maxUnavailable let a rollout go
  The article says (中文原文, with an English gloss):

    "滚动发布是一种高级发布策略,按批次依次替换老版本,逐步升级到新版本。"
    (A rolling update replaces the old version batch by batch.)

  How big a batch is comes from spec.strategy.rollingUpdate: maxSurge bounds how many pods may be
  added above `replicas`, maxUnavailable how many may be missing below it. The expected values in
  the table are derived by hand from upstream's ResolveFenceposts / NewRSNewReplicas /
  reconcileOldReplicaSets (pkg/controller/deployment), not read from the model.

  @outline
  Scenario Outline: Peak and minimum pod counts of a rolling update: <replicas> replicas, maxSurge <max surge>, maxUnavailable <max unavailable>
    The peak counts two things: the largest sum of the ReplicaSets' spec.replicas (upstream's
    accounting: at most replicas + maxSurge) and the most pods that are not terminating (no
    deletionTimestamp, not Succeeded/Failed). The minimum is the fewest available pods (sum of the
    ReplicaSets' status.availableReplicas: at least replicas - maxUnavailable). Percentages:
    maxSurge rounds up, maxUnavailable rounds down; if both are then 0, maxUnavailable becomes 1.
    Given a Deployment "web" of <replicas> replicas with maxSurge "<max surge>" and maxUnavailable "<max unavailable>"
    When I run "kubectl set image deployment/web web=example/web:2"
    And the cluster settles
    Then the rollout finished with <replicas> pods of example/web:2
    And the ReplicaSets of deployment "web" added up to at most <peak> replicas, reaching it
    And there were at most <peak pods> pods of web that were not terminating, reaching it
    And at least <min available> pods of web were available throughout, reaching it

    Examples:
      | replicas | max surge | max unavailable | peak | peak pods | min available |
      | 3        | 25%       | 25%             | 4    | 4         | 3             |
      | 3        | 0         | 1               | 3    | 3         | 2             |
      | 3        | 1         | 1               | 4    | 4         | 2             |
      | 1        | 25%       | 25%             | 2    | 2         | 1             |
      | 2        | 0%        | 25%             | 2    | 2         | 1             |
      | 4        | 25%       | 25%             | 5    | 5         | 3             |
      | 5        | 30%       | 30%             | 7    | 7         | 4             |
      | 3        | 100%      | 0               | 6    | 6         | 3             |
      | 10       | 3         | 2               | 13   | 13        | 8             |
