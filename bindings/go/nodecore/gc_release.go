//go:build !nodecore_debug

package nodecore

func maybeGC() {}
