//! The upstream manager scenarios (spec section 6.8) on a driven clock.

use super::*;
use crate::eviction::{FsStats, FsUsage, MemoryStats, NodeStats, Quantity, RlimitStats, Signal, ThresholdValue};

const MI: u64 = 1 << 20;
const GI: u64 = 1 << 30;

fn at(minutes: u64) -> Instant {
    // A fixed origin plus offsets: the manager only ever sees the instants it is given.
    static ORIGIN: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *ORIGIN.get_or_init(Instant::now) + Duration::from_secs(60 * minutes)
}

fn quantity(bytes: u64) -> ThresholdValue {
    ThresholdValue::Quantity(Quantity::binary_si(bytes as i64))
}

fn hard(signal: Signal, value: u64) -> Threshold {
    Threshold::hard(signal, quantity(value))
}

fn soft(signal: Signal, value: u64, minutes: u64) -> Threshold {
    Threshold::soft(signal, quantity(value), Duration::from_secs(60 * minutes))
}

fn config(thresholds: Vec<Threshold>) -> ManagerConfig {
    ManagerConfig { max_pod_grace_period_seconds: 5, ..ManagerConfig::new(thresholds) }
}

/// The upstream test's memory stats: available and working set both equal `available`.
fn memory(available: u64) -> Observations {
    let stats = MemoryStats { available_bytes: Some(available), working_set_bytes: Some(available), time: None };
    Observations::from_stats(&NodeStats {
        memory: Some(stats),
        allocatable_memory: Some(stats),
        ..NodeStats::default()
    })
}

struct Scenario {
    manager: Manager,
    pods: Vec<Pod>,
    stats: Vec<PodStats>,
}

impl Scenario {
    /// Runs one loop; returns the evicted pod's index and grace override.
    fn step(&mut self, minutes: u64, observations: Observations) -> Option<(usize, i64)> {
        let act_on = self.manager.synchronize(at(minutes), &observations).expect("no setup error")?;
        let stats = &self.stats;
        let victim = self.manager.select_victim(&act_on, &self.pods, |pod| {
            self.pods.iter().position(|p| p.name == pod.name).map(|i| &stats[i])
        })?;
        Some((victim.index, victim.grace_period_seconds))
    }

    fn admits(&self, best_effort: bool) -> bool {
        let request = AdmissionRequest { critical: false, best_effort, tolerates_memory_pressure: false };
        self.manager.admit(&request) == Admission::Admit
    }
}

fn memory_pods() -> (Vec<Pod>, Vec<PodStats>) {
    let rows = [
        ("guaranteed", -1, 1024, 900),
        ("burstable-below", 0, 100, 50),
        ("burstable-above", 0, 100, 400),
        ("best-effort-high", 1, 0, 400),
        ("best-effort-low", -1, 0, 100),
    ];
    rows.iter()
        .map(|&(name, priority, request, working_set)| {
            let pod = Pod {
                priority: Some(priority),
                memory_request: Quantity::binary_si((request * MI) as i64),
                ..Pod::new(name)
            };
            (pod, PodStats { memory_working_set_bytes: Some(working_set * MI), ..PodStats::default() })
        })
        .unzip()
}

#[test]
fn memory_pressure_timeline() {
    // Spec case 59.
    let (pods, stats) = memory_pods();
    let thresholds = vec![hard(Signal::MemoryAvailable, GI), soft(Signal::MemoryAvailable, 2 * GI, 2)];
    let mut s = Scenario { manager: Manager::new(config(thresholds)), pods, stats };

    assert_eq!(s.step(0, memory(2 * GI)), None);
    assert!(!s.manager.is_under(NodeCondition::MemoryPressure));
    assert!(s.admits(true) && s.admits(false));

    assert_eq!(s.step(1, memory(1500 * MI)), None, "soft threshold within its grace period");
    assert!(s.manager.is_under(NodeCondition::MemoryPressure), "conditions appear at once");

    assert_eq!(s.step(4, memory(1500 * MI)), Some((4, 5)), "soft eviction uses the max pod grace period");

    assert_eq!(s.step(24, memory(3 * GI)), None);
    assert!(!s.manager.is_under(NodeCondition::MemoryPressure));

    assert_eq!(s.step(25, memory(500 * MI)), Some((4, 1)), "hard eviction uses 1 s");
    assert!(!s.admits(true) && s.admits(false));

    assert_eq!(s.step(26, memory(2 * GI)), None);
    assert!(s.manager.is_under(NodeCondition::MemoryPressure), "held for the transition period");
    assert!(!s.admits(true));

    assert_eq!(s.step(31, memory(2 * GI)), None);
    assert!(s.manager.node_conditions().is_empty());
    assert!(s.admits(true) && s.admits(false));
}

