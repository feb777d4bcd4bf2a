"""The catalogue of accepted divergences (`catalogue.yaml`): documented abstractions the runner tolerates.

`load(path)` reads and checks the file; a bad entry is a `CatalogueError` naming the file,
the entry and the field. `Catalogue.classify(differences, a, b)` splits a step's
differences into those an entry accepts and the rest.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

import yaml

DEFAULT = Path(__file__).with_name("catalogue.yaml")
FIELDS = ("id", "drivers", "paths", "script", "source", "explanation")


class CatalogueError(ValueError):
    """The catalogue file is malformed; the message names the file, the entry and the field."""


@dataclass(frozen=True)
class Entry:
    id: str
    drivers: frozenset
    paths: tuple
    script: str
    source: str
    explanation: str

    def applies(self, a: str, b: str) -> bool:
        return self.drivers == frozenset({a, b}) or (a == b and self.drivers == frozenset({a}))

    def accepts(self, path: str) -> bool:
        return any(fnmatch.fnmatchcase(path, pattern) for pattern in self.paths)


@dataclass(frozen=True)
class Catalogue:
    entries: tuple = ()

    def classify(self, differences: list, a: str, b: str) -> tuple[list, list]:
        """(catalogued, uncatalogued): each catalogued difference paired with the id of the entry that accepts it."""
        entries = [e for e in self.entries if e.applies(a, b)]
        catalogued, rest = [], []
        for d in differences:
            entry = next((e for e in entries if e.accepts(d[0])), None)
            if entry is None:
                rest.append(d)
            else:
                catalogued.append((d, entry.id))
        return catalogued, rest


def load(path: str | Path = DEFAULT) -> Catalogue:
    """Read a catalogue file; raise `CatalogueError` on anything malformed."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise CatalogueError(f"{path}: cannot read the catalogue: {err}") from None
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        raise CatalogueError(f"{path}: the catalogue must be a list of entries, not {type(raw).__name__}")
    entries, seen = [], set()
    for i, item in enumerate(raw, 1):
        where = f"{path}: entry {i}"
        if not isinstance(item, dict):
            raise CatalogueError(f"{where}: must be a map with the fields {', '.join(FIELDS)}")
        where = f"{path}: entry {i} ({item.get('id', 'no id')})"
        for f in FIELDS:
            if f not in item:
                raise CatalogueError(f"{where}, field {f}: missing")
        unknown = set(item) - set(FIELDS)
        if unknown:
            raise CatalogueError(f"{where}, field {sorted(unknown)[0]}: unknown (fields: {', '.join(FIELDS)})")
        drivers, paths = item["drivers"], item["paths"]
        if not (isinstance(drivers, list) and 1 <= len(drivers) <= 2 and all(isinstance(x, str) for x in drivers)):
            raise CatalogueError(f"{where}, field drivers: must list one or two driver names")
        if not (isinstance(paths, list) and paths and all(isinstance(x, str) and x for x in paths)):
            raise CatalogueError(f"{where}, field paths: must list at least one path pattern")
        for f in ("id", "script", "source", "explanation"):
            if not isinstance(item[f], str) or not item[f].strip():
                raise CatalogueError(f"{where}, field {f}: must be non-empty text")
        if item["id"] in seen:
            raise CatalogueError(f"{where}, field id: {item['id']!r} is used twice")
        seen.add(item["id"])
        entries.append(Entry(item["id"], frozenset(drivers), tuple(paths), item["script"], item["source"], item["explanation"]))
    return Catalogue(tuple(entries))
