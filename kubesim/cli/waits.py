"""Commands that wait: `wait --for=...` and `get -w`. They move logical time as far as they waited and keep it,
also when they give up (the time rule in `parser.TIME_RULE`)."""

from __future__ import annotations

from typing import Callable

from kubesim import model as m
from kubesim.model.clock import parse_duration
from kubesim.model.kinds import prefix, resource

from . import jsonpath as jp
from . import printers as pr
from . import selectors
from .common import Ctx, UserError, parse_timeout
from .targets import bulk_targets, parse_targets, select

#: kubectl wait's `--timeout` default, and what a negative one means (`wait.go` `ToOptions`: a week).
WAIT_DEFAULT_MS = 30_000
WAIT_NEGATIVE_MS = 168 * 3_600_000

#: How often `wait --for=create` looks for the objects (`wait.go` `RunWait`: `PollUntilContextTimeout`, 500 ms).
CREATE_POLL_MS = 500


class Clock:
    """The cluster as a waiting command sees it: each state in turn until it settles, then only time passes.

    `step` moves `ctx.st` to the next state that comes no later than `deadline` (None: no deadline) and says
    whether there was one; when there is none, the clock moves on to the deadline (a wait keeps the time it
    waited) and the wait is over.
    """

    def __init__(self, ctx: Ctx, deadline: int | None) -> None:
        self.ctx = ctx
        self.deadline = deadline
        self._states = m.history(ctx.st)
        next(self._states)  # the current state

    def step(self) -> bool:
        s = next(self._states, None) if self._states is not None else None
        if s is not None and (self.deadline is None or s.now <= self.deadline):
            self.ctx.st = s
            self.ctx.recorder.observe(s)
            return True
        self._states = None
        if self.deadline is not None and self.ctx.st.now < self.deadline:
            self.ctx.st = m.advance(self.ctx.st, self.deadline - self.ctx.st.now, observe=self.ctx.recorder.observe)
        return False

    @property
    def expired(self) -> bool:
        """Whether a wait has run the clock out: its deadline reached, and no state left before it."""
        return self._states is None and self.deadline is not None and self.ctx.st.now >= self.deadline


def _split_jsonpath_input(text: str) -> list[str]:
    """`splitJSONPathInput`: split on each single ``=``; ``==`` stays in the expression."""
    parts, cur, i = [], [], 0
    while i < len(text):
        if text[i] == "=":
            if text[i + 1:i + 2] == "=":
                cur.append("==")
                i += 2
                continue
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(text[i])
        i += 1
    return parts + ["".join(cur)]


def _go_text(value) -> str:
    """How Go's ``%v`` prints a scalar of an unstructured object (`json.go` `compareResults`)."""
    if value is None:
        return "<nil>"
    return jp.text(value)


def _jsonpath_check(spec: str) -> Callable[[dict], bool]:
    """`conditionFuncFor` for ``jsonpath=EXPR[=VALUE]`` (`processJSONPathInput`, `JSONPathWait.checkCondition`).

    A missing field is not met (kubectl's parser allows missing keys); several values, or a map or list compared
    with a value, are errors that end the wait.
    """
    parts = _split_jsonpath_input(spec)
    if len(parts) > 2:
        raise UserError("error: jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3 or --for=jsonpath='{.status.readyReplicas}'")
    try:
        expr = jp.relaxed(parts[0]) if parts[0] else ""
    except jp.JSONPathError as e:
        raise UserError(f"error: {e}")
    want = None
    if len(parts) == 2:
        want = parts[1].strip("'\"")
        if not want:
            raise UserError("error: jsonpath wait has to have a value after equal sign, like --for=jsonpath='{.status.readyReplicas}'=3")
    if not expr:
        raise UserError("error: jsonpath expression cannot be empty")
    try:
        jp.check(expr)
    except jp.JSONPathError as e:
        raise UserError(f"error: {e}")

    def met(obj: dict) -> bool:
        found = jp.values(expr, obj)
        if not found:
            return False
        if len(found) > 1:
            raise UserError("error: given jsonpath expression matches more than one value")
        if want is None:
            return True
        if isinstance(found[0], (dict, list)):
            raise UserError("error: jsonpath leads to a nested object or list which is not supported")
        return _go_text(found[0]).strip() == want.strip()

    return met


