"""Node-pressure eviction: the kubelet's thresholds from its configuration,
the order it evicts pods in, and PID accounting."""

import enum
import json
import os
from dataclasses import dataclass
from typing import List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

from ._native import ffi, lib
from .errors import check, new_error_out


class Signal(enum.IntEnum):
    """An eviction signal; ``Signal("memory.available")`` reads the
    kubelet's name and ``str()`` gives it back."""

    MEMORY_AVAILABLE = lib.NODECORE_SIGNAL_MEMORY_AVAILABLE
    ALLOCATABLE_MEMORY_AVAILABLE = lib.NODECORE_SIGNAL_ALLOCATABLE_MEMORY_AVAILABLE
    NODEFS_AVAILABLE = lib.NODECORE_SIGNAL_NODEFS_AVAILABLE
    NODEFS_INODES_FREE = lib.NODECORE_SIGNAL_NODEFS_INODES_FREE
    IMAGEFS_AVAILABLE = lib.NODECORE_SIGNAL_IMAGEFS_AVAILABLE
    IMAGEFS_INODES_FREE = lib.NODECORE_SIGNAL_IMAGEFS_INODES_FREE
    CONTAINERFS_AVAILABLE = lib.NODECORE_SIGNAL_CONTAINERFS_AVAILABLE
    CONTAINERFS_INODES_FREE = lib.NODECORE_SIGNAL_CONTAINERFS_INODES_FREE
    PID_AVAILABLE = lib.NODECORE_SIGNAL_PID_AVAILABLE

    @classmethod
    def _missing_(cls, value):
        if isinstance(value, str):
            data = value.encode()
            out = ffi.new("nodecore_eviction_signal *")
            err = new_error_out()
            check(lib.nodecore_eviction_signal_from_name(data, len(data), out, err), err)
            return cls(out[0])
        return None

    def __str__(self) -> str:
        return ffi.string(lib.nodecore_eviction_signal_name(self)).decode()


@dataclass(frozen=True)
class Threshold:
    """One eviction threshold: ``signal`` below ``quantity`` (bytes, inodes
    or PIDs) or ``percentage`` of capacity (``0.1`` for 10%, the float32 the
    kubelet keeps), held for ``grace_period`` seconds (0 for a hard
    threshold), reclaiming ``min_reclaim_quantity`` or
    ``min_reclaim_percentage`` more when set."""

    signal: str
    quantity: Optional[int]
    percentage: Optional[float]
    grace_period: float
    min_reclaim_quantity: Optional[int] = None
    min_reclaim_percentage: Optional[float] = None


def _value(v, present=True) -> Tuple[Optional[int], Optional[float]]:
    if not present:
        return None, None
    return (None, float(v.percentage)) if v.is_percentage else (int(v.quantity), None)


def eviction_thresholds(config: Mapping[str, object]) -> List[Threshold]:
    """The thresholds a kubelet configuration sets (``ParseThresholdConfig``,
    with the allocatable copies when ``enforceNodeAllocatable`` holds
    ``pods``). ``config`` holds the eviction fields by their
    KubeletConfiguration names; no default is applied::

        >>> from nodecore import eviction_thresholds
        >>> for t in eviction_thresholds({"evictionHard": {"memory.available": "100Mi", "nodefs.available": "10%"}}):
        ...     print(t.signal, t.quantity, round(t.percentage or 0, 3))
        memory.available 104857600 0
        nodefs.available None 0.1

    Raises NodecoreError of kind ``invalid-threshold`` with the kubelet's
    message.
    """
    data = json.dumps(config).encode()
    cap = 16
    while True:
        buf = ffi.new("nodecore_threshold[]", cap)
        length = ffi.new("size_t *")
        err = new_error_out()
        status = lib.nodecore_eviction_thresholds(data, len(data), buf, cap, length, err)
        if status == lib.NODECORE_STATUS_INSUFFICIENT_SPACE:
            lib.nodecore_error_free(err[0])
            cap = length[0]
            continue
        check(status, err)
        thresholds = []
        for t in buf[0 : length[0]]:
            quantity, percentage = _value(t.value)
            min_quantity, min_percentage = _value(t.min_reclaim, t.has_min_reclaim)
            signal = str(Signal(t.signal))
            thresholds.append(Threshold(signal, quantity, percentage, t.grace_period_ns / 1e9, min_quantity, min_percentage))
        return thresholds


