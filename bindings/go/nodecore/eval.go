package nodecore

// #include <nodecore.h>
import "C"

import (
	"bytes"
	"errors"
	"runtime"
)

// Eval runs JSONL cases in the shared case format and returns their answers
// as JSONL, exactly as the nodecore eval command does: one answer line per
// non-blank case line, in order. A case that fails is answered with an error
// line ({"id", "error": {"kind", "message"}}), not a Go error; the Go error
// is for text the library cannot read (invalid UTF-8).
func Eval(cases []byte) ([]byte, error) {
	text, n := cBytes(cases)
	var out *C.char
	status := C.nodecore_eval(text, n, &out)
	runtime.KeepAlive(cases)
	if err := takeError(status, nil); err != nil {
		return nil, err
	}
	return takeString(out), nil
}

// EvalCase runs one case ({"id", "kind", "input", ...}; "expect" is ignored)
// and returns its answer, {"id", "output"} or {"id", "error": {"kind",
// "message"}}, without a trailing newline. The case may span several lines.
func EvalCase(c []byte) ([]byte, error) {
	// Outside strings a line break is JSON whitespace, and inside them JSON
	// allows none, so a space keeps the meaning and makes one line.
	line := bytes.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return ' '
		}
		return r
	}, c)
	answers, err := Eval(line)
	if err != nil {
		return nil, err
	}
	answer, rest, _ := bytes.Cut(answers, []byte("\n"))
	if len(answer) == 0 || len(rest) != 0 {
		return nil, errors.New("nodecore: EvalCase needs exactly one case")
	}
	return answer, nil
}
