"""nodecore: the kubelet's node-resource hot paths, from Python.

The package calls the same C ABI as C and Go programs (``include/nodecore.h``),
through cffi, so every answer is the library's answer::

    >>> from nodecore import CPUSet, Topology, eval_case
    >>> online = CPUSet.parse("0-7")
    >>> str(online - CPUSet([0, 4]))
    '1-3,5-7'
    >>> with Topology.named("dual-socket-ht") as topo:
    ...     topo.num_cpus, topo.num_sockets
    (12, 2)
    >>> eval_case({"id": "x", "kind": "cpuset.parse", "input": {"text": "3,0-2"}})
    {'id': 'x', 'output': {'cpus': '0-3'}}
"""

from .cpuset import MAX_CPU_ID, CPUSet
from .errors import NodecoreError, Status
from .eval import eval_case, eval_jsonl
from .eviction import (
    NodePIDs,
    PodStats,
    Signal,
    Threshold,
    eviction_thresholds,
    node_pids,
    pod_process_count,
    pod_requests,
    rank_pods,
)
from .groups import ContainerUser, resolve_groups
from .hint import Hint
from .pod import Container, Pod, QOSClass
from .static_policy import StaticPolicy, take_cpus
from .topology import CPUInfo, Topology
from .topology_policy import MergeResult, TopologyPolicy, merge_hints
from .version import ABI_VERSION, abi_version, library_version

__all__ = [
    "ABI_VERSION",
    "CPUInfo",
    "CPUSet",
    "Container",
    "ContainerUser",
    "Hint",
    "MAX_CPU_ID",
    "MergeResult",
    "NodePIDs",
    "NodecoreError",
    "Pod",
    "PodStats",
    "QOSClass",
    "Signal",
    "StaticPolicy",
    "Status",
    "Threshold",
    "Topology",
    "TopologyPolicy",
    "abi_version",
    "eval_case",
    "eval_jsonl",
    "eviction_thresholds",
    "library_version",
    "merge_hints",
    "node_pids",
    "pod_process_count",
    "pod_requests",
    "rank_pods",
    "resolve_groups",
    "take_cpus",
]
