package nodecore

import (
	"errors"
	"strings"
	"testing"
)

func TestNamedTopology(t *testing.T) {
	topo, err := NamedTopology("dual-socket-ht")
	if err != nil {
		t.Fatal(err)
	}
	defer topo.Close()
	want := TopologyCounts{NumCPUs: 12, NumCores: 6, NumSockets: 2, NumNUMANodes: 2, NumUncoreCaches: topo.Counts().NumUncoreCaches}
	if got := topo.Counts(); got != want || got.NumUncoreCaches < 1 {
		t.Fatalf("Counts = %+v", got)
	}
	info, err := topo.CPUInfo(7)
	if err != nil || info.Core != 1 || info.Socket != 1 || info.NUMANode != 1 {
		t.Fatalf("CPUInfo(7) = %+v, %v", info, err)
	}
	if got := topo.CPUs().String(); got != "0-11" {
		t.Fatalf("CPUs = %q", got)
	}
	for _, cpu := range []int{12, -1} {
		var e *Error
		if _, err := topo.CPUInfo(cpu); !errors.As(err, &e) || e.Status != StatusInvalidArgument {
			t.Errorf("CPUInfo(%d) error = %v", cpu, err)
		}
	}
}

func TestTopologyJSONRoundTrip(t *testing.T) {
	topo, err := NamedTopology("single-socket-ht")
	if err != nil {
		t.Fatal(err)
	}
	defer topo.Close()
	data, err := topo.MarshalJSON()
	if err != nil || !strings.HasPrefix(string(data), `{"cpus":[`) {
		t.Fatalf("MarshalJSON = %.40s, %v", data, err)
	}
	again, err := LoadTopologyJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if again.Counts() != topo.Counts() || !again.CPUs().Equals(topo.CPUs()) {
		t.Fatal("the JSON form does not load back to the same topology")
	}
	byName, err := LoadTopologyJSON([]byte(`"single-socket-ht"`))
	if err != nil {
		t.Fatal(err)
	}
	defer byName.Close()
	if byName.Counts() != topo.Counts() {
		t.Fatal("a JSON name does not load the named topology")
	}
}

func TestTopologyErrorsCarryTheirKinds(t *testing.T) {
	for _, tc := range []struct {
		json   string
		status Status
		kind   string
	}{
		{`{"cpus":[]}`, StatusInvalidTopology, "invalid-topology"},
		{`"no-such-machine"`, StatusUnknownTopology, "unknown-topology"},
		{`{`, StatusInvalidInput, "invalid-input"},
		{``, StatusInvalidInput, "invalid-input"},
	} {
		_, err := LoadTopologyJSON([]byte(tc.json))
		var e *Error
		if !errors.As(err, &e) || e.Status != tc.status || e.Kind != tc.kind || e.Message == "" {
			t.Errorf("LoadTopologyJSON(%q) error = %v", tc.json, err)
		}
	}
	if _, err := NamedTopology("no-such-machine"); !errors.Is(err, &Error{Status: StatusUnknownTopology}) {
		t.Errorf("NamedTopology error = %v", err)
	}
}

func TestTopologyNames(t *testing.T) {
	names, err := TopologyNames()
	if err != nil || len(names) == 0 {
		t.Fatalf("TopologyNames = %v, %v", names, err)
	}
	for _, name := range names {
		topo, err := NamedTopology(name)
		if err != nil {
			t.Errorf("NamedTopology(%q): %v", name, err)
			continue
		}
		topo.Close()
	}
}

func TestCloseIsIdempotentAndUseAfterClosePanics(t *testing.T) {
	topo, err := NamedTopology("dual-socket-ht")
	if err != nil {
		t.Fatal(err)
	}
	if topo.Close() != nil || topo.Close() != nil {
		t.Fatal("Close failed")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("use after Close did not panic")
		}
	}()
	topo.Counts()
}
