package nodecore

// #include <nodecore.h>
import "C"

import (
	"encoding/json"
	"runtime"
	"strconv"
	"time"
	"unsafe"
)

// Signal is an eviction signal, such as memory.available.
type Signal uint32

// The signals, in the kubelet's order.
const (
	SignalMemoryAvailable            = Signal(C.NODECORE_SIGNAL_MEMORY_AVAILABLE)
	SignalAllocatableMemoryAvailable = Signal(C.NODECORE_SIGNAL_ALLOCATABLE_MEMORY_AVAILABLE)
	SignalNodeFsAvailable            = Signal(C.NODECORE_SIGNAL_NODEFS_AVAILABLE)
	SignalNodeFsInodesFree           = Signal(C.NODECORE_SIGNAL_NODEFS_INODES_FREE)
	SignalImageFsAvailable           = Signal(C.NODECORE_SIGNAL_IMAGEFS_AVAILABLE)
	SignalImageFsInodesFree          = Signal(C.NODECORE_SIGNAL_IMAGEFS_INODES_FREE)
	SignalContainerFsAvailable       = Signal(C.NODECORE_SIGNAL_CONTAINERFS_AVAILABLE)
	SignalContainerFsInodesFree      = Signal(C.NODECORE_SIGNAL_CONTAINERFS_INODES_FREE)
	SignalPIDAvailable               = Signal(C.NODECORE_SIGNAL_PID_AVAILABLE)
)

// String is the kubelet's name of the signal.
func (s Signal) String() string {
	name := C.nodecore_eviction_signal_name(C.nodecore_eviction_signal(s))
	if name == nil {
		return "Signal(" + strconv.FormatUint(uint64(s), 10) + ")"
	}
	return C.GoString(name)
}

// ParseSignal is the signal the kubelet calls name; an *Error of
// StatusInvalidThreshold ("unsupported eviction signal") otherwise.
func ParseSignal(name string) (Signal, error) {
	text, n := cText(name)
	var out C.nodecore_eviction_signal
	var cerr *C.nodecore_error
	status := C.nodecore_eviction_signal_from_name(text, n, &out, &cerr)
	runtime.KeepAlive(name)
	return Signal(out), takeError(status, cerr)
}

// EvictionConfig holds the eviction fields of the KubeletConfiguration, as
// the kubelet runs with them (no default is applied here).
type EvictionConfig struct {
	EvictionHard            map[string]string `json:"evictionHard,omitempty"`
	EvictionSoft            map[string]string `json:"evictionSoft,omitempty"`
	EvictionSoftGracePeriod map[string]string `json:"evictionSoftGracePeriod,omitempty"`
	EvictionMinimumReclaim  map[string]string `json:"evictionMinimumReclaim,omitempty"`
	EnforceNodeAllocatable  []string          `json:"enforceNodeAllocatable,omitempty"`
}

// ThresholdValue is an absolute quantity in the signal's unit (bytes,
// inodes, PIDs), or with IsPercentage a fraction of capacity in float32 as
// the kubelet keeps it (0.1 for 10%).
type ThresholdValue struct {
	IsPercentage bool
	Quantity     int64
	Percentage   float32
}

// Threshold is one eviction threshold: Signal below Value, held for
// GracePeriod (0 for a hard threshold), reclaiming MinReclaim more when set.
type Threshold struct {
	Signal      Signal
	Value       ThresholdValue
	GracePeriod time.Duration
	MinReclaim  *ThresholdValue
}

func thresholdValue(v C.nodecore_threshold_value) ThresholdValue {
	return ThresholdValue{IsPercentage: bool(v.is_percentage), Quantity: int64(v.quantity), Percentage: float32(v.percentage)}
}

