//! Eviction signals, the resources they reclaim and the node conditions they
//! raise (upstream `pkg/kubelet/eviction/api`).

use std::fmt;
use std::str::FromStr;

/// A node-level quantity the eviction manager watches (1.31's nine signals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Signal {
    /// `memory.available`: node memory minus the root cgroup's working set.
    MemoryAvailable,
    /// `allocatableMemory.available`: the pods cgroup's limit minus its working set.
    AllocatableMemoryAvailable,
    /// `nodefs.available`: free bytes on the kubelet's root filesystem.
    NodeFsAvailable,
    /// `nodefs.inodesFree`: free inodes on the kubelet's root filesystem.
    NodeFsInodesFree,
    /// `imagefs.available`: free bytes on the runtime's image filesystem.
    ImageFsAvailable,
    /// `imagefs.inodesFree`: free inodes on the runtime's image filesystem.
    ImageFsInodesFree,
    /// `containerfs.available`: free bytes on the filesystem of writable layers.
    ContainerFsAvailable,
    /// `containerfs.inodesFree`: free inodes on the filesystem of writable layers.
    ContainerFsInodesFree,
    /// `pid.available`: the node's PID limit minus its running tasks.
    PidAvailable,
}

/// The resource a signal reclaims; it names ranking and messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    /// `memory`
    Memory,
    /// `ephemeral-storage`
    EphemeralStorage,
    /// `inodes` (the kubelet's internal resource name)
    Inodes,
    /// `pids` (the kubelet's internal resource name)
    Pids,
}

/// A node condition the eviction manager reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NodeCondition {
    /// `MemoryPressure`
    MemoryPressure,
    /// `DiskPressure`
    DiskPressure,
    /// `PIDPressure`
    PidPressure,
}

/// How an observation is compared with a threshold; 1.31 has only one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `LessThan`: met when the observed value is below the threshold.
    LessThan,
}

impl Signal {
    /// Every signal, in declaration order.
    pub const ALL: [Signal; 9] = [
        Signal::MemoryAvailable,
        Signal::AllocatableMemoryAvailable,
        Signal::NodeFsAvailable,
        Signal::NodeFsInodesFree,
        Signal::ImageFsAvailable,
        Signal::ImageFsInodesFree,
        Signal::ContainerFsAvailable,
        Signal::ContainerFsInodesFree,
        Signal::PidAvailable,
    ];

    /// The kubelet's name for the signal.
    pub const fn as_str(self) -> &'static str {
        match self {
            Signal::MemoryAvailable => "memory.available",
            Signal::AllocatableMemoryAvailable => "allocatableMemory.available",
            Signal::NodeFsAvailable => "nodefs.available",
            Signal::NodeFsInodesFree => "nodefs.inodesFree",
            Signal::ImageFsAvailable => "imagefs.available",
            Signal::ImageFsInodesFree => "imagefs.inodesFree",
            Signal::ContainerFsAvailable => "containerfs.available",
            Signal::ContainerFsInodesFree => "containerfs.inodesFree",
            Signal::PidAvailable => "pid.available",
        }
    }

    /// The signal with the kubelet's name `name`, if it is one of 1.31's.
    pub fn from_name(name: &str) -> Option<Signal> {
        Signal::ALL.into_iter().find(|signal| signal.as_str() == name)
    }

    /// The resource the signal reclaims (upstream `signalToResource`).
    pub const fn resource(self) -> Resource {
        match self {
            Signal::MemoryAvailable | Signal::AllocatableMemoryAvailable => Resource::Memory,
            Signal::NodeFsAvailable | Signal::ImageFsAvailable | Signal::ContainerFsAvailable => {
                Resource::EphemeralStorage
            }
            Signal::NodeFsInodesFree | Signal::ImageFsInodesFree | Signal::ContainerFsInodesFree => Resource::Inodes,
            Signal::PidAvailable => Resource::Pids,
        }
    }

    /// The node condition the signal raises (upstream `signalToNodeCondition`).
    pub const fn node_condition(self) -> NodeCondition {
        match self.resource() {
            Resource::Memory => NodeCondition::MemoryPressure,
            Resource::EphemeralStorage | Resource::Inodes => NodeCondition::DiskPressure,
            Resource::Pids => NodeCondition::PidPressure,
        }
    }

    /// Whether the signal is one of the two memory signals.
    pub const fn is_memory(self) -> bool {
        matches!(self, Signal::MemoryAvailable | Signal::AllocatableMemoryAvailable)
    }

    /// The operator upstream assigns the signal (`OpForSignal`).
    pub const fn operator(self) -> Operator {
        Operator::LessThan
    }

    pub(crate) const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Signal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The signal name was not one of 1.31's nine.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported eviction signal {0}")]
pub struct UnknownSignal(pub String);

impl FromStr for Signal {
    type Err = UnknownSignal;
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Signal::from_name(name).ok_or_else(|| UnknownSignal(name.to_owned()))
    }
}

impl Resource {
    /// The resource's name as the kubelet prints it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Resource::Memory => "memory",
            Resource::EphemeralStorage => "ephemeral-storage",
            Resource::Inodes => "inodes",
            Resource::Pids => "pids",
        }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl NodeCondition {
    /// The condition's type as the node status shows it.
    pub const fn as_str(self) -> &'static str {
        match self {
            NodeCondition::MemoryPressure => "MemoryPressure",
            NodeCondition::DiskPressure => "DiskPressure",
            NodeCondition::PidPressure => "PIDPressure",
        }
    }
}

impl fmt::Display for NodeCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LessThan")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_map_to_resources() {
        for signal in Signal::ALL {
            assert_eq!(signal.as_str().parse::<Signal>(), Ok(signal));
            assert_eq!(Signal::ALL[signal.index()], signal);
        }
        assert_eq!(
            "swap.available".parse::<Signal>().unwrap_err().to_string(),
            "unsupported eviction signal swap.available"
        );
        assert_eq!(Signal::NodeFsInodesFree.resource(), Resource::Inodes);
        assert_eq!(Signal::ContainerFsAvailable.node_condition(), NodeCondition::DiskPressure);
        assert_eq!(Signal::AllocatableMemoryAvailable.node_condition(), NodeCondition::MemoryPressure);
        assert_eq!(Signal::PidAvailable.node_condition().as_str(), "PIDPressure");
    }
}
