//! A pod's usage as the Summary API reports it, reduced to what ranking reads.

use super::FsStatsSet;

/// Bytes and inodes used on a filesystem.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FsUsage {
    /// Bytes used.
    pub used_bytes: u64,
    /// Inodes used.
    pub inodes_used: u64,
}

impl FsUsage {
    /// Adds another usage (a missing value counts as zero upstream).
    pub fn add(&mut self, other: FsUsage) {
        self.used_bytes = self.used_bytes.saturating_add(other.used_bytes);
        self.inodes_used = self.inodes_used.saturating_add(other.inodes_used);
    }
}

/// A pod's statistics. A pod that has statistics but lacks a value counts
/// that value as zero; a pod with no statistics at all is "missing" and
/// ranks first (see [`rank`](super::rank)).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PodStats {
    /// The pod-level working set.
    pub memory_working_set_bytes: Option<u64>,
    /// Writable layers, summed over the pod's containers.
    pub rootfs: FsUsage,
    /// Logs, summed over the pod's containers.
    pub logs: FsUsage,
    /// Local volumes (see [`VolumeKind::is_local`]), summed.
    pub local_volumes: FsUsage,
    /// Processes in the pod's container cgroups (see
    /// [`PodCgroup::process_count`](crate::pids::PodCgroup::process_count)).
    pub process_count: Option<u64>,
}

impl PodStats {
    /// The disk usage (bytes, inodes) that counts for `set`.
    pub fn disk_usage(&self, set: FsStatsSet) -> (u128, u128) {
        let parts = [(set.root, self.rootfs), (set.logs, self.logs), (set.local_volumes, self.local_volumes)];
        parts.iter().filter(|(counted, _)| *counted).fold((0, 0), |(bytes, inodes), (_, usage)| {
            (bytes + u128::from(usage.used_bytes), inodes + u128::from(usage.inodes_used))
        })
    }
}

/// The kind of a pod volume, as far as disk ranking cares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolumeKind {
    /// `emptyDir` with its `medium` (`""`, `Memory`, `HugePages`, `HugePages-2Mi`...).
    EmptyDir {
        /// The medium; only the default (disk) counts toward disk usage.
        medium: String,
    },
    /// `hostPath`
    HostPath,
    /// `configMap`
    ConfigMap,
    /// `gitRepo`
    GitRepo,
    /// Any other source (`secret`, `downwardAPI`, `projected`, network volumes...).
    Other,
}

impl VolumeKind {
    /// Whether the volume's usage counts as the pod's local disk usage:
    /// HostPath, and what `IsLocalEphemeralVolume` accepts (GitRepo, ConfigMap,
    /// EmptyDir on the default medium). Secret, DownwardAPI and Projected
    /// volumes do not count.
    pub fn is_local(&self) -> bool {
        match self {
            VolumeKind::EmptyDir { medium } => medium.is_empty(),
            VolumeKind::HostPath | VolumeKind::ConfigMap | VolumeKind::GitRepo => true,
            VolumeKind::Other => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disk_usage_counts_the_measured_parts() {
        let usage = |bytes, inodes| FsUsage { used_bytes: bytes, inodes_used: inodes };
        let stats =
            PodStats { rootfs: usage(1, 10), logs: usage(2, 20), local_volumes: usage(4, 40), ..PodStats::default() };
        let set = |root, logs, local_volumes| FsStatsSet { root, logs, local_volumes };
        assert_eq!(stats.disk_usage(set(true, true, true)), (7, 70));
        assert_eq!(stats.disk_usage(set(false, true, true)), (6, 60));
        assert_eq!(stats.disk_usage(set(true, false, false)), (1, 10));
        assert_eq!(stats.disk_usage(FsStatsSet::default()), (0, 0));
    }

    #[test]
    fn local_volumes() {
        assert!(VolumeKind::EmptyDir { medium: String::new() }.is_local());
        assert!(!VolumeKind::EmptyDir { medium: "Memory".into() }.is_local());
        assert!(!VolumeKind::EmptyDir { medium: "HugePages-2Mi".into() }.is_local());
        assert!(VolumeKind::HostPath.is_local() && VolumeKind::ConfigMap.is_local() && VolumeKind::GitRepo.is_local());
        assert!(!VolumeKind::Other.is_local());
    }
}
