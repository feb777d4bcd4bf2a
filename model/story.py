"""Replay the article's story on the embedded model and print each step.

This is a front end (it prints); the model itself stays pure.
"""

from __future__ import annotations

from pathlib import Path

import model as m

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "article"


def _pods(st) -> str:
    rows = []
    for p in st.list("Pod"):
        phase = "Terminating" if p["metadata"].get("deletionTimestamp") else p["status"].get("phase")
        rows.append(f"    pod/{p['metadata']['name']:<32} {phase}")
    return "\n".join(rows)


def _apply(st, name: str):
    text = (FIXTURES / name).read_text()
    try:
        st, lines = m.apply_manifests(st, text, name)
    except (m.ApiError, m.ManifestError) as err:
        print(f"$ kubectl apply -f {name}\n{err.kubectl_message() if isinstance(err, m.ApiError) else 'error: ' + str(err)}")
        return st
    print(f"$ kubectl apply -f {name}\n" + "\n".join(lines))
    return st


def main() -> None:
    st = m.new_cluster()
    print("# ReplicaSet: the article's manifest, then the corrected apps/v1 one")
    st = _apply(st, "rs-original.yaml")
    st = _apply(st, "rs.yaml")
    st = _apply(st, "svc-31001.yaml")
    st = m.settle(st)
    print(_pods(st))
    victim = st.list("Pod")[0]["metadata"]["name"]
    st, line = m.perform(st, m.Delete("Pod", victim))
    print(f"$ kubectl delete po {victim}\n{line}")
    st = m.settle(st)
    print(_pods(st))
    st, _ = m.perform(st, m.Delete("ReplicaSet", "mc-user"))
    st, _ = m.perform(st, m.Delete("Service", "mc-user"))
    st = m.settle(st)
    print("\n# Deployment: rolling update from 1.0.RELEASE to 1.1.RELEASE")
    st = _apply(st, "deploy.yaml")
    st = _apply(st, "svc-31000.yaml")
    st = m.settle(st)
    st = _apply(st, "deploy-v11.yaml")
    last = None
    for s in m.history(st):
        sig = tuple((rs["metadata"]["name"], rs["spec"]["replicas"]) for rs in s.list("ReplicaSet"))
        if sig != last:
            print(f"  t={s.now / 1000:>7.3f}s  " + "  ".join(f"{n}={r}" for n, r in sig))
            last = sig
        st = s
    st, line = m.perform(st, m.RolloutUndo("mc-user"))
    print(f"$ kubectl rollout undo deployment/mc-user\n{line}")
    st = m.settle(st)
    for rs in st.list("ReplicaSet"):
        rev = rs["metadata"]["annotations"]["deployment.kubernetes.io/revision"]
        print(f"    replicaset.apps/{rs['metadata']['name']}  revision {rev}  replicas {rs['spec']['replicas']}")
    print("\n# ConfigMap: the article's manifest, then the quoted one")
    st = _apply(st, "cm-original.yaml")
    st = _apply(st, "cm.yaml")
    st = _apply(st, "deploy-envfrom.yaml")
    st = m.settle(st)
    pod = st.list("Pod")[0]["metadata"]["name"]
    env = dict(m.container_env(st, "default", pod) or ())
    print(f"$ kubectl exec {pod} -- printenv | grep DATASOURCE")
    print("\n".join(f"{k}={v}" for k, v in env.items() if k.startswith("DATASOURCE")))


if __name__ == "__main__":
    main()
