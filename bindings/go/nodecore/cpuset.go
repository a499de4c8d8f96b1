package nodecore

// #include <nodecore.h>
import "C"

import (
	"fmt"
	"runtime"
	"unsafe"
)

// CPUSet is an immutable set of logical CPU ids, the counterpart of
// k8s.io/utils/cpuset.CPUSet. Convert between the two through the text form
// both use: ParseCPUSet(k8sSet.String()) and cpuset.Parse(set.String()).
//
// The zero value is the empty set. Values are safe for concurrent use; the
// library memory behind them is freed by a finalizer, so they need no Close.
type CPUSet struct {
	h *cpusetHandle
}

type cpusetHandle struct {
	ptr *C.nodecore_cpuset
}

// emptySet stands for the zero CPUSet in calls that need a handle; it lives
// as long as the process.
var emptySet = C.nodecore_cpuset_new()

// wrapCPUSet takes ownership of a set the library returned.
func wrapCPUSet(ptr *C.nodecore_cpuset) CPUSet {
	if ptr == nil {
		// Only a panic inside the library returns NULL here.
		panic("nodecore: the library failed to return a CPU set")
	}
	h := &cpusetHandle{ptr: ptr}
	runtime.SetFinalizer(h, func(h *cpusetHandle) { C.nodecore_cpuset_free(h.ptr) })
	return CPUSet{h: h}
}

// ptr is the handle for a C call; the caller keeps s.h alive until the call
// returns (runtime.KeepAlive).
func (s CPUSet) ptr() *C.nodecore_cpuset {
	maybeGC()
	if s.h == nil {
		return emptySet
	}
	return s.h.ptr
}

// ParseCPUSet reads the Linux list format ("0-3,8"; "" is the empty set)
// exactly as k8s.io/utils/cpuset.Parse does, with its error messages. The
// error is an *Error of StatusParse.
func ParseCPUSet(s string) (CPUSet, error) {
	text, n := cText(s)
	var out *C.nodecore_cpuset
	var cerr *C.nodecore_error
	status := C.nodecore_cpuset_parse(text, n, &out, &cerr)
	runtime.KeepAlive(s)
	if err := takeError(status, cerr); err != nil {
		return CPUSet{}, err
	}
	return wrapCPUSet(out), nil
}

// MustParseCPUSet is ParseCPUSet for text known to be valid; it panics
// otherwise.
func MustParseCPUSet(s string) CPUSet {
	set, err := ParseCPUSet(s)
	if err != nil {
		panic(err)
	}
	return set
}

// NewCPUSet is the set of the given CPU ids (any order, repeats allowed).
// An id below 0 or above MaxCPUID is an *Error of StatusInvalidArgument.
func NewCPUSet(cpus ...int) (CPUSet, error) {
	ids := make([]C.size_t, len(cpus))
	for i, cpu := range cpus {
		if cpu < 0 {
			return CPUSet{}, &Error{Status: StatusInvalidArgument, Kind: StatusInvalidArgument.String(),
				Message: fmt.Sprintf("CPU id %d is negative", cpu)}
		}
		ids[i] = C.size_t(cpu)
	}
	var out *C.nodecore_cpuset
	var cerr *C.nodecore_error
	status := C.nodecore_cpuset_from_list(unsafe.SliceData(ids), C.size_t(len(ids)), &out, &cerr)
	if err := takeError(status, cerr); err != nil {
		return CPUSet{}, err
	}
	return wrapCPUSet(out), nil
}

// String is the canonical Linux list format: ascending runs, "a-b" for runs
// of two or more, "" for the empty set — the same text
// k8s.io/utils/cpuset.CPUSet.String gives.
func (s CPUSet) String() string {
	if s.h == nil {
		return ""
	}
	var stack [128]byte
	buf := stack[:]
	for {
		var n C.size_t
		status := C.nodecore_cpuset_format(s.ptr(), (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &n, nil)
		runtime.KeepAlive(s.h)
		switch status {
		case C.NODECORE_STATUS_OK:
			return string(buf[:n])
		case C.NODECORE_STATUS_INSUFFICIENT_SPACE:
			buf = make([]byte, int(n)+1)
		default:
			panic(takeError(status, nil))
		}
	}
}

// MarshalText is String, so that a CPUSet encodes as its list text (in JSON,
// a string).
func (s CPUSet) MarshalText() ([]byte, error) {
	return []byte(s.String()), nil
}

// UnmarshalText is ParseCPUSet.
func (s *CPUSet) UnmarshalText(text []byte) error {
	set, err := ParseCPUSet(string(text))
	if err != nil {
		return err
	}
	*s = set
	return nil
}

// Size is the number of CPUs in the set.
func (s CPUSet) Size() int {
	n := C.nodecore_cpuset_len(s.ptr())
	runtime.KeepAlive(s.h)
	return int(n)
}

// IsEmpty reports whether the set holds no CPU.
func (s CPUSet) IsEmpty() bool {
	return s.Size() == 0
}

// Contains reports whether cpu is in the set.
func (s CPUSet) Contains(cpu int) bool {
	if cpu < 0 {
		return false
	}
	found := C.nodecore_cpuset_contains(s.ptr(), C.size_t(cpu))
	runtime.KeepAlive(s.h)
	return bool(found)
}

// Equals reports whether both sets hold the same CPUs.
func (s CPUSet) Equals(other CPUSet) bool {
	equal := C.nodecore_cpuset_equal(s.ptr(), other.ptr())
	runtime.KeepAlive(s.h)
	runtime.KeepAlive(other.h)
	return bool(equal)
}

// IsSubsetOf reports whether every CPU of s is in other.
func (s CPUSet) IsSubsetOf(other CPUSet) bool {
	subset := C.nodecore_cpuset_is_subset(s.ptr(), other.ptr())
	runtime.KeepAlive(s.h)
	runtime.KeepAlive(other.h)
	return bool(subset)
}

// Union is the set of CPUs in s or any of others.
func (s CPUSet) Union(others ...CPUSet) CPUSet {
	result := s
	for _, other := range others {
		next := wrapCPUSet(C.nodecore_cpuset_union(result.ptr(), other.ptr()))
		runtime.KeepAlive(result.h)
		runtime.KeepAlive(other.h)
		result = next
	}
	return result
}

// Intersection is the set of CPUs in both s and other.
func (s CPUSet) Intersection(other CPUSet) CPUSet {
	result := wrapCPUSet(C.nodecore_cpuset_intersection(s.ptr(), other.ptr()))
	runtime.KeepAlive(s.h)
	runtime.KeepAlive(other.h)
	return result
}

// Difference is the set of CPUs of s that are not in other.
func (s CPUSet) Difference(other CPUSet) CPUSet {
	result := wrapCPUSet(C.nodecore_cpuset_difference(s.ptr(), other.ptr()))
	runtime.KeepAlive(s.h)
	runtime.KeepAlive(other.h)
	return result
}

// List is the CPU ids in ascending order.
func (s CPUSet) List() []int {
	n := s.Size()
	if n == 0 {
		return []int{}
	}
	ids := make([]C.size_t, n)
	var got C.size_t
	status := C.nodecore_cpuset_to_list(s.ptr(), unsafe.SliceData(ids), C.size_t(n), &got, nil)
	runtime.KeepAlive(s.h)
	if status != C.NODECORE_STATUS_OK {
		panic(takeError(status, nil))
	}
	list := make([]int, int(got))
	for i := range list {
		list[i] = int(ids[i])
	}
	return list
}
