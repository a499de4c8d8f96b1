//! # nodecore
//!
//! The Kubernetes kubelet's node-resource hot paths, exact to upstream: the
//! same answer as the kubelet for the same input, behind a Rust API, a stable
//! C ABI (crate `nodecore-ffi`) and Go and Python packages.
//!
//! | module | what it does |
//! |---|---|
//! | [`cpuset`] | CPU set type and the Linux list format (`0-3,8`) |
//! | [`topology`] | CPU, NUMA and cache topology: discovered, or loaded from JSON |
//! | [`cpumanager`] | the CPU manager's static policy, its options, state and checkpoint |
//! | [`topologymanager`] | topology hints and their merge for every policy |
//! | [`cgroups`] | cgroup v1/v2 detection, names, resource conversions, managers |
//! | [`eviction`] | eviction thresholds, signals and pod ranking |
//! | [`pids`] | PID accounting per pod and per node |
//! | [`groups`] | supplemental-group resolution (KEP-3619) |
//! | [`eval`] | the shared JSON case format every door speaks |
//!
//! Upstream here means the kubelet of Kubernetes 1.31 with the later options
//! each module names; where upstream has a quirk that changes results, the
//! module reproduces it on purpose and says where.

pub mod cgroups;
pub mod cpumanager;
pub mod cpuset;
pub mod eval;
pub mod eviction;
mod golang;
pub mod groups;
pub mod pids;
pub mod topology;
pub mod topologymanager;
