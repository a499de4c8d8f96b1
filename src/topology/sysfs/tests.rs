use super::*;
use crate::topology::named;
use std::collections::BTreeMap;
use std::path::Path;

/// A fake machine: a temp dir with the sysfs files cadvisor reads, written as
/// the kernel writes them.
struct Fake {
    dir: tempfile::TempDir,
}

impl Fake {
    fn new() -> Self {
        Fake { dir: tempfile::tempdir().unwrap() }
    }

    fn sysfs(&self) -> Sysfs {
        Sysfs::new(self.dir.path())
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn remove(&self, rel: &str) {
        let path = self.path(rel);
        if path.is_dir() { std::fs::remove_dir_all(path) } else { std::fs::remove_file(path) }.unwrap();
    }

    /// `cpu<cpu>/topology` with the kernel's `core_id` and `physical_package_id`.
    fn cpu(&self, cpu: usize, core_id: usize, package: usize) {
        self.write(&format!("sys/devices/system/cpu/cpu{cpu}/topology/core_id"), &format!("{core_id}\n"));
        self.write(&format!("sys/devices/system/cpu/cpu{cpu}/topology/physical_package_id"), &format!("{package}\n"));
    }

    /// `cache/index<index>` of every CPU in `sharing`.
    fn cache(&self, index: usize, level: usize, id: usize, sharing: &CpuSet) {
        let kind = if level == 1 { "Data" } else { "Unified" };
        for cpu in sharing.iter() {
            let dir = format!("sys/devices/system/cpu/cpu{cpu}/cache/index{index}");
            self.write(&format!("{dir}/id"), &format!("{id}\n"));
            self.write(&format!("{dir}/level"), &format!("{level}\n"));
            self.write(&format!("{dir}/type"), &format!("{kind}\n"));
            self.write(&format!("{dir}/size"), &format!("{}K\n", 32 << level));
            self.write(&format!("{dir}/shared_cpu_map"), &format!("{}\n", mask(sharing)));
            self.write(&format!("{dir}/shared_cpu_list"), &format!("{sharing}\n"));
        }
    }

    /// `node/node<node>` with a `cpu<M>` link per CPU and a distance row.
    fn node(&self, node: usize, cpus: &CpuSet, distance: &str) {
        let dir = self.path(&format!("sys/devices/system/node/node{node}"));
        std::fs::create_dir_all(&dir).unwrap();
        for cpu in cpus.iter() {
            std::os::unix::fs::symlink(format!("../../cpu/cpu{cpu}"), dir.join(format!("cpu{cpu}"))).unwrap();
        }
        self.write(&format!("sys/devices/system/node/node{node}/distance"), &format!("{distance}\n"));
        self.write(&format!("sys/devices/system/node/node{node}/cpulist"), &format!("{cpus}\n"));
    }

    fn online(&self, list: &str) {
        self.write("sys/devices/system/cpu/online", &format!("{list}\n"));
    }
}

/// The kernel's `shared_cpu_map` form: 32-bit hexadecimal words, most
/// significant first.
fn mask(cpus: &CpuSet) -> String {
    let words = cpus.last().map_or(1, |last| last / 32 + 1);
    (0..words)
        .rev()
        .map(|word| {
            let bits = (0..32).filter(|bit| cpus.contains(word * 32 + bit)).fold(0u32, |acc, bit| acc | 1 << bit);
            format!("{bits:08x}")
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn set(text: &str) -> CpuSet {
    text.parse().unwrap()
}

/// `(core, socket, numa, uncore)` of every CPU.
fn rows(topology: &CpuTopology) -> BTreeMap<usize, (usize, usize, usize, usize)> {
    topology.details.iter().map(|(cpu, info)| (cpu, (info.core, info.socket, info.numa, info.uncore))).collect()
}

fn counters(topology: &CpuTopology) -> [usize; 5] {
    [topology.num_cpus, topology.num_cores, topology.num_sockets, topology.num_numa_nodes, topology.num_uncore_caches]
}

/// An Intel-like machine: CPU ids enumerate the first thread of every core,
/// then the second threads; `core_id` restarts at 0 in every socket; one L3
/// per socket with id `10 + socket`; per-core L1 caches; NUMA directories
/// when `numa_per_socket > 0`.
fn intel_like(sockets: usize, numa_per_socket: usize, cores_per_numa: usize, threads: usize) -> Fake {
    let fake = Fake::new();
    let cores_per_socket = numa_per_socket.max(1) * cores_per_numa;
    let total_cores = sockets * cores_per_socket;
    let core_cpus = |core: usize| -> CpuSet { (0..threads).map(|t| t * total_cores + core).collect() };
    for core in 0..total_cores {
        let socket = core / cores_per_socket;
        for cpu in core_cpus(core).iter() {
            fake.cpu(cpu, core % cores_per_socket, socket);
        }
        fake.cache(0, 1, core, &core_cpus(core));
    }
    for socket in 0..sockets {
        let socket_cpus: CpuSet =
            (socket * cores_per_socket..(socket + 1) * cores_per_socket).flat_map(|c| core_cpus(c).to_vec()).collect();
        fake.cache(3, 3, 10 + socket, &socket_cpus);
    }
    let nodes = sockets * numa_per_socket;
    for node in 0..nodes {
        let cpus: CpuSet =
            (node * cores_per_numa..(node + 1) * cores_per_numa).flat_map(|c| core_cpus(c).to_vec()).collect();
        let row: Vec<String> = (0..nodes).map(|other| if other == node { "10" } else { "21" }.to_owned()).collect();
        fake.node(node, &cpus, &row.join(" "));
    }
    fake.online(&format!("0-{}", total_cores * threads - 1));
    fake
}

#[test]
fn dual_socket_multi_numa_per_socket_ht_matches_the_upstream_fixture() {
    // Like upstream's topoDualSocketMultiNumaPerSocketHT: cadvisor's core ids
    // repeat in each socket; the kubelet's are the lowest thread ids.
    let topology = intel_like(2, 2, 10, 2).sysfs().topology().unwrap();
    let fixture = named("dual-socket-multi-numa-per-socket-ht").unwrap();
    let placement = |t: &CpuTopology| -> Vec<_> { rows(t).into_iter().map(|(cpu, r)| (cpu, r.0, r.1, r.2)).collect() };
    assert_eq!(placement(&topology), placement(&fixture));
    assert_eq!(topology.details.get(40).unwrap().core, 0);
    assert_eq!(topology.details.get(60).unwrap().core, 20);
    // The L3 spans two NUMA nodes, so it is each core's uncore cache.
    assert_eq!(topology.details.cpus_in_uncore_caches(&set("11")), set("20-39,60-79"));
    assert_eq!(counters(&topology), [80, 40, 2, 4, 2]);
    assert!(!topology.numa_first());
}

#[test]
fn an_l3_spanning_the_numa_node_is_no_uncore_cache() {
    // One NUMA node per socket: the L3 is node-level, so the uncore id is
    // the socket id, not the cache id.
    let topology = intel_like(2, 1, 4, 2).sysfs().topology().unwrap();
    assert_eq!(topology.details.uncore_caches(), set("0-1"));
    assert_eq!(topology.details.get(5).unwrap().uncore, 1);
    assert_eq!(counters(&topology), [16, 8, 2, 2, 2]);
    assert_eq!(topology.cpus_per_core(), 2);
}

#[test]
fn offline_cpus_are_skipped_and_change_the_uncore_rule() {
    // 1 socket, 1 NUMA node, 4 cores x 2 threads (c, c+4), L3 id 10.
    let fake = intel_like(1, 1, 4, 2);
    let before = fake.sysfs().topology().unwrap();
    assert_eq!(before.details.uncore_caches(), set("0"), "node-level L3: socket id");

    // CPUs 6 and 7 go offline. CPU 7 loses its topology and cache
    // directories, as current kernels do; CPU 6 keeps them (older kernels)
    // and is only missing from `online`. The kernel drops both from the
    // shared cache maps.
    fake.online("0-5");
    fake.remove("sys/devices/system/cpu/cpu7/topology");
    fake.remove("sys/devices/system/cpu/cpu7/cache");
    fake.cache(3, 3, 10, &set("0-5"));
    let after = fake.sysfs().topology().unwrap();
    assert_eq!(after.cpus(), set("0-5"));
    assert_eq!(after.details.cpus_in_cores(&set("2")), set("2"));
    assert_eq!(counters(&after), [6, 4, 1, 1, 1]);
    // 6 CPUs share the L3, but cores x threads is 8 (or 4 for the cores
    // that lost a thread): cadvisor now calls the L3 an uncore cache, and
    // the uncore id becomes the cache id.
    assert_eq!(rows(&after)[&5], (1, 0, 0, 10));
    assert_eq!(after.details.uncore_caches(), set("10"));
}

#[test]
fn without_numa_directories_packages_stand_in_for_nodes() {
    let fake = intel_like(2, 0, 2, 2);
    // 8 CPU directories; CPU 7 is offline and has no topology.
    fake.online("0-6");
    fake.remove("sys/devices/system/cpu/cpu7/topology");
    fake.remove("sys/devices/system/cpu/cpu7/cache");
    fake.cache(3, 3, 11, &set("2-3,6"));
    let topology = fake.sysfs().topology().unwrap();
    assert_eq!(topology.cpus(), set("0-6"));
    assert_eq!(topology.details.numa_nodes(), set("0-1"));
    assert_eq!(topology.details.cpus_in_numa_nodes(&set("1")), set("2-3,6"));
    // Socket 0's L3 spans its package: socket id. Socket 1's no longer
    // matches cores x threads: its cache id.
    assert_eq!(topology.details.cpus_in_uncore_caches(&set("0")), set("0-1,4-5"));
    assert_eq!(topology.details.cpus_in_uncore_caches(&set("11")), set("2-3,6"));
    // NumCPUs counts every CPU directory, the offline one too.
    assert_eq!(counters(&topology), [8, 4, 2, 2, 2]);
    assert_eq!(topology.cpus_per_core(), 2);
    assert!(fake.sysfs().numa_distances().unwrap().is_empty());
}

#[test]
fn missing_cache_data_falls_back_to_the_socket_from_the_failing_core_on() {
    // AMD-like: 1 socket, 1 NUMA node, 12 cores without SMT, L3 per 4 cores
    // with ids 6, 7, 8. Cores are read in name order: cpu0, cpu1, cpu10,
    // cpu11, cpu2, ... cpu9.
    let fake = Fake::new();
    for cpu in 0..12 {
        fake.cpu(cpu, cpu, 0);
    }
    for l3 in 0..3 {
        fake.cache(3, 3, 6 + l3, &(4 * l3..4 * l3 + 4).collect());
    }
    fake.node(0, &set("0-11"), "10");
    let full = fake.sysfs().topology().unwrap();
    assert_eq!(full.details.cpus_in_uncore_caches(&set("7")), set("4-7"));
    assert_eq!(counters(&full), [12, 12, 1, 1, 3]);

    // cpu10's L3 has no id: cores from cpu10 on (in name order) get socket 0.
    fake.remove("sys/devices/system/cpu/cpu10/cache/index3/id");
    let partial = fake.sysfs().topology().unwrap();
    let uncore: Vec<usize> = (0..12).map(|cpu| partial.details.get(cpu).unwrap().uncore).collect();
    assert_eq!(uncore, [6, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

    // No cache directory at all: every core gets its socket.
    for cpu in 0..12 {
        fake.remove(&format!("sys/devices/system/cpu/cpu{cpu}/cache"));
    }
    let none = fake.sysfs().topology().unwrap();
    assert_eq!(none.details.uncore_caches(), set("0"));
    assert_eq!(counters(&none), [12, 12, 1, 1, 1]);
}

#[test]
fn sockets_come_from_proc_cpuinfo_when_it_names_them() {
    let fake = intel_like(2, 1, 2, 1);
    assert_eq!(fake.sysfs().topology().unwrap().num_sockets, 2, "sysfs fallback");
    fake.write(
        "proc/cpuinfo",
        "processor\t: 0\nphysical id\t: 0\ncore id\t\t: 0\n\nprocessor\t: 1\nphysical id\t: 0\n",
    );
    assert_eq!(fake.sysfs().topology().unwrap().num_sockets, 1, "cpuinfo wins");
    fake.write("proc/cpuinfo", "processor\t: 0\nvendor_id\t: ARM\n");
    assert_eq!(fake.sysfs().topology().unwrap().num_sockets, 2, "no physical id: sysfs fallback");
}

/// Writes the sysfs of a named topology: `core_id` numbered within each
/// socket, one NUMA directory per NUMA id, one L3 per uncore id with cache
/// id `100 + uncore`.
fn fake_from_fixture(topology: &CpuTopology) -> Fake {
    let fake = Fake::new();
    let mut per_socket: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for core in topology.details.cores().iter() {
        let socket = topology.details.get(core).unwrap().socket;
        per_socket.entry(socket).or_default().push(core);
    }
    for (cpu, info) in topology.details.iter() {
        let core_id = per_socket[&info.socket].iter().position(|&core| core == info.core).unwrap();
        fake.cpu(cpu, core_id, info.socket);
    }
    for uncore in topology.details.uncore_caches().iter() {
        fake.cache(3, 3, 100 + uncore, &topology.details.cpus_in_uncore_caches(&[uncore].into_iter().collect()));
    }
    for numa in topology.details.numa_nodes().iter() {
        fake.node(numa, &topology.details.cpus_in_numa_nodes(&[numa].into_iter().collect()), "10");
    }
    fake
}

#[test]
fn named_fixtures_round_trip_through_sysfs() {
    let mut checked = 0;
    for name in crate::topology::names() {
        let fixture = named(name).unwrap();
        let d = &fixture.details;
        let lowest_thread_ids =
            d.cores().iter().all(|core| d.cpus_in_cores(&[core].into_iter().collect()).first() == Some(core));
        if !lowest_thread_ids {
            // triple-socket-ht and quad-socket-four-way-ht number cores
            // otherwise; sysfs cannot express that.
            continue;
        }
        let found = fake_from_fixture(&fixture).sysfs().topology().unwrap();
        for (cpu, info) in d.iter() {
            let numa = [info.numa].into_iter().collect();
            let cores_in_node = d.cores_in_numa_nodes(&numa).len();
            let threads = d.cpus_in_cores(&[info.core].into_iter().collect()).len();
            let l3_cpus = d.cpus_in_uncore_caches(&[info.uncore].into_iter().collect()).len();
            let uncore = if l3_cpus == cores_in_node * threads { info.socket } else { 100 + info.uncore };
            let expected = CpuInfo { uncore, ..*info };
            assert_eq!(found.details.get(cpu), Some(&expected), "{name}: CPU {cpu}");
        }
        let derived = CpuTopology::from_cpus(found.details.iter().map(|(cpu, info)| (cpu, *info))).unwrap();
        assert_eq!(counters(&found), counters(&derived), "{name}");
        checked += 1;
    }
    assert_eq!(checked, 13);
}

#[test]
fn malformed_or_empty_sysfs_is_a_clear_error() {
    let fake = intel_like(1, 1, 2, 1);
    fake.online("0-");
    let err = fake.sysfs().topology().unwrap_err();
    assert!(matches!(&err, Error::Malformed { path, .. } if path.ends_with("cpu/online")), "{err}");
    assert_eq!(err.kind(), "discovery");

    fake.online("0-1");
    fake.write("sys/devices/system/cpu/cpu1/topology/core_id", "x\n");
    let err = fake.sysfs().topology().unwrap_err();
    assert!(err.to_string().contains("cpu1/topology/core_id"), "{err}");

    fake.write("sys/devices/system/cpu/cpu1/topology/core_id", "1\n");
    fake.write("sys/devices/system/cpu/cpu1/topology/physical_package_id", "-1\n");
    let err = fake.sysfs().topology().unwrap_err();
    assert!(err.to_string().contains("non-negative"), "{err}");

    let empty = Fake::new();
    assert!(matches!(empty.sysfs().topology(), Err(Error::NoCpusDetected { .. })));
    empty.write("sys/devices/system/cpu/cpu0/uevent", "");
    let err = empty.sysfs().topology().unwrap_err();
    assert_eq!(err.to_string().split(':').next(), Some("could not detect number of cpus"));
}

#[test]
fn distances_are_read_per_node_in_file_order() {
    let fake = Fake::new();
    fake.cpu(0, 0, 0);
    fake.node(0, &set("0"), "10 21 31");
    fake.node(1, &CpuSet::new(), "21 10 31");
    fake.node(3, &CpuSet::new(), "31 31 10");
    let distances = fake.sysfs().numa_distances().unwrap();
    assert_eq!(distances.nodes().collect::<Vec<_>>(), [0, 1, 3]);
    assert_eq!(distances.row(3), Some(&[31, 31, 10][..]));
    // CPU-less nodes carry distances but no CPUs.
    assert_eq!(fake.sysfs().topology().unwrap().num_numa_nodes, 1);

    fake.write("sys/devices/system/node/node1/distance", "21  10 31\n");
    let err = fake.sysfs().numa_distances().unwrap_err();
    assert!(err.to_string().contains("node1/distance"), "{err}");
    fake.remove("sys/devices/system/node/node1/distance");
    let err = fake.sysfs().numa_distances().unwrap_err();
    assert!(matches!(&err, Error::Read { path, .. } if path.ends_with("node1/distance")), "{err}");
}

fn read_host(rel: &str) -> String {
    std::fs::read_to_string(Path::new("/sys/devices/system").join(rel)).unwrap()
}

#[test]
fn this_machine_matches_its_sysfs() {
    let topology = crate::topology::discover().unwrap();
    let online = set(read_host("cpu/online").trim());
    assert_eq!(topology.cpus(), online);
    assert_eq!(topology.num_cpus, online.len());
    let mut packages = BTreeSet::new();
    for cpu in online.iter() {
        let info = topology.details.get(cpu).unwrap();
        let package: usize = read_host(&format!("cpu/cpu{cpu}/topology/physical_package_id")).trim().parse().unwrap();
        packages.insert(package);
        assert_eq!(info.socket, package, "CPU {cpu}");
        let siblings = set(read_host(&format!("cpu/cpu{cpu}/topology/thread_siblings_list")).trim());
        assert_eq!(Some(info.core), siblings.intersection(&online).first(), "CPU {cpu}");
        if Path::new("/sys/devices/system/node").join(format!("node{}", info.numa)).exists() {
            let node_cpus = set(read_host(&format!("node/node{}/cpulist", info.numa)).trim());
            assert!(node_cpus.contains(cpu), "CPU {cpu} in node {}", info.numa);
        }
    }
    assert_eq!(topology.num_sockets, packages.len());
    assert_eq!(topology.num_cores, topology.details.cores().len());

    let distances = crate::topology::numa_distances().unwrap();
    for node in distances.nodes() {
        let row: Vec<u64> =
            read_host(&format!("node/node{node}/distance")).split_whitespace().map(|d| d.parse().unwrap()).collect();
        assert_eq!(distances.row(node), Some(&row[..]));
        assert_eq!(row.len(), distances.len());
    }
}
