//! Inputs built to blow up time or memory, and what nodecore does with them:
//! each one finishes within a bound stated in docs/limits.md, or is refused
//! with its error kind.
//!
//! No test here measures time. Memory is measured: this test binary counts
//! the bytes each thread holds (see [`peak_bytes`]). Work is bounded by
//! construction (a CPU range costs at most 128 word writes, a walk keeps its
//! pending directories in a list) and checked where it is counted: the
//! searches that count their steps must refuse the inputs that would exceed
//! their budget, deterministically.

use nodecore::cgroups::files::{self, Backing};
use nodecore::cgroups::{CgroupConfig, CgroupManager, CgroupName, Driver, ResourceConfig, V2Manager};
use nodecore::cpumanager::state::{ContainerMap, State};
use nodecore::cpumanager::{
    self, Container, MAX_HINT_NUMA_NODES, Pod, QosClass, StaticPolicy, StaticPolicyOptions, take_by_topology,
};
use nodecore::cpuset::{CpuSet, MAX_CPU_ID, ParseErrorReason};
use nodecore::groups::{self, MAX_FILE_BYTES, Options, Rootfs, SecurityContext};
use nodecore::topology::{CpuInfo, CpuTopology};
use nodecore::topologymanager::bitmask::BitMask;
use nodecore::topologymanager::{self, NumaInfo, Policy, PolicyName, ProviderHints, TopologyHint};
use serde_json::json;
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

// --- Memory accounting ------------------------------------------------------

/// The system allocator, counting the bytes each thread holds.
struct Counting;

thread_local! {
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn track(delta: isize) {
    // `try_with`: a thread being torn down frees after its counters are gone.
    let _ = LIVE.try_with(|live| {
        live.set(live.get() + delta);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(live.get())));
    });
}

