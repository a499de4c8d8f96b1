package conformance

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/nodecore/nodecore/bindings/go/nodecore"
	"k8s.io/kubernetes/pkg/kubelet/cm/cpumanager/state"
	"k8s.io/utils/cpuset"
)

// ErrNotApplicable is returned by NodecoreTyped for a case the typed API
// has no counterpart for: the checks of cpu.take that nodecore.TakeCPUs
// leaves to the policy (SMT alignment, align-by-socket on the machine), and
// cpu.hints with nothing available, a state no restored policy can be in.
var ErrNotApplicable = errors.New("no typed counterpart")

// checkpointFile is the kubelet's default CPU manager state file name.
const checkpointFile = "cpu_manager_state"

// NodecoreTyped answers a case through the typed API of the Go package, as
// a kubelet patched to use nodecore would call it: a Topology handle,
// TakeCPUs, a StaticPolicy handle (Allocate, TopologyHints) and a
// TopologyPolicy handle (Merge). Existing assignments reach the policy the
// way they do at a kubelet restart: as a checkpoint file, written by
// upstream's own checkpoint code into a fresh folder under dir.
func NodecoreTyped(c *Case, named NamedTopologies, dir string) (Outcome, error) {
	switch in := c.Input.(type) {
	case *TakeInput:
		return typedTake(in)
	case *HintsInput:
		return typedHints(in, named, dir)
	case *AllocateInput:
		return typedAllocate(in, named, dir)
	case *MergeInput:
		return typedMerge(in)
	}
	return Outcome{}, fmt.Errorf("case %s: input %T has no typed counterpart", c.ID, c.Input)
}

// typedError is a nodecore error as an Outcome; other errors are failures
// of the comparison itself.
func typedError(err error) (Outcome, error) {
	var e *nodecore.Error
	if errors.As(err, &e) {
		return Outcome{ErrKind: e.Kind, ErrMsg: e.Message}, nil
	}
	return Outcome{}, err
}

// topologyHandle loads a case's topology into the library.
func topologyHandle(t Topology) (*nodecore.Topology, error) {
	data, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	return nodecore.LoadTopologyJSON(data)
}

func typedTake(in *TakeInput) (Outcome, error) {
	topo, err := topologyHandle(in.Topology)
	if err != nil {
		return Outcome{}, err
	}
	defer topo.Close()
	// TakeCPUs is the selection alone: the SMT admission check and the
	// options' fit to the machine (align-by-socket needs no more sockets
	// than NUMA nodes) are the policy's, as in upstream's takeByTopology.
	counts := topo.Counts()
	if parseBool(in.Options[optFullPCPUs]) && (counts.NumCores == 0 || in.Count%(counts.NumCPUs/counts.NumCores) != 0) {
		return Outcome{}, ErrNotApplicable
	}
	if parseBool(in.Options[optAlignSocket]) && counts.NumSockets > counts.NumNUMANodes {
		return Outcome{}, ErrNotApplicable
	}
	available, err := nodecore.ParseCPUSet(in.Available)
	if err != nil {
		return Outcome{}, err
	}
	cpus, err := nodecore.TakeCPUs(topo, available, in.Count, in.Options)
	if err != nil {
		return typedError(err)
	}
	return outputOf(map[string]string{"cpus": cpus.String()}), nil
}

// policySetup is what a static policy starts from: its configuration and,
// when some CPUs are assigned already, the state to restore.
type policySetup struct {
	config      nodecore.StaticPolicyConfig
	shared      cpuset.CPUSet
	assignments state.ContainerCPUAssignments
}

// open builds the policy, writing the state as a checkpoint first when
// there is one to restore. close frees the policy and its checkpoint.
func (s *policySetup) open(dir string) (policy *nodecore.StaticPolicy, close func(), err error) {
	folder := ""
	close = func() {
		if policy != nil {
			policy.Close()
		}
		if folder != "" {
			os.RemoveAll(folder)
		}
	}
	if len(s.assignments) > 0 {
		if folder, err = os.MkdirTemp(dir, "state-"); err != nil {
			return nil, close, err
		}
		if err := writeCheckpoint(folder, s.shared, s.assignments); err != nil {
			return nil, close, err
		}
		s.config.StateDir, s.config.StateFile = folder, checkpointFile
	}
	policy, err = nodecore.NewStaticPolicy(s.config)
	return policy, close, err
}

// writeCheckpoint writes the state as the kubelet of go.mod's version does
// (its checkpoint format and checksums).
func writeCheckpoint(folder string, shared cpuset.CPUSet, assignments state.ContainerCPUAssignments) error {
	s, err := state.NewCheckpointState(quiet, folder, checkpointFile, "static", nil)
	if err != nil {
		return err
	}
	s.SetCPUAssignments(assignments)
	s.SetDefaultCPUSet(shared)
	_, err = os.Stat(filepath.Join(folder, checkpointFile))
	return err
}

