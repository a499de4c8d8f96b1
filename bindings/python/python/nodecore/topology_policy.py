"""The topology manager's policies: merging the hint providers' answers."""

import json
from typing import Dict, Iterable, List, Mapping, NamedTuple, Optional, Sequence

from ._native import ffi, lib
from .errors import check, new_error_out
from .hint import Hint, as_hint

#: What one provider answers: resource name → its hints, or None for no
#: preference. An empty list means the resource cannot be satisfied; an
#: empty dict (or None) is a provider without any preference.
ProviderHints = Optional[Mapping[str, Optional[Sequence]]]


class MergeResult(NamedTuple):
    """What a policy decides: the hint to store and whether to admit."""

    hint: Hint
    admit: bool

    @property
    def affinity(self):
        """The merged hint's NUMA nodes (None: any node)."""
        return self.hint.affinity

    @property
    def preferred(self) -> bool:
        """Whether the merged hint is preferred."""
        return self.hint.preferred


class _Lists:
    """Provider answers laid out as the C ABI takes them."""

    def __init__(self):
        self.hints: List[Hint] = []
        self.lists: List[tuple] = []  # (offset, len, no_preference)
        self.pods: List[tuple] = []  # (offset, len) into lists

    def add_pod(self, providers: Iterable[ProviderHints]) -> None:
        first = len(self.lists)
        for provider in providers:
            if not provider:
                self.lists.append((0, 0, True))
                continue
            for hints in provider.values():
                if hints is None:
                    self.lists.append((0, 0, True))
                else:
                    hints = [as_hint(h) for h in hints]
                    self.lists.append((len(self.hints), len(hints), False))
                    self.hints.extend(hints)
        self.pods.append((first, len(self.lists) - first))

    def c_arrays(self):
        c_hints = ffi.new("nodecore_hint[]", max(len(self.hints), 1))
        for c_hint, hint in zip(c_hints, self.hints):
            hint._fill(c_hint)
        c_lists = ffi.new("nodecore_hint_list[]", self.lists or [(0, 0, False)])
        return c_hints, len(self.hints), c_lists, len(self.lists)


def _result(c_result) -> MergeResult:
    return MergeResult(Hint._from_c(c_result.hint), bool(c_result.admit))


class TopologyPolicy:
    """A topology manager policy on one machine (``none``, ``best-effort``,
    ``restricted`` or ``single-numa-node``), merging exactly as the kubelet::

        >>> from nodecore import TopologyPolicy
        >>> policy = TopologyPolicy("restricted", numa_nodes=[0, 1])
        >>> cpu = {"cpu": [([0], True), ([1], True), ([0, 1], False)]}
        >>> memory = {"memory": [([1], True), ([0, 1], False)]}
        >>> policy.merge(cpu, memory)
        MergeResult(hint=Hint(affinity=(1,), preferred=True), admit=True)

    ``distances`` maps each node id to its distance row
    (:meth:`Topology.numa_distances` gives this machine's), needed with the
    ``prefer-closest-numa-nodes`` option; ``options`` is the kubelet's
    ``topologyManagerPolicyOptions``. The configuration is checked as the
    kubelet's ``NewManager`` does (NodecoreError of kind ``unknown-policy``,
    ``invalid-options``, ``missing-distances``, ``too-many-numa-nodes``).

    A policy never changes; it may be shared between threads.
    """

    __slots__ = ("_ptr",)

    def __init__(
        self,
        policy: str = "best-effort",
        numa_nodes: Iterable[int] = (0,),
        distances: Optional[Mapping[int, Sequence[int]]] = None,
        options: Optional[Mapping[str, object]] = None,
    ):
        self._ptr = None
        config = {
            "policy": policy,
            "numa_nodes": [int(node) for node in numa_nodes],
            "distances": {str(node): list(row) for node, row in (distances or {}).items()},
            "options": {k: (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in (options or {}).items()},
        }
        data = json.dumps(config).encode()
        out = ffi.new("nodecore_topology_policy **")
        err = new_error_out()
        check(lib.nodecore_topology_policy_new(data, len(data), out, err), err)
        self._ptr = ffi.gc(out[0], lib.nodecore_topology_policy_free)

    def close(self) -> None:
        """Frees the policy now. Idempotent; other methods raise ValueError afterwards."""
        if self._ptr is not None:
            ffi.release(self._ptr)
            self._ptr = None

    def __enter__(self) -> "TopologyPolicy":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _handle(self):
        if self._ptr is None:
            raise ValueError("operation on a closed TopologyPolicy")
        return self._ptr

    def merge(self, *providers: ProviderHints) -> MergeResult:
        """Merges the providers' answers for one container or pod (the
        kubelet's policy ``Merge``). Hints are :class:`Hint`\\ s,
        ``(nodes, preferred)`` pairs or ``{"affinity", "preferred"}`` dicts."""
        lists = _Lists()
        lists.add_pod(providers)
        c_hints, n_hints, c_lists, n_lists = lists.c_arrays()
        out = ffi.new("nodecore_merge_result *")
        err = new_error_out()
        check(lib.nodecore_topology_policy_merge(self._handle(), c_hints, n_hints, c_lists, n_lists, out, err), err)
        return _result(out[0])

    def merge_batch(self, pods: Iterable[Sequence[ProviderHints]]) -> List[MergeResult]:
        """Merges many pods' answers (each a sequence of provider answers) in
        one call; the results are in pod order."""
        lists = _Lists()
        for providers in pods:
            lists.add_pod(providers)
        c_hints, n_hints, c_lists, n_lists = lists.c_arrays()
        c_pods = ffi.new("nodecore_span[]", lists.pods or [(0, 0)])
        results = ffi.new("nodecore_merge_result[]", max(len(lists.pods), 1))
        length = ffi.new("size_t *")
        err = new_error_out()
        status = lib.nodecore_topology_policy_merge_batch(
            self._handle(), c_hints, n_hints, c_lists, n_lists, c_pods, len(lists.pods), results, len(results), length, err
        )
        check(status, err)
        return [_result(results[i]) for i in range(length[0])]


def merge_hints(
    providers: Sequence[ProviderHints],
    *,
    policy: str = "best-effort",
    numa_nodes: Iterable[int] = (0,),
    distances: Optional[Mapping[int, Sequence[int]]] = None,
    options: Optional[Mapping[str, object]] = None,
) -> MergeResult:
    """Merges the providers' answers under a policy, in one call::

        >>> from nodecore import merge_hints
        >>> merge_hints([{"gpu": [([1], True)]}, None], policy="single-numa-node", numa_nodes=[0, 1])
        MergeResult(hint=Hint(affinity=(1,), preferred=True), admit=True)

    Build a :class:`TopologyPolicy` to merge many times with one configuration.
    """
    with TopologyPolicy(policy, numa_nodes, distances, options) as merger:
        return merger.merge(*providers)
