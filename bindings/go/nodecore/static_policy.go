package nodecore

// #include <stdlib.h>
// #include <nodecore.h>
import "C"

import (
	"encoding/json"
	"runtime"
	"unsafe"
)

// CPUOptionGates are the kubelet feature gates that unlock CPU manager
// policy options by maturity.
type CPUOptionGates uint32

// The gates; DefaultCPUOptionGates is the kubelet's default.
const (
	CPUOptionGateAlpha    = CPUOptionGates(C.NODECORE_CPU_OPTION_GATE_ALPHA) // CPUManagerPolicyAlphaOptions
	CPUOptionGateBeta     = CPUOptionGates(C.NODECORE_CPU_OPTION_GATE_BETA)  // CPUManagerPolicyBetaOptions
	DefaultCPUOptionGates = CPUOptionGates(C.NODECORE_CPU_OPTION_GATES_DEFAULT)
)

// StaticPolicyConfig is how to build a StaticPolicy: the kubelet's CPU
// manager flags and where its state lives.
type StaticPolicyConfig struct {
	// Topology is the machine; the policy keeps its own copy.
	Topology *Topology
	// ReservedCPUs is --reserved-cpus (the zero CPUSet when not given);
	// NumReservedCPUs is the number of reserved CPUs. Without explicit CPUs
	// the policy picks NumReservedCPUs CPUs as the kubelet does.
	ReservedCPUs    CPUSet
	NumReservedCPUs int
	// Options is cpuManagerPolicyOptions, e.g. {"full-pcpus-only": "true"}.
	Options map[string]string
	// OptionGates unlock options by maturity; the zero value enables none,
	// DefaultCPUOptionGates is the kubelet's default.
	OptionGates CPUOptionGates
	// TopologyManagerPolicy is --topology-manager-policy ("" is "none").
	TopologyManagerPolicy string
	// StateDir and StateFile locate the kubelet-compatible checkpoint
	// (normally /var/lib/kubelet and cpu_manager_state, the default file
	// name). An empty StateDir keeps the state in memory only.
	StateDir  string
	StateFile string
}

// StaticPolicy is the CPU manager's static policy with its state: it gives
// whole-CPU containers of Guaranteed pods exclusive CPUs, exactly as the
// kubelet does, and keeps the assignments in memory or in the kubelet's
// checkpoint file.
//
// It is safe for concurrent use: allocations are serialised inside, each a
// transaction. Close frees it; a finalizer frees a forgotten policy as a
// safety net only. Close must not race with other uses.
type StaticPolicy struct {
	ptr *C.nodecore_static_policy
}

// NewStaticPolicy builds and starts a static policy (the kubelet's
// NewStaticPolicy, NewCheckpointState or NewMemoryState, then Start): a
// restored checkpoint is checked against the machine and reserved CPUs.
// Errors carry the kubelet's messages: StatusInvalidOptions,
// StatusInvalidReserved, StatusInvalidState, the checkpoint statuses,
// StatusIO.
func NewStaticPolicy(cfg StaticPolicyConfig) (*StaticPolicy, error) {
	if cfg.Topology == nil {
		return nil, &Error{Status: StatusNullArgument, Kind: StatusNullArgument.String(), Message: "StaticPolicyConfig.Topology is nil"}
	}
	if cfg.NumReservedCPUs < 0 {
		return nil, &Error{Status: StatusInvalidArgument, Kind: StatusInvalidArgument.String(), Message: "NumReservedCPUs is negative"}
	}
	var options []byte
	if len(cfg.Options) > 0 {
		var err error
		if options, err = json.Marshal(cfg.Options); err != nil {
			return nil, err
		}
	}
	// The config holds pointers, so it and its texts live in C memory for
	// the call (cgo forbids Go pointers inside Go memory passed to C).
	config := (*C.nodecore_static_policy_config)(C.calloc(1, C.sizeof_nodecore_static_policy_config))
	defer C.free(unsafe.Pointer(config))
	texts := []*C.char{}
	defer func() {
		for _, t := range texts {
			C.free(unsafe.Pointer(t))
		}
	}()
	cString := func(b []byte) (*C.char, C.size_t) {
		if len(b) == 0 {
			return nil, 0
		}
		t := (*C.char)(C.CBytes(b))
		texts = append(texts, t)
		return t, C.size_t(len(b))
	}
	config.size = C.sizeof_nodecore_static_policy_config
	config.topology = cfg.Topology.handle()
	config.reserved_cpus = cfg.ReservedCPUs.ptr()
	config.num_reserved_cpus = C.size_t(cfg.NumReservedCPUs)
	config.options_json, config.options_json_len = cString(options)
	config.option_gates = C.nodecore_cpu_option_gates(cfg.OptionGates)
	config.topology_manager_policy, config.topology_manager_policy_len = cString([]byte(cfg.TopologyManagerPolicy))
	config.state_dir, config.state_dir_len = cString([]byte(cfg.StateDir))
	config.state_file, config.state_file_len = cString([]byte(cfg.StateFile))
	var out *C.nodecore_static_policy
	var cerr *C.nodecore_error
	status := C.nodecore_static_policy_new(config, &out, &cerr)
	runtime.KeepAlive(cfg.Topology)
	runtime.KeepAlive(cfg.ReservedCPUs.h)
	if err := takeError(status, cerr); err != nil {
		return nil, err
	}
	p := &StaticPolicy{ptr: out}
	runtime.SetFinalizer(p, (*StaticPolicy).Close)
	return p, nil
}

