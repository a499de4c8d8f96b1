//! Topology hint merging: the default (fast, exact) merge against upstream's
//! cross product, on upstream's worst shape and on larger machines.
//!
//! Run with `cargo bench --bench topology_merge`; filter with e.g.
//! `cargo bench --bench topology_merge -- fast/`.
//!
//! Times are the benchmark thread's CPU time, not wall time, so that the
//! figures stay meaningful on a shared, loaded machine; on an idle machine
//! the two agree for this single-threaded code.

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use nodecore::topologymanager::bitmask::{BitMask, iterate_bit_masks};
use nodecore::topologymanager::{NumaInfo, Policy, PolicyName, ProviderHints, TopologyHint, TopologyManagerOptions};
use proptest::prelude::RngCore;
use proptest::test_runner::{RngAlgorithm, TestRng};

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Duration;

/// A merge input: the policy on its machine, the providers' hints, and the
/// number of permutations upstream walks.
struct Case {
    name: &'static str,
    policy: Policy,
    providers: Vec<ProviderHints>,
    /// Whether the cross product finishes in reasonable time.
    reference: bool,
}

fn policy(nodes: usize, distances: Option<BTreeMap<usize, Vec<u64>>>) -> Policy {
    let ids: Vec<usize> = (0..nodes).collect();
    let closest = distances.is_some();
    let numa = NumaInfo::new(&ids, &distances.unwrap_or_default(), closest).expect("valid machine");
    let options = TopologyManagerOptions { prefer_closest_numa: closest, max_allowable_numa_nodes: 64 };
    Policy::new(PolicyName::BestEffort, numa, options)
}

fn provider(resource: &str, hints: Vec<TopologyHint>) -> ProviderHints {
    ProviderHints::from([(resource.to_owned(), Some(hints))])
}

/// What a provider generates: every subset of the nodes with at least
/// `min_width` nodes, in upstream's enumeration order, preferred when it has
/// exactly `min_width` nodes (`preferred: false` marks none preferred); the
/// first `limit` of them.
fn subsets(nodes: usize, min_width: usize, preferred: bool, limit: usize) -> Vec<TopologyHint> {
    let ids: Vec<usize> = (0..nodes).collect();
    let mut hints = Vec::new();
    // Sizes up to 3 suffice for the limits used here with 16 nodes.
    let max_width = if nodes > 8 { 3 } else { nodes };
    for width in min_width..=max_width {
        iterate_bit_masks(&ids[..], |mask| {
            if mask.count() == width && hints.len() < limit {
                hints.push(TopologyHint::new(Some(mask), preferred && width == min_width));
            }
        })
        .expect("node ids below 64");
    }
    hints
}

/// The 8-node SLIT-like distances of upstream's tests (two sockets of four
/// nodes).
fn eight_node_distances() -> BTreeMap<usize, Vec<u64>> {
    (0..8)
        .map(|i| {
            (
                i,
                (0..8)
                    .map(|j| {
                        if i == j {
                            10
                        } else if i / 4 == j / 4 {
                            11 + (i ^ j) as u64 % 2
                        } else {
                            30
                        }
                    })
                    .collect(),
            )
        })
        .collect()
}

/// `count` random hints on 64 nodes: each mask has each node with
/// probability 1/2 (`dense`) or 1 to 4 random nodes; preferred at random.
fn random_hints(rng: &mut TestRng, count: usize, dense: bool) -> Vec<TopologyHint> {
    (0..count)
        .map(|_| {
            let mask = if dense {
                rng.next_u64()
            } else {
                (0..1 + rng.next_u64() % 4).fold(0, |m, _| m | 1 << (rng.next_u64() % 64))
            };
            TopologyHint::new(Some(BitMask::from_u64(mask)), rng.next_u64() % 2 == 0)
        })
        .collect()
}

