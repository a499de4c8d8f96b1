// Package conformance runs the same inputs through nodecore (the cgo package
// github.com/nodecore/nodecore/bindings/go/nodecore) and through the
// kubelet's own Go code (k8s.io/kubernetes at the version go.mod pins) and
// compares the answers.
//
// Inputs are cases of nodecore's shared case format (tests/vectors/README.md
// of the repository), so that a disagreement found here can be pasted into a
// case file as is. Four kinds are covered:
//
//   - cpu.take: the static policy's choice of CPUs, through upstream's
//     NewStaticPolicy and Allocate over a memory state;
//   - cpu.allocate: the static policy with reserved CPUs, existing
//     assignments, a topology-manager affinity and init-container reuse;
//   - cpu.hints: the static policy's GetTopologyHints;
//   - topology.merge: the topology manager's policies (none, best-effort,
//     restricted, single-numa-node) built as NewManager builds them, and their
//     Merge.
//
// [Upstream] answers a case through k8s.io/kubernetes; [Nodecore] answers it
// through the C ABI. Both return an [Outcome] in the case format's answer
// shape, which [Outcome.Same] compares.
//
// Upstream's distributed CPU allocation can loop forever (full-pcpus-only
// with distribute-cpus-across-numa, when a NUMA node's free CPUs are not
// whole cores). A goroutine cannot be stopped, so [Guard] runs such inputs in
// a worker process that it kills when an answer is late.
//
// The tests generate random cases from fixed seeds (generate.go); the
// benchmarks time both sides on identical inputs (bench_test.go). The
// README of this folder says how to run them.
package conformance
