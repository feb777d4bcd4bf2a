"""The kit as a third party gets it: a wheel, a fresh virtualenv, an empty folder, their own driver.

Slow (it builds the wheel and installs it with its dependencies), so it is not part of the
default test run; CI runs it after that (`python -m pytest tests/install`). The driver is
`examples/mydriver.py`, copied into the empty folder as a user would write it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(cmd: list[str], cwd: Path, env: dict, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def user(tmp_path_factory):
    """(empty folder holding mydriver.py, environment whose PATH starts with the fresh virtualenv)."""
    base = tmp_path_factory.mktemp("install")
    dist = base / "dist"
    built = _run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(dist), str(ROOT)], ROOT, dict(os.environ))
    assert built.returncode == 0, built.stderr[-3000:]
    wheel = next(dist.glob("kubesim-*.whl"))
    venv.create(base / "venv", with_pip=True)
    bin_dir = base / "venv" / "bin"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PATH"] = os.pathsep.join([str(bin_dir), env.get("PATH", "")])
    installed = _run([str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel)], base, env)
    assert installed.returncode == 0, installed.stderr[-3000:]
    folder = base / "work"
    folder.mkdir()
    (folder / "mydriver.py").write_text((ROOT / "examples" / "mydriver.py").read_text(encoding="utf-8"), encoding="utf-8")
    return folder, env


def _site_packages(env: dict, folder: Path) -> Path:
    res = _run(["python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], folder, env)
    return Path(res.stdout.strip())


def test_the_wheel_installs_everything_under_kubesim(user):
    """On the installed wheel, no top-level `model` or `steps` exists, and scenarios, steps, templates and manifests are there."""
    folder, env = user
    site = _site_packages(env, folder)
    assert not (site / "model").exists() and not (site / "steps").exists()
    kit = site / "kubesim"
    assert len(list((kit / "features").glob("*.feature"))) >= 7
    assert (kit / "features" / "manifests" / "deploy.yaml").exists()
    assert (kit / "steps" / "kubectl.py").exists() and (kit / "model" / "deployment" / "rolling.py").exists()
    assert list((kit / "report" / "templates").iterdir())
    assert (kit / "stateful.py").exists() and (kit / "differential" / "catalogue.yaml").exists()


def test_a_local_model_module_does_not_shadow_the_kit(user):
    """On a user's folder with its own model.py, the built-in model driver still works."""
    folder, env = user
    (folder / "model.py").write_text("raise ImportError('the user model was imported')\n")
    try:
        res = _run(["python", "-c", "from kubesim import ModelDriver; d = ModelDriver(); d.start(); print(d.list('Pod'))"], folder, env)
    finally:
        (folder / "model.py").unlink()
    assert res.returncode == 0 and res.stdout.strip() == "[]", res.stderr[-2000:]


def test_tour_writes_the_article_manifests(user):
    """On `kubesim tour --write DIR`, the tour's manifests are written and `kubesim apply` accepts them."""
    folder, env = user
    res = _run(["kubesim", "tour", "--write", "article"], folder, env)
    assert res.returncode == 0, res.stderr
    state = ["--state", str(folder / "article" / "state.json")]
    res = _run(["kubesim", *state, "apply", "-f", "article/deploy.yaml"], folder, env)
    assert res.returncode == 0 and res.stdout.strip() == "deployment.apps/mc-user created", res.stdout + res.stderr


def test_check_passes_on_the_honest_driver(user):
    """On `kubesim check --driver mydriver:Honest` from the user's folder, exit 0, no traceback, a summary naming every claim."""
    folder, env = user
    res = _run(["kubesim", "check", "--driver", "mydriver:Honest", "--report", "report"], folder, env)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-3000:]
    assert "Traceback" not in res.stdout + res.stderr
    for claim in ("C01", "C09", "C23"):
        assert claim in res.stdout
    assert (folder / "report" / "index.html").exists()


def test_check_fails_on_the_buggy_driver(user):
    """On `kubesim check --driver mydriver:Buggy` (env read live, against C23), a non-zero exit with C23 failed, no traceback."""
    folder, env = user
    res = _run(["kubesim", "check", "--driver", "mydriver:Buggy", "--report", "report-buggy", "--no-stateful"], folder, env)
    assert res.returncode == 1, res.stdout[-4000:] + res.stderr[-3000:]
    assert "Traceback" not in res.stderr
    row = next(line.split() for line in res.stdout.splitlines() if line.startswith("C23 "))
    assert int(row[3]) >= 1, row  # FAILED column


def test_a_driver_that_cannot_load_fails_early_in_one_line(user):
    """On `--driver nosuch:Driver`, exit 2 with one error line and nothing run."""
    folder, env = user
    res = _run(["kubesim", "check", "--driver", "nosuch:Driver"], folder, env)
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0 and "nosuch" in res.stderr and "Traceback" not in res.stderr
    assert not (folder / "report").exists() or (folder / "report" / "index.html").exists()


def test_the_pytest_plugin_runs_the_scenarios_against_the_users_driver(user):
    """On `python -m pytest --pyargs kubesim.features --driver mydriver:Buggy -k configmap`, the ConfigMap scenarios fail."""
    folder, env = user
    cmd = ["python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "--pyargs", "kubesim.features", "--driver", "mydriver:Buggy", "-k", "configmap"]
    res = _run(cmd, folder, env)
    assert res.returncode == 1, res.stdout[-3000:] + res.stderr[-2000:]
    res = _run([*cmd[:-4], "--driver", "mydriver:Honest", "-k", "configmap"], folder, env)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-2000:]
