package nodecore

// #include <nodecore.h>
import "C"

import (
	"encoding/json"
	"runtime"
	"sync"
	"unsafe"
)

// ProviderHints is what one hint provider answers for a container or pod
// (the kubelet's map[string][]TopologyHint): per resource its hints. As
// upstream, a nil slice is "no preference" and an empty non-nil slice is
// "cannot be satisfied"; a provider with no entries has no preference.
type ProviderHints map[string][]Hint

// TopologyPolicyConfig is the kubelet's topology manager configuration and
// the machine's NUMA nodes.
type TopologyPolicyConfig struct {
	// Policy is --topology-manager-policy: none, best-effort, restricted or
	// single-numa-node.
	Policy string
	// NUMANodes are the machine's NUMA node ids; Distances their distance
	// rows (DiscoverNUMADistances), needed with prefer-closest-numa-nodes.
	NUMANodes []int
	Distances map[int][]uint64
	// Options is topologyManagerPolicyOptions.
	Options map[string]string
}

// MergeResult is what a policy decides for a container or pod: the hint to
// store and whether to admit. Its layout is nodecore_merge_result's.
type MergeResult struct {
	Hint  Hint
	Admit bool
}

// TopologyPolicy is a topology manager policy on one machine: it merges the
// hint providers' answers exactly as the kubelet's policy Merge does. It
// never changes, so many goroutines may merge with it at once. Close frees
// it; a finalizer frees a forgotten one as a safety net.
type TopologyPolicy struct {
	ptr *C.nodecore_topology_policy
}

// NewTopologyPolicy builds a policy, checking the configuration as the
// kubelet's NewManager does (StatusUnknownPolicy, StatusInvalidOptions,
// StatusMissingDistances, StatusTooManyNUMANodes,
// StatusNUMANodeOutOfRange).
func NewTopologyPolicy(cfg TopologyPolicyConfig) (*TopologyPolicy, error) {
	config, err := json.Marshal(map[string]any{
		"policy":     cfg.Policy,
		"numa_nodes": nonNil(cfg.NUMANodes),
		"distances":  cfg.Distances,
		"options":    cfg.Options,
	})
	if err != nil {
		return nil, err
	}
	text, n := cBytes(config)
	var out *C.nodecore_topology_policy
	var cerr *C.nodecore_error
	status := C.nodecore_topology_policy_new(text, n, &out, &cerr)
	runtime.KeepAlive(config)
	if err := takeError(status, cerr); err != nil {
		return nil, err
	}
	p := &TopologyPolicy{ptr: out}
	runtime.SetFinalizer(p, (*TopologyPolicy).Close)
	return p, nil
}

func nonNil(nodes []int) []int {
	if nodes == nil {
		return []int{}
	}
	return nodes
}

// Close frees the policy. It is idempotent; using the policy afterwards
// panics. It must not race with other uses.
func (p *TopologyPolicy) Close() error {
	if p.ptr != nil {
		C.nodecore_topology_policy_free(p.ptr)
		p.ptr = nil
		runtime.SetFinalizer(p, nil)
	}
	return nil
}

func (p *TopologyPolicy) handle() *C.nodecore_topology_policy {
	maybeGC()
	if p.ptr == nil {
		panic("nodecore: use of a closed TopologyPolicy")
	}
	return p.ptr
}

// Merge merges the providers' answers for one container or pod. It fails
// only with prefer-closest-numa-nodes when the answer needs a distance past
// the end of a short row (StatusMissingDistances; upstream panics there).
func (p *TopologyPolicy) Merge(providers ...ProviderHints) (MergeResult, error) {
	b := batches.Get().(*HintBatch)
	defer batches.Put(b)
	b.Reset()
	b.AddPod(providers...)
	var result MergeResult
	var cerr *C.nodecore_error
	status := C.nodecore_topology_policy_merge(p.handle(), cHints(b.hints), C.size_t(len(b.hints)),
		unsafe.SliceData(b.lists), C.size_t(len(b.lists)), (*C.nodecore_merge_result)(unsafe.Pointer(&result)), &cerr)
	runtime.KeepAlive(p)
	runtime.KeepAlive(b)
	return result, takeError(status, cerr)
}

// batches keeps the buffers of single merges for reuse.
var batches = sync.Pool{New: func() any { return new(HintBatch) }}

// HintBatch gathers many pods' provider answers for one MergeBatch call,
// in buffers that Reset keeps for the next batch. The zero value is empty
// and ready.
type HintBatch struct {
	hints []Hint
	lists []C.nodecore_hint_list
	pods  []C.nodecore_span
}

// AddPod appends one pod's (or container's) provider answers.
func (b *HintBatch) AddPod(providers ...ProviderHints) {
	b.OpenPod()
	for _, provider := range providers {
		if len(provider) == 0 {
			b.AddList(nil)
		}
		for _, hints := range provider {
			b.AddList(hints)
		}
	}
}

// OpenPod starts a pod whose answers the following AddList calls give, one
// per provider and resource; it is AddPod for callers that hold answers as
// slices rather than maps.
func (b *HintBatch) OpenPod() {
	b.pods = append(b.pods, C.nodecore_span{offset: C.size_t(len(b.lists))})
}

// AddList appends one resource's hints to the pod OpenPod (or AddPod)
// started last: nil for no preference, an empty slice for "cannot be
// satisfied".
func (b *HintBatch) AddList(hints []Hint) {
	if len(b.pods) == 0 {
		b.OpenPod()
	}
	if hints == nil {
		b.lists = append(b.lists, C.nodecore_hint_list{no_preference: true})
	} else {
		b.lists = append(b.lists, C.nodecore_hint_list{offset: C.size_t(len(b.hints)), len: C.size_t(len(hints))})
		b.hints = append(b.hints, hints...)
	}
	b.pods[len(b.pods)-1].len++
}

// Len is the number of pods in the batch.
func (b *HintBatch) Len() int { return len(b.pods) }

// Reset empties the batch, keeping its buffers.
func (b *HintBatch) Reset() {
	b.hints, b.lists, b.pods = b.hints[:0], b.lists[:0], b.pods[:0]
}

// MergeBatch merges every pod of the batch in one call and appends the
// results, in pod order, to results (which may be nil). When one pod's
// merge fails, the error names its index and nothing is appended.
func (p *TopologyPolicy) MergeBatch(b *HintBatch, results []MergeResult) ([]MergeResult, error) {
	start := len(results)
	results = append(results, make([]MergeResult, len(b.pods))...)
	out := results[start:]
	var n C.size_t
	var cerr *C.nodecore_error
	status := C.nodecore_topology_policy_merge_batch(p.handle(), cHints(b.hints), C.size_t(len(b.hints)),
		unsafe.SliceData(b.lists), C.size_t(len(b.lists)), unsafe.SliceData(b.pods), C.size_t(len(b.pods)),
		(*C.nodecore_merge_result)(unsafe.Pointer(unsafe.SliceData(out))), C.size_t(len(out)), &n, &cerr)
	runtime.KeepAlive(p)
	runtime.KeepAlive(b)
	if err := takeError(status, cerr); err != nil {
		return results[:start], err
	}
	return results, nil
}

// MergeResult crosses to C uncopied, so its layout must be the C struct's.
func init() {
	var c C.nodecore_merge_result
	var g MergeResult
	if unsafe.Sizeof(c) != unsafe.Sizeof(g) || unsafe.Offsetof(c.admit) != unsafe.Offsetof(g.Admit) {
		panic("nodecore: MergeResult and nodecore_merge_result differ in layout")
	}
}