// SAFETY: every call is forwarded to `System` unchanged; the counters are
// plain thread-local cells that never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            track(layout.size() as isize);
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        track(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            track(new_size as isize - layout.size() as isize);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Runs `work` and returns its result and the most bytes this thread held
/// at once meanwhile, beyond what it held before.
fn peak_bytes<T>(work: impl FnOnce() -> T) -> (T, usize) {
    let start = LIVE.with(Cell::get);
    PEAK.with(|peak| peak.set(start));
    let value = work();
    (value, (PEAK.with(Cell::get) - start).max(0) as usize)
}

const MIB: usize = 1 << 20;

// --- CPU lists ----------------------------------------------------------------

#[test]
fn a_cpu_list_costs_its_ids_not_its_ranges() {
    // 2 MiB of full ranges: each piece is 128 word writes, and the set never
    // holds more than MAX_CPU_ID + 1 bits.
    let text = "0-8191,".repeat((2 * MIB) / 7) + "0";
    let (set, peak) = peak_bytes(|| CpuSet::parse(&text).unwrap());
    assert_eq!(set, CpuSet::from_iter(0..=MAX_CPU_ID));
    assert!(peak <= 4096, "a set of every CPU is 1 KiB of words, not {peak} bytes");
}

#[test]
fn huge_cpu_ids_are_refused_before_anything_is_allocated_for_them() {
    for (text, too_large) in [
        ("0-8192", true),
        ("0-4294967296", true),
        ("0-9223372036854775807", true),
        ("0-9223372036854775808", false),
        ("99999999999999999999999", false),
    ] {
        let (result, peak) = peak_bytes(|| CpuSet::parse(text));
        let reason = result.unwrap_err().reason;
        match too_large {
            true => assert!(matches!(reason, ParseErrorReason::IdTooLarge { .. }), "{text}: {reason:?}"),
            false => assert!(matches!(reason, ParseErrorReason::OutOfRange { .. }), "{text}: {reason:?}"),
        }
        assert!(peak < 1024, "{text}: only the error's text is allocated, not {peak} bytes");
    }
}

// --- The checkpoint -----------------------------------------------------------

#[test]
fn an_oversized_checkpoint_is_refused_after_reading_at_most_its_cap() {
    let dir = tempfile::tempdir().unwrap();
    let cap = 16 * MIB;
    fs::write(dir.path().join("cpu_manager_state"), vec![b' '; cap + 1]).unwrap();
    let (result, peak) =
        peak_bytes(|| State::new_checkpoint(dir.path(), "cpu_manager_state", "static", &ContainerMap::new()));
    let err = result.unwrap_err();
    assert_eq!(err.kind(), "io", "{err}");
    assert!(err.to_string().contains("larger than 16777216 bytes"), "{err}");
    assert!(peak <= 2 * cap + MIB, "reading stops at the cap: {peak} bytes held");
}

// --- /etc/group ---------------------------------------------------------------

/// An image whose `/etc/group` is exactly `size` bytes and lists `alice` in
/// as many distinct groups as fit; returns the rootfs and that number.
fn image_with_huge_group_file(size: usize) -> (tempfile::TempDir, usize) {
    let root = tempfile::tempdir().unwrap();
    fs::create_dir(root.path().join("etc")).unwrap();
    fs::write(root.path().join("etc/passwd"), "root:x:0:0::/:\nalice:x:1000:1000::/home/alice:/bin/sh\n").unwrap();
    let mut group = String::with_capacity(size);
    let mut count = 0;
    loop {
        let line = format!("g{0}:x:{0}:bob,alice\n", 100_000 + count);
        if group.len() + line.len() > size {
            break;
        }
        group.push_str(&line);
        count += 1;
    }
    // Pad with a comment to exactly `size` bytes.
    let pad = size - group.len();
    if pad > 0 {
        group.push_str(&"#".repeat(pad - 1));
        group.push('\n');
    }
    assert_eq!(group.len(), size);
    fs::write(root.path().join("etc/group"), group).unwrap();
    (root, count)
}

#[test]
fn a_ten_mib_etc_group_resolves_in_bounded_memory_and_a_larger_one_is_refused() {
    let (root, count) = image_with_huge_group_file(MAX_FILE_BYTES as usize);
    assert!(count > 380_000, "{count} groups");
    let rootfs = Rootfs::open(root.path()).unwrap();
    for options in [Options::containerd(), Options::cri_o()] {
        let (user, peak) =
            peak_bytes(|| groups::resolve("alice", &SecurityContext::default(), &rootfs, &options).unwrap());
        assert_eq!(user.supplemental_groups.len(), count + 1, "{:?}: every group and the primary one", options.runtime);
        assert_eq!(user.supplemental_groups[0], 1000);
        assert!(
            peak <= 6 * MAX_FILE_BYTES as usize,
            "{:?}: {peak} bytes held for a {MAX_FILE_BYTES}-byte file",
            options.runtime
        );
    }

    let (root, _) = image_with_huge_group_file(MAX_FILE_BYTES as usize + 1);
    let rootfs = Rootfs::open(root.path()).unwrap();
    for options in [Options::containerd(), Options::cri_o()] {
        let err = groups::resolve("alice", &SecurityContext::default(), &rootfs, &options).unwrap_err();
        assert_eq!(err.kind(), "too-large", "{err}");
    }
}

// --- Topologies ---------------------------------------------------------------

/// A machine of `numa_nodes` NUMA nodes (`numa_per_socket` per socket), each
/// with `cores_per_numa` cores of two threads; CPU ids are core-major like
/// sysfs on most x86 machines (the siblings of core c are c and c + cores).
fn machine(numa_nodes: usize, numa_per_socket: usize, cores_per_numa: usize) -> CpuTopology {
    let cores = numa_nodes * cores_per_numa;
    let rows = (0..2 * cores).map(|cpu| {
        let core = cpu % cores;
        let numa = core / cores_per_numa;
        (cpu, CpuInfo { core, socket: numa / numa_per_socket, numa, uncore: numa })
    });
    CpuTopology::from_cpus(rows).unwrap()
}

fn guaranteed(uid: &str, cpus: u64) -> Pod {
    Pod {
        uid: uid.to_owned(),
        qos: QosClass::Guaranteed,
        init_containers: vec![],
        containers: vec![Container::new("app", cpus * 1000)],
    }
}

#[test]
fn a_4096_cpu_machine_loads_from_json_and_is_allocated_to_the_last_cpu() {
    let machine = machine(16, 4, 128);
    let rows: Vec<_> = machine
        .cpus()
        .iter()
        .map(|cpu| {
            let info = machine.details.get(cpu).unwrap();
            json!({"cpu": cpu, "core": info.core, "socket": info.socket, "numa": info.numa, "uncore": info.uncore})
        })
        .collect();
    let loaded = CpuTopology::from_json_value(&json!({ "cpus": rows })).unwrap();
    assert_eq!((loaded.num_cpus, loaded.num_cores, loaded.num_sockets, loaded.num_numa_nodes), (4096, 2048, 4, 16));

    let policy = StaticPolicy::new(loaded, 4, &CpuSet::new(), StaticPolicyOptions::default(), "none").unwrap();
    let state = State::new_memory();
    policy.start(&state).unwrap();
    let pods: Vec<Pod> = (0..64).map(|i| guaranteed(&format!("pod-{i}"), 63)).collect();
    for pod in &pods {
        policy.allocate(&state, pod, &pod.containers[0], None).unwrap();
    }
    let snapshot = state.snapshot();
    assert_eq!(snapshot.assigned_cpus().len(), 64 * 63);
    assert_eq!(snapshot.default_cpu_set.len(), 4096 - 64 * 63);
    let big = guaranteed("too-big", 61);
    let err = policy.allocate(&state, &big, &big.containers[0], None).unwrap_err();
    assert_eq!(err.kind(), "insufficient");

    // Hints over 16 NUMA nodes: at most 2^16 - 1 subsets.
    let small = guaranteed("small", 2);
    let hints = policy.get_topology_hints(&state, &small, &small.containers[0]).unwrap();
    let hints = hints["cpu"].as_ref().unwrap();
    assert!(!hints.is_empty() && hints.len() < 1 << 16);
}

#[test]
fn hints_on_more_numa_nodes_than_can_be_enumerated_are_refused() {
    assert_eq!(MAX_HINT_NUMA_NODES, 20);
    let allowed = machine(MAX_HINT_NUMA_NODES, 1, 1);
    let all = allowed.cpus();
    let hints = cpumanager::generate_cpu_topology_hints(&allowed, false, &all, &CpuSet::new(), 1).unwrap();
    assert_eq!(hints.len(), (1 << MAX_HINT_NUMA_NODES) - 1, "every subset of 20 nodes");

    let too_many = machine(64, 1, 32);
    assert_eq!(too_many.num_cpus, 4096);
    let all = too_many.cpus();
    let err = cpumanager::generate_cpu_topology_hints(&too_many, false, &all, &CpuSet::new(), 1).unwrap_err();
    assert_eq!(err.kind(), "invalid-topology");
    assert!(err.to_string().contains("more than 20 NUMA nodes"), "{err}");
}

#[test]
fn spreading_over_many_numa_nodes_stops_at_its_step_budget() {
    let machine = machine(64, 1, 32);
    let mut options = StaticPolicyOptions::default();
    options.distribute_cpus_across_numa = true;
    // Ten nodes' worth of CPUs out of 64 nodes: C(64, 7) and more combinations.
    let err = take_by_topology(&machine, &machine.cpus(), 400, &options).unwrap_err();
    assert_eq!(err.kind(), "allocation-too-complex");
    assert!(err.to_string().contains("400 CPUs over 64 NUMA nodes"), "{err}");
    // A request two nodes can hold stays exact and quick to find.
    assert_eq!(take_by_topology(&machine, &machine.cpus(), 100, &options).unwrap().len(), 100);
}

#[test]
fn cpu_ids_past_the_largest_are_refused_in_topologies() {
    let row = |cpu: usize| json!({"cpu": cpu, "core": cpu, "socket": 0, "numa": 0, "uncore": 0});
    let largest = CpuTopology::from_json_value(&json!({"cpus": [row(0), row(MAX_CPU_ID)]})).unwrap();
    assert_eq!(largest.num_cpus, 2);
    let err = CpuTopology::from_json_value(&json!({"cpus": [row(0), row(MAX_CPU_ID + 1)]})).unwrap_err();
    assert_eq!(err.kind(), "invalid-topology");
}

// --- The topology manager's merge ------------------------------------------------

/// A deterministic pseudo-random generator (xorshift64).
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// `lists` providers of `hints` non-preferred hints each, over 64 nodes,
/// every mask a random half of the nodes.
fn random_providers(lists: usize, hints: usize) -> Vec<ProviderHints> {
    let mut seed = 0x9e37_79b9_7f4a_7c15;
    (0..lists)
        .map(|list| {
            let hints =
                (0..hints).map(|_| TopologyHint::new(Some(BitMask::from_u64(next(&mut seed) | 1)), false)).collect();
            ProviderHints::from([(format!("resource-{list}"), Some(hints))])
        })
        .collect()
}

fn policy_of(nodes: usize) -> Policy {
    let ids: Vec<usize> = (0..nodes).collect();
    let numa = NumaInfo::new(&ids, &Default::default(), false).unwrap();
    let options = topologymanager::TopologyManagerOptions { max_allowable_numa_nodes: 64, ..Default::default() };
    Policy::new(PolicyName::BestEffort, numa, options)
}

#[test]
fn a_64_node_merge_of_thousands_of_hints_answers_or_stops_at_its_budget() {
    let policy = policy_of(64);
    // Four lists of a thousand: inside the budget, an exact answer.
    let outcome = policy.merge(&random_providers(4, 1000)).unwrap();
    assert!(!outcome.hint.preferred && outcome.admit);
    // Sixteen lists of two thousand: 2000^16 permutations upstream, and more
    // distinct AND-masks than the search may examine.
    let err = policy.merge(&random_providers(16, 2000)).unwrap_err();
    assert!(matches!(err, topologymanager::Error::MergeTooComplex { lists: 16, longest: 2000, .. }), "{err}");
    assert_eq!(err.kind(), "merge-too-complex");
    assert_eq!(topologymanager::MAX_MERGE_STEPS, 1 << 24);
}

#[test]
fn thousands_of_lists_merge_when_they_offer_no_choice_and_are_refused_when_they_do() {
    let policy = policy_of(64);
    let mask = |bits: u64| TopologyHint::new(Some(BitMask::from_u64(bits)), false);
    // Ten thousand lists of one hint: one permutation upstream, and no level
    // of search here; the answer is the AND of them all.
    let single: Vec<ProviderHints> = (0..10_000u64)
        .map(|i| ProviderHints::from([(format!("r{i}"), Some(vec![mask(!(1 << (i % 8)) & 0xffff)]))]))
        .collect();
    let outcome = policy.merge(&single).unwrap();
    assert_eq!(outcome.hint.numa_node_affinity, Some(BitMask::from_u64(0xff00)));
    // Past MAX_MERGE_LISTS lists with two masks each: 2^300 permutations
    // upstream; refused before the search recurses that deep.
    let lists = topologymanager::MAX_MERGE_LISTS + 44;
    let choosy: Vec<ProviderHints> = (0..lists as u64)
        .map(|i| ProviderHints::from([(format!("r{i}"), Some(vec![mask(u64::MAX), mask(!(1 << (i % 64)))]))]))
        .collect();
    let err = on_a_small_stack(move || policy_of(64).merge(&choosy)).unwrap_err();
    assert_eq!(err.kind(), "merge-too-complex", "{err}");
    assert!(err.to_string().contains("300 hint lists"), "{err}");
}

#[test]
fn real_provider_shapes_merge_far_inside_the_budget() {
    // Every subset of 8 and of 12 nodes, from four providers, nothing
    // preferred: the shape CPU, memory and device managers produce.
    for nodes in [8, 12] {
        let ids: Vec<usize> = (0..nodes).collect();
        let mut subsets = Vec::new();
        topologymanager::bitmask::iterate_bit_masks(&ids, |mask| subsets.push(TopologyHint::new(Some(mask), false)))
            .unwrap();
        let providers: Vec<ProviderHints> =
            (0..4).map(|p| ProviderHints::from([(format!("r{p}"), Some(subsets.clone()))])).collect();
        let outcome = policy_of(nodes).merge(&providers).unwrap();
        assert_eq!(outcome.hint.numa_node_affinity, Some(BitMask::new([0]).unwrap()), "{nodes} nodes");
    }
}

#[test]
fn the_eval_door_reports_the_refusals_by_kind() {
    let providers: Vec<serde_json::Value> = random_providers(16, 2000)
        .iter()
        .map(|provider| {
            let (resource, hints) = provider.iter().next().unwrap();
            let hints: Vec<_> = hints
                .as_ref()
                .unwrap()
                .iter()
                .map(|h| json!({"affinity": h.numa_node_affinity.unwrap().get_bits(), "preferred": h.preferred}))
                .collect();
            json!({ resource.as_str(): hints })
        })
        .collect();
    let case = json!({"id": "merge", "kind": "topology.merge", "input": {
        "policy": "best-effort", "numa_nodes": (0..64).collect::<Vec<_>>(),
        "options": {"max-allowable-numa-nodes": "64"}, "providers": providers,
    }});
    let answer = nodecore::eval::eval_case(&case);
    assert_eq!(answer["error"]["kind"], "merge-too-complex", "{}", answer["error"]);
}

// --- Cgroup trees ---------------------------------------------------------------

/// Nests `a/a/a/...` below `root`, `levels` deep or, with `None`, as deep as
/// the kernel's path limit allows while the deepest level's `cgroup.procs`
/// can still be named (each level is two bytes of path). Each level is made
/// relative to the one above, so building costs no path lookups. Returns the
/// deepest directory and its depth.
fn nest(root: &Path, levels: Option<usize>) -> (PathBuf, usize) {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    let mut parent = OwnedFd::from(fs::File::open(root).unwrap());
    let mut dir = root.to_path_buf();
    let mut depth = 0;
    while levels.map_or(dir.as_os_str().len() + "/a/cgroup.procs".len() < libc::PATH_MAX as usize, |l| depth < l) {
        // SAFETY: a valid directory descriptor and a NUL-terminated name.
        let child = unsafe {
            assert_eq!(libc::mkdirat(parent.as_raw_fd(), c"a".as_ptr(), 0o755), 0, "mkdir level {depth}");
            libc::openat(parent.as_raw_fd(), c"a".as_ptr(), libc::O_DIRECTORY | libc::O_RDONLY | libc::O_CLOEXEC)
        };
        assert!(child >= 0, "open level {depth}");
        // SAFETY: `child` is a descriptor this function just opened and owns.
        parent = unsafe { OwnedFd::from_raw_fd(child) };
        dir.push("a");
        depth += 1;
    }
    (dir, depth)
}

/// Runs `work` on a thread with a 128 KiB stack: a walk that recursed once
/// per level would overflow it (and abort the test binary) on a tree
/// thousands of levels deep.
fn on_a_small_stack<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new().stack_size(128 << 10).spawn(work).unwrap().join().unwrap()
}

