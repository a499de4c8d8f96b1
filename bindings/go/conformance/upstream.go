package conformance

import "fmt"

// Upstream answers a case through k8s.io/kubernetes. named resolves
// topologies given by name. The error is for a case that cannot be put to
// upstream at all (an unparsable set, an unknown topology); upstream's own
// refusals are error Outcomes.
//
// Call EnableOptionGates once first. Inputs for which HangRisk is true may
// never return: put those to a Guard.
func Upstream(c *Case, named NamedTopologies) (Outcome, error) {
	switch in := c.Input.(type) {
	case *TakeInput:
		rows, err := in.Topology.Rows(named)
		if err != nil {
			return Outcome{}, err
		}
		return UpstreamTake(in, rows)
	case *AllocateInput:
		rows, err := in.Topology.Rows(named)
		if err != nil {
			return Outcome{}, err
		}
		return UpstreamAllocate(in, rows)
	case *HintsInput:
		rows, err := in.Topology.Rows(named)
		if err != nil {
			return Outcome{}, err
		}
		return UpstreamHints(in, rows)
	case *MergeInput:
		return UpstreamMerge(in)
	}
	return Outcome{}, fmt.Errorf("case %s: input %T is not compared with upstream", c.ID, c.Input)
}

// HangRisk reports whether upstream's CPU allocation may loop forever on
// this case: its distributed algorithm with CPU groups of more than one
// thread, that is distribute-cpus-across-numa with full-pcpus-only on an SMT
// machine. (It loops when a remainder subset of NUMA nodes holds enough
// free CPUs but not enough whole cores; kubernetes PR #140730 fixes it.)
func HangRisk(c *Case, named NamedTopologies) bool {
	var options map[string]string
	var topology Topology
	switch in := c.Input.(type) {
	case *TakeInput:
		options, topology = in.Options, in.Topology
	case *AllocateInput:
		options, topology = in.Options, in.Topology
	default:
		return false
	}
	if !parseBool(options["full-pcpus-only"]) || !parseBool(options["distribute-cpus-across-numa"]) {
		return false
	}
	rows, err := topology.Rows(named)
	return err == nil && UpstreamTopology(rows).CPUsPerCore() > 1
}

// parseBool is Go's strconv.ParseBool answer for "true", false otherwise.
func parseBool(value string) bool {
	switch value {
	case "1", "t", "T", "TRUE", "true", "True":
		return true
	}
	return false
}
