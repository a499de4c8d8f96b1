package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/nodecore/nodecore/bindings/go/nodecore"
)

// Nodecore answers a case through the C ABI's universal door
// (nodecore_eval), which takes every kind of the case format.
func Nodecore(c *Case) (Outcome, error) {
	data, err := json.Marshal(c)
	if err != nil {
		return Outcome{}, err
	}
	return NodecoreJSON(data)
}

// NodecoreJSON answers a case already encoded as JSON on one line (as
// encoding/json writes it), through nodecore.Eval, the JSONL door.
func NodecoreJSON(caseJSON []byte) (Outcome, error) {
	answer, err := nodecore.Eval(caseJSON)
	if err != nil {
		return Outcome{}, err
	}
	answer = bytes.TrimSuffix(answer, []byte("\n"))
	if bytes.Count(answer, []byte("\n")) != 0 {
		return Outcome{}, fmt.Errorf("nodecore answered more than one line for one case: %s", answer)
	}
	var a struct {
		Output json.RawMessage `json:"output"`
		Error  *struct {
			Kind    string `json:"kind"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := json.Unmarshal(answer, &a); err != nil {
		return Outcome{}, fmt.Errorf("nodecore answered %s: %w", answer, err)
	}
	if a.Error != nil {
		return Outcome{ErrKind: a.Error.Kind, ErrMsg: a.Error.Message}, nil
	}
	return Outcome{Output: a.Output}, nil
}
