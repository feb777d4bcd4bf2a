"""pyproject.toml ships every package of the checkout, under the names the code imports."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_package_folder_is_listed():
    """On every folder with an __init__.py under kubesim/, model/, steps/, features/, its dotted name is in `packages`."""
    cfg = _config()
    roots = {"kubesim": ROOT / "kubesim", **{name: ROOT / folder for name, folder in cfg["package-dir"].items()}}
    found = set()
    for name, folder in roots.items():
        for init in folder.rglob("__init__.py"):
            rel = init.parent.relative_to(folder).parts
            if "__pycache__" not in rel:
                found.add(".".join((name, *rel)))
    assert found == set(cfg["packages"])


def test_every_data_file_is_shipped():
    """On the non-Python files the packages read at run time (features, manifests, templates, catalogues), a package-data glob matches."""
    cfg = _config()
    folders = {name: ROOT / cfg["package-dir"].get(name, name.replace(".", "/")) for name in cfg["packages"]}
    for name, folder in folders.items():
        data = [p for p in folder.rglob("*") if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
                and not any((folder / sub).is_dir() and (folder / sub / "__init__.py").exists() for sub in p.relative_to(folder).parts[:-1])]
        globs = cfg.get("package-data", {}).get(name, [])
        missing = [str(p.relative_to(folder)) for p in data if not any(p.relative_to(folder).match(g) for g in globs)]
        assert not missing, f"{name}: {missing} not in package-data"
