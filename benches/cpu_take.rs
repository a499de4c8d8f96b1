//! `cpu.take` (the static policy's CPU selection) on two large machines, for
//! counts 1, 4, 32 and 96 and every option set the selection distinguishes,
//! on an idle machine and on a fragmented one.
//!
//! Run with `cargo bench --bench cpu_take`.

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use nodecore::cpumanager::{PolicyOptionGates, StaticPolicyOptions, take_by_topology};
use nodecore::cpuset::CpuSet;
use nodecore::topology::{self, CpuInfo, CpuTopology};
use std::hint::black_box;
use std::time::Duration;

/// 2 sockets x 2 NUMA nodes per socket x 48 cores x 2 threads (384 CPUs),
/// threads `c` and `c + 192`, one uncore cache per 8 cores (16 CPUs).
fn dual_socket_sub_numa_384() -> CpuTopology {
    let rows = (0..384).map(|cpu| {
        let core = cpu % 192;
        (cpu, CpuInfo { core, socket: core / 96, numa: core / 48, uncore: core / 8 })
    });
    CpuTopology::from_cpus(rows).expect("valid topology")
}

/// About a quarter of the CPUs busy, scattered (whole cores and single
/// threads), as on a node already running pods.
fn fragmented(topology: &CpuTopology) -> CpuSet {
    topology.cpus().filter(|cpu| (cpu * 37 + cpu / 7) % 8 >= 2)
}

const OPTION_SETS: [(&str, &[(&str, &str)]); 6] = [
    ("packed", &[]),
    ("spread", &[("distribute-cpus-across-cores", "true")]),
    ("uncore", &[("prefer-align-cpus-by-uncorecache", "true")]),
    ("distributed", &[("distribute-cpus-across-numa", "true")]),
    ("full-pcpus-only", &[("full-pcpus-only", "true")]),
    ("distributed+full-pcpus-only", &[("distribute-cpus-across-numa", "true"), ("full-pcpus-only", "true")]),
];

const COUNTS: [usize; 4] = [1, 4, 32, 96];

fn bench_take(c: &mut Criterion) {
    let machines = [
        ("384-cpu", dual_socket_sub_numa_384()),
        ("quad-socket-four-way-ht", topology::named("quad-socket-four-way-ht").expect("named topology")),
    ];
    for (machine, topology) in &machines {
        for (state, available) in [("idle", topology.cpus()), ("fragmented", fragmented(topology))] {
            let mut group = c.benchmark_group(format!("cpu_take/{machine}/{state}"));
            for (name, pairs) in OPTION_SETS {
                let options =
                    StaticPolicyOptions::parse(pairs.iter().copied(), PolicyOptionGates::all()).expect("valid options");
                for count in COUNTS {
                    group.bench_with_input(BenchmarkId::new(name, count), &count, |b, &count| {
                        b.iter(|| take_by_topology(topology, black_box(&available), black_box(count), &options))
                    });
                }
            }
            group.finish();
        }
    }
    // The first selection on a topology also builds its dense layout.
    c.bench_function("cpu_take/384-cpu/idle/packed/4/first-call", |b| {
        b.iter_batched(
            dual_socket_sub_numa_384,
            |topology| take_by_topology(&topology, &topology.cpus(), 4, &StaticPolicyOptions::default()),
            BatchSize::SmallInput,
        )
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_millis(500)).measurement_time(Duration::from_secs(2));
    targets = bench_take
}
criterion_main!(benches);
