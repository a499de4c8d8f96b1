//! The cgroup managers against this machine's real cgroup filesystem.
//!
//! These tests need root (they create cgroups) and are skipped, saying so,
//! when not run as root. The host is expected to be hybrid: cgroup v1
//! controllers at `/sys/fs/cgroup/<controller>` and a cgroup2 mount at
//! `/sys/fs/cgroup/unified`, which the v2 tests use as their unified root.
//!
//! Every test works below its own test-only parent cgroup with a unique name,
//! nested inside the test process's own cgroups (so that memory experiments
//! stay under the memory cgroup the tests were started in). A guard kills the
//! test's processes and removes the parent in every hierarchy when it is
//! dropped, whether the test passed or panicked.

use nodecore::cgroups::files;
use nodecore::cgroups::{
    CgroupConfig, CgroupLayout, CgroupLimits, CgroupManager, CgroupName, CgroupV1Policy, CgroupVersion, Driver, Error,
    Host, HostPaths, Limit, Mode, QosClass, Resource, ResourceConfig, V1Manager, V2Manager, cgroup_version_check,
    destroy_pod, kill_cgroup_processes, pod_cgroups,
};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Child, Command};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

const UNIFIED: &str = "/sys/fs/cgroup/unified";

/// Skips the calling test, with a message, unless running as root.
macro_rules! require_root {
    () => {
        if !nix::unistd::geteuid().is_root() {
            eprintln!("skipped: this test creates cgroups and needs root");
            return;
        }
    };
}

