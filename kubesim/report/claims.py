"""The article's claims C01..C24: its words, their English gloss, today's behaviour, the verdict.

The source is the seed's ``claims.md`` and ``article.zh.txt``; the text lives here so that an
installed kubesim renders the claim pages without the repository. `CLAIMS` keeps one line per
claim (pytest markers, the CLI); `DETAILS` holds the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

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

#: Claims today's Kubernetes contradicts (in whole or in part); each has an @erratum scenario.
ERRATA = ("C04", "C08", "C11", "C20", "C22", "C23")


@dataclass(frozen=True)
class Claim:
    """One claim: the article's words (Chinese), their gloss, today's behaviour (English and Chinese)."""

    id: str
    article_zh: str
    article_en: str
    today_en: str
    today_zh: str

    @property
    def verdict(self) -> str:
        """``holds``, ``erratum`` or ``context only``."""
        if self.id in CONTEXT_ONLY:
            return "context only"
        return "erratum" if self.id in ERRATA else "holds"

    @property
    def summary(self) -> str:
        return CLAIMS[self.id]


_DETAILS = [
    ("C01",
     "在传统应用中,我们一般利用nginx反向代理,通过配置域名指向多个IP地址,从而实现了应用的集群。如果需要增加应用或减少应用,都需要调整nginx的配置;还是相当繁琐的。那K8S是如何实现应用集群的呢?",
     "Clustering an app behind nginx means editing its upstream list whenever instances change; K8S automates it.",
     "Context only: nothing to check.",
     "仅为背景介绍,无需验证。"),
    ("C02",
     "上一篇文章中介绍了利用NodePort Service 的Selector 选择Label标签,路由到后端的其中一个Pod。",
     "A NodePort Service picks its backend pods by label selector and routes each request to one of them (part 1).",
     "Holds: the Service's endpoints are the ready pods that match its selector.",
     "成立:Service 的端点就是与 selector 匹配且已就绪的 pod。"),
    ("C03",
     "如果我们在Replica Set中定义了应用数量为3,那么它会保证应用数量;即使一个pod挂了,它会自动会启动1个,始终保证pod应用数量为3。",
     "A ReplicaSet with replicas: 3 keeps 3 pods: delete or lose one and it starts a new one (\"self-healing\").",
     "Holds.",
     "成立。"),
    ("C04",
     "apiVersion: extensions/v1beta1  #指定api版本\nkind: ReplicaSet\n…(spec 中没有 selector)",
     "The ReplicaSet manifest uses apiVersion: extensions/v1beta1 and has no spec.selector.",
     "Erratum: extensions/v1beta1 ReplicaSets are no longer served (removed in v1.16): kubectl apply fails with "
     "\"no matches for kind\". In apps/v1, spec.selector is required and must match the template labels.",
     "勘误:extensions/v1beta1 的 ReplicaSet 自 v1.16 起已不再提供,kubectl apply 报错 \"no matches for kind\";"
     "apps/v1 中 spec.selector 是必填项,且必须与模板的标签一致。"),
    ("C05",
     "Service的yaml和之前一样,注意Selector的Label,可提供给外部访问端口31001",
     "Service: port 8080 -> targetPort 8080, nodePort 31001, selector app: mc-user, type NodePort.",
     "Holds; a nodePort must lie in 30000-32767 and be free.",
     "成立;nodePort 必须在 30000-32767 之间且未被占用。"),
    ("C06",
     "# kubectl get all\n# kubectl delete po mc-user-6adfw\n……还是有3个pod,可以看出即使删除了一个pod;ReplicaSet会又帮我们启动了一个pod。",
     "kubectl apply -f, kubectl get all shows 3 pods; kubectl delete po mc-user-6adfw; get all again: still 3 pods, one of them new.",
     "Holds (the new pod has a new name).",
     "成立(新 pod 的名字是新的)。"),
    ("C07",
     "滚动发布是一种高级发布策略,按批次依次替换老版本,逐步升级到新版本。发布过程中,应用不中断,用户体验平滑。"
     "……老版本和新版本会共存一段时间。所以此种发布方式适用版本兼容的应用。也可以支持滚动回退。",
     "Rolling update replaces old pods batch by batch; the app is not interrupted; old and new versions coexist for a "
     "while, so it suits compatible versions; it can roll back.",
     "Holds, within maxSurge and maxUnavailable.",
     "成立,在 maxSurge 与 maxUnavailable 的限度内。"),
    ("C08",
     "先删除其中一个V1的pod,然后发布V2的Pod,再删除一个V1的pod,再启动一个V2的Pod,再删除最后一个V1的pod。",
     "The V1 -> V2 sequence: delete one V1 pod, start one V2 pod, delete another V1, start another V2, delete the last V1.",
     "Erratum for the manifest shown: with the defaults (maxSurge 25%, maxUnavailable 25%) and 3 replicas, maxSurge "
     "rounds up to 1 and maxUnavailable rounds down to 0, so a V2 pod is created first and a V1 pod goes only once a "
     "V2 pod is available. The article's delete-first order is what maxSurge: 0, maxUnavailable: 1 gives.",
     "勘误(针对文中的清单):默认 maxSurge 25%、maxUnavailable 25%,3 个副本时 maxSurge 向上取整为 1,maxUnavailable "
     "向下取整为 0,所以先创建一个 V2 pod,等它可用后才删除一个 V1 pod。文中先删后建的顺序是 maxSurge: 0、"
     "maxUnavailable: 1 时的行为。"),
    ("C09",
     "我们来看看和蓝绿发布的区别",
     "Rolling update compared with blue-green release (figure).",
     "Context only: nothing to check.",
     "仅为背景介绍,无需验证。"),
    ("C10",
     "之前介绍的ReplicaSet 其实是对Pod的一次包装,Deployment又在基础上面对ReplicaSet的又一次包装。",
     "A ReplicaSet wraps Pods; a Deployment wraps ReplicaSets.",
     "Holds: a Deployment owns one ReplicaSet per pod template.",
     "成立:Deployment 为每个 pod 模板拥有一个 ReplicaSet。"),
    ("C11",
     "注意点:ReplicaSet 和 Deployment是一个软件概念,它是没有具体的组件的;是抽象出来的名词,方便大家理解",
     "ReplicaSet and Deployment are software concepts with no concrete component.",
     "Erratum: they are API objects (apps/v1) reconciled by the ReplicaSet and Deployment controllers inside "
     "kube-controller-manager.",
     "勘误:它们是 API 对象(apps/v1),由 kube-controller-manager 中的 ReplicaSet 控制器和 Deployment 控制器负责调谐。"),
    ("C12",
     "Deployment的滚动发布,对用户请求以及Service是透明的,无感知。",
     "A Deployment's rolling update is transparent to users and to the Service.",
     "Holds while at least one ready pod backs the Service throughout.",
     "成立,只要整个过程中始终有就绪的 pod 支撑 Service。"),
    ("C13",
     "apiVersion: apps/v1\nkind: Deployment\n…\n  minReadySeconds: 10 #最小10s等待就绪时间,可以方便看到滚动发布流程\n  replicas: 3\n"
     "…\n          image: rainbow/mc-user:1.0.RELEASE",
     "Deployment manifest: apps/v1, selector.matchLabels must equal the template labels, minReadySeconds: 10, "
     "replicas: 3, image rainbow/mc-user:1.0.RELEASE.",
     "Holds; a new pod counts as available only after being ready for 10 s.",
     "成立;新 pod 就绪满 10 秒后才算可用。"),
    ("C14",
     "Service的yaml没有变化,需要定义selector,选择标签就行了 … nodePort: 31000",
     "The Service for the Deployment uses nodePort 31000.",
     "Holds.",
     "成立。"),
    ("C15",
     "我们再用kubectl get all获取运行情况,我们就可以发现有两个类型 deployment.apps/mc-user 以及 replicaset.apps/mc-user-4345afaa",
     "kubectl get all lists deployment.apps/mc-user and replicaset.apps/mc-user-<hash>.",
     "Holds: the hash is the pod-template-hash.",
     "成立:后缀是 pod-template-hash。"),
    ("C16",
     "我们用kubectl get all查看,就会发现replicaset 有2个;一个是老版本的,一个是新版本的。"
     "老版本的pod数逐渐减少,新版本的pod数量逐渐增加,一直到新版本为3,老版本为0。",
     "Change the image to 1.1.RELEASE and apply: two ReplicaSets; old pods go down, new go up, until new = 3 and old = 0.",
     "Holds; the old ReplicaSet stays, scaled to 0, as revision history.",
     "成立;旧的 ReplicaSet 会保留(副本数为 0),作为修订历史。"),
    ("C17",
     "kubectl rollout undo deployment/mc-user\n这个我们就回退到V1.0的老版本了。",
     "kubectl rollout undo deployment/mc-user goes back to 1.0.",
     "Holds. kubectl (not the controller) copies the old ReplicaSet's template into the Deployment; that same "
     "ReplicaSet is scaled back up and renumbered to the newest revision (1, 2 -> undo -> 2, 3); no new ReplicaSet is made.",
     "成立。由 kubectl(而非控制器)把旧 ReplicaSet 的模板写回 Deployment;同一个 ReplicaSet 被重新扩容,"
     "并改为最新的修订号(1、2 -> undo -> 2、3),不会创建新的 ReplicaSet。"),
    ("C18",
     "K8S提供了ConfigMap这个功能,提供用户在外部进行配置,然后K8S把ConfigMap以环境变量的方式提供给Pod中的容器或者也可以通过Volume文件持久化的方式提供给Pod容器。",
     "A ConfigMap holds outside configuration, handed to containers as environment variables or as files in a volume.",
     "Holds.",
     "成立。"),
    ("C19",
     "一份ConfigMap可以提供给多个服务使用,ConfigMap会把配置信息以env方式存在于每个服务的环境变量中。",
     "One ConfigMap can be shared by several services, each getting it as environment variables.",
     "Holds.",
     "成立。"),
    ("C20",
     "data: #定义配置信息\n  DATASOURCE_URL: jdbc:mysql://mysql/mc-user\n  DATASOURCE_USERNAME: root\n  DATASOURCE_PASSWORD: 123456",
     "ConfigMap manifest with DATASOURCE_PASSWORD: 123456 (unquoted).",
     "Erratum: an unquoted 123456 is a YAML integer; ConfigMap data values must be strings, so kubectl apply rejects "
     "the manifest. Quote it: \"123456\".",
     "勘误:不加引号的 123456 在 YAML 中是整数,而 ConfigMap 的 data 值必须是字符串,所以 kubectl apply 会拒绝该清单。"
     "应写成 \"123456\"。"),
    ("C21",
     "envFrom:  #环境变量来源\n  - configMapRef: #容器应用的configmap引用\n      name: mc-user-config #configMap的名称",
     "envFrom: configMapRef: name: mc-user-config gives the container every key as an environment variable.",
     "Holds. (Before v1.34, keys that were not valid variable names were skipped with an event; with relaxed "
     "env-var validation GA in v1.34 every valid ConfigMap key is injected.)",
     "成立。(v1.34 之前,不是合法变量名的键会被跳过并产生事件;v1.34 起放宽的环境变量校验已 GA,每个合法的 ConfigMap 键都会注入。)"),
    ("C22",
     "kubectl exec mc-user-34wrwq-3423 printenv | grep DATASOURCE_NAME\n获得pod容器中的环境变量。",
     "kubectl exec mc-user-34wrwq-3423 printenv | grep DATASOURCE_NAME shows the variable.",
     "Erratum: since kubectl v1.31 the form without \"--\" is an error (\"exec [POD] [COMMAND] is not supported "
     "anymore. Use exec [POD] -- [COMMAND] instead\"; a warning in v1.18-v1.30); and no key is named DATASOURCE_NAME "
     "(the key is DATASOURCE_USERNAME), so the grep prints nothing.",
     "勘误:自 kubectl v1.31 起,不带 \"--\" 的写法会报错(v1.18-v1.30 只是警告);而且没有名为 DATASOURCE_NAME "
     "的键(键名是 DATASOURCE_USERNAME),所以 grep 什么也不会输出。"),
    ("C23",
     "很不幸,更新了configMap;再用kubectl apply -f 重新发布configmap;之前的pod容器是不会获得最新的配置信息的。",
     "After updating the ConfigMap and applying it again, running pods do not see the new values.",
     "Holds for environment variables. Erratum in part: ConfigMaps mounted as volumes are updated in running pods "
     "after a delay (not for subPath mounts).",
     "对环境变量成立。部分勘误:以卷方式挂载的 ConfigMap 会在一段延迟后更新到运行中的 pod 里(subPath 挂载除外)。"),
    ("C24",
     "我们可以删除pod,因为replicaset会保证pod数量,会自动重启,那新的pod就会应用新的配置信息了。",
     "Delete a pod: the ReplicaSet recreates it and the new pod gets the new values.",
     "Holds, and the other pods keep the old values, so the app runs with mixed configuration; a container restart "
     "(crash) also re-reads the values; kubectl rollout restart replaces all pods in a rolling way.",
     "成立;其他 pod 仍保留旧值,应用会以混合配置运行;容器重启(崩溃)也会重新读取;kubectl rollout restart 会滚动替换所有 pod。"),
]  # fmt: skip

DETAILS = {row[0]: Claim(*row) for row in _DETAILS}
