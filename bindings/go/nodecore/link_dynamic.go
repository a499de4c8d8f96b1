//go:build nodecore_dynamic && !nodecore_custom

package nodecore

// #cgo LDFLAGS: -L${SRCDIR}/../../../target/release -lnodecore -Wl,-rpath,${SRCDIR}/../../../target/release
import "C"
