"""The CPU manager's static policy with its state, and its CPU selection."""

import json
import os
from typing import Dict, List, Mapping, Optional, Union

from ._native import ffi, lib
from .cpuset import CPUSet
from .errors import NodecoreError, check, new_error_out
from .hint import Hint, as_hint
from .pod import Pod
from .topology import Topology, _take_string

PathLike = Union[str, "os.PathLike[str]"]


def _options_json(options: Optional[Mapping[str, object]]) -> bytes:
    """The kubelet's option map as JSON; booleans become "true"/"false"."""
    if not options:
        return b""
    as_strings = {name: (str(value).lower() if isinstance(value, bool) else str(value)) for name, value in options.items()}
    return json.dumps(as_strings).encode()


class StaticPolicy:
    """The kubelet CPU manager's ``static`` policy and its state.

    It gives whole-CPU containers of Guaranteed pods exclusive CPUs, exactly
    as the kubelet does, and keeps the assignments in memory or, with
    ``state_dir``, in the kubelet's own checkpoint file (byte for byte)::

        >>> from nodecore import Container, Pod, StaticPolicy, Topology
        >>> policy = StaticPolicy(Topology.named("single-socket-ht"), num_reserved=1)
        >>> pod = Pod("pod-1", "Guaranteed", containers=[Container("app", 2000, 2000)])
        >>> str(policy.allocate(pod, "app"))
        '1,5'
        >>> str(policy.shared_cpus)
        '0,2-4,6-7'

    ``options`` is the kubelet's ``cpuManagerPolicyOptions`` map
    (``{"full-pcpus-only": "true"}``; Python booleans are accepted);
    ``alpha_options`` and ``beta_options`` are the feature gates that unlock
    options by maturity (the kubelet's defaults: alpha off, beta on).
    ``reserved`` are explicit reserved CPUs (``--reserved-cpus``) and
    ``num_reserved`` their number (by default ``len(reserved)``, else 0).

    A policy is safe to share between threads. It holds library memory: use
    it as a context manager or call :meth:`close` (a forgotten policy is
    freed by the garbage collector). Failures raise NodecoreError with the
    kubelet's message: kinds ``invalid-options``, ``invalid-reserved``,
    ``invalid-state``, ``corrupt-checkpoint``, ``smt-alignment``,
    ``insufficient``, ...
    """

    __slots__ = ("_ptr",)

    def __init__(
        self,
        topology: Topology,
        *,
        reserved: Optional[CPUSet] = None,
        num_reserved: Optional[int] = None,
        options: Optional[Mapping[str, object]] = None,
        alpha_options: bool = False,
        beta_options: bool = True,
        topology_manager_policy: str = "none",
        state_dir: Optional[PathLike] = None,
        state_file: str = "cpu_manager_state",
    ):
        self._ptr = None
        reserved = CPUSet(reserved) if reserved is not None and not isinstance(reserved, CPUSet) else reserved
        if num_reserved is None:
            num_reserved = len(reserved) if reserved is not None else 0
        if num_reserved < 0:
            raise ValueError("num_reserved is negative")
        keep = []  # the config's texts must outlive the call

        def text(value: str):
            data = value.encode()
            buf = ffi.new("char[]", data) if data else ffi.NULL
            keep.append(buf)
            return buf, len(data)

        config = ffi.new("nodecore_static_policy_config *")
        config.size = ffi.sizeof("nodecore_static_policy_config")
        config.topology = topology._handle()
        config.reserved_cpus = reserved._ptr if reserved is not None else ffi.NULL
        config.num_reserved_cpus = num_reserved
        config.options_json, config.options_json_len = text(_options_json(options).decode())
        config.option_gates = (lib.NODECORE_CPU_OPTION_GATE_ALPHA if alpha_options else 0) | (
            lib.NODECORE_CPU_OPTION_GATE_BETA if beta_options else 0
        )
        config.topology_manager_policy, config.topology_manager_policy_len = text(topology_manager_policy)
        config.state_dir, config.state_dir_len = text(os.fspath(state_dir) if state_dir is not None else "")
        config.state_file, config.state_file_len = text(state_file)
        out = ffi.new("nodecore_static_policy **")
        err = new_error_out()
        check(lib.nodecore_static_policy_new(config, out, err), err)
        self._ptr = ffi.gc(out[0], lib.nodecore_static_policy_free)

    def close(self) -> None:
        """Frees the policy now (its checkpoint file stays). Idempotent;
        other methods raise ValueError afterwards."""
        if self._ptr is not None:
            ffi.release(self._ptr)
            self._ptr = None

    def __enter__(self) -> "StaticPolicy":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _handle(self):
        if self._ptr is None:
            raise ValueError("operation on a closed StaticPolicy")
        return self._ptr

    @staticmethod
    def _container_index(pod: Pod, index: Dict[str, int], container: str) -> int:
        if container not in index:
            raise KeyError(f"container {container!r} is not in pod {pod.uid!r}")
        return index[container]

    def allocate(self, pod: Pod, container: str, affinity=None) -> CPUSet:
        """Gives the container its exclusive CPUs (the kubelet's ``Allocate``)
        and returns them: an empty set when it does not qualify and runs in
        the shared pool. A container that already has CPUs keeps them.

        ``affinity`` is the topology manager's merged hint (a :class:`Hint`,
        ``(nodes, preferred)`` or ``{"affinity": [...], ...}``), or None: the
        CPUs come first from its NUMA nodes. On error nothing changed.
        """
        args, index = pod._c_args()
        c_affinity = ffi.NULL
        if affinity is not None:
            c_affinity = ffi.new("nodecore_hint *")
            as_hint(affinity)._fill(c_affinity)
        out = ffi.new("nodecore_cpuset **")
        err = new_error_out()
        status = lib.nodecore_static_policy_allocate(
            self._handle(), *args, self._container_index(pod, index, container), c_affinity, out, err
        )
        check(status, err)
        return CPUSet._wrap(out[0])

    def remove_container(self, pod_uid: str, container: str) -> None:
        """Releases the container's exclusive CPUs to the shared pool (the
        kubelet's ``RemoveContainer``); an unknown container changes nothing."""
        uid, name = pod_uid.encode(), container.encode()
        err = new_error_out()
        check(lib.nodecore_static_policy_remove_container(self._handle(), uid, len(uid), name, len(name), err), err)

    def _hints(self, call, *args) -> Optional[List[Hint]]:
        cap = 8
        while True:
            buf = ffi.new("nodecore_hint[]", cap)
            length = ffi.new("size_t *")
            no_preference = ffi.new("bool *")
            err = new_error_out()
            status = call(self._handle(), *args, buf, cap, length, no_preference, err)
            if status == lib.NODECORE_STATUS_INSUFFICIENT_SPACE:
                lib.nodecore_error_free(err[0])
                cap = length[0]
                continue
            check(status, err)
            if no_preference[0]:
                return None
            return [Hint._from_c(buf[i]) for i in range(length[0])]

    def topology_hints(self, pod: Pod, container: str) -> Optional[List[Hint]]:
        """The CPU hints for the container (the kubelet's
        ``GetTopologyHints``): None when it does not qualify for exclusive
        CPUs (no preference), ``[]`` when its request cannot be satisfied."""
        args, index = pod._c_args()
        return self._hints(
            lib.nodecore_static_policy_topology_hints, *args, self._container_index(pod, index, container)
        )

    def pod_topology_hints(self, pod: Pod) -> Optional[List[Hint]]:
        """The CPU hints for the whole pod, for the topology manager's pod
        scope (``GetPodTopologyHints``); None and ``[]`` as for
        :meth:`topology_hints`."""
        args, _ = pod._c_args()
        return self._hints(lib.nodecore_static_policy_pod_topology_hints, *args)

    def cpus(self, pod_uid: str, container: str) -> CPUSet:
        """The container's exclusive CPUs (``GetCPUSet``); empty when it has none."""
        uid, name = pod_uid.encode(), container.encode()
        out = ffi.new("nodecore_cpuset **")
        err = new_error_out()
        check(lib.nodecore_static_policy_container_cpus(self._handle(), uid, len(uid), name, len(name), out, err), err)
        return CPUSet._wrap(out[0])

    def _policy_cpus(self, which: int) -> CPUSet:
        out = ffi.new("nodecore_cpuset **")
        err = new_error_out()
        check(lib.nodecore_static_policy_cpus(self._handle(), which, out, err), err)
        return CPUSet._wrap(out[0])

    @property
    def shared_cpus(self) -> CPUSet:
        """The shared pool (``GetDefaultCPUSet``): where containers without exclusive CPUs run."""
        return self._policy_cpus(lib.NODECORE_POLICY_CPUS_SHARED)

    @property
    def reserved_cpus(self) -> CPUSet:
        """The CPUs never given out exclusively."""
        return self._policy_cpus(lib.NODECORE_POLICY_CPUS_RESERVED)

    @property
    def available_cpus(self) -> CPUSet:
        """The CPUs that may be given out now (``GetAvailableCPUs``)."""
        return self._policy_cpus(lib.NODECORE_POLICY_CPUS_AVAILABLE)

    @property
    def allocatable_cpus(self) -> CPUSet:
        """Every CPU that may ever be given out (``GetAllocatableCPUs``)."""
        return self._policy_cpus(lib.NODECORE_POLICY_CPUS_ALLOCATABLE)

    @property
    def assignments(self) -> Dict[str, Dict[str, CPUSet]]:
        """Every exclusive assignment: pod UID → container name → CPUs."""
        out = ffi.new("char **")
        err = new_error_out()
        check(lib.nodecore_static_policy_state_json(self._handle(), out, err), err)
        state = json.loads(_take_string(out[0]))
        return {
            uid: {name: CPUSet.parse(cpus) for name, cpus in containers.items()}
            for uid, containers in state["entries"].items()
        }


def take_cpus(topology: Topology, available, count: int, options: Optional[Mapping[str, object]] = None) -> CPUSet:
    """The static policy's choice of ``count`` CPUs out of ``available`` (the
    kubelet's ``takeByTopology``), with ``options`` read as the kubelet's
    option map with every gate enabled. It is the selection alone:
    ``full-pcpus-only`` does not check that ``count`` is whole cores.

        >>> from nodecore import Topology, take_cpus
        >>> topo = Topology.named("dual-socket-ht")
        >>> str(take_cpus(topo, topo.cpus, 6))
        '0,2,4,6,8,10'
    """
    if count < 0:
        raise ValueError("count is negative")
    available = available if isinstance(available, CPUSet) else CPUSet(available)
    data = _options_json(options)
    out = ffi.new("nodecore_cpuset **")
    err = new_error_out()
    check(lib.nodecore_cpu_take(topology._handle(), available._ptr, count, data, len(data), out, err), err)
    return CPUSet._wrap(out[0])