func typedHints(in *HintsInput, named NamedTopologies, dir string) (Outcome, error) {
	rows, err := in.Topology.Rows(named)
	if err != nil {
		return Outcome{}, err
	}
	topo, err := topologyHandle(in.Topology)
	if err != nil {
		return Outcome{}, err
	}
	defer topo.Close()
	available, err := parseSet(in.Available)
	if err != nil {
		return Outcome{}, err
	}
	reusable, err := parseSet(in.Reusable)
	if err != nil {
		return Outcome{}, err
	}
	if available.IsEmpty() {
		// A restored state needs a shared pool (Start refuses an empty one).
		return Outcome{}, ErrNotApplicable
	}
	// The shared pool is the available set; the reusable CPUs belong to an
	// init container of the pod, every other CPU to another pod.
	all := UpstreamTopology(rows).CPUDetails.CPUs()
	setup := policySetup{
		config: nodecore.StaticPolicyConfig{Topology: topo, Options: in.Options,
			OptionGates: nodecore.CPUOptionGateAlpha | nodecore.CPUOptionGateBeta},
		shared:      available,
		assignments: state.ContainerCPUAssignments{},
	}
	if !reusable.IsEmpty() {
		setup.assignments["p"] = map[string]cpuset.CPUSet{"init": reusable}
	}
	if rest := all.Difference(available).Difference(reusable); !rest.IsEmpty() {
		setup.assignments["other"] = map[string]cpuset.CPUSet{"c": rest}
	}
	policy, close, err := setup.open(dir)
	defer close()
	if err != nil {
		return typedError(err)
	}
	pod := &nodecore.Pod{UID: "p", QOS: nodecore.QOSGuaranteed,
		Containers: []nodecore.Container{nodecore.NewContainer("c", int64(in.Request)*1000)}}
	if !reusable.IsEmpty() {
		// The init container's request only has to pass the SMT checks
		// that nodecore's Allocate runs before it finds the container
		// assigned: one whole core.
		counts := topo.Counts()
		perCore := counts.NumCPUs / max(counts.NumCores, 1)
		if parseBool(in.Options[optFullPCPUs]) && available.Size() < perCore {
			return Outcome{}, ErrNotApplicable
		}
		pod.InitContainers = []nodecore.Container{nodecore.NewContainer("init", int64(perCore)*1000)}
		if _, err := policy.Allocate(pod, "init", nil); err != nil {
			return Outcome{}, fmt.Errorf("recording the reusable CPUs: %w", err)
		}
	}
	got, err := policy.TopologyHints(pod, "c")
	if err != nil {
		return typedError(err)
	}
	hints := []Hint{}
	for _, h := range got {
		hints = append(hints, hintOfTyped(h))
	}
	return outputOf(map[string][]Hint{"hints": hints}), nil
}

func hintOfTyped(h nodecore.Hint) Hint {
	if h.AnyNode {
		return Hint{Preferred: h.Preferred}
	}
	return Hint{Affinity: append([]int{}, h.Affinity.Nodes()...), Preferred: h.Preferred}
}

