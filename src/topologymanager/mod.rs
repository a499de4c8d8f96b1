//! The kubelet topology manager: NUMA hint bitmasks and exact hint merging for every policy.
//!
//! Hint providers (the CPU, memory and device managers) describe where each
//! resource of a container could be placed as [`TopologyHint`]s over a
//! [`bitmask::BitMask`] of NUMA nodes. A [`Policy`] merges one
//! [`ProviderHints`] map per provider into the hint to store and decides
//! admission, with upstream's exact answer, tie-breaks included; a
//! [`TopologyManager`] drives it per container or per pod, handing each
//! provider the merged hint when it allocates (the CPU manager's provider is
//! [`crate::cpumanager::StaticPolicyHintProvider`]).
//!
//! Upstream: `pkg/kubelet/cm/topologymanager/` — `bitmask/`, `policy_*.go`,
//! `policy_options.go`, `numa_info.go`, `scope_*.go`, `topology_manager.go`.
//!
//! Upstream merges by walking the cross product of all hint lists, which is
//! why it refuses machines with more than 8 NUMA nodes by default: four
//! providers with 255 hints each make 4.2e9 permutations. [`Policy::merge`]
//! finds the same answer without that walk (preferred outcomes in closed
//! form, else a pruned search over distinct AND-masks), in microseconds on
//! such inputs; [`Policy::merge_cross_product_reference`] keeps upstream's
//! walk for comparison.
//!
//! Where upstream panics, this module returns an error: a NUMA node id above
//! 63 ([`Error::NumaNodeOutOfRange`]) and, with `prefer-closest-numa-nodes`, a
//! distance row too short for an average the answer depends on
//! ([`Error::ShortDistanceRow`]).
//!
//! ```
//! use nodecore::topologymanager::{OptionGates, Policy, ProviderHints, TopologyHint};
//! use nodecore::topologymanager::bitmask::BitMask;
//! use std::collections::BTreeMap;
//!
//! let distances = BTreeMap::from([(0, vec![10, 21]), (1, vec![21, 10])]);
//! let options = [("prefer-closest-numa-nodes", "true")];
//! let policy = Policy::from_config("best-effort", options, OptionGates::default(), &[0, 1], &distances).unwrap();
//! let device = ProviderHints::from([("gpu".to_owned(), Some(vec![
//!     TopologyHint::new(Some(BitMask::new([1]).unwrap()), true),
//! ]))]);
//! let outcome = policy.merge(&[device, ProviderHints::new()]).unwrap();
//! assert_eq!(outcome.hint.numa_node_affinity, Some(BitMask::new([1]).unwrap()));
//! assert!(outcome.hint.preferred && outcome.admit);
//! ```

pub mod bitmask;
mod error;
mod eval;
mod hint;
mod manager;
mod merge;
mod numa_info;
mod options;
mod policy;
mod scope;

pub use error::Error;
pub(crate) use eval::{affinity, eval, hint_json};
pub use hint::{ProviderHints, TopologyHint};
pub use manager::{TopologyManager, TopologyManagerConfig};
pub use merge::{MAX_MERGE_LISTS, MAX_MERGE_STEPS};
pub use numa_info::{DistanceIndexing, NumaInfo};
pub use options::{
    DEFAULT_MAX_ALLOWABLE_NUMA_NODES, MAX_ALLOWABLE_NUMA_NODES, OptionGates, PREFER_CLOSEST_NUMA_NODES,
    TopologyManagerOptions,
};
pub use policy::{MergeOutcome, Policy, PolicyName};
pub use scope::{AdmissionError, ContainerAdmission, HintProvider, Pod, ScopeName};
