package nodecore

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func readCases(t *testing.T, file string) []map[string]any {
	f, err := os.Open(filepath.Join("..", "..", "..", "tests", "vectors", file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []map[string]any
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<20), 64<<20)
	for scanner.Scan() {
		var c map[string]any
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

// TestCgroupVectors runs the cgroups.name cases through CgroupPath and
// swap.limit through ContainerSwap.
func TestCgroupVectors(t *testing.T) {
	names := 0
	for _, c := range readCases(t, "cgroups.jsonl") {
		if c["kind"] != "cgroups.name" {
			continue
		}
		input := c["input"].(map[string]any)
		expect := c["expect"].(map[string]any)
		var components []string
		for _, part := range input["name"].([]any) {
			components = append(components, part.(string))
		}
		driver := CgroupDriverCgroupfs
		if input["driver"] == "systemd" {
			driver = CgroupDriverSystemd
		}
		path, err := CgroupPath(components, driver)
		var e *Error
		switch {
		case expect["error"] != nil:
			if !errors.As(err, &e) || e.Kind != expect["error"] {
				t.Errorf("%s: %q, %v; want %v", c["id"], path, err, expect["error"])
			}
		case err != nil || path != expect["path"]:
			t.Errorf("%s: %q, %v; want %v", c["id"], path, err, expect["path"])
		}
		names++
	}
	swaps := 0
	qos := map[string]QOSClass{"Guaranteed": QOSGuaranteed, "Burstable": QOSBurstable, "BestEffort": QOSBestEffort}
	for _, c := range readCases(t, "swap.jsonl") {
		input := c["input"].(map[string]any)
		expect := c["expect"].(map[string]any)
		behavior := NoSwap
		switch input["swap_behavior"] {
		case "LimitedSwap":
			behavior = LimitedSwap
		case "NoSwap", "":
		default:
			continue
		}
		number := func(key string) int64 {
			f, _ := input[key].(float64)
			return int64(f)
		}
		setting, err := ContainerSwap(ContainerSwapInput{CgroupVersion: 2, SwapController: true, Behavior: behavior,
			NodeSwapGate: true, QOS: qos[input["qos"].(string)], Critical: input["critical"].(bool),
			MemoryRequest: number("memory_request"), MemoryLimit: number("memory_limit"),
			NodeMemory: number("node_memory"), NodeSwap: number("node_swap")})
		want, limited := expect["swap_max"].(float64)
		if err != nil || (setting.Kind == SwapMax) != limited || (limited && setting.SwapMax != int64(want)) {
			t.Errorf("%s: %+v, %v; want %v", c["id"], setting, err, expect["swap_max"])
		}
		swaps++
	}
	if names < 40 || swaps < 30 {
		t.Fatalf("only %d name and %d swap cases", names, swaps)
	}
}

func TestCgroupPathsAndConversions(t *testing.T) {
	path, err := ConvertCgroupPath("/kubepods/burstable", CgroupDriverCgroupfs, CgroupDriverSystemd)
	if err != nil || path != "/kubepods.slice/kubepods-burstable.slice" {
		t.Fatalf("ConvertCgroupPath = %q, %v", path, err)
	}
	path, err = PodCgroupPath("", true, QOSBestEffort, "6e8d8e5a-36b3", CgroupDriverCgroupfs)
	if err != nil || path != "/kubepods/besteffort/pod6e8d8e5a-36b3" {
		t.Fatalf("PodCgroupPath = %q, %v", path, err)
	}
	_, err = PodCgroupPath("", true, QOSBurstable, "../etc", CgroupDriverCgroupfs)
	wantStatus(t, err, StatusInvalidName, "../etc")
	long := make([]string, 40)
	for i := range long {
		long[i] = "component-with-a-long-name"
	}
	if path, err := CgroupPath(long, CgroupDriverSystemd); err != nil || len(path) < 1000 {
		t.Fatalf("a long path: %d bytes, %v", len(path), err)
	}
	if MilliCPUToShares(1000) != 1024 || MilliCPUToQuota(1500, 100000) != 150000 ||
		CPUSharesToWeightLinear(1024) != 39 || CPUSharesToWeightQuadratic(1024) != 100 || CPUWeightToShares(39) != 998 {
		t.Fatal("a conversion differs from the kubelet's")
	}
	if high, set := MemoryHigh(128<<20, 256<<20, 0, 0.9, 4096); !set || high != 255012864 {
		t.Fatalf("MemoryHigh = %d, %v", high, set)
	}
	if _, set := MemoryHigh(1<<20, 1<<20, 0, 0.9, 4096); set {
		t.Fatal("memory.high set for equal request and limit")
	}
	if bytes, err := LimitedSwapBytes(1<<30, 40<<30, 5<<30); err != nil || bytes != 134217728 {
		t.Fatalf("LimitedSwapBytes = %d, %v", bytes, err)
	}
	_, err = LimitedSwapBytes(1, 0, 1)
	wantStatus(t, err, StatusInvalidConfiguration, "total node memory is 0")
	_, err = ContainerSwap(ContainerSwapInput{CgroupVersion: 3})
	wantStatus(t, err, StatusInvalidArgument, "cgroup_version")
}
