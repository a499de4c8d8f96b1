//! Signal observations built from node statistics (upstream
//! `makeSignalObservations`, the node half of it).
//!
//! [`NodeStats`] holds the parts of the kubelet's Summary API the eviction
//! manager reads; [`live`](super::live) fills it from this machine.

use super::{Quantity, Signal};
use std::time::Instant;

/// Memory statistics of the node (root cgroup) or of the pods cgroup.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemoryStats {
    /// Limit minus working set; absent when the cgroup has no limit.
    pub available_bytes: Option<u64>,
    /// Usage minus inactive file pages, floored at zero.
    pub working_set_bytes: Option<u64>,
    /// When the sample was taken; `None` is Go's zero time.
    pub time: Option<Instant>,
}

/// Statistics of one filesystem.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FsStats {
    /// Bytes available to unprivileged users.
    pub available_bytes: Option<u64>,
    /// Size of the filesystem in bytes.
    pub capacity_bytes: Option<u64>,
    /// Free inodes.
    pub inodes_free: Option<u64>,
    /// Total inodes.
    pub inodes: Option<u64>,
    /// When the sample was taken; `None` is Go's zero time.
    pub time: Option<Instant>,
}

/// The node's PID limit and running tasks (Summary `Rlimit`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RlimitStats {
    /// min(`kernel.pid_max`, `kernel.threads-max`).
    pub max_pid: Option<i64>,
    /// Kernel scheduling entities (threads) on the node, despite the name.
    pub num_of_running_processes: Option<i64>,
    /// When the sample was taken; `None` is Go's zero time.
    pub time: Option<Instant>,
}

/// The node statistics the eviction manager observes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeStats {
    /// The node's memory (root cgroup, limit = machine memory).
    pub memory: Option<MemoryStats>,
    /// The pods cgroup's memory (Summary system container `"pods"`).
    pub allocatable_memory: Option<MemoryStats>,
    /// The filesystem holding the kubelet's root directory.
    pub node_fs: Option<FsStats>,
    /// The runtime's image filesystem.
    pub image_fs: Option<FsStats>,
    /// The filesystem of container writable layers (the image or node fs when not separate).
    pub container_fs: Option<FsStats>,
    /// PID limit and running tasks.
    pub rlimit: Option<RlimitStats>,
}

/// What one signal shows: available and capacity, and when it was sampled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Observation {
    /// The available amount.
    pub available: Quantity,
    /// The capacity percentages are taken of.
    pub capacity: Quantity,
    /// When the sample was taken; `None` is Go's zero time.
    pub time: Option<Instant>,
}

/// Observations per signal; a signal without one is skipped by evaluation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Observations {
    by_signal: [Option<Observation>; Signal::ALL.len()],
}

impl Observations {
    /// No observations.
    pub fn new() -> Self {
        Observations::default()
    }

    /// The observation of `signal`, if there is one.
    pub fn get(&self, signal: Signal) -> Option<&Observation> {
        self.by_signal[signal.index()].as_ref()
    }

    /// Sets the observation of `signal`.
    pub fn insert(&mut self, signal: Signal, observation: Observation) {
        self.by_signal[signal.index()] = Some(observation);
    }

    /// Every observation, in [`Signal::ALL`] order.
    pub fn iter(&self) -> impl Iterator<Item = (Signal, &Observation)> {
        Signal::ALL.into_iter().filter_map(|signal| self.get(signal).map(|o| (signal, o)))
    }