// EvictionThresholds are the thresholds cfg sets (the kubelet's
// ParseThresholdConfig with the allocatable copies when
// EnforceNodeAllocatable holds "pods"): hard ones by signal name, soft
// ones, then the copies. Errors are *Error of StatusInvalidThreshold with
// the kubelet's message.
func EvictionThresholds(cfg EvictionConfig) ([]Threshold, error) {
	config, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	text, n := cBytes(config)
	buf := make([]C.nodecore_threshold, 16)
	for {
		var got C.size_t
		var cerr *C.nodecore_error
		status := C.nodecore_eviction_thresholds(text, n, unsafe.SliceData(buf), C.size_t(len(buf)), &got, &cerr)
		runtime.KeepAlive(config)
		if status == C.NODECORE_STATUS_INSUFFICIENT_SPACE {
			C.nodecore_error_free(cerr)
			buf = make([]C.nodecore_threshold, int(got))
			continue
		}
		if err := takeError(status, cerr); err != nil {
			return nil, err
		}
		thresholds := make([]Threshold, int(got))
		for i, t := range buf[:got] {
			thresholds[i] = Threshold{Signal: Signal(t.signal), Value: thresholdValue(t.value),
				GracePeriod: time.Duration(t.grace_period_ns)}
			if t.has_min_reclaim {
				v := thresholdValue(t.min_reclaim)
				thresholds[i].MinReclaim = &v
			}
		}
		return thresholds, nil
	}
}

// PodStats is what eviction ranking reads about one pod. Requests are the
// pod's effective requests in whole bytes (PodRequests computes them from
// containers), 0 for none. HasStats false means the stats summary has no
// entry for the pod (it then ranks first; the usage fields are ignored).
// The layout is nodecore_pod_stats's, so a slice passes to C uncopied.
type PodStats struct {
	MemoryRequest           int64
	EphemeralStorageRequest int64
	MemoryWorkingSetBytes   uint64 // when HasMemoryWorkingSet
	RootfsUsedBytes         uint64
	RootfsInodesUsed        uint64
	LogsUsedBytes           uint64
	LogsInodesUsed          uint64
	VolumesUsedBytes        uint64
	VolumesInodesUsed       uint64
	ProcessCount            uint64 // when HasProcessCount
	Priority                int32  // spec.priority, 0 when unset
	HasStats                bool
	HasMemoryWorkingSet     bool
	HasProcessCount         bool
}

// FsLayout describes the node's filesystems: an image filesystem of its own
// (DedicatedImageFs), and writable layers on it (SplitContainerFs). It
// decides what disk usage counts for each disk signal.
type FsLayout struct {
	DedicatedImageFs bool
	SplitContainerFs bool
}

// RankPods orders pods for eviction under pressure on signal as the kubelet
// does (rankMemoryPressure, rankDiskPressureFunc, rankPIDPressure), in one
// call for the whole node: the result lists indexes into pods, first to
// evict first. Pods that tie on every key keep their order.
func RankPods(signal Signal, layout FsLayout, pods []PodStats) ([]int, error) {
	// The library writes the indexes straight into the result: int and
	// size_t have the same size on every platform Go runs on (checked in init).
	order := make([]int, len(pods))
	var n C.size_t
	var cerr *C.nodecore_error
	status := C.nodecore_eviction_rank(C.nodecore_eviction_signal(signal), C.bool(layout.DedicatedImageFs),
		C.bool(layout.SplitContainerFs), (*C.nodecore_pod_stats)(unsafe.Pointer(unsafe.SliceData(pods))),
		C.size_t(len(pods)), (*C.size_t)(unsafe.Pointer(unsafe.SliceData(order))), C.size_t(len(order)), &n, &cerr)
	runtime.KeepAlive(pods)
	if err := takeError(status, cerr); err != nil {
		return nil, err
	}
	return order[:n], nil
}

// ContainerKind is where a container sits in a pod spec.
type ContainerKind uint32

// The kinds.
const (
	ContainerRegular = ContainerKind(C.NODECORE_CONTAINER_REGULAR)
	ContainerInit    = ContainerKind(C.NODECORE_CONTAINER_INIT)
	ContainerSidecar = ContainerKind(C.NODECORE_CONTAINER_SIDECAR)
)

// ContainerRequests are one container's memory and ephemeral-storage
// requests in whole bytes; nil is a missing key (not a zero request).
type ContainerRequests struct {
	Kind             ContainerKind
	Memory           *int64
	EphemeralStorage *int64
}

