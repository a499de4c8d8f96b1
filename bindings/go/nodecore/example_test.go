package nodecore_test

import (
	"fmt"

	"github.com/nodecore/nodecore/bindings/go/nodecore"
)

func ExampleParseCPUSet() {
	online, err := nodecore.ParseCPUSet("0-7")
	if err != nil {
		panic(err)
	}
	reserved := nodecore.MustParseCPUSet("0,4")
	fmt.Println(online.Difference(reserved), online.Difference(reserved).Size())

	_, err = nodecore.ParseCPUSet("3-1")
	fmt.Println(err)
	// Output:
	// 1-3,5-7 6
	// nodecore: parse: invalid CPU list "3-1": invalid range "3-1" (3 > 1)
}

func ExampleNamedTopology() {
	topo, err := nodecore.NamedTopology("dual-socket-ht")
	if err != nil {
		panic(err)
	}
	defer topo.Close()
	fmt.Printf("%+v\n", topo.Counts())
	// Output:
	// {NumCPUs:12 NumCores:6 NumSockets:2 NumNUMANodes:2 NumUncoreCaches:1}
}

func ExampleEvalCase() {
	answer, err := nodecore.EvalCase([]byte(`{"id": "x", "kind": "cpuset.parse", "input": {"text": "3,0-2"}}`))
	if err != nil {
		panic(err)
	}
	fmt.Println(string(answer))
	// Output:
	// {"id":"x","output":{"cpus":"0-3"}}
}

func ExampleTopologyPolicy_Merge() {
	policy, err := nodecore.NewTopologyPolicy(nodecore.TopologyPolicyConfig{Policy: "restricted", NUMANodes: []int{0, 1}})
	if err != nil {
		panic(err)
	}
	defer policy.Close()
	cpu := nodecore.ProviderHints{"cpu": {
		{Affinity: nodecore.MustNUMAMask(0), Preferred: true},
		{Affinity: nodecore.MustNUMAMask(1), Preferred: true},
	}}
	gpu := nodecore.ProviderHints{"nvidia.com/gpu": {{Affinity: nodecore.MustNUMAMask(1), Preferred: true}}}
	result, err := policy.Merge(cpu, gpu)
	if err != nil {
		panic(err)
	}
	fmt.Println(result.Hint, result.Admit)
	// Output:
	// {[1] true} true
}

func ExampleStaticPolicy_Allocate() {
	topo, err := nodecore.NamedTopology("dual-socket-ht")
	if err != nil {
		panic(err)
	}
	defer topo.Close()
	policy, err := nodecore.NewStaticPolicy(nodecore.StaticPolicyConfig{Topology: topo, NumReservedCPUs: 1,
		OptionGates: nodecore.DefaultCPUOptionGates, Options: map[string]string{"full-pcpus-only": "true"}})
	if err != nil {
		panic(err)
	}
	defer policy.Close()
	pod := &nodecore.Pod{UID: "pod-1", QOS: nodecore.QOSGuaranteed, Containers: []nodecore.Container{nodecore.NewContainer("app", 4000)}}
	cpus, err := policy.Allocate(pod, "app", nil)
	if err != nil {
		panic(err)
	}
	fmt.Println(cpus, policy.SharedCPUs())
	// Output:
	// 2,4,8,10 0-1,3,5-7,9,11
}

func ExampleRankPods() {
	pods := []nodecore.PodStats{
		{Priority: -1, MemoryRequest: 200 << 20, HasStats: true, HasMemoryWorkingSet: true, MemoryWorkingSetBytes: 100 << 20},
		{Priority: 1, MemoryRequest: 1 << 20, HasStats: true, HasMemoryWorkingSet: true, MemoryWorkingSetBytes: 2 << 20},
	}
	order, err := nodecore.RankPods(nodecore.SignalMemoryAvailable, nodecore.FsLayout{}, pods)
	if err != nil {
		panic(err)
	}
	fmt.Println(order) // the pod over its request goes first, whatever its priority
	// Output:
	// [1 0]
}
