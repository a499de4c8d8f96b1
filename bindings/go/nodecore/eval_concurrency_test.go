package nodecore

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// vectorLines is every case of tests/vectors, one per line.
func vectorLines(t *testing.T) [][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "tests", "vectors", "*.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no case files: %v", err)
	}
	var lines [][]byte
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		scanner := bufio.NewScanner(f)
		scanner.Buffer(make([]byte, 1<<20), 64<<20)
		for scanner.Scan() {
			if line := bytes.TrimSpace(scanner.Bytes()); len(line) > 0 {
				lines = append(lines, append([]byte(nil), line...))
			}
		}
		f.Close()
	}
	return lines
}

// TestConcurrencyEvalFrom64Goroutines answers every vector from 64
// goroutines at once, each in its own order, and requires the answers
// sequential evaluation gives, byte for byte.
func TestConcurrencyEvalFrom64Goroutines(t *testing.T) {
	lines := vectorLines(t)
	want := make([][]byte, len(lines))
	for i, line := range lines {
		answer, err := EvalCase(line)
		if err != nil {
			t.Fatal(err)
		}
		want[i] = answer
	}
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			// Each goroutine takes a stride of the cases, starting at its own
			// offset, so all of them run concurrently with different kinds.
			for i := g; i < len(lines); i += 7 {
				got, err := EvalCase(lines[i])
				if err != nil || !bytes.Equal(got, want[i]) {
					t.Errorf("case %d answered %s (%v), sequentially %s", i, got, err, want[i])
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

// TestConcurrencySharedHandlesFrom64Goroutines uses one topology, one
// topology policy and a few CPU sets from 64 goroutines at once, with the
// garbage collector running finalizers of the sets each call creates.
func TestConcurrencySharedHandlesFrom64Goroutines(t *testing.T) {
	topo, err := NamedTopology("quad-socket-four-way-ht")
	if err != nil {
		t.Fatal(err)
	}
	defer topo.Close()
	merger, err := NewTopologyPolicy(TopologyPolicyConfig{Policy: "best-effort", NUMANodes: []int{0, 1, 2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	defer merger.Close()
	a, b := MustParseCPUSet("0-99"), MustParseCPUSet("50-149")
	counts := topo.Counts()
	infos := make([]CPUInfo, goroutines)
	for cpu := range infos {
		if infos[cpu], err = topo.CPUInfo(cpu); err != nil {
			t.Fatal(err)
		}
	}
	cpu := []Hint{{Affinity: MustNUMAMask(0), Preferred: true}, {Affinity: MustNUMAMask(0, 1)}}
	memory := []Hint{{Affinity: MustNUMAMask(0), Preferred: true}}
	want, err := merger.Merge(ProviderHints{"cpu": cpu}, ProviderHints{"memory": memory})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if got := a.Union(b).Difference(a.Intersection(b)).String(); got != "0-49,100-149" {
					t.Errorf("set algebra gave %q", got)
					return
				}
				if topo.Counts() != counts || !topo.CPUs().Contains(g) {
					t.Error("the topology changed under concurrent reads")
					return
				}
				if info, err := topo.CPUInfo(g); err != nil || info != infos[g] {
					t.Errorf("CPU %d: %+v %v, before %+v", g, info, err, infos[g])
					return
				}
				got, err := merger.Merge(ProviderHints{"cpu": cpu}, ProviderHints{"memory": memory})
				if err != nil || got != want {
					t.Errorf("merge gave %+v (%v), want %+v", got, err, want)
					return
				}
				if i%10 == 0 {
					runtime.GC()
				}
			}
		}(g)
	}
	wg.Wait()
}