fn unique_name(label: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    format!("nodecore-test-{}-{label}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A test-only parent cgroup and the processes a test started; both are gone
/// after drop.
struct TestTree {
    manager: Box<dyn CgroupManager>,
    parent: CgroupName,
    children: Vec<Child>,
}

impl TestTree {
    fn new(manager: Box<dyn CgroupManager>, label: &str) -> Self {
        TestTree { manager, parent: CgroupName::new([unique_name(label)]).unwrap(), children: Vec::new() }
    }

    /// A v1 manager over the host's mounts, rooted at this process's cgroups.
    fn v1(label: &str) -> Self {
        let host = Host::detect(&HostPaths::default()).unwrap();
        assert_eq!(host.mode.version(), CgroupVersion::V1, "these tests expect a cgroup v1 (or hybrid) host");
        let own = std::fs::read_to_string("/proc/self/cgroup").unwrap();
        let manager = V1Manager::new(host.subsystems.below_cgroups_of(&own), Driver::Cgroupfs)
            .with_host_page_sizes(host.huge_page_sizes.clone());
        TestTree::new(Box::new(manager), label)
    }

    fn name(&self, components: &[&str]) -> CgroupName {
        let mut name = self.parent.clone();
        for component in components {
            name = name.child(component).unwrap();
        }
        name
    }

    /// Starts a `sleep` that the guard will kill and reap.
    fn spawn_sleep(&mut self) -> i32 {
        let child = Command::new("sleep").arg("600").spawn().expect("sleep starts");
        let pid = child.id() as i32;
        self.children.push(child);
        pid
    }

    /// Waits for every child; returns how many were killed by a signal.
    fn reap(&mut self) -> usize {
        let statuses: Vec<_> = self.children.drain(..).map(|mut child| child.wait().unwrap()).collect();
        statuses.iter().filter(|status| status.code().is_none()).count()
    }
}

impl Drop for TestTree {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = kill_cgroup_processes(self.manager.as_ref(), &self.parent);
        let _ = self.manager.destroy(&self.parent);
    }
}

fn exists_anywhere(manager: &dyn CgroupManager, name: &CgroupName) -> bool {
    manager.paths(name).unwrap().values().any(|dir| dir.exists())
}

#[test]
fn host_is_detected_as_the_kubelet_sees_it() {
    let host = Host::detect(&HostPaths::default()).unwrap();
    assert_eq!(host.mode, Mode::Hybrid, "this machine mounts cgroup2 at {UNIFIED} beside v1");
    assert_eq!(host.mode.version(), CgroupVersion::V1);
    for controller in ["cpu", "cpuacct", "cpuset", "memory", "pids", "systemd"] {
        assert!(host.subsystems.mount_point(controller).is_some(), "{controller} is mounted");
    }
    assert_eq!(host.subsystems.unified_mirror(), Some(Path::new(UNIFIED)));
    assert!(host.huge_page_sizes.contains(&(2 << 20)));
    let check = cgroup_version_check(host.mode, &host.cgroup_root, CgroupV1Policy::MaintenanceMode);
    assert_eq!((check.metric, check.node_event), (1, true));
    assert_eq!(Mode::detect(Path::new(UNIFIED)).unwrap(), Mode::Unified, "the cgroup2 mount itself is unified");
}

#[test]
fn v1_pod_cgroup_lifecycle() {
    require_root!();
    let mut tree = TestTree::v1("v1-lifecycle");
    let manager = tree.manager.as_ref();
    let pod = tree.name(&["burstable", "pod1b4e28ba-2fa1-11d2-883f-0016d3cca427"]);
    let resources = ResourceConfig {
        cpu_shares: Some(512),
        cpu_quota: Some(50_000),
        cpu_period: Some(100_000),
        memory: Some(100_000),
        pids_limit: Some(10),
        cpuset_cpus: Some("0".parse().unwrap()),
        ..ResourceConfig::default()
    };
    let created = manager.create(&CgroupConfig { name: pod.clone(), resources }).unwrap();
    created.limits.unwrap();
    assert!(manager.exists(&pod));
    assert!(manager.exists(&tree.parent));

    let cpu = manager.get_cgroup_config(&pod, Resource::Cpu).unwrap();
    assert_eq!((cpu.cpu_shares, cpu.cpu_quota, cpu.cpu_period), (Some(512), Some(50_000), Some(100_000)));
    let memory = manager.get_cgroup_config(&pod, Resource::Memory).unwrap();
    assert_eq!(memory.memory, Some(98_304), "the kernel rounds the limit down to the page size");
    let limits = manager.read_limits(&pod).unwrap();
    assert_eq!(limits.pids_limit, Some(Limit::Value(10)));
    assert_eq!(limits.cpuset_cpus.as_deref(), Some("0"));
    let tier_cpus = files::read_string(
        &manager.controller_path("cpuset", &tree.name(&["burstable"])).unwrap().unwrap(),
        "cpuset.cpus",
    );
    assert!(!tier_cpus.unwrap().is_empty(), "intermediate cpuset levels are filled from their parent");

    // One process in the pod, one in a container cgroup below it.
    let container = pod.child("c1").unwrap();
    manager
        .create(&CgroupConfig { name: container.clone(), resources: ResourceConfig::default() })
        .unwrap()
        .limits
        .unwrap();
    let in_pod = tree.spawn_sleep();
    let in_container = tree.spawn_sleep();
    let manager = tree.manager.as_ref();
    manager.join(&pod, in_pod).unwrap();
    manager.join(&container, in_container).unwrap();
    let mut expected = vec![in_pod, in_container];
    expected.sort_unstable();
    assert_eq!(manager.pids(&pod).unwrap(), expected);
    assert_eq!(manager.pids(&container).unwrap(), [in_container]);
    assert_eq!(manager.read_limits(&pod).unwrap().pids_current, Some(2), "pids.current counts the subtree");
    let pids_dir = manager.controller_path("pids", &pod).unwrap().unwrap();
    assert_eq!(files::procs_recursive(&pids_dir).unwrap(), expected);
    assert_eq!(files::procs(&pids_dir).unwrap(), [in_pod]);
    let mirror = Path::new(UNIFIED).join(manager.name(&pod).unwrap().trim_start_matches('/'));
    assert!(mirror.is_dir(), "runc mirrors the cgroup into the unified mount on a hybrid host");

    destroy_pod(manager, &pod).unwrap();
    assert!(!exists_anywhere(manager, &pod), "every hierarchy's directory is gone");
    assert!(!mirror.exists());
    assert!(!manager.exists(&pod));
    assert_eq!(tree.reap(), 2, "both processes were killed");
}

#[test]
fn v1_kernel_normalises_and_refuses_values() {
    require_root!();
    let tree = TestTree::v1("v1-kernel");
    let manager = tree.manager.as_ref();
    let pod = tree.name(&["pod1"]);
    let update = |resources: ResourceConfig| manager.update(&CgroupConfig { name: pod.clone(), resources });

    // Shares below the kernel's minimum are clamped; runc reads back and refuses.
    let created = manager.create(&CgroupConfig {
        name: pod.clone(),
        resources: ResourceConfig { cpu_shares: Some(1), ..ResourceConfig::default() },
    });
    let err = created.unwrap().limits.unwrap_err();
    assert!(matches!(err, Error::CpuSharesClamped { bound: "minimum", actual: 2 }), "{err}");
    assert!(manager.exists(&pod), "a failed Set does not undo Create");
    let err = update(ResourceConfig { cpu_shares: Some(300_000), ..ResourceConfig::default() }).unwrap_err();
    assert_eq!(err.to_string(), "the maximum allowed cpu-shares is 262144");

    let err = update(ResourceConfig { cpu_quota: Some(500), ..ResourceConfig::default() }).unwrap_err();
    assert_eq!(err.kind(), "io", "a quota under 1 ms is EINVAL: {err}");

    update(ResourceConfig { memory: Some(-1), pids_limit: Some(0), ..ResourceConfig::default() }).unwrap();
    let limits = manager.read_limits(&pod).unwrap();
    assert_eq!(limits.memory_limit, Some(Limit::Value(9_223_372_036_854_771_712)));
    assert_eq!(limits.pids_limit, Some(Limit::Value(1)), "pids limit 0 is written as 1");
    update(ResourceConfig { pids_limit: Some(-1), ..ResourceConfig::default() }).unwrap();
    assert_eq!(manager.read_limits(&pod).unwrap().pids_limit, Some(Limit::Max));

    manager.reduce_cpu_limits(&pod).unwrap();
    assert_eq!(manager.get_cgroup_config(&pod, Resource::Cpu).unwrap().cpu_shares, Some(2));

    let missing = tree.name(&["missing"]);
    let err = manager.update(&CgroupConfig {
        name: missing.clone(),
        resources: ResourceConfig { pids_limit: Some(5), ..ResourceConfig::default() },
    });
    assert!(err.unwrap_err().is_not_found());
    let err = manager.validate(&missing).unwrap_err();
    assert_eq!(err.kind(), "missing-cgroup");
    assert!(err.to_string().contains("has some missing paths"), "{err}");
}

#[test]
fn v1_pod_cgroups_are_found_by_uid() {
    require_root!();
    let tree = TestTree::v1("v1-layout");
    let manager = tree.manager.as_ref();
    let layout = CgroupLayout::new(&tree.parent.to_cgroupfs(), true).unwrap();
    let uids = [
        "0f8b2c4e-0000-4000-8000-000000000001",
        "0f8b2c4e-0000-4000-8000-000000000002",
        "d41d8cd98f00b204e9800998ecf8427e",
    ];
    let classes = [QosClass::Burstable, QosClass::BestEffort, QosClass::Guaranteed];
    for (class, uid) in classes.iter().zip(uids) {
        let name = layout.pod_cgroup(*class, uid).unwrap();
        manager.create(&CgroupConfig { name, resources: ResourceConfig::default() }).unwrap().limits.unwrap();
    }
    let found = pod_cgroups(manager, &layout).unwrap();
    let expected: BTreeMap<String, CgroupName> = classes
        .iter()
        .zip(uids)
        .map(|(class, uid)| (uid.to_owned(), layout.pod_cgroup(*class, uid).unwrap()))
        .collect();
    assert_eq!(found, expected, "tiers themselves are not pods");
}

#[test]
fn systemd_driver_reads_but_does_not_write() {
    require_root!();
    let tree = TestTree::v1("v1-systemd");
    let host = Host::detect(&HostPaths::default()).unwrap();
    let systemd = host.manager(Driver::Systemd).unwrap();
    let name = tree.name(&["burstable"]);
    let err = systemd.create(&CgroupConfig { name: name.clone(), resources: ResourceConfig::default() }).unwrap_err();
    assert_eq!(err.kind(), "unsupported");
    assert_eq!(systemd.destroy(&name).unwrap_err().kind(), "unsupported");
    assert!(!exists_anywhere(tree.manager.as_ref(), &name), "nothing was written");
    let paths = systemd.paths(&name).unwrap();
    let slice = format!("{0}.slice/{0}-burstable.slice", tree.parent.last().unwrap().replace('-', "_"));
    assert!(paths["cpu"].ends_with(&slice), "{:?}", paths["cpu"]);
    let root = systemd.read_limits(&CgroupName::root()).unwrap();
    assert_eq!(root.cpu_shares, Some(1024), "reads work with the systemd driver");
}

/// The unified tests change the real cgroup2 root's `subtree_control`; they
/// run one at a time and restore it.
static UNIFIED_ROOT: Mutex<()> = Mutex::new(());

/// Puts the cgroup2 root's `subtree_control` back as it was.
struct SubtreeControlRestore(String);

impl Drop for SubtreeControlRestore {
    fn drop(&mut self) {
        let now = files::read_string(Path::new(UNIFIED), "cgroup.subtree_control").unwrap_or_default();
        for controller in
            now.split_whitespace().filter(|controller| !self.0.split_whitespace().any(|was| was == *controller))
        {
            let _ = std::fs::write(Path::new(UNIFIED).join("cgroup.subtree_control"), format!("-{controller}"));
        }
    }
}

#[test]
fn v2_lifecycle_on_the_cgroup2_mount() {
    require_root!();
    let _serial = UNIFIED_ROOT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let _restore = SubtreeControlRestore(files::read_string(Path::new(UNIFIED), "cgroup.subtree_control").unwrap());
    let host = Host::detect(&HostPaths { cgroup_root: UNIFIED.into(), ..HostPaths::default() }).unwrap();
    assert_eq!(host.mode, Mode::Unified);
    let manager = host.manager(Driver::Cgroupfs).unwrap();
    assert_eq!(manager.version(), CgroupVersion::V2);
    let mut tree = TestTree::new(manager, "v2-lifecycle");
    let pod = tree.name(&["pod1b4e28ba-2fa1-11d2-883f-0016d3cca427"]);
    let manager = tree.manager.as_ref();
    let root_controllers = files::read_string(Path::new(UNIFIED), "cgroup.controllers").unwrap();
    assert!(root_controllers.split_whitespace().any(|controller| controller == "hugetlb"), "{root_controllers}");

    let resources =
        ResourceConfig { huge_page_limits: BTreeMap::from([(2 << 20, 4 << 20)]), ..ResourceConfig::default() };
    manager.create(&CgroupConfig { name: pod.clone(), resources }).unwrap().limits.unwrap();
    manager.validate(&pod).unwrap();
    let parent_dir = manager.controller_path("hugetlb", &tree.parent).unwrap().unwrap();
    let pod_dir = manager.controller_path("hugetlb", &pod).unwrap().unwrap();
    assert!(files::read_string(&parent_dir, "cgroup.subtree_control").unwrap().contains("hugetlb"));
    assert_eq!(files::read_string(&pod_dir, "cgroup.subtree_control").unwrap(), "", "the pod cgroup stays a leaf");

    let limits: CgroupLimits = manager.read_limits(&pod).unwrap();
    assert_eq!(limits.huge_page_limits["2MB"], Limit::Value(4 << 20));
    assert_eq!(limits.huge_page_limits["1GB"], Limit::Value(0), "unrequested page sizes are limited to 0");
    let small =
        ResourceConfig { huge_page_limits: BTreeMap::from([(2 << 20, 1_000_000)]), ..ResourceConfig::default() };
    manager.update(&CgroupConfig { name: pod.clone(), resources: small }).unwrap();
    assert_eq!(
        manager.read_limits(&pod).unwrap().huge_page_limits["2MB"],
        Limit::Value(0),
        "rounded down to whole pages"
    );

    let pid = tree.spawn_sleep();
    let manager = tree.manager.as_ref();
    manager.join(&pod, pid).unwrap();
    assert_eq!(manager.pids(&pod).unwrap(), [pid]);
    assert_eq!(files::read_keyed(&pod_dir, "cgroup.events").unwrap()["populated"], 1);
    destroy_pod(manager, &pod).unwrap();
    assert!(!pod_dir.exists());
    assert_eq!(tree.reap(), 1);
}

#[test]
fn v2_missing_controllers_and_files() {
    require_root!();
    let _serial = UNIFIED_ROOT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let _restore = SubtreeControlRestore(files::read_string(Path::new(UNIFIED), "cgroup.subtree_control").unwrap());
    let manager = V2Manager::new(UNIFIED, Driver::Cgroupfs).unwrap();
    let tree = TestTree::new(Box::new(manager), "v2-missing");
    let manager = tree.manager.as_ref();

    // cpu, memory and pids are bound to v1 here: their files do not exist.
    let pod = tree.name(&["pod1"]);
    let resources = ResourceConfig { cpu_shares: Some(1024), ..ResourceConfig::default() };
    let err = manager.create(&CgroupConfig { name: pod.clone(), resources }).unwrap().limits.unwrap_err();
    assert!(err.is_not_found() && err.to_string().contains("cpu.weight"), "{err}");
    assert!(manager.exists(&pod), "created even though its limits failed");

    // A cgroup made by hand under the parent lacks the controllers the parent did not enable.
    let by_hand = tree.name(&["pod1", "by-hand"]);
    std::fs::create_dir(manager.controller_path("hugetlb", &by_hand).unwrap().unwrap()).unwrap();
    let err = manager.validate(&by_hand).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("cgroup \"{}\" has some missing controllers: hugetlb", manager.name(&by_hand).unwrap())
    );
    assert_eq!(manager.validate(&tree.name(&["absent"])).unwrap_err().kind(), "missing-cgroup");
}

