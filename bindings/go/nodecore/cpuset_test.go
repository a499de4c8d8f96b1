package nodecore

import (
	"encoding/json"
	"errors"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func TestParseCPUSetAndStringRoundTrip(t *testing.T) {
	for text, want := range map[string]string{
		"":             "",
		"0":            "0",
		"3,0-2":        "0-3",
		"0-3,8,10-11":  "0-3,8,10-11",
		"5,4,3,9,8,7":  "3-5,7-9",
		"1,3,5,7":      "1,3,5,7",
		"0-1,1-2,8191": "0-2,8191",
		"+1":           "1",
	} {
		set, err := ParseCPUSet(text)
		if err != nil {
			t.Errorf("ParseCPUSet(%q): %v", text, err)
			continue
		}
		if got := set.String(); got != want {
			t.Errorf("ParseCPUSet(%q).String() = %q, want %q", text, got, want)
		}
	}
}

func TestParseCPUSetErrorsAreUpstreams(t *testing.T) {
	for text, part := range map[string]string{
		"3-1":    `invalid range "3-1" (3 > 1)`,
		"1-":     `strconv.Atoi: parsing "": invalid syntax`,
		"a":      `strconv.Atoi: parsing "a": invalid syntax`,
		"0-9000": "8191",
	} {
		_, err := ParseCPUSet(text)
		var e *Error
		if !errors.As(err, &e) || e.Status != StatusParse || e.Kind != "parse" || !strings.Contains(e.Message, part) {
			t.Errorf("ParseCPUSet(%q) error = %v, want a parse error containing %q", text, err, part)
		}
		if !errors.Is(err, &Error{Status: StatusParse}) {
			t.Errorf("errors.Is(%v, StatusParse) is false", err)
		}
	}
}

func TestLongSetsFormatPastTheStackBuffer(t *testing.T) {
	cpus := make([]int, 0, 4096)
	for cpu := 0; cpu < 8192; cpu += 2 {
		cpus = append(cpus, cpu)
	}
	set, err := NewCPUSet(cpus...)
	if err != nil {
		t.Fatal(err)
	}
	text := set.String()
	if strings.Count(text, ",") != 4095 || !strings.HasSuffix(text, ",8190") {
		t.Fatalf("String() of every even CPU = %.40q...", text)
	}
	if again := MustParseCPUSet(text); !again.Equals(set) {
		t.Fatal("the long text does not parse back to the same set")
	}
}

func TestNewCPUSetChecksIDs(t *testing.T) {
	set, err := NewCPUSet(5, 1, 2, 5)
	if err != nil || set.String() != "1-2,5" || !reflect.DeepEqual(set.List(), []int{1, 2, 5}) {
		t.Fatalf("NewCPUSet = %v, %v", set, err)
	}
	for _, bad := range []int{-1, MaxCPUID + 1} {
		_, err := NewCPUSet(0, bad)
		var e *Error
		if !errors.As(err, &e) || e.Status != StatusInvalidArgument {
			t.Errorf("NewCPUSet(0, %d) error = %v", bad, err)
		}
	}
}

func TestSetAlgebra(t *testing.T) {
	a, b := MustParseCPUSet("0-5"), MustParseCPUSet("4-9")
	for name, tc := range map[string]struct {
		got  CPUSet
		want string
	}{
		"union":        {a.Union(b), "0-9"},
		"union-many":   {a.Union(b, MustParseCPUSet("20")), "0-9,20"},
		"union-none":   {a.Union(), "0-5"},
		"intersection": {a.Intersection(b), "4-5"},
		"difference":   {a.Difference(b), "0-3"},
	} {
		if tc.got.String() != tc.want {
			t.Errorf("%s = %q, want %q", name, tc.got, tc.want)
		}
	}
	if !a.Intersection(b).IsSubsetOf(a) || a.IsSubsetOf(b) || a.Equals(b) || !a.Equals(MustParseCPUSet("0-5")) {
		t.Error("subset or equality is wrong")
	}
	if a.Size() != 6 || !a.Contains(5) || a.Contains(6) || a.Contains(-1) {
		t.Error("Size or Contains is wrong")
	}
}

func TestZeroCPUSetIsEmpty(t *testing.T) {
	var zero CPUSet
	if !zero.IsEmpty() || zero.String() != "" || len(zero.List()) != 0 || zero.Contains(0) {
		t.Fatal("the zero CPUSet is not the empty set")
	}
	if !zero.Equals(MustParseCPUSet("")) || !zero.IsSubsetOf(MustParseCPUSet("1")) {
		t.Fatal("the zero CPUSet does not compare as empty")
	}
	if got := zero.Union(MustParseCPUSet("2")).String(); got != "2" {
		t.Fatalf("zero ∪ {2} = %q", got)
	}
}

func TestCPUSetIsTextInJSON(t *testing.T) {
	type pod struct {
		CPUs CPUSet `json:"cpus"`
	}
	data, err := json.Marshal(pod{MustParseCPUSet("2,0-1")})
	if err != nil || string(data) != `{"cpus":"0-2"}` {
		t.Fatalf("Marshal = %s, %v", data, err)
	}
	var back pod
	if err := json.Unmarshal(data, &back); err != nil || back.CPUs.String() != "0-2" {
		t.Fatalf("Unmarshal = %v, %v", back.CPUs, err)
	}
	if err := json.Unmarshal([]byte(`{"cpus":"3-1"}`), &back); err == nil {
		t.Fatal("invalid text unmarshalled")
	}
}

// Sets are shared between goroutines while the collector frees garbage
// ones; run with -race and the nodecore_debug tag for the strongest check.
func TestCPUSetsAreSafeForConcurrentUse(t *testing.T) {
	shared := MustParseCPUSet("0-63")
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				mine, _ := NewCPUSet(g, 64+i)
				if got := shared.Union(mine).Size(); got != 65 {
					t.Errorf("size = %d", got)
					return
				}
				if i%50 == 0 {
					runtime.GC()
				}
			}
		}(g)
	}
	wg.Wait()
}
