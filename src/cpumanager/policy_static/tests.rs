use super::*;
use crate::cpumanager::state::{ContainerMap, State};
use crate::cpumanager::{PolicyOptionGates, QosClass};
use crate::topology;
use crate::topologymanager::TopologyHint;
use std::sync::Arc;

fn cpus(text: &str) -> CpuSet {
    text.parse().unwrap()
}

fn options(pairs: &[(&str, &str)]) -> StaticPolicyOptions {
    StaticPolicyOptions::parse(pairs.iter().copied(), PolicyOptionGates::all()).unwrap()
}

fn policy(machine: &str, num_reserved: usize, reserved: &str, opts: &[(&str, &str)]) -> StaticPolicy {
    StaticPolicy::new(topology::named(machine).unwrap(), num_reserved, &cpus(reserved), options(opts), "none").unwrap()
}

fn memory_state(default: &str, assignments: &[(&str, &str, &str)]) -> State {
    let state = State::new_memory();
    state
        .update(|data| -> Result<(), Error> {
            data.default_cpu_set = cpus(default);
            for (pod, container, set) in assignments {
                data.set_cpu_set(pod, container, cpus(set));
            }
            Ok(())
        })
        .unwrap();
    state
}

fn guaranteed(uid: &str, init: &[(&str, u64, bool)], apps: &[(&str, u64)]) -> Pod {
    Pod {
        uid: uid.into(),
        qos: QosClass::Guaranteed,
        init_containers: init
            .iter()
            .map(|&(name, milli, restartable)| Container { restartable, ..Container::new(name, milli) })
            .collect(),
        containers: apps.iter().map(|&(name, milli)| Container::new(name, milli)).collect(),
    }
}

fn assigned(state: &State, pod: &str, container: &str) -> String {
    state.get_cpu_set(pod, container).map(|s| s.to_string()).unwrap_or_else(|| "none".into())
}

fn shown(hints: &ProviderHints) -> Option<Vec<(Vec<usize>, bool)>> {
    let hints = hints.get(RESOURCE_CPU)?.as_ref()?;
    Some(hints.iter().map(|h: &TopologyHint| (h.numa_node_affinity.unwrap().get_bits(), h.preferred)).collect())
}

#[test]
fn reserved_cpus_are_chosen_as_upstream_chooses() {
    assert_eq!(policy("dual-socket-ht", 2, "", &[]).reserved_cpus(), &cpus("0,6"));
    assert_eq!(policy("single-socket-ht", 1, "", &[]).reserved_cpus(), &cpus("0"));
    assert_eq!(policy("single-socket-ht", 2, "", &[]).reserved_cpus(), &cpus("0,4"));
    let spread = [("distribute-cpus-across-cores", "true")];
    assert_eq!(policy("single-socket-ht", 2, "", &spread).reserved_cpus(), &cpus("0-1"));
    assert_eq!(policy("dual-socket-ht", 2, "1,6", &[]).reserved_physical_cpus, cpus("0-1,6-7"));

    let new = |num, list: &str| {
        StaticPolicy::new(topology::named("dual-socket-ht").unwrap(), num, &cpus(list), options(&[]), "none")
    };
    let err = new(1, "0,1").unwrap_err();
    assert_eq!(
        err.to_string(),
        "[cpumanager] unable to reserve the required amount of CPUs (size of 0-1 did not equal 1)"
    );
    assert_eq!(
        new(13, "").unwrap_err().to_string(),
        "[cpumanager] unable to reserve the required amount of CPUs (size of  did not equal 13)"
    );
    assert!(matches!(new(1, "99"), Err(Error::ReservedCpus(ReservedCpusError::UnknownCpu { cpu: 99 }))));
    // Options are checked against the machine and the topology manager policy.
    let by_socket = options(&[("align-by-socket", "true")]);
    let machine = || topology::named("dual-socket-multi-numa-per-socket-ht").unwrap();
    assert!(StaticPolicy::new(machine(), 1, &CpuSet::new(), by_socket, "restricted").is_ok());
    let err = StaticPolicy::new(machine(), 1, &CpuSet::new(), by_socket, "single-numa-node").unwrap_err();
    assert_eq!(err.kind(), "invalid-options");
}

