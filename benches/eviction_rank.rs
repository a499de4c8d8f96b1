//! Ranking 10 000 pods for eviction under each kind of pressure.
//!
//! Pods get random priorities from a small set (so priority ties are
//! common), random requests and usage; one in twenty has no statistics.
//! Statistics are looked up by pod name in a hash map, as the kubelet looks
//! them up by UID.

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use nodecore::eviction::{FsLayout, FsUsage, Pod, PodStats, Quantity, Signal, rank};
use std::collections::HashMap;
use std::hint::black_box;

const PODS: usize = 10_000;

/// A small deterministic generator (xorshift64*), so every run ranks the same pods.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn pods() -> (Vec<Pod>, HashMap<String, PodStats>) {
    let mut random = Random(0x9e37_79b9_7f4a_7c15);
    let mut pods = Vec::with_capacity(PODS);
    let mut stats = HashMap::with_capacity(PODS);
    for i in 0..PODS {
        let name = format!("namespace-{}/pod-{i}", i % 50);
        let mi = |n: u64| Quantity::binary_si((n << 20) as i64);
        let pod = Pod {
            priority: Some([-1, 0, 0, 0, 1000, 100_000][random.below(6) as usize]),
            memory_request: mi(random.below(4) * 256),
            ephemeral_storage_request: mi(random.below(4) * 1024),
            ..Pod::new(name.clone())
        };
        let mut usage = || FsUsage { used_bytes: random.below(4096) << 20, inodes_used: random.below(100_000) };
        let (rootfs, logs, local_volumes) = (usage(), usage(), usage());
        if random.below(20) != 0 {
            let pod_stats = PodStats {
                memory_working_set_bytes: Some(random.below(2048) << 20),
                rootfs,
                logs,
                local_volumes,
                process_count: Some(random.below(500)),
            };
            stats.insert(name, pod_stats);
        }
        pods.push(pod);
    }
    (pods, stats)
}

fn ranking(c: &mut Criterion) {
    let (pods, stats) = pods();
    let dedicated = FsLayout { dedicated_image_fs: true, split_container_fs: false };
    let split = FsLayout { dedicated_image_fs: true, split_container_fs: true };
    let cases = [
        ("memory.available", Signal::MemoryAvailable, FsLayout::SINGLE),
        ("nodefs.available/single", Signal::NodeFsAvailable, FsLayout::SINGLE),
        ("imagefs.available/dedicated", Signal::ImageFsAvailable, dedicated),
        ("containerfs.available/split", Signal::ContainerFsAvailable, split),
        ("nodefs.inodesFree/single", Signal::NodeFsInodesFree, FsLayout::SINGLE),
        ("pid.available", Signal::PidAvailable, FsLayout::SINGLE),
    ];
    let mut group = c.benchmark_group("rank_10000_pods");
    for (name, signal, layout) in cases {
        group.bench_with_input(BenchmarkId::from_parameter(name), &(signal, layout), |b, &(signal, layout)| {
            b.iter(|| rank(black_box(signal), layout, black_box(&pods), |pod| stats.get(&pod.name)))
        });
    }
    group.finish();
}

criterion_group!(benches, ranking);
criterion_main!(benches);