def _condition_check(spec: str) -> Callable[[dict], bool]:
    """``condition=NAME[,NAME...][=VALUE]`` (`ConditionalWait.checkCondition`): the first condition of one of the
    types decides, its status compared case-insensitively with VALUE (default true); a condition whose
    observedGeneration (its own, else the status's) is behind `metadata.generation` is not met yet."""
    names, _, want = spec.partition("=")
    types = [n.casefold() for n in names.split(",")]
    want = (want or "true").casefold()

    def met(obj: dict) -> bool:
        status = obj.get("status") or {}
        for c in status.get("conditions") or ():
            if str(c.get("type", "")).casefold() not in types or "status" not in c:
                continue
            generation = obj["metadata"].get("generation")
            observed = c.get("observedGeneration", status.get("observedGeneration"))
            if generation is not None and observed is not None and observed < generation:
                return False
            return str(c["status"]).casefold() == want
        return False

    return met


#: `--for=create` (`create.go` `IsCreated`): met by an object that exists when its visit comes.
CREATED = object()


def _for(spec: str) -> Callable[[dict], bool] | object | None:
    """What one `--for` waits for (`wait.go` `conditionFuncsFor`): a check of an object, `CREATED`, or None for
    its deletion."""
    if spec.lower() == "delete":
        return None
    if spec.lower() == "create":
        return CREATED
    if spec.startswith("condition="):
        return _condition_check(spec[len("condition="):])
    if spec.startswith("jsonpath="):
        return _jsonpath_check(spec[len("jsonpath="):])
    raise UserError(f'error: unrecognized condition: "{spec}"')


def _wait_timeout(text: str | None) -> int:
    if text is None:
        return WAIT_DEFAULT_MS
    try:
        ms = parse_duration(text)
    except ValueError:
        return parse_timeout(text)  # its error names the flag as kubectl does
    return WAIT_NEGATIVE_MS if ms < 0 else ms


def cmd_wait(ctx: Ctx) -> None:
    """`kubectl wait` (`wait.go` `RunWaitContext`, `condition.go`, `create.go`, `delete.go`, `json.go`).

    `--for` may be given several times: each object must meet every condition, in the order given
    (`conditionFuncsFor`), and each one met prints ``<ref> condition met``; with `create` among them the
    objects are first polled for. The objects are visited in the order the arguments name them (a listing by
    `-l`/`--all` is taken when the wait starts; a name is looked up when its turn comes, `builder.go`
    `RetrieveLazy`), against one deadline. The visit goes on past a failure (the builder's `ContinueOnError`,
    `EagerVisitorList`, `FlattenListVisitor`): an object's first unmet condition is its error, and the next
    object is visited, though once the deadline has passed every condition still to wait for times out. With
    `delete` among the conditions every NotFound is dropped (`IgnoreErrors(IsNotFound)`), and so is the
    ``no matching resources found`` error. Errors are printed as `cmdutil.CheckErr` does: one as
    ``error: <message>`` (an API error as ``Error from server (...)``), several one per line without the
    ``error:`` prefix (`MultipleErrors`).

    Abstracts: once the deadline has passed, a `delete` still to check reports a timeout; upstream its first
    GET fails on the expired context instead, with the client's message.
    """
    a = ctx.args
    specs = a.for_ or []
    if not specs:
        raise UserError("error: unrecognized condition: []")  # conditionFuncsFor of no --for: %q of an empty list
    checks = [_for(spec) for spec in specs]
    deleting = any(check is None for check in checks)
    targets, named = bulk_targets(a.resources, a.all, a.selector)
    if not named and not a.all and a.selector is None:
        raise UserError("error: resource(s) were provided, but no name was specified")
    timeout = _wait_timeout(a.timeout)
    if CREATED in checks:
        _poll_until_created(ctx, targets, timeout)
    found, _ = select(ctx, targets)
    items: list[tuple[str, str, str, bool]] = []  # kind, namespace, name, listed
    for (kind, names), (_, objs) in zip(targets, found):
        ns = "" if kind == "Namespace" else ctx.ns
        items += [(kind, ns, n, False) for n in names] if names else [(kind, o["metadata"].get("namespace", ""), o["metadata"]["name"], True) for o in objs]
    clock = Clock(ctx, ctx.st.now + timeout)
    errors: list[tuple[bool, str]] = []  # (a NotFound, its message as kubectl prints it alone)
    visited = 0
    for kind, ns, name, listed in items:
        obj = ctx.st.get(kind, ns, name)
        if obj is None and not listed:  # RetrieveLazy's GET at the visit
            errors.append((True, m.ApiError.not_found(resource(kind), name).kubectl_message()))
            continue
        visited += 1
        uid = obj["metadata"].get("uid") if obj is not None else None
        for check in checks:
            failure = _wait_one(ctx, clock, check, kind, ns, name, uid, timeout)
            if failure is not None:
                errors.append(failure)
                break
            ctx.out(f"{prefix(kind)}/{name} condition met")
    if deleting:
        errors = [e for e in errors if not e[0]]
    if len(errors) == 1:
        raise UserError(errors[0][1])
    if errors:  # MultipleErrors: messageForError, no "error: " added
        raise UserError("\n".join(text.removeprefix("error: ") if not notfound else text for notfound, text in errors))
    if not visited and not deleting:
        raise UserError("error: no matching resources found")


