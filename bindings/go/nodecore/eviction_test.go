package nodecore

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"
)

func quantityBytes(t *testing.T, v any) *int64 {
	switch q := v.(type) {
	case nil:
		return nil
	case float64:
		n := int64(q)
		return &n
	case string:
		var n int64
		var unit string
		if _, err := fmt.Sscanf(q, "%d%s", &n, &unit); err != nil {
			n, unit = 0, ""
			fmt.Sscanf(q, "%d", &n)
		}
		scale := map[string]int64{"": 1, "Ki": 1 << 10, "Mi": 1 << 20, "Gi": 1 << 30, "k": 1000, "M": 1000000, "G": 1000000000}
		s, ok := scale[unit]
		if !ok {
			t.Fatalf("quantity %q", q)
		}
		n *= s
		return &n
	}
	t.Fatalf("quantity %v", v)
	return nil
}

func orZero(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

// TestEvictionRankVectors runs every eviction.rank case through PodRequests
// and RankPods.
func TestEvictionRankVectors(t *testing.T) {
	checked := 0
	for _, c := range readCases(t, "eviction.jsonl") {
		if c["kind"] != "eviction.rank" {
			continue
		}
		input := c["input"].(map[string]any)
		signal, err := ParseSignal(input["signal"].(string))
		if err != nil {
			t.Fatal(err)
		}
		rawPods := input["pods"].([]any)
		pods := make([]PodStats, len(rawPods))
		for i, raw := range rawPods {
			p := raw.(map[string]any)
			if containers, ok := p["containers"].([]any); ok {
				var reqs []ContainerRequests
				for _, rc := range containers {
					cm := rc.(map[string]any)
					kind := ContainerRegular
					if cm["init"] == true {
						kind = ContainerInit
						if cm["restartable"] == true {
							kind = ContainerSidecar
						}
					}
					r, _ := cm["requests"].(map[string]any)
					reqs = append(reqs, ContainerRequests{Kind: kind, Memory: quantityBytes(t, r["memory"]), EphemeralStorage: quantityBytes(t, r["ephemeral-storage"])})
				}
				var overhead *ContainerRequests
				if o, ok := p["overhead"].(map[string]any); ok {
					overhead = &ContainerRequests{Memory: quantityBytes(t, o["memory"]), EphemeralStorage: quantityBytes(t, o["ephemeral-storage"])}
				}
				if pods[i].MemoryRequest, pods[i].EphemeralStorageRequest, err = PodRequests(reqs, overhead); err != nil {
					t.Fatal(err)
				}
			} else {
				r, _ := p["requests"].(map[string]any)
				pods[i].MemoryRequest = orZero(quantityBytes(t, r["memory"]))
				pods[i].EphemeralStorageRequest = orZero(quantityBytes(t, r["ephemeral-storage"]))
			}
			if priority, ok := p["priority"].(float64); ok {
				pods[i].Priority = int32(priority)
			}
			if stats, ok := p["stats"].(map[string]any); ok {
				u := func(key string) (uint64, bool) {
					f, ok := stats[key].(float64)
					return uint64(f), ok
				}
				pods[i].HasStats = true
				pods[i].MemoryWorkingSetBytes, pods[i].HasMemoryWorkingSet = u("memory_working_set")
				pods[i].ProcessCount, pods[i].HasProcessCount = u("processes")
				pods[i].RootfsUsedBytes, _ = u("rootfs_used")
				pods[i].RootfsInodesUsed, _ = u("rootfs_inodes_used")
				pods[i].LogsUsedBytes, _ = u("logs_used")
				pods[i].LogsInodesUsed, _ = u("logs_inodes_used")
				pods[i].VolumesUsedBytes, _ = u("volumes_used")
				pods[i].VolumesInodesUsed, _ = u("volumes_inodes_used")
			}
		}
		layout := FsLayout{DedicatedImageFs: input["image_fs"] == true, SplitContainerFs: input["container_fs"] == true}
		order, err := RankPods(signal, layout, pods)
		if err != nil {
			t.Fatal(err)
		}
		want := c["expect"].(map[string]any)["order"].([]any)
		for i, index := range order {
			if rawPods[index].(map[string]any)["name"] != want[i] {
				t.Errorf("%s: order %v, want %v", c["id"], order, want)
				break
			}
		}
		checked++
	}
	if checked != 182 {
		t.Fatalf("%d rank cases", checked)
	}
}

func TestEvictionThresholds(t *testing.T) {
	thresholds, err := EvictionThresholds(EvictionConfig{
		EvictionHard:            map[string]string{"memory.available": "100Mi", "nodefs.available": "10%"},
		EvictionSoft:            map[string]string{"memory.available": "500Mi"},
		EvictionSoftGracePeriod: map[string]string{"memory.available": "1m30s"},
		EvictionMinimumReclaim:  map[string]string{"nodefs.available": "1Gi"},
		EnforceNodeAllocatable:  []string{"pods"},
	})
	if err != nil || len(thresholds) != 4 {
		t.Fatalf("EvictionThresholds = %+v, %v", thresholds, err)
	}
	if th := thresholds[0]; th.Signal != SignalMemoryAvailable || th.Value.Quantity != 100<<20 || th.GracePeriod != 0 {
		t.Errorf("hard memory threshold %+v", th)
	}
	if th := thresholds[1]; !th.Value.IsPercentage || th.Value.Percentage != 0.1 || th.MinReclaim == nil || th.MinReclaim.Quantity != 1<<30 {
		t.Errorf("nodefs threshold %+v", th)
	}
	if th := thresholds[2]; th.GracePeriod != 90*time.Second || th.Value.Quantity != 500<<20 {
		t.Errorf("soft threshold %+v", th)
	}
	if thresholds[3].Signal != SignalAllocatableMemoryAvailable || thresholds[3].Signal.String() != "allocatableMemory.available" {
		t.Errorf("allocatable copy %+v", thresholds[3])
	}
	_, err = EvictionThresholds(EvictionConfig{EvictionHard: map[string]string{"memory.available": "-1"}})
	wantStatus(t, err, StatusInvalidThreshold, "must be positive")
	_, err = ParseSignal("memory.free")
	wantStatus(t, err, StatusInvalidThreshold, "unsupported eviction signal")
	if Signal(99).String() != "Signal(99)" {
		t.Error(Signal(99).String())
	}
	if _, err := RankPods(Signal(99), FsLayout{}, nil); err == nil {
		t.Error("an unknown signal ranked")
	}
}

// The thresholds case file compared field by field, rows in its order.
func TestEvictionThresholdVectors(t *testing.T) {
	checked := 0
	for _, c := range readCases(t, "eviction.jsonl") {
		if c["kind"] != "eviction.thresholds" {
			continue
		}
		input := c["input"].(map[string]any)
		strings := func(key string) map[string]string {
			m, _ := input[key].(map[string]any)
			out := map[string]string{}
			for k, v := range m {
				out[k] = v.(string)
			}
			return out
		}
		cfg := EvictionConfig{EvictionHard: strings("hard"), EvictionSoft: strings("soft"),
			EvictionSoftGracePeriod: strings("soft_grace"), EvictionMinimumReclaim: strings("min_reclaim")}
		if input["allocatable_enforced"] == true {
			cfg.EnforceNodeAllocatable = []string{"pods"}
		}
		thresholds, err := EvictionThresholds(cfg)
		expect := c["expect"].(map[string]any)
		if kind, isError := expect["error"]; isError {
			var e *Error
			if !errors.As(err, &e) || e.Kind != kind {
				t.Errorf("%s: %v, want %v", c["id"], err, kind)
			}
			checked++
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c["id"], err)
		}
		sort.SliceStable(thresholds, func(i, j int) bool {
			a, b := thresholds[i], thresholds[j]
			if a.Signal.String() != b.Signal.String() {
				return a.Signal.String() < b.Signal.String()
			}
			return a.GracePeriod < b.GracePeriod
		})
		rows := expect["thresholds"].([]any)
		if len(rows) != len(thresholds) {
			t.Fatalf("%s: %d thresholds, want %d", c["id"], len(thresholds), len(rows))
		}
		for i, raw := range rows {
			row := raw.(map[string]any)
			th := thresholds[i]
			same := th.Signal.String() == row["signal"] && sameValue(th.Value, row["quantity"], row["percentage"]) &&
				th.GracePeriod.Seconds() == row["grace_period_s"].(float64)
			if th.MinReclaim == nil {
				same = same && row["min_reclaim_quantity"] == nil && row["min_reclaim_percentage"] == nil
			} else {
				same = same && sameValue(*th.MinReclaim, row["min_reclaim_quantity"], row["min_reclaim_percentage"])
			}
			if !same {
				t.Errorf("%s row %d: %+v, want %v", c["id"], i, th, row)
			}
		}
		checked++
	}
	if checked != 55 {
		t.Fatalf("%d threshold cases", checked)
	}
}

func sameValue(v ThresholdValue, quantity, percentage any) bool {
	if v.IsPercentage {
		p, ok := percentage.(float64)
		return ok && quantity == nil && (float64(v.Percentage) == p || (math.IsNaN(p) && math.IsNaN(float64(v.Percentage))))
	}
	q, ok := quantity.(float64)
	return ok && percentage == nil && float64(v.Quantity) == q
}

func TestPIDs(t *testing.T) {
	node, err := ReadNodePIDs("")
	if available, ok := node.Available(); err != nil || !ok || available <= 0 {
		t.Fatalf("ReadNodePIDs = %+v, %v", node, err)
	}
	pod := t.TempDir()
	for name, procs := range map[string]string{"a": "1\n2\n", "b": "3\n"} {
		if err := os.MkdirAll(filepath.Join(pod, name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(pod, name, "cgroup.procs"), []byte(procs), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if count, ok, err := PodProcessCount(pod); err != nil || !ok || count != 3 {
		t.Fatalf("PodProcessCount = %d, %v, %v", count, ok, err)
	}
	_, _, err = PodProcessCount(filepath.Join(pod, "missing"))
	wantStatus(t, err, StatusIO, "missing")
}