    /// The observations `stats` allow: each needs all of its inputs.
    ///
    /// Memory: available as given, capacity = available + working set.
    /// Filesystems: bytes and inodes as given. PIDs: available =
    /// max − running (negative when over), capacity = max. Byte values are
    /// binary-SI, counts decimal-SI, as upstream builds them.
    pub fn from_stats(stats: &NodeStats) -> Self {
        let mut observations = Observations::new();
        let memory = |m: &MemoryStats| {
            let (available, working_set) = (m.available_bytes?, m.working_set_bytes?);
            Some(Observation {
                available: Quantity::binary_si(go_int64(available)),
                capacity: Quantity::binary_si(go_int64(available.wrapping_add(working_set))),
                time: m.time,
            })
        };
        let bytes = |fs: &FsStats| {
            Some(Observation {
                available: Quantity::binary_si(go_int64(fs.available_bytes?)),
                capacity: Quantity::binary_si(go_int64(fs.capacity_bytes?)),
                time: fs.time,
            })
        };
        let inodes = |fs: &FsStats| {
            Some(Observation {
                available: Quantity::decimal_si(go_int64(fs.inodes_free?)),
                capacity: Quantity::decimal_si(go_int64(fs.inodes?)),
                time: fs.time,
            })
        };
        let mut set = |signal, observation: Option<Observation>| {
            if let Some(observation) = observation {
                observations.insert(signal, observation);
            }
        };
        set(Signal::MemoryAvailable, stats.memory.as_ref().and_then(memory));
        set(Signal::AllocatableMemoryAvailable, stats.allocatable_memory.as_ref().and_then(memory));
        set(Signal::NodeFsAvailable, stats.node_fs.as_ref().and_then(bytes));
        set(Signal::NodeFsInodesFree, stats.node_fs.as_ref().and_then(inodes));
        set(Signal::ImageFsAvailable, stats.image_fs.as_ref().and_then(bytes));
        set(Signal::ImageFsInodesFree, stats.image_fs.as_ref().and_then(inodes));
        set(Signal::ContainerFsAvailable, stats.container_fs.as_ref().and_then(bytes));
        set(Signal::ContainerFsInodesFree, stats.container_fs.as_ref().and_then(inodes));
        let pids = stats.rlimit.and_then(|r| {
            let (max, running) = (r.max_pid?, r.num_of_running_processes?);
            Some(Observation {
                available: Quantity::decimal_si(max.wrapping_sub(running)),
                capacity: Quantity::decimal_si(max),
                time: r.time,
            })
        });
        set(Signal::PidAvailable, pids);
        observations
    }
}

/// Go's `int64(u)` for a `uint64`: values above `i64::MAX` wrap negative.
fn go_int64(value: u64) -> i64 {
    value as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_need_all_their_inputs() {
        // Spec case 72.
        let now = Instant::now();
        let gi = 1u64 << 30;
        let mi = 1u64 << 20;
        let stats = NodeStats {
            memory: Some(MemoryStats { available_bytes: Some(gi), working_set_bytes: Some(gi), time: Some(now) }),
            allocatable_memory: Some(MemoryStats { available_bytes: None, working_set_bytes: Some(gi), time: None }),
            image_fs: Some(FsStats {
                available_bytes: Some(mi),
                capacity_bytes: Some(2 * mi),
                inodes_free: Some(1024),
                inodes: Some(mi),
                time: None,
            }),
            node_fs: Some(FsStats {
                available_bytes: Some(1024),
                capacity_bytes: Some(2048),
                inodes_free: Some(1024),
                inodes: None,
                time: None,
            }),
            container_fs: None,
            rlimit: Some(RlimitStats { max_pid: Some(255_816), num_of_running_processes: Some(1000), time: None }),
        };
        let observations = Observations::from_stats(&stats);
        let memory = observations.get(Signal::MemoryAvailable).unwrap();
        assert_eq!((memory.available.value(), memory.capacity.value(), memory.time), (1 << 30, 2 << 30, Some(now)));
        assert!(observations.get(Signal::AllocatableMemoryAvailable).is_none());
        assert_eq!(observations.get(Signal::NodeFsAvailable).unwrap().capacity.value(), 2048);
        assert!(observations.get(Signal::NodeFsInodesFree).is_none());
        assert_eq!(observations.get(Signal::ImageFsInodesFree).unwrap().capacity.value(), 1 << 20);
        assert!(observations.get(Signal::ContainerFsAvailable).is_none());
        let pids = observations.get(Signal::PidAvailable).unwrap();
        assert_eq!((pids.available.value(), pids.capacity.value()), (254_816, 255_816));
        assert_eq!(pids.available.to_string(), "254816");
        assert_eq!(observations.iter().count(), 5);
    }

    #[test]
    fn pid_availability_can_go_negative() {
        let stats = NodeStats {
            rlimit: Some(RlimitStats { max_pid: Some(100), num_of_running_processes: Some(150), time: None }),
            ..NodeStats::default()
        };
        let observations = Observations::from_stats(&stats);
        assert_eq!(observations.get(Signal::PidAvailable).unwrap().available.value(), -50);
    }
}
