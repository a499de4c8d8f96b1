//! The packed-key ranking against a reference written as upstream's
//! comparator chain, plus the spec's ranking cases through the Rust API.

use super::*;
use crate::eviction::{FsUsage, Quantity};
use proptest::prelude::*;
use std::cmp::Ordering;

type Comparator<'a> = Box<dyn Fn(usize, usize) -> Ordering + 'a>;

/// Upstream's `cmpBool`: true first.
fn cmp_bool(a: bool, b: bool) -> Ordering {
    match (a, b) {
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        _ => Ordering::Equal,
    }
}

/// The reference: upstream's comparators, applied by a stable sort.
fn reference_rank(signal: Signal, layout: FsLayout, pods: &[Pod], stats: &[Option<PodStats>]) -> Vec<usize> {
    let missing = |a: usize, b: usize| {
        (stats[a].is_none() || stats[b].is_none()).then(|| cmp_bool(stats[a].is_none(), stats[b].is_none()))
    };
    let priority: Comparator = Box::new(|a, b| pods[a].priority().cmp(&pods[b].priority()));
    let comparators: Vec<Comparator> = match signal.resource() {
        Resource::Pids => {
            let process: Comparator = Box::new(move |a, b| {
                missing(a, b).unwrap_or_else(|| {
                    let count = |i: usize| stats[i].unwrap().process_count.unwrap_or(0);
                    count(b).cmp(&count(a))
                })
            });
            vec![priority, process]
        }
        Resource::Memory => {
            let usage = |i: usize| Quantity::binary_si(stats[i].unwrap().memory_working_set_bytes.unwrap_or(0) as i64);
            let exceeds: Comparator = Box::new(move |a, b| {
                missing(a, b)
                    .unwrap_or_else(|| cmp_bool(usage(a) > pods[a].memory_request, usage(b) > pods[b].memory_request))
            });
            let memory: Comparator = Box::new(move |a, b| {
                missing(a, b).unwrap_or_else(|| {
                    let excess = |i: usize| usage(i).nanos() - pods[i].memory_request.nanos();
                    excess(b).cmp(&excess(a))
                })
            });
            vec![exceeds, priority, memory]
        }
        resource => {
            let set = layout.stats_measured(signal).unwrap();
            let usage = move |i: usize| {
                let (bytes, inodes) = stats[i].unwrap().disk_usage(set);
                let amount = if resource == Resource::Inodes { inodes } else { bytes };
                Quantity::decimal_si(amount as i64)
            };
            let request = move |i: usize| match resource {
                Resource::Inodes => Quantity::ZERO,
                _ => pods[i].ephemeral_storage_request,
            };
            let exceeds: Comparator = Box::new(move |a, b| {
                missing(a, b).unwrap_or_else(|| cmp_bool(usage(a) > request(a), usage(b) > request(b)))
            });
            let disk: Comparator = Box::new(move |a, b| {
                missing(a, b).unwrap_or_else(|| {
                    let excess = |i: usize| usage(i).nanos() - pods[i].ephemeral_storage_request.nanos();
                    excess(b).cmp(&excess(a))
                })
            });
            vec![exceeds, priority, disk]
        }
    };
    let mut order: Vec<usize> = (0..pods.len()).collect();
    order.sort_by(|&a, &b| {
        let (last, rest) = comparators.split_last().unwrap();
        rest.iter().map(|cmp| cmp(a, b)).find(|o| o.is_ne()).unwrap_or_else(|| last(a, b))
    });
    order
}

fn fast_rank(signal: Signal, layout: FsLayout, pods: &[Pod], stats: &[Option<PodStats>]) -> Vec<usize> {
    rank(signal, layout, pods, |pod| {
        let index = pods.iter().position(|p| p.name == pod.name).unwrap();
        stats[index].as_ref()
    })
}

const LAYOUTS: [FsLayout; 3] = [
    FsLayout::SINGLE,
    FsLayout { dedicated_image_fs: true, split_container_fs: false },
    FsLayout { dedicated_image_fs: true, split_container_fs: true },
];

fn usage_strategy() -> impl Strategy<Value = FsUsage> {
    (0u64..4, 0u64..4).prop_map(|(bytes, inodes)| FsUsage { used_bytes: bytes << 20, inodes_used: inodes * 1000 })
}

