"""The `kubesim` argument parser, and what it says about commands and flags it does not have.

A usage error prints one or two lines and exits 1, as kubectl does (`error: unknown flag: --x`, then
``See 'kubesim get --help' for usage.``), never argparse's usage dump. A kubectl command or flag that kubesim
does not implement is named as such, with what kubesim implements instead.
"""

from __future__ import annotations

import argparse

from .. import statefile

#: The time rule, shown by `kubesim --help` and in README.md ("Replaying the article by hand").
TIME_RULE = """\
time: the simulated cluster's clock moves only when a command says so.
  reads (get, describe, rollout history, timeline, plot, exec, logs, diff, apply --dry-run,
    explain, version, api-resources) never move the cluster and never write the state; on a cluster
    that has not settled they say on stderr how much is pending.
  changes (apply, create deployment, expose, delete, scale, set image, label, annotate,
    rollout undo|restart|pause|resume) run the cluster until it settles, as if you had waited;
    --no-settle stops at the current instant.
  waits (rollout status, get -w, wait, logs -f, advance) move time as far as they wait, and keep
    what passed even when they fail (a rollout that exceeds its progress deadline keeps the time it
    took); --timeout (logical time) bounds a wait."""

#: kubectl v1.36's commands (`kubectl --help`); those kubesim lacks get a one-line answer.
KUBECTL_COMMANDS = (
    "create", "expose", "run", "set", "explain", "get", "edit", "delete", "rollout", "scale", "autoscale",
    "certificate", "cluster-info", "top", "cordon", "uncordon", "drain", "taint", "describe", "logs", "attach",
    "exec", "port-forward", "proxy", "cp", "auth", "debug", "events", "diff", "apply", "patch", "replace", "wait",
    "kustomize", "label", "annotate", "completion", "alpha", "api-resources", "api-versions", "config", "plugin",
    "version", "options",
)

#: kubesim's own commands (not kubectl's).
OWN_COMMANDS = ("advance", "timeline", "plot", "reset", "tour", "check")


class UsageError(Exception):
    """A command line that does not parse: `text` goes to stderr, exit 1."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises `UsageError` (one line and a hint) instead of printing usage and exiting."""

    def __init__(self, *args, **kw) -> None:
        kw.setdefault("allow_abbrev", False)  # kubectl's flags (pflag) are never abbreviated
        super().__init__(*args, **kw)

    def error(self, message: str):  # argparse's hook for every usage error
        raise UsageError(f"error: {message}\nSee '{self.prog} --help' for usage.")


def _common(p: argparse.ArgumentParser, top: bool) -> None:
    d = None if top else argparse.SUPPRESS
    p.add_argument("-n", "--namespace", default=d, help="the namespace (default: default)")
    p.add_argument("--state", default=d, help=f"the state file (default: ${statefile.ENV_VAR} or {statefile.DEFAULT_PATH})")
    p.add_argument("--no-settle", action="store_true", default=d if not top else False, help="stop at the current instant instead of running until the cluster settles")
    p.add_argument("--timeline", action="store_true", default=d if not top else False, help="also print every observable change this command caused, with its logical time")


def _label_columns(text: str) -> list[str]:
    return [x for x in text.split(",") if x]


SELECTOR_HELP = "label selector: key=value, key!=value, key in (a,b), key notin (a), key, !key (comma-separated)"