@dataclass
class PodStats:
    """What eviction ranking reads about one pod: ``priority``, its
    effective requests in bytes (see :func:`pod_requests`), and its usage
    from the stats summary. ``has_stats`` false means the summary has no
    entry for the pod (it ranks first)."""

    priority: int = 0
    memory_request: int = 0
    ephemeral_storage_request: int = 0
    has_stats: bool = True
    memory_working_set: Optional[int] = None
    rootfs_used: int = 0
    rootfs_inodes_used: int = 0
    logs_used: int = 0
    logs_inodes_used: int = 0
    volumes_used: int = 0
    volumes_inodes_used: int = 0
    processes: Optional[int] = None

    @classmethod
    def from_case(cls, pod: Mapping) -> "PodStats":
        """A pod in the case format: ``{"name", "priority", "requests":
        {"memory", "ephemeral-storage"}}`` or ``"containers"`` and
        ``"overhead"`` instead of ``"requests"``, and ``"stats":
        {"memory_working_set", "rootfs_used", ..., "processes"}``."""
        if pod.get("containers") is not None:
            memory, storage = pod_requests(pod["containers"], pod.get("overhead"))
        else:
            requests = pod.get("requests") or {}
            memory, storage = _bytes(requests.get("memory")) or 0, _bytes(requests.get("ephemeral-storage")) or 0
        stats = pod.get("stats")
        base = cls(priority=pod.get("priority") or 0, memory_request=memory, ephemeral_storage_request=storage)
        if stats is None:
            base.has_stats = False
            return base
        base.memory_working_set = stats.get("memory_working_set")
        base.processes = stats.get("processes")
        for key in ("rootfs_used", "rootfs_inodes_used", "logs_used", "logs_inodes_used", "volumes_used", "volumes_inodes_used"):
            setattr(base, key, stats.get(key) or 0)
        return base

    def _fill(self, c) -> None:
        c.priority = self.priority
        c.memory_request = self.memory_request
        c.ephemeral_storage_request = self.ephemeral_storage_request
        c.has_stats = self.has_stats
        c.has_memory_working_set = self.memory_working_set is not None
        c.memory_working_set_bytes = self.memory_working_set or 0
        c.rootfs_used_bytes = self.rootfs_used
        c.rootfs_inodes_used = self.rootfs_inodes_used
        c.logs_used_bytes = self.logs_used
        c.logs_inodes_used = self.logs_inodes_used
        c.volumes_used_bytes = self.volumes_used
        c.volumes_inodes_used = self.volumes_inodes_used
        c.has_process_count = self.processes is not None
        c.process_count = self.processes or 0


