//! The kubelet topology manager: NUMA hint bitmasks and exact hint merging for every policy.
//!
//! Hint providers (the CPU, memory and device managers) describe where each
//! resource of a container could be placed as [`TopologyHint`]s over a
//! [`bitmask::BitMask`] of NUMA nodes; the topology manager merges them into
//! one affinity and decides whether the pod is admitted.

pub mod bitmask;
mod eval;
mod hint;

pub(crate) use eval::eval;
pub use hint::{ProviderHints, TopologyHint};
