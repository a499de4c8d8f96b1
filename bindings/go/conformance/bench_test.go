package conformance

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/nodecore/nodecore/bindings/go/nodecore"
	"k8s.io/kubernetes/pkg/kubelet/cm/cpumanager"
	"k8s.io/kubernetes/pkg/kubelet/cm/cpumanager/state"
	"k8s.io/kubernetes/pkg/kubelet/cm/topologymanager"
	"k8s.io/kubernetes/pkg/kubelet/lifecycle"
	"k8s.io/utils/cpuset"
)

// Benchmarks time upstream and nodecore on identical inputs. Names carry
// impl=upstream or impl=nodecore, so `benchstat -col /impl` puts the two
// side by side (benches/compare.sh does).

var flagUpstreamCap = flag.Duration("upstream-cap", 60*time.Second,
	"longest one upstream merge may take in a benchmark; longer shapes are skipped and reported")

// benchMachine is a machine of the allocation benchmarks.
type benchMachine struct {
	name     string
	topology Topology
}

// benchMachines are the 64-, 288- and 384-CPU machines: two sockets of two
// NUMA nodes of 8 two-thread cores; the four-socket, four-way SMT machine of
// upstream's tests (topoQuadSocketFourWayHT); two sockets of four NUMA nodes
// (NPS4 / SNC4) of 24 two-thread cores with an L3 per 8 cores.
func benchMachines(b *testing.B) []benchMachine {
	quad, ok := named["quad-socket-four-way-ht"]
	if !ok {
		b.Fatal("topologies.json has no quad-socket-four-way-ht")
	}
	return []benchMachine{
		{"64", Topology{CPUs: Shape{Sockets: 2, NUMAPerSocket: 2, CoresPerNUMA: 8, Threads: 2, CoresPerUncore: 8}.Rows()}},
		{"288", Topology{Name: "quad-socket-four-way-ht", CPUs: quad}},
		{"384", Topology{CPUs: Shape{Sockets: 2, NUMAPerSocket: 4, CoresPerNUMA: 24, Threads: 2, CoresPerUncore: 8}.Rows()}},
	}
}

// benchPool is a machine in use: every fifth core taken, so that the
// algorithms have partial NUMA nodes and caches to sort (whole cores, so
// full-pcpus-only applies).
func benchPool(rows []CPURow) cpuset.CPUSet {
	var free []int
	for i, core := range coresOf(rows) {
		if i%5 != 4 {
			free = append(free, core...)
		}
	}
	return cpuset.New(free...)
}

// benchCount asks for three eighths of the machine in whole cores: more
// than one NUMA node on each benchmark machine.
func benchCount(rows []CPURow) int {
	perCore := UpstreamTopology(rows).CPUsPerCore()
	return len(rows) * 3 / 8 / perCore * perCore
}

