//! The CPU topology the kubelet's CPU manager works on (upstream
//! `pkg/kubelet/cm/cpumanager/topology/topology.go`, fed by cadvisor's
//! `utils/sysfs` machine info).
//!
//! For every logical CPU the model records its physical core, socket, NUMA
//! node and uncore (last-level) cache, exactly as the kubelet's
//! `topology.Discover` builds them: a core's id is the lowest logical CPU id
//! among its threads (globally unique), and a CPU whose core lists no uncore
//! cache gets its socket id as uncore id.
//!
//! [`discover`] reads this machine's topology from sysfs (no C dependency);
//! with the cargo feature `hwloc`, `discover_with_hwloc` asks hwloc instead.
//! [`numa_distances`] reads the NUMA distance rows. A topology can also be
//! loaded from JSON ([`CpuTopology::from_json`]) or by name ([`named`]).
//!
//! Beside the per-CPU map the model keeps the kubelet's *declared* counters
//! ([`CpuTopology::num_cpus`] and friends). Upstream reads its ratios (CPUs per
//! core, per socket, per uncore cache) and the NUMA-first decision from those
//! counters, not from the map, and its test fixtures rely on that. Building a
//! topology from rows ([`CpuTopology::from_cpus`]) derives the counters from
//! the rows.
//!
//! ```
//! use nodecore::topology::{CpuInfo, CpuTopology};
//!
//! // One socket, two cores with two threads each.
//! let rows = [(0, 0), (1, 1), (2, 0), (3, 1)].map(|(cpu, core)| {
//!     (cpu, CpuInfo { core, socket: 0, numa: 0, uncore: 0 })
//! });
//! let topo = CpuTopology::from_cpus(rows).unwrap();
//! assert_eq!(topo.cpus_per_core(), 2);
//! assert_eq!(topo.details.cpus_in_cores(&[1].into_iter().collect()).to_string(), "1,3");
//! ```

mod details;
mod distances;
mod error;
#[cfg(feature = "hwloc")]
mod hwloc;
mod json;
mod sysfs;

pub use details::CpuDetails;
pub(crate) use details::{Layout, Link, Unit};
pub use distances::NumaDistances;
pub use error::Error;
#[cfg(feature = "hwloc")]
pub use hwloc::discover_with_hwloc;
pub use json::{CpuRow, TopologyJson, named, names};
pub use sysfs::Sysfs;

/// This machine's CPU topology, discovered from sysfs exactly as the kubelet
/// builds it (through cadvisor); [`Sysfs`] documents the rules.
///
/// ```no_run
/// let topology = nodecore::topology::discover()?;
/// println!("{} CPUs in {} cores", topology.num_cpus, topology.num_cores);
/// # Ok::<(), nodecore::topology::Error>(())
/// ```
pub fn discover() -> Result<CpuTopology, Error> {
    Sysfs::host().topology()
}

/// This machine's NUMA distances, from `/sys/devices/system/node/node*/distance`.
pub fn numa_distances() -> Result<NumaDistances, Error> {
    Sysfs::host().numa_distances()
}

/// Where one logical CPU sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct CpuInfo {
    /// Physical core: the lowest logical CPU id among the core's threads.
    pub core: usize,
    /// Physical package.
    pub socket: usize,
    /// NUMA node.
    pub numa: usize,
    /// Last-level cache domain; the socket id where the machine reports none.
    pub uncore: usize,
}

/// A machine's CPUs as the kubelet's CPU manager sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpuTopology {
    /// Declared number of logical CPUs (upstream `NumCPUs`).
    pub num_cpus: usize,
    /// Declared number of physical cores (upstream `NumCores`).
    pub num_cores: usize,
    /// Declared number of sockets (upstream `NumSockets`).
    pub num_sockets: usize,
    /// Declared number of NUMA nodes (upstream `NumNUMANodes`).
    pub num_numa_nodes: usize,
    /// Declared number of uncore caches (upstream `NumUncoreCache`).
    pub num_uncore_caches: usize,
    /// Where each CPU sits.
    pub details: CpuDetails,
}

impl CpuTopology {
    /// Builds a topology from `(cpu, info)` rows, deriving the declared
    /// counters from the rows.
    ///
    /// Refuses an empty list, a CPU listed twice, and a CPU id above
    /// [`crate::cpuset::MAX_CPU_ID`].
    pub fn from_cpus(rows: impl IntoIterator<Item = (usize, CpuInfo)>) -> Result<Self, Error> {
        let details = CpuDetails::from_rows(rows)?;
        if details.is_empty() {
            return Err(Error::NoCpus);
        }
        Ok(CpuTopology {
            num_cpus: details.len(),
            num_cores: details.cores().len(),
            num_sockets: details.sockets().len(),
            num_numa_nodes: details.numa_nodes().len(),
            num_uncore_caches: details.uncore_caches().len(),
            details,
        })
    }

    /// Logical CPUs per core: `num_cpus / num_cores`, integer division, 0 when
    /// there are no cores (upstream `CPUsPerCore`).
    pub fn cpus_per_core(&self) -> usize {
        self.num_cpus.checked_div(self.num_cores).unwrap_or(0)
    }

    /// Logical CPUs per socket (upstream `CPUsPerSocket`).
    pub fn cpus_per_socket(&self) -> usize {
        self.num_cpus.checked_div(self.num_sockets).unwrap_or(0)
    }

    /// Logical CPUs per uncore cache (upstream `CPUsPerUncore`).
    pub fn cpus_per_uncore(&self) -> usize {
        self.num_cpus.checked_div(self.num_uncore_caches).unwrap_or(0)
    }

    /// Whether NUMA nodes are the larger unit (upstream: `NumSockets >=
    /// NumNUMANodes`, from the declared counters). When false, several NUMA
    /// nodes share a socket (Sub-NUMA Clustering, AMD NPS2/NPS4).
    pub fn numa_first(&self) -> bool {
        self.num_sockets >= self.num_numa_nodes
    }

    /// All CPUs of the machine.
    pub fn cpus(&self) -> crate::cpuset::CpuSet {
        self.details.cpus()
    }
}

#[cfg(test)]
mod tests;
