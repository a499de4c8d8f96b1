package nodecore

// #include <nodecore.h>
import "C"

import (
	"runtime"
	"unsafe"
)

// CgroupDriver is the kubelet's --cgroup-driver.
type CgroupDriver uint32

// The drivers.
const (
	CgroupDriverCgroupfs = CgroupDriver(C.NODECORE_CGROUP_DRIVER_CGROUPFS)
	CgroupDriverSystemd  = CgroupDriver(C.NODECORE_CGROUP_DRIVER_SYSTEMD)
)

// CgroupPath is the literal path of the cgroup name made of components
// (outermost first; the kubelet's CgroupName) under driver:
// [kubepods burstable pod1234] is /kubepods/burstable/pod1234 with cgroupfs
// and /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234.slice
// with systemd. Components holding "/" or "_", ".", ".." or NUL are refused
// (StatusInvalidName), and systemd refuses empty ones.
func CgroupPath(components []string, driver CgroupDriver) (string, error) {
	var text []byte
	spans := make([]C.nodecore_span, len(components))
	for i, c := range components {
		spans[i] = C.nodecore_span{offset: C.size_t(len(text)), len: C.size_t(len(c))}
		text = append(text, c...)
	}
	t, n := cBytes(text)
	path, err := textCall(func(buf *C.char, cap C.size_t, out *C.size_t, cerr **C.nodecore_error) C.nodecore_status {
		return C.nodecore_cgroup_name_to_path(t, n, unsafe.SliceData(spans), C.size_t(len(spans)),
			C.nodecore_cgroup_driver(driver), buf, cap, out, cerr)
	})
	runtime.KeepAlive(text)
	runtime.KeepAlive(spans)
	return path, err
}

// ConvertCgroupPath reads a literal cgroup path as the kubelet does under
// from (ParseCgroupfsToCgroupName, ParseSystemdToCgroupName) and writes it
// under to: /kubepods/burstable (cgroupfs) is
// /kubepods.slice/kubepods-burstable.slice (systemd).
func ConvertCgroupPath(path string, from, to CgroupDriver) (string, error) {
	p, n := cText(path)
	converted, err := textCall(func(buf *C.char, cap C.size_t, out *C.size_t, cerr **C.nodecore_error) C.nodecore_status {
		return C.nodecore_cgroup_path_convert(p, n, C.nodecore_cgroup_driver(from), C.nodecore_cgroup_driver(to), buf, cap, out, cerr)
	})
	runtime.KeepAlive(path)
	return converted, err
}

// PodCgroupPath is the path of a pod's cgroup under driver in the kubelet's
// layout for --cgroup-root (cgroupRoot, cgroupfs form; "" is "/") and
// --cgroups-per-qos: <root>/kubepods[/burstable|/besteffort]/pod<uid>.
func PodCgroupPath(cgroupRoot string, cgroupsPerQOS bool, qos QOSClass, podUID string, driver CgroupDriver) (string, error) {
	root, rootLen := cText(cgroupRoot)
	uid, uidLen := cText(podUID)
	path, err := textCall(func(buf *C.char, cap C.size_t, out *C.size_t, cerr **C.nodecore_error) C.nodecore_status {
		return C.nodecore_cgroup_pod_path(root, rootLen, C.bool(cgroupsPerQOS), C.nodecore_qos_class(qos), uid, uidLen,
			C.nodecore_cgroup_driver(driver), buf, cap, out, cerr)
	})
	runtime.KeepAlive(cgroupRoot)
	runtime.KeepAlive(podUID)
	return path, err
}

// MilliCPUToShares is cpu.shares for a CPU request in millicores (the
// kubelet's MilliCPUToShares).
func MilliCPUToShares(milliCPU int64) uint64 {
	return uint64(C.nodecore_cgroup_milli_cpu_to_shares(C.int64_t(milliCPU)))
}

// MilliCPUToQuota is the CFS quota in µs for a CPU limit in millicores over
// period µs (the kubelet's MilliCPUToQuota; its period is 100000).
func MilliCPUToQuota(milliCPU int64, period uint64) int64 {
	return int64(C.nodecore_cgroup_milli_cpu_to_quota(C.int64_t(milliCPU), C.uint64_t(period)))
}

// CPUSharesToWeightLinear is the kubelet's cgroup v2 cpu.weight for shares
// (kubepods, QoS and pod cgroups).
func CPUSharesToWeightLinear(shares uint64) uint64 {
	return uint64(C.nodecore_cgroup_cpu_shares_to_weight_linear(C.uint64_t(shares)))
}

