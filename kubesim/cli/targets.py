"""Which objects the resource arguments of `get`, `describe`, `delete`, `label`, `annotate` and `wait` name.

The arguments follow kubectl's resource builder (`cli-runtime/pkg/resource/builder.go`,
`ResourceTypeOrNameArgs`): ``TYPE[,TYPE...] [NAME...]`` (each name looked up in each type, ``all`` for the
kinds `kubectl get all` lists) or ``TYPE/NAME...``; `-l/--selector` (`labels.Parse`, in `selectors`) narrows a
listing and excludes names.
"""

from __future__ import annotations

from kubesim import model as m
from kubesim.model.kinds import ALL_KINDS, CLUSTER_SCOPED, resource

from . import selectors
from .common import Ctx, UserError, resolve_kind

#: The resource builder's answer to a command given no resource (`builder.go` `visitorResult`).
NO_RESOURCES_GIVEN = ("error: You must provide one or more resources by argument or filename.\nExample resource specifications include:\n"
                      "   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'")


def parse_targets(words: list[str]) -> list[tuple[str, list[str]]]:
    """The (kind, names) the arguments name, in order; no names means every object of the kind."""
    if not words:
        return []
    if any("/" in w for w in words):
        if "/" not in words[0]:
            raise UserError("error: there is no need to specify a resource type as a separate argument when passing arguments in resource/name form "
                            "(e.g. 'kubectl get resource/<resource_name>' instead of 'kubectl get resource resource/<resource_name>'")
        out: list[tuple[str, list[str]]] = []
        for w in words:
            word, sep, name = w.partition("/")
            if not sep or not word or not name or "/" in name:
                raise UserError("error: arguments in resource/name form must have a single resource and name")
            kind = resolve_kind(word)
            if out and out[-1][0] == kind:
                out[-1][1].append(name)
            else:
                out.append((kind, [name]))
        return out
    kinds: list[str] = []
    for w in words[0].split(","):
        if not w:
            raise UserError(f'error: arguments in TYPE[,TYPE...] form must not be empty: "{words[0]}"')
        for kind in ALL_KINDS if w == "all" else (resolve_kind(w),):
            if kind not in kinds:
                kinds.append(kind)
    return [(kind, list(words[1:])) for kind in kinds]



def bulk_targets(words: list[str], all_: bool, selector: str | None) -> tuple[list[tuple[str, list[str]]], bool]:
    """The targets of a command that acts on many objects (`delete`, `wait`) and whether any are named:
    none given is the resource builder's error, and `--all` with a selector is refused, as kubectl's
    `delete` and `wait` both refuse it."""
    targets = parse_targets(words)
    if not targets:
        raise UserError(NO_RESOURCES_GIVEN)
    if all_ and selector is not None:
        raise UserError("error: setting 'all' parameter but found a non empty selector.")
    return targets, any(names for _, names in targets)

def _selector(ctx: Ctx, targets: list[tuple[str, list[str]]]) -> list[selectors.Requirement] | None:
    text = ctx.args.selector
    if text is None:
        return None
    if any(names for _, names in targets):
        raise UserError("error: name cannot be provided when a selector is specified")
    try:
        return selectors.parse(text)
    except selectors.SelectorError as e:
        raise UserError(f"error: unable to parse the label selector {text!r}: {e}")


def select(ctx: Ctx, targets: list[tuple[str, list[str]]]) -> tuple[list[tuple[str, list[dict]]], list[str]]:
    """The objects of each target, and the NotFound errors (none with --ignore-not-found)."""
    a = ctx.args
    reqs = _selector(ctx, targets)
    st = ctx.st
    found: list[tuple[str, list[dict]]] = []
    errors: list[str] = []
    for kind, names in targets:
        if names:
            if a.all_namespaces:
                raise UserError("error: a resource cannot be retrieved by name across all namespaces")
            objs = []
            for name in names:
                obj = st.get(kind, "" if kind in CLUSTER_SCOPED else ctx.ns, name)
                if obj is not None:
                    objs.append(obj)
                elif not getattr(a, "ignore_not_found", False):  # wait has no --ignore-not-found
                    errors.append(m.ApiError.not_found(resource(kind), name).kubectl_message())
        else:
            objs = st.list(kind, None if a.all_namespaces or kind in CLUSTER_SCOPED else ctx.ns)
            if reqs is not None:
                objs = [o for o in objs if selectors.matches(reqs, o["metadata"].get("labels"))]
        found.append((kind, objs))
    return found, errors
