//! Topology discovery through hwloc (cargo feature `hwloc`, crate
//! `hwlocality`; links libhwloc >= 2.0).
//!
//! hwloc reads the same kernel data as sysfs discovery, so the result follows
//! the same kubelet rules ([`super::Sysfs`] documents them): a core's id is its
//! lowest PU id; the NUMA node of a PU is the NUMA node whose CPU set holds
//! it; the uncore cache of a core is its first cache of level 3 or more that
//! is not shared by exactly `cores in the node × threads of the core` PUs,
//! else its socket; the counters count PUs, cores per NUMA node, and distinct
//! packages. The whole machine is read, PUs outside this process's cgroup
//! CPU set included, as cadvisor reads it.
//!
//! Where hwloc cannot match sysfs discovery:
//! * hwloc has no kernel cache ids, so an uncore id is the cache's hwloc
//!   logical index (caches numbered 0, 1, ... in topology order). The kernel
//!   numbers L3 domains the same way on common machines, but may leave gaps.
//! * hwloc reports caches even where the kernel gives no cache `id` file, and
//!   the kubelet then falls back to the socket id.
//! * On a kernel without NUMA support hwloc reports one NUMA node 0, where
//!   the kubelet uses each package as a NUMA node.
//! * Where a CPU-less NUMA node (CXL or HBM memory) shares the CPU set of a
//!   CPU node, a PU goes to the node with the smallest CPU set, then the
//!   lowest id.

use super::{CpuDetails, CpuInfo, CpuTopology, Error};
use hwlocality::Topology;
use hwlocality::object::TopologyObject;
use hwlocality::object::types::ObjectType;
use hwlocality::topology::builder::BuildFlags;
use std::collections::{BTreeMap, BTreeSet};

/// This machine's CPU topology, as hwloc sees it, with the kubelet's rules.
///
/// Building an hwloc topology takes milliseconds; call this once.
///
/// ```no_run
/// let topology = nodecore::topology::discover_with_hwloc()?;
/// assert_eq!(topology, nodecore::topology::discover()?);
/// # Ok::<(), nodecore::topology::Error>(())
/// ```
pub fn discover_with_hwloc() -> Result<CpuTopology, Error> {
    let topology = Topology::builder()
        .with_flags(BuildFlags::INCLUDE_DISALLOWED)
        .map_err(|err| Error::Hwloc(err.to_string()))?
        .build()
        .map_err(|err| Error::Hwloc(err.to_string()))?;
    from_hwloc(&topology)
}

/// Where hwloc puts one PU.
struct Pu<'topology> {
    cpu: usize,
    /// hwloc's id of the core (the PU's own when hwloc reports no core).
    core: u64,
    socket: usize,
    numa: usize,
    object: &'topology TopologyObject,
}

