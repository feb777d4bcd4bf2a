"""`--driver module:Class` is loaded once, and a driver that cannot be used is refused with one clear sentence."""

from __future__ import annotations

import sys
import textwrap

import pytest

from kubesim.cli.main import main
from kubesim.driver import DriverLoadError, load_driver
from kubesim.drivers.model import ModelDriver


@pytest.fixture
def user_module(tmp_path, monkeypatch):
    """Write `name.py` into an importable folder; return a function that does it."""
    monkeypatch.syspath_prepend(str(tmp_path))

    def write(name: str, body: str) -> None:
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(body))
        sys.modules.pop(name, None)

    yield write


def test_builtin_names_and_a_subclass_load(user_module):
    """On 'model' and on a module:Class subclassing ModelDriver, a driver instance comes back."""
    assert isinstance(load_driver("model"), ModelDriver)
    user_module("good_driver", "from kubesim import ModelDriver\nclass Mine(ModelDriver):\n    name = 'mine'\n")
    assert load_driver("good_driver:Mine").name == "mine"


@pytest.mark.parametrize(
    "spec, body, words",
    [
        ("no_such_module_xyz:D", None, ["no_such_module_xyz"]),
        ("empty_mod:Missing", "", ["no class", "Missing"]),
        ("half_mod:Half", "class Half:\n    name = 'half'\n    capabilities = frozenset()\n    def start(self): pass\n", ["lacks", "stop", "settle"]),
        ("caps_mod:NoCaps", "from kubesim import ModelDriver\nclass NoCaps(ModelDriver):\n    capabilities = None\n", ["capabilities"]),
        ("time_mod:NoAdvance",
         "from kubesim import ModelDriver\nclass NoAdvance(ModelDriver):\n    advance = None\n", ["lacks", "advance"]),
        ("boom_mod:Boom", "from kubesim import ModelDriver\nclass Boom(ModelDriver):\n    def __init__(self):\n        raise RuntimeError('no server')\n",
         ["Creating the driver", "no server"]),
        ("just_a_name", None, ["package.module:Class"]),
    ],
)
def test_unusable_drivers_are_refused_with_the_reason(user_module, spec, body, words):
    """On each kind of unusable driver, DriverLoadError names the module, class or missing methods."""
    if body is not None:
        user_module(spec.partition(":")[0], body)
    with pytest.raises(DriverLoadError) as err:
        load_driver(spec)
    for word in words:
        assert word in str(err.value)


def test_a_driver_without_an_optional_capability_need_not_have_its_methods(user_module):
    """On a driver without 'faults', crash/set_readiness are not required (kubesim.driver.CAPABILITY_METHODS)."""
    user_module("nofaults_mod", "from kubesim import ModelDriver\nclass NoFaults(ModelDriver):\n"
                "    capabilities = frozenset({'time'})\n    crash = None\n    set_readiness = None\n")
    assert load_driver("nofaults_mod:NoFaults").capabilities == frozenset({"time"})


def test_check_with_an_unloadable_driver_exits_2_before_running_anything(tmp_path, capsys, monkeypatch):
    """On `kubesim check --driver nosuch:D`, exit 2, one line on stderr, no report written."""
    monkeypatch.chdir(tmp_path)
    assert main(["check", "--driver", "nosuch:D", "--report", str(tmp_path / "rep")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: ") and "nosuch" in err
    assert not (tmp_path / "rep").exists()


def test_tour_write_puts_the_manifests_in_a_folder_and_refuses_to_overwrite(tmp_path, capsys):
    """On `tour --write DIR`, the article's manifests appear; a second write over changed files is refused, nothing lost."""
    folder = tmp_path / "article"
    assert main(["tour", "--write", str(folder)]) == 0
    names = sorted(p.name for p in folder.iterdir())
    assert {"deploy.yaml", "deploy-v11.yaml", "cm.yaml", "cm-v2.yaml", "rs.yaml", "svc-31000.yaml"} <= set(names)
    assert "654321" in (folder / "cm-v2.yaml").read_text()
    assert main(["tour", "--write", str(folder)]) == 0  # same content: nothing to refuse
    (folder / "cm.yaml").write_text("mine\n")
    capsys.readouterr()
    assert main(["tour", "--write", str(folder)]) == 1
    assert "cm.yaml" in capsys.readouterr().err
    assert (folder / "cm.yaml").read_text() == "mine\n"
