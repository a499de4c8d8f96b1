package nodecore

import (
	"fmt"
	"math/rand"
	"testing"
)

// The fixed cost of one cgo transition: the cheapest call there is.
func BenchmarkCgoCall(b *testing.B) {
	for i := 0; i < b.N; i++ {
		ABIVersion()
	}
}

func BenchmarkParseCPUSet(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ParseCPUSet("0-3,8-11,64-127"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCPUSetString(b *testing.B) {
	set := MustParseCPUSet("0-3,8-11,64-127")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = set.String()
	}
}

func BenchmarkCPUSetUnion(b *testing.B) {
	x, y := MustParseCPUSet("0-63"), MustParseCPUSet("32-95")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		_ = x.Union(y)
	}
}

func BenchmarkEvalCase(b *testing.B) {
	c := []byte(`{"id":"bench","kind":"cpuset.parse","input":{"text":"0-3,8-11,64-127"}}`)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := EvalCase(c); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNamedTopology(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		topo, err := NamedTopology("dual-socket-ht")
		if err != nil {
			b.Fatal(err)
		}
		topo.Close()
	}
}

// The static policy's hot path on a 288-CPU machine: allocate a 4-CPU
// container, then release it, so every iteration sees the same state.
func BenchmarkStaticPolicyAllocate(b *testing.B) {
	for _, options := range []map[string]string{
		nil,
		{"full-pcpus-only": "true"},
		{"distribute-cpus-across-numa": "true"},
	} {
		name := "default"
		for option := range options {
			name = option
		}
		b.Run(name, func(b *testing.B) {
			p := newPolicy(b, "quad-socket-four-way-ht", StaticPolicyConfig{NumReservedCPUs: 4, Options: options})
			pod := guaranteed("pod-1", 4)
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := p.Allocate(pod, "app", nil); err != nil {
					b.Fatal(err)
				}
				if err := p.RemoveContainer("pod-1", "app"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkStaticPolicyTopologyHints(b *testing.B) {
	p := newPolicy(b, "quad-socket-four-way-ht", StaticPolicyConfig{NumReservedCPUs: 4})
	pod := guaranteed("pod-1", 4)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := p.TopologyHints(pod, "app"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTakeCPUs(b *testing.B) {
	topo, err := NamedTopology("quad-socket-four-way-ht")
	if err != nil {
		b.Fatal(err)
	}
	defer topo.Close()
	available := topo.CPUs()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := TakeCPUs(topo, available, 16, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// Topology-manager merges for 2, 4 and 8 NUMA nodes with 2 to 4 providers.
func BenchmarkTopologyMerge(b *testing.B) {
	for _, nodes := range []int{2, 4, 8} {
		for providers := 2; providers <= 4; providers++ {
			b.Run(fmt.Sprintf("numa=%d/providers=%d", nodes, providers), func(b *testing.B) {
				numa := make([]int, nodes)
				for i := range numa {
					numa[i] = i
				}
				p, err := NewTopologyPolicy(TopologyPolicyConfig{Policy: "restricted", NUMANodes: numa})
				if err != nil {
					b.Fatal(err)
				}
				defer p.Close()
				answers := randomProviders(rand.New(rand.NewSource(int64(nodes*10+providers))), nodes, providers)
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if _, err := p.Merge(answers...); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// Merging 100 pods' hints in one call, reusing the batch's buffers.
func BenchmarkTopologyMergeBatch(b *testing.B) {
	p, err := NewTopologyPolicy(TopologyPolicyConfig{Policy: "restricted", NUMANodes: []int{0, 1, 2, 3}})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	r := rand.New(rand.NewSource(1))
	pods := make([][]ProviderHints, 100)
	for i := range pods {
		pods[i] = randomProviders(r, 4, 3)
	}
	var batch HintBatch
	var results []MergeResult
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		batch.Reset()
		for _, pod := range pods {
			batch.AddPod(pod...)
		}
		if results, err = p.MergeBatch(&batch, results[:0]); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(pods)), "ns/pod")
}

func BenchmarkPodCgroupPath(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := PodCgroupPath("", true, QOSBurstable, "6e8d8e5a-36b3-4d3c-9e6e-7b5bdc5a7b9f", CgroupDriverSystemd); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMilliCPUToShares(b *testing.B) {
	for i := 0; i < b.N; i++ {
		MilliCPUToShares(int64(i))
	}
}

// Ranking a node's pods for memory pressure in one call.
func BenchmarkRankPods(b *testing.B) {
	for _, n := range []int{100, 1000, 10000} {
		b.Run(fmt.Sprintf("pods=%d", n), func(b *testing.B) {
			r := rand.New(rand.NewSource(int64(n)))
			pods := make([]PodStats, n)
			for i := range pods {
				pods[i] = PodStats{Priority: int32(r.Intn(3) * 1000), MemoryRequest: int64(r.Intn(1 << 30)),
					HasStats: true, HasMemoryWorkingSet: true, MemoryWorkingSetBytes: uint64(r.Intn(1 << 30))}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, err := RankPods(SignalMemoryAvailable, FsLayout{}, pods); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/pod")
		})
	}
}

func BenchmarkResolveGroupsFiles(b *testing.B) {
	passwd := []byte("root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n")
	group := []byte("wheel:x:10:root,alice\ndevs:x:50000:alice\n")
	fsGroup := int64(2000)
	sc := SecurityContext{FSGroup: &fsGroup, SupplementalGroups: []int64{4000}}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := ResolveGroupsFiles(passwd, group, "alice", sc, GroupsOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