fn from_hwloc(topology: &Topology) -> Result<CpuTopology, Error> {
    let numa_nodes: Vec<(usize, usize, &TopologyObject)> = topology
        .objects_with_type(ObjectType::NUMANode)
        .map(|node| {
            let id = os_index(node, "NUMA node")?;
            let cpuset = node.cpuset().ok_or_else(|| Error::Hwloc(format!("NUMA node {id} has no CPU set")))?;
            Ok((cpuset.weight().unwrap_or(usize::MAX), id, node))
        })
        .collect::<Result<_, Error>>()?;
    let mut pus = Vec::new();
    for object in topology.objects_with_type(ObjectType::PU) {
        let cpu = os_index(object, "PU")?;
        let core = object.first_ancestor_with_type(ObjectType::Core).unwrap_or(object).global_persistent_index();
        let package = object
            .first_ancestor_with_type(ObjectType::Package)
            .ok_or_else(|| Error::Hwloc(format!("PU {cpu} is in no package")))?;
        let socket = os_index(package, "package")?;
        let numa = numa_nodes
            .iter()
            .filter(|(_, _, node)| node.cpuset().is_some_and(|set| set.is_set(cpu)))
            .map(|&(weight, id, _)| (weight, id))
            .min()
            .map(|(_, id)| id)
            .ok_or_else(|| Error::Hwloc(format!("PU {cpu} is in no NUMA node")))?;
        pus.push(Pu { cpu, core, socket, numa, object });
    }

    // cadvisor's view: cores per NUMA node, threads per core.
    let mut threads: BTreeMap<(usize, u64), Vec<usize>> = BTreeMap::new();
    for pu in &pus {
        threads.entry((pu.numa, pu.core)).or_default().push(pu.cpu);
    }
    let mut cores_per_node: BTreeMap<usize, usize> = BTreeMap::new();
    for &(numa, _) in threads.keys() {
        *cores_per_node.entry(numa).or_default() += 1;
    }

    let mut rows = Vec::with_capacity(pus.len());
    for pu in &pus {
        let core_threads = &threads[&(pu.numa, pu.core)];
        let node_level = cores_per_node[&pu.numa] * core_threads.len();
        let uncore = pu
            .object
            .ancestors()
            .filter(|ancestor| {
                matches!(ancestor.object_type(), ObjectType::L3Cache | ObjectType::L4Cache | ObjectType::L5Cache)
            })
            .find(|cache| cache.cpuset().and_then(|set| set.weight()) != Some(node_level))
            .map_or(pu.socket, |cache| cache.logical_index());
        let core = *core_threads.iter().min().expect("a core has the PU itself");
        rows.push((pu.cpu, CpuInfo { core, socket: pu.socket, numa: pu.numa, uncore }));
    }
    let details = CpuDetails::from_rows(rows)?;
    if details.is_empty() {
        return Err(Error::Hwloc("the topology has no PU".to_owned()));
    }
    Ok(CpuTopology {
        num_cpus: pus.len(),
        num_cores: threads.len(),
        num_sockets: pus.iter().map(|pu| pu.socket).collect::<BTreeSet<_>>().len(),
        num_numa_nodes: details.numa_nodes().len(),
        num_uncore_caches: details.uncore_caches().len(),
        details,
    })
}

fn os_index(object: &TopologyObject, what: &str) -> Result<usize, Error> {
    object.os_index().ok_or_else(|| Error::Hwloc(format!("a {what} without an operating-system index")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hwloc_and_sysfs_agree_on_this_machine() {
        let hwloc = discover_with_hwloc().unwrap();
        let sysfs = super::super::discover().unwrap();
        assert_eq!(hwloc, sysfs);
        assert_eq!(hwloc.cpus().to_string(), std::fs::read_to_string("/sys/devices/system/cpu/online").unwrap().trim());
    }

    fn synthetic(description: &str) -> CpuTopology {
        let topology = Topology::builder().from_synthetic(description).unwrap().build().unwrap();
        from_hwloc(&topology).unwrap()
    }

    fn uncore_of(topology: &CpuTopology) -> Vec<usize> {
        topology.details.iter().map(|(_, info)| info.uncore).collect()
    }

    #[test]
    fn synthetic_machines_follow_the_kubelet_rules() {
        // Two NUMA nodes per package, one L3 per package: the L3 is each
        // core's uncore cache. PUs are numbered 0, 1 within core 0, and so on.
        let snc = synthetic("pack:2 l3:1 numa:2 core:4 pu:2");
        assert_eq!(
            [snc.num_cpus, snc.num_cores, snc.num_sockets, snc.num_numa_nodes, snc.num_uncore_caches],
            [32, 16, 2, 4, 2]
        );
        assert_eq!(snc.details.get(9).map(|info| (info.core, info.socket, info.numa, info.uncore)), Some((8, 0, 1, 0)));
        assert_eq!(snc.details.cpus_in_uncore_caches(&[1].into_iter().collect()).to_string(), "16-31");

        // One L3 per NUMA node: node-level, so the socket id is the uncore id.
        let plain = synthetic("pack:1 numa:2 l3:1 core:2 pu:2");
        assert_eq!(uncore_of(&plain), [0; 8]);
        assert_eq!(plain.details.cpus_in_numa_nodes(&[1].into_iter().collect()).to_string(), "4-7");

        // AMD-like: two L3 per NUMA node.
        let ccx = synthetic("pack:1 numa:1 l3:2 core:2 pu:1");
        assert_eq!(uncore_of(&ccx), [0, 0, 1, 1]);
        assert_eq!(ccx.num_uncore_caches, 2);
    }
}
