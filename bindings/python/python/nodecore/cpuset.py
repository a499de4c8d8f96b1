"""CPU sets: immutable sets of logical CPU ids in the Linux list format."""

from collections.abc import Iterable, Iterator

from ._native import ffi, lib
from .errors import check, new_error_out

#: The largest CPU id a CPUSet holds (Linux's largest NR_CPUS is 8192).
MAX_CPU_ID = lib.NODECORE_MAX_CPU_ID


class CPUSet:
    """An immutable set of logical CPU ids, like a ``frozenset`` of ints.

    Text in the Linux list format (``"0-3,8"``) parses exactly as the kubelet's
    ``cpuset.Parse`` does, and ``str()`` gives its canonical form::

        >>> s = CPUSet.parse("8,0-3")
        >>> str(s), len(s), 8 in s, list(s)
        ('0-3,8', 5, True, [0, 1, 2, 3, 8])
        >>> str(s | CPUSet([4])), str(s & CPUSet.parse("2-9")), str(s - CPUSet([0]))
        ('0-4,8', '2-3,8', '1-3,8')

    Sets are hashable and compare by content; ``<=`` is "is a subset of".
    """

    __slots__ = ("_ptr",)

    def __init__(self, cpus: Iterable = ()):
        """The set of the given CPU ids (any order, repeats allowed).

        Raises NodecoreError (kind ``invalid-argument``) for an id above
        MAX_CPU_ID, ValueError for a negative one; use CPUSet.parse for text.
        """
        if isinstance(cpus, (str, bytes)):
            raise TypeError("CPUSet(cpus) takes CPU ids; use CPUSet.parse(text) for the list format")
        ids = [_cpu_id(cpu) for cpu in cpus]
        out = ffi.new("nodecore_cpuset **")
        err = new_error_out()
        check(lib.nodecore_cpuset_from_list(ffi.new("size_t[]", ids), len(ids), out, err), err)
        self._ptr = _own(out[0])

    @classmethod
    def parse(cls, text: str) -> "CPUSet":
        """Reads the Linux list format (``""`` is the empty set).

        Raises NodecoreError of kind ``parse`` with upstream's message for text
        that is not a CPU list.
        """
        data = text.encode()
        out = ffi.new("nodecore_cpuset **")
        err = new_error_out()
        check(lib.nodecore_cpuset_parse(data, len(data), out, err), err)
        return cls._wrap(out[0])

    @classmethod
    def _wrap(cls, ptr) -> "CPUSet":
        set_ = cls.__new__(cls)
        set_._ptr = _own(ptr)
        return set_

    def __str__(self) -> str:
        buf = ffi.new("char[]", 128)
        length = ffi.new("size_t *")
        status = lib.nodecore_cpuset_format(self._ptr, buf, len(buf), length, ffi.NULL)
        if status == lib.NODECORE_STATUS_INSUFFICIENT_SPACE:
            buf = ffi.new("char[]", length[0] + 1)
            status = lib.nodecore_cpuset_format(self._ptr, buf, len(buf), length, ffi.NULL)
        check(status)
        return ffi.string(buf, length[0]).decode()

    def __repr__(self) -> str:
        return f"CPUSet.parse({str(self)!r})"

    def __reduce__(self):
        return (CPUSet.parse, (str(self),))

    def __len__(self) -> int:
        return lib.nodecore_cpuset_len(self._ptr)

    def __bool__(self) -> bool:
        return len(self) > 0

    def __iter__(self) -> Iterator:
        return iter(self.to_list())

    def to_list(self) -> list:
        """The CPU ids in ascending order."""
        n = len(self)
        buf = ffi.new("size_t[]", n)
        length = ffi.new("size_t *")
        check(lib.nodecore_cpuset_to_list(self._ptr, buf, n, length, ffi.NULL))
        return list(buf[0 : length[0]])

    def __contains__(self, cpu) -> bool:
        return isinstance(cpu, int) and cpu >= 0 and bool(lib.nodecore_cpuset_contains(self._ptr, cpu))

    def __eq__(self, other) -> bool:
        if not isinstance(other, CPUSet):
            return NotImplemented
        return bool(lib.nodecore_cpuset_equal(self._ptr, other._ptr))

    def __hash__(self) -> int:
        return hash((CPUSet, str(self)))

    def __le__(self, other) -> bool:
        if not isinstance(other, CPUSet):
            return NotImplemented
        return bool(lib.nodecore_cpuset_is_subset(self._ptr, other._ptr))

    def __lt__(self, other) -> bool:
        if not isinstance(other, CPUSet):
            return NotImplemented
        return self <= other and len(self) < len(other)

    def __ge__(self, other) -> bool:
        if not isinstance(other, CPUSet):
            return NotImplemented
        return other <= self

    def __gt__(self, other) -> bool:
        if not isinstance(other, CPUSet):
            return NotImplemented
        return other < self

    def __or__(self, other) -> "CPUSet":
        if not isinstance(other, CPUSet):
            return NotImplemented
        return CPUSet._wrap(lib.nodecore_cpuset_union(self._ptr, other._ptr))

    def __and__(self, other) -> "CPUSet":
        if not isinstance(other, CPUSet):
            return NotImplemented
        return CPUSet._wrap(lib.nodecore_cpuset_intersection(self._ptr, other._ptr))

    def __sub__(self, other) -> "CPUSet":
        if not isinstance(other, CPUSet):
            return NotImplemented
        return CPUSet._wrap(lib.nodecore_cpuset_difference(self._ptr, other._ptr))

    def __xor__(self, other) -> "CPUSet":
        if not isinstance(other, CPUSet):
            return NotImplemented
        return (self | other) - (self & other)

    def union(self, *others) -> "CPUSet":
        """The CPUs in this set or any of ``others`` (CPUSets or iterables of ids)."""
        result = self
        for other in others:
            result = result | _as_cpuset(other)
        return result

    def intersection(self, *others) -> "CPUSet":
        """The CPUs in this set and every one of ``others``."""
        result = self
        for other in others:
            result = result & _as_cpuset(other)
        return result

    def difference(self, *others) -> "CPUSet":
        """The CPUs of this set in none of ``others``."""
        result = self
        for other in others:
            result = result - _as_cpuset(other)
        return result

    def issubset(self, other) -> bool:
        return self <= _as_cpuset(other)

    def issuperset(self, other) -> bool:
        return _as_cpuset(other) <= self

    def isdisjoint(self, other) -> bool:
        return not (self & _as_cpuset(other))


def _own(ptr):
    """Ties a set the library returned to the Python object's lifetime."""
    if ptr == ffi.NULL:
        raise MemoryError("nodecore returned no CPU set (an internal failure)")
    return ffi.gc(ptr, lib.nodecore_cpuset_free)


def _cpu_id(cpu) -> int:
    cpu = int(cpu)
    if cpu < 0:
        raise ValueError(f"CPU id {cpu} is negative")
    return cpu


def _as_cpuset(value) -> CPUSet:
    return value if isinstance(value, CPUSet) else CPUSet(value)
