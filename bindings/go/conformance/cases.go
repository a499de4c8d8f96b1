package conformance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
)

// Case is one case of the shared case format: a kind and its input. The
// input is one of the *Input types of this file.
type Case struct {
	ID    string `json:"id"`
	Kind  string `json:"kind"`
	Input any    `json:"input"`
}

// The case kinds this package compares.
const (
	KindTake     = "cpu.take"
	KindAllocate = "cpu.allocate"
	KindHints    = "cpu.hints"
	KindMerge    = "topology.merge"
)

// CPURow is one logical CPU of a topology: its core (ids unique across the
// machine), socket, NUMA node and uncore (last-level) cache.
type CPURow struct {
	CPU    int `json:"cpu"`
	Core   int `json:"core"`
	Socket int `json:"socket"`
	NUMA   int `json:"numa"`
	Uncore int `json:"uncore"`
}

// Topology is a machine: the rows of its CPUs. Name, when set, is the name of
// a topology of tests/vectors/topologies.json, and the case names it instead
// of listing rows.
type Topology struct {
	Name string
	CPUs []CPURow
}

// MarshalJSON writes the name when there is one, else {"cpus": [...]}.
func (t Topology) MarshalJSON() ([]byte, error) {
	if t.Name != "" {
		return json.Marshal(t.Name)
	}
	return json.Marshal(struct {
		CPUs []CPURow `json:"cpus"`
	}{t.CPUs})
}

// UnmarshalJSON reads a name or {"cpus": [...]}.
func (t *Topology) UnmarshalJSON(data []byte) error {
	*t = Topology{}
	if err := json.Unmarshal(data, &t.Name); err == nil {
		return nil
	}
	var rows struct {
		CPUs []CPURow `json:"cpus"`
	}
	if err := json.Unmarshal(data, &rows); err != nil {
		return err
	}
	t.CPUs = rows.CPUs
	return nil
}

// Rows is the topology's CPUs, looked up in named when it is given by name.
func (t Topology) Rows(named NamedTopologies) ([]CPURow, error) {
	if t.Name == "" {
		return t.CPUs, nil
	}
	rows, ok := named[t.Name]
	if !ok {
		return nil, fmt.Errorf("unknown topology %q", t.Name)
	}
	return rows, nil
}

// NamedTopologies maps names to CPU rows, as tests/vectors/topologies.json
// does.
type NamedTopologies map[string][]CPURow

// LoadNamedTopologies reads a topologies.json file.
func LoadNamedTopologies(path string) (NamedTopologies, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var entries map[string]struct {
		CPUs []CPURow `json:"cpus"`
	}
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	named := NamedTopologies{}
	for name, entry := range entries {
		named[name] = entry.CPUs
	}
	return named, nil
}

// ErrKindNotCompared is DecodeCase's error for a case of a kind this
// package does not compare with upstream.
var ErrKindNotCompared = errors.New("kind not compared with upstream")

