//! CPU selection: which CPUs the static policy gives a request (upstream
//! `cpu_assignment.go` and the policy's `takeByTopology`).
//!
//! [`take_by_topology`] is the entry point the static policy uses for every
//! selection (reserved CPUs, the NUMA-aligned part, the rest). It picks the
//! algorithm the options select:
//!
//! * **packed** ([`take_by_topology_numa_packed`]), the default: whole NUMA
//!   nodes and sockets first (the larger unit first), then, with
//!   `prefer-align-cpus-by-uncorecache`, whole or partial last-level caches,
//!   then whole cores, then single CPUs, each step in upstream's order of
//!   "fewest free CPUs first";
//! * **spread** (`distribute-cpus-across-cores`): the same without the
//!   whole-core step, single CPUs socket by socket in id order;
//! * **distributed** ([`take_by_topology_numa_distributed`],
//!   `distribute-cpus-across-numa`): an even share over the fewest NUMA nodes
//!   that balance the machine, in groups of a whole core with
//!   `full-pcpus-only`.
//!
//! Every result is upstream's, quirks included: the declared counters of the
//! topology (not the CPU map) decide what a free socket or core is; a unit
//! that spans two parents is visited twice; and the distributed search keeps
//! Go's slice-aliasing quirk unless
//! [`StaticPolicyOptions::emulate_go_slice_aliasing`] is off. Where released
//! upstream loops forever (`full-pcpus-only` with
//! `distribute-cpus-across-numa`, when a NUMA node's free CPUs are not whole
//! cores), the selection does what upstream's fix does and returns.
//!
//! ```
//! use nodecore::cpumanager::{StaticPolicyOptions, take_by_topology};
//! use nodecore::topology;
//!
//! // upstream topoDualSocketHT: 2 sockets x 3 cores x 2 threads.
//! let machine = topology::named("dual-socket-ht").unwrap();
//! let free = "1-5,7-11".parse().unwrap();
//! let cpus = take_by_topology(&machine, &free, 4, &StaticPolicyOptions::default()).unwrap();
//! assert_eq!(cpus.to_string(), "2,4,8,10");
//! ```

mod accumulator;
mod bits;
mod combinations;
mod distributed;

use super::{Error, StaticPolicyOptions};
use crate::cpuset::CpuSet;
use crate::topology::CpuTopology;
use accumulator::Accumulator;
use bits::Bits;
pub use distributed::MAX_DISTRIBUTE_STEPS;

/// How the packed algorithm orders single CPUs (upstream `CPUSortingStrategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum CpuSortingStrategy {
    /// Core by core: fill a core's threads before the next core.
    #[default]
    Packed,
    /// Socket by socket in CPU id order, without taking whole cores first
    /// (`distribute-cpus-across-cores`).
    Spread,
}

/// The static policy's choice of `count` CPUs out of `available` (upstream
/// `staticPolicy.takeByTopology`): distributed when
/// `distribute-cpus-across-numa` is on (in groups of CPUs per core with
/// `full-pcpus-only`, else of 1), otherwise packed, with the spread strategy
/// for `distribute-cpus-across-cores` and the uncore step for
/// `prefer-align-cpus-by-uncorecache`.
///
/// CPUs of `available` that the topology does not know are ignored. No SMT
/// check is made here: `full-pcpus-only` admission checks belong to the
/// policy's allocation.
///
/// # Errors
/// [`Error::Insufficient`] when `count` exceeds the available CPUs;
/// [`Error::Accounting`] when the distributed algorithm's slice-aliasing
/// quirk leaves it short (as upstream); [`Error::InvalidTopology`] where
/// upstream would divide by a zero CPUs-per-core ratio.
pub fn take_by_topology(
    topology: &CpuTopology,
    available: &CpuSet,
    count: usize,
    options: &StaticPolicyOptions,
) -> Result<CpuSet, Error> {
    let strategy =
        if options.distribute_cpus_across_cores { CpuSortingStrategy::Spread } else { CpuSortingStrategy::Packed };
    if options.distribute_cpus_across_numa {
        let group_size = if options.full_physical_cpus_only { topology.cpus_per_core() } else { 1 };
        return take_by_topology_numa_distributed(
            topology,
            available,
            count,
            group_size,
            strategy,
            options.emulate_go_slice_aliasing,
        );
    }
    take_by_topology_numa_packed(topology, available, count, strategy, options.prefer_align_by_uncore_cache)
}

/// Upstream `takeByTopologyNUMAPacked`: `count` CPUs out of `available`,
/// packed into as few NUMA nodes, sockets, caches and cores as the order of
/// steps allows.
///
/// # Errors
/// [`Error::Insufficient`] when `count` exceeds the available CPUs.
pub fn take_by_topology_numa_packed(
    topology: &CpuTopology,
    available: &CpuSet,
    count: usize,
    strategy: CpuSortingStrategy,
    prefer_align_by_uncore_cache: bool,
) -> Result<CpuSet, Error> {
    let dense = Bits::from_cpu_set(topology, available);
    let mut acc = Accumulator::new(topology, dense, count, strategy, prefer_align_by_uncore_cache);
    if acc.is_satisfied() {
        return Ok(CpuSet::new());
    }
    if acc.is_failed() {
        return Err(Error::Insufficient { requested: count, available: available.len() });
    }
    if acc.run_packed(prefer_align_by_uncore_cache)? {
        Ok(acc.into_result().to_cpu_set(topology))
    } else {
        Err(Error::AllocationFailed)
    }
}

/// Upstream `takeByTopologyNUMADistributed` (KEP-2902): `count` CPUs spread
/// evenly, in groups of `cpu_group_size`, over the fewest NUMA nodes that
/// leave the machine most balanced; packed when `count` is not a multiple of
/// the group size or no combination of NUMA nodes balances.
///
/// `emulate_go_slice_aliasing` keeps released upstream's quirk in how the
/// best combination is remembered (see
/// [`StaticPolicyOptions::emulate_go_slice_aliasing`]). Like upstream's, the
/// search is exponential in the number of NUMA nodes with free CPUs (the
/// topology manager caps them at 8 by default).
///
/// # Errors
/// [`Error::Insufficient`] when `count` exceeds the available CPUs;
/// [`Error::Accounting`] when the emulated quirk leaves the selection short;
/// [`Error::InvalidTopology`] for a group size of 0.
pub fn take_by_topology_numa_distributed(
    topology: &CpuTopology,
    available: &CpuSet,
    count: usize,
    cpu_group_size: usize,
    strategy: CpuSortingStrategy,
    emulate_go_slice_aliasing: bool,
) -> Result<CpuSet, Error> {
    if cpu_group_size == 0 {
        return Err(Error::InvalidTopology("the CPU group size is 0 (CPUs per core is 0)"));
    }
    if count % cpu_group_size != 0 {
        return take_by_topology_numa_packed(topology, available, count, strategy, false);
    }
    let mut acc = Accumulator::new(topology, Bits::from_cpu_set(topology, available), count, strategy, false);
    if acc.is_satisfied() {
        return Ok(CpuSet::new());
    }
    if acc.is_failed() {
        return Err(Error::Insufficient { requested: count, available: available.len() });
    }
    if distributed::take(&mut acc, count, cpu_group_size, emulate_go_slice_aliasing)? {
        Ok(acc.into_result().to_cpu_set(topology))
    } else {
        take_by_topology_numa_packed(topology, available, count, strategy, false)
    }
}

#[cfg(test)]
mod reference;
#[cfg(test)]
mod tests;
