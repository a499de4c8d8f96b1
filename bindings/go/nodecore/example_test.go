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
