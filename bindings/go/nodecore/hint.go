package nodecore

// #include <nodecore.h>
import "C"

import (
	"fmt"
	"math/bits"
	"strings"
	"unsafe"
)

// NUMAMask is a set of NUMA node ids 0 to 63 as a bitmask (bit i is node
// i), the counterpart of the kubelet's bitmask.BitMask.
type NUMAMask uint64

// NewNUMAMask is the mask of the given NUMA nodes; a node outside 0 to 63 is
// an *Error of StatusNUMANodeOutOfRange.
func NewNUMAMask(nodes ...int) (NUMAMask, error) {
	var m NUMAMask
	for _, node := range nodes {
		if node < 0 || node > 63 {
			return 0, &Error{Status: StatusNUMANodeOutOfRange, Kind: StatusNUMANodeOutOfRange.String(),
				Message: fmt.Sprintf("NUMA node id %d is unsupported: node ids must be in range 0-63", node)}
		}
		m |= 1 << uint(node)
	}
	return m, nil
}

// MustNUMAMask is NewNUMAMask for node ids known to be valid; it panics
// otherwise.
func MustNUMAMask(nodes ...int) NUMAMask {
	m, err := NewNUMAMask(nodes...)
	if err != nil {
		panic(err)
	}
	return m
}

// Nodes lists the node ids in ascending order.
func (m NUMAMask) Nodes() []int {
	nodes := make([]int, 0, m.Count())
	for rest := uint64(m); rest != 0; rest &= rest - 1 {
		nodes = append(nodes, bits.TrailingZeros64(rest))
	}
	return nodes
}

// Count is the number of nodes in the mask.
func (m NUMAMask) Count() int { return bits.OnesCount64(uint64(m)) }

// IsSet reports whether node is in the mask.
func (m NUMAMask) IsSet(node int) bool { return node >= 0 && node < 64 && m&(1<<uint(node)) != 0 }

// String lists the nodes as the kubelet logs a mask: "[0 1]".
func (m NUMAMask) String() string {
	var b strings.Builder
	b.WriteByte('[')
	for i, node := range m.Nodes() {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprint(&b, node)
	}
	b.WriteByte(']')
	return b.String()
}

// Hint is one placement a resource could have (the kubelet's
// topologymanager.TopologyHint): on the NUMA nodes of Affinity, or on any
// node when AnyNode is set (upstream's nil affinity; Affinity is then
// ignored). Preferred marks a placement among the best possible.
//
// The zero Hint is an empty mask that is not preferred; an empty mask is not
// "any node", as upstream's empty bitmask is not nil.
//
// The layout is nodecore_hint's, so slices of hints pass to C uncopied.
type Hint struct {
	Affinity  NUMAMask
	AnyNode   bool
	Preferred bool
}

// AnyNodeHint is a hint without a NUMA constraint.
func AnyNodeHint(preferred bool) Hint { return Hint{AnyNode: true, Preferred: preferred} }

func (h Hint) String() string {
	affinity := h.Affinity.String()
	if h.AnyNode {
		affinity = "<nil>"
	}
	return fmt.Sprintf("{%s %t}", affinity, h.Preferred)
}

// Hints pass to C uncopied (cHints), so the two layouts must agree; they do
// on every platform Go and C share an ABI, and this makes sure.
func init() {
	var c C.nodecore_hint
	var g Hint
	if unsafe.Sizeof(c) != unsafe.Sizeof(g) || unsafe.Offsetof(c.any_node) != unsafe.Offsetof(g.AnyNode) ||
		unsafe.Offsetof(c.preferred) != unsafe.Offsetof(g.Preferred) {
		panic("nodecore: Hint and nodecore_hint differ in layout")
	}
}

// cHints views hints as the C array they already are; nil for none.
func cHints(hints []Hint) *C.nodecore_hint {
	return (*C.nodecore_hint)(unsafe.Pointer(unsafe.SliceData(hints)))
}
