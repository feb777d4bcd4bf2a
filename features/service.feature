@C02
Feature: Service: routing by label selector, through a NodePort
  The article says (中文原文, with an English gloss):

    "上一篇文章中介绍了利用NodePort Service 的Selector 选择Label标签,路由到后端的其中一个Pod。"
    (Part 1 showed a NodePort Service using its selector to pick pods by label and route each
    request to one of them.)

    "Service的yaml和之前一样,注意Selector的Label,可提供给外部访问端口31001"
    (The Service is as before: mind the selector's label; port 31001 is open to the outside.)

  Today's Kubernetes agrees: the Service's endpoints are the ready pods whose labels match the
  selector (kube-proxy routes only to those), and the nodePort must be in 30000-32767 and free.

  Background:
    Given a file "pods.yaml":
      """
      apiVersion: v1
      kind: Pod
      metadata:
        name: mc-user-a
        labels:
          app: mc-user
      spec:
        containers:
          - name: mc-user
            image: rainbow/mc-user:1.0.RELEASE
      ---
      apiVersion: v1
      kind: Pod
      metadata:
        name: mc-user-b
        labels:
          app: mc-user
      spec:
        containers:
          - name: mc-user
            image: rainbow/mc-user:1.0.RELEASE
      ---
      apiVersion: v1
      kind: Pod
      metadata:
        name: mc-order
        labels:
          app: mc-order
      spec:
        containers:
          - name: mc-order
            image: rainbow/mc-order:1.0.RELEASE
      """

  @C05
  Scenario: The endpoints are exactly the ready pods that match the selector
    When I run "kubectl apply -f pods.yaml -f svc-31001.yaml"
    And the cluster settles
    Then service "mc-user" routes to exactly the pods mc-user-a, mc-user-b
    When I run "kubectl get svc mc-user"
    Then the output is:
      """
      NAME      TYPE       CLUSTER-IP   EXTERNAL-IP   PORT(S)          AGE
      mc-user   NodePort   <ip>         <none>        8080:31001/TCP   <age>
      """

  Scenario: A pod that is not ready receives no traffic
    Given a file "not-ready.yaml":
      """
      apiVersion: v1
      kind: Pod
      metadata:
        name: mc-user-warming-up
        labels:
          app: mc-user
        annotations:
          kubesim.dev/never-ready: "true"
      spec:
        containers:
          - name: mc-user
            image: rainbow/mc-user:1.0.RELEASE
      """
    When I run "kubectl apply -f pods.yaml -f not-ready.yaml -f svc-31001.yaml"
    And the cluster settles
    Then service "mc-user" routes to exactly the pods mc-user-a, mc-user-b
    And pod "mc-user-warming-up" is listed as not ready in the endpoints of "mc-user"

  Scenario: A pod joins the endpoints only once it is ready
    Given a file "slow.yaml":
      """
      apiVersion: v1
      kind: Pod
      metadata:
        name: mc-user-slow
        labels:
          app: mc-user
        annotations:
          kubesim.dev/ready-after-seconds: "30"
      spec:
        containers:
          - name: mc-user
            image: rainbow/mc-user:1.0.RELEASE
      """
    When I run "kubectl apply -f pods.yaml -f svc-31001.yaml"
    And the cluster settles
    And I run "kubectl apply -f slow.yaml"
    And 20 seconds pass
    Then service "mc-user" routes to exactly the pods mc-user-a, mc-user-b
    When 25 seconds pass
    Then service "mc-user" routes to exactly the pods mc-user-a, mc-user-b, mc-user-slow

  Scenario: A deleted pod leaves the endpoints at once
    When I run "kubectl apply -f pods.yaml -f svc-31001.yaml"
    And the cluster settles
    And I run "kubectl delete po mc-user-b"
    And the cluster settles
    Then service "mc-user" routes to exactly the pods mc-user-a
    And service "mc-user" never routed to a pod that was terminating or not ready

  @C05 @C14
  Scenario: The article's two Services get nodePorts 31001 and 31000
    Given a file "svc-other.yaml":
      """
      apiVersion: v1
      kind: Service
      metadata:
        name: mc-user-v2
      spec:
        ports:
          - name: http
            port: 8080
            targetPort: 8080
            nodePort: 31000
        selector:
          app: mc-user
        type: NodePort
      """
    When I run "kubectl apply -f svc-31001.yaml -f svc-other.yaml"
    And I run "kubectl get svc"
    Then the output contains:
      """
      NAME         TYPE        CLUSTER-IP   EXTERNAL-IP   PORT(S)          AGE
      mc-user      NodePort    <ip>         <none>        8080:31001/TCP   <age>
      mc-user-v2   NodePort    <ip>         <none>        8080:31000/TCP   <age>
      """

  @C05
  Scenario: A second Service asking for the same nodePort is rejected
    Given a file "svc-copy.yaml":
      """
      apiVersion: v1
      kind: Service
      metadata:
        name: mc-user-copy
      spec:
        ports:
          - name: http
            port: 8080
            targetPort: 8080
            nodePort: 31001
        selector:
          app: mc-user
        type: NodePort
      """
    When I run "kubectl apply -f svc-31001.yaml"
    And I try to run "kubectl apply -f svc-copy.yaml"
    Then the command fails with:
      """
      The Service "mc-user-copy" is invalid: spec.ports[0].nodePort: Invalid value: 31001: provided port is already allocated
      """

  @C05
  Scenario: A nodePort outside 30000-32767 is rejected
    Given a file "svc-low.yaml":
      """
      apiVersion: v1
      kind: Service
      metadata:
        name: mc-user
      spec:
        ports:
          - name: http
            port: 8080
            targetPort: 8080
            nodePort: 8080
        selector:
          app: mc-user
        type: NodePort
      """
    When I try to run "kubectl apply -f svc-low.yaml"
    Then the command fails with:
      """
      The Service "mc-user" is invalid: spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767
      """