fn cases() -> Vec<Case> {
    let all_255 = |preferred| subsets(8, 1, preferred, 255);
    let mut rng = TestRng::deterministic_rng(RngAlgorithm::ChaCha);
    let mut random = |dense| -> Vec<ProviderHints> {
        ["cpu", "memory", "hugepages-1Gi", "gpu"]
            .iter()
            .map(|r| provider(r, random_hints(&mut rng, 100, dense)))
            .collect()
    };
    let (random_narrow, random_dense) = (random(false), random(true));
    let typical = vec![
        provider("cpu", subsets(2, 1, true, 3)),
        provider(
            "memory",
            vec![
                TopologyHint::new(Some(BitMask::new([1]).expect("node 1")), true),
                TopologyHint::new(Some(BitMask::new([0, 1]).expect("nodes 0-1")), false),
            ],
        ),
    ];
    vec![
        Case { name: "2-nodes/2x3-typical", policy: policy(2, None), providers: typical, reference: true },
        Case {
            name: "8-nodes/4x255-preferred",
            policy: policy(8, None),
            providers: (0..4).map(|i| provider(&format!("r{i}"), all_255(true))).collect(),
            reference: false,
        },
        Case {
            name: "8-nodes/4x255-no-preferred",
            policy: policy(8, None),
            providers: (0..4).map(|i| provider(&format!("r{i}"), all_255(i < 3))).collect(),
            reference: false,
        },
        Case {
            name: "8-nodes/4x255-no-preferred-closest",
            policy: policy(8, Some(eight_node_distances())),
            providers: (0..4).map(|i| provider(&format!("r{i}"), all_255(i < 3))).collect(),
            reference: false,
        },
        Case {
            name: "8-nodes/3x255-preferred",
            policy: policy(8, None),
            providers: (0..3).map(|i| provider(&format!("r{i}"), all_255(true))).collect(),
            reference: true,
        },
        Case {
            name: "8-nodes/3x255-no-preferred",
            policy: policy(8, None),
            providers: (0..3).map(|i| provider(&format!("r{i}"), all_255(i < 2))).collect(),
            reference: true,
        },
        Case {
            name: "16-nodes/3x200",
            policy: policy(16, None),
            providers: vec![
                provider("cpu", subsets(16, 1, true, 200)),
                provider("memory", subsets(16, 1, true, 200)),
                provider("gpu", subsets(16, 2, true, 200)),
            ],
            reference: true,
        },
        Case {
            name: "64-nodes/4x100-random-narrow",
            policy: policy(64, None),
            providers: random_narrow,
            reference: true,
        },
        Case {
            name: "64-nodes/4x100-random-dense",
            policy: policy(64, None),
            providers: random_dense,
            reference: true,
        },
    ]
}

/// The calling thread's CPU time, in nanoseconds.
struct ThreadCpuTime;

fn thread_cpu_time_ns() -> u64 {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `now` is a valid, writable timespec; the clock id is a constant Linux supports.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    now.tv_sec as u64 * 1_000_000_000 + now.tv_nsec as u64
}

impl Measurement for ThreadCpuTime {
    type Intermediate = u64;
    type Value = u64;

    fn start(&self) -> u64 {
        thread_cpu_time_ns()
    }
    fn end(&self, start: u64) -> u64 {
        thread_cpu_time_ns() - start
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, value: &u64) -> f64 {
        *value as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &NanosecondFormatter
    }
}

/// Formats nanoseconds in the unit that suits the value, as criterion's
/// wall-time formatter does.
struct NanosecondFormatter;

impl ValueFormatter for NanosecondFormatter {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = match typical {
            t if t < 1e3 => (1.0, "ns"),
            t if t < 1e6 => (1e-3, "µs"),
            t if t < 1e9 => (1e-6, "ms"),
            _ => (1e-9, "s"),
        };
        values.iter_mut().for_each(|v| *v *= factor);
        unit
    }
    fn scale_throughputs(&self, _: f64, _: &Throughput, _: &mut [f64]) -> &'static str {
        "ns"
    }
    fn scale_for_machines(&self, _: &mut [f64]) -> &'static str {
        "ns"
    }
}

fn bench(c: &mut Criterion<ThreadCpuTime>) {
    let cases = cases();
    let mut fast = c.benchmark_group("fast");
    for case in &cases {
        fast.bench_function(case.name, |b| b.iter(|| case.policy.merge(black_box(&case.providers))));
    }
    fast.finish();

    let mut reference = c.benchmark_group("reference");
    reference.sample_size(10).warm_up_time(Duration::from_millis(100)).measurement_time(Duration::from_secs(5));
    for case in cases.iter().filter(|case| case.reference) {
        // Both merges must agree before either is timed.
        assert_eq!(
            case.policy.merge(&case.providers),
            case.policy.merge_cross_product_reference(&case.providers),
            "{}",
            case.name
        );
        reference.bench_function(case.name, |b| {
            b.iter(|| case.policy.merge_cross_product_reference(black_box(&case.providers)))
        });
    }
    reference.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = bench
}
criterion_main!(benches);