_UNITS = {"": 1, "Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "Ti": 1 << 40, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}


def _bytes(quantity) -> Optional[int]:
    """A whole-byte quantity: an int, or text like ``"100Mi"``."""
    if quantity is None or isinstance(quantity, int):
        return quantity
    text = str(quantity)
    number = text.rstrip("".join(set("".join(_UNITS))))
    unit = text[len(number) :]
    if unit not in _UNITS or not number.lstrip("-").isdigit():
        raise ValueError(f"quantity {text!r} is not a whole number of bytes with a unit in {sorted(_UNITS)}")
    return int(number) * _UNITS[unit]


def pod_requests(containers: Sequence[Mapping], overhead: Optional[Mapping] = None) -> Tuple[int, int]:
    """A pod's effective (memory, ephemeral-storage) requests in bytes as
    eviction ranking uses them (Kubernetes 1.31). ``containers`` are
    ``{"requests": {"memory": ..., "ephemeral-storage": ...}, "init": bool,
    "restartable": bool}``; ``overhead`` is ``{"memory": ..., ...}``::

        >>> from nodecore import pod_requests
        >>> pod_requests([{"requests": {"memory": "100Mi"}},
        ...               {"requests": {"memory": "300Mi"}, "init": True, "restartable": True}])
        (314572800, 0)
    """
    records = ffi.new("nodecore_container_requests[]", max(len(containers), 1))

    def fill(c, requests, kind):
        c.kind = kind
        memory, storage = _bytes((requests or {}).get("memory")), _bytes((requests or {}).get("ephemeral-storage"))
        c.has_memory, c.memory = memory is not None, memory or 0
        c.has_ephemeral_storage, c.ephemeral_storage = storage is not None, storage or 0

    for c, container in zip(records, containers):
        kind = lib.NODECORE_CONTAINER_REGULAR
        if container.get("init"):
            kind = lib.NODECORE_CONTAINER_SIDECAR if container.get("restartable") else lib.NODECORE_CONTAINER_INIT
        fill(c, container.get("requests"), kind)
    c_overhead = ffi.NULL
    if overhead is not None:
        c_overhead = ffi.new("nodecore_container_requests *")
        fill(c_overhead, overhead, lib.NODECORE_CONTAINER_REGULAR)
    memory, storage = ffi.new("int64_t *"), ffi.new("int64_t *")
    err = new_error_out()
    check(lib.nodecore_eviction_pod_requests(records, len(containers), c_overhead, memory, storage, err), err)
    return memory[0], storage[0]


def rank_pods(
    pods: Sequence[Union[PodStats, Mapping]],
    signal: Union[Signal, str],
    *,
    image_fs: bool = False,
    container_fs: bool = False,
) -> List[int]:
    """The order the kubelet evicts ``pods`` in under pressure on ``signal``
    (``rankMemoryPressure``, ``rankDiskPressureFunc``, ``rankPIDPressure``),
    as indexes into ``pods``, first to evict first; one call for the whole
    node. Pods are :class:`PodStats` or case-format dicts
    (:meth:`PodStats.from_case`); ``image_fs`` and ``container_fs`` say the
    node has an image filesystem of its own and writable layers on it::

        >>> from nodecore import rank_pods
        >>> pods = [{"name": "below", "priority": -1, "requests": {"memory": "200Mi"}, "stats": {"memory_working_set": 100}},
        ...         {"name": "exceeds", "priority": 1, "requests": {"memory": "1Mi"}, "stats": {"memory_working_set": 2 << 20}}]
        >>> rank_pods(pods, "memory.available")
        [1, 0]
    """
    signal = Signal(signal)
    records = ffi.new("nodecore_pod_stats[]", max(len(pods), 1))
    for c, pod in zip(records, pods):
        (pod if isinstance(pod, PodStats) else PodStats.from_case(pod))._fill(c)
    order = ffi.new("size_t[]", max(len(pods), 1))
    length = ffi.new("size_t *")
    err = new_error_out()
    check(lib.nodecore_eviction_rank(signal, image_fs, container_fs, records, len(pods), order, len(pods), length, err), err)
    return list(order[0 : length[0]])


class NodePIDs(NamedTuple):
    """The node's PID numbers (None where the kubelet has none):
    ``max_pid`` = min(``kernel.pid_max``, ``kernel.threads-max``),
    ``running_tasks`` from ``/proc/loadavg`` (threads)."""

    max_pid: Optional[int]
    running_tasks: Optional[int]

    @property
    def available(self) -> Optional[int]:
        """``pid.available``: ``max_pid - running_tasks``."""
        if self.max_pid is None or self.running_tasks is None:
            return None
        return self.max_pid - self.running_tasks


def node_pids(root: Optional[str] = None) -> NodePIDs:
    """This machine's PID numbers (or those of the machine whose root
    directory is ``root``), as the kubelet's ``pidlimit`` package reads them."""
    data = os.fspath(root).encode() if root is not None else b""
    out = ffi.new("nodecore_node_pids *")
    err = new_error_out()
    check(lib.nodecore_pids_node(data, len(data), out, err), err)
    return NodePIDs(out.max_pid if out.has_max_pid else None, out.running_tasks if out.has_running_tasks else None)


def pod_process_count(pod_cgroup: str) -> Optional[int]:
    """A pod's process count as the kubelet reads it since 1.31:
    ``cgroup.procs`` entries summed over the container cgroups below the pod
    cgroup directory; None when no container cgroup has a count."""
    data = os.fspath(pod_cgroup).encode()
    count, has = ffi.new("uint64_t *"), ffi.new("bool *")
    err = new_error_out()
    check(lib.nodecore_pids_pod_process_count(data, len(data), count, has, err), err)
    return count[0] if has[0] else None
