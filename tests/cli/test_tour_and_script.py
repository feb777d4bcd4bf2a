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