#[test]
fn the_guard_cleans_up_after_a_failing_test() {
    require_root!();
    let mut dirs = Vec::new();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut tree = TestTree::v1("guard");
        let pod = tree.name(&["pod1"]);
        tree.manager
            .create(&CgroupConfig { name: pod.clone(), resources: ResourceConfig::default() })
            .unwrap()
            .limits
            .unwrap();
        let pid = tree.spawn_sleep();
        tree.manager.join(&pod, pid).unwrap();
        dirs = tree.manager.paths(&tree.parent).unwrap().into_values().collect();
        panic!("a test failing with a process in its cgroup");
    }));
    assert!(outcome.is_err());
    assert!(!dirs.is_empty());
    assert!(dirs.iter().all(|dir| !dir.exists()), "the parent is gone from every hierarchy");
}

#[test]
fn v1_period_refused_before_the_quota_is_retried_after_it() {
    require_root!();
    let tree = TestTree::v1("v1-period");
    let manager = tree.manager.as_ref();
    let half_cpu = ResourceConfig { cpu_quota: Some(50_000), cpu_period: Some(100_000), ..ResourceConfig::default() };
    manager.create(&CgroupConfig { name: tree.parent.clone(), resources: half_cpu.clone() }).unwrap().limits.unwrap();
    let pod = tree.name(&["pod1"]);
    manager.create(&CgroupConfig { name: pod.clone(), resources: half_cpu }).unwrap().limits.unwrap();

    // A 10 ms period under the old 50 ms quota would be 5 CPUs, more than the
    // parent's half: the kernel refuses the period until the quota is lowered.
    let cpu_dir = manager.controller_path("cpu", &pod).unwrap().unwrap();
    let refused = std::fs::write(cpu_dir.join("cpu.cfs_period_us"), "10000").unwrap_err();
    assert_eq!(refused.raw_os_error(), Some(libc::EINVAL));
    let shorter = ResourceConfig { cpu_quota: Some(5_000), cpu_period: Some(10_000), ..ResourceConfig::default() };
    manager.update(&CgroupConfig { name: pod.clone(), resources: shorter }).unwrap();
    let cpu = manager.get_cgroup_config(&pod, Resource::Cpu).unwrap();
    assert_eq!((cpu.cpu_quota, cpu.cpu_period), (Some(5_000), Some(10_000)));
}
