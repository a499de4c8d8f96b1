package nodecore

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestVectors runs every case of tests/vectors/*.jsonl through EvalCase and
// compares the answer with the case's expect, as the Rust harness
// tests/vectors.rs does: outputs as JSON with numbers by value, errors by
// kind and, when expect.message is given, message substring.
func TestVectors(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "tests", "vectors", "*.jsonl"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no case files in tests/vectors: %v", err)
	}
	sort.Strings(files)
	perKind := map[string][2]int{}
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		scanner := bufio.NewScanner(f)
		scanner.Buffer(make([]byte, 1<<20), 64<<20)
		for scanner.Scan() {
			line := scanner.Bytes()
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			var c struct {
				ID     any             `json:"id"`
				Kind   string          `json:"kind"`
				Expect json.RawMessage `json:"expect"`
			}
			if err := json.Unmarshal(line, &c); err != nil {
				t.Fatalf("%s: not a JSON case: %v", file, err)
			}
			answer, err := EvalCase(line)
			if err != nil {
				t.Fatalf("%s %v: %v", file, c.ID, err)
			}
			counts := perKind[c.Kind]
			if casePasses(t, c.Expect, answer) {
				counts[0]++
			} else {
				counts[1]++
				t.Errorf("%v\n  expected %s\n  answered %s", c.ID, c.Expect, answer)
			}
			perKind[c.Kind] = counts
		}
		if err := scanner.Err(); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	kinds := make([]string, 0, len(perKind))
	for kind := range perKind {
		kinds = append(kinds, kind)
	}
	sort.Strings(kinds)
	for _, kind := range kinds {
		t.Logf("%s: %d passed, %d failed", kind, perKind[kind][0], perKind[kind][1])
	}
}

// casePasses is nodecore::eval::case_passes.
func casePasses(t *testing.T, expectJSON, answerJSON []byte) bool {
	expect, answer := decode(t, expectJSON), decode(t, answerJSON)
	e, _ := expect.(map[string]any)
	a, _ := answer.(map[string]any)
	if kind, isError := e["error"].(string); isError {
		got, _ := a["error"].(map[string]any)
		if got == nil || got["kind"] != kind {
			return false
		}
		part, hasPart := e["message"].(string)
		message, _ := got["message"].(string)
		return !hasPart || strings.Contains(message, part)
	}
	_, expectsError := e["error"]
	output, hasOutput := a["output"]
	return !expectsError && a["error"] == nil && hasOutput && jsonEqual(expect, output)
}

func decode(t *testing.T, data []byte) any {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		t.Fatalf("not JSON: %s: %v", data, err)
	}
	return v
}

// jsonEqual compares decoded JSON with numbers by value (1 equals 1.0), as
// integers when both are integers and as float64 otherwise.
func jsonEqual(x, y any) bool {
	switch x := x.(type) {
	case json.Number:
		y, ok := y.(json.Number)
		if !ok {
			return false
		}
		if xi, err := x.Int64(); err == nil {
			if yi, err := y.Int64(); err == nil {
				return xi == yi
			}
		}
		if xu, ok := parseUint(x); ok {
			if yu, ok := parseUint(y); ok {
				return xu == yu
			}
		}
		xf, errX := x.Float64()
		yf, errY := y.Float64()
		return errX == nil && errY == nil && xf == yf
	case []any:
		y, ok := y.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !jsonEqual(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := y.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !jsonEqual(v, w) {
				return false
			}
		}
		return true
	default:
		return x == y
	}
}

func parseUint(n json.Number) (uint64, bool) {
	var u uint64
	s := n.String()
	if s == "" {
		return 0, false
	}
	for _, c := range s {
		if c < '0' || c > '9' || u > (1<<64-1-uint64(c-'0'))/10 {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	return u, true
}

func TestCasePassesIsTheRustRule(t *testing.T) {
	for _, tc := range []struct {
		expect, answer string
		want           bool
	}{
		{`{"v": 1}`, `{"output": {"v": 1.0}}`, true},
		{`{"v": 1}`, `{"output": {"v": 2}}`, false},
		{`{"v": [1, 2]}`, `{"output": {"v": [2, 1]}}`, false},
		{`{"v": 1}`, `{"output": {"v": 1, "w": 2}}`, false},
		{`{"v": 18446744073709551615}`, `{"output": {"v": 18446744073709551615}}`, true},
		{`{"v": 18446744073709551615}`, `{"output": {"v": 18446744073709551614}}`, false},
		{`{"error": "parse"}`, `{"error": {"kind": "parse", "message": "invalid range \"3-1\" (3 > 1)"}}`, true},
		{`{"error": "parse", "message": "(3 > 1)"}`, `{"error": {"kind": "parse", "message": "(3 > 1)!"}}`, true},
		{`{"error": "parse", "message": "(1 > 3)"}`, `{"error": {"kind": "parse", "message": "(3 > 1)"}}`, false},
		{`{"error": "insufficient"}`, `{"error": {"kind": "parse", "message": ""}}`, false},
		{`{"cpus": ""}`, `{"error": {"kind": "parse", "message": ""}}`, false},
		{`{"error": "parse"}`, `{"output": {}}`, false},
	} {
		if got := casePasses(t, []byte(tc.expect), []byte(tc.answer)); got != tc.want {
			t.Errorf("casePasses(%s, %s) = %v", tc.expect, tc.answer, got)
		}
	}
}