// Close frees the policy; its checkpoint file stays. It is idempotent; using
// the policy afterwards panics.
func (p *StaticPolicy) Close() error {
	if p.ptr != nil {
		C.nodecore_static_policy_free(p.ptr)
		p.ptr = nil
		runtime.SetFinalizer(p, nil)
	}
	return nil
}

func (p *StaticPolicy) handle() *C.nodecore_static_policy {
	maybeGC()
	if p.ptr == nil {
		panic("nodecore: use of a closed StaticPolicy")
	}
	return p.ptr
}

func (p *StaticPolicy) containerIndex(cp *cPod, pod *Pod, container string) (C.size_t, error) {
	i := cp.index(pod, container)
	if i < 0 {
		return 0, &Error{Status: StatusInvalidArgument, Kind: StatusInvalidArgument.String(),
			Message: "container " + container + " is not in pod " + pod.UID}
	}
	return C.size_t(i), nil
}

// Allocate gives the container named container of pod its exclusive CPUs
// (the kubelet's Allocate) and returns them: the empty set when the
// container does not qualify and runs in the shared pool. A container that
// already has CPUs keeps them. affinity is the topology manager's merged
// hint for the container, or nil. On error nothing changed.
func (p *StaticPolicy) Allocate(pod *Pod, container string, affinity *Hint) (CPUSet, error) {
	cp := newCPod(pod)
	index, err := p.containerIndex(cp, pod, container)
	if err != nil {
		return CPUSet{}, err
	}
	var hint *C.nodecore_hint
	if affinity != nil {
		hint = &C.nodecore_hint{numa_mask: C.uint64_t(affinity.Affinity), any_node: C.bool(affinity.AnyNode), preferred: C.bool(affinity.Preferred)}
	}
	names, n := cBytes(cp.names)
	var out *C.nodecore_cpuset
	var cerr *C.nodecore_error
	status := C.nodecore_static_policy_allocate(p.handle(), names, n, &cp.pod, unsafe.SliceData(cp.containers),
		C.size_t(len(cp.containers)), index, hint, &out, &cerr)
	runtime.KeepAlive(p)
	runtime.KeepAlive(cp)
	if err := takeError(status, cerr); err != nil {
		return CPUSet{}, err
	}
	return wrapCPUSet(out), nil
}

// RemoveContainer releases a container's exclusive CPUs to the shared pool
// (the kubelet's RemoveContainer); an unknown container changes nothing.
func (p *StaticPolicy) RemoveContainer(podUID, container string) error {
	uid, uidLen := cText(podUID)
	name, nameLen := cText(container)
	var cerr *C.nodecore_error
	status := C.nodecore_static_policy_remove_container(p.handle(), uid, uidLen, name, nameLen, &cerr)
	runtime.KeepAlive(p)
	runtime.KeepAlive(podUID)
	runtime.KeepAlive(container)
	return takeError(status, cerr)
}

// TopologyHints are the CPU hints for a container (the kubelet's
// GetTopologyHints) as one provider answer: nil when the container does not
// qualify for exclusive CPUs (no preference), an empty non-nil slice when
// its request cannot be satisfied.
func (p *StaticPolicy) TopologyHints(pod *Pod, container string) ([]Hint, error) {
	cp := newCPod(pod)
	index, err := p.containerIndex(cp, pod, container)
	if err != nil {
		return nil, err
	}
	return p.hints(cp, index, false)
}

// PodTopologyHints are the CPU hints for the whole pod, for the topology
// manager's pod scope (the kubelet's GetPodTopologyHints), with the same
// nil and empty answers as TopologyHints.
func (p *StaticPolicy) PodTopologyHints(pod *Pod) ([]Hint, error) {
	return p.hints(newCPod(pod), 0, true)
}

