//! The kubelet CPU manager's `static` policy: exclusive CPUs for the
//! whole-CPU containers of Guaranteed pods, with every policy option, CPU
//! topology hints, the state and the kubelet-compatible checkpoint.
//!
//! Which CPUs a container gets decides its performance (cache sharing, SMT
//! siblings, NUMA locality) and must not change when a node moves from the
//! kubelet to nodecore and back, so every choice here is upstream's, tie-breaks
//! and quirks included.
//!
//! | part | upstream (`pkg/kubelet/cm/cpumanager/`) | here |
//! |---|---|---|
//! | the policy | `policy_static.go` | [`StaticPolicy`] |
//! | options | `policy_options.go` | [`StaticPolicyOptions`] |
//! | choosing CPUs | `cpu_assignment.go` | [`take_by_topology`] |
//! | topology hints | `policy_static.go` (`generateCPUTopologyHints`) | [`generate_cpu_topology_hints`] |
//! | hint provider of the topology manager | `cpu_manager.go` | [`StaticPolicyHintProvider`] |
//! | state, checkpoint | `state/` | [`state`] |
//!
//! Upstream quirks kept on purpose, each in one named place: the Go
//! slice-aliasing of `distribute-cpus-across-numa`
//! ([`StaticPolicyOptions::emulate_go_slice_aliasing`]), and where released
//! upstream loops forever this returns (see [`take_by_topology_numa_distributed`]).
//!
//! ```
//! use nodecore::cpumanager::{CpuSortingStrategy, StaticPolicyOptions, take_by_topology};
//! use nodecore::topology;
//!
//! // 4 cores x 2 threads: CPU n and n+4 are siblings.
//! let machine = topology::named("single-socket-ht").unwrap();
//! let packed = take_by_topology(&machine, &machine.cpus(), 2, &StaticPolicyOptions::default()).unwrap();
//! assert_eq!(packed.to_string(), "0,4", "a whole core");
//!
//! let mut spread = StaticPolicyOptions::default();
//! spread.distribute_cpus_across_cores = true; // CpuSortingStrategy::Spread
//! assert_eq!(take_by_topology(&machine, &machine.cpus(), 2, &spread).unwrap().to_string(), "0-1");
//! # let _ = CpuSortingStrategy::Packed;
//! ```

mod cpu_assignment;
mod error;
mod eval;
mod hint_provider;
mod pod;
mod policy_options;
mod policy_static;
pub mod state;
mod topology_hints;

pub use cpu_assignment::{
    CpuSortingStrategy, MAX_DISTRIBUTE_STEPS, take_by_topology, take_by_topology_numa_distributed,
    take_by_topology_numa_packed,
};
pub use error::{Error, SmtAlignmentError};
pub(crate) use eval::eval;
pub use hint_provider::StaticPolicyHintProvider;
pub use pod::{Container, Pod, QosClass, UnknownQosClass};
pub use policy_options::{
    ALIGN_BY_SOCKET, DISTRIBUTE_CPUS_ACROSS_CORES, DISTRIBUTE_CPUS_ACROSS_NUMA, FULL_PCPUS_ONLY, Maturity,
    OptionsError, PREFER_ALIGN_CPUS_BY_UNCORECACHE, PolicyOptionGates, SINGLE_NUMA_NODE_POLICY, STRICT_CPU_RESERVATION,
    StaticPolicyOptions,
};
pub use policy_static::{InvalidStateError, POLICY_STATIC, RESOURCE_CPU, ReservedCpusError, StaticPolicy};
pub use topology_hints::{MAX_HINT_NUMA_NODES, generate_cpu_topology_hints, is_hint_socket_aligned};
