//! PID accounting per pod cgroup and per node, as the kubelet does it
//! (upstream `pkg/kubelet/stats/pidlimit/pidlimit_linux.go` for the node,
//! cadvisor's process statistics through the stats provider for pods, and
//! `pod_container_manager_linux.go` for `podPidsLimit`). These numbers feed
//! the `pid.available` eviction signal and the PID-pressure ranking.
//!
//! * [`NodePids`]: the node's PID limit and running tasks, the inputs of the
//!   `pid.available` eviction signal.
//! * [`PodCgroup`]: a pod's process count summed over its container cgroups
//!   (the 1.31 fix, PR #124101), its task count and its `pids.max` limit.
//!
//! Node numbers count threads, pod process counts count processes: the
//! kubelet mixes the two units, and so does this module, on purpose.
//!
//! ```no_run
//! use nodecore::pids::{NodePids, PodCgroup};
//! use std::path::Path;
//!
//! let node = NodePids::read(Path::new("/"));
//! println!("pid.available = {:?}", node.available());
//! let pod = PodCgroup::new("/sys/fs/cgroup/pids/kubepods/burstable/pod1234");
//! println!("processes = {:?}", pod.process_count()?);
//! # Ok::<(), nodecore::pids::Error>(())
//! ```

mod error;
mod node;
mod pod;

pub use error::Error;
pub use node::{LoadavgError, NodePids, running_task_count};
pub use pod::{PidsLimit, PodCgroup, cgroup_process_count, merge_process_counts};
