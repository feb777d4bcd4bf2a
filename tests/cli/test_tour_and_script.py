"""The tour runs end to end; the console script and `python -m kubesim.cli` work."""

import os
import subprocess
import sys

from kubesim.cli import main


def test_tour_replays_the_article(capsys):
    assert main(["tour"]) == 0
    out = capsys.readouterr().out
    for expected in (
        "$ kubesim apply -f rs-original.yaml\nerror: resource mapping not found",
        "NOTE C04 (erratum)",
        "replicaset.apps/mc-user   3         3         3",
        'deployment "mc-user" successfully rolled out',
        "deployment.apps/mc-user rolled back",
        "error: exec [POD] [COMMAND] is not supported anymore",
        "DATASOURCE_USERNAME=root",
        "654321",
    ):
        assert expected in out


def test_console_script_and_module(tmp_path):
    env = {**os.environ, "KUBESIM_STATE": str(tmp_path / "s.json")}
    r = subprocess.run([sys.executable, "-m", "kubesim.cli", "get", "svc"], capture_output=True, text=True, env=env)
    assert r.returncode == 0 and r.stdout.startswith("NAME         TYPE        CLUSTER-IP")
    r = subprocess.run(["kubesim", "get", "nope"], capture_output=True, text=True, env=env)
    assert (r.returncode, r.stderr) == (1, 'error: the server doesn\'t have a resource type "nope"\n')


def test_check_without_report_package_says_what_is_missing(capsys, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake(name, globals=None, locals=None, fromlist=(), level=0):
        if name == "report" and level == 2 or name == "kubesim.report":
            raise ImportError("No module named 'kubesim.report'")
        return real_import(name, globals, locals, fromlist, level)

    monkeypatch.setattr(builtins, "__import__", fake)
    assert main(["check"]) == 2
    assert "kubesim check needs kubesim.report" in capsys.readouterr().err