#[test]
fn a_cgroup_tree_as_deep_as_paths_allow_is_walked_and_removed_without_recursion() {
    let (root, manager) = {
        let root = tempfile::tempdir().unwrap();
        fs::write(root.path().join("cgroup.controllers"), "cpu memory pids\n").unwrap();
        fs::write(root.path().join("cgroup.subtree_control"), "").unwrap();
        let manager = V2Manager::new(root.path(), Driver::Cgroupfs).unwrap().with_backing(Backing::Plain);
        (root, manager)
    };
    let pod = CgroupName::new(["kubepods", "pod1"]).unwrap();
    manager.create(&CgroupConfig { name: pod.clone(), resources: ResourceConfig::default() }).unwrap().limits.unwrap();
    let pod_dir = root.path().join("kubepods/pod1");
    let (deepest, depth) = nest(&pod_dir, None);
    assert!(depth > 1000, "only {depth} levels fit");
    fs::write(deepest.join("cgroup.procs"), "4242\n").unwrap();

    let walked = pod_dir.clone();
    let pids = on_a_small_stack(move || files::procs_recursive(&walked).unwrap());
    assert_eq!(pids, [4242]);
    let removed = on_a_small_stack(move || manager.destroy(&pod));
    removed.unwrap();
    assert!(!pod_dir.exists());
}

