"""CPU topologies: which core, socket, NUMA node and uncore cache each CPU is on."""

import json
import os
from typing import Dict, List, NamedTuple, Optional, Union

from ._native import ffi, lib
from .cpuset import CPUSet
from .errors import check, new_error_out


class CPUInfo(NamedTuple):
    """Where one logical CPU sits. ``core`` is the lowest logical CPU id among
    the core's threads; ``uncore`` is the socket id where the machine reports
    no last-level cache."""

    core: int
    socket: int
    numa: int
    uncore: int


class Topology:
    """A machine's CPUs as the kubelet's CPU manager sees them.

    Discover this machine's with :meth:`discover`, or load one with
    :meth:`from_json` or :meth:`named`. It holds library memory:
    use it as a context manager or call :meth:`close`; a forgotten topology is
    freed when it is garbage-collected. A topology never changes, so it may be
    shared between threads.
    """

    __slots__ = ("_ptr", "_counts")

    def __init__(self):
        raise TypeError("use Topology.discover(), Topology.from_json(...) or Topology.named(...)")

    @classmethod
    def from_json(cls, data: Union[str, bytes, dict, list]) -> "Topology":
        """Loads ``{"cpus": [{"cpu", "core", "socket", "numa", "uncore"}, ...]}``
        (JSON text or the decoded object), or a JSON string naming a named
        topology, as the case files write them.

        Raises NodecoreError of kind ``invalid-input``, ``invalid-topology`` or
        ``unknown-topology``.
        """
        if isinstance(data, str):
            data = data.encode()
        elif not isinstance(data, bytes):
            data = json.dumps(data).encode()
        out = ffi.new("nodecore_topology **")
        err = new_error_out()
        check(lib.nodecore_topology_from_json(data, len(data), out, err), err)
        return cls._wrap(out[0])

    @classmethod
    def discover(cls, root: Optional[str] = None) -> "Topology":
        """This machine's CPU topology, read from sysfs exactly as the kubelet
        builds it through cadvisor; ``root`` is another machine's root
        directory (its sysfs at ``root/sys``).

        Raises NodecoreError of kind ``discovery`` when sysfs cannot be read
        or shows no CPU topology.
        """
        data = os.fspath(root).encode() if root is not None else b""
        out = ffi.new("nodecore_topology **")
        err = new_error_out()
        check(lib.nodecore_topology_discover(data, len(data), out, err), err)
        return cls._wrap(out[0])

    @staticmethod
    def numa_distances(root: Optional[str] = None) -> Dict[int, List[int]]:
        """This machine's NUMA distances (or those below ``root``): each node
        id's row, in the order of its sysfs ``distance`` file; ``{}`` without
        NUMA directories, as the kubelet then has none either."""
        data = os.fspath(root).encode() if root is not None else b""
        out = ffi.new("char **")
        err = new_error_out()
        check(lib.nodecore_topology_numa_distances(data, len(data), out, err), err)
        return {int(node): row for node, row in json.loads(_take_string(out[0])).items()}

    @classmethod
    def named(cls, name: str) -> "Topology":
        """One of the named test topologies, e.g. ``"dual-socket-ht"`` (the
        kubelet's ``topoDualSocketHT``); see :meth:`names`."""
        data = name.encode()
        out = ffi.new("nodecore_topology **")
        err = new_error_out()
        check(lib.nodecore_topology_named(data, len(data), out, err), err)
        return cls._wrap(out[0])

    @staticmethod
    def names() -> list:
        """The names :meth:`named` knows, in ascending order."""
        out = ffi.new("char **")
        err = new_error_out()
        check(lib.nodecore_topology_names(out, err), err)
        return json.loads(_take_string(out[0]))

    @classmethod
    def _wrap(cls, ptr) -> "Topology":
        topo = object.__new__(cls)
        topo._ptr = ffi.gc(ptr, lib.nodecore_topology_free)
        counts = ffi.new("nodecore_topology_counts *")
        check(lib.nodecore_topology_get_counts(topo._ptr, counts, ffi.NULL))
        topo._counts = (
            counts.num_cpus,
            counts.num_cores,
            counts.num_sockets,
            counts.num_numa_nodes,
            counts.num_uncore_caches,
        )
        return topo

    def close(self) -> None:
        """Frees the topology now. Idempotent; other methods raise ValueError afterwards."""
        if self._ptr is not None:
            ffi.release(self._ptr)
            self._ptr = None

    def __enter__(self) -> "Topology":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _handle(self):
        if self._ptr is None:
            raise ValueError("operation on a closed Topology")
        return self._ptr

    def __repr__(self) -> str:
        if self._ptr is None:
            return "<Topology (closed)>"
        return (
            f"<Topology cpus={self.num_cpus} cores={self.num_cores} sockets={self.num_sockets} "
            f"numa_nodes={self.num_numa_nodes} uncore_caches={self.num_uncore_caches}>"
        )

    @property
    def num_cpus(self) -> int:
        """Declared number of logical CPUs (upstream ``NumCPUs``)."""
        return self._counts[0]

    @property
    def num_cores(self) -> int:
        """Declared number of physical cores (upstream ``NumCores``)."""
        return self._counts[1]

    @property
    def num_sockets(self) -> int:
        """Declared number of sockets (upstream ``NumSockets``)."""
        return self._counts[2]

    @property
    def num_numa_nodes(self) -> int:
        """Declared number of NUMA nodes (upstream ``NumNUMANodes``)."""
        return self._counts[3]

    @property
    def num_uncore_caches(self) -> int:
        """Declared number of uncore caches (upstream ``NumUncoreCache``)."""
        return self._counts[4]

    @property
    def cpus(self) -> CPUSet:
        """All the topology's CPUs."""
        return CPUSet._wrap(lib.nodecore_topology_cpus(self._handle()))

    def cpu_info(self, cpu: int) -> CPUInfo:
        """Where ``cpu`` sits; NodecoreError of kind ``invalid-argument`` for a CPU it lacks."""
        if cpu < 0:
            raise ValueError(f"CPU id {cpu} is negative")
        info = ffi.new("nodecore_cpu_info *")
        err = new_error_out()
        check(lib.nodecore_topology_cpu_info(self._handle(), cpu, info, err), err)
        return CPUInfo(info.core, info.socket, info.numa, info.uncore)

    def to_json(self) -> str:
        """The JSON form, which :meth:`from_json` reads back."""
        out = ffi.new("char **")
        err = new_error_out()
        check(lib.nodecore_topology_to_json(self._handle(), out, err), err)
        return _take_string(out[0])

    def to_dict(self) -> dict:
        """The JSON form, decoded."""
        return json.loads(self.to_json())


def _take_string(ptr) -> str:
    """Copies a library string into Python and frees it."""
    try:
        return ffi.string(ptr).decode()
    finally:
        lib.nodecore_string_free(ptr)
