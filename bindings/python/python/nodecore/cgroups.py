"""cgroup names and values as the kubelet writes them: cgroupfs and systemd
paths, the pod cgroup layout, CPU shares, quota and weight, memory.high and
swap."""

import enum
from dataclasses import dataclass
from typing import Optional, Sequence, Union

from ._native import ffi, lib
from .errors import check, new_error_out
from .pod import QOSClass


class CgroupDriver(enum.IntEnum):
    """The kubelet's ``--cgroup-driver``; ``CgroupDriver("systemd")`` reads its name."""

    CGROUPFS = lib.NODECORE_CGROUP_DRIVER_CGROUPFS
    SYSTEMD = lib.NODECORE_CGROUP_DRIVER_SYSTEMD

    @classmethod
    def _missing_(cls, value):
        return {"cgroupfs": cls.CGROUPFS, "systemd": cls.SYSTEMD}.get(value)


Driver = Union[CgroupDriver, str]


def _text(call) -> str:
    """Runs a C function writing text through the buffer protocol."""
    cap = 256
    while True:
        buf = ffi.new("char[]", cap)
        length = ffi.new("size_t *")
        err = new_error_out()
        status = call(buf, cap, length, err)
        if status == lib.NODECORE_STATUS_INSUFFICIENT_SPACE and length[0] >= cap:
            lib.nodecore_error_free(err[0])
            cap = length[0] + 1
            continue
        check(status, err)
        return ffi.string(buf, length[0]).decode()


def cgroup_path(components: Sequence[str], driver: Driver = CgroupDriver.CGROUPFS) -> str:
    """The literal path of the cgroup name made of ``components`` (the
    kubelet's ``CgroupName``, outermost first) under ``driver``::

        >>> from nodecore.cgroups import cgroup_path
        >>> cgroup_path(["kubepods", "burstable", "pod1234"])
        '/kubepods/burstable/pod1234'
        >>> cgroup_path(["kubepods", "burstable", "pod1234"], "systemd")
        '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234.slice'

    Components holding ``/`` or ``_``, ``.``, ``..`` or NUL raise
    NodecoreError of kind ``invalid-name``; systemd refuses empty ones.
    """
    parts = [c.encode() for c in components]
    text = b"".join(parts)
    spans = ffi.new("nodecore_span[]", max(len(parts), 1))
    offset = 0
    for span, part in zip(spans, parts):
        span.offset, span.len = offset, len(part)
        offset += len(part)
    driver = CgroupDriver(driver)
    return _text(lambda buf, cap, n, err: lib.nodecore_cgroup_name_to_path(text, len(text), spans, len(parts), driver, buf, cap, n, err))


def convert_cgroup_path(path: str, from_driver: Driver, to_driver: Driver) -> str:
    """A literal path read as the kubelet reads it under ``from_driver`` and
    written under ``to_driver``::

        >>> from nodecore.cgroups import convert_cgroup_path
        >>> convert_cgroup_path("/kubepods.slice/kubepods-besteffort.slice", "systemd", "cgroupfs")
        '/kubepods/besteffort'
    """
    data = path.encode()
    from_driver, to_driver = CgroupDriver(from_driver), CgroupDriver(to_driver)
    return _text(lambda buf, cap, n, err: lib.nodecore_cgroup_path_convert(data, len(data), from_driver, to_driver, buf, cap, n, err))


def pod_cgroup_path(
    pod_uid: str,
    qos: Union[QOSClass, str] = QOSClass.BURSTABLE,
    driver: Driver = CgroupDriver.CGROUPFS,
    *,
    cgroup_root: str = "/",
    cgroups_per_qos: bool = True,
) -> str:
    """The path of a pod's cgroup in the kubelet's layout::

        >>> from nodecore.cgroups import pod_cgroup_path
        >>> pod_cgroup_path("6e8d8e5a-36b3", "BestEffort")
        '/kubepods/besteffort/pod6e8d8e5a-36b3'
        >>> pod_cgroup_path("6e8d8e5a-36b3", "Guaranteed", "systemd")
        '/kubepods.slice/kubepods-pod6e8d8e5a_36b3.slice'
    """
    uid, root = pod_uid.encode(), cgroup_root.encode()
    qos, driver = QOSClass(qos), CgroupDriver(driver)
    return _text(
        lambda buf, cap, n, err: lib.nodecore_cgroup_pod_path(
            root, len(root), cgroups_per_qos, qos, uid, len(uid), driver, buf, cap, n, err
        )
    )


def milli_cpu_to_shares(milli_cpu: int) -> int:
    """``cpu.shares`` for a CPU request in millicores (``MilliCPUToShares``)::

        >>> from nodecore.cgroups import milli_cpu_to_shares
        >>> milli_cpu_to_shares(1000), milli_cpu_to_shares(0)
        (1024, 2)
    """
    return lib.nodecore_cgroup_milli_cpu_to_shares(milli_cpu)


def milli_cpu_to_quota(milli_cpu: int, period: int = 100_000) -> int:
    """The CFS quota in µs for a CPU limit in millicores (``MilliCPUToQuota``);
    0 for no limit, at least 1000."""
    return lib.nodecore_cgroup_milli_cpu_to_quota(milli_cpu, period)