// DecodeCase reads a case of one of this package's kinds; the input gets
// its kind's type. Other fields (expect) are ignored.
func DecodeCase(data []byte) (*Case, error) {
	var raw struct {
		ID    any             `json:"id"`
		Kind  string          `json:"kind"`
		Input json.RawMessage `json:"input"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	c := &Case{ID: fmt.Sprint(raw.ID), Kind: raw.Kind}
	switch raw.Kind {
	case KindTake:
		c.Input = &TakeInput{}
	case KindAllocate:
		c.Input = &AllocateInput{}
	case KindHints:
		c.Input = &HintsInput{}
	case KindMerge:
		c.Input = &MergeInput{}
	default:
		return nil, fmt.Errorf("case %v: kind %q: %w", raw.ID, raw.Kind, ErrKindNotCompared)
	}
	if err := json.Unmarshal(raw.Input, c.Input); err != nil {
		return nil, fmt.Errorf("case %v: %w", raw.ID, err)
	}
	return c, nil
}

// TakeInput is the input of cpu.take.
type TakeInput struct {
	Topology  Topology          `json:"topology"`
	Available string            `json:"available"`
	Count     int               `json:"count"`
	Options   map[string]string `json:"options,omitempty"`
}

// HintsInput is the input of cpu.hints.
type HintsInput struct {
	Topology  Topology          `json:"topology"`
	Available string            `json:"available"`
	Reusable  string            `json:"reusable"`
	Request   int               `json:"request"`
	Options   map[string]string `json:"options,omitempty"`
}

// AllocateInput is the input of cpu.allocate.
type AllocateInput struct {
	Topology Topology `json:"topology"`
	Reserved *string  `json:"reserved,omitempty"`
	// ReservedCount is used when Reserved is nil.
	ReservedCount int                          `json:"reserved_count"`
	Options       map[string]string            `json:"options,omitempty"`
	Assignments   map[string]map[string]string `json:"assignments,omitempty"`
	Affinity      *Hint                        `json:"affinity"`
	Pod           Pod                          `json:"pod"`
}

// MarshalJSON leaves reserved_count out when the reserved set is given (the
// case format takes one or the other).
func (in AllocateInput) MarshalJSON() ([]byte, error) {
	type plain AllocateInput
	if in.Reserved == nil {
		return json.Marshal(plain(in))
	}
	return json.Marshal(struct {
		plain
		ReservedCount *int `json:"reserved_count,omitempty"`
	}{plain: plain(in)})
}

// Pod is the pod of a cpu.allocate case.
type Pod struct {
	UID        string      `json:"uid"`
	QOS        string      `json:"qos"`
	Containers []Container `json:"containers"`
}

// Container is one container of a Pod; init containers are allocated first.
type Container struct {
	Name            string `json:"name"`
	CPURequestMilli *int64 `json:"cpu_request_milli"`
	CPULimitMilli   *int64 `json:"cpu_limit_milli"`
	Init            bool   `json:"init"`
	Restartable     bool   `json:"restartable"`
}

// Hint is a topology hint: NUMA node ids (nil: any node) and whether the
// provider prefers it.
type Hint struct {
	Affinity  []int `json:"affinity"`
	Preferred bool  `json:"preferred"`
}

// MarshalJSON keeps the difference between a nil affinity (null, "any
// node") and an empty one ([], a mask with no node).
func (h Hint) MarshalJSON() ([]byte, error) {
	var affinity any
	if h.Affinity != nil {
		affinity = h.Affinity
	}
	return json.Marshal(struct {
		Affinity  any  `json:"affinity"`
		Preferred bool `json:"preferred"`
	}{affinity, h.Preferred})
}

// MergeInput is the input of topology.merge. A nil provider map is "no
// preference"; within a provider, a nil hint list is "no preference" and an
// empty one is "no possible placement".
type MergeInput struct {
	Policy    string              `json:"policy"`
	NUMANodes []int               `json:"numa_nodes"`
	Distances map[string][]uint64 `json:"distances,omitempty"`
	Options   map[string]string   `json:"options,omitempty"`
	Providers []map[string][]Hint `json:"providers"`
}

// Outcome is an answer in the case format: an output object, or an error
// with a kind and a message.
type Outcome struct {
	Output  json.RawMessage
	ErrKind string
	ErrMsg  string
}

// Failed reports whether the outcome is an error.
func (o Outcome) Failed() bool { return o.ErrKind != "" }

// String is the output's JSON, or "error <kind>: <message>".
func (o Outcome) String() string {
	if o.Failed() {
		return fmt.Sprintf("error %s: %s", o.ErrKind, o.ErrMsg)
	}
	return string(o.Output)
}

// Same reports whether two outcomes agree: equal outputs (as canonical JSON)
// or errors of the same kind. Messages are compared by SameMessage.
func (o Outcome) Same(other Outcome) bool {
	if o.Failed() || other.Failed() {
		return o.ErrKind == other.ErrKind
	}
	return bytes.Equal(canonical(o.Output), canonical(other.Output))
}

// SameMessage reports whether both outcomes are errors with the same message.
func (o Outcome) SameMessage(other Outcome) bool {
	return o.Failed() && other.Failed() && o.ErrMsg == other.ErrMsg
}

func outputOf(v any) Outcome {
	data, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return Outcome{Output: data}
}

func errorOf(kind string, err error) Outcome {
	return Outcome{ErrKind: kind, ErrMsg: err.Error()}
}

// canonical re-encodes JSON with object keys sorted and numbers as written.
func canonical(data []byte) []byte {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return data
	}
	out, err := json.Marshal(v)
	if err != nil {
		return data
	}
	return out
}
