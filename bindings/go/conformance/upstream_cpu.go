package conformance

import (
	"errors"
	"fmt"
	"strings"

	"github.com/go-logr/logr"
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/types"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/pkg/features"
	"k8s.io/kubernetes/pkg/kubelet/cm/cpumanager"
	"k8s.io/kubernetes/pkg/kubelet/cm/cpumanager/state"
	"k8s.io/kubernetes/pkg/kubelet/cm/cpumanager/topology"
	"k8s.io/kubernetes/pkg/kubelet/cm/topologymanager"
	"k8s.io/kubernetes/pkg/kubelet/cm/topologymanager/bitmask"
	"k8s.io/kubernetes/pkg/kubelet/lifecycle"
	"k8s.io/utils/cpuset"
)

// quiet discards upstream's log lines: Allocate logs at level 0 on every
// call, which would flood test output and time the terminal in benchmarks.
var quiet = logr.Discard()

// EnableOptionGates turns on the feature gates that unlock the alpha and
// beta CPU manager policy options, as the case format assumes. It changes
// the process-wide default feature gate, so call it once, before any case.
func EnableOptionGates() error {
	return utilfeature.DefaultMutableFeatureGate.SetFromMap(map[string]bool{
		string(features.CPUManagerPolicyAlphaOptions): true,
		string(features.CPUManagerPolicyBetaOptions):  true,
	})
}

// UpstreamTopology builds upstream's CPUTopology from rows, with the
// counters derived from the rows as the case format says.
func UpstreamTopology(rows []CPURow) *topology.CPUTopology {
	details := topology.CPUDetails{}
	cores, sockets, numas, uncores := map[int]bool{}, map[int]bool{}, map[int]bool{}, map[int]bool{}
	for _, r := range rows {
		details[r.CPU] = topology.CPUInfo{CoreID: r.Core, SocketID: r.Socket, NUMANodeID: r.NUMA, UncoreCacheID: r.Uncore}
		cores[r.Core], sockets[r.Socket], numas[r.NUMA], uncores[r.Uncore] = true, true, true, true
	}
	return &topology.CPUTopology{
		NumCPUs:        len(rows),
		NumCores:       len(cores),
		NumSockets:     len(sockets),
		NumNUMANodes:   len(numas),
		NumUncoreCache: len(uncores),
		CPUDetails:     details,
	}
}

// fixedAffinity is the topology manager as the static policy sees it: every
// container gets the same hint, under a policy other than single-numa-node.
type fixedAffinity struct {
	hint topologymanager.TopologyHint
}

func (f fixedAffinity) GetAffinity(klog.Logger, string, string) topologymanager.TopologyHint {
	return f.hint
}

func (fixedAffinity) GetPolicy() topologymanager.Policy { return topologymanager.NewNonePolicy() }

func (fixedAffinity) Name() string { return "conformance" }

// upstreamPolicy is NewStaticPolicy with the case's reserved CPUs and
// options; a failure is an Outcome in the case format.
func upstreamPolicy(topo *topology.CPUTopology, numReserved int, reserved cpuset.CPUSet, affinity topologymanager.TopologyHint, options map[string]string) (cpumanager.Policy, *Outcome) {
	policy, err := cpumanager.NewStaticPolicy(quiet, topo, numReserved, reserved, fixedAffinity{affinity}, options)
	if err != nil {
		kind := "invalid-options"
		if strings.Contains(err.Error(), "unable to reserve") {
			kind = "invalid-reserved"
		}
		out := errorOf(kind, err)
		return nil, &out
	}
	return policy, nil
}

// allocationError names an error of Allocate with the case format's kind.
// In cpu.take, whose state holds no reserved CPUs, the SMT check for "enough
// free physical CPUs" is the algorithm's "not enough CPUs" check.
func allocationError(err error, take bool) Outcome {
	var smt cpumanager.SMTAlignmentError
	message := err.Error()
	switch {
	case errors.As(err, &smt):
		if take && smt.CausedByPhysicalCPUs {
			return errorOf("insufficient", err)
		}
		return errorOf("smt-alignment", err)
	case strings.HasPrefix(message, "not enough cpus available"):
		return errorOf("insufficient", err)
	case strings.HasPrefix(message, "accounting error"):
		return errorOf("accounting", err)
	case message == "failed to allocate cpus":
		return errorOf("allocation-failed", err)
	}
	return errorOf("unknown", err)
}

