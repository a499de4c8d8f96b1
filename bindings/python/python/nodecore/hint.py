"""Topology hints: where a resource could be placed, by NUMA node."""

from dataclasses import dataclass
from typing import Iterable, Optional, Tuple

from ._native import ffi


@dataclass(frozen=True)
class Hint:
    """One placement a resource could have (the kubelet's ``TopologyHint``).

    ``affinity`` is the sorted tuple of NUMA node ids (0 to 63) the resource
    would come from, or ``None`` for any node (upstream's nil affinity);
    ``preferred`` marks a placement among the best possible::

        >>> Hint([1, 0], True)
        Hint(affinity=(0, 1), preferred=True)
        >>> Hint(None, False).affinity is None
        True

    An empty affinity ``()`` is a real mask that no node satisfies, not "any
    node", as upstream's empty bitmask is not nil.
    """

    affinity: Optional[Tuple[int, ...]]
    preferred: bool = False

    def __post_init__(self):
        if self.affinity is not None:
            nodes = tuple(sorted(set(int(node) for node in self.affinity)))
            for node in nodes:
                if not 0 <= node <= 63:
                    raise ValueError(f"NUMA node id {node} is unsupported: node ids must be in range 0-63")
            object.__setattr__(self, "affinity", nodes)
        object.__setattr__(self, "preferred", bool(self.preferred))

    @property
    def mask(self) -> int:
        """The affinity as a bitmask (bit i is node i); 0 for any node."""
        return sum(1 << node for node in self.affinity or ())

    def _fill(self, c_hint) -> None:
        c_hint.numa_mask = self.mask
        c_hint.any_node = self.affinity is None
        c_hint.preferred = self.preferred

    @classmethod
    def _from_c(cls, c_hint) -> "Hint":
        if c_hint.any_node:
            return cls(None, bool(c_hint.preferred))
        mask = int(c_hint.numa_mask)
        return cls(tuple(node for node in range(64) if mask >> node & 1), bool(c_hint.preferred))


def as_hint(value) -> Hint:
    """A Hint from a Hint, a ``(affinity, preferred)`` pair or a case-format
    dict ``{"affinity": [0], "preferred": true}``."""
    if isinstance(value, Hint):
        return value
    if isinstance(value, dict):
        return Hint(value.get("affinity"), value.get("preferred", False))
    affinity, preferred = value
    return Hint(affinity, preferred)


def c_hint_array(hints: Iterable[Hint]):
    """A new ``nodecore_hint[]`` holding ``hints``."""
    hints = list(hints)
    array = ffi.new("nodecore_hint[]", max(len(hints), 1))
    for c_hint, hint in zip(array, hints):
        hint._fill(c_hint)
    return array, len(hints)
