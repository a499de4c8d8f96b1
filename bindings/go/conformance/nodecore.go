package conformance

import (
	"encoding/json"
	"fmt"

	"github.com/nodecore/nodecore/bindings/go/nodecore"
)

// Nodecore answers a case through the C ABI (nodecore.EvalCase), the
// universal door that takes every kind in the case format.
func Nodecore(c *Case) (Outcome, error) {
	data, err := json.Marshal(c)
	if err != nil {
		return Outcome{}, err
	}
	return NodecoreJSON(data)
}

// NodecoreJSON answers a case already encoded as JSON.
func NodecoreJSON(caseJSON []byte) (Outcome, error) {
	answer, err := nodecore.EvalCase(caseJSON)
	if err != nil {
		return Outcome{}, err
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
