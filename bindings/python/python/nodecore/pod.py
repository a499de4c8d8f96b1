"""Pods as the CPU manager reads them: a UID, a QoS class and containers
with their CPU requests and limits."""

import enum
from dataclasses import dataclass, field
from typing import List, Optional, Union

from ._native import ffi, lib


class QOSClass(enum.IntEnum):
    """A pod's QoS class (``status.qosClass``); only Guaranteed pods get
    exclusive CPUs. ``QOSClass("Burstable")`` reads the API's spelling."""

    GUARANTEED = lib.NODECORE_QOS_GUARANTEED
    BURSTABLE = lib.NODECORE_QOS_BURSTABLE
    BEST_EFFORT = lib.NODECORE_QOS_BEST_EFFORT

    @classmethod
    def _missing_(cls, value):
        spelled = {"Guaranteed": cls.GUARANTEED, "Burstable": cls.BURSTABLE, "BestEffort": cls.BEST_EFFORT}
        return spelled.get(value)

    def __str__(self) -> str:
        return {0: "Guaranteed", 1: "Burstable", 2: "BestEffort"}[int(self)]


@dataclass
class Container:
    """One container of a pod.

    ``cpu_request_milli`` and ``cpu_limit_milli`` are ``resources.requests.cpu``
    and ``resources.limits.cpu`` in millicores, ``None`` when not set (a
    missing request defaults to the limit, as the API server does).
    ``restartable`` marks an init container with ``restartPolicy: Always``
    (a sidecar).
    """

    name: str
    cpu_request_milli: Optional[int] = None
    cpu_limit_milli: Optional[int] = None
    restartable: bool = False

    def __post_init__(self):
        for what in ("cpu_request_milli", "cpu_limit_milli"):
            value = getattr(self, what)
            if value is not None and int(value) < 0:
                raise ValueError(f"{what} is {value}; CPU quantities are not negative")


@dataclass
class Pod:
    """A pod: its UID, QoS class, init containers and app containers.

    >>> pod = Pod("pod-1", "Guaranteed", containers=[Container("app", 2000, 2000)])
    >>> pod.qos
    <QOSClass.GUARANTEED: 0>
    """

    uid: str
    qos: Union[QOSClass, str, int] = QOSClass.GUARANTEED
    containers: List[Container] = field(default_factory=list)
    init_containers: List[Container] = field(default_factory=list)

    def __post_init__(self):
        self.qos = QOSClass(self.qos)

    def _c_args(self):
        """The pod as the C ABI takes it: ``(names, names_len, pod,
        containers, containers_len)``, plus the record index of every
        container name."""
        names = bytearray()

        def span(text: str):
            data = text.encode()
            offset = len(names)
            names.extend(data)
            return {"offset": offset, "len": len(data)}

        records = [(c, True) for c in self.init_containers] + [(c, False) for c in self.containers]
        c_pod = ffi.new("nodecore_pod *", {"uid": span(self.uid), "qos": int(self.qos)})
        c_containers = ffi.new("nodecore_container[]", max(len(records), 1))
        index = {}
        for i, (container, init) in enumerate(records):
            c = c_containers[i]
            c.name = span(container.name)
            c.cpu_request_milli = -1 if container.cpu_request_milli is None else int(container.cpu_request_milli)
            c.cpu_limit_milli = -1 if container.cpu_limit_milli is None else int(container.cpu_limit_milli)
            c.init = init
            c.restartable = bool(container.restartable)
            index.setdefault(container.name, i)
        text = bytes(names)
        return (text, len(text), c_pod, c_containers, len(records)), index
