package nodecore

// #include "nodecore.h"
import "C"

// Status is the C ABI's status code: 0 for success, a stable number per kind
// of failure otherwise. The numbers never change meaning.
type Status int32

// The status codes, from include/nodecore.h.
const (
	StatusOK                = Status(C.NODECORE_STATUS_OK)
	StatusNullArgument      = Status(C.NODECORE_STATUS_NULL_ARGUMENT)
	StatusInvalidUTF8       = Status(C.NODECORE_STATUS_INVALID_UTF8)
	StatusInvalidArgument   = Status(C.NODECORE_STATUS_INVALID_ARGUMENT)
	StatusInsufficientSpace = Status(C.NODECORE_STATUS_INSUFFICIENT_SPACE)
	StatusPanic             = Status(C.NODECORE_STATUS_PANIC)
	StatusInvalidInput      = Status(C.NODECORE_STATUS_INVALID_INPUT)
	StatusUnknownKind       = Status(C.NODECORE_STATUS_UNKNOWN_KIND)
	StatusOther             = Status(C.NODECORE_STATUS_OTHER)
	StatusParse             = Status(C.NODECORE_STATUS_PARSE)
	StatusInvalidTopology   = Status(C.NODECORE_STATUS_INVALID_TOPOLOGY)
	StatusUnknownTopology   = Status(C.NODECORE_STATUS_UNKNOWN_TOPOLOGY)
	StatusInvalidOptions    = Status(C.NODECORE_STATUS_INVALID_OPTIONS)
	StatusSMTAlignment      = Status(C.NODECORE_STATUS_SMT_ALIGNMENT)
	StatusInsufficient      = Status(C.NODECORE_STATUS_INSUFFICIENT)
	StatusMissingDistances  = Status(C.NODECORE_STATUS_MISSING_DISTANCES)
	StatusTooManyNUMANodes  = Status(C.NODECORE_STATUS_TOO_MANY_NUMA_NODES)
	StatusUnknownPolicy     = Status(C.NODECORE_STATUS_UNKNOWN_POLICY)
	StatusInvalidName       = Status(C.NODECORE_STATUS_INVALID_NAME)
	StatusInvalidThreshold  = Status(C.NODECORE_STATUS_INVALID_THRESHOLD)
	StatusUIDOutOfRange     = Status(C.NODECORE_STATUS_UID_OUT_OF_RANGE)
	StatusGIDOutOfRange     = Status(C.NODECORE_STATUS_GID_OUT_OF_RANGE)
	StatusUserNotFound      = Status(C.NODECORE_STATUS_USER_NOT_FOUND)
	StatusPasswdParse       = Status(C.NODECORE_STATUS_PASSWD_PARSE)
)

// String is the code's stable kind name ("ok", "parse", ...), or "unknown".
func (s Status) String() string {
	return C.GoString(C.nodecore_status_name(C.int32_t(s)))
}
