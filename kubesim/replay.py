"""Replay a kubectl-style script on the embedded model, checking every invariant on the way.

A script is what a failing stateful test prints: manifests and commands in order, as a
person would type them::

    kubectl apply -f - <<EOF
    apiVersion: apps/v1
    kind: Deployment
    ...
    EOF
    kubectl set image deployment/web web=web:2
    kubesim advance 10s
    kubesim run deployment/default/web
    kubesim settle

``kubectl`` lines are the user's requests (``kubectl delete`` takes ``--cascade=orphan``).
``kubesim`` lines are what the world and the control plane do: ``advance DURATION`` lets
time pass, ``settle`` runs until nothing changes, ``run WORK`` runs one queued controller sync (``controller/namespace/name``, or
a JSON list for other work), ``tick`` moves time to the next timer,
``crash pod/NAME`` makes a container exit, ``set-readiness pod/NAME true|false|auto``
forces a readiness result. Lines starting with ``#`` are comments.

`Runner` executes one command at a time (the stateful tests generate their runs through
it, so a printed script replays exactly); `replay(text)` runs a whole script and raises
`InvariantViolation` at the first broken invariant; `minimize(text)` deletes commands
while the script still breaks the same invariant. ``python -m kubesim.replay FILE``
does the same from a shell (``-`` reads standard input; ``--mutant NAME`` replays on a
broken model from `kubesim.mutants`; ``--minimize`` prints the minimized script).
"""

from __future__ import annotations

import json
import shlex
import sys
from typing import Iterator

from kubesim import model as m
from kubesim.model.kinds import kind_of

from .driver import NotSettledError
from .drivers.model import ModelDriver
from .invariants import InvariantMonitor, InvariantViolation, Request

REFUSED = (m.ApiError, m.ControllerError, m.ManifestError)


def split_commands(script: str) -> Iterator[str]:
    """Yield the commands of a script; a heredoc (``<<EOF`` ... ``EOF``) stays with its command."""
    lines = script.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if "<<" in line:
            marker = line.split("<<", 1)[1].strip().strip("'\"")
            body = [line]
            while i < len(lines) and lines[i].strip() != marker:
                body.append(lines[i])
                i += 1
            body.append(marker)
            i += 1
            yield "\n".join(body)
        else:
            yield line.strip()


def format_work(work: tuple) -> str:
    """``deployment/default/web`` for (controller, namespace, name) work; JSON otherwise."""
    if all(isinstance(x, str) and x and "/" not in x for x in work) and len(work) == 3:
        return "/".join(work)
    return shlex.quote(json.dumps(list(work)))


def parse_work(text: str) -> tuple:
    text = text.strip()
    if text.startswith("["):
        return tuple(json.loads(text))
    return tuple(text.split("/"))


