package nodecore

import (
	"errors"
	"strings"
	"testing"
)

func TestEvalCaseAnswersOneCase(t *testing.T) {
	answer, err := EvalCase([]byte("{\"id\": \"a\",\n \"kind\": \"cpuset.parse\",\n \"input\": {\"text\": \"3,0-2\"}}\n"))
	if err != nil || string(answer) != `{"id":"a","output":{"cpus":"0-3"}}` {
		t.Fatalf("EvalCase = %s, %v", answer, err)
	}
	answer, err = EvalCase([]byte(`{"id": "b", "kind": "no.such-kind", "input": {}}`))
	if err != nil || !strings.Contains(string(answer), `"kind":"unknown-kind"`) {
		t.Fatalf("EvalCase = %s, %v", answer, err)
	}
	answer, err = EvalCase([]byte(`not json`))
	if err != nil || !strings.Contains(string(answer), `"kind":"invalid-input"`) {
		t.Fatalf("EvalCase = %s, %v", answer, err)
	}
}

func TestEvalCaseRefusesZeroOrSeveralCases(t *testing.T) {
	if _, err := EvalCase([]byte("  \n")); err == nil {
		t.Error("a blank case was accepted")
	}
	if _, err := EvalCase(nil); err == nil {
		t.Error("no case was accepted")
	}
}

func TestEvalIsJSONLInJSONLOut(t *testing.T) {
	out, err := Eval([]byte("{\"id\":1,\"kind\":\"cpuset.parse\",\"input\":{\"text\":\"1\"}}\n\n{\"id\":2,\"kind\":\"cpuset.parse\",\"input\":{\"text\":\"2\"}}\n"))
	want := "{\"id\":1,\"output\":{\"cpus\":\"1\"}}\n{\"id\":2,\"output\":{\"cpus\":\"2\"}}\n"
	if err != nil || string(out) != want {
		t.Fatalf("Eval = %q, %v", out, err)
	}
	out, err = Eval(nil)
	if err != nil || len(out) != 0 {
		t.Fatalf("Eval(nil) = %q, %v", out, err)
	}
}

func TestEvalRefusesInvalidUTF8(t *testing.T) {
	_, err := Eval([]byte{'{', 0xff})
	var e *Error
	if !errors.As(err, &e) || e.Status != StatusInvalidUTF8 || e.Kind != "invalid-utf8" {
		t.Fatalf("Eval(invalid UTF-8) error = %v", err)
	}
}
