//! The managers over plain directory trees, for what this machine's kernel
//! cannot show: cgroup v2 cpu, memory and pids files (those controllers are
//! bound to v1 here) and cgroup v1 hugetlb (not mounted here). The kernel's
//! own rules (clamping, rounding) are covered by `cgroups_machine.rs`.

use nodecore::cgroups::files::{self, Backing};
use nodecore::cgroups::{
    CgroupConfig, CgroupManager, CgroupName, CgroupSubsystems, Driver, Error, Limit, Resource, ResourceConfig,
    V1Manager, V2Manager, WeightFormula, kill_cgroup_processes,
};
use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

const POD: [&str; 3] = ["kubepods", "burstable", "pod1b4e28ba-2fa1-11d2-883f-0016d3cca427"];

fn read(dir: &Path, file: &str) -> String {
    files::read_string(dir, file).unwrap_or_else(|err| panic!("{err}"))
}

/// A fake cgroup2 root offering every controller.
fn v2_root() -> (tempfile::TempDir, V2Manager) {
    let root = tempfile::tempdir().unwrap();
    fs::write(root.path().join("cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n").unwrap();
    fs::write(root.path().join("cgroup.subtree_control"), "").unwrap();
    let manager = V2Manager::new(root.path(), Driver::Cgroupfs)
        .unwrap()
        .with_host_page_sizes(vec![2 << 20, 1 << 30])
        .with_backing(Backing::Plain);
    (root, manager)
}

fn burstable_pod() -> ResourceConfig {
    ResourceConfig {
        cpu_shares: Some(256),
        cpu_quota: Some(25_000),
        cpu_period: Some(100_000),
        memory: Some(256 << 20),
        pids_limit: Some(100),
        cpuset_cpus: Some("0-1".parse().unwrap()),
        huge_page_limits: BTreeMap::from([(2 << 20, 4 << 20)]),
        unified: BTreeMap::from([("memory.min".to_owned(), "134217728".to_owned())]),
        ..ResourceConfig::default()
    }
}

#[test]
fn v2_create_writes_every_file_and_enables_controllers_above_the_leaf() {
    let (root, manager) = v2_root();
    let pod = CgroupName::new(POD).unwrap();
    manager.create(&CgroupConfig { name: pod.clone(), resources: burstable_pod() }).unwrap().limits.unwrap();
    let dir = root.path().join("kubepods/burstable").join(POD[2]);
    assert_eq!(read(&dir, "cpu.weight"), "10", "the kubelet's linear weight of 256 shares");
    assert_eq!(read(&dir, "cpu.max"), "25000 100000");
    assert_eq!(read(&dir, "memory.max"), "268435456");
    assert_eq!(read(&dir, "pids.max"), "100");
    assert_eq!(read(&dir, "cpuset.cpus"), "0-1");
    assert_eq!(read(&dir, "hugetlb.2MB.max"), "4194304");
    assert_eq!(read(&dir, "hugetlb.2MB.rsvd.max"), "4194304");
    assert_eq!(read(&dir, "hugetlb.1GB.max"), "0");
    assert_eq!(read(&dir, "memory.min"), "134217728");
    assert!(!dir.join("memory.swap.max").exists(), "a set limit leaves swap alone");
    let all = "+cpu +cpuset +hugetlb +io +memory +misc +pids +rdma";
    assert_eq!(read(root.path(), "cgroup.subtree_control"), all);
    assert_eq!(read(&root.path().join("kubepods"), "cgroup.subtree_control"), all);
    assert_eq!(read(&root.path().join("kubepods/burstable"), "cgroup.subtree_control"), all);
    assert!(!dir.join("cgroup.subtree_control").exists(), "the pod cgroup is a leaf");
}

#[test]
fn v2_values_without_limits_and_per_level_formulas() {
    let (root, manager) = v2_root();
    let name = CgroupName::new(["kubepods", "besteffort"]).unwrap();
    let resources = ResourceConfig {
        cpu_shares: Some(1024),
        cpu_quota: Some(-1),
        memory: Some(-1),
        pids_limit: Some(-1),
        cpu_weight_formula: WeightFormula::RuncQuadratic,
        ..ResourceConfig::default()
    };
    manager.create(&CgroupConfig { name: name.clone(), resources }).unwrap().limits.unwrap();
    let dir = root.path().join("kubepods/besteffort");
    assert_eq!(read(&dir, "cpu.weight"), "100", "the quadratic weight of 1024 shares");
    assert_eq!(read(&dir, "cpu.max"), "max 100000", "period 0 is written as 100000");
    assert_eq!(read(&dir, "memory.max"), "max");
    assert_eq!(read(&dir, "memory.swap.max"), "max", "no memory limit means no swap limit");
    assert_eq!(read(&dir, "pids.max"), "max");

    manager.reduce_cpu_limits(&name).unwrap();
    assert_eq!(read(&dir, "cpu.weight"), "1");
}

#[test]
fn v2_unified_entries_override_and_are_checked() {
    let (root, manager) = v2_root();
    let name = CgroupName::new(["kubepods"]).unwrap();
    let resources = ResourceConfig {
        memory: Some(2000),
        unified: BTreeMap::from([("memory.max".to_owned(), "1000".to_owned())]),
        ..ResourceConfig::default()
    };
    manager.create(&CgroupConfig { name: name.clone(), resources }).unwrap().limits.unwrap();
    assert_eq!(read(&root.path().join("kubepods"), "memory.max"), "1000", "the unified map is written last");

    for key in ["../escape", "a/b", "..", ""] {
        let resources =
            ResourceConfig { unified: BTreeMap::from([(key.to_owned(), "1".to_owned())]), ..Default::default() };
        let err = manager.update(&CgroupConfig { name: name.clone(), resources }).unwrap_err();
        assert_eq!(err.kind(), "write-refused", "{key:?}");
    }
    assert!(!root.path().join("escape").exists());

    // On a real cgroupfs a missing file names the missing controller.
    let kernel = V2Manager::new(root.path(), Driver::Cgroupfs).unwrap();
    fs::write(root.path().join("kubepods/cgroup.controllers"), "cpu pids\n").unwrap();
    let resources = ResourceConfig {
        unified: BTreeMap::from([("io.max".to_owned(), "8:0 rbps=1".to_owned())]),
        ..Default::default()
    };
    let err = kernel.update(&CgroupConfig { name, resources }).unwrap_err();
    assert_eq!(err.to_string(), "unified resource \"io.max\" can't be set: controller \"io\" not available");
}

#[test]
fn v2_reads_limits_back_like_the_kubelet() {
    let (root, manager) = v2_root();
    let name = CgroupName::new(["kubepods"]).unwrap();
    let dir = root.path().join("kubepods");
    fs::create_dir(&dir).unwrap();
    for (file, value) in [
        ("cpu.weight", "39\n"),
        ("cpu.max", "max 100000\n"),
        ("memory.max", "max\n"),
        ("memory.current", "4096\n"),
        ("pids.max", "42\n"),
        ("pids.current", "3\n"),
        ("hugetlb.2MB.max", "max\n"),
    ] {
        fs::write(dir.join(file), value).unwrap();
    }
    let cpu = manager.get_cgroup_config(&name, Resource::Cpu).unwrap();
    assert_eq!((cpu.cpu_shares, cpu.cpu_quota, cpu.cpu_period), (Some(998), Some(-1), Some(100_000)));
    assert_eq!(manager.get_cgroup_config(&name, Resource::Memory).unwrap().memory, Some(-1));
    assert_eq!(manager.memory_usage(&name).unwrap(), 4096);
    let limits = manager.read_limits(&name).unwrap();
    assert_eq!((limits.cpu_weight, limits.memory_limit), (Some(39), Some(Limit::Max)));
    assert_eq!((limits.pids_limit, limits.pids_current), (Some(Limit::Value(42)), Some(3)));
    assert_eq!(limits.huge_page_limits, BTreeMap::from([("2MB".to_owned(), Limit::Max)]));
    assert_eq!(limits.cpuset_cpus, None, "a missing file reads as none");

    fs::write(dir.join("cpu.max"), "max\n").unwrap();
    let err = manager.get_cgroup_config(&name, Resource::Cpu).unwrap_err();
    assert_eq!(err.kind(), "parse");
}

#[test]
fn v2_validate_checks_the_supported_controllers() {
    let (root, manager) = v2_root();
    let name = CgroupName::new(["kubepods"]).unwrap();
    assert_eq!(manager.validate(&name).unwrap_err().kind(), "missing-cgroup");
    fs::create_dir(root.path().join("kubepods")).unwrap();
    fs::write(root.path().join("kubepods/cgroup.controllers"), "cpu memory pids io\n").unwrap();
    let err = manager.validate(&name).unwrap_err();
    assert_eq!(err.to_string(), "cgroup \"/kubepods\" has some missing controllers: cpuset, hugetlb");
    fs::write(root.path().join("kubepods/cgroup.controllers"), "cpuset cpu memory hugetlb pids\n").unwrap();
    assert!(manager.exists(&name));
}

#[test]
fn v2_threaded_levels_refuse_domain_limits_and_leave_nothing_behind() {
    let (root, manager) = v2_root();
    fs::create_dir(root.path().join("kubepods")).unwrap();
    fs::write(root.path().join("kubepods/cgroup.type"), "threaded\n").unwrap();
    let pod = CgroupName::new(["kubepods", "pod1"]).unwrap();
    let resources = ResourceConfig { memory: Some(1 << 20), ..ResourceConfig::default() };
    let err = manager.create(&CgroupConfig { name: pod.clone(), resources }).unwrap_err();
    assert!(matches!(err, Error::ThreadedCgroup { .. }), "{err}");

    // An existing threaded level below the root refuses too, before anything is made under it.
    fs::write(root.path().join("kubepods/cgroup.type"), "domain\n").unwrap();
    let deeper = CgroupName::new(["kubepods", "tier", "pod1"]).unwrap();
    fs::create_dir(root.path().join("kubepods/tier")).unwrap();
    fs::write(root.path().join("kubepods/tier/cgroup.type"), "domain threaded\n").unwrap();
    let resources = ResourceConfig { cpu_shares: Some(2), ..ResourceConfig::default() };
    assert!(manager.create(&CgroupConfig { name: deeper, resources }).is_err());
    assert!(!root.path().join("kubepods/tier/pod1").exists(), "nothing is created below the refusing level");
    assert!(root.path().join("kubepods/tier").exists(), "levels that existed stay");
    let pids_only = ResourceConfig { pids_limit: Some(5), ..ResourceConfig::default() };
    manager.create(&CgroupConfig { name: pod, resources: pids_only }).unwrap().limits.unwrap();
}

#[test]
fn v2_destroy_removes_the_tree_and_pids_walks_it() {
    let (root, manager) = v2_root();
    let pod = CgroupName::new(POD).unwrap();
    manager.create(&CgroupConfig { name: pod.clone(), resources: ResourceConfig::default() }).unwrap().limits.unwrap();
    let dir = root.path().join("kubepods/burstable").join(POD[2]);
    fs::create_dir_all(dir.join("container/nested")).unwrap();
    fs::write(dir.join("cgroup.procs"), "").unwrap();
    fs::write(dir.join("container/cgroup.procs"), "300\n100\n").unwrap();
    fs::write(dir.join("container/nested/cgroup.procs"), "200\n").unwrap();
    assert_eq!(manager.pids(&pod).unwrap(), [100, 200, 300]);
    manager.destroy(&pod).unwrap();
    assert!(!dir.exists());
    assert!(root.path().join("kubepods/burstable").exists());
    manager.destroy(&pod).unwrap();
}

#[test]
fn kill_rounds_never_signal_the_caller() {
    let (root, manager) = v2_root();
    let pod = CgroupName::new(["kubepods", "pod1"]).unwrap();
    manager.create(&CgroupConfig { name: pod.clone(), resources: ResourceConfig::default() }).unwrap().limits.unwrap();
    // i32::MAX is above any pid_max: the process counts as already gone.
    let own = std::process::id();
    fs::write(root.path().join("kubepods/pod1/cgroup.procs"), format!("{}\n{own}\n", i32::MAX)).unwrap();
    let err = kill_cgroup_processes(&manager, &pod).unwrap_err();
    assert_eq!(err.kind(), "kill-failed");
    assert!(err.to_string().contains(&format!("{own}: refusing")), "{err}");
    assert!(!err.to_string().contains(&i32::MAX.to_string()), "{err}");
    fs::write(root.path().join("kubepods/pod1/cgroup.procs"), format!("{}\n", i32::MAX)).unwrap();
    kill_cgroup_processes(&manager, &pod).unwrap();
}

#[test]
fn systemd_names_resolve_to_slices() {
    let (root, _) = v2_root();
    let manager = V2Manager::new(root.path(), Driver::Systemd).unwrap().with_backing(Backing::Plain);
    let pod = CgroupName::new(POD).unwrap();
    let slice =
        "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b4e28ba_2fa1_11d2_883f_0016d3cca427.slice";
    assert_eq!(manager.controller_path("memory", &pod).unwrap().unwrap(), root.path().join(slice));
    assert_eq!(manager.cgroup_name(&format!("/{slice}")).unwrap(), pod);
    let err = manager.update(&CgroupConfig { name: pod, resources: ResourceConfig::default() }).unwrap_err();
    assert_eq!(err.kind(), "unsupported");
}

/// A fake v1 host with one directory per controller, hugetlb included.
fn v1_root(controllers: &[&str]) -> (tempfile::TempDir, V1Manager) {
    let root = tempfile::tempdir().unwrap();
    for controller in controllers {
        fs::create_dir(root.path().join(controller)).unwrap();
    }
    fs::write(root.path().join("cpuset/cpuset.cpus"), "0-3\n").unwrap();
    fs::write(root.path().join("cpuset/cpuset.mems"), "0\n").unwrap();
    let subsystems =
        CgroupSubsystems::new(controllers.iter().map(|controller| (*controller, root.path().join(controller))));
    let manager = V1Manager::new(subsystems, Driver::Cgroupfs)
        .with_host_page_sizes(vec![2 << 20, 1 << 30])
        .with_backing(Backing::Plain);
    (root, manager)
}

#[test]
fn v1_hugetlb_files_and_cpuset_inheritance() {
    let (root, manager) = v1_root(&["cpu", "cpuacct", "cpuset", "memory", "pids", "hugetlb"]);
    let pod = CgroupName::new(POD).unwrap();
    let resources = ResourceConfig { huge_page_limits: BTreeMap::from([(1 << 30, 1 << 30)]), ..burstable_pod() };
    manager.create(&CgroupConfig { name: pod.clone(), resources }).unwrap().limits.unwrap();
    let dir = |controller: &str| root.path().join(controller).join("kubepods/burstable").join(POD[2]);
    assert_eq!(read(&dir("hugetlb"), "hugetlb.1GB.limit_in_bytes"), "1073741824");
    assert_eq!(read(&dir("hugetlb"), "hugetlb.1GB.rsvd.limit_in_bytes"), "1073741824");
    assert_eq!(read(&dir("hugetlb"), "hugetlb.2MB.limit_in_bytes"), "0");
    assert_eq!(read(&dir("cpu"), "cpu.shares"), "256");
    assert_eq!(read(&dir("cpu"), "cpu.cfs_period_us"), "100000");
    assert_eq!(read(&dir("cpu"), "cpu.cfs_quota_us"), "25000");
    assert_eq!(read(&dir("memory"), "memory.limit_in_bytes"), "268435456");
    assert_eq!(read(&dir("pids"), "pids.max"), "100");
    assert_eq!(read(&dir("cpuset"), "cpuset.cpus"), "0-1");
    assert_eq!(read(&dir("cpuset"), "cpuset.mems"), "0", "mems copied from the parent");
    assert_eq!(read(&root.path().join("cpuset/kubepods"), "cpuset.cpus"), "0-3", "ancestors copy their parent");
    assert!(!dir("memory").join("memory.min").exists(), "the unified map is ignored on v1");
    manager.validate(&pod).unwrap();
    let limits = manager.read_limits(&pod).unwrap();
    assert_eq!(limits.huge_page_limits["1GB"], Limit::Value(1 << 30));

    manager.destroy(&pod).unwrap();
    assert!(["cpu", "cpuset", "hugetlb"].iter().all(|controller| !dir(controller).exists()));
}

#[test]
fn v1_limits_for_unmounted_controllers_fail_but_creation_stands() {
    let (root, manager) = v1_root(&["cpu", "cpuacct", "cpuset", "memory"]);
    let pod = CgroupName::new(["kubepods"]).unwrap();
    let resources = ResourceConfig { pids_limit: Some(10), ..ResourceConfig::default() };
    let err = manager.create(&CgroupConfig { name: pod.clone(), resources }).unwrap().limits.unwrap_err();
    assert_eq!(err.to_string(), "cannot set pids limit: container could not join or create cgroup");
    assert!(root.path().join("cpu/kubepods").is_dir());
    manager.validate(&pod).unwrap();
    let err = manager.memory_usage(&CgroupName::new(["absent"]).unwrap()).unwrap_err();
    assert!(err.is_not_found(), "{err}");
}