/// Upstream `TestStaticPolicyStart` expectations (spec section 9.4).
#[test]
fn start_fills_an_empty_state_and_validates_a_restored_one() {
    let strict = [("strict-cpu-reservation", "true")];
    let state = State::new_memory();
    policy("dual-socket-ht", 2, "0,1", &[]).start(&state).unwrap();
    assert_eq!(state.get_default_cpu_set(), cpus("0-11"));
    let state = State::new_memory();
    policy("dual-socket-ht", 2, "0,1", &strict).start(&state).unwrap();
    assert_eq!(state.get_default_cpu_set(), cpus("2-11"));

    let refused = |opts: &[(&str, &str)], default: &str, assignments: &[(&str, &str, &str)]| {
        let state = memory_state(default, assignments);
        let before = state.snapshot();
        let err = policy("dual-socket-ht", 2, "0,1", opts).start(&state).unwrap_err();
        assert_eq!(err.kind(), "invalid-state");
        assert_eq!(state.snapshot(), before);
        err.to_string()
    };
    assert_eq!(refused(&[], "2-5", &[]), r#"not all reserved cpus: "0-1" are present in defaultCpuSet: "2-5""#);
    assert_eq!(
        refused(&strict, "0-5", &[]),
        r#"some of strictly reserved cpus: "0-1" are present in defaultCpuSet: "0-5""#
    );
    assert_eq!(refused(&[], "", &[("pod", "c", "2")]), "default cpuset cannot be empty");
    assert_eq!(
        refused(&[], "0-11", &[("pod", "c", "2")]),
        r#"pod: pod, container: c cpuset: "2" overlaps with default cpuset "0-11""#
    );
    assert_eq!(
        refused(&[], "0-5", &[("pod", "c", "6-7")]),
        r#"current set of available CPUs "0-11" doesn't match with CPUs in state "0-7""#
    );
    // A consistent restored state passes unchanged.
    let state = memory_state("0-1,4-11", &[("pod", "c", "2-3")]);
    policy("dual-socket-ht", 2, "0,1", &[]).start(&state).unwrap();
    assert_eq!(state.get_default_cpu_set(), cpus("0-1,4-11"));
}

/// Upstream `TestStaticPolicyRemove` expectations (spec section 9.4).
#[test]
fn remove_container_returns_cpus_no_sibling_holds() {
    let p = policy("single-socket-ht", 1, "", &[]);
    for (assignments, default, expected) in [
        (&[("c1", "1-3")][..], "4-7", "1-7"),
        (&[("c1", "1-3"), ("c2", "4-7")][..], "", "1-3"),
        (&[("c1", "1,3,5"), ("c2", "2,4")][..], "6-7", "1,3,5-7"),
        (&[("c1", "1-3"), ("c2", "2-4")][..], "5-7", "1,5-7"),
    ] {
        let entries: Vec<_> = assignments.iter().map(|&(c, s)| ("fakePod", c, s)).collect();
        let state = memory_state(default, &entries);
        p.remove_container(&state, "fakePod", "c1").unwrap();
        assert_eq!(state.get_default_cpu_set(), cpus(expected));
        assert_eq!(state.get_cpu_set("fakePod", "c1"), None);
    }
    let state = memory_state("4-7", &[("fakePod", "c1", "1-3")]);
    p.remove_container(&state, "fakePod", "unknown").unwrap();
    p.remove_container(&state, "otherPod", "c1").unwrap();
    assert_eq!(state.snapshot(), memory_state("4-7", &[("fakePod", "c1", "1-3")]).snapshot());
}

/// Upstream `TestStaticPolicyReuseCPUs` and the sidecar case (spec 6.6).
#[test]
fn init_container_cpus_are_reused_but_sidecar_cpus_are_not() {
    let p = policy("single-socket-ht", 0, "", &[]);
    let state = memory_state("0-7", &[]);
    let pod = guaranteed("fakePod", &[("init", 4000, false)], &[("app", 2000)]);
    p.allocate(&state, &pod, &pod.init_containers[0], None).unwrap();
    assert_eq!(assigned(&state, "fakePod", "init"), "0-1,4-5");
    p.allocate(&state, &pod, &pod.containers[0], None).unwrap();
    assert_eq!(assigned(&state, "fakePod", "app"), "0,4");
    assert_eq!(state.get_default_cpu_set(), cpus("2-3,6-7"));
    p.remove_container(&state, "fakePod", "init").unwrap();
    assert_eq!(state.get_default_cpu_set(), cpus("1-3,5-7"), "0,4 stay with the app");

    let state = memory_state("0-7", &[]);
    let pod = guaranteed("sidecarPod", &[("sidecar", 4000, true)], &[("app", 2000)]);
    for container in pod.all_containers() {
        p.allocate(&state, &pod, container, None).unwrap();
    }
    assert_eq!(assigned(&state, "sidecarPod", "app"), "2,6");
    assert_eq!(state.get_default_cpu_set(), cpus("3,7"));
    // Only the most recent pod's reusable CPUs are kept.
    assert_eq!(p.cpus_to_reuse.lock().keys().collect::<Vec<_>>(), ["sidecarPod"]);
}

#[test]
fn allocate_skips_shared_pool_containers_and_keeps_existing_assignments() {
    let p = policy("single-socket-ht", 1, "", &[]);
    let state = memory_state("0-7", &[]);
    let mut pod = guaranteed("pod", &[], &[("half", 1500), ("none", 0)]);
    p.allocate(&state, &pod, &pod.containers[0], None).unwrap();
    p.allocate(&state, &pod, &pod.containers[1], None).unwrap();
    pod.qos = QosClass::Burstable;
    pod.containers[0] = Container::new("two", 2000);
    p.allocate(&state, &pod, &pod.containers[0], None).unwrap();
    assert!(state.get_cpu_assignments().is_empty());

    let state = memory_state("0,2-4,6-7", &[("pod", "app", "1,5")]);
    let pod = guaranteed("pod", &[], &[("app", 2000)]);
    p.allocate(&state, &pod, &pod.containers[0], None).unwrap();
    assert_eq!(assigned(&state, "pod", "app"), "1,5");
    assert_eq!(state.get_default_cpu_set(), cpus("0,2-4,6-7"));
}

#[test]
fn numa_affinity_takes_aligned_cpus_first() {
    // Upstream TestTopologyAwareAllocateCPUs: 6 CPUs of NUMA 1, then a core elsewhere.
    let p = policy("dual-socket-ht", 0, "", &[]);
    let state = memory_state("0-11", &[]);
    let pod = guaranteed("pod", &[], &[("app", 8000)]);
    p.allocate(&state, &pod, &pod.containers[0], Some(BitMask::new([1]).unwrap())).unwrap();
    assert_eq!(assigned(&state, "pod", "app"), "0-1,3,5-7,9,11");
}

#[test]
fn full_pcpus_only_refuses_split_cores() {
    let fpo = [("full-pcpus-only", "true")];
    let pod = guaranteed("pod", &[], &[("one", 1000), ("ten", 10000), ("two", 2000)]);

    let p = policy("single-socket-ht", 1, "", &fpo);
    let err = p.allocate(&memory_state("0-7", &[]), &pod, &pod.containers[0], None).unwrap_err();
    assert_eq!(err.to_string(), "SMT Alignment Error: requested 1 cpus not multiple cpus per core = 2");

    // Reserved CPUs 1 and 6 make cores {1,7} and {0,6} unavailable.
    let p = policy("dual-socket-ht", 2, "1,6", &fpo);
    let err = p.allocate(&memory_state("0,2-5,7-11", &[]), &pod, &pod.containers[1], None).unwrap_err();
    assert_eq!(
        err.to_string(),
        "SMT Alignment Error: not enough free physical CPUs: available physical CPUs = 8, requested CPUs = 10, CPUs per core = 2"
    );
    assert_eq!(err.kind(), "smt-alignment");

    // Upstream checks before the "already allocated" shortcut, so a container
    // that holds its CPUs is refused once the pool is too small (issue #129078).
    let state = memory_state("0-1,4-5", &[("pod", "two", "2,6"), ("other", "c", "3,7")]);
    let p = policy("single-socket-ht", 2, "0-1", &fpo);
    let err = p.allocate(&state, &pod, &pod.containers[2], None).unwrap_err();
    assert!(err.to_string().contains("not enough free physical CPUs"), "{err}");
}

#[test]
fn container_hints_come_from_available_or_assigned_cpus() {
    // Upstream topology_hints_test.go machine (spec 7.3).
    let p = policy("hints-machine-12cpu", 0, "", &[]);
    let pod = guaranteed("pod", &[], &[("two", 2000), ("eleven", 11000), ("half", 500)]);
    let hints = |state: &State, container: &Container| shown(&p.get_topology_hints(state, &pod, container).unwrap());

    let state = memory_state("2-11", &[]);
    assert_eq!(hints(&state, &pod.containers[0]), Some(vec![(vec![0], true), (vec![1], true), (vec![0, 1], false)]));
    assert_eq!(hints(&state, &pod.containers[1]), Some(vec![]), "no mask fits: cannot be satisfied");
    assert!(p.get_topology_hints(&state, &pod, &pod.containers[2]).unwrap().is_empty(), "no preference");

    let state = memory_state("1-5,7-11", &[("pod", "two", "0,6")]);
    assert_eq!(hints(&state, &pod.containers[0]), Some(vec![(vec![0], true), (vec![0, 1], false)]));
    let state = memory_state("1-2,4-5,7-8,10-11", &[("pod", "two", "0,3,6,9")]);
    assert_eq!(hints(&state, &pod.containers[0]), Some(vec![]), "assigned size differs from the request");
    let state = memory_state("11", &[("pod", "eleven", "0-10")]);
    assert_eq!(hints(&state, &pod.containers[1]), Some(vec![(vec![0, 1], true)]));

    // Reserved CPUs are not available.
    let p = policy("hints-machine-12cpu", 5, "3-5,9-10", &[]);
    let state = memory_state("0-11", &[]);
    let hints = shown(&p.get_topology_hints(&state, &pod, &pod.containers[0]).unwrap());
    assert_eq!(hints, Some(vec![(vec![0], true), (vec![0, 1], false)]));
}

#[test]
fn pod_hints_count_cpus_the_pod_already_holds() {
    let p = policy("hints-machine-12cpu", 0, "", &[]);
    let pod = guaranteed("pod", &[("init", 3000, false)], &[("a", 2000), ("b", 2000)]);
    assert_eq!(pod.pod_guaranteed_cpus(), 4);
    let pod_hints = |state: &State| shown(&p.get_pod_topology_hints(state, &pod).unwrap());

    // Nothing assigned: 4 CPUs out of the available ones.
    let state = memory_state("0-11", &[]);
    assert_eq!(pod_hints(&state), Some(vec![(vec![0], true), (vec![1], true), (vec![0, 1], false)]));
    // "a" holds 0,6 on NUMA 0: every hint must contain NUMA 0.
    let state = memory_state("1-5,7-11", &[("pod", "a", "0,6")]);
    assert_eq!(pod_hints(&state), Some(vec![(vec![0], true), (vec![0, 1], false)]));
    // Everything assigned: regenerate from the assignment. A single node
    // could hold 4 CPUs, so the two-node hint is not preferred.
    let state = memory_state("1-2,4-5,7-8,10-11", &[("pod", "a", "0,6"), ("pod", "b", "3,9")]);
    assert_eq!(pod_hints(&state), Some(vec![(vec![0, 1], false)]));
    // An assignment of the wrong size: cannot be satisfied.
    let state = memory_state("1-5,7-11", &[("pod", "b", "0")]);
    assert_eq!(pod_hints(&state), Some(vec![]));
    let burstable = Pod { qos: QosClass::Burstable, ..pod.clone() };
    assert!(p.get_pod_topology_hints(&memory_state("0-11", &[]), &burstable).unwrap().is_empty());
}

#[test]
fn a_failed_checkpoint_write_leaves_everything_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let state_dir = dir.path().join("kubelet");
    let state = State::new_checkpoint(&state_dir, "cpu_manager_state", POLICY_STATIC, &ContainerMap::new()).unwrap();
    let p = policy("single-socket-ht", 1, "", &[]);
    p.start(&state).unwrap();
    let pod = guaranteed("pod", &[("init", 2000, false)], &[("app", 2000)]);
    let before = state.snapshot();

    std::fs::remove_dir_all(&state_dir).unwrap();
    let err = p.allocate(&state, &pod, &pod.init_containers[0], None).unwrap_err();
    assert_eq!(err.kind(), "io", "{err}");
    assert_eq!(state.snapshot(), before);
    assert!(p.cpus_to_reuse.lock().is_empty(), "no reuse recorded for CPUs that were not assigned");

    std::fs::create_dir(&state_dir).unwrap();
    p.allocate(&state, &pod, &pod.init_containers[0], None).unwrap();
    p.allocate(&state, &pod, &pod.containers[0], None).unwrap();
    let reopened = State::new_checkpoint(&state_dir, "cpu_manager_state", POLICY_STATIC, &ContainerMap::new()).unwrap();
    assert_eq!(reopened.snapshot(), state.snapshot());
    p.start(&reopened).unwrap();
}

