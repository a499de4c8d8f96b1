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

// textCall runs a C function that writes text through the buffer protocol
// (buf, cap, out_len): first into a stack-sized buffer, again into one of
// the needed size when that was too small.
func textCall(call func(buf *C.char, cap C.size_t, n *C.size_t, cerr **C.nodecore_error) C.nodecore_status) (string, error) {
	buf := make([]byte, 256)
	for {
		var n C.size_t
		var cerr *C.nodecore_error
		status := call((*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), &n, &cerr)
		if status == C.NODECORE_STATUS_INSUFFICIENT_SPACE && int(n) >= len(buf) {
			C.nodecore_error_free(cerr)
			buf = make([]byte, int(n)+1)
			continue
		}
		if err := takeError(status, cerr); err != nil {
			return "", err
		}
		return string(buf[:n]), nil
	}
}