#[test]
fn pid_pressure_timeline() {
    // Spec case 60.
    let rows = [(1, 900), (0, 100), (0, 400), (-1, 600), (-1, 50)];
    let (pods, stats) = rows
        .iter()
        .enumerate()
        .map(|(i, &(priority, processes))| {
            let pod = Pod { priority: Some(priority), ..Pod::new(format!("pod{i}")) };
            (pod, PodStats { process_count: Some(processes), ..PodStats::default() })
        })
        .unzip();
    let thresholds = vec![hard(Signal::PidAvailable, 1200), soft(Signal::PidAvailable, 1500, 2)];
    let mut s = Scenario { manager: Manager::new(config(thresholds)), pods, stats };
    let running = |n| {
        let rlimit = RlimitStats { max_pid: Some(2000), num_of_running_processes: Some(n), time: None };
        Observations::from_stats(&NodeStats { rlimit: Some(rlimit), ..NodeStats::default() })
    };
    assert_eq!(s.step(0, running(300)), None);
    assert!(s.admits(false));
    assert_eq!(s.step(1, running(700)), None);
    assert!(s.manager.is_under(NodeCondition::PidPressure));
    assert_eq!(s.step(3, running(700)), Some((3, 5)));
    assert_eq!(s.step(23, running(300)), None);
    assert!(s.manager.node_conditions().is_empty());
    assert_eq!(s.step(24, running(1200)), Some((3, 1)));
    assert!(!s.admits(false), "PID pressure refuses every non-critical pod");
    assert_eq!(s.step(25, running(300)), None);
    assert!(!s.admits(false));
    assert_eq!(s.step(30, running(300)), None);
    assert!(s.admits(false));
}

#[test]
fn min_reclaim_keeps_evicting() {
    // Spec case 66.
    let (pods, stats) = memory_pods();
    let threshold = Threshold { min_reclaim: Some(quantity(500 * MI)), ..hard(Signal::MemoryAvailable, GI) };
    let mut s = Scenario { manager: Manager::new(config(vec![threshold])), pods, stats };
    assert_eq!(s.step(0, memory(2 * GI)), None);
    assert_eq!(s.step(1, memory(500 * MI)), Some((4, 1)));
    assert_eq!(s.step(2, memory(1200 * MI)), Some((4, 1)), "1.2Gi is below 1Gi + 500Mi");
    assert_eq!(s.step(3, memory(2 * GI)), None);
    assert!(s.manager.is_under(NodeCondition::MemoryPressure));
    assert_eq!(s.step(8, memory(2 * GI)), None);
    assert!(s.manager.node_conditions().is_empty());
}

#[test]
fn node_reclaim_success_needs_min_reclaim() {
    // Spec case 67.
    let threshold = Threshold { min_reclaim: Some(quantity(500 * MI)), ..hard(Signal::NodeFsAvailable, GI) };
    let mut manager = Manager::new(config(vec![threshold]));
    let nodefs = |available| {
        let fs = FsStats { available_bytes: Some(available), capacity_bytes: Some(100 * GI), ..FsStats::default() };
        Observations::from_stats(&NodeStats { node_fs: Some(fs), ..NodeStats::default() })
    };
    let act_on = manager.synchronize(at(0), &nodefs(500 * MI)).unwrap().unwrap();
    assert_eq!(act_on.reclaim, [NodeReclaim::DeleteUnusedContainers, NodeReclaim::DeleteUnusedImages]);
    assert!(manager.reclaimed_enough(&nodefs(16 * GI)));
    assert!(!manager.reclaimed_enough(&nodefs(1_100_000_000)));
}

fn disk_pods() -> (Vec<Pod>, Vec<PodStats>) {
    let rows = [(-1, 900, 0), (0, 0, 50), (0, 400, 0), (1, 0, 0), (-1, 100, 0)];
    rows.iter()
        .enumerate()
        .map(|(i, &(priority, rootfs, logs))| {
            let pod = Pod { priority: Some(priority), ..Pod::new(format!("pod{i}")) };
            let stats = PodStats {
                rootfs: FsUsage { used_bytes: rootfs * MI, inodes_used: 0 },
                logs: FsUsage { used_bytes: logs * MI, inodes_used: 0 },
                ..PodStats::default()
            };
            (pod, stats)
        })
        .unzip()
}

