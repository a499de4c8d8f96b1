package conformance

// Difference is a change upstream made after the behaviour nodecore
// implements by default (the late-2025 kubelet that the case files encode),
// with the test that tells whether a case is one it can explain.
type Difference struct {
	// Name is a short stable name, used in test reports.
	Name string
	// PR is the upstream pull request that made the change.
	PR string
	// What the change does, in a sentence.
	What string
	// Explains reports whether the change can account for baseline and
	// newer answering c differently.
	Explains func(c *Case, baseline, newer Outcome) bool
}

// Differences are the upstream changes found between the case files'
// behaviour and k8s.io/kubernetes v1.37.2 (the version go.mod pins).
var Differences = []Difference{
	{
		Name: "align-by-socket-in-distribute-numa",
		PR:   "kubernetes/kubernetes#139778",
		What: "distribute-cpus-across-numa honours align-by-socket: NUMA combinations within one socket win over " +
			"cross-socket ones whatever their balance, and the even share per NUMA node is capped by what each node " +
			"of the combination has free",
		Explains: func(c *Case, _, _ Outcome) bool {
			options := optionsOf(c)
			return parseBool(options[optAlignSocket]) && parseBool(options[optDistribNUMA])
		},
	},
	{
		Name: "assigned-container-skips-smt-check",
		PR:   "kubernetes/kubernetes#129079",
		What: "with full-pcpus-only, Allocate looks the container up in the state before the SMT checks, so a " +
			"container that already has CPUs (a kubelet restart) keeps them instead of failing admission with an " +
			"SMT alignment error (issue #129078)",
		Explains: func(c *Case, baseline, _ Outcome) bool {
			in, ok := c.Input.(*AllocateInput)
			if !ok || !parseBool(in.Options[optFullPCPUs]) || baseline.ErrKind != "smt-alignment" {
				return false
			}
			for _, ctr := range in.Pod.Containers {
				if _, assigned := in.Assignments[in.Pod.UID][ctr.Name]; assigned {
					return true
				}
			}
			return false
		},
	},
}

// KnownDifference names the upstream change that explains why the answer
// of the newer upstream release (newer) differs from the answer of the
// behaviour nodecore implements by default (baseline), or returns "" when
// none does.
func KnownDifference(c *Case, baseline, newer Outcome, _ NamedTopologies) string {
	for _, d := range Differences {
		if d.Explains(c, baseline, newer) {
			return d.Name
		}
	}
	return ""
}

func optionsOf(c *Case) map[string]string {
	switch in := c.Input.(type) {
	case *TakeInput:
		return in.Options
	case *AllocateInput:
		return in.Options
	case *HintsInput:
		return in.Options
	case *MergeInput:
		return in.Options
	}
	return nil
}
