"""Commands that wait: `wait --for=condition=...` and `get -w`. They move logical time as far as they waited
and keep it, also when they give up (the time rule in `parser.TIME_RULE`)."""

from __future__ import annotations

from kubesim import model as m
from kubesim.model.kinds import prefix, resource

from . import printers as pr
from .common import Ctx, UserError, parse_timeout
from .targets import parse_targets, select


def _deadline(ctx: Ctx, text: str | None, default_ms: int | None) -> int | None:
    ms = parse_timeout(text) if text is not None else default_ms
    return None if not ms else ctx.st.now + ms


def _condition(obj: dict, ctype: str, want: str) -> bool:
    for c in (obj.get("status") or {}).get("conditions") or ():
        if c.get("type", "").lower() == ctype.lower():
            return str(c.get("status", "")).lower() == want.lower()
    return False


def cmd_wait(ctx: Ctx) -> None:
    """`kubectl wait --for=condition=TYPE[=VALUE]` (`wait.go` `ConditionalWait`): ``<ref> condition met`` per object,
    or ``timed out waiting for the condition on <resource>/<name>`` after `--timeout` (default 30s)."""
    a = ctx.args
    spec = a.for_
    if not spec or not spec.startswith("condition="):
        raise UserError(f'error: unrecognized condition: "{spec or ""}"; kubesim implements --for=condition=TYPE[=VALUE]')
    ctype, _, want = spec[len("condition="):].partition("=")
    want = want or "true"
    targets = parse_targets(a.resources)
    if not targets or (not any(names for _, names in targets) and not a.all and a.selector is None):
        raise UserError("error: resource(s) were provided, but no name was specified")
    found, errors = select(ctx, targets)
    for e in errors:
        raise UserError(e)
    keys = [(o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]) for _, lst in found for o in lst]
    if not keys:
        raise UserError("error: no matching resources found")
    deadline = _deadline(ctx, a.timeout, 30_000)
    pending = list(keys)
    for s in m.history(ctx.st):
        if deadline is not None and s.now > deadline:
            break
        ctx.st = s
        ctx.recorder.observe(s)
        still = []
        for kind, ns, name in pending:
            obj = s.get(kind, ns, name)
            if obj is not None and _condition(obj, ctype, want):
                ctx.out(f"{prefix(kind)}/{name} condition met")
            else:
                still.append((kind, ns, name))
        pending = still
        if not pending:
            return
    if deadline is not None and ctx.st.now < deadline:
        ctx.st = m.advance(ctx.st, deadline - ctx.st.now, observe=ctx.recorder.observe)
    kind, _, name = pending[0]
    raise UserError(f"error: timed out waiting for the condition on {resource(kind)}/{name}")


def watch(ctx: Ctx, found: list[tuple[str, list[dict]]]) -> None:
    """`get -w`: after the listing, one row per change of a listed kind, as the cluster runs until it settles or
    `--timeout` runs out. Column widths only grow, as kubectl's tab writer with `RememberWidths` keeps them
    (`GetNewTabWriter`: minimum width 6, padding 3)."""
    a = ctx.args
    kinds = [kind for kind, _ in found]
    listed = {kind: {o["metadata"]["name"] for o in lst} for kind, lst in found}
    named = any(names for _, names in parse_targets(a.resources))
    options = dict(wide=a.output == "wide", with_namespace=a.all_namespaces, with_kind=len(kinds) > 1)
    widths = {kind: _grow([], pr.table_rows(kind, lst, ctx.st.now, ctx.st.config.epoch, headers=bool(lst), **options)) for kind, lst in found}
    header_due = {kind: not lst for kind, lst in found}  # printed with the first row, as printTable does
    deadline = _deadline(ctx, a.timeout, None)
    prev = {kind: ctx.st.table(kind) for kind in kinds}
    for s in m.history(ctx.st):
        if deadline is not None and s.now > deadline:
            ctx.st = m.advance(ctx.st, deadline - ctx.st.now, observe=ctx.recorder.observe)
            return
        ctx.st = s
        ctx.recorder.observe(s)
        for kind in kinds:
            table = s.table(kind)
            if table is prev[kind]:
                continue
            old, prev[kind] = prev[kind], table
            for key in sorted(set(old.keys()) | set(table.keys())):
                before, after = old.get(key), table.get(key)
                if before is after:
                    continue
                obj = after if after is not None else before
                if not a.all_namespaces and kind != "Namespace" and obj["metadata"].get("namespace", "") != ctx.ns:
                    continue
                if named and obj["metadata"]["name"] not in listed[kind]:
                    continue
                rows = pr.table_rows(kind, [obj], s.now, s.config.epoch, headers=header_due[kind], **options)
                header_due[kind] = False
                _grow(widths[kind], rows)
                for row in rows:
                    ctx.out("".join(cell.ljust(widths[kind][i]) for i, cell in enumerate(row[:-1])) + row[-1])


def _grow(widths: list[int], rows: list[list[str]]) -> list[int]:
    """Widen `widths` (one per column but the last) to fit `rows`, as tabwriter pads: cell + 3, at least 6."""
    for row in rows:
        for i, cell in enumerate(row[:-1]):
            w = max(len(cell) + 3, 6)
            if i < len(widths):
                widths[i] = max(widths[i], w)
            else:
                widths.append(w)
    return widths
