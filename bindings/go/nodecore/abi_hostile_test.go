package nodecore

import (
	"errors"
	"strings"
	"testing"
)

// Hostile input through the Go API: whatever a caller passes, the answer is
// a value or an *Error with its documented status, never a crash.

func statusOf(err error) Status {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return -1
}

func TestHostileText(t *testing.T) {
	for _, tc := range []struct {
		text   string
		status Status
	}{
		{"0-3\xff", StatusInvalidUTF8},
		{"\xc0\xaf", StatusInvalidUTF8},
		{"0-1\x00,5", StatusParse},
		{"0-8192", StatusParse},
		{"0-18446744073709551616", StatusParse},
		{strings.Repeat("0-8191,", 300000) + "x", StatusParse},
	} {
		if _, err := ParseCPUSet(tc.text); statusOf(err) != tc.status {
			t.Errorf("ParseCPUSet(%.20q...) = %v, want %v", tc.text, err, tc.status)
		}
	}
	set, err := ParseCPUSet(strings.Repeat("0-8191,", 300000) + "0")
	if err != nil || set.Size() != 8192 {
		t.Fatalf("2 MiB of full ranges: %v, %v", set.Size(), err)
	}
	if _, err := Eval([]byte("{\"id\":\"\xff\"}")); statusOf(err) != StatusInvalidUTF8 {
		t.Errorf("Eval of invalid UTF-8 = %v", err)
	}
	deep := []byte(strings.Repeat("[", 100000) + strings.Repeat("]", 100000))
	if _, err := LoadTopologyJSON(deep); statusOf(err) != StatusInvalidInput {
		t.Errorf("deeply nested topology JSON = %v", err)
	}
	answer, err := EvalCase(deep)
	if err != nil || !strings.Contains(string(answer), "recursion limit") {
		t.Errorf("deeply nested case = %s, %v", answer, err)
	}
	// EvalCase joins a case's lines: two objects are one malformed case.
	if answer, err := EvalCase([]byte("{}\n{}")); err != nil || !strings.Contains(string(answer), `"invalid-input"`) {
		t.Errorf("two objects as one case = %s, %v", answer, err)
	}
}

func TestHostileNumbers(t *testing.T) {
	for _, ids := range [][]int{{-1}, {MaxCPUID + 1}, {1 << 40}} {
		if _, err := NewCPUSet(ids...); statusOf(err) != StatusInvalidArgument {
			t.Errorf("NewCPUSet(%v) = %v", ids, err)
		}
	}
	if (CPUSet{}).Contains(-1) || (CPUSet{}).Contains(1<<40) || (CPUSet{}).Size() != 0 {
		t.Error("the zero CPUSet is not empty")
	}
	topo, err := NamedTopology("dual-socket-ht")
	if err != nil {
		t.Fatal(err)
	}
	defer topo.Close()
	for _, cpu := range []int{-1, 12, 1 << 40} {
		if _, err := topo.CPUInfo(cpu); statusOf(err) != StatusInvalidArgument {
			t.Errorf("CPUInfo(%d) = %v", cpu, err)
		}
	}
	if _, err := TakeCPUs(topo, topo.CPUs(), -1, nil); statusOf(err) != StatusInvalidArgument {
		t.Errorf("TakeCPUs(-1) = %v", err)
	}
	if _, err := TakeCPUs(topo, topo.CPUs(), 1<<40, nil); statusOf(err) != StatusInsufficient {
		t.Errorf("TakeCPUs(1<<40) = %v", err)
	}
	if _, err := NewNUMAMask(64); statusOf(err) != StatusNUMANodeOutOfRange {
		t.Errorf("NewNUMAMask(64) = %v", err)
	}
}

func TestHostileStaticPolicyUse(t *testing.T) {
	if _, err := NewStaticPolicy(StaticPolicyConfig{}); statusOf(err) != StatusNullArgument {
		t.Errorf("a policy without a topology: %v", err)
	}
	topo, err := NamedTopology("dual-socket-ht")
	if err != nil {
		t.Fatal(err)
	}
	defer topo.Close()
	for _, cfg := range []StaticPolicyConfig{
		{Topology: topo, NumReservedCPUs: -1},
		{Topology: topo, NumReservedCPUs: 1 << 40},
		{Topology: topo, NumReservedCPUs: 1, StateDir: t.TempDir(), StateFile: "../escape"},
		{Topology: topo, NumReservedCPUs: 1, Options: map[string]string{"full-pcpus-only": "maybe"}},
		{Topology: topo, NumReservedCPUs: 1, OptionGates: 1 << 31},
	} {
		if p, err := NewStaticPolicy(cfg); err == nil {
			p.Close()
			t.Errorf("accepted %+v", cfg)
		}
	}
	p := newPolicy(t, "dual-socket-ht", StaticPolicyConfig{NumReservedCPUs: 1})
	pod := guaranteed("pod-1", 2)
	if _, err := p.Allocate(pod, "not-in-the-pod", nil); statusOf(err) != StatusInvalidArgument {
		t.Errorf("a container the pod lacks: %v", err)
	}
	for _, uid := range []string{"", "../../x", "pod\x00", "pod\xff", strings.Repeat("u", 300)} {
		if _, err := p.Allocate(guaranteed(uid, 1), "app", nil); err == nil {
			t.Errorf("allocated for pod UID %q", uid)
		}
	}
	// Whole CPUs only (a fraction runs in the shared pool): the most whole
	// CPUs an int64 of millicores holds.
	huge := &Pod{UID: "huge", QOS: QOSGuaranteed, Containers: []Container{NewContainer("app", (1<<63-1)/1000*1000)}}
	if _, err := p.Allocate(huge, "app", nil); statusOf(err) != StatusInsufficient {
		t.Errorf("an impossible request: %v", err)
	}
	state, err := p.State()
	if err != nil || len(state.Entries) != 0 {
		t.Fatalf("refusals changed the state: %+v %v", state, err)
	}
}
