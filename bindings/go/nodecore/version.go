package nodecore

// #cgo CFLAGS: -I${SRCDIR}/../../../include
// #include <nodecore.h>
import "C"

import "fmt"

// ABIVersionMajor and ABIVersionMinor are the C ABI version this package was
// built against (from include/nodecore.h).
const (
	ABIVersionMajor = C.NODECORE_ABI_VERSION_MAJOR
	ABIVersionMinor = C.NODECORE_ABI_VERSION_MINOR
)

// MaxCPUID is the largest CPU id a CPUSet holds.
const MaxCPUID = C.NODECORE_MAX_CPU_ID

// ABIVersion is the C ABI version of the linked library.
func ABIVersion() (major, minor int) {
	v := uint32(C.nodecore_abi_version())
	return int(v >> 16), int(v & 0xffff)
}

// Version is the linked library's version, e.g. "0.1.0".
func Version() string {
	return C.GoString(C.nodecore_version())
}

// A library of another major ABI version would misread every call: refuse
// to run with it rather than corrupt memory later.
func init() {
	if major, minor := ABIVersion(); major != ABIVersionMajor || minor < ABIVersionMinor {
		panic(fmt.Sprintf("nodecore: linked library has C ABI %d.%d, this package needs %d.%d or a later minor",
			major, minor, ABIVersionMajor, ABIVersionMinor))
	}
}