func typedAllocate(in *AllocateInput, named NamedTopologies, dir string) (Outcome, error) {
	rows, err := in.Topology.Rows(named)
	if err != nil {
		return Outcome{}, err
	}
	topo, err := topologyHandle(in.Topology)
	if err != nil {
		return Outcome{}, err
	}
	defer topo.Close()
	setup := policySetup{config: nodecore.StaticPolicyConfig{
		Topology: topo, NumReservedCPUs: in.ReservedCount, Options: in.Options,
		OptionGates: nodecore.CPUOptionGateAlpha | nodecore.CPUOptionGateBeta,
	}}
	if in.Reserved != nil {
		reserved, err := nodecore.ParseCPUSet(*in.Reserved)
		if err != nil {
			return Outcome{}, err
		}
		setup.config.ReservedCPUs, setup.config.NumReservedCPUs = reserved, reserved.Size()
	}
	// The policy picks the reserved CPUs; the shared pool of the state to
	// restore leaves them out under strict-cpu-reservation.
	fresh, err := nodecore.NewStaticPolicy(setup.config)
	if err != nil {
		return typedError(err)
	}
	allocatable, err := parseSet(fresh.AllocatableCPUs().String())
	fresh.Close()
	if err != nil {
		return Outcome{}, err
	}
	setup.shared = UpstreamTopology(rows).CPUDetails.CPUs()
	if strictReservation(in.Options) {
		setup.shared = allocatable
	}
	setup.assignments = state.ContainerCPUAssignments{}
	for podUID, containers := range in.Assignments {
		setup.assignments[podUID] = map[string]cpuset.CPUSet{}
		for name, text := range containers {
			set, err := parseSet(text)
			if err != nil {
				return Outcome{}, err
			}
			setup.assignments[podUID][name] = set
			setup.shared = setup.shared.Difference(set)
		}
	}
	policy, close, err := setup.open(dir)
	defer close()
	if err != nil {
		return typedError(err)
	}

	pod := typedPod(&in.Pod)
	var affinity *nodecore.Hint
	if in.Affinity != nil && in.Affinity.Affinity != nil {
		mask, err := nodecore.NewNUMAMask(in.Affinity.Affinity...)
		if err != nil {
			return Outcome{}, err
		}
		affinity = &nodecore.Hint{Affinity: mask, Preferred: in.Affinity.Preferred}
	}
	for _, list := range [][]nodecore.Container{pod.InitContainers, pod.Containers} {
		for _, ctr := range list {
			if _, err := policy.Allocate(pod, ctr.Name, affinity); err != nil {
				return typedError(err)
			}
		}
	}
	st, err := policy.State()
	if err != nil {
		return Outcome{}, err
	}
	out := map[string]map[string]string{}
	for podUID, containers := range st.Entries {
		out[podUID] = map[string]string{}
		for name, set := range containers {
			out[podUID][name] = set.String()
		}
	}
	return outputOf(map[string]any{"assignments": out, "default": st.DefaultCPUSet.String()}), nil
}

func typedPod(in *Pod) *nodecore.Pod {
	pod := &nodecore.Pod{UID: in.UID}
	switch in.QOS {
	case "Guaranteed":
		pod.QOS = nodecore.QOSGuaranteed
	case "Burstable":
		pod.QOS = nodecore.QOSBurstable
	default:
		pod.QOS = nodecore.QOSBestEffort
	}
	milli := func(v *int64) int64 {
		if v == nil {
			return nodecore.NoCPU
		}
		return *v
	}
	for _, c := range in.Containers {
		ctr := nodecore.Container{Name: c.Name, CPURequestMilli: milli(c.CPURequestMilli), CPULimitMilli: milli(c.CPULimitMilli)}
		if c.Init {
			ctr.Restartable = c.Restartable
			pod.InitContainers = append(pod.InitContainers, ctr)
		} else {
			pod.Containers = append(pod.Containers, ctr)
		}
	}
	return pod
}

// TypedProviders converts a case's providers for TopologyPolicy.Merge.
func TypedProviders(providers []map[string][]Hint) ([]nodecore.ProviderHints, error) {
	out := make([]nodecore.ProviderHints, len(providers))
	for i, provider := range providers {
		if provider == nil {
			continue
		}
		out[i] = nodecore.ProviderHints{}
		for resource, hints := range provider {
			if hints == nil {
				out[i][resource] = nil
				continue
			}
			list := make([]nodecore.Hint, len(hints))
			for j, h := range hints {
				list[j].Preferred = h.Preferred
				if h.Affinity == nil {
					list[j].AnyNode = true
					continue
				}
				mask, err := nodecore.NewNUMAMask(h.Affinity...)
				if err != nil {
					return nil, fmt.Errorf("provider %d %s hint %d: %w", i, resource, j, err)
				}
				list[j].Affinity = mask
			}
			out[i][resource] = list
		}
	}
	return out, nil
}

// TypedMergePolicy builds the nodecore policy of a topology.merge case.
func TypedMergePolicy(in *MergeInput) (*nodecore.TopologyPolicy, error) {
	distances := map[int][]uint64{}
	for id, row := range in.Distances {
		node, err := strconv.Atoi(id)
		if err != nil {
			return nil, fmt.Errorf("distances key %q", id)
		}
		distances[node] = row
	}
	return nodecore.NewTopologyPolicy(nodecore.TopologyPolicyConfig{
		Policy: in.Policy, NUMANodes: in.NUMANodes, Distances: distances, Options: in.Options,
	})
}

func typedMerge(in *MergeInput) (Outcome, error) {
	policy, err := TypedMergePolicy(in)
	if err != nil {
		return typedError(err)
	}
	defer policy.Close()
	providers, err := TypedProviders(in.Providers)
	if err != nil {
		return Outcome{}, err
	}
	result, err := policy.Merge(providers...)
	if err != nil {
		return typedError(err)
	}
	h := hintOfTyped(result.Hint)
	return outputOf(map[string]any{"affinity": h.Affinity, "preferred": h.Preferred, "admit": result.Admit}), nil
}
