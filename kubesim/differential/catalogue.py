"""The catalogue of accepted divergences (`catalogue.yaml`): documented abstractions the runner tolerates.

`load(path)` reads and checks the file; a bad entry is a `CatalogueError` naming the file,
the entry and the field. `Catalogue.classify(differences, a, b)` splits a step's
differences into those an entry accepts and the rest. An entry accepts a difference whose
path matches one of its patterns and, if the entry has `when`, only of that shape:
``only on DRIVER`` (only that driver shows the path), ``both`` (both show it, with other
values), ``more on DRIVER`` / ``fewer on DRIVER`` (numbers, an absent one counting as 0, such
as event counts: that driver's the larger / smaller). An entry with `values` instead accepts one
exact swap: each driver's value is the one the entry names for it, or, for lists, the two lists
are equal but for that one item on each side (a Deployment's conditions with one Progressing
reason on one system and another on the other).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from .observe import MISSING

DEFAULT = Path(__file__).with_name("catalogue.yaml")
FIELDS = ("id", "drivers", "paths", "script", "source", "explanation")
OPTIONAL = ("when", "values", "race")
_WHEN = re.compile(r"both|(only|more|fewer) on (\S+)")


@lru_cache(maxsize=256)
def _pattern(text: str) -> re.Pattern:
    """A path pattern: ``*`` matches any text, ``?`` one character; everything else, brackets and quotes included, is literal."""
    return re.compile(re.escape(text).replace(r"\*", ".*").replace(r"\?", "."))


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
    #: None (any values), or the shape of the difference (see the module docstring).
    when: str | None = None
    #: None, or why the script cannot show the difference on demand (a race inside the other system): then the
    #: entry must accept only ``only on DRIVER`` differences or one swap of `values`.
    race: str | None = None
    #: None, or ((driver, value), (driver, value)): the one swap the entry accepts (see the module docstring).
    values: tuple | None = None

    def applies(self, a: str, b: str) -> bool:
        return self.drivers == frozenset({a, b}) or (a == b and self.drivers == frozenset({a}))

    def accepts(self, difference: tuple, a: str, b: str) -> bool:
        """Whether this entry accepts `difference` (path, value on `a`, value on `b`)."""
        path, va, vb = difference
        if not any(_pattern(pattern).fullmatch(path) for pattern in self.paths):
            return False
        if self.values is not None:
            wanted = dict(self.values)
            return a != b and _swaps(va, vb, wanted.get(a, MISSING), wanted.get(b, MISSING))
        if self.when is None:
            return True
        values = {a: va, b: vb}
        if self.when == "both":
            return MISSING not in (va, vb)
        how, driver = _WHEN.fullmatch(self.when).groups()
        if driver not in values or a == b:
            return False
        mine, other = values[driver], (vb if driver == a else va)
        if how == "only":
            return mine != MISSING and other == MISSING
        mine, other = (0 if v == MISSING else v for v in (mine, other))  # a count never recorded is 0
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (mine, other)):
            return False
        return mine > other if how == "more" else mine < other


def _swaps(va, vb, item_a, item_b) -> bool:
    """Whether `va` is `item_a` and `vb` is `item_b`, or two lists equal but for `item_a` in the one and `item_b` in the other."""
    if (va, vb) == (item_a, item_b):
        return True
    if not (isinstance(va, list) and isinstance(vb, list) and item_a in va and item_b in vb):
        return False
    rest_a, rest_b = list(va), list(vb)
    rest_a.remove(item_a)
    rest_b.remove(item_b)
    return rest_a == rest_b


@dataclass(frozen=True)
class Catalogue:
    entries: tuple = ()

    def classify(self, differences: list, a: str, b: str) -> tuple[list, list]:
        """(catalogued, uncatalogued): each catalogued difference paired with the id of the entry that accepts it."""
        entries = [e for e in self.entries if e.applies(a, b)]
        catalogued, rest = [], []
        for d in differences:
            entry = next((e for e in entries if e.accepts(d, a, b)), None)
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
        unknown = set(item) - set(FIELDS) - set(OPTIONAL)
        if unknown:
            raise CatalogueError(f"{where}, field {sorted(unknown)[0]}: unknown (fields: {', '.join(FIELDS + OPTIONAL)})")
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
        when = item.get("when")
        if when is not None:
            found = _WHEN.fullmatch(when) if isinstance(when, str) else None
            if found is None or (found.group(2) is not None and found.group(2) not in drivers):
                raise CatalogueError(f"{where}, field when: must be 'both', or 'only on', 'more on' or 'fewer on' one of {', '.join(drivers)}; not {when!r}")
        values = item.get("values")
        if values is not None:
            if when is not None:
                raise CatalogueError(f"{where}, field values: an entry has `when` or `values`, not both")
            if not (isinstance(values, dict) and len(drivers) == 2 and set(values) == set(drivers) and all(v is not None for v in values.values())):
                raise CatalogueError(f"{where}, field values: must map each of {', '.join(drivers)} to the value it shows")
            values = tuple(sorted(values.items()))
        race = item.get("race")
        if race is not None and (not isinstance(race, str) or not race.strip() or not (values is not None or (when or "").startswith("only on "))):
            raise CatalogueError(f"{where}, field race: must be non-empty text, on an entry whose when is 'only on DRIVER' or that has values")
        seen.add(item["id"])
        entries.append(Entry(item["id"], frozenset(drivers), tuple(paths), item["script"], item["source"], item["explanation"], when, race, values))
    return Catalogue(tuple(entries))
