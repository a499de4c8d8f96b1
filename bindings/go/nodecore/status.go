package nodecore

// #include <nodecore.h>
import "C"

// Status is the C ABI's status code: 0 for success, a stable number per kind
// of failure otherwise. The numbers never change meaning.
type Status int32

// The status codes, from include/nodecore.h.
const (
	StatusOK                   = Status(C.NODECORE_STATUS_OK)
	StatusNullArgument         = Status(C.NODECORE_STATUS_NULL_ARGUMENT)
	StatusInvalidUTF8          = Status(C.NODECORE_STATUS_INVALID_UTF8)
	StatusInvalidArgument      = Status(C.NODECORE_STATUS_INVALID_ARGUMENT)
	StatusInsufficientSpace    = Status(C.NODECORE_STATUS_INSUFFICIENT_SPACE)
	StatusPanic                = Status(C.NODECORE_STATUS_PANIC)
	StatusInvalidInput         = Status(C.NODECORE_STATUS_INVALID_INPUT)
	StatusUnknownKind          = Status(C.NODECORE_STATUS_UNKNOWN_KIND)
	StatusOther                = Status(C.NODECORE_STATUS_OTHER)
	StatusParse                = Status(C.NODECORE_STATUS_PARSE)
	StatusInvalidTopology      = Status(C.NODECORE_STATUS_INVALID_TOPOLOGY)
	StatusUnknownTopology      = Status(C.NODECORE_STATUS_UNKNOWN_TOPOLOGY)
	StatusDiscovery            = Status(C.NODECORE_STATUS_DISCOVERY)
	StatusInvalidOptions       = Status(C.NODECORE_STATUS_INVALID_OPTIONS)
	StatusSMTAlignment         = Status(C.NODECORE_STATUS_SMT_ALIGNMENT)
	StatusInsufficient         = Status(C.NODECORE_STATUS_INSUFFICIENT)
	StatusAccounting           = Status(C.NODECORE_STATUS_ACCOUNTING)
	StatusAllocationFailed     = Status(C.NODECORE_STATUS_ALLOCATION_FAILED)
	StatusInvalidReserved      = Status(C.NODECORE_STATUS_INVALID_RESERVED)
	StatusInvalidState         = Status(C.NODECORE_STATUS_INVALID_STATE)
	StatusInvalidCheckpoint    = Status(C.NODECORE_STATUS_INVALID_CHECKPOINT)
	StatusCorruptCheckpoint    = Status(C.NODECORE_STATUS_CORRUPT_CHECKPOINT)
	StatusCheckpointMigration  = Status(C.NODECORE_STATUS_CHECKPOINT_MIGRATION)
	StatusPolicyMismatch       = Status(C.NODECORE_STATUS_POLICY_MISMATCH)
	StatusIO                   = Status(C.NODECORE_STATUS_IO)
	StatusAllocationTooComplex = Status(C.NODECORE_STATUS_ALLOCATION_TOO_COMPLEX)
	StatusMissingDistances     = Status(C.NODECORE_STATUS_MISSING_DISTANCES)
	StatusTooManyNUMANodes     = Status(C.NODECORE_STATUS_TOO_MANY_NUMA_NODES)
	StatusUnknownPolicy        = Status(C.NODECORE_STATUS_UNKNOWN_POLICY)
	StatusNUMANodeOutOfRange   = Status(C.NODECORE_STATUS_NUMA_NODE_OUT_OF_RANGE)
	StatusUnknownScope         = Status(C.NODECORE_STATUS_UNKNOWN_SCOPE)
	StatusMergeTooComplex      = Status(C.NODECORE_STATUS_MERGE_TOO_COMPLEX)
	StatusInvalidName          = Status(C.NODECORE_STATUS_INVALID_NAME)
	StatusInvalidConfiguration = Status(C.NODECORE_STATUS_INVALID_CONFIGURATION)
	StatusInvalidThreshold     = Status(C.NODECORE_STATUS_INVALID_THRESHOLD)
	StatusInvalidFile          = Status(C.NODECORE_STATUS_INVALID_FILE)
	StatusUIDOutOfRange        = Status(C.NODECORE_STATUS_UID_OUT_OF_RANGE)
	StatusGIDOutOfRange        = Status(C.NODECORE_STATUS_GID_OUT_OF_RANGE)
	StatusUserNotFound         = Status(C.NODECORE_STATUS_USER_NOT_FOUND)
	StatusPasswdParse          = Status(C.NODECORE_STATUS_PASSWD_PARSE)
	StatusGroupParse           = Status(C.NODECORE_STATUS_GROUP_PARSE)
	StatusOpen                 = Status(C.NODECORE_STATUS_OPEN)
	StatusNotRegularFile       = Status(C.NODECORE_STATUS_NOT_REGULAR_FILE)
	StatusTooLarge             = Status(C.NODECORE_STATUS_TOO_LARGE)
	StatusRead                 = Status(C.NODECORE_STATUS_READ)
	StatusRootfs               = Status(C.NODECORE_STATUS_ROOTFS)
)

// String is the code's stable kind name ("ok", "parse", ...), or "unknown".
func (s Status) String() string {
	return C.GoString(C.nodecore_status_name(C.int32_t(s)))
}
