"""How long `kubesim apply -f` takes to refuse bad input: every file of the robustness corpus, plus a
generated 50 MB file and a 2 MB ConfigMap value.

    python -m bench.bad_input            # prints the table

tests/robustness/test_corpus.py checks what each file gets (message, exit code, state kept, a
traced-memory bound); how fast it gets it is a figure, measured here, because a wall-clock limit in a
unit test fails on a loaded machine for reasons that have nothing to do with kubesim. The target is
the bound the corpus was written against: no file takes 5 s or more to be refused.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "robustness" / "corpus"
TARGET_S = 5.0


def _apply(state: Path, path: Path) -> tuple[int, float]:
    from kubesim.cli import main

    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--state", str(state), "apply", "-f", str(path)])
    return code, time.perf_counter() - started


def _generated(folder: Path) -> list[Path]:
    one = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big-%d\ndata:\n  KEY: " + b"x" * 900 + b"\n---\n"
    huge = folder / "huge-50MB.yaml"
    with huge.open("wb") as f:
        for i in range(50 * 1024 * 1024 // len(one) + 1):
            f.write(one.replace(b"%d", str(i).encode()))
    wide = folder / "wide-2MB-value.yaml"
    wide.write_bytes(b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: wide\ndata:\n  BIG: " + b"x" * 2_000_000 + b"\n")
    return [huge, wide]


def measure() -> list[tuple[str, int, float]]:
    """(file, exit code, seconds) for every file, each applied to a copy of the article's settled state."""
    from kubesim.cli import main
    from kubesim.tour import ARTICLE

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        baseline = folder / "baseline.json"
        with contextlib.redirect_stdout(io.StringIO()):
            main(["--state", str(baseline), "apply", "-f", str(ARTICLE / "deploy.yaml"), "-f",
                  str(ARTICLE / "svc-31000.yaml"), "-f", str(ARTICLE / "cm.yaml")])
        here = os.getcwd()
        os.chdir(CORPUS)  # some corpus files name others relative to the corpus folder
        try:
            for path in sorted(CORPUS.iterdir()) + _generated(folder):
                state = folder / "state.json"
                shutil.copy(baseline, state)
                code, seconds = _apply(state, path)
                rows.append((path.name, code, seconds))
        finally:
            os.chdir(here)
    return rows


def main() -> int:
    rows = measure()
    slowest = sorted(rows, key=lambda r: r[2], reverse=True)
    total = sum(r[2] for r in rows)
    print(f"### Bad input refused by `kubesim apply -f` ({len(rows)} files)\n")
    print("| file | exit | s |\n|---|---:|---:|")
    for name, code, seconds in slowest[:5]:
        print(f"| {name} | {code} | {seconds:.3f} |")
    worst = slowest[0]
    verdict = "met" if worst[2] < TARGET_S else "missed"
    print(f"\nslowest 5 of {len(rows)} shown; all files {total:.2f} s in all, median "
          f"{sorted(r[2] for r in rows)[len(rows) // 2]:.3f} s")
    print(f"target: every file refused in < {TARGET_S:.0f} s: worst {worst[2]:.2f} s ({worst[0]}): **{verdict}**")
    return 0 if verdict == "met" else 1


if __name__ == "__main__":
    raise SystemExit(main())
