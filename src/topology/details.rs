//! Per-CPU placement and the set queries the CPU manager asks of it
//! (upstream `CPUDetails`).

mod layout;

use super::{CpuInfo, Error};
use crate::cpuset::{CpuSet, MAX_CPU_ID};
pub(crate) use layout::{Layout, Link, Unit};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

/// Where each logical CPU sits, keyed by CPU id, iterated in ascending order.
///
/// Every query returns a set of ids (CPU, core, socket, NUMA node or uncore
/// ids) as a [`CpuSet`], as upstream does.
#[derive(Clone, Default)]
pub struct CpuDetails {
    cpus: BTreeMap<usize, CpuInfo>,
    /// The dense numbering of `cpus`, built on first use: the CPU manager's
    /// allocator asks for it on every call, the map never changes.
    layout: OnceLock<Layout>,
}

impl PartialEq for CpuDetails {
    fn eq(&self, other: &Self) -> bool {
        self.cpus == other.cpus
    }
}

impl Eq for CpuDetails {}

impl fmt::Debug for CpuDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CpuDetails").field("cpus", &self.cpus).finish()
    }
}

impl CpuDetails {
    pub(super) fn from_rows(rows: impl IntoIterator<Item = (usize, CpuInfo)>) -> Result<Self, Error> {
        let mut cpus = BTreeMap::new();
        for (cpu, info) in rows {
            if cpu > MAX_CPU_ID || info.core > MAX_CPU_ID {
                return Err(Error::CpuIdTooLarge(cpu.max(info.core)));
            }
            // The set queries collect these ids into a `CpuSet`, which holds
            // ids up to `MAX_CPU_ID` only.
            for (field, id) in [("socket", info.socket), ("numa", info.numa), ("uncore", info.uncore)] {
                if id > MAX_CPU_ID {
                    return Err(Error::IdTooLarge { field, cpu, id });
                }
            }
            if cpus.insert(cpu, info).is_some() {
                return Err(Error::DuplicateCpu(cpu));
            }
        }
        Ok(CpuDetails { cpus, layout: OnceLock::new() })
    }

    /// The dense numbering of this map (built once, then shared).
    pub(crate) fn layout(&self) -> &Layout {
        self.layout.get_or_init(|| Layout::new(&self.cpus))
    }

    /// The number of CPUs.
    pub fn len(&self) -> usize {
        self.cpus.len()
    }

    /// Whether there is no CPU.
    pub fn is_empty(&self) -> bool {
        self.cpus.is_empty()
    }

    /// Where `cpu` sits, if it is known.
    pub fn get(&self, cpu: usize) -> Option<&CpuInfo> {
        self.cpus.get(&cpu)
    }

    /// `(cpu, info)` in ascending CPU order.
    pub fn iter(&self) -> impl Iterator<Item = (usize, &CpuInfo)> {
        self.cpus.iter().map(|(&cpu, info)| (cpu, info))
    }

    /// The same map restricted to `cpus` (upstream `KeepOnly`).
    pub fn keep_only(&self, cpus: &CpuSet) -> CpuDetails {
        let cpus = cpus.iter().filter_map(|cpu| self.cpus.get(&cpu).map(|info| (cpu, *info))).collect();
        CpuDetails { cpus, layout: OnceLock::new() }
    }

    /// All CPU ids.
    pub fn cpus(&self) -> CpuSet {
        self.cpus.keys().copied().collect()
    }

    /// All NUMA node ids.
    pub fn numa_nodes(&self) -> CpuSet {
        self.ids(|_| true, |info| info.numa)
    }

    /// NUMA nodes with a CPU in one of `sockets`.
    pub fn numa_nodes_in_sockets(&self, sockets: &CpuSet) -> CpuSet {
        self.ids(|info| sockets.contains(info.socket), |info| info.numa)
    }

    /// All socket ids.
    pub fn sockets(&self) -> CpuSet {
        self.ids(|_| true, |info| info.socket)
    }

    /// Sockets with a CPU in one of `numa_nodes`.
    pub fn sockets_in_numa_nodes(&self, numa_nodes: &CpuSet) -> CpuSet {
        self.ids(|info| numa_nodes.contains(info.numa), |info| info.socket)
    }

    /// All core ids.
    pub fn cores(&self) -> CpuSet {
        self.ids(|_| true, |info| info.core)
    }

    /// Cores with a CPU in one of `numa_nodes`.
    pub fn cores_in_numa_nodes(&self, numa_nodes: &CpuSet) -> CpuSet {
        self.ids(|info| numa_nodes.contains(info.numa), |info| info.core)
    }

    /// Cores with a CPU in one of `sockets`.
    pub fn cores_in_sockets(&self, sockets: &CpuSet) -> CpuSet {
        self.ids(|info| sockets.contains(info.socket), |info| info.core)
    }

    /// All uncore cache ids.
    pub fn uncore_caches(&self) -> CpuSet {
        self.ids(|_| true, |info| info.uncore)
    }

    /// Uncore caches with a CPU in one of `numa_nodes`.
    pub fn uncore_in_numa_nodes(&self, numa_nodes: &CpuSet) -> CpuSet {
        self.ids(|info| numa_nodes.contains(info.numa), |info| info.uncore)
    }

    /// CPUs in one of `sockets`.
    pub fn cpus_in_sockets(&self, sockets: &CpuSet) -> CpuSet {
        self.cpus_where(|info| sockets.contains(info.socket))
    }

    /// CPUs in one of `numa_nodes`.
    pub fn cpus_in_numa_nodes(&self, numa_nodes: &CpuSet) -> CpuSet {
        self.cpus_where(|info| numa_nodes.contains(info.numa))
    }

    /// CPUs in one of `cores`.
    pub fn cpus_in_cores(&self, cores: &CpuSet) -> CpuSet {
        self.cpus_where(|info| cores.contains(info.core))
    }

    /// CPUs in one of `uncore_caches`.
    pub fn cpus_in_uncore_caches(&self, uncore_caches: &CpuSet) -> CpuSet {
        self.cpus_where(|info| uncore_caches.contains(info.uncore))
    }

    /// The first `count` cores, ascending, with a CPU on uncore cache
    /// `uncore`; all of them when there are no more than `count` (upstream
    /// `CoresNeededInUncoreCache`).
    pub fn cores_needed_in_uncore_cache(&self, count: usize, uncore: usize) -> CpuSet {
        self.ids(|info| info.uncore == uncore, |info| info.core).iter().take(count).collect()
    }

    fn ids(&self, keep: impl Fn(&CpuInfo) -> bool, id: impl Fn(&CpuInfo) -> usize) -> CpuSet {
        self.cpus.values().filter(|info| keep(info)).map(id).collect()
    }

    fn cpus_where(&self, keep: impl Fn(&CpuInfo) -> bool) -> CpuSet {
        self.cpus.iter().filter(|(_, info)| keep(info)).map(|(&cpu, _)| cpu).collect()
    }
}
