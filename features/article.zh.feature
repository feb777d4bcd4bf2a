# language: zh-CN
@zh
功能: 文章原文的故事:副本集、滚动发布、回退、ConfigMap
  用文章自己的语言再讲一遍(the article's story once more, in its own language; the step
  texts are Chinese and run on the same step implementations as the English features).

    "这个就是ReplicaSet的自愈能力,自我恢复能力。"(This is the ReplicaSet's self-healing.)
    "老版本的pod数逐渐减少,新版本的pod数量逐渐增加,一直到新版本为3,老版本为0。"
    (The old version's pods decrease and the new version's increase until new = 3 and old = 0.)
    "kubectl rollout undo deployment/mc-user 这个我们就回退到V1.0的老版本了。"(Undo goes back to 1.0.)
    "我们可以删除pod……那新的pod就会应用新的配置信息了。"(Delete a pod: the new pod gets the new configuration.)

  @C03 @C06
  场景: 删除一个 pod 后 ReplicaSet 会再启动一个
    假如我执行 "kubectl apply -f rs.yaml -f svc-31001.yaml"
    而且集群稳定下来
    当我执行 "kubectl delete po <mc-user 的一个 pod>"
    而且集群稳定下来
    那么 mc-user 有 3 个运行中的 pod
    而且被删除的 pod 已经不在了,由 1 个新名字的 pod 代替

  @C16 @C17 @rollout
  场景: 滚动发布到 1.1.RELEASE,再回退到 1.0.RELEASE
    假如我执行 "kubectl apply -f deploy.yaml -f svc-31000.yaml"
    而且集群稳定下来
    当我执行 "kubectl apply -f deploy-v11.yaml"
    而且集群稳定下来
    那么 ReplicaSet 的规模依次是:
      | 1.0.RELEASE | 1.1.RELEASE |
      | 3           | 0           |
      | 3           | 1           |
      | 2           | 1           |
      | 2           | 2           |
      | 1           | 2           |
      | 1           | 3           |
      | 0           | 3           |
    而且服务 "mc-user" 始终至少有 3 个就绪的端点
    当我执行 "kubectl rollout undo deployment/mc-user"
    而且集群稳定下来
    那么 mc-user 的每个 pod 都运行 rainbow/mc-user:1.0.RELEASE

  @C24 @needs_kubelet
  场景: 更新 ConfigMap 后,只有新建的 pod 得到新的配置
    假如文件 "cm-v2.yaml" 的内容是:
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
    而且我执行 "kubectl apply -f cm.yaml -f deploy-envfrom.yaml"
    而且集群稳定下来
    当我执行 "kubectl apply -f cm-v2.yaml"
    而且我执行 "kubectl delete po <mc-user 的一个 pod>"
    而且集群稳定下来
    那么 mc-user 的 pod 中有 2 个的 DATASOURCE_PASSWORD=123456,1 个的 DATASOURCE_PASSWORD=654321