#[test]
fn containerfs_pressure_on_a_split_filesystem() {
    // Spec case 64 (iii): thresholds on nodefs, pressure on containerfs.
    let (pods, stats) = disk_pods();
    let thresholds = vec![hard(Signal::NodeFsAvailable, GI), soft(Signal::NodeFsAvailable, 2 * GI, 2)];
    let layout = FsLayout { dedicated_image_fs: true, split_container_fs: true };
    let mut s = Scenario { manager: Manager::new(ManagerConfig { layout, ..config(thresholds) }), pods, stats };
    let containerfs = |available| {
        let plenty = FsStats { available_bytes: Some(16 * GI), capacity_bytes: Some(32 * GI), ..FsStats::default() };
        let fs = FsStats { available_bytes: Some(available), ..plenty };
        let stats =
            NodeStats { node_fs: Some(plenty), image_fs: Some(plenty), container_fs: Some(fs), ..Default::default() };
        Observations::from_stats(&stats)
    };
    assert_eq!(s.step(0, containerfs(1536 * MI)), None);
    assert!(s.manager.is_under(NodeCondition::DiskPressure));
    let derived: Vec<Signal> = s.manager.thresholds().iter().map(|t| t.signal).collect();
    assert_eq!(
        derived[2..],
        [
            Signal::ContainerFsAvailable,
            Signal::ContainerFsAvailable,
            Signal::ContainerFsInodesFree,
            Signal::ContainerFsInodesFree
        ]
    );
    assert_eq!(s.step(3, containerfs(1536 * MI)), Some((0, 5)));
    assert_eq!(s.step(4, containerfs(750 * MI)), Some((0, 1)));
}

#[test]
fn split_filesystem_without_the_gate() {
    // Spec case 63 (c), and what upstream does on the following loops.
    let layout = FsLayout { dedicated_image_fs: true, split_container_fs: true };
    let cfg = ManagerConfig { layout, separate_disk_gc: false, ..config(vec![hard(Signal::MemoryAvailable, GI)]) };
    let mut manager = Manager::new(cfg);
    let error = manager.synchronize(at(0), &memory(500 * MI)).unwrap_err();
    assert_eq!(error.to_string(), "KubeletSeparateDiskGC is turned off but we still have a split filesystem");
    assert!(manager.node_conditions().is_empty());
    let act_on = manager.synchronize(at(1), &memory(500 * MI)).unwrap().unwrap();
    assert!(manager.is_under(NodeCondition::MemoryPressure));
    assert_eq!(manager.thresholds().len(), 1, "no containerfs thresholds derived");
    let (pods, stats) = memory_pods();
    assert_eq!(manager.select_victim(&act_on, &pods, |_| Some(&stats[0])), None, "no ranking function");
}

#[test]
fn critical_pods_are_never_victims() {
    // Spec cases 70 and 87.
    let thresholds = vec![hard(Signal::MemoryAvailable, GI), soft(Signal::MemoryAvailable, 2 * GI, 2)];
    let static_pod = Pod {
        config_source: Some("file".into()),
        priority: Some(2_000_000_000),
        memory_request: Quantity::binary_si(GI as i64),
        ..Pod::new("static")
    };
    let usage = PodStats { memory_working_set_bytes: Some(2 * GI), ..PodStats::default() };
    let mut s =
        Scenario { manager: Manager::new(config(thresholds)), pods: vec![static_pod.clone()], stats: vec![usage] };
    assert_eq!(s.step(0, memory(1500 * MI)), None);
    assert_eq!(s.step(3, memory(1500 * MI)), None);
    assert!(s.manager.is_under(NodeCondition::MemoryPressure));
    let unprioritised = Pod { priority: None, ..static_pod };
    s.pods = vec![unprioritised, Pod::new("plain")];
    s.stats.push(PodStats { memory_working_set_bytes: Some(MI), ..PodStats::default() });
    assert_eq!(s.step(4, memory(500 * MI)), Some((1, 1)), "the static pod ranks first but is skipped");
}

#[test]
fn zero_transition_period_never_reports_but_still_evicts() {
    // Spec case 89.
    let (pods, stats) = memory_pods();
    let cfg =
        ManagerConfig { pressure_transition_period: Duration::ZERO, ..config(vec![hard(Signal::MemoryAvailable, GI)]) };
    let mut s = Scenario { manager: Manager::new(cfg), pods, stats };
    assert_eq!(s.step(0, memory(500 * MI)), Some((4, 1)));
    assert!(s.manager.node_conditions().is_empty());
}