#[test]
fn names_from_outside_are_refused_before_anything_changes() {
    let p = policy("single-socket-ht", 1, "", &[]);
    let state = memory_state("0-7", &[]);
    let pod = guaranteed("../../etc", &[], &[("app", 2000)]);
    let err = p.allocate(&state, &pod, &pod.containers[0], None).unwrap_err();
    assert_eq!(err.kind(), "invalid-name");
    assert_eq!(state.get_default_cpu_set(), cpus("0-7"));
}

/// Several threads admit and remove pods through one policy and one
/// checkpoint-backed state: no CPU ever belongs to two pods, and the shared
/// pool plus the assignments stay exactly the machine's CPUs.
#[test]
fn concurrent_allocations_never_assign_a_cpu_twice() {
    let dir = tempfile::tempdir().unwrap();
    let state =
        Arc::new(State::new_checkpoint(dir.path(), "cpu_manager_state", POLICY_STATIC, &ContainerMap::new()).unwrap());
    let p = Arc::new(policy("dual-socket-multi-numa-per-socket-ht", 2, "", &[]));
    p.start(&state).unwrap();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let (state, p) = (Arc::clone(&state), Arc::clone(&p));
            std::thread::spawn(move || {
                for round in 0..20 {
                    let pod =
                        guaranteed(&format!("pod-{t}-{round}"), &[("init", 3000, false)], &[("app", 2000 + 1000 * t)]);
                    let affinity = BitMask::new([round % 4]).ok();
                    for container in pod.all_containers() {
                        // Running out of CPUs is fine; handing one out twice is not.
                        let _ = p.allocate(&state, &pod, container, affinity);
                    }
                    if round % 3 != 0 {
                        for container in pod.all_containers() {
                            p.remove_container(&state, &pod.uid, &container.name).unwrap();
                        }
                    }
                    assert_consistent(&state, &p.topology().cpus());
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_consistent(&state, &p.topology().cpus());
    assert!(!state.get_cpu_assignments().is_empty());
    let reopened = State::new_checkpoint(dir.path(), "cpu_manager_state", POLICY_STATIC, &ContainerMap::new()).unwrap();
    assert_eq!(reopened.snapshot(), state.snapshot());
    p.start(&reopened).unwrap();
}

/// No CPU belongs to two pods or to a pod and the shared pool, and the
/// shared pool plus the assignments are exactly the machine's CPUs. Inside a
/// pod, only the CPUs of its init container (named `init`) may be held again,
/// by a later container that reuses them.
fn assert_consistent(state: &State, all: &CpuSet) {
    state.read(|data| {
        let mut seen = CpuSet::new();
        for containers in data.assignments.values() {
            let pod_cpus = containers.values().fold(CpuSet::new(), |all, cpus| all.union(cpus));
            assert!(seen.is_disjoint(&pod_cpus), "a CPU belongs to two pods");
            seen = seen.union(&pod_cpus);
            let mut app_cpus = CpuSet::new();
            for cpus in containers.iter().filter(|(name, _)| *name != "init").map(|(_, cpus)| cpus) {
                assert!(app_cpus.is_disjoint(cpus), "two app containers share a CPU");
                app_cpus = app_cpus.union(cpus);
            }
        }
        assert!(seen.is_disjoint(&data.default_cpu_set));
        assert_eq!(&seen.union(&data.default_cpu_set), all);
    })
}
