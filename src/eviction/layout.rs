//! The node's disk layout and what follows from it: which pod usage each
//! filesystem signal ranks by (upstream `buildSignalToRankFunc`) and which
//! garbage collections run before pods are evicted
//! (`buildSignalToNodeReclaimFuncs`).

use super::Signal;

/// Where images and container writable layers live.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FsLayout {
    /// The runtime's image filesystem is on another device than the node
    /// filesystem (upstream `HasDedicatedImageFs`).
    pub dedicated_image_fs: bool,
    /// Writable layers are on a filesystem other than the image filesystem
    /// (the KubeletSeparateDiskGC split). Only meaningful with
    /// `dedicated_image_fs`.
    pub split_container_fs: bool,
}

/// Which parts of a pod's disk usage count toward a filesystem signal.
///
/// Upstream also lists `images`, which measures nothing (there is no
/// per-pod image accounting), so it has no field here.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FsStatsSet {
    /// Container writable layers.
    pub root: bool,
    /// Container logs.
    pub logs: bool,
    /// Local volumes (EmptyDir on disk, HostPath, ConfigMap, GitRepo).
    pub local_volumes: bool,
}

/// A node-level garbage collection the manager runs before evicting pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeReclaim {
    /// Delete all unused containers (`containerGC.DeleteAllUnusedContainers`).
    DeleteUnusedContainers,
    /// Delete unused images (`imageGC.DeleteUnusedImages`).
    DeleteUnusedImages,
}

const ALL_FS: FsStatsSet = FsStatsSet { root: true, logs: true, local_volumes: true };
const LOGS_AND_VOLUMES: FsStatsSet = FsStatsSet { root: false, logs: true, local_volumes: true };
const ROOT_ONLY: FsStatsSet = FsStatsSet { root: true, logs: false, local_volumes: false };
const NOTHING: FsStatsSet = FsStatsSet { root: false, logs: false, local_volumes: false };

const BOTH_GC: &[NodeReclaim] = &[NodeReclaim::DeleteUnusedContainers, NodeReclaim::DeleteUnusedImages];
const CONTAINER_GC: &[NodeReclaim] = &[NodeReclaim::DeleteUnusedContainers];
const IMAGE_GC: &[NodeReclaim] = &[NodeReclaim::DeleteUnusedImages];

#[derive(Clone, Copy, PartialEq)]
enum Shape {
    Single,
    DedicatedImageFs,
    Split,
}

impl FsLayout {
    /// One filesystem for everything.
    pub const SINGLE: FsLayout = FsLayout { dedicated_image_fs: false, split_container_fs: false };

    fn shape(self) -> Shape {
        match (self.dedicated_image_fs, self.split_container_fs) {
            (true, false) => Shape::DedicatedImageFs,
            (true, true) => Shape::Split,
            // No image filesystem: one filesystem, whatever the split flag says.
            (false, _) => Shape::Single,
        }
    }

    /// The pod usage a filesystem signal ranks by; `None` for memory and PID
    /// signals.
    ///
    /// | layout | nodefs.* | imagefs.* | containerfs.* |
    /// |---|---|---|---|
    /// | single | all | all | all |
    /// | dedicated imagefs | logs, volumes | root | root |
    /// | split | logs, volumes, root | nothing | logs, volumes, root |
    pub fn stats_measured(self, signal: Signal) -> Option<FsStatsSet> {
        use Signal::*;
        let set = match (self.shape(), signal) {
            (_, MemoryAvailable | AllocatableMemoryAvailable | PidAvailable) => return None,
            (Shape::Single, _) => ALL_FS,
            (Shape::DedicatedImageFs, NodeFsAvailable | NodeFsInodesFree) => LOGS_AND_VOLUMES,
            (Shape::DedicatedImageFs, _) => ROOT_ONLY,
            (Shape::Split, ImageFsAvailable | ImageFsInodesFree) => NOTHING,
            (Shape::Split, _) => ALL_FS,
        };
        Some(set)
    }

    /// The garbage collections run, in order, before pods are evicted for
    /// `signal`; empty for memory and PID signals, and for nodefs signals on
    /// a dedicated image filesystem.
    pub fn reclaim_functions(self, signal: Signal) -> &'static [NodeReclaim] {
        use Signal::*;
        match (self.shape(), signal) {
            (_, MemoryAvailable | AllocatableMemoryAvailable | PidAvailable) => &[],
            (Shape::Single, _) => BOTH_GC,
            (Shape::DedicatedImageFs, NodeFsAvailable | NodeFsInodesFree) => &[],
            (Shape::DedicatedImageFs, _) => BOTH_GC,
            (Shape::Split, ImageFsAvailable | ImageFsInodesFree) => IMAGE_GC,
            (Shape::Split, _) => CONTAINER_GC,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEDICATED: FsLayout = FsLayout { dedicated_image_fs: true, split_container_fs: false };
    const SPLIT: FsLayout = FsLayout { dedicated_image_fs: true, split_container_fs: true };

    #[test]
    fn rank_tables_per_layout() {
        assert_eq!(FsLayout::SINGLE.stats_measured(Signal::ImageFsInodesFree), Some(ALL_FS));
        assert_eq!(DEDICATED.stats_measured(Signal::NodeFsAvailable), Some(LOGS_AND_VOLUMES));
        assert_eq!(DEDICATED.stats_measured(Signal::ContainerFsInodesFree), Some(ROOT_ONLY));
        assert_eq!(SPLIT.stats_measured(Signal::ImageFsAvailable), Some(NOTHING));
        assert_eq!(SPLIT.stats_measured(Signal::ContainerFsAvailable), Some(ALL_FS));
        assert_eq!(SPLIT.stats_measured(Signal::PidAvailable), None);
        let odd = FsLayout { dedicated_image_fs: false, split_container_fs: true };
        assert_eq!(odd.stats_measured(Signal::ImageFsAvailable), Some(ALL_FS));
    }

    #[test]
    fn reclaim_tables_per_layout() {
        assert_eq!(FsLayout::SINGLE.reclaim_functions(Signal::NodeFsAvailable), BOTH_GC);
        assert!(DEDICATED.reclaim_functions(Signal::NodeFsInodesFree).is_empty());
        assert_eq!(DEDICATED.reclaim_functions(Signal::ImageFsAvailable), BOTH_GC);
        assert_eq!(SPLIT.reclaim_functions(Signal::NodeFsAvailable), CONTAINER_GC);
        assert_eq!(SPLIT.reclaim_functions(Signal::ImageFsInodesFree), IMAGE_GC);
        assert_eq!(SPLIT.reclaim_functions(Signal::ContainerFsAvailable), CONTAINER_GC);
        assert!(SPLIT.reclaim_functions(Signal::MemoryAvailable).is_empty());
    }
}
