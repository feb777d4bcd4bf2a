"""What the command modules share: the invocation context, refusals, kinds, and reading `-f` files."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from kubesim import model as m
from kubesim.model.clock import parse_duration
from kubesim.model.kinds import kind_of, prefix
from kubesim.model.state import ClusterState

from .record import Recorder


class UserError(Exception):
    """A refused request: `text` is printed to stderr as is, then exit `code`."""

    def __init__(self, text: str, code: int = 1) -> None:
        super().__init__(text)
        self.text = text
        self.code = code


@dataclass
class Ctx:
    """One invocation: options, output streams, and the state being worked on."""

    args: argparse.Namespace
    out: Callable[..., None]  # out(text, end="\n")
    err: Callable[[str], None]
    st: ClusterState | None = None
    session: dict = field(default_factory=dict)
    recorder: Recorder | None = None
    failed: bool = False

    @property
    def ns(self) -> str:
        return self.args.namespace or "default"


#: kubectl's hint after an `exec` usage error.
EXEC_HELP = "See 'kubectl exec -h' for help and examples"


def exec_command(command: list[str], argv: list[str]) -> list[str]:
    """The COMMAND of `exec POD -- COMMAND`: `command` is what follows POD, `argv` the raw arguments.

    kubectl v1.31+ refuses a command given without ``--`` (`exec.go`), and an empty one.
    """
    dashed = "--" in argv[argv.index("exec"):] if "exec" in argv else False
    command = list(command)
    if command and command[0] == "--":
        command = command[1:]
    if not dashed and command:
        raise UserError(f"error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\n{EXEC_HELP}")
    if not command:
        raise UserError(f"error: you must specify at least one command for the container\n{EXEC_HELP}")
    return command


def resolve_kind(word: str) -> str:
    kind = kind_of(word)
    if kind is None:
        raise UserError(f'error: the server doesn\'t have a resource type "{word}"')
    return kind


def kind_and_names(resource: str, names: list[str]) -> tuple[str, list[str]]:
    """`deployment/web` or `deployment web ...` -> ("Deployment", ["web", ...])."""
    if "/" in resource:
        word, _, name = resource.partition("/")
        if names:
            raise UserError("error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form (e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'")
        return resolve_kind(word), [name]
    return resolve_kind(resource), list(names)


def one_deployment(resource: str, names: list[str]) -> str:
    kind, names = kind_and_names(resource, names)
    if kind != "Deployment":
        raise UserError(f'error: no rollout support for {prefix(kind)} "{names[0] if names else ""}": kubesim simulates rollouts of deployments only')
    if len(names) != 1:
        raise UserError("error: required resource not specified")
    return names[0]


def error_text(err: Exception, source: str | None = None, creating: bool = True) -> str:
    """What kubectl prints for a refused request."""
    if isinstance(err, m.ApiError):
        if source and err.reason != "Invalid":
            verb = "creating" if creating else "patching"
            return f'Error from server ({err.reason}): error when {verb} "{source}": {err.message}'
        return err.kubectl_message()
    if isinstance(err, m.ManifestError):
        return f"error: {err.message}"
    if isinstance(err, m.ControllerError):
        return f"error: {err}"
    return f"error: {err}"


def read_files(paths: list[str]) -> list[tuple[str, bytes]]:
    """Read `-f` arguments: files, directories (their .yaml/.yml/.json files, sorted) or `-`."""
    out = []
    for p in paths:
        if p == "-":
            out.append(("STDIN", sys.stdin.buffer.read()))
            continue
        path = Path(p)
        if path.is_dir():
            found = sorted(q for q in path.iterdir() if q.suffix in (".yaml", ".yml", ".json") and q.is_file())
            out += [(str(q), q.read_bytes()) for q in found]
        elif path.exists():
            try:
                out.append((p, path.read_bytes()))
            except OSError as e:
                raise UserError(f'error: the path "{p}" cannot be read: {e.strerror}')
        else:
            raise UserError(f'error: the path "{p}" does not exist')
    return out


def parse_timeout(text: str) -> int:
    """A `--timeout` duration (``30s``, ``2m``, ``0`` for none) in ms."""
    try:
        ms = parse_duration(text)
    except ValueError:
        raise UserError(f'error: invalid argument "{text}" for "--timeout" flag: time: invalid duration "{text}"')
    if ms < 0:
        raise UserError("error: --timeout must not be negative")
    return ms