// guaranteedPod is a Guaranteed pod with one container requesting cpus.
func guaranteedPod(uid string, cpus int) *v1.Pod {
	pod := &v1.Pod{}
	pod.UID = types.UID(uid)
	pod.Status.QOSClass = v1.PodQOSGuaranteed
	pod.Spec.Containers = []v1.Container{container(cpus*1000, cpus*1000)}
	pod.Spec.Containers[0].Name = "c"
	return pod
}

func container(requestMilli, limitMilli int) v1.Container {
	requests := v1.ResourceList{v1.ResourceMemory: resource.MustParse("1G")}
	limits := v1.ResourceList{v1.ResourceMemory: resource.MustParse("1G")}
	if requestMilli >= 0 {
		requests[v1.ResourceCPU] = *resource.NewMilliQuantity(int64(requestMilli), resource.DecimalSI)
	}
	if limitMilli >= 0 {
		limits[v1.ResourceCPU] = *resource.NewMilliQuantity(int64(limitMilli), resource.DecimalSI)
	}
	return v1.Container{Resources: v1.ResourceRequirements{Requests: requests, Limits: limits}}
}

func parseSet(text string) (cpuset.CPUSet, error) {
	set, err := cpuset.Parse(text)
	if err != nil {
		return set, fmt.Errorf("CPU set %q: %w", text, err)
	}
	return set, nil
}

// UpstreamTake answers a cpu.take case: the static policy, with no reserved
// CPUs, allocates count CPUs to one container of a Guaranteed pod from a
// state whose shared pool is the available set.
func UpstreamTake(in *TakeInput, rows []CPURow) (Outcome, error) {
	available, err := parseSet(in.Available)
	if err != nil {
		return Outcome{}, err
	}
	topo := UpstreamTopology(rows)
	policy, failed := upstreamPolicy(topo, 0, cpuset.New(), topologymanager.TopologyHint{}, in.Options)
	if failed != nil {
		return *failed, nil
	}
	s := state.NewMemoryState(quiet)
	s.SetDefaultCPUSet(available)
	pod := guaranteedPod("p", in.Count)
	if err := policy.Allocate(quiet, s, pod, &pod.Spec.Containers[0], lifecycle.AddOperation); err != nil {
		return allocationError(err, true), nil
	}
	cpus, _ := s.GetCPUSet("p", "c")
	return outputOf(map[string]string{"cpus": cpus.String()}), nil
}

// UpstreamHints answers a cpu.hints case through GetTopologyHints: the
// state's shared pool is the available set, and the reusable CPUs are those
// of an init container of the same pod that the policy has already seen.
func UpstreamHints(in *HintsInput, rows []CPURow) (Outcome, error) {
	available, err := parseSet(in.Available)
	if err != nil {
		return Outcome{}, err
	}
	reusable, err := parseSet(in.Reusable)
	if err != nil {
		return Outcome{}, err
	}
	if in.Request < 1 {
		return Outcome{}, fmt.Errorf("request %d: GetTopologyHints gives no hints below 1 CPU", in.Request)
	}
	topo := UpstreamTopology(rows)
	policy, failed := upstreamPolicy(topo, 0, cpuset.New(), topologymanager.TopologyHint{}, in.Options)
	if failed != nil {
		return *failed, nil
	}
	s := state.NewMemoryState(quiet)
	s.SetDefaultCPUSet(available)
	pod := guaranteedPod("p", in.Request)
	if !reusable.IsEmpty() {
		// An init container already in the state: Allocate records its CPUs
		// as reusable by the pod's later containers.
		init := container(reusable.Size()*1000, reusable.Size()*1000)
		init.Name = "init"
		pod.Spec.InitContainers = []v1.Container{init}
		s.SetCPUSet("p", "init", reusable)
		if err := policy.Allocate(quiet, s, pod, &pod.Spec.InitContainers[0], lifecycle.AddOperation); err != nil {
			return Outcome{}, fmt.Errorf("recording the reusable CPUs: %w", err)
		}
	}
	got := policy.GetTopologyHints(quiet, s, pod, &pod.Spec.Containers[0], lifecycle.AddOperation)
	hints := []Hint{}
	for _, h := range got[string(v1.ResourceCPU)] {
		hints = append(hints, hintOf(h))
	}
	return outputOf(map[string][]Hint{"hints": hints}), nil
}