func (p *StaticPolicy) hints(cp *cPod, index C.size_t, podScope bool) ([]Hint, error) {
	hints := make([]Hint, 8)
	for {
		names, n := cBytes(cp.names)
		var got C.size_t
		var noPreference C.bool
		var cerr *C.nodecore_error
		var status C.nodecore_status
		if podScope {
			status = C.nodecore_static_policy_pod_topology_hints(p.handle(), names, n, &cp.pod, unsafe.SliceData(cp.containers),
				C.size_t(len(cp.containers)), cHints(hints), C.size_t(len(hints)), &got, &noPreference, &cerr)
		} else {
			status = C.nodecore_static_policy_topology_hints(p.handle(), names, n, &cp.pod, unsafe.SliceData(cp.containers),
				C.size_t(len(cp.containers)), index, cHints(hints), C.size_t(len(hints)), &got, &noPreference, &cerr)
		}
		runtime.KeepAlive(p)
		runtime.KeepAlive(cp)
		if status == C.NODECORE_STATUS_INSUFFICIENT_SPACE {
			C.nodecore_error_free(cerr)
			hints = make([]Hint, int(got))
			continue
		}
		if err := takeError(status, cerr); err != nil {
			return nil, err
		}
		if noPreference {
			return nil, nil
		}
		return hints[:got:got], nil
	}
}

// CPUs returns the exclusive CPUs of a container (the kubelet's GetCPUSet),
// empty when it has none.
func (p *StaticPolicy) CPUs(podUID, container string) (CPUSet, error) {
	uid, uidLen := cText(podUID)
	name, nameLen := cText(container)
	var out *C.nodecore_cpuset
	var cerr *C.nodecore_error
	status := C.nodecore_static_policy_container_cpus(p.handle(), uid, uidLen, name, nameLen, &out, &cerr)
	runtime.KeepAlive(p)
	runtime.KeepAlive(podUID)
	runtime.KeepAlive(container)
	if err := takeError(status, cerr); err != nil {
		return CPUSet{}, err
	}
	return wrapCPUSet(out), nil
}

func (p *StaticPolicy) cpus(which C.nodecore_policy_cpus) CPUSet {
	var out *C.nodecore_cpuset
	status := C.nodecore_static_policy_cpus(p.handle(), which, &out, nil)
	runtime.KeepAlive(p)
	if status != C.NODECORE_STATUS_OK {
		panic(takeError(status, nil))
	}
	return wrapCPUSet(out)
}

// SharedCPUs is the shared pool (GetDefaultCPUSet): where containers
// without exclusive CPUs run.
func (p *StaticPolicy) SharedCPUs() CPUSet { return p.cpus(C.NODECORE_POLICY_CPUS_SHARED) }

// ReservedCPUs are the CPUs never given out exclusively.
func (p *StaticPolicy) ReservedCPUs() CPUSet { return p.cpus(C.NODECORE_POLICY_CPUS_RESERVED) }

// AvailableCPUs are the CPUs that may be given out now (GetAvailableCPUs).
func (p *StaticPolicy) AvailableCPUs() CPUSet { return p.cpus(C.NODECORE_POLICY_CPUS_AVAILABLE) }

// AllocatableCPUs are the CPUs that may ever be given out (GetAllocatableCPUs).
func (p *StaticPolicy) AllocatableCPUs() CPUSet { return p.cpus(C.NODECORE_POLICY_CPUS_ALLOCATABLE) }

// StaticPolicyState is the policy's state in the checkpoint's vocabulary.
type StaticPolicyState struct {
	DefaultCPUSet CPUSet                       `json:"defaultCpuSet"`
	Entries       map[string]map[string]CPUSet `json:"entries"`
}

// State is a snapshot of the shared pool and every assignment.
func (p *StaticPolicy) State() (StaticPolicyState, error) {
	var out *C.char
	var cerr *C.nodecore_error
	status := C.nodecore_static_policy_state_json(p.handle(), &out, &cerr)
	runtime.KeepAlive(p)
	var state StaticPolicyState
	if err := takeError(status, cerr); err != nil {
		return state, err
	}
	err := json.Unmarshal(takeString(out), &state)
	return state, err
}

// TakeCPUs is the static policy's choice of count CPUs out of available on
// topo (the kubelet's takeByTopology), with options read as the kubelet's
// cpuManagerPolicyOptions with every gate enabled. It is the selection
// alone: full-pcpus-only does not check that count is whole cores.
func TakeCPUs(topo *Topology, available CPUSet, count int, options map[string]string) (CPUSet, error) {
	if count < 0 {
		return CPUSet{}, &Error{Status: StatusInvalidArgument, Kind: StatusInvalidArgument.String(), Message: "count is negative"}
	}
	var opts []byte
	if len(options) > 0 {
		var err error
		if opts, err = json.Marshal(options); err != nil {
			return CPUSet{}, err
		}
	}
	text, n := cBytes(opts)
	var out *C.nodecore_cpuset
	var cerr *C.nodecore_error
	status := C.nodecore_cpu_take(topo.handle(), available.ptr(), C.size_t(count), text, n, &out, &cerr)
	runtime.KeepAlive(topo)
	runtime.KeepAlive(available.h)
	runtime.KeepAlive(opts)
	if err := takeError(status, cerr); err != nil {
		return CPUSet{}, err
	}
	return wrapCPUSet(out), nil
}
