// Package nodecore is the Go face of nodecore, the kubelet's node-resource
// hot paths in Rust behind one C ABI (include/nodecore.h), reached through cgo.
//
// What it offers: CPU sets in the text form k8s.io/utils/cpuset uses
// ([ParseCPUSet], [CPUSet.String]); CPU topologies ([DiscoverTopology],
// [LoadTopologyJSON], [NamedTopology]); the CPU manager's static policy with
// its state ([NewStaticPolicy]: Allocate, RemoveContainer, TopologyHints)
// and its selection alone ([TakeCPUs]); the topology manager's merge
// ([NewTopologyPolicy]: Merge, and MergeBatch for many pods in one call);
// cgroup paths and values ([CgroupPath], [PodCgroupPath], [MilliCPUToShares],
// [ContainerSwap], ...); eviction thresholds and ranking
// ([EvictionThresholds], [RankPods] for a whole node in one call) and PID
// counts ([ReadNodePIDs], [PodProcessCount]); supplemental groups
// ([ResolveGroupsRootfs], [ResolveGroupsFiles]); and the shared case format
// ([EvalCase], [Eval]), which answers every kind the library knows exactly
// as the nodecore command does.
//
// # Linking
//
// By default the package links the static library
// target/release/libnodecore.a of this repository (build it with
// `cargo build --release -p nodecore-ffi`) and the system libraries it
// needs, which `rustc --print native-static-libs` lists:
//
//	-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
//
// The result is one self-contained binary, as the kubelet ships. Build tags
// change that:
//
//   - nodecore_dynamic links target/release/libnodecore.so instead (with an
//     rpath to it);
//   - nodecore_custom adds no linker flags, so the build supplies its own
//     through CGO_CFLAGS and CGO_LDFLAGS (a vendored .a, another prefix).
//
// Link only one Rust static library into a binary: two would collide on
// the Rust runtime's symbols.
//
// # Lifetimes
//
// A [Topology], [StaticPolicy] or [TopologyPolicy] is a handle to library
// memory: call Close when done. A
// finalizer frees a forgotten handle as a safety net only, because it runs at
// the garbage collector's pace, not the program's. Finalizers are used
// rather than runtime.AddCleanup because this module supports Go 1.22 (the
// Kubernetes 1.31 toolchain) and AddCleanup needs 1.24; with a handle that
// holds no Go pointers and a finalizer that only frees it, the two behave the
// same. Every call into C is followed by runtime.KeepAlive on its handle, so
// the collector cannot free a handle while C still uses it.
//
// A [CPUSet] is an immutable value, like k8s.io/utils/cpuset.CPUSet: it also
// holds library memory, freed by its finalizer, and needs no Close.
//
// # Errors
//
// Failures are *[Error] values carrying the stable [Status] code, its kind
// name ("parse", "unknown-topology", ...) and a message. Each call gets its
// own error from the C side, so goroutines moving between OS threads never
// see another call's error.
//
// # Concurrency
//
// CPUSet values and open Topology and StaticPolicy handles may be used from
// many goroutines at once (a StaticPolicy serialises its changes inside).
// Close must not race with other uses of the same handle.
package nodecore
