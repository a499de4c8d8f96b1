package nodecore

import (
	"bufio"
	"encoding/json"
	"errors"
	"math/rand"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

type mergeCase struct {
	ID    string `json:"id"`
	Input struct {
		Policy    string              `json:"policy"`
		NUMANodes []int               `json:"numa_nodes"`
		Distances map[string][]uint64 `json:"distances"`
		Options   map[string]string   `json:"options"`
		Providers []map[string]*[]struct {
			Affinity  *[]int
			Preferred bool
		}
	} `json:"input"`
	Expect struct {
		Affinity  *[]int `json:"affinity"`
		Preferred bool   `json:"preferred"`
		Admit     bool   `json:"admit"`
		Error     string `json:"error"`
	} `json:"expect"`
}

func mergeCases(t testing.TB) []mergeCase {
	f, err := os.Open(filepath.Join("..", "..", "..", "tests", "vectors", "topology-merge.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []mergeCase
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<20), 16<<20)
	for scanner.Scan() {
		var c mergeCase
		if err := json.Unmarshal(scanner.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, c)
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	return cases
}

func (c *mergeCase) config() TopologyPolicyConfig {
	distances := map[int][]uint64{}
	for node, row := range c.Input.Distances {
		id, _ := strconv.Atoi(node)
		distances[id] = row
	}
	return TopologyPolicyConfig{Policy: c.Input.Policy, NUMANodes: c.Input.NUMANodes, Distances: distances, Options: c.Input.Options}
}

func (c *mergeCase) providers() []ProviderHints {
	var providers []ProviderHints
	for _, provider := range c.Input.Providers {
		answer := ProviderHints{}
		for resource, hints := range provider {
			if hints == nil {
				answer[resource] = nil
				continue
			}
			list := []Hint{}
			for _, h := range *hints {
				if h.Affinity == nil {
					list = append(list, AnyNodeHint(h.Preferred))
				} else {
					list = append(list, Hint{Affinity: MustNUMAMask(*h.Affinity...), Preferred: h.Preferred})
				}
			}
			answer[resource] = list
		}
		providers = append(providers, answer)
	}
	return providers
}

func (c *mergeCase) matches(r MergeResult) bool {
	e := c.Expect
	if (e.Affinity == nil) != r.Hint.AnyNode || r.Hint.Preferred != e.Preferred || r.Admit != e.Admit {
		return false
	}
	return e.Affinity == nil || MustNUMAMask(*e.Affinity...) == r.Hint.Affinity
}

// TestMergeVectors runs every topology.merge case through the typed API,
// one Merge per case and then one MergeBatch per configuration.
func TestMergeVectors(t *testing.T) {
	batches := map[string][]mergeCase{}
	merged, refused := 0, 0
	for _, c := range mergeCases(t) {
		p, err := NewTopologyPolicy(c.config())
		if err == nil {
			var r MergeResult
			r, err = p.Merge(c.providers()...)
			p.Close()
			if err == nil {
				if !c.matches(r) {
					t.Errorf("%s: got %+v, want %+v", c.ID, r, c.Expect)
				}
				key, _ := json.Marshal(c.config())
				batches[string(key)] = append(batches[string(key)], c)
				merged++
				continue
			}
		}
		var e *Error
		if !errors.As(err, &e) || e.Kind != c.Expect.Error {
			t.Errorf("%s: error %v, want kind %q", c.ID, err, c.Expect.Error)
		}
		refused++
	}
	for _, cases := range batches {
		p, err := NewTopologyPolicy(cases[0].config())
		if err != nil {
			t.Fatal(err)
		}
		var b HintBatch
		for i := range cases {
			b.AddPod(cases[i].providers()...)
		}
		results, err := p.MergeBatch(&b, nil)
		p.Close()
		if err != nil || len(results) != len(cases) {
			t.Fatalf("MergeBatch = %d results, %v", len(results), err)
		}
		for i := range cases {
			if !cases[i].matches(results[i]) {
				t.Errorf("%s in a batch: got %+v", cases[i].ID, results[i])
			}
		}
	}
	t.Logf("topology.merge: %d merged, %d refused, in %d batches", merged, refused, len(batches))
}

func TestMergeDistinguishesNoPreferenceFromCannotSatisfy(t *testing.T) {
	p, err := NewTopologyPolicy(TopologyPolicyConfig{Policy: "restricted", NUMANodes: []int{0, 1}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	cpu := ProviderHints{"cpu": {{Affinity: MustNUMAMask(1), Preferred: true}}}
	for _, tc := range []struct {
		other ProviderHints
		admit bool
	}{
		{ProviderHints{}, true},
		{ProviderHints{"gpu": nil}, true},
		{ProviderHints{"gpu": []Hint{}}, false},
	} {
		r, err := p.Merge(cpu, tc.other)
		if err != nil || r.Admit != tc.admit {
			t.Errorf("Merge(cpu, %v) = %+v, %v", tc.other, r, err)
		}
	}
	var b HintBatch
	b.OpenPod()
	b.AddList([]Hint{{Affinity: MustNUMAMask(0), Preferred: true}})
	b.AddList(nil)
	b.AddPod()
	results, err := p.MergeBatch(&b, nil)
	if err != nil || len(results) != 2 || results[0].Hint.Affinity != MustNUMAMask(0) || !results[1].Hint.Preferred {
		t.Fatalf("MergeBatch = %+v, %v", results, err)
	}
	b.Reset()
	if b.Len() != 0 {
		t.Fatal("Reset kept pods")
	}
}

func TestTopologyPolicyRefusals(t *testing.T) {
	_, err := NewTopologyPolicy(TopologyPolicyConfig{Policy: "fastest", NUMANodes: []int{0}})
	wantStatus(t, err, StatusUnknownPolicy, "fastest")
	_, err = NewTopologyPolicy(TopologyPolicyConfig{Policy: "best-effort", NUMANodes: []int{0, 1},
		Options: map[string]string{"prefer-closest-numa-nodes": "true"}})
	wantStatus(t, err, StatusMissingDistances, "no distance row")
	_, err = NewTopologyPolicy(TopologyPolicyConfig{Policy: "best-effort", NUMANodes: []int{0, 1, 2, 3, 4, 5, 6, 7, 8}})
	wantStatus(t, err, StatusTooManyNUMANodes, "more than 8")
}

// randomProviders are providers answers of the shape the benchmarks use:
// every mask of nodes NUMA nodes per provider, some preferred.
func randomProviders(r *rand.Rand, nodes, providers int) []ProviderHints {
	var answers []ProviderHints
	for i := 0; i < providers; i++ {
		var hints []Hint
		for mask := 1; mask < 1<<nodes; mask++ {
			if r.Intn(3) == 0 || NUMAMask(mask).Count() == 1 {
				hints = append(hints, Hint{Affinity: NUMAMask(mask), Preferred: NUMAMask(mask).Count() <= 1+r.Intn(2)})
			}
		}
		answers = append(answers, ProviderHints{"resource-" + strconv.Itoa(i): hints})
	}
	return answers
}
