package nodecore

import "testing"

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