def _selection(p: argparse.ArgumentParser, all_flag: bool = False, ignore_flag: bool = True) -> None:
    p.add_argument("resources", nargs="*", metavar="TYPE[,TYPE...] [NAME...] | TYPE/NAME...")
    p.add_argument("-l", "--selector", help=SELECTOR_HELP)
    p.add_argument("-A", "--all-namespaces", action="store_true")
    if all_flag:
        p.add_argument("--all", action="store_true", help="every object of the given types in the namespace")
    if ignore_flag:
        p.add_argument("--ignore-not-found", action="store_true", help="treat a missing object as a success")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kubesim", description="kubectl's commands over an embedded, simulated Kubernetes cluster (logical time).",
                     epilog=TIME_RULE, formatter_class=argparse.RawDescriptionHelpFormatter)
    _common(parser, True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    def cmd(name: str, help: str, **kw) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help, **kw)
        _common(p, False)
        return p

    sub.add_parser("trace", help="Record a real cluster's changes, or check a trace against the model (kubesim trace -h).", add_help=False)
    p = cmd("apply", "Apply manifests (files, directories of .yaml/.yml/.json, or - for stdin).")
    p.add_argument("-f", "--filename", action="append", required=True, metavar="FILE")
    p.add_argument("--dry-run", nargs="?", const="client", default="none", choices=["none", "client", "server"],
                   help="show what would happen without writing the state (client and server run the same model)")
    p = cmd("get", "Display one or many resources.")
    _selection(p)
    p.add_argument("-o", "--output", metavar="json|yaml|wide|name|jsonpath=TEMPLATE|custom-columns=SPEC")
    p.add_argument("-w", "--watch", action="store_true", help="after listing, print each change as the cluster runs until it settles (a wait: time moves)")
    p.add_argument("--timeout", help="with -w: stop after this much logical time (e.g. 30s)")
    p.add_argument("--sort-by", metavar="JSONPATH", help="sort by a field, e.g. .metadata.creationTimestamp")
    p.add_argument("--show-labels", action="store_true", help="add a LABELS column")
    p.add_argument("-L", "--label-columns", action="append", type=_label_columns, default=[], metavar="KEY[,KEY...]", help="add a column per label key")
    p.add_argument("--no-headers", action="store_true", help="omit the header line of each table")
    p = cmd("describe", "Show details of a resource or group of resources.")
    _selection(p)
    p = cmd("delete", "Delete resources by kind and name, by label selector, by --all, or by file.")
    _selection(p, all_flag=True)
    p.add_argument("-f", "--filename", action="append", metavar="FILE")
    p.add_argument("--cascade", default="background", choices=["background", "orphan", "foreground"])
    p = cmd("scale", "Set a new size for a deployment or replica set.")
    p.add_argument("resource")
    p.add_argument("names", nargs="*")
    p.add_argument("--replicas", type=int, required=True)
    p = cmd("set", "Set specific features on objects (set image).")
    p.add_argument("what", choices=["image"])
    p.add_argument("resource")
    p.add_argument("pairs", nargs="+", metavar="CONTAINER=IMAGE")
    p = cmd("rollout", "Manage the rollout of a deployment.")
    p.add_argument("action", choices=["status", "history", "undo", "restart", "pause", "resume"])
    p.add_argument("resource", nargs="?", metavar="TYPE[/NAME]")
    p.add_argument("names", nargs="*")
    p.add_argument("-l", "--selector", help=f"status: {SELECTOR_HELP}")
    p.set_defaults(all_namespaces=False)
    p.add_argument("--to-revision", type=int, default=0)
    p.add_argument("--revision", type=int, default=0)
    p.add_argument("-w", "--watch", default="true", nargs="?", const="true", help="watch the rollout (true|false)")
    p.add_argument("--timeout", help="give up after this much logical time (e.g. 5m); 0 waits until the cluster settles")
    p = cmd("exec", "Run printenv, env or cat in a container (the only commands the simulated node knows).")
    p.add_argument("pod")
    p.add_argument("command_", nargs=argparse.REMAINDER, metavar="-- COMMAND")
    p.add_argument("-c", "--container")
    p.add_argument("-i", "--stdin", action="store_true", help="accepted and ignored: simulated containers are not interactive")
    p.add_argument("-t", "--tty", action="store_true", help="accepted and ignored: simulated containers are not interactive")
    for name, what in (("label", "labels"), ("annotate", "annotations")):
        p = cmd(name, f"Update the {what} of resources: KEY=VALUE sets, KEY- removes.")
        _selection(p, all_flag=True)
        p.add_argument("changes", nargs="*", metavar="KEY=VALUE|KEY-", help=argparse.SUPPRESS)
        p.add_argument("--overwrite", action="store_true", help=f"allow changing {what} that already have a value")
    p = cmd("wait", "Wait (in logical time) for resources to be deleted, or for a condition or a field's value.")
    _selection(p, all_flag=True, ignore_flag=False)
    p.add_argument("--for", dest="for_", action="append", metavar="create|delete|condition=TYPE[=VALUE]|jsonpath='{.FIELD}'[=VALUE]",
                   help="what to wait for; repeat it to wait for each in turn (create first)")
    p.add_argument("--timeout", default=None, help="give up after this much logical time (default 30s; 0 checks once; negative: a week)")
    p = cmd("logs", "Print what a simulated container says: its starts and exits (simulated containers write no output of their own).")
    p.add_argument("pod", metavar="POD|TYPE/NAME")
    p.add_argument("-c", "--container")
    p.add_argument("-p", "--previous", action="store_true", help="the previous run of a restarted container")
    p.add_argument("-f", "--follow", action="store_true", help="stream what comes next, as the cluster runs, until that run ends or the cluster settles (a wait: time moves)")
    p = cmd("create", "Create a deployment from an image (create deployment NAME --image=IMAGE).")
    p.add_argument("what", metavar="deployment")
    p.add_argument("names", nargs="*", metavar="NAME")
    p.add_argument("--image", action="append", metavar="IMAGE")
    p.add_argument("--replicas", type=int, default=1)
    p.add_argument("--port", type=int)
    p = cmd("expose", "Create a Service for a deployment, replica set, pod or service.")
    p.add_argument("resource", metavar="TYPE/NAME|TYPE")
    p.add_argument("name_", nargs="?", metavar="NAME")
    p.add_argument("--port", type=int)
    p.add_argument("--target-port")
    p.add_argument("--type", choices=["ClusterIP", "NodePort", "LoadBalancer"])
    p.add_argument("--name", dest="service_name", help="the Service's name (default: the resource's)")
    p = cmd("diff", "Show what apply -f would change, as a unified diff (exit 1 when something would).")
    p.add_argument("-f", "--filename", action="append", required=True, metavar="FILE")
    p = cmd("explain", "List the fields and types kubesim decodes for a kind or one of its fields (e.g. deployment.spec.strategy).")
    p.add_argument("path", metavar="TYPE[.FIELD...]")
    cmd("version", "Print kubesim's version and the Kubernetes version it simulates.")
    cmd("api-resources", "Print the resource types the simulated cluster serves.")
    p = cmd("advance", "Let logical time pass (e.g. 10s, 2m, 500ms).")
    p.add_argument("duration")
    p = cmd("timeline", "Print every observable change recorded so far, with its logical time.")
    p.add_argument("-o", "--output", choices=["table", "json"], default="table")
    p = cmd("plot", "Draw pods per ReplicaSet and ready endpoints over time.")
    p.add_argument("what", choices=["rollout"])
    p.add_argument("resource", help="deployment/NAME")
    p.add_argument("-o", "--output", required=True, metavar="FILE.svg|FILE.png")
    cmd("reset", "Forget the simulated cluster: start afresh.")
    p = cmd("tour", "Replay the article step by step, as a terminal session, with notes where Kubernetes changed.")
    p.add_argument("--write", metavar="DIR", help="instead, write the article's manifests into DIR, so the tour's commands can be run by hand")
    p = cmd("check", "Run the scenarios and the stateful properties, print a summary per article claim, write the HTML report.")
    p.add_argument("--driver", default="model", help="system under test: model (default), cluster, or module:Class (importable from the current folder)")
    p.add_argument("--kube-context", help="kubeconfig context, for drivers that reach a real cluster")
    p.add_argument("--report", default="report", metavar="DIR")
    p.add_argument("--no-stateful", action="store_true", help="skip the stateful property tests")
    return parser


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _command_word(argv: list[str]) -> str | None:
    """The first argument that is not a top-level option or its value."""
    i = 0
    while i < len(argv):
        a = argv[i]
        if a in ("-n", "--namespace", "--state"):
            i += 2
            continue
        if a.startswith("-"):
            i += 1
            continue
        return a
    return None