def cpu_shares_to_weight(shares: int, formula: str = "kubelet-linear") -> int:
    """cgroup v2 ``cpu.weight`` for ``shares``: ``"kubelet-linear"`` is the
    kubelet's own (kubepods, QoS and pod cgroups), ``"runc-quadratic"`` the
    OCI runtimes' since runc 1.3.2 (container cgroups)::

        >>> from nodecore.cgroups import cpu_shares_to_weight
        >>> cpu_shares_to_weight(1024), cpu_shares_to_weight(1024, "runc-quadratic")
        (39, 100)
    """
    if formula == "kubelet-linear":
        return lib.nodecore_cgroup_cpu_shares_to_weight_linear(shares)
    if formula == "runc-quadratic":
        return lib.nodecore_cgroup_cpu_shares_to_weight_quadratic(shares)
    raise ValueError(f"unknown formula {formula!r}: expected 'kubelet-linear' or 'runc-quadratic'")


def cpu_weight_to_shares(weight: int) -> int:
    """``cpu.weight`` read back as shares (``CPUWeightToCPUShares``)."""
    return lib.nodecore_cgroup_cpu_weight_to_shares(weight)


def memory_high(
    request: int, limit: int = 0, node_allocatable: int = 0, factor: float = 0.9, page_size: int = 4096
) -> Optional[int]:
    """The ``memory.high`` the kubelet sets for a container under MemoryQoS,
    or None when it sets none (``limit`` 0 is no limit)::

        >>> from nodecore.cgroups import memory_high
        >>> memory_high(128 << 20, 256 << 20)
        255012864
    """
    high = lib.nodecore_cgroup_memory_high(request, limit, node_allocatable, factor, page_size)
    return high or None


@dataclass(frozen=True)
class SwapSetting:
    """A container's swap: ``kind`` is ``"not-configured"`` (no swap
    controller), ``"swap-max"`` (cgroup v2: ``memory.swap.max`` =
    ``swap_max`` bytes, 0 for no swap) or ``"memsw-equals-memory-limit"``
    (cgroup v1 without swap)."""

    kind: str
    swap_max: int = 0


_SWAP_KINDS = {
    lib.NODECORE_SWAP_SETTING_NOT_CONFIGURED: "not-configured",
    lib.NODECORE_SWAP_SETTING_SWAP_MAX: "swap-max",
    lib.NODECORE_SWAP_SETTING_MEMSW_EQUALS_MEMORY_LIMIT: "memsw-equals-memory-limit",
}


def container_swap(
    *,
    qos: Union[QOSClass, str],
    memory_request: int = 0,
    memory_limit: int = 0,
    node_memory: int,
    node_swap: int,
    swap_behavior: str = "LimitedSwap",
    critical: bool = False,
    cgroup_version: int = 2,
    swap_controller: bool = True,
    node_swap_gate: bool = True,
) -> SwapSetting:
    """A container's swap as the kubelet's ``configureContainerSwapResources``
    decides it (memory in bytes, 0 when unset)::

        >>> from nodecore.cgroups import container_swap
        >>> container_swap(qos="Burstable", memory_request=1 << 30, memory_limit=2 << 30,
        ...                node_memory=40 << 30, node_swap=5 << 30)
        SwapSetting(kind='swap-max', swap_max=134217728)
    """
    behaviors = {"": lib.NODECORE_SWAP_NO_SWAP, "NoSwap": lib.NODECORE_SWAP_NO_SWAP, "LimitedSwap": lib.NODECORE_SWAP_LIMITED_SWAP}
    if swap_behavior not in behaviors:
        raise ValueError(f'swapBehavior {swap_behavior!r} must be one of: "", "LimitedSwap", "NoSwap"')
    c_input = ffi.new(
        "nodecore_container_swap_input *",
        {
            "cgroup_version": cgroup_version,
            "swap_controller": swap_controller,
            "swap_behavior": behaviors[swap_behavior],
            "node_swap_gate": node_swap_gate,
            "qos": QOSClass(qos),
            "critical": critical,
            "memory_request": memory_request,
            "memory_limit": memory_limit,
            "node_memory": node_memory,
            "node_swap": node_swap,
        },
    )
    out = ffi.new("nodecore_swap_setting *")
    err = new_error_out()
    check(lib.nodecore_cgroup_container_swap(c_input, out, err), err)
    return SwapSetting(_SWAP_KINDS[out.kind], out.swap_max)


def limited_swap_bytes(memory_request: int, node_memory: int, node_swap: int) -> int:
    """LimitedSwap's share of the node's swap for a memory request
    (``calcSwapForBurstablePods``); NodecoreError of kind
    ``invalid-configuration`` when node memory is not positive or the
    request exceeds it."""
    out = ffi.new("int64_t *")
    err = new_error_out()
    check(lib.nodecore_cgroup_limited_swap_bytes(memory_request, node_memory, node_swap, out, err), err)
    return out[0]
