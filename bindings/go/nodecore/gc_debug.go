//go:build nodecore_debug

package nodecore

import "runtime"

// maybeGC runs a collection before every handle use under the nodecore_debug
// tag, so that a missing runtime.KeepAlive frees a handle mid-call and the
// tests see it.
func maybeGC() { runtime.GC() }