func hintOf(h topologymanager.TopologyHint) Hint {
	if h.NUMANodeAffinity == nil {
		return Hint{Preferred: h.Preferred}
	}
	// GetBits of a mask with no bit is nil; the case format writes [].
	return Hint{Affinity: append([]int{}, h.NUMANodeAffinity.GetBits()...), Preferred: h.Preferred}
}

// UpstreamAllocate answers a cpu.allocate case: NewStaticPolicy with the
// reserved CPUs, Start on a state holding the assignments (the shared pool
// is every other CPU, minus the reserved ones with strict-cpu-reservation),
// then Allocate for every container, init containers first, each with the
// case's affinity.
func UpstreamAllocate(in *AllocateInput, rows []CPURow) (Outcome, error) {
	topo := UpstreamTopology(rows)
	numReserved, reserved := in.ReservedCount, cpuset.New()
	if in.Reserved != nil {
		set, err := parseSet(*in.Reserved)
		if err != nil {
			return Outcome{}, err
		}
		numReserved, reserved = set.Size(), set
	}
	var affinity topologymanager.TopologyHint
	if in.Affinity != nil && in.Affinity.Affinity != nil {
		mask, err := bitmask.NewBitMask(in.Affinity.Affinity...)
		if err != nil {
			return Outcome{}, fmt.Errorf("affinity: %w", err)
		}
		affinity.NUMANodeAffinity = mask
	}
	policy, failed := upstreamPolicy(topo, numReserved, reserved, affinity, in.Options)
	if failed != nil {
		return *failed, nil
	}

	assignments := state.ContainerCPUAssignments{}
	assigned := cpuset.New()
	for podUID, containers := range in.Assignments {
		assignments[podUID] = map[string]cpuset.CPUSet{}
		for name, text := range containers {
			set, err := parseSet(text)
			if err != nil {
				return Outcome{}, err
			}
			assignments[podUID][name] = set
			assigned = assigned.Union(set)
		}
	}
	s := state.NewMemoryState(quiet)
	shared := topo.CPUDetails.CPUs()
	if strictReservation(in.Options) {
		// Every CPU but the reserved ones.
		shared = policy.GetAllocatableCPUs(s)
	}
	s.SetCPUAssignments(assignments)
	s.SetDefaultCPUSet(shared.Difference(assigned))
	if err := policy.Start(quiet, s); err != nil {
		return errorOf("invalid-state", err), nil
	}

	pod, err := upstreamPod(&in.Pod)
	if err != nil {
		return Outcome{}, err
	}
	for _, list := range [][]v1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range list {
			if err := policy.Allocate(quiet, s, pod, &list[i], lifecycle.AddOperation); err != nil {
				return allocationError(err, false), nil
			}
		}
	}

	out := map[string]map[string]string{}
	for podUID, containers := range s.GetCPUAssignments() {
		out[podUID] = map[string]string{}
		for name, set := range containers {
			out[podUID][name] = set.String()
		}
	}
	return outputOf(map[string]any{"assignments": out, "default": s.GetDefaultCPUSet().String()}), nil
}

// strictReservation reports whether strict-cpu-reservation parses true, as
// the policy reads it (the policy has accepted the options already).
func strictReservation(options map[string]string) bool {
	opts, err := cpumanager.NewStaticPolicyOptions(options)
	return err == nil && opts.StrictCPUReservation
}

func upstreamPod(in *Pod) (*v1.Pod, error) {
	pod := &v1.Pod{}
	pod.UID = types.UID(in.UID)
	switch in.QOS {
	case "Guaranteed", "Burstable", "BestEffort":
		pod.Status.QOSClass = v1.PodQOSClass(in.QOS)
	default:
		return nil, fmt.Errorf("pod qos %q", in.QOS)
	}
	always := v1.ContainerRestartPolicyAlways
	for _, c := range in.Containers {
		request, limit := -1, -1
		if c.CPURequestMilli != nil {
			request = int(*c.CPURequestMilli)
		}
		if c.CPULimitMilli != nil {
			limit = int(*c.CPULimitMilli)
		}
		ctr := container(request, limit)
		ctr.Name = c.Name
		if c.Init {
			if c.Restartable {
				ctr.RestartPolicy = &always
			}
			pod.Spec.InitContainers = append(pod.Spec.InitContainers, ctr)
		} else {
			pod.Spec.Containers = append(pod.Spec.Containers, ctr)
		}
	}
	return pod, nil
}