#[test]
fn stale_observations_are_not_acted_on_twice() {
    let (pods, stats) = memory_pods();
    let mut s = Scenario { manager: Manager::new(config(vec![hard(Signal::MemoryAvailable, GI)])), pods, stats };
    let sample = |time| {
        let stats = MemoryStats { available_bytes: Some(500 * MI), working_set_bytes: Some(GI), time: Some(time) };
        Observations::from_stats(&NodeStats { memory: Some(stats), ..NodeStats::default() })
    };
    assert_eq!(s.step(0, sample(at(0))), Some((4, 1)));
    assert_eq!(s.step(1, sample(at(0))), None, "same sample");
    assert!(s.manager.is_under(NodeCondition::MemoryPressure));
    assert_eq!(s.step(2, sample(at(2))), Some((4, 1)));
}

#[test]
fn memory_thresholds_are_acted_on_first() {
    let thresholds =
        vec![hard(Signal::NodeFsAvailable, GI), hard(Signal::PidAvailable, 100), hard(Signal::MemoryAvailable, GI)];
    let mut manager = Manager::new(config(thresholds));
    let stats = NodeStats {
        memory: Some(MemoryStats { available_bytes: Some(MI), working_set_bytes: Some(GI), time: None }),
        node_fs: Some(FsStats { available_bytes: Some(MI), capacity_bytes: Some(GI), ..FsStats::default() }),
        rlimit: Some(RlimitStats { max_pid: Some(1000), num_of_running_processes: Some(950), time: None }),
        ..NodeStats::default()
    };
    let act_on = manager.synchronize(at(0), &Observations::from_stats(&stats)).unwrap().unwrap();
    assert_eq!((act_on.index, act_on.resource), (2, Resource::Memory));
    assert_eq!(
        manager.node_conditions(),
        [NodeCondition::MemoryPressure, NodeCondition::DiskPressure, NodeCondition::PidPressure]
    );
}

#[test]
fn admission_under_conditions() {
    // Spec case 69.
    let mut manager = Manager::new(config(vec![hard(Signal::MemoryAvailable, GI), hard(Signal::NodeFsAvailable, GI)]));
    let request = |best_effort, critical| AdmissionRequest { critical, best_effort, tolerates_memory_pressure: false };
    assert_eq!(manager.admit(&request(true, false)), Admission::Admit);
    manager.synchronize(at(0), &memory(500 * MI)).unwrap();
    assert_eq!(manager.admit(&request(false, false)), Admission::Admit);
    let refused = Admission::Reject { message: "The node had condition: [MemoryPressure]. ".into() };
    assert_eq!(manager.admit(&request(true, false)), refused);
    let tolerating = AdmissionRequest { tolerates_memory_pressure: true, ..request(true, false) };
    assert_eq!(manager.admit(&tolerating), Admission::Admit);
    let both = NodeStats {
        memory: Some(MemoryStats { available_bytes: Some(MI), working_set_bytes: Some(GI), time: None }),
        node_fs: Some(FsStats { available_bytes: Some(MI), capacity_bytes: Some(GI), ..FsStats::default() }),
        ..NodeStats::default()
    };
    manager.synchronize(at(1), &Observations::from_stats(&both)).unwrap();
    let refused = Admission::Reject { message: "The node had condition: [MemoryPressure DiskPressure]. ".into() };
    assert_eq!(manager.admit(&request(false, false)), refused);
    assert_eq!(manager.admit(&request(true, true)), Admission::Admit);
}

#[test]
fn hard_before_soft_when_both_passed_their_grace() {
    // Spec case 88: random upstream; here the hard threshold (earlier in the list) wins.
    let (pods, stats) = memory_pods();
    for signal in [Signal::MemoryAvailable, Signal::NodeFsAvailable] {
        let thresholds = vec![hard(signal, GI), soft(signal, 2 * GI, 1)];
        let mut s = Scenario { manager: Manager::new(config(thresholds)), pods: pods.clone(), stats: stats.clone() };
        let low = |available| {
            let fs = FsStats { available_bytes: Some(available), capacity_bytes: Some(64 * GI), ..FsStats::default() };
            let memory = MemoryStats { available_bytes: Some(available), working_set_bytes: Some(GI), time: None };
            Observations::from_stats(&NodeStats { memory: Some(memory), node_fs: Some(fs), ..NodeStats::default() })
        };
        assert_eq!(s.step(0, low(1500 * MI)), None);
        let act_on = s.manager.synchronize(at(2), &low(500 * MI)).unwrap().unwrap();
        assert!(act_on.threshold.is_hard(), "{signal}");
    }
}