/// A chain of real cgroups and the process placed at its bottom; both are
/// gone after drop, even when the test fails.
struct RealChain {
    top: PathBuf,
    sleeper: Option<std::process::Child>,
}

impl Drop for RealChain {
    fn drop(&mut self) {
        if let Some(mut sleeper) = self.sleeper.take() {
            let _ = sleeper.kill();
            let _ = sleeper.wait();
        }
        // A cgroup is removed once it has no children and no processes:
        // from the bottom up, however far the chain got.
        let mut dir = self.top.clone();
        while dir.join("a").is_dir() {
            dir.push("a");
        }
        while dir.starts_with(&self.top) {
            let _ = fs::remove_dir(&dir);
            dir.pop();
        }
    }
}

#[test]
fn a_deep_tree_in_the_real_cgroup2_hierarchy() {
    const UNIFIED: &str = "/sys/fs/cgroup/unified";
    if !nix::unistd::geteuid().is_root() || !Path::new(UNIFIED).join("cgroup.procs").exists() {
        eprintln!("skipped: needs root and cgroup2 at {UNIFIED}");
        return;
    }
    let own = fs::read_to_string("/proc/self/cgroup").unwrap();
    let own = own.lines().find_map(|line| line.strip_prefix("0::")).unwrap_or("/");
    let top =
        Path::new(UNIFIED).join(own.trim_start_matches('/')).join(format!("nodecore-deep-{}", std::process::id()));
    fs::create_dir(&top).unwrap();
    let mut chain = RealChain { top: top.clone(), sleeper: None };
    // Making a cgroup costs the kernel far more than a directory: 500
    // levels, several times what a recursive walk survives on this stack,
    // with paths short enough for any other walker on the machine.
    let (deepest, depth) = nest(&top, Some(500));
    let sleeper = std::process::Command::new("sleep").arg("600").spawn().unwrap();
    let pid = sleeper.id() as i32;
    chain.sleeper = Some(sleeper);
    fs::write(deepest.join("cgroup.procs"), pid.to_string()).unwrap();

    let pids = on_a_small_stack(move || files::procs_recursive(&top).unwrap());
    assert_eq!(pids, [pid], "found {depth} levels down");
}

// --- Eval input ----------------------------------------------------------------

#[test]
fn eval_answers_large_inputs_line_by_line_in_bounded_memory() {
    let mut text = String::new();
    for i in 0..5_000 {
        writeln!(text, r#"{{"id":{i},"kind":"cpuset.parse","input":{{"text":"0-8191,{i}"}}}}"#).unwrap();
    }
    let (answers, peak) = peak_bytes(|| nodecore::eval::eval_jsonl(&text));
    assert_eq!(answers.lines().count(), 5_000);
    assert!(peak <= 4 * text.len() + MIB, "{peak} bytes held for {} bytes of cases", text.len());
}
