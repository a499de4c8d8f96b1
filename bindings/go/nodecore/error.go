package nodecore

// #include <nodecore.h>
import "C"

import "errors"

// Error is a failure reported by the library.
type Error struct {
	// Status is the stable numeric code.
	Status Status
	// Kind is the stable kind name, the case files' `expect.error`
	// ("parse", "unknown-topology", ...). It is set even when the kind has
	// no code of its own yet (Status is then StatusOther).
	Kind string
	// Message says what was wrong, naming the input at fault.
	Message string
}

func (e *Error) Error() string {
	return "nodecore: " + e.Kind + ": " + e.Message
}

// Is reports whether target is an *Error of the same Status (and, when
// target's Kind is set, the same Kind), so that
// errors.Is(err, &nodecore.Error{Status: nodecore.StatusParse}) works.
func (e *Error) Is(target error) bool {
	var t *Error
	if !errors.As(target, &t) {
		return false
	}
	return t.Status == e.Status && (t.Kind == "" || t.Kind == e.Kind)
}

// takeError turns a call's status and error object into a Go error, freeing
// the object. A nil object (the call was given no error out-parameter) still
// yields an error from the status alone.
func takeError(status C.nodecore_status, cerr *C.nodecore_error) error {
	if status == C.NODECORE_STATUS_OK {
		C.nodecore_error_free(cerr)
		return nil
	}
	if cerr == nil {
		s := Status(status)
		return &Error{Status: s, Kind: s.String(), Message: "the call failed with status " + s.String()}
	}
	defer C.nodecore_error_free(cerr)
	return &Error{
		Status:  Status(C.nodecore_error_status(cerr)),
		Kind:    C.GoString(C.nodecore_error_kind(cerr)),
		Message: C.GoString(C.nodecore_error_message(cerr)),
	}
}