def parse(argv: list[str]) -> argparse.Namespace:
    """Parse `argv`; raise `UsageError` with kubectl's one-line answer (or kubesim's, for what it lacks)."""
    parser = build_parser()
    commands = _subparsers(parser)
    word = _command_word(argv)
    implemented = ", ".join(sorted(c for c in commands if c in KUBECTL_COMMANDS))
    if word is not None and word not in commands:
        if word in KUBECTL_COMMANDS:
            raise UsageError(f'error: kubesim does not implement "kubectl {word}"; it implements the kubectl commands {implemented}, '
                             f"and its own {', '.join(OWN_COMMANDS)} (kubesim --help)")
        raise UsageError(f'error: unknown command "{word}" for "kubesim"\nRun \'kubesim --help\' for usage.')
    if word == "create":
        after = argv[argv.index("create") + 1:]
        what = next((x for x in after if not x.startswith("-")), None)
        if what not in (None, "deployment", "deploy"):
            raise UsageError(f'error: kubesim does not implement "kubectl create {what}"; it implements create deployment NAME --image=IMAGE, '
                             "and apply -f for every kind it serves")
    args, extra = parser.parse_known_args(argv)
    if extra:
        flag = next((x for x in extra if x.startswith("-")), extra[0])
        sub = commands[args.command]
        if flag.startswith("-"):
            name = flag.split("=", 1)[0]
            own = sorted({s for a in sub._actions for s in a.option_strings if s.startswith("--") and s != "--help"})
            raise UsageError(f"error: unknown flag: {name}: kubesim {args.command} does not implement it; it implements {', '.join(own)}\n"
                             f"See 'kubesim {args.command} --help' for usage.")
        raise UsageError(f'error: unexpected argument "{flag}"\nSee \'kubesim {args.command} --help\' for usage.')
    return args
