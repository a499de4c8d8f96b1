//! CPU topology hints: on which sets of NUMA nodes a request for CPUs could
//! be met, and which of those are preferred (upstream
//! `generateCPUTopologyHints` and `isHintSocketAligned` in `policy_static.go`).
//!
//! Every non-empty set of the machine's NUMA nodes is a candidate, in the
//! topology manager's subset order. A set is a hint when it contains every
//! reusable CPU and its reusable plus available CPUs number at least the
//! request. A hint is preferred when it has as few nodes as the narrowest set
//! whose CPUs (all of them, free or not) could hold the request; with
//! `align-by-socket`, also when it spans exactly the fewest sockets such a
//! set needs.
//!
//! ```
//! use nodecore::cpumanager::generate_cpu_topology_hints;
//! use nodecore::topology;
//!
//! // NUMA node 0: CPUs 0-2,6-8; node 1: CPUs 3-5,9-11.
//! let machine = topology::named("hints-machine-12cpu").unwrap();
//! let available = "2-11".parse().unwrap();
//! let hints = generate_cpu_topology_hints(&machine, false, &available, &Default::default(), 5).unwrap();
//! let shown: Vec<_> = hints.iter().map(|h| (h.numa_node_affinity.unwrap().get_bits(), h.preferred)).collect();
//! assert_eq!(shown, [(vec![1], true), (vec![0, 1], false)]);
//! ```

use super::Error;
use crate::cpuset::CpuSet;
use crate::topology::CpuTopology;
use crate::topologymanager::TopologyHint;
use crate::topologymanager::bitmask::{self, BitMask, MAX_BITS};

/// The most NUMA nodes [`generate_cpu_topology_hints`] accepts.
///
/// Hints enumerate every non-empty subset of the machine's NUMA nodes, as
/// upstream does: `2^n - 1` candidates, about a million for 20 nodes. Upstream
/// would run out of time and memory on machines with many more (a 64-node
/// machine has 1.8e19 subsets); nodecore refuses them instead. The topology
/// manager itself admits only 8 nodes unless `max-allowable-numa-nodes`
/// raises the limit.
pub const MAX_HINT_NUMA_NODES: usize = 20;
// The refusal's message names the number.
const _: () = assert!(MAX_HINT_NUMA_NODES == 20);

/// The hints for `request` CPUs out of `available` plus `reusable` (upstream
/// `generateCPUTopologyHints`); `align_by_socket` is the policy option.
///
/// NUMA node ids must be below 64, as in upstream's bitmask (where a larger
/// id is a crash), and there may be at most [`MAX_HINT_NUMA_NODES`] nodes;
/// otherwise [`Error::InvalidTopology`].
pub fn generate_cpu_topology_hints(
    topology: &CpuTopology,
    align_by_socket: bool,
    available: &CpuSet,
    reusable: &CpuSet,
    request: usize,
) -> Result<Vec<TopologyHint>, Error> {
    let numa_nodes = topology.details.numa_nodes().to_vec();
    if numa_nodes.last().is_some_and(|&id| id >= MAX_BITS) {
        return Err(Error::InvalidTopology("NUMA node ids must be below 64 for topology hints"));
    }
    if numa_nodes.len() > MAX_HINT_NUMA_NODES {
        return Err(Error::InvalidTopology(
            "topology hints enumerate every subset of NUMA nodes: machines with more than 20 NUMA nodes are refused",
        ));
    }
    let all_per_node = count_per_node(topology, &topology.cpus());
    let available_per_node = count_per_node(topology, available);
    let reusable_nodes =
        BitMask::from_u64(reusable.iter().fold(0, |mask, cpu| mask | 1 << numa_node_of(topology, cpu)));
    let in_mask = |per_node: &[usize; MAX_BITS], mask: BitMask| mask.iter().map(|node| per_node[node]).sum::<usize>();

    let mut min_affinity_size = numa_nodes.len();
    let mut masks = Vec::new();
    let subsets = bitmask::iterate_bit_masks(&numa_nodes, |mask| {
        if in_mask(&all_per_node, mask) >= request && mask.count() < min_affinity_size {
            min_affinity_size = mask.count();
        }
        // Every reusable CPU must lie in the mask; they all count toward the
        // request, and so does every available CPU in the mask.
        if bitmask::and(reusable_nodes, &[mask]) != reusable_nodes {
            return;
        }
        if reusable.len() + in_mask(&available_per_node, mask) >= request {
            masks.push(mask);
        }
    });
    subsets.map_err(|_| Error::InvalidTopology("NUMA node ids must be below 64 for topology hints"))?;

    let hints = masks
        .into_iter()
        .map(|mask| {
            let socket_aligned = align_by_socket && is_hint_socket_aligned(topology, mask, min_affinity_size);
            TopologyHint::new(Some(mask), socket_aligned || mask.count() == min_affinity_size)
        })
        .collect();
    Ok(hints)
}

/// Upstream `isHintSocketAligned`: whether the nodes of `mask` span exactly
/// the fewest sockets that `min_affinity_size` nodes need, with the declared
/// NUMA nodes per socket (integer division; never aligned when that is 0).
pub fn is_hint_socket_aligned(topology: &CpuTopology, mask: BitMask, min_affinity_size: usize) -> bool {
    let numa_nodes_per_socket = topology.num_numa_nodes.checked_div(topology.num_sockets).unwrap_or(0);
    if numa_nodes_per_socket == 0 {
        return false;
    }
    let min_sockets = min_affinity_size.div_ceil(numa_nodes_per_socket);
    topology.details.sockets_in_numa_nodes(&mask.iter().collect()).len() == min_sockets
}

/// The NUMA node of `cpu`. Upstream indexes its CPU map with the id, so a CPU
/// the topology does not know reads as the zero value: NUMA node 0.
fn numa_node_of(topology: &CpuTopology, cpu: usize) -> usize {
    topology.details.get(cpu).map_or(0, |info| info.numa)
}

/// How many CPUs of `cpus` each NUMA node holds (ids checked below 64).
fn count_per_node(topology: &CpuTopology, cpus: &CpuSet) -> [usize; MAX_BITS] {
    let mut counts = [0; MAX_BITS];
    for cpu in cpus {
        counts[numa_node_of(topology, cpu)] += 1;
    }
    counts
}
