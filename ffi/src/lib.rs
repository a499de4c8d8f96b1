//! The C ABI of nodecore: library `libnodecore` (`.so` and `.a`), header
//! `include/nodecore.h` (generated from this crate by cbindgen, committed).
//!
//! This crate holds no logic. Each export checks its pointers, converts C
//! arguments to Rust values, calls the `nodecore` crate and converts the
//! answer back. One file per C concept:
//!
//! | file | C concept |
//! |---|---|
//! | `version.rs` | `nodecore_abi_version`, `nodecore_version` |
//! | `status.rs` | `nodecore_status`: frozen numeric codes and their kind names |
//! | `error.rs` | `nodecore_error`: the error object a failing call returns |
//! | `string.rs` | library-allocated strings and `nodecore_string_free` |
//! | `eval.rs` | `nodecore_eval`: the shared case format (JSONL in, JSONL out) |
//! | `cpuset.rs` | `nodecore_cpuset`: CPU sets |
//! | `topology.rs` | `nodecore_topology`: CPU topologies, discovered or loaded |
//! | `span.rs` | `nodecore_span`: `(offset, len)` into a caller's array or text |
//! | `pod.rs` | `nodecore_pod`, `nodecore_container`: pods as the CPU manager reads them |
//! | `hint.rs` | `nodecore_hint`, `nodecore_hint_list`: topology hints |
//! | `static_policy.rs` | `nodecore_static_policy`: the CPU manager's static policy and state |
//! | `topology_policy.rs` | `nodecore_topology_policy`: the topology manager's hint merge |
//! | `cgroup.rs` | cgroup names, paths and value conversions |
//! | `eviction.rs` | eviction thresholds and pod ranking |
//! | `pids.rs` | PID accounting of the node and of pods |
//! | `groups.rs` | supplemental-group resolution of a container |
//!
//! and the machinery they share: `panic.rs` (the panic boundary),
//! `handle.rs` (opaque handles), `arg.rs` (checked arguments, buffers).
//!
//! # Conventions (the contract the header states)
//!
//! - **Names**: every symbol and type starts with `nodecore_`, constants with
//!   `NODECORE_`; functions are `nodecore_<concept>_<verb>`.
//! - **Errors**: a fallible function returns `nodecore_status` (0 is
//!   success; numbers never change meaning) and takes a last parameter
//!   `nodecore_error **err` (NULL allowed) through which it stores NULL on
//!   success or a new error object (status, kind, message) on failure. No
//!   thread-local last error: goroutines move between OS threads.
//! - **Panics**: every export runs inside `ffi_boundary!`; a panic becomes
//!   `NODECORE_STATUS_PANIC` (or NULL/0/false for infallible functions).
//! - **Ownership**: objects the library allocates (handles, error objects,
//!   strings) have one matching free function each; freeing NULL is a no-op.
//!   Inputs are borrowed for the duration of the call only. Text goes in as
//!   `(const char *, size_t len)` UTF-8, no NUL needed. Out-pointers for new
//!   objects are set to NULL on failure.
//! - **Buffers**: short outputs of bounded size (a CPU list, an id array) go
//!   into caller buffers `(buf, cap, size_t *out_len)`; a too-small buffer
//!   gives `NODECORE_STATUS_INSUFFICIENT_SPACE` with the needed length.
//!   Documents the caller cannot size (JSON) are library strings freed with
//!   `nodecore_string_free`.
//! - **Threads**: functions taking `const` pointers may run concurrently on
//!   the same object; functions taking a non-`const` handle (mutation, free)
//!   need exclusive access. The library keeps no global mutable state.
//!
//! # Adding a module's C functions
//!
//! Each module gets one file here, named after its C concept, and its error
//! kinds already have codes in `status.rs` (add a code for a new kind in the
//! module's block and a line in the frozen-numbers test). The shapes:
//!
//! - **Stateful objects are opaque handles**, e.g. the static policy with
//!   its state: `nodecore_static_policy_new(const
//!   nodecore_static_policy_config *config, nodecore_static_policy **out,
//!   nodecore_error **err)`, then `nodecore_static_policy_allocate(const
//!   nodecore_static_policy *p, ..., nodecore_cpuset **out, nodecore_error
//!   **err)` and `nodecore_static_policy_free`. Options cross as the
//!   kubelet's string map in JSON, parsed once at creation. A handle that
//!   synchronises inside takes `const` pointers everywhere but its free.
//! - **Batches are arrays of plain `#[repr(C)]` structs** passed as
//!   `(const T *items, size_t len)`, so a Go or Python caller makes one call
//!   per pod sync, not one per item. Records hold no pointers: they name
//!   their text and sub-arrays by `nodecore_span` (offset, len) into one
//!   text or array passed beside them, which cgo allows and which makes one
//!   buffer serve a whole batch. Hints are `nodecore_hint { uint64_t
//!   numa_mask; bool any_node; bool preferred; }` (`any_node` is upstream's
//!   nil affinity, which an empty mask is not), with provider answers as
//!   `nodecore_hint_list` ranges into one hint array; ranking takes an
//!   array of `nodecore_pod_stats` and writes an index order into a caller
//!   buffer `(size_t *order, size_t cap, size_t *out_len)`.
//! - **Single results are out-parameters** written only on success: a plain
//!   struct (`nodecore_hint *out`), a new handle (`nodecore_cpuset **out`),
//!   or text through the buffer protocol (cgroup names) or a library string
//!   (JSON).
//! - A caller-filled config struct starts with a `size_t size` field so it
//!   can grow without breaking older callers.
//!
//! Then: regenerate the header (`make header`), add the calls to
//! `tests/c/test_<module>.c`, and wrap them in `bindings/go` and
//! `bindings/python` (one file per concept there too).

// The C names are the ABI; they follow C conventions, not Rust's.
#![allow(non_camel_case_types)]

mod arg;
mod handle;
mod panic;

pub mod cgroup;
pub mod cpuset;
pub mod error;
pub mod eval;
pub mod eviction;
pub mod groups;
pub mod hint;
pub mod pids;
pub mod pod;
pub mod span;
pub mod static_policy;
pub mod status;
pub mod string;
pub mod topology;
pub mod topology_policy;
pub mod version;
