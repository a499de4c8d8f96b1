package nodecore

// #include <nodecore.h>
import "C"

import (
	"encoding/json"
	"runtime"
)

// Topology is a machine's CPUs as the kubelet's CPU manager sees them: for
// every logical CPU its core, socket, NUMA node and uncore cache. It is a
// handle to library memory: Close it when done. It never changes, so it may
// be used from many goroutines at once.
type Topology struct {
	ptr *C.nodecore_topology
}

// TopologyCounts are the kubelet's declared counters of a topology
// (upstream NumCPUs, NumCores, NumSockets, NumNUMANodes, NumUncoreCache).
type TopologyCounts struct {
	NumCPUs         int
	NumCores        int
	NumSockets      int
	NumNUMANodes    int
	NumUncoreCaches int
}

// CPUInfo is where one logical CPU sits. Core is the lowest logical CPU id
// among the core's threads; UncoreCache is the socket id where the machine
// reports no last-level cache.
type CPUInfo struct {
	Core        int
	Socket      int
	NUMANode    int
	UncoreCache int
}

func wrapTopology(ptr *C.nodecore_topology) *Topology {
	t := &Topology{ptr: ptr}
	runtime.SetFinalizer(t, (*Topology).Close)
	return t
}

// LoadTopologyJSON reads a topology from its JSON form,
// {"cpus": [{"cpu": 0, "core": 0, "socket": 0, "numa": 0, "uncore": 0}, ...]},
// or from a JSON string naming a named topology — the shapes the case files
// use.
func LoadTopologyJSON(data []byte) (*Topology, error) {
	text, n := cBytes(data)
	var out *C.nodecore_topology
	var cerr *C.nodecore_error
	status := C.nodecore_topology_from_json(text, n, &out, &cerr)
	runtime.KeepAlive(data)
	if err := takeError(status, cerr); err != nil {
		return nil, err
	}
	return wrapTopology(out), nil
}

// DiscoverTopology reads this machine's CPU topology from sysfs, exactly as
// the kubelet builds it through cadvisor. The error is an *Error of
// StatusDiscovery when sysfs cannot be read or shows no CPU topology.
func DiscoverTopology() (*Topology, error) {
	return DiscoverTopologyAt("")
}

// DiscoverTopologyAt is DiscoverTopology for the machine whose root
// directory is root (its sysfs at root/sys); "" is this machine.
func DiscoverTopologyAt(root string) (*Topology, error) {
	text, n := cText(root)
	var out *C.nodecore_topology
	var cerr *C.nodecore_error
	status := C.nodecore_topology_discover(text, n, &out, &cerr)
	runtime.KeepAlive(root)
	if err := takeError(status, cerr); err != nil {
		return nil, err
	}
	return wrapTopology(out), nil
}

// DiscoverNUMADistances reads the NUMA distance rows of the machine whose
// root directory is root ("" for this machine): for each node id its row,
// in the order of its sysfs distance file. It is empty without NUMA
// directories, as the kubelet then has no distances either.
func DiscoverNUMADistances(root string) (map[int][]uint64, error) {
	text, n := cText(root)
	var out *C.char
	var cerr *C.nodecore_error
	status := C.nodecore_topology_numa_distances(text, n, &out, &cerr)
	runtime.KeepAlive(root)
	if err := takeError(status, cerr); err != nil {
		return nil, err
	}
	distances := map[int][]uint64{}
	if err := json.Unmarshal(takeString(out), &distances); err != nil {
		return nil, err
	}
	return distances, nil
}

// NamedTopology is one of the named test topologies, such as
// "dual-socket-ht" (the kubelet's topoDualSocketHT); see TopologyNames.
func NamedTopology(name string) (*Topology, error) {
	text, n := cText(name)
	var out *C.nodecore_topology
	var cerr *C.nodecore_error
	status := C.nodecore_topology_named(text, n, &out, &cerr)
	runtime.KeepAlive(name)
	if err := takeError(status, cerr); err != nil {
		return nil, err
	}
	return wrapTopology(out), nil
}

// TopologyNames lists the names NamedTopology knows, in ascending order.
func TopologyNames() ([]string, error) {
	var out *C.char
	var cerr *C.nodecore_error
	if err := takeError(C.nodecore_topology_names(&out, &cerr), cerr); err != nil {
		return nil, err
	}
	var names []string
	if err := json.Unmarshal(takeString(out), &names); err != nil {
		return nil, err
	}
	return names, nil
}

// Close frees the topology. It is idempotent; using the topology afterwards
// panics. It must not run concurrently with another use of t.
func (t *Topology) Close() error {
	if t.ptr != nil {
		C.nodecore_topology_free(t.ptr)
		t.ptr = nil
		runtime.SetFinalizer(t, nil)
	}
	return nil
}

// handle is the pointer for a C call; callers keep t alive until the call
// returns (runtime.KeepAlive).
func (t *Topology) handle() *C.nodecore_topology {
	maybeGC()
	if t.ptr == nil {
		panic("nodecore: use of a closed Topology")
	}
	return t.ptr
}

// Counts are the topology's declared counters.
func (t *Topology) Counts() TopologyCounts {
	var c C.nodecore_topology_counts
	status := C.nodecore_topology_get_counts(t.handle(), &c, nil)
	runtime.KeepAlive(t)
	if status != C.NODECORE_STATUS_OK {
		panic(takeError(status, nil))
	}
	return TopologyCounts{
		NumCPUs:         int(c.num_cpus),
		NumCores:        int(c.num_cores),
		NumSockets:      int(c.num_sockets),
		NumNUMANodes:    int(c.num_numa_nodes),
		NumUncoreCaches: int(c.num_uncore_caches),
	}
}

// CPUInfo is where cpu sits; an *Error of StatusInvalidArgument when the
// topology has no such CPU.
func (t *Topology) CPUInfo(cpu int) (CPUInfo, error) {
	if cpu < 0 {
		return CPUInfo{}, &Error{Status: StatusInvalidArgument, Kind: StatusInvalidArgument.String(),
			Message: "CPU ids are not negative"}
	}
	var info C.nodecore_cpu_info
	var cerr *C.nodecore_error
	status := C.nodecore_topology_cpu_info(t.handle(), C.size_t(cpu), &info, &cerr)
	runtime.KeepAlive(t)
	if err := takeError(status, cerr); err != nil {
		return CPUInfo{}, err
	}
	return CPUInfo{Core: int(info.core), Socket: int(info.socket), NUMANode: int(info.numa), UncoreCache: int(info.uncore)}, nil
}

// CPUs is the set of all the topology's CPUs.
func (t *Topology) CPUs() CPUSet {
	set := wrapCPUSet(C.nodecore_topology_cpus(t.handle()))
	runtime.KeepAlive(t)
	return set
}

// MarshalJSON is the topology's JSON form, which LoadTopologyJSON reads back.
func (t *Topology) MarshalJSON() ([]byte, error) {
	var out *C.char
	var cerr *C.nodecore_error
	status := C.nodecore_topology_to_json(t.handle(), &out, &cerr)
	runtime.KeepAlive(t)
	if err := takeError(status, cerr); err != nil {
		return nil, err
	}
	return takeString(out), nil
}