prop_compose! {
    fn pod_strategy()(
        priority in prop::option::of(-2i32..3),
        memory_request in prop::option::of(0i64..4),
        ephemeral_request in prop::option::of(0i64..4),
        has_stats in prop::bool::weighted(0.8),
        working_set in prop::option::of(0u64..5),
        rootfs in usage_strategy(),
        logs in usage_strategy(),
        local_volumes in usage_strategy(),
        processes in prop::option::of(0u64..4),
        fractional in prop::bool::weighted(0.05),
    ) -> (Pod, Option<PodStats>) {
        // A request of a fraction of a byte ("500m") takes the exact wide-key path.
        let extra = if fractional { "500m".parse().unwrap() } else { Quantity::ZERO };
        let pod = Pod {
            priority,
            memory_request: Quantity::binary_si(memory_request.unwrap_or(0) << 20).plus(extra),
            ephemeral_storage_request: Quantity::binary_si(ephemeral_request.unwrap_or(0) << 20).plus(extra),
            ..Pod::default()
        };
        let stats = PodStats {
            memory_working_set_bytes: working_set.map(|ws| ws << 20),
            rootfs,
            logs,
            local_volumes,
            process_count: processes,
        };
        (pod, has_stats.then_some(stats))
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn packed_keys_rank_as_the_comparator_chain(pods in prop::collection::vec(pod_strategy(), 0..40)) {
        let (mut pods, stats): (Vec<Pod>, Vec<Option<PodStats>>) = pods.into_iter().unzip();
        for (i, pod) in pods.iter_mut().enumerate() {
            pod.name = format!("pod{i}");
        }
        for signal in Signal::ALL {
            for layout in LAYOUTS {
                prop_assert_eq!(
                    fast_rank(signal, layout, &pods, &stats),
                    reference_rank(signal, layout, &pods, &stats),
                    "{} {:?}", signal, layout
                );
            }
        }
    }
}

fn mi(n: i64) -> Quantity {
    Quantity::binary_si(n << 20)
}

fn memory_pod(name: &str, priority: i32, request: i64) -> Pod {
    Pod { priority: Some(priority), memory_request: mi(request), ..Pod::new(name) }
}

fn working_set(n: u64) -> Option<PodStats> {
    Some(PodStats { memory_working_set_bytes: Some(n << 20), ..PodStats::default() })
}

#[test]
fn memory_pressure_ranks_over_request_first() {
    // Spec case 59.
    let pods = [
        memory_pod("guaranteed", -1, 1024),
        memory_pod("burstable-below", 0, 100),
        memory_pod("burstable-above", 0, 100),
        memory_pod("best-effort-high", 1, 0),
        memory_pod("best-effort-low", -1, 0),
    ];
    let stats = [working_set(900), working_set(50), working_set(400), working_set(400), working_set(100)];
    for signal in [Signal::MemoryAvailable, Signal::AllocatableMemoryAvailable] {
        assert_eq!(fast_rank(signal, FsLayout::SINGLE, &pods, &stats), [4, 2, 3, 0, 1]);
    }
}

#[test]
fn missing_stats_rules() {
    // Spec case 81: missing stats win the memory rank whatever the priority.
    let pods = [memory_pod("a", 1000, 0), memory_pod("b", -5, 0)];
    assert_eq!(fast_rank(Signal::MemoryAvailable, FsLayout::SINGLE, &pods, &[None, working_set(900)]), [0, 1]);
    // Spec case 82: under PID pressure priority comes first.
    let processes = |n| Some(PodStats { process_count: Some(n), ..PodStats::default() });
    assert_eq!(fast_rank(Signal::PidAvailable, FsLayout::SINGLE, &pods, &[None, processes(10)]), [1, 0]);
    let equal = [memory_pod("a", 0, 0), memory_pod("b", 0, 0)];
    assert_eq!(fast_rank(Signal::PidAvailable, FsLayout::SINGLE, &equal, &[None, processes(10)]), [0, 1]);
}

#[test]
fn pid_pressure_ranks_by_priority_then_processes() {
    // Spec case 60.
    let pods: Vec<Pod> =
        [1, 0, 0, -1, -1].iter().enumerate().map(|(i, &p)| memory_pod(&format!("p{i}"), p, 0)).collect();
    let stats: Vec<_> = [900, 100, 400, 600, 50]
        .iter()
        .map(|&n| Some(PodStats { process_count: Some(n), ..PodStats::default() }))
        .collect();
    assert_eq!(fast_rank(Signal::PidAvailable, FsLayout::SINGLE, &pods, &stats), [3, 4, 2, 1, 0]);
}

#[test]
fn inode_ranking_subtracts_the_byte_request() {
    // Spec case 84: the pod using 500x more inodes ranks last.
    let pods = [Pod { ephemeral_storage_request: Quantity::binary_si(1 << 30), ..Pod::new("a") }, Pod::new("b")];
    let inodes = |n| Some(PodStats { rootfs: FsUsage { used_bytes: 0, inodes_used: n }, ..PodStats::default() });
    let stats = [inodes(500_000), inodes(1000)];
    assert_eq!(fast_rank(Signal::NodeFsInodesFree, FsLayout::SINGLE, &pods, &stats), [1, 0]);
}

#[test]
fn split_imagefs_ranks_by_priority_then_smallest_request() {
    // Spec case 83.
    let eph = |name: &str, priority, gi: i64| Pod {
        priority: Some(priority),
        ephemeral_storage_request: Quantity::binary_si(gi << 30),
        ..Pod::new(name)
    };
    let pods = [eph("a", 0, 5), eph("b", 0, 0), eph("c", -1, 10)];
    let busy = Some(PodStats { rootfs: FsUsage { used_bytes: 1 << 40, inodes_used: 1 }, ..PodStats::default() });
    let split = FsLayout { dedicated_image_fs: true, split_container_fs: true };
    assert_eq!(fast_rank(Signal::ImageFsAvailable, split, &pods, &[busy; 3]), [2, 1, 0]);
}

#[test]
fn fractional_requests_rank_exactly() {
    // 1 byte over a 0.5-byte request exceeds it; the 2-byte pod exceeds its 1-byte request by less.
    let pods = [
        Pod { memory_request: "0.5".parse().unwrap(), ..Pod::new("half") },
        Pod { memory_request: Quantity::binary_si(1), ..Pod::new("one") },
    ];
    let stats = [
        Some(PodStats { memory_working_set_bytes: Some(1), ..PodStats::default() }),
        Some(PodStats { memory_working_set_bytes: Some(2), ..PodStats::default() }),
    ];
    assert_eq!(fast_rank(Signal::MemoryAvailable, FsLayout::SINGLE, &pods, &stats), [1, 0]);
    assert_eq!(reference_rank(Signal::MemoryAvailable, FsLayout::SINGLE, &pods, &stats), [1, 0]);
}

#[test]
fn full_ties_keep_the_given_order() {
    let pods: Vec<Pod> = (0..30).map(|i| memory_pod(&format!("p{i}"), 0, 0)).collect();
    let stats = vec![working_set(1); 30];
    assert_eq!(fast_rank(Signal::MemoryAvailable, FsLayout::SINGLE, &pods, &stats), (0..30).collect::<Vec<_>>());
}
