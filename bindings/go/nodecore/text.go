package nodecore

// #include <nodecore.h>
// #include <string.h>
import "C"

import "unsafe"

// cText passes Go text to C without copying: the C side borrows (ptr, len)
// for the duration of the call and never writes to it. Empty text passes
// NULL, which the ABI accepts with length 0.
func cText(s string) (*C.char, C.size_t) {
	return (*C.char)(unsafe.Pointer(unsafe.StringData(s))), C.size_t(len(s))
}

// cBytes is cText for a byte slice.
func cBytes(b []byte) (*C.char, C.size_t) {
	return (*C.char)(unsafe.Pointer(unsafe.SliceData(b))), C.size_t(len(b))
}

// takeString copies a library string into Go memory and frees it.
func takeString(s *C.char) []byte {
	defer C.nodecore_string_free(s)
	return C.GoBytes(unsafe.Pointer(s), C.int(C.strlen(s)))
}
