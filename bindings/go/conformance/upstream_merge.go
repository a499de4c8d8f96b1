package conformance

import (
	"fmt"
	"strconv"
	"strings"

	cadvisorapi "github.com/google/cadvisor/lib/model"
	"k8s.io/kubernetes/pkg/kubelet/cm/topologymanager"
	"k8s.io/kubernetes/pkg/kubelet/cm/topologymanager/bitmask"
)

// UpstreamMergePolicy builds the topology manager's policy for a
// topology.merge case with NewManager's checks in NewManager's order:
// options, NUMA distances, node count, policy name. Only the scope is left
// out, which does not take part in a merge. A refused configuration is
// returned as an Outcome in the case format.
func UpstreamMergePolicy(in *MergeInput) (topologymanager.Policy, *Outcome, error) {
	if in.Policy == topologymanager.PolicyNone {
		// NewManager returns before reading options or the machine.
		return topologymanager.NewNonePolicy(), nil, nil
	}
	refuse := func(kind string, err error) (topologymanager.Policy, *Outcome, error) {
		out := errorOf(kind, err)
		return nil, &out, nil
	}
	opts, err := topologymanager.NewPolicyOptions(quiet, in.Options)
	if err != nil {
		return refuse("invalid-options", err)
	}
	nodes := make([]cadvisorapi.Node, len(in.NUMANodes))
	for i, id := range in.NUMANodes {
		nodes[i] = cadvisorapi.Node{Id: id, Distances: in.Distances[strconv.Itoa(id)]}
	}
	numaInfo, err := topologymanager.NewNUMAInfo(nodes, opts)
	if err != nil {
		return refuse("missing-distances", err)
	}
	if len(numaInfo.Nodes) > opts.MaxAllowableNUMANodes {
		return refuse("too-many-numa-nodes", fmt.Errorf("unsupported on machines with more than %v NUMA Nodes", opts.MaxAllowableNUMANodes))
	}
	switch in.Policy {
	case topologymanager.PolicyBestEffort:
		return topologymanager.NewBestEffortPolicy(numaInfo, opts), nil, nil
	case topologymanager.PolicyRestricted:
		return topologymanager.NewRestrictedPolicy(numaInfo, opts), nil, nil
	case topologymanager.PolicySingleNumaNode:
		return topologymanager.NewSingleNumaNodePolicy(numaInfo, opts), nil, nil
	}
	return refuse("unknown-policy", fmt.Errorf("unknown policy: %q", in.Policy))
}

// UpstreamProviders converts a case's providers to what Merge takes,
// keeping nil maps, nil lists and nil masks apart from empty ones.
func UpstreamProviders(providers []map[string][]Hint) ([]map[string][]topologymanager.TopologyHint, error) {
	out := make([]map[string][]topologymanager.TopologyHint, len(providers))
	for i, provider := range providers {
		if provider == nil {
			continue
		}
		out[i] = map[string][]topologymanager.TopologyHint{}
		for resource, hints := range provider {
			if hints == nil {
				out[i][resource] = nil
				continue
			}
			list := make([]topologymanager.TopologyHint, len(hints))
			for j, h := range hints {
				list[j].Preferred = h.Preferred
				if h.Affinity != nil {
					mask, err := bitmask.NewBitMask(h.Affinity...)
					if err != nil {
						return nil, fmt.Errorf("provider %d %s hint %d: %w", i, resource, j, err)
					}
					list[j].NUMANodeAffinity = mask
				}
			}
			out[i][resource] = list
		}
	}
	return out, nil
}

// UpstreamMerge answers a topology.merge case. An upstream panic (it indexes
// distance rows by node id, so sparse ids with prefer-closest-numa-nodes can
// run off a row) is returned as an error of kind "upstream-panic".
func UpstreamMerge(in *MergeInput) (out Outcome, err error) {
	policy, refused, err := UpstreamMergePolicy(in)
	if err != nil || refused != nil {
		if refused != nil {
			return *refused, nil
		}
		return Outcome{}, err
	}
	providers, err := UpstreamProviders(in.Providers)
	if err != nil {
		return Outcome{}, err
	}
	defer func() {
		if p := recover(); p != nil {
			out = Outcome{ErrKind: "upstream-panic", ErrMsg: strings.TrimSpace(fmt.Sprint(p))}
		}
	}()
	hint, admit := policy.Merge(quiet, providers)
	h := hintOf(hint)
	return outputOf(map[string]any{"affinity": h.Affinity, "preferred": h.Preferred, "admit": admit}), nil
}
