//! cgroup v1/v2 detection, kubelet cgroup names, resource conversions and managers.
//!
//! This is the kubelet's `pkg/kubelet/cm` cgroup layer
//! (`cgroup_manager_linux.go`, `cgroup_v1_manager_linux.go`,
//! `cgroup_v2_manager_linux.go`, `qos_container_manager_linux.go`,
//! `pod_container_manager_linux.go`, `helpers_linux.go`) with runc's file
//! semantics underneath (`opencontainers/cgroups`), exact to upstream, so
//! that a node managed by nodecore has the cgroups the kubelet would create:
//!
//! * **Mode** ([`Mode::detect`]): a hybrid host is v1 to the kubelet; plus the
//!   cgroup v1 maintenance-mode warning and `--fail-cgroupv1` check
//!   ([`maintenance`]).
//! * **Names** ([`CgroupName`], [`Driver`]): cgroupfs paths and systemd slices
//!   (`ExpandSlice`), the kubepods / QoS / pod layout ([`CgroupLayout`]), with
//!   every component and pod UID checked so that no name leaves the hierarchy.
//! * **Values** ([`convert`], [`levels`], [`memory_qos`], [`swap`], [`oom`]):
//!   `MilliCPUToShares`, `MilliCPUToQuota`, linear and quadratic CPU weights,
//!   systemd quota rounding, what each level gets, `memory.high`, LimitedSwap,
//!   `memory.oom.group`.
//! * **Managers** ([`CgroupManager`], [`V1Manager`], [`V2Manager`]): create,
//!   update, destroy (with [`destroy_pod`]'s kill rounds), validate, list
//!   processes and read limits back, over roots that a test can point at a
//!   plain directory tree.
//! * **Reads for other modules** ([`files`]): one value, a flat-keyed file,
//!   the processes of a cgroup tree.
//!
//! ```no_run
//! use nodecore::cgroups::{CgroupConfig, CgroupLayout, Driver, Host, HostPaths, QosClass, ResourceConfig, destroy_pod};
//!
//! let host = Host::detect(&HostPaths::default())?;
//! let manager = host.manager(Driver::Cgroupfs)?;
//! let pod = CgroupLayout::new("/", true)?.pod_cgroup(QosClass::Burstable, "1b4e28ba-2fa1-11d2-883f-0016d3cca427")?;
//! let resources = ResourceConfig { cpu_shares: Some(256), memory: Some(256 << 20), ..Default::default() };
//! manager.create(&CgroupConfig { name: pod.clone(), resources })?.limits?;
//! println!("{:?}", manager.pids(&pod)?);
//! destroy_pod(manager.as_ref(), &pod)?;
//! # Ok::<(), nodecore::cgroups::Error>(())
//! ```
//!
//! The systemd driver is supported for names and reads; creating, writing
//! and removing systemd units takes systemd's D-Bus API, which is not built in
//! (see the README).

mod controllers;
pub mod convert;
mod error;
mod eval;
pub mod files;
mod host;
mod layout;
pub mod levels;
pub mod maintenance;
mod manager;
pub mod memory_qos;
mod mode;
mod name;
pub mod oom;
mod pod;
mod resources;
mod subsystems;
pub mod swap;
mod v1;
mod v2;

pub use convert::WeightFormula;
pub use error::Error;
pub(crate) use eval::eval;
pub use host::{Host, HostPaths, huge_page_sizes};
pub use layout::{CgroupLayout, KUBEPODS, POD_PREFIX, QosClass};
pub use levels::{
    NodeResources, PodCgroupOptions, PodResources, QosTierInput, node_level_config, pod_resource_config,
    qos_tier_configs,
};
pub use maintenance::{CgroupV1Policy, VersionCheck, cgroup_version_check, validate_fail_cgroup_v1};
pub use manager::{CgroupLimits, CgroupManager, Created, Limit};
pub use mode::{CgroupVersion, Mode};
pub use name::{CgroupName, Driver, expand_slice, is_systemd_style_name};
pub use pod::{KILL_ROUNDS, destroy_pod, kill_cgroup_processes, pod_cgroups};
pub use resources::{CgroupConfig, Resource, ResourceConfig};
pub use subsystems::{CgroupSubsystems, ProcCgroup, parse_proc_cgroup};
pub use v1::V1Manager;
pub use v2::V2Manager;
