//! The kubelet CPU manager's static policy: CPU allocation with every policy option, topology hints, state and the kubelet-compatible checkpoint.

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
    CpuSortingStrategy, take_by_topology, take_by_topology_numa_distributed, take_by_topology_numa_packed,
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
pub use topology_hints::{generate_cpu_topology_hints, is_hint_socket_aligned};
