package nodecore

import (
	"fmt"
	"math/rand"
	"sync"
	"sync/atomic"
	"testing"
)

// The concurrency tests run under the race detector in make test
// (go test -race -run Concurrency): 64 goroutines share each handle.
const goroutines = 64

// checkState says why a state is not one the static policy can be in: a
// CPU held by two containers or by a container and the shared pool, or pool
// plus assignments other than the machine's CPUs.
func checkState(state StaticPolicyState, machine CPUSet) error {
	held := CPUSet{}
	for pod, containers := range state.Entries {
		for name, cpus := range containers {
			if cpus.IsEmpty() || !cpus.Intersection(held).IsEmpty() || !cpus.Intersection(state.DefaultCPUSet).IsEmpty() {
				return fmt.Errorf("%s/%s holds %v, overlapping others (%v) or the pool (%v)", pod, name, cpus, held, state.DefaultCPUSet)
			}
			held = held.Union(cpus)
		}
	}
	if !held.Union(state.DefaultCPUSet).Equals(machine) {
		return fmt.Errorf("pool %v plus assignments %v is not the machine %v", state.DefaultCPUSet, held, machine)
	}
	return nil
}

// TestConcurrencyStaticPolicyFrom64Goroutines shares one checkpoint-backed
// policy between 64 goroutines that allocate, re-allocate, remove, ask for
// hints and read the state, while another restores the checkpoint file
// with a policy of its own over and over: every state seen is consistent,
// every container keeps its CPUs until removed, and the file always
// restores.
func TestConcurrencyStaticPolicyFrom64Goroutines(t *testing.T) {
	const machineName = "dual-socket-multi-numa-per-socket-ht" // 80 CPUs
	dir := t.TempDir()
	p := newPolicy(t, machineName, StaticPolicyConfig{NumReservedCPUs: 2, StateDir: dir})
	topo, err := NamedTopology(machineName)
	if err != nil {
		t.Fatal(err)
	}
	defer topo.Close()
	machine := topo.CPUs()

	done := make(chan struct{})
	var restores atomic.Int64
	restorer := make(chan error, 1)
	go func() {
		for {
			select {
			case <-done:
				restorer <- nil
				return
			default:
			}
			again, err := NewStaticPolicy(StaticPolicyConfig{Topology: topo, NumReservedCPUs: 2, StateDir: dir,
				OptionGates: DefaultCPUOptionGates})
			if err != nil {
				restorer <- fmt.Errorf("the checkpoint does not restore: %w", err)
				return
			}
			state, err := again.State()
			again.Close()
			if err == nil {
				err = checkState(state, machine)
			}
			if err != nil {
				restorer <- err
				return
			}
			restores.Add(1)
		}
	}()

	var allocated atomic.Int64
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(int64(g) + 1))
			mine := map[string]CPUSet{}
			for step := 0; step < 12; step++ {
				switch op := rng.Intn(10); {
				case op < 5:
					uid := fmt.Sprintf("g%d-p%d", g, step)
					cpus, err := p.Allocate(guaranteed(uid, int64(1+rng.Intn(3))), "app", nil)
					if err != nil {
						if statusOf(err) != StatusInsufficient {
							t.Errorf("allocating %s: %v", uid, err)
						}
						continue
					}
					mine[uid] = cpus
					allocated.Add(1)
				case op < 7:
					for uid := range mine {
						if err := p.RemoveContainer(uid, "app"); err != nil {
							t.Error(err)
						}
						delete(mine, uid)
						break
					}
				case op < 8:
					if _, err := p.TopologyHints(guaranteed(fmt.Sprintf("g%d-h%d", g, step), 2), "app"); err != nil {
						t.Error(err)
					}
				default:
					state, err := p.State()
					if err == nil {
						err = checkState(state, machine)
					}
					if err != nil {
						t.Error(err)
						return
					}
				}
				for uid, cpus := range mine {
					got, err := p.CPUs(uid, "app")
					if err != nil || !got.Equals(cpus) {
						t.Errorf("%s had %v, now %v (%v)", uid, cpus, got, err)
					}
				}
			}
			for uid := range mine {
				if err := p.RemoveContainer(uid, "app"); err != nil {
					t.Error(err)
				}
			}
		}(g)
	}
	wg.Wait()
	close(done)
	if err := <-restorer; err != nil {
		t.Fatal(err)
	}
	state, err := p.State()
	if err == nil {
		err = checkState(state, machine)
	}
	if err != nil {
		t.Fatal(err)
	}
	if len(state.Entries) != 0 || !state.DefaultCPUSet.Equals(machine) {
		t.Fatalf("after every removal the state is %+v", state)
	}
	if allocated.Load() < goroutines || restores.Load() == 0 {
		t.Fatalf("only %d allocations and %d restores", allocated.Load(), restores.Load())
	}
}

// TestConcurrencyStaticPolicyRaceForTheLastCPUs starts 64 two-CPU
// allocations at once on 78 assignable CPUs: exactly 39 win.
func TestConcurrencyStaticPolicyRaceForTheLastCPUs(t *testing.T) {
	p := newPolicy(t, "dual-socket-multi-numa-per-socket-ht", StaticPolicyConfig{NumReservedCPUs: 2, StateDir: t.TempDir()})
	start := make(chan struct{})
	results := make([]error, goroutines)
	var wg sync.WaitGroup
	for g := range results {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			<-start
			_, results[g] = p.Allocate(guaranteed(fmt.Sprintf("pod-%d", g), 2), "app", nil)
		}(g)
	}
	close(start)
	wg.Wait()
	won := 0
	for _, err := range results {
		if err == nil {
			won++
		} else {
			wantStatus(t, err, StatusInsufficient, "")
		}
	}
	if won != 39 {
		t.Fatalf("%d allocations succeeded, want 39", won)
	}
	state, err := p.State()
	if err != nil {
		t.Fatal(err)
	}
	if state.DefaultCPUSet.Size() != 2 {
		t.Fatalf("shared pool %v, want the 2 reserved CPUs", state.DefaultCPUSet)
	}
}
