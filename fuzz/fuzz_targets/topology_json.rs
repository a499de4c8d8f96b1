//! Topology JSON (`{"cpus": [...]}` or a name): a topology or an error; a
//! topology survives its own JSON form, and the static policy's selection
//! on it answers without panicking.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nodecore::cpumanager::{StaticPolicyOptions, take_by_topology};
use nodecore::topology::CpuTopology;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let Ok(topology) = CpuTopology::from_json_value(&value) else { return };
    let again = CpuTopology::from_json_value(&serde_json::to_value(topology.to_json()).unwrap()).unwrap();
    assert_eq!(again.cpus(), topology.cpus());
    assert_eq!(topology.cpus().len(), topology.num_cpus);

    // JSON keeps its first bytes fixed; a hash of all of them picks the
    // request and the option, so that mutations anywhere vary both.
    let hash = data.iter().fold(0usize, |h, &b| h.wrapping_mul(31).wrapping_add(usize::from(b)));
    let all = topology.cpus();
    let count = hash % (all.len() + 1);
    let mut options = StaticPolicyOptions::default();
    match hash / 7 % 4 {
        1 => options.distribute_cpus_across_numa = true,
        2 => options.prefer_align_by_uncore_cache = true,
        3 => options.distribute_cpus_across_cores = true,
        _ => {}
    }
    if let Ok(taken) = take_by_topology(&topology, &all, count, &options) {
        assert!(taken.is_subset(&all));
        // Upstream returns fewer CPUs than requested, without an error, on
        // a machine that is not a hierarchy (a core whose threads sit in
        // different NUMA nodes, a NUMA node across sockets that also hold
        // other nodes): its accounting counts some CPUs twice. nodecore does
        // the same (checked against v1.37.2). On a hierarchy the count is exact.
        if hierarchical(&topology) {
            assert_eq!(taken.len(), count);
        }
    }
});

/// Whether the machine is a hierarchy: every core in one socket, NUMA node
/// and cache, every cache in one socket, and NUMA nodes inside sockets or
/// sockets inside NUMA nodes.
fn hierarchical(topology: &CpuTopology) -> bool {
    fn unique(pairs: impl Iterator<Item = (usize, usize)>) -> bool {
        let mut seen = std::collections::BTreeMap::new();
        pairs.into_iter().all(|(key, value)| *seen.entry(key).or_insert(value) == value)
    }
    let infos: Vec<_> = topology.cpus().iter().map(|cpu| *topology.details.get(cpu).expect("a known CPU")).collect();
    let place = |i: &nodecore::topology::CpuInfo| (i.socket << 32) | (i.numa << 16) | i.uncore;
    unique(infos.iter().map(|i| (i.core, place(i))))
        && unique(infos.iter().map(|i| (i.uncore, i.socket)))
        && (unique(infos.iter().map(|i| (i.numa, i.socket))) || unique(infos.iter().map(|i| (i.socket, i.numa))))
}
