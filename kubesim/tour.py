"""`kubesim tour`: the article replayed as a terminal session on a fresh simulated cluster.

Each step prints the command a reader would type (`kubectl` replaced by `kubesim`), its
output, and, where today's Kubernetes differs from the article or the article's claim is
worth seeing, a short note with the claim id of `claims.md`. The commands run through
`kubesim.cli.main` against a throw-away state file, exactly as typed.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Callable

from kubesim.features import MANIFESTS

#: The CLI's entry point: arguments in, exit code out.
Main = Callable[[list[str]], int]

#: The article's manifests, shipped with the scenarios (`kubesim.features`, features/manifests/ in a checkout).
ARTICLE = MANIFESTS
MANIFESTS = ("rs-original.yaml", "rs.yaml", "svc-31001.yaml", "deploy.yaml", "svc-31000.yaml", "deploy-v11.yaml",
             "cm-original.yaml", "cm.yaml", "deploy-envfrom.yaml")

#: (section title, [(command or a note, ...)]): "#" lines are notes, "$" lines commands.
#: `{pod}` is the first pod's name at that moment; `| grep X` filters the output as grep would.
STEPS: list[tuple[str, list[str]]] = [
    ("ReplicaSet: three pods that heal themselves", [
        "$ kubesim apply -f rs-original.yaml",
        "# C04 (erratum): extensions/v1beta1 ReplicaSets are no longer served (removed in v1.16), and apps/v1 requires spec.selector. "
        "The tour goes on with rs.yaml, the same ReplicaSet in apps/v1 with a selector.",
        "$ kubesim apply -f rs.yaml -f svc-31001.yaml",
        "$ kubesim get all",
        "$ kubesim delete po {pod}",
        "$ kubesim get all",
        "# C03/C06: still three pods; the ReplicaSet controller created a new one, with a new name.",
        "$ kubesim delete rs mc-user",
        "$ kubesim delete svc mc-user",
    ]),
    ("Deployment: rolling update and rollback", [
        "$ kubesim apply -f deploy.yaml -f svc-31000.yaml",
        "$ kubesim get all",
        "# C15: deployment.apps/mc-user and replicaset.apps/mc-user-<pod-template-hash>. The simulated hash differs from a real cluster's.",
        "$ kubesim apply -f deploy-v11.yaml --no-settle",
        "$ kubesim rollout status deployment/mc-user",
        "# C08 (erratum): with the default maxSurge 25% (rounds up to 1) and maxUnavailable 25% (rounds down to 0) a V2 pod starts first, "
        "and a V1 pod goes only once a V2 pod has been available for minReadySeconds (10s). The article's delete-first order "
        "is what maxSurge: 0, maxUnavailable: 1 gives.",
        "$ kubesim get all",
        "# C16: two ReplicaSets; the old one stays, scaled to 0, as revision history.",
        "$ kubesim rollout undo deployment/mc-user",
        "$ kubesim rollout history deployment/mc-user",
        "# C17: undo copies revision 1's template back; the same ReplicaSet is scaled up again and renumbered to revision 3.",
        "$ kubesim get rs",
    ]),
    ("ConfigMap: configuration as environment variables", [
        "$ kubesim apply -f cm-original.yaml",
        "# C20 (erratum): an unquoted 123456 is a YAML integer, and ConfigMap data values must be strings. cm.yaml quotes it.",
        "$ kubesim apply -f cm.yaml -f deploy-envfrom.yaml",
        "$ kubesim exec {pod} printenv | grep DATASOURCE_NAME",
        "# C22 (erratum): since kubectl v1.31 the form without -- is an error; and the key is DATASOURCE_USERNAME, "
        "so grep DATASOURCE_NAME would print nothing anyway.",
        "$ kubesim exec {pod} -- printenv | grep DATASOURCE",
        "# C21: every key of the ConfigMap is a variable in the container.",
        "$ kubesim apply -f cm-v2.yaml",
        "$ kubesim exec {pod} -- printenv DATASOURCE_PASSWORD",
        "# C23: the running pods keep the values they started with (environment variables are read once, at container start).",
        "$ kubesim delete po {pod}",
        "$ kubesim exec {newest} -- printenv DATASOURCE_PASSWORD",
        "# C24: the replacement pod reads the new value, while the other pods keep the old one; "
        "`kubesim rollout restart deployment/mc-user` would replace them all, in a rolling way.",
    ]),
]


def _grep(text: str, pattern: str) -> str:
    return "".join(line + "\n" for line in text.splitlines() if pattern in line)


def _first_pod(main: Main, state: str) -> str:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
        main(["--state", state, "get", "po", "-o", "name"])
    names = buf.getvalue().split()
    return names[0].split("/", 1)[1] if names else "<no pod>"


def _newest_pod(main: Main, state: str) -> str:
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf), contextlib.redirect_stderr(io.StringIO()):
        main(["--state", state, "get", "po", "-o", "json"])
    items = json.loads(buf.getvalue())["items"]
    items.sort(key=lambda p: (p["metadata"]["creationTimestamp"], int(p["metadata"]["resourceVersion"])))
    return items[-1]["metadata"]["name"] if items else "<no pod>"


def run_command(main: Main, line: str, state: str) -> tuple[str, str, int]:
    """Run one `kubesim ...` line (with an optional `| grep X`) through `main`; return stdout, stderr, exit code."""
    grep = None
    if "|" in line:
        line, _, pipe = line.partition("|")
        grep = pipe.split("grep", 1)[1].strip()
    argv = line.split()[1:]
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--state", state] + argv)
    text = out.getvalue()
    if grep is not None:
        text = _grep(text, grep)
    return text, err.getvalue(), code


def write_manifests(folder: Path) -> list[Path]:
    """Write the tour's manifests into `folder` (created if needed); return the files written.

    Refuses, writing nothing, if any of them already exists there with other content.
    """
    folder = Path(folder)
    texts = {n: (ARTICLE / n).read_text(encoding="utf-8") for n in MANIFESTS}
    texts["cm-v2.yaml"] = texts["cm.yaml"].replace('"123456"', '"654321"')
    clash = [n for n, text in texts.items() if (folder / n).exists() and (folder / n).read_text(encoding="utf-8") != text]
    if clash:
        raise FileExistsError(f"{folder} already has {', '.join(clash)} with other content; choose an empty folder")
    folder.mkdir(parents=True, exist_ok=True)
    for n, text in texts.items():
        (folder / n).write_text(text, encoding="utf-8")
    return [folder / n for n in texts]


def run_tour(main: Main, out: Callable[[str], None] = print) -> int:
    """Print the session, each command run by `main` (the CLI's entry point, `kubesim.cli.main.main`); return 0."""
    here = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="kubesim-tour-") as tmp:
        write_manifests(Path(tmp))
        state = str(Path(tmp) / "state.json")
        os.chdir(tmp)
        try:
            for title, steps in STEPS:
                out(f"### {title}\n")
                for step in steps:
                    if step.startswith("#"):
                        out(f"  NOTE {step[2:]}\n")
                        continue
                    line = step[2:]
                    if "{pod}" in line:
                        line = line.replace("{pod}", _first_pod(main, state))
                    if "{newest}" in line:
                        line = line.replace("{newest}", _newest_pod(main, state))
                    stdout, stderr, code = run_command(main, "kubesim " + line.split(" ", 1)[1], state)
                    warnings = "".join(x + "\n" for x in stderr.splitlines() if x.startswith("Warning:"))
                    errors = "".join(x + "\n" for x in stderr.splitlines() if not x.startswith("Warning:"))
                    text = f"$ {line}\n{warnings}{stdout}{errors}"
                    out(text.rstrip("\n") + "\n")
        finally:
            os.chdir(here)
    return 0