def _wait_one(ctx: Ctx, clock: Clock, check, kind: str, ns: str, name: str, uid, timeout: int) -> tuple[bool, str] | None:
    """One condition on one object (`IsCreated`, `IsDeleted`, `getObjAndCheckCondition`): None once it is met,
    else the error, as (a NotFound, its message)."""
    if check is CREATED:  # the object the visit found
        return None
    where = f"{resource(kind).split('.')[0]}/{name}"  # Info.ObjectName: the resource without its group
    if timeout and clock.expired:  # the informer's sync fails on the context that timed out
        return False, f"error: timed out waiting for the condition on {where}"
    current = ctx.st.get(kind, ns, name)
    if check is None:
        def met(o: dict | None) -> bool:  # IsDeleted: gone, or replaced by another object of that name
            return o is None or o["metadata"].get("uid") != uid
    else:
        if current is None:  # the GET (--timeout=0) or the watch's precondition: a NotFound
            return True, m.ApiError.not_found(resource(kind), name).kubectl_message()
        met = _present(check)
    if met(current):
        return None
    if timeout == 0:
        return False, f"error: condition not met for {where}"
    while clock.step():
        if met(ctx.st.get(kind, ns, name)):
            return None
    return False, f"error: timed out waiting for the condition on {where}"


def _present(check: Callable[[dict], bool]) -> Callable[[dict | None], bool]:
    """`check` on the object as the watch shows it; a deleted object meets no condition (`isConditionMet`)."""
    return lambda o: o is not None and check(o)


def _poll_until_created(ctx: Ctx, targets: list[tuple[str, list[str]]], timeout: int) -> None:
    """`wait --for=create` before its visit (`wait.go` `RunWait`): look for the objects at once and then every
    500 ms until the listing finds one and no named object is NotFound, or the timeout ends it with
    ``timed out waiting for the condition`` (`wait.ErrorInterrupted`, no object named). The time kept is the poll
    that found them: between polls the cluster runs, but kubectl only sees it at the next poll. `--timeout=0`
    looks once. With two or more named objects missing the visit (`ContinueOnErrorVisitor`) returns an aggregate
    that `IsNotFound` does not recognise: the poll ends at once with those errors, one per line."""
    start = ctx.st.now
    deadline = start + timeout

    def created() -> bool:
        found, errors = select(ctx, targets)
        if len(errors) > 1:
            raise UserError("\n".join(errors))
        return not errors and any(objs for _, objs in found)

    polls = 0
    while not created():
        if ctx.st.now >= deadline:
            raise UserError("error: timed out waiting for the condition")
        st = ctx.st
        # Until something is due, every poll sees the same cluster: go straight to the poll after it.
        due = start if not st.idle else (st.next_timer() if st.timer_times else deadline)
        polls = max(polls + 1, -(-(due - start) // CREATE_POLL_MS))
        until = min(start + polls * CREATE_POLL_MS, deadline)
        ctx.st = m.advance(st, until - st.now, observe=ctx.recorder.observe)


def watch(ctx: Ctx, found: list[tuple[str, list[dict]]]) -> None:
    """`get -w`: after the listing, one row per change of a listed kind, as the cluster runs until it settles or
    `--timeout` runs out. Column widths only grow, as kubectl's tab writer with `RememberWidths` keeps them
    (`GetNewTabWriter`: minimum width 6, padding 3)."""
    a = ctx.args
    kinds = [kind for kind, _ in found]
    listed = {kind: {o["metadata"]["name"] for o in lst} for kind, lst in found}
    named = any(names for _, names in parse_targets(a.resources))
    reqs = selectors.parse(a.selector) if a.selector is not None else None  # select() has parsed it already
    options = dict(wide=a.output == "wide", with_namespace=a.all_namespaces, with_kind=len(kinds) > 1)
    widths = {kind: _grow([], pr.table_rows(kind, lst, ctx.st.now, ctx.st.config.epoch, headers=bool(lst), **options)) for kind, lst in found}
    header_due = {kind: not lst for kind, lst in found}  # printed with the first row, as printTable does
    ms = parse_timeout(a.timeout) if a.timeout else 0
    clock = Clock(ctx, ctx.st.now + ms if ms else None)
    prev = {kind: ctx.st.table(kind) for kind in kinds}
    while clock.step():
        s = ctx.st
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
                if reqs is not None and not selectors.matches(reqs, obj["metadata"].get("labels")):
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