func (r *ContainerRequests) c() C.nodecore_container_requests {
	out := C.nodecore_container_requests{kind: C.nodecore_container_kind(r.Kind)}
	if r.Memory != nil {
		out.has_memory, out.memory = true, C.int64_t(*r.Memory)
	}
	if r.EphemeralStorage != nil {
		out.has_ephemeral_storage, out.ephemeral_storage = true, C.int64_t(*r.EphemeralStorage)
	}
	return out
}

// PodRequests are a pod's effective memory and ephemeral-storage requests
// as eviction ranking uses them (Kubernetes 1.31): regular containers
// summed, raised to a larger init or sidecar request, plus overhead (nil
// for none) only when the total is not zero.
func PodRequests(containers []ContainerRequests, overhead *ContainerRequests) (memory, ephemeralStorage int64, err error) {
	records := make([]C.nodecore_container_requests, len(containers))
	for i := range containers {
		records[i] = containers[i].c()
	}
	var over *C.nodecore_container_requests
	if overhead != nil {
		o := overhead.c()
		over = &o
	}
	var mem, storage C.int64_t
	var cerr *C.nodecore_error
	status := C.nodecore_eviction_pod_requests(unsafe.SliceData(records), C.size_t(len(records)), over, &mem, &storage, &cerr)
	runtime.KeepAlive(records)
	return int64(mem), int64(storage), takeError(status, cerr)
}

// NodePIDs are the node's PID numbers, the inputs of pid.available: MaxPID
// is min(kernel.pid_max, kernel.threads-max), RunningTasks the task total
// of /proc/loadavg (threads); each is valid only when its Has flag is set.
type NodePIDs struct {
	HasMaxPID       bool
	MaxPID          int64
	HasRunningTasks bool
	RunningTasks    int64
}

// Available is pid.available, MaxPID - RunningTasks, when both are known.
func (p NodePIDs) Available() (int64, bool) {
	return p.MaxPID - p.RunningTasks, p.HasMaxPID && p.HasRunningTasks
}

// ReadNodePIDs reads the PID numbers of the machine whose root directory is
// root ("" for this machine) as the kubelet's pidlimit package does.
func ReadNodePIDs(root string) (NodePIDs, error) {
	text, n := cText(root)
	var out C.nodecore_node_pids
	var cerr *C.nodecore_error
	status := C.nodecore_pids_node(text, n, &out, &cerr)
	runtime.KeepAlive(root)
	return NodePIDs{HasMaxPID: bool(out.has_max_pid), MaxPID: int64(out.max_pid),
		HasRunningTasks: bool(out.has_running_tasks), RunningTasks: int64(out.running_tasks)}, takeError(status, cerr)
}

// PodProcessCount is a pod's process count as the kubelet reads it since
// 1.31: cgroup.procs entries summed over the container cgroups below the
// pod cgroup directory. ok is false when no container cgroup has a count.
func PodProcessCount(podCgroupDir string) (count uint64, ok bool, err error) {
	text, n := cText(podCgroupDir)
	var out C.uint64_t
	var has C.bool
	var cerr *C.nodecore_error
	status := C.nodecore_pids_pod_process_count(text, n, &out, &has, &cerr)
	runtime.KeepAlive(podCgroupDir)
	return uint64(out), bool(has), takeError(status, cerr)
}

// PodStats crosses to C uncopied, so its layout must be the C struct's.
func init() {
	var c C.nodecore_pod_stats
	var g PodStats
	if unsafe.Sizeof(int(0)) != unsafe.Sizeof(C.size_t(0)) {
		panic("nodecore: int and size_t differ in size")
	}
	if unsafe.Sizeof(c) != unsafe.Sizeof(g) || unsafe.Offsetof(c.priority) != unsafe.Offsetof(g.Priority) ||
		unsafe.Offsetof(c.process_count) != unsafe.Offsetof(g.ProcessCount) ||
		unsafe.Offsetof(c.has_stats) != unsafe.Offsetof(g.HasStats) ||
		unsafe.Offsetof(c.has_memory_working_set) != unsafe.Offsetof(g.HasMemoryWorkingSet) ||
		unsafe.Offsetof(c.has_process_count) != unsafe.Offsetof(g.HasProcessCount) {
		panic("nodecore: PodStats and nodecore_pod_stats differ in layout")
	}
}
