//go:build !nodecore_dynamic && !nodecore_custom

package nodecore

// The static library and the system libraries it needs
// (`rustc --print native-static-libs`; the Makefile lists the same).

// #cgo LDFLAGS: ${SRCDIR}/../../../target/release/libnodecore.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
import "C"
