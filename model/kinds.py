"""The kinds kubesim serves, each declared once: how the API names it and how the server treats it.

Every table of kinds in the model, the CLI, the drivers, the trace recorder, replay and the steps
is derived from `KIND_LIST`, as kubectl, clients and the API server all read upstream's one
scheme and REST mapping (`k8s.io/apimachinery/pkg/api/meta.RESTMapper`, the discovery document
`kubectl api-resources` prints). Adding a kind starts with one `Kind(...)` line here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Kind:
    """One served kind, with the names discovery gives it and the rules its registry strategy applies.

    `manifests`: accepted by `kubectl apply -f` (the others are written only by controllers,
    and a manifest of them is "no matches for kind"). `generation`: `metadata.generation`
    starts at 1 and counts spec changes (the apps strategies' `PrepareForCreate` /
    `PrepareForUpdate`). `empty_status`: a create stores ``status: {}`` (the apps strategies
    reset status to its zero value). `controlled_by`: the kind whose controller adopts an
    orphan of this kind and whose deletion the garbage collector cascades to it (upstream
    `ControllerRefManager`); None when no controller claims it. `all_category`: listed by
    `kubectl get all` (the "all" category of discovery).
    """

    kind: str
    group: str = ""
    version: str = "v1"
    plural: str
    singular: str
    short_names: tuple[str, ...] = ()
    namespaced: bool = True
    manifests: bool = False
    generation: bool = False
    empty_status: bool = False
    controlled_by: str | None = None
    all_category: bool = False

    @property
    def api_version(self) -> str:
        """`apps/v1`, or `v1` for the core group."""
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def resource(self) -> str:
        """The qualified resource of API errors and `--for` messages: `deployments.apps`, `pods`."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def prefix(self) -> str:
        """What kubectl prints before `/name`: `deployment.apps`, `pod`."""
        return f"{self.singular}.{self.group}" if self.group else self.singular

    @property
    def api_path(self) -> str:
        """The REST path prefix of its group version: `/apis/apps/v1`, `/api/v1`."""
        return f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"

    def path(self, namespace: str = "", name: str = "") -> str:
        """The REST path of the collection (in `namespace` when given and the kind is namespaced), or of one object."""
        within = f"/namespaces/{namespace}" if namespace and self.namespaced else ""
        out = f"{self.api_path}{within}/{self.plural}"
        return f"{out}/{name}" if name else out

    @property
    def aliases(self) -> tuple[str, ...]:
        """Every word kubectl resolves to this kind: short names, singular, plural, and both qualified by group."""
        words = [*self.short_names, self.singular, self.plural]
        if self.group:
            words += [f"{self.singular}.{self.group}", f"{self.plural}.{self.group}"]
        return tuple(dict.fromkeys(words))

    @property
    def discovery_order(self) -> tuple:
        """The order of a v1.36 server's discovery: the core group first, then by group, each by resource name."""
        return (self.group != "", self.group, self.plural)


#: The served kinds, in the order of an observation (`Driver.observe`): namespaces first, events last.
KIND_LIST: tuple[Kind, ...] = (
    Kind(kind="Namespace", plural="namespaces", singular="namespace", short_names=("ns",), namespaced=False, manifests=True),
    Kind(kind="ConfigMap", plural="configmaps", singular="configmap", short_names=("cm",), manifests=True),
    Kind(kind="Service", plural="services", singular="service", short_names=("svc",), manifests=True, all_category=True),
    Kind(kind="Endpoints", plural="endpoints", singular="endpoints", short_names=("ep",)),
    Kind(kind="Deployment", group="apps", plural="deployments", singular="deployment", short_names=("deploy",),
         manifests=True, generation=True, empty_status=True, all_category=True),
    Kind(kind="ReplicaSet", group="apps", plural="replicasets", singular="replicaset", short_names=("rs",),
         manifests=True, generation=True, empty_status=True, controlled_by="Deployment", all_category=True),
    Kind(kind="Pod", plural="pods", singular="pod", short_names=("po",), manifests=True, controlled_by="ReplicaSet",
         all_category=True),
    Kind(kind="Event", plural="events", singular="event", short_names=("ev",)),
)

#: Kind name -> its declaration.
KINDS: dict[str, Kind] = {k.kind: k for k in KIND_LIST}
#: Every kind name, in observation order.
KIND_NAMES: tuple[str, ...] = tuple(KINDS)
#: The kinds without a namespace.
CLUSTER_SCOPED: frozenset[str] = frozenset(k.kind for k in KIND_LIST if not k.namespaced)
#: The (apiVersion, kind) pairs `apply -f` accepts; any other is "no matches for kind".
SERVED_KINDS: frozenset[tuple[str, str]] = frozenset((k.api_version, k.kind) for k in KIND_LIST if k.manifests)
#: Every word kubectl accepts for a kind (`po`, `pods`, `deployments.apps`) -> the kind name.
ALIASES: dict[str, str] = {alias: k.kind for k in KIND_LIST for alias in k.aliases}
#: What `kubectl get all` lists, in discovery order.
ALL_KINDS: tuple[str, ...] = tuple(k.kind for k in sorted(KIND_LIST, key=lambda k: k.discovery_order) if k.all_category)


def kind_of(word: str) -> str | None:
    """Return the kind kubectl resolves `word` to (case-insensitive, as kubectl's RESTMapper), or None."""
    return ALIASES.get(word.lower())


def prefix(kind: str) -> str:
    """Return what kubectl prints before `/name` for `kind` (`replicaset.apps`)."""
    return KINDS[kind].prefix


def resource(kind: str) -> str:
    """Return the qualified resource of `kind` (`replicasets.apps`)."""
    return KINDS[kind].resource


__all__ = ["ALIASES", "ALL_KINDS", "CLUSTER_SCOPED", "KINDS", "KIND_LIST", "KIND_NAMES", "SERVED_KINDS", "Kind",
           "kind_of", "prefix", "resource"]
