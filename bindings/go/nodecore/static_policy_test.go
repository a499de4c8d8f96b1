package nodecore

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func newPolicy(t testing.TB, topology string, cfg StaticPolicyConfig) *StaticPolicy {
	t.Helper()
	topo, err := NamedTopology(topology)
	if err != nil {
		t.Fatal(err)
	}
	defer topo.Close()
	cfg.Topology = topo
	if cfg.OptionGates == 0 {
		cfg.OptionGates = DefaultCPUOptionGates
	}
	p, err := NewStaticPolicy(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

func guaranteed(uid string, cpus int64) *Pod {
	return &Pod{UID: uid, QOS: QOSGuaranteed, Containers: []Container{NewContainer("app", cpus*1000)}}
}

func wantStatus(t *testing.T, err error, status Status, part string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Status != status || !strings.Contains(e.Message, part) {
		t.Fatalf("error = %v, want status %v with %q", err, status, part)
	}
}

func TestStaticPolicyAllocatesAndReleases(t *testing.T) {
	p := newPolicy(t, "single-socket-ht", StaticPolicyConfig{NumReservedCPUs: 1})
	if got := p.ReservedCPUs().String(); got != "0" {
		t.Fatalf("reserved = %q", got)
	}
	cpus, err := p.Allocate(guaranteed("pod-1", 2), "app", nil)
	if err != nil || cpus.String() != "1,5" {
		t.Fatalf("Allocate = %v, %v", cpus, err)
	}
	for _, c := range []struct{ got, want string }{
		{p.SharedCPUs().String(), "0,2-4,6-7"},
		{p.AvailableCPUs().String(), "2-4,6-7"},
		{p.AllocatableCPUs().String(), "1-7"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	state, err := p.State()
	if err != nil || state.DefaultCPUSet.String() != "0,2-4,6-7" || state.Entries["pod-1"]["app"].String() != "1,5" {
		t.Fatalf("State = %+v, %v", state, err)
	}
	if mine, _ := p.CPUs("pod-1", "app"); mine.String() != "1,5" {
		t.Fatalf("CPUs = %v", mine)
	}
	burstable := guaranteed("pod-2", 2)
	burstable.QOS = QOSBurstable
	if cpus, err := p.Allocate(burstable, "app", nil); err != nil || !cpus.IsEmpty() {
		t.Fatalf("a Burstable container got %v, %v", cpus, err)
	}
	if err := p.RemoveContainer("pod-1", "app"); err != nil {
		t.Fatal(err)
	}
	if got := p.SharedCPUs().String(); got != "0-7" {
		t.Fatalf("shared after removal = %q", got)
	}
	if _, err := p.Allocate(guaranteed("pod-3", 1), "nope", nil); err == nil {
		t.Fatal("an unknown container was allocated")
	}
}

func TestStaticPolicyHintsSteerAllocation(t *testing.T) {
	p := newPolicy(t, "dual-socket-ht", StaticPolicyConfig{NumReservedCPUs: 1})
	pod := guaranteed("pod-1", 2)
	hints, err := p.TopologyHints(pod, "app")
	want := []Hint{{Affinity: MustNUMAMask(0), Preferred: true}, {Affinity: MustNUMAMask(1), Preferred: true}, {Affinity: MustNUMAMask(0, 1)}}
	if err != nil || len(hints) != len(want) {
		t.Fatalf("TopologyHints = %v, %v", hints, err)
	}
	for i := range want {
		if hints[i] != want[i] {
			t.Fatalf("TopologyHints = %v, want %v", hints, want)
		}
	}
	podHints, err := p.PodTopologyHints(pod)
	if err != nil || len(podHints) != 3 {
		t.Fatalf("PodTopologyHints = %v, %v", podHints, err)
	}
	cpus, err := p.Allocate(pod, "app", &hints[1])
	if err != nil || cpus.String() != "1,7" {
		t.Fatalf("Allocate on node 1 = %v, %v", cpus, err)
	}
	fractional := &Pod{UID: "pod-2", QOS: QOSGuaranteed, Containers: []Container{NewContainer("app", 500)}}
	if hints, err := p.TopologyHints(fractional, "app"); err != nil || hints != nil {
		t.Fatalf("a fractional container has hints %v, %v", hints, err)
	}
	huge := guaranteed("pod-3", 64)
	if hints, err := p.TopologyHints(huge, "app"); err != nil || hints == nil || len(hints) != 0 {
		t.Fatalf("an impossible request has hints %#v, %v", hints, err)
	}
}

func TestStaticPolicyInitContainerCPUsAreReused(t *testing.T) {
	p := newPolicy(t, "single-socket-ht", StaticPolicyConfig{NumReservedCPUs: 1})
	pod := &Pod{UID: "pod-1", QOS: QOSGuaranteed,
		InitContainers: []Container{NewContainer("init", 2000)},
		Containers:     []Container{{Name: "app", CPURequestMilli: 2000, CPULimitMilli: NoCPU}}}
	initCPUs, err := p.Allocate(pod, "init", nil)
	if err != nil {
		t.Fatal(err)
	}
	appCPUs, err := p.Allocate(pod, "app", nil)
	if err != nil || !appCPUs.Equals(initCPUs) {
		t.Fatalf("app %v, init %v, %v", appCPUs, initCPUs, err)
	}
}

func TestStaticPolicyRefusals(t *testing.T) {
	topo, _ := NamedTopology("single-socket-ht")
	defer topo.Close()
	_, err := NewStaticPolicy(StaticPolicyConfig{Topology: topo, NumReservedCPUs: 1, OptionGates: DefaultCPUOptionGates,
		Options: map[string]string{"align-by-socket": "true"}})
	wantStatus(t, err, StatusInvalidOptions, `option "align-by-socket" provided`)
	_, err = NewStaticPolicy(StaticPolicyConfig{Topology: topo, NumReservedCPUs: 1, Options: map[string]string{"distribute-cpus-across-numa": "true"}})
	wantStatus(t, err, StatusInvalidOptions, "Beta-level Options not enabled")
	_, err = NewStaticPolicy(StaticPolicyConfig{Topology: topo, NumReservedCPUs: 3, ReservedCPUs: MustParseCPUSet("0,4")})
	wantStatus(t, err, StatusInvalidReserved, "")
	_, err = NewStaticPolicy(StaticPolicyConfig{})
	wantStatus(t, err, StatusNullArgument, "Topology")

	p := newPolicy(t, "single-socket-ht", StaticPolicyConfig{NumReservedCPUs: 1, Options: map[string]string{"full-pcpus-only": "true"}})
	_, err = p.Allocate(guaranteed("pod-1", 3), "app", nil)
	wantStatus(t, err, StatusSMTAlignment, "requested 3 cpus not multiple cpus per core = 2")
	_, err = p.Allocate(guaranteed("pod/1", 2), "app", nil)
	wantStatus(t, err, StatusInvalidName, "pod UID")
	plain := newPolicy(t, "single-socket-ht", StaticPolicyConfig{NumReservedCPUs: 1})
	_, err = plain.Allocate(guaranteed("pod-1", 8), "app", nil)
	wantStatus(t, err, StatusInsufficient, "requested=8, available=7")
}

func TestStaticPolicyCheckpoint(t *testing.T) {
	dir := t.TempDir()
	cfg := StaticPolicyConfig{NumReservedCPUs: 1, StateDir: dir}
	p := newPolicy(t, "single-socket-ht", cfg)
	if _, err := p.Allocate(guaranteed("pod-1", 2), "app", nil); err != nil {
		t.Fatal(err)
	}
	p.Close()
	data, err := os.ReadFile(filepath.Join(dir, "cpu_manager_state"))
	if err != nil || !strings.HasPrefix(string(data), `{"policyName":"static","defaultCpuSet":"0,2-4,6-7","entries":{"pod-1":{"app":"1,5"}},"checksum":`) {
		t.Fatalf("checkpoint = %s, %v", data, err)
	}
	again := newPolicy(t, "single-socket-ht", cfg)
	if got := again.SharedCPUs().String(); got != "0,2-4,6-7" {
		t.Fatalf("restored shared pool = %q", got)
	}
	topo, _ := NamedTopology("dual-socket-ht")
	defer topo.Close()
	_, err = NewStaticPolicy(StaticPolicyConfig{Topology: topo, NumReservedCPUs: 1, StateDir: dir})
	wantStatus(t, err, StatusInvalidState, "")
}

func TestStaticPolicyConcurrentAllocationsShareNothing(t *testing.T) {
	p := newPolicy(t, "dual-socket-ht", StaticPolicyConfig{})
	results := make([]CPUSet, 6)
	var wg sync.WaitGroup
	for i := range results {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			cpus, err := p.Allocate(guaranteed("pod-"+string(rune('a'+i)), 2), "app", nil)
			if err != nil {
				t.Error(err)
			}
			results[i] = cpus
		}(i)
	}
	wg.Wait()
	all := CPUSet{}
	for _, cpus := range results {
		if cpus.Size() != 2 || !cpus.Intersection(all).IsEmpty() {
			t.Fatalf("overlapping or short allocation %v (so far %v)", cpus, all)
		}
		all = all.Union(cpus)
	}
}

func TestStaticPolicyCloseIsIdempotentAndUseAfterClosePanics(t *testing.T) {
	p := newPolicy(t, "single-socket-ht", StaticPolicyConfig{NumReservedCPUs: 1})
	p.Close()
	p.Close()
	defer func() {
		if recover() == nil {
			t.Fatal("use after Close did not panic")
		}
	}()
	p.SharedCPUs()
}

func TestForgottenPoliciesAreFreed(t *testing.T) {
	for i := 0; i < 100; i++ {
		newPolicyNoCleanup(t)
	}
	runtime.GC()
	runtime.GC()
}

func newPolicyNoCleanup(t *testing.T) {
	topo, err := NamedTopology("single-socket-ht")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewStaticPolicy(StaticPolicyConfig{Topology: topo, NumReservedCPUs: 1}); err != nil {
		t.Fatal(err)
	}
}

func TestTakeCPUs(t *testing.T) {
	topo, _ := NamedTopology("dual-socket-ht")
	defer topo.Close()
	cpus, err := TakeCPUs(topo, MustParseCPUSet("0-11"), 6, nil)
	if err != nil || cpus.String() != "0,2,4,6,8,10" {
		t.Fatalf("TakeCPUs = %v, %v", cpus, err)
	}
	_, err = TakeCPUs(topo, MustParseCPUSet("0-11"), 13, nil)
	wantStatus(t, err, StatusInsufficient, "requested=13, available=12")
	_, err = TakeCPUs(topo, MustParseCPUSet("0-11"), 2, map[string]string{"nope": "true"})
	wantStatus(t, err, StatusInvalidOptions, "unknown CPU Manager Policy option")
}

func TestDiscoverTopology(t *testing.T) {
	topo, err := DiscoverTopology()
	if err != nil {
		t.Fatal(err)
	}
	defer topo.Close()
	if counts := topo.Counts(); counts.NumCPUs < 1 || topo.CPUs().Size() != counts.NumCPUs {
		t.Fatalf("Counts = %+v", counts)
	}
	_, err = DiscoverTopologyAt(t.TempDir())
	wantStatus(t, err, StatusDiscovery, "")
	distances, err := DiscoverNUMADistances("")
	if err != nil {
		t.Fatal(err)
	}
	for node, row := range distances {
		if len(row) != len(distances) || row[node] != 10 {
			t.Errorf("node %d row %v", node, row)
		}
	}
}

func TestNUMAMask(t *testing.T) {
	m := MustNUMAMask(3, 0, 3)
	if m != 0b1001 || m.Count() != 2 || !m.IsSet(3) || m.IsSet(64) || m.String() != "[0 3]" {
		t.Fatalf("mask %b %v", uint64(m), m)
	}
	if _, err := NewNUMAMask(64); err == nil {
		t.Fatal("node 64 was accepted")
	}
	if AnyNodeHint(true).String() != "{<nil> true}" {
		t.Fatal(AnyNodeHint(true).String())
	}
}
