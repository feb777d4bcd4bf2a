"""kubectl's `-l/--selector` strings: parse them and match labels.

Follows `apimachinery/pkg/labels/selector.go` (`Parse`, `Lexer`, `Parser.parse`): requirements separated by
commas, each ``key``, ``!key``, ``key=value``, ``key==value``, ``key!=value``, ``key in (a,b)``,
``key notin (a,b)``, ``key>N`` or ``key<N``; whitespace separates tokens; the error texts are the parser's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping

_SPECIAL = "!=<>(),"
_TOKEN = re.compile(r"\s*(!=|==|[!=<>(),]|[^\s!=<>(),]+)")


class SelectorError(ValueError):
    """A selector that does not parse; the message is `labels.Parse`'s."""


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # exists, !, =, !=, in, notin, gt, lt
    values: tuple[str, ...] = ()

    def matches(self, labels: Mapping) -> bool:
        """`Requirement.Matches`."""
        have = self.key in labels
        value = labels.get(self.key)
        if self.op == "exists":
            return have
        if self.op == "!":
            return not have
        if self.op in ("=", "in"):
            return have and value in self.values
        if self.op in ("!=", "notin"):
            return not have or value not in self.values
        if not have:
            return False
        try:
            number, bound = int(value), int(self.values[0])
        except ValueError:
            return False
        return number > bound if self.op == "gt" else number < bound


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        found = _TOKEN.match(text, pos)
        out.append(found.group(1))
        pos = found.end()
    return out


def _is_identifier(tok: str | None, keywords_ok: bool = True) -> bool:
    return tok is not None and tok not in _SPECIAL and tok not in ("!=", "==") and (keywords_ok or tok not in ("in", "notin"))


def parse(text: str) -> list[Requirement]:
    """`labels.Parse`: the requirements of `text` (empty text selects everything)."""
    toks = _tokens(text)
    i = 0

    def peek(k: int = 0) -> str | None:
        return toks[i + k] if i + k < len(toks) else None

    def shown(tok: str | None) -> str:
        return "" if tok is None else tok

    reqs: list[Requirement] = []
    while True:
        tok = peek()
        if tok is None:
            return reqs
        if not (_is_identifier(tok) or tok == "!"):
            raise SelectorError(f"found '{tok}', expected: !, identifier, or 'end of string'")
        try:
            req, i = _requirement(toks, i)
        except SelectorError as e:
            raise SelectorError(f"unable to parse requirement: {e}") from None
        reqs.append(req)
        tok = peek()
        i += 1
        if tok is None:
            return reqs
        if tok != ",":
            raise SelectorError(f"found '{tok}', expected: ',' or 'end of string'")
        if not (_is_identifier(peek()) or peek() == "!"):
            raise SelectorError(f"found '{shown(peek())}', expected: identifier after ','")


def _requirement(toks: list[str], i: int) -> tuple[Requirement, int]:
    def at(k: int) -> str | None:
        return toks[k] if k < len(toks) else None

    negated = at(i) == "!"
    if negated:
        i += 1
    key = at(i)
    if not _is_identifier(key):
        raise SelectorError(f"found '{key or ''}', expected: identifier")
    i += 1
    if at(i) in (None, ","):
        return Requirement(key, "!" if negated else "exists"), i
    op = at(i)
    i += 1
    if negated or op not in ("=", "==", "!=", "in", "notin", ">", "<"):
        raise SelectorError(f"found '{op}', expected: in, notin, =, ==, !=, gt, lt")
    if op in ("in", "notin"):
        if at(i) != "(":
            raise SelectorError(f"found '{at(i) or ''}' expected: '('")
        i += 1
        values: list[str] = []
        while at(i) != ")":
            tok = at(i)
            if tok == ",":
                values.append("")
                i += 1
                continue
            if not _is_identifier(tok):
                raise SelectorError(f"found '{tok or ''}', expected: ',', ')' or identifier")
            values.append(tok)
            i += 1
            if at(i) == ",":
                i += 1
                if at(i) == ")":
                    values.append("")
            elif at(i) != ")":
                raise SelectorError(f"found '{at(i) or ''}', expected: ',' or ')'")
        return Requirement(key, op, tuple(sorted(set(values or [""])))), i + 1
    value = at(i)
    if value in (None, ","):
        value = ""
    elif not _is_identifier(value):
        raise SelectorError(f"found '{value}', expected: identifier")
    else:
        i += 1
    if op in (">", "<"):
        if not re.fullmatch(r"-?\d+", value):
            raise SelectorError("for 'Gt', 'Lt' operators, the value must be an integer")
        return Requirement(key, "gt" if op == ">" else "lt", (value,)), i
    return Requirement(key, "!=" if op == "!=" else "=", (value,)), i


def matches(reqs: list[Requirement], labels: Mapping | None) -> bool:
    labels = labels or {}
    return all(r.matches(labels) for r in reqs)