// CPUSharesToWeightQuadratic is the OCI runtimes' cgroup v2 cpu.weight for
// shares (runc 1.3.2 and later; container cgroups).
func CPUSharesToWeightQuadratic(shares uint64) uint64 {
	return uint64(C.nodecore_cgroup_cpu_shares_to_weight_quadratic(C.uint64_t(shares)))
}

// CPUWeightToShares reads cpu.weight back as shares (the kubelet's
// CPUWeightToCPUShares).
func CPUWeightToShares(weight uint64) uint64 {
	return uint64(C.nodecore_cgroup_cpu_weight_to_shares(C.uint64_t(weight)))
}

// MemoryHigh is the memory.high the kubelet sets for a container under
// MemoryQoS, and false when it sets none. limit 0 is no limit; the
// kubelet's defaults are factor 0.9 and pageSize 4096.
func MemoryHigh(request, limit, nodeAllocatable int64, factor float64, pageSize int64) (int64, bool) {
	high := int64(C.nodecore_cgroup_memory_high(C.int64_t(request), C.int64_t(limit), C.int64_t(nodeAllocatable),
		C.double(factor), C.int64_t(pageSize)))
	return high, high != 0
}

// SwapBehavior is the kubelet's memorySwap.swapBehavior.
type SwapBehavior uint32

// The behaviours.
const (
	NoSwap      = SwapBehavior(C.NODECORE_SWAP_NO_SWAP)
	LimitedSwap = SwapBehavior(C.NODECORE_SWAP_LIMITED_SWAP)
)

// ContainerSwapInput is what the kubelet knows about a container when it
// configures swap. Memory amounts are bytes, 0 when unset.
type ContainerSwapInput struct {
	CgroupVersion  int // 1 or 2; a hybrid host is 1 to the kubelet
	SwapController bool
	Behavior       SwapBehavior
	NodeSwapGate   bool
	QOS            QOSClass
	Critical       bool
	MemoryRequest  int64
	MemoryLimit    int64
	NodeMemory     int64
	NodeSwap       int64
}

// SwapSettingKind says what the kubelet puts in a container's resources.
type SwapSettingKind uint32

// The settings.
const (
	SwapNotConfigured          = SwapSettingKind(C.NODECORE_SWAP_SETTING_NOT_CONFIGURED)
	SwapMax                    = SwapSettingKind(C.NODECORE_SWAP_SETTING_SWAP_MAX)
	SwapMemswEqualsMemoryLimit = SwapSettingKind(C.NODECORE_SWAP_SETTING_MEMSW_EQUALS_MEMORY_LIMIT)
)

// SwapSetting is a container's swap: Kind, and for SwapMax the
// memory.swap.max bytes (0: no swap).
type SwapSetting struct {
	Kind    SwapSettingKind
	SwapMax int64
}

// ContainerSwap decides a container's swap as the kubelet's
// configureContainerSwapResources does.
func ContainerSwap(in ContainerSwapInput) (SwapSetting, error) {
	input := C.nodecore_container_swap_input{
		cgroup_version:  C.nodecore_cgroup_version(in.CgroupVersion),
		swap_controller: C.bool(in.SwapController),
		swap_behavior:   C.nodecore_swap_behavior(in.Behavior),
		node_swap_gate:  C.bool(in.NodeSwapGate),
		qos:             C.nodecore_qos_class(in.QOS),
		critical:        C.bool(in.Critical),
		memory_request:  C.int64_t(in.MemoryRequest),
		memory_limit:    C.int64_t(in.MemoryLimit),
		node_memory:     C.int64_t(in.NodeMemory),
		node_swap:       C.int64_t(in.NodeSwap),
	}
	var out C.nodecore_swap_setting
	var cerr *C.nodecore_error
	status := C.nodecore_cgroup_container_swap(&input, &out, &cerr)
	if err := takeError(status, cerr); err != nil {
		return SwapSetting{}, err
	}
	return SwapSetting{Kind: SwapSettingKind(out.kind), SwapMax: int64(out.swap_max)}, nil
}

// LimitedSwapBytes is LimitedSwap's share of the node's swap for a memory
// request (the kubelet's calcSwapForBurstablePods);
// StatusInvalidConfiguration when node memory is not positive or the
// request exceeds it.
func LimitedSwapBytes(memoryRequest, nodeMemory, nodeSwap int64) (int64, error) {
	var out C.int64_t
	var cerr *C.nodecore_error
	status := C.nodecore_cgroup_limited_swap_bytes(C.int64_t(memoryRequest), C.int64_t(nodeMemory), C.int64_t(nodeSwap), &out, &cerr)
	return int64(out), takeError(status, cerr)
}