// BenchmarkAllocate: the static policy allocating one container and
// releasing it again, on a policy built once whose reserved CPUs are the
// cores in use (so the pool is benchPool, and both sides do the same work).
// Upstream: Allocate and RemoveContainer over a memory state. nodecore: the
// same two calls on a StaticPolicy handle through cgo.
func BenchmarkAllocate(b *testing.B) {
	for _, m := range benchMachines(b) {
		pool := benchPool(m.topology.CPUs)
		busy := UpstreamTopology(m.topology.CPUs).CPUDetails.CPUs().Difference(pool)
		count := benchCount(m.topology.CPUs)
		for _, options := range OptionSets {
			take := &Case{ID: "bench", Kind: KindTake, Input: &TakeInput{
				Topology: m.topology, Available: pool.String(), Count: count, Options: options,
			}}
			want := checkSameAnswer(b, take)
			prefix := fmt.Sprintf("cpus=%s/options=%s", m.name, OptionSetName(options))
			b.Run(prefix+"/impl=upstream", func(b *testing.B) {
				topo := UpstreamTopology(m.topology.CPUs)
				policy, failed := upstreamPolicy(topo, busy.Size(), busy, topologymanager.TopologyHint{}, options)
				if failed != nil {
					b.Fatal(failed)
				}
				s := state.NewMemoryState(quiet)
				if err := policy.Start(quiet, s); err != nil {
					b.Fatal(err)
				}
				pod := guaranteedPod("p", count)
				allocate := func() {
					if err := policy.Allocate(quiet, s, pod, &pod.Spec.Containers[0], lifecycle.AddOperation); err != nil {
						b.Fatal(err)
					}
				}
				allocate()
				if got, _ := s.GetCPUSet("p", "c"); got.String() != want {
					b.Fatalf("upstream's policy allocated %s, its take %s", got, want)
				}
				b.ReportAllocs()
				for b.Loop() {
					if err := policy.RemoveContainer(quiet, s, "p", "c"); err != nil {
						b.Fatal(err)
					}
					allocate()
				}
			})
			b.Run(prefix+"/impl=nodecore", func(b *testing.B) {
				topo, err := topologyHandle(m.topology)
				if err != nil {
					b.Fatal(err)
				}
				defer topo.Close()
				reserved, err := nodecore.ParseCPUSet(busy.String())
				if err != nil {
					b.Fatal(err)
				}
				policy, err := nodecore.NewStaticPolicy(nodecore.StaticPolicyConfig{
					Topology: topo, ReservedCPUs: reserved, NumReservedCPUs: reserved.Size(), Options: options,
					OptionGates: nodecore.CPUOptionGateAlpha | nodecore.CPUOptionGateBeta,
				})
				if err != nil {
					b.Fatal(err)
				}
				defer policy.Close()
				pod := &nodecore.Pod{UID: "p", QOS: nodecore.QOSGuaranteed,
					Containers: []nodecore.Container{nodecore.NewContainer("c", int64(count)*1000)}}
				got, err := policy.Allocate(pod, "c", nil)
				if err != nil {
					b.Fatal(err)
				}
				if got.String() != want {
					b.Fatalf("nodecore's policy allocated %s, upstream's take %s", got, want)
				}
				b.ReportAllocs()
				for b.Loop() {
					if err := policy.RemoveContainer("p", "c"); err != nil {
						b.Fatal(err)
					}
					if _, err := policy.Allocate(pod, "c", nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// checked remembers the benchmark inputs checkSameAnswer has passed.
var checked sync.Map

// checkSameAnswer makes sure a benchmark input is one both sides answer
// alike (or as a known upstream change says), and that upstream returns;
// it returns the CPUs of a cpu.take answer. Each input is checked once per
// process.
func checkSameAnswer(b *testing.B, c *Case) string {
	b.Helper()
	key := caseJSON(c)
	if cpus, done := checked.Load(key); done {
		return cpus.(string)
	}
	guard := newGuard(b)
	up, err := guard.Upstream(c)
	if err != nil {
		b.Fatalf("%s: upstream: %v", c.ID, err)
	}
	nc, err := Nodecore(c)
	if err != nil {
		b.Fatal(err)
	}
	if !up.Same(nc) && KnownDifference(c, nc, up, named) == "" {
		b.Fatalf("the benchmark input gets different answers\n  upstream: %s\n  nodecore: %s", up, nc)
	}
	if up.Failed() {
		b.Fatalf("the benchmark input is refused: %s", up)
	}
	var answer struct{ CPUs string }
	_ = json.Unmarshal(up.Output, &answer)
	checked.Store(key, answer.CPUs)
	return answer.CPUs
}

// mergeProviders is what real hint providers send for one container: each
// provider gives every NUMA mask that can hold its request, preferring the
// narrowest. Providers alternate between requests that fit one node and
// requests that need two, so that merges have to widen.
func mergeProviders(nodes, providers int) []map[string][]Hint {
	var out []map[string][]Hint
	for p := 0; p < providers; p++ {
		need := min(1+p%2, nodes)
		var hints []Hint
		for mask := 1; mask < 1<<nodes; mask++ {
			var ids []int
			for n := 0; n < nodes; n++ {
				if mask&(1<<n) != 0 {
					ids = append(ids, n)
				}
			}
			if len(ids) >= need {
				hints = append(hints, Hint{Affinity: ids, Preferred: len(ids) == need})
			}
		}
		out = append(out, map[string][]Hint{fmt.Sprintf("resource%d", p): hints})
	}
	return out
}

// upstreamPermutationCost is the time upstream takes per permutation of the
// hint lists, measured once on a shape that runs in well under a second.
var upstreamPermutationCost = sync.OnceValue(func() time.Duration {
	in := &MergeInput{Policy: "best-effort", NUMANodes: []int{0, 1, 2, 3, 4, 5, 6, 7}, Providers: mergeProviders(8, 2)}
	policy, _, _ := UpstreamMergePolicy(in)
	providers, _ := UpstreamProviders(in.Providers)
	start := time.Now()
	const runs = 5
	for i := 0; i < runs; i++ {
		policy.Merge(quiet, providers)
	}
	return time.Since(start) / time.Duration(runs*permutations(in))
})

func permutations(in *MergeInput) int {
	n := 1
	for _, p := range in.Providers {
		for _, hints := range p {
			n *= max(1, len(hints))
		}
	}
	return n
}

// cappedShapes remembers, per shape, whether upstream finished in the cap.
var cappedShapes sync.Map

// BenchmarkMerge: the topology manager's best-effort merge of 2 to 4
// providers' hints on 2, 4 and 8 NUMA nodes, on a policy built once
// (nodecore: a TopologyPolicy handle, one Merge call). Upstream tries every
// combination of one hint per provider, so its cost is the product of the
// list lengths; a shape whose estimate is over -upstream-cap is run once
// in a worker process with that cap and, when it does not finish, skipped
// with its estimate.
func BenchmarkMerge(b *testing.B) {
	for _, nodes := range []int{2, 4, 8} {
		for providers := 2; providers <= 4; providers++ {
			in := &MergeInput{Policy: "best-effort", Providers: mergeProviders(nodes, providers)}
			for n := 0; n < nodes; n++ {
				in.NUMANodes = append(in.NUMANodes, n)
			}
			c := &Case{ID: "bench", Kind: KindMerge, Input: in}
			prefix := fmt.Sprintf("nodes=%d/providers=%d", nodes, providers)
			b.Run(prefix+"/impl=upstream", func(b *testing.B) {
				estimate := time.Duration(permutations(in)) * upstreamPermutationCost()
				if estimate > *flagUpstreamCap/2 {
					confirmOverCap(b, prefix, c, estimate)
				}
				policy, _, _ := UpstreamMergePolicy(in)
				providers, err := UpstreamProviders(in.Providers)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					policy.Merge(quiet, providers)
				}
			})
			b.Run(prefix+"/impl=nodecore", func(b *testing.B) {
				if estimate := time.Duration(permutations(in)) * upstreamPermutationCost(); estimate <= *flagUpstreamCap/2 {
					checkSameAnswer(b, c)
				}
				policy, err := TypedMergePolicy(in)
				if err != nil {
					b.Fatal(err)
				}
				defer policy.Close()
				providers, err := TypedProviders(in.Providers)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := policy.Merge(providers...); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkMergeBatch: 100 pods' hints on 2 NUMA nodes, where one merge is
// cheap and crossing into C is a large part of it. Upstream merges the pods
// one by one; nodecore merges them all in one MergeBatch call, filling the
// batch included.
func BenchmarkMergeBatch(b *testing.B) {
	const pods = 100
	for providers := 2; providers <= 4; providers++ {
		in := &MergeInput{Policy: "best-effort", NUMANodes: []int{0, 1}, Providers: mergeProviders(2, providers)}
		c := &Case{ID: "bench", Kind: KindMerge, Input: in}
		checkSameAnswer(b, c)
		prefix := fmt.Sprintf("nodes=2/providers=%d/pods=%d", providers, pods)
		b.Run(prefix+"/impl=upstream", func(b *testing.B) {
			policy, _, _ := UpstreamMergePolicy(in)
			hints, err := UpstreamProviders(in.Providers)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				for range pods {
					policy.Merge(quiet, hints)
				}
			}
		})
		b.Run(prefix+"/impl=nodecore", func(b *testing.B) {
			policy, err := TypedMergePolicy(in)
			if err != nil {
				b.Fatal(err)
			}
			defer policy.Close()
			hints, err := TypedProviders(in.Providers)
			if err != nil {
				b.Fatal(err)
			}
			var batch nodecore.HintBatch
			results := make([]nodecore.MergeResult, 0, pods)
			b.ReportAllocs()
			for b.Loop() {
				batch.Reset()
				for range pods {
					batch.AddPod(hints...)
				}
				if results, err = policy.MergeBatch(&batch, results[:0]); err != nil {
					b.Fatal(err)
				}
			}
			want, err := typedMerge(in)
			if err != nil {
				b.Fatal(err)
			}
			h := hintOfTyped(results[pods-1].Hint)
			got := outputOf(map[string]any{"affinity": h.Affinity, "preferred": h.Preferred, "admit": results[pods-1].Admit})
			if !got.Same(want) {
				b.Fatalf("MergeBatch answered %s, Merge %s", got, want)
			}
		})
	}
}

// confirmOverCap runs one upstream merge in a worker with the cap as its
// timeout and skips the benchmark when it does not finish.
func confirmOverCap(b *testing.B, shape string, c *Case, estimate time.Duration) {
	b.Helper()
	done, seen := cappedShapes.Load(shape)
	if !seen {
		guard := &Guard{Start: workerCommand, Timeout: *flagUpstreamCap}
		start := time.Now()
		_, err := guard.Upstream(c)
		guard.Close()
		if err != nil && !errors.Is(err, ErrTimeout) {
			b.Fatal(err)
		}
		done = err == nil
		cappedShapes.Store(shape, done)
		b.Logf("upstream %s: one merge took %v (cap %v)", shape, time.Since(start).Round(time.Millisecond), *flagUpstreamCap)
	}
	if !done.(bool) {
		b.Skipf("upstream did not finish one merge within the %v cap (%d permutations; estimated %v per merge)",
			*flagUpstreamCap, permutations(c.Input.(*MergeInput)), estimate.Round(time.Second))
	}
}

// BenchmarkCgoCall is the fixed cost of one call through cgo: the cheapest
// function of the C ABI.
func BenchmarkCgoCall(b *testing.B) {
	for b.Loop() {
		nodecore.ABIVersion()
	}
}

// BenchmarkEvalDoor is the fixed cost of the JSON case door: the smallest
// case (a CPU list parse) through nodecore.Eval.
func BenchmarkEvalDoor(b *testing.B) {
	data := []byte(`{"id":"bench","kind":"cpuset.parse","input":{"text":"0-3"}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := nodecore.Eval(data); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpstreamPolicyConstruction: what building upstream's policy
// costs, for reading the nodecore allocation numbers, which include
// reading the topology and options on every call.
func BenchmarkUpstreamPolicyConstruction(b *testing.B) {
	for _, m := range benchMachines(b) {
		b.Run("cpus="+m.name, func(b *testing.B) {
			for b.Loop() {
				topo := UpstreamTopology(m.topology.CPUs)
				if _, err := cpumanager.NewStaticPolicy(quiet, topo, 0, cpuset.New(), fixedAffinity{}, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