def parse_duration(text: str) -> float:
    """``10s``, ``1.5s``, ``250ms``, ``2m`` -> seconds."""
    for unit, factor in (("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)


def format_duration(seconds: float) -> str:
    return f"{round(seconds, 3):g}s"


class Runner:
    """Execute script commands on a driver (default: a fresh model) under an `InvariantMonitor`."""

    def __init__(self, driver: ModelDriver | None = None, *, check: bool = True, config: m.Config | None = None, settle_timeout: float = 600.0):
        self.driver = driver if driver is not None else ModelDriver(config=config)
        self.settle_timeout = settle_timeout
        self.driver.start()
        self.monitor = InvariantMonitor(self.driver).start() if check else None
        self.commands: list[str] = []

    # ----- the interleave capability of the model driver
    def step(self, action) -> None:
        """Apply one model action (`RunWork`, `Tick`, ...) so that subscribers see the new state."""
        self.driver._do(action)  # noqa: SLF001 - the model driver's own request path

    def enabled(self) -> list:
        return m.enabled(self.driver.state)

    # ----- commands
    def run(self, command: str) -> str:
        """Execute one command; raise `ApiError` / `ControllerError` / `ManifestError` if refused.

        The command is recorded in `commands` only if it was accepted.
        """
        out = self._execute(command)
        self.commands.append(command)
        return out

    def script(self) -> str:
        return "\n".join(self.commands) + ("\n" if self.commands else "")

    def _execute(self, command: str) -> str:
        first, _, body = command.partition("\n")
        words = _split_words(first.split("<<", 1)[0])
        if not words:
            return ""
        d = self.driver
        tool, args = words[0], words[1:]
        if tool == "kubectl":
            return self._kubectl(args, body.rsplit("\n", 1)[0] if "<<" in first else "")
        if tool != "kubesim":
            raise ValueError(f"Unknown command {first!r}: scripts contain kubectl and kubesim lines only.")
        verb = args[0] if args else ""
        if verb == "advance":
            d.advance(parse_duration(args[1]))
        elif verb == "settle":
            try:
                d.settle(self.settle_timeout)
            except NotSettledError:
                return "not settled"
            if self.monitor is not None:
                self.monitor.check_settled()
        elif verb == "run":
            work = parse_work(args[1])
            if work not in d.state.queued:
                raise m.ControllerError(f"work {format_work(work)} is not queued")
            self.step(m.RunWork(work))
        elif verb == "tick":
            self.step(m.Tick())
        elif verb == "crash":
            d.crash(_pod_arg(args[1]))
        elif verb == "set-readiness":
            d.set_readiness(_pod_arg(args[1]), {"true": True, "false": False, "auto": None}[args[2]])
        else:
            raise ValueError(f"Unknown kubesim command {first!r}.")
        return ""

    def _kubectl(self, args: list[str], stdin: str) -> str:
        d = self.driver
        verb = args[0]
        if verb == "apply":
            return "\n".join(d.apply(stdin, "-"))
        if verb == "set" and args[1] == "image":
            kind, name = args[2].split("/", 1)
            container, image = args[3].split("=", 1)
            return d.set_image(name, container, image)
        if verb == "scale":
            kind, name = args[1].split("/", 1)
            replicas = int(next(a for a in args if a.startswith("--replicas=")).split("=", 1)[1])
            return d.scale(_kind(kind), name, replicas)
        if verb == "rollout":
            action, target = args[1], args[2]
            name = target.split("/", 1)[1]
            if action == "undo":
                to = next((int(a.split("=", 1)[1]) for a in args[3:] if a.startswith("--to-revision=")), 0)
                before = d.observe()
                out = d.rollout_undo(name, to)
                if self.monitor is not None:
                    self.monitor.request(Request("rollout undo", name, {"to_revision": to}), before)
                return out
            return {"restart": d.rollout_restart, "pause": d.rollout_pause, "resume": d.rollout_resume}[action](name)
        if verb == "delete":
            words = [a for a in args[1:] if not a.startswith("--")]
            cascade = next((a.split("=", 1)[1] for a in args if a.startswith("--cascade=")), "background")
            if "/" in words[0]:
                kind, name = words[0].split("/", 1)
            else:
                kind, name = words[0], words[1]
            return d.delete(_kind(kind), name, cascade)
        raise ValueError(f"Unsupported kubectl command: kubectl {' '.join(args)}")


#: Characters after which `str.split` and `shlex.split` may differ: quotes, escapes, and the
#: ASCII whitespace `str.split` splits on but shlex does not (shlex: space, tab, CR, LF).
_SHELL_SPECIAL = frozenset("\"'\\\x0b\x0c\x1c\x1d\x1e\x1f")


def _split_words(line: str) -> list[str]:
    """`shlex.split(line)`, without shlex's character-by-character lexer for plain ASCII words."""
    if line.isascii() and _SHELL_SPECIAL.isdisjoint(line):
        return line.split()
    return shlex.split(line)


def _pod_arg(text: str) -> str:
    return text.split("/", 1)[1] if text.startswith("pod/") else text


def _kind(word: str) -> str:
    return kind_of(word) or word


def replay(script: str, *, check: bool = True, config: m.Config | None = None) -> Runner:
    """Run every command of `script` on a fresh model; raise `InvariantViolation` at the first broken invariant.

    Refused requests (errors from the API server or kubectl) are reported on the runner
    (`refused`) and the script goes on, as a shell script would.
    """
    runner = Runner(check=check, config=config)
    runner.refused = []
    for command in split_commands(script):
        try:
            runner.run(command)
        except REFUSED as err:
            runner.refused.append((command, str(err)))
    return runner


def first_violation(script: str, *, config: m.Config | None = None) -> tuple[InvariantViolation | None, int]:
    """Replay `script`; return the violation it ends in (or None) and how many commands ran, the failing one included."""
    runner = Runner(config=config)
    done = 0
    for command in split_commands(script):
        done += 1
        try:
            runner.run(command)
        except REFUSED:
            continue
        except InvariantViolation as err:
            return err, done
    return None, done


def minimize(script: str, *, config: m.Config | None = None) -> str:
    """Delete commands from a failing script while it still breaks the same invariant (delta debugging).

    Hypothesis shrinks the run it generated; this reducer works on the printed script,
    so it also removes commands whose only role was to be there in the generated run.
    Each candidate is replayed from scratch (the model is deterministic, so pod names
    stay reproducible). Returns `script` unchanged if it does not fail.
    """
    err, done = first_violation(script, config=config)
    if err is None:
        return script
    target = {v.invariant for v in err.violations}
    commands = list(split_commands(script))[:done]

    def fails(cmds: list[str]) -> bool:
        e, _ = first_violation("\n".join(cmds), config=config)
        return e is not None and bool(target & {v.invariant for v in e.violations})

    chunk = max(1, len(commands) // 2)
    while chunk >= 1:
        i = len(commands) - chunk
        while i >= 0:
            candidate = commands[:i] + commands[i + chunk :]
            if candidate and fails(candidate):
                commands = candidate
            i -= chunk
        if chunk == 1:
            break
        chunk //= 2
    err, done = first_violation("\n".join(commands), config=config)
    return "\n".join(commands[:done]) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m kubesim.replay [--mutant NAME] [--minimize] SCRIPT`` (``-``: standard input)."""
    import argparse
    import contextlib

    parser = argparse.ArgumentParser(prog="python -m kubesim.replay", description="Replay a kubesim script on the model, checking every invariant.")
    parser.add_argument("script", help="the script file, or - for standard input")
    parser.add_argument("--mutant", help="run on the model broken as kubesim.mutants names it")
    parser.add_argument("--minimize", action="store_true", help="print the shortest script that still breaks the same invariant")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    text = sys.stdin.read() if args.script == "-" else open(args.script, encoding="utf-8").read()
    if args.mutant:
        from .mutants import mutant

        broken = mutant(args.mutant)
    else:
        broken = contextlib.nullcontext()
    with broken:
        try:
            runner = replay(text)
        except InvariantViolation as err:
            print(err, file=sys.stderr)
            if args.minimize:
                print(minimize(text), end="")
            return 1
    for command, message in runner.refused:
        print(f"refused: {command.splitlines()[0]}: {message}", file=sys.stderr)
    print(f"{len(runner.commands)} commands replayed; every invariant held.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
