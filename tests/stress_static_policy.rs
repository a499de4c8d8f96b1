//! The static policy and its checkpoint-backed state shared by 8 threads at
//! once, as the kubelet's pod workers and its housekeeping share them.
//!
//! Threads allocate, re-allocate and remove containers, ask for hints and
//! read the state, in random interleavings; meanwhile a reader restores the
//! checkpoint file over and over. Throughout: no CPU is ever held by two
//! containers, the shared pool and the assignments always add up to the
//! machine, every container keeps the CPUs it was given until it is removed,
//! and every checkpoint read from disk is whole, verified by its checksum and
//! accepted by the policy's own start-up validation.
//!
//! This is a stress test, not a model check: loom cannot drive the state's
//! `parking_lot` locks (loom models only its own `loom::sync` types), so the
//! guarantee rests on every change being one `State::update` transaction
//! under the write lock, which these interleavings exercise.

use nodecore::cpumanager::state::{ContainerMap, State, StateData};
use nodecore::cpumanager::{Container, Pod, QosClass, StaticPolicy, StaticPolicyOptions};
use nodecore::cpuset::CpuSet;
use nodecore::topology::{self, CpuTopology};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

const THREADS: usize = 8;
const STEPS: usize = 150;
const CHECKPOINT: &str = "cpu_manager_state";

/// xorshift64, seeded per thread so each run's interleaving differs only by
/// scheduling.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn pod(uid: &str, cpus: &[(&str, u64)]) -> Pod {
    Pod {
        uid: uid.to_owned(),
        qos: QosClass::Guaranteed,
        init_containers: vec![],
        containers: cpus.iter().map(|&(name, n)| Container::new(name, n * 1000)).collect(),
    }
}

/// The invariants of a state of the static policy on `machine` (reserved
/// CPUs stay in the shared pool, as without `strict-cpu-reservation`).
fn check_consistent(data: &StateData, machine: &CpuTopology, reserved: &CpuSet) {
    let mut held = CpuSet::new();
    for (pod, containers) in &data.assignments {
        for (container, cpus) in containers {
            assert!(!cpus.is_empty(), "{pod}/{container} holds no CPU");
            assert!(held.is_disjoint(cpus), "{pod}/{container} holds {cpus}, some already held by another");
            assert!(cpus.is_disjoint(&data.default_cpu_set), "{pod}/{container}'s {cpus} are also shared");
            assert!(cpus.is_disjoint(reserved), "{pod}/{container} holds reserved CPUs");
            held = held.union(cpus);
        }
    }
    assert_eq!(held.union(&data.default_cpu_set), machine.cpus(), "CPUs went missing or appeared");
}

/// Restores the checkpoint as the kubelet does at start-up, and has a fresh
/// policy validate it.
fn restore_and_validate(dir: &Path, machine: &CpuTopology, reserved: &CpuSet) -> StateData {
    let state = State::new_checkpoint(dir, CHECKPOINT, "static", &ContainerMap::new())
        .unwrap_or_else(|err| panic!("the checkpoint on disk is not valid: {err}"));
    let data = state.snapshot();
    let policy =
        StaticPolicy::new(machine.clone(), reserved.len(), reserved, StaticPolicyOptions::default(), "none").unwrap();
    let copy = State::new_memory();
    copy.set_cpu_assignments(data.assignments.clone()).unwrap();
    copy.set_default_cpu_set(data.default_cpu_set.clone()).unwrap();
    policy.start(&copy).unwrap_or_else(|err| panic!("the policy refuses the checkpoint: {err}"));
    data
}

#[test]
fn eight_threads_share_one_policy_and_checkpoint() {
    let machine = topology::named("dual-socket-multi-numa-per-socket-ht").unwrap(); // 80 CPUs
    let reserved: CpuSet = "0,40".parse().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let state = Arc::new(State::new_checkpoint(dir.path(), CHECKPOINT, "static", &ContainerMap::new()).unwrap());
    let policy = Arc::new(
        StaticPolicy::new(machine.clone(), reserved.len(), &reserved, StaticPolicyOptions::default(), "none").unwrap(),
    );
    policy.start(&state).unwrap();

    let start = Arc::new(Barrier::new(THREADS + 2)); // the workers, the reader, this thread
    let done = Arc::new(AtomicBool::new(false));
    let (allocations, refusals) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));

    // The checkpoint reader: restores the file as a restarting kubelet would.
    let reader = {
        let (dir, machine, reserved, start, done) =
            (dir.path().to_owned(), machine.clone(), reserved.clone(), start.clone(), done.clone());
        thread::spawn(move || {
            start.wait();
            let mut restores = 0;
            while !done.load(Ordering::Acquire) || restores == 0 {
                let data = restore_and_validate(&dir, &machine, &reserved);
                check_consistent(&data, &machine, &reserved);
                restores += 1;
            }
            restores
        })
    };

    let workers: Vec<_> = (0..THREADS)
        .map(|thread_id| {
            let (state, policy, machine, reserved, start) =
                (state.clone(), policy.clone(), machine.clone(), reserved.clone(), start.clone());
            let (allocations, refusals) = (allocations.clone(), refusals.clone());
            thread::spawn(move || {
                let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ ((thread_id as u64 + 1) * 0x1000_0001));
                // This thread's live containers: pod → (container, CPUs it got).
                let mut mine: BTreeMap<String, (Pod, CpuSet)> = BTreeMap::new();
                start.wait();
                for step in 0..STEPS {
                    match rng.below(10) {
                        // Allocate a new container of 1 to 6 CPUs.
                        0..=4 => {
                            let uid = format!("t{thread_id}-p{step}");
                            let pod = pod(&uid, &[("app", 1 + rng.below(6))]);
                            match policy.allocate(&state, &pod, &pod.containers[0], None) {
                                Ok(()) => {
                                    let cpus = state.get_cpu_set(&uid, "app").expect("an allocation is recorded");
                                    assert_eq!(cpus.len() as u64 * 1000, pod.containers[0].cpu_request_milli.unwrap());
                                    mine.insert(uid, (pod, cpus));
                                    allocations.fetch_add(1, Ordering::Relaxed);
                                }
                                Err(err) => {
                                    assert_eq!(err.kind(), "insufficient", "{err}");
                                    assert!(state.get_cpu_set(&uid, "app").is_none(), "a refusal records nothing");
                                    refusals.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                        }
                        // Allocate one of ours again: it keeps its CPUs.
                        5 => {
                            if let Some((pod, cpus)) = mine.values().next() {
                                policy.allocate(&state, pod, &pod.containers[0], None).unwrap();
                                assert_eq!(&state.get_cpu_set(&pod.uid, "app").unwrap(), cpus);
                            }
                        }
                        // Remove one of ours: its CPUs return to the pool.
                        6..=7 => {
                            if let Some(uid) = mine.keys().nth(rng.below(mine.len().max(1) as u64) as usize).cloned() {
                                mine.remove(&uid);
                                policy.remove_container(&state, &uid, "app").unwrap();
                                assert!(state.get_cpu_set(&uid, "app").is_none());
                            }
                        }
                        // Hints for a pod not yet admitted.
                        8 => {
                            let pod = pod(&format!("t{thread_id}-hint{step}"), &[("app", 2)]);
                            let hints = policy.get_topology_hints(&state, &pod, &pod.containers[0]).unwrap();
                            assert!(hints["cpu"].is_some());
                        }
                        // Read: a consistent snapshot, and ours untouched by others.
                        _ => {
                            let data = state.snapshot();
                            check_consistent(&data, &machine, &reserved);
                            for (uid, (_, cpus)) in &mine {
                                assert_eq!(data.get_cpu_set(uid, "app"), Some(cpus), "{uid} lost its CPUs");
                            }
                        }
                    }
                }
                // Leave nothing behind.
                for uid in mine.keys() {
                    policy.remove_container(&state, uid, "app").unwrap();
                }
            })
        })
        .collect();

    start.wait();
    for worker in workers {
        worker.join().expect("a worker thread failed");
    }
    done.store(true, Ordering::Release);
    let restores = reader.join().expect("the checkpoint reader failed");

    let end = state.snapshot();
    check_consistent(&end, &machine, &reserved);
    assert!(end.assignments.is_empty());
    assert_eq!(end.default_cpu_set, machine.cpus());
    assert_eq!(restore_and_validate(dir.path(), &machine, &reserved), end, "memory and disk agree");
    assert!(allocations.load(Ordering::Relaxed) > THREADS * 10, "the threads did allocate");
    assert!(restores > 0);
}

#[test]
fn eight_threads_race_for_the_last_cpus() {
    // Eight one-container pods of 10 CPUs each, at the same instant, on a
    // machine with 78 assignable CPUs: exactly seven win, one is refused.
    let machine = topology::named("dual-socket-multi-numa-per-socket-ht").unwrap();
    let reserved: CpuSet = "0,40".parse().unwrap();
    let policy =
        Arc::new(StaticPolicy::new(machine.clone(), 2, &reserved, StaticPolicyOptions::default(), "none").unwrap());
    for round in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let state = Arc::new(State::new_checkpoint(dir.path(), CHECKPOINT, "static", &ContainerMap::new()).unwrap());
        policy.start(&state).unwrap();
        let start = Arc::new(Barrier::new(THREADS));
        let results: Vec<_> = (0..THREADS)
            .map(|i| {
                let (policy, state, start) = (policy.clone(), state.clone(), start.clone());
                thread::spawn(move || {
                    let pod = pod(&format!("r{round}-p{i}"), &[("app", 10)]);
                    start.wait();
                    policy.allocate(&state, &pod, &pod.containers[0], None).map_err(|err| err.kind())
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|worker| worker.join().unwrap())
            .collect();
        assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 7, "round {round}: {results:?}");
        assert!(results.iter().all(|r| *r == Ok(()) || *r == Err("insufficient")), "{results:?}");
        let data = restore_and_validate(dir.path(), &machine, &reserved);
        check_consistent(&data, &machine, &reserved);
        assert_eq!(data.assigned_cpus().len(), 70);
        assert_eq!(data, state.snapshot());
    }
}

#[test]
fn eight_threads_build_the_same_container_once() {
    // The same container allocated from eight threads at once (a retried
    // admission): one allocation, the same CPUs for every caller.
    let machine = topology::named("dual-socket-ht").unwrap();
    let policy =
        Arc::new(StaticPolicy::new(machine, 1, &CpuSet::new(), StaticPolicyOptions::default(), "none").unwrap());
    let state = Arc::new(State::new_memory());
    policy.start(&state).unwrap();
    let start = Arc::new(Barrier::new(THREADS));
    let seen: Vec<CpuSet> = (0..THREADS)
        .map(|_| {
            let (policy, state, start) = (policy.clone(), state.clone(), start.clone());
            thread::spawn(move || {
                let pod = pod("same", &[("app", 4)]);
                start.wait();
                policy.allocate(&state, &pod, &pod.containers[0], None).unwrap();
                state.get_cpu_set("same", "app").unwrap()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|worker| worker.join().unwrap())
        .collect();
    assert!(seen.iter().all(|cpus| *cpus == seen[0] && cpus.len() == 4), "{seen:?}");
    assert_eq!(state.snapshot().assigned_cpus(), seen[0]);
}

#[test]
fn shared_read_only_values_from_eight_threads() {
    // Named topologies are built once, on first use, behind a lock; the
    // per-topology layout likewise. Eight threads race for both, then use a
    // shared topology, the eval door and CPU sets concurrently.
    let start = Arc::new(Barrier::new(THREADS));
    let shared = Arc::new(topology::named("quad-socket-four-way-ht").unwrap());
    let answers: Vec<String> = (0..THREADS)
        .map(|i| {
            let (start, shared) = (start.clone(), shared.clone());
            thread::spawn(move || {
                start.wait();
                let named = topology::named("research-eight-numa-ht").unwrap();
                let mut options = StaticPolicyOptions::default();
                options.distribute_cpus_across_numa = i % 2 == 0;
                let taken = nodecore::cpumanager::take_by_topology(&shared, &shared.cpus(), 36, &options).unwrap();
                let case = serde_json::json!({"id": i, "kind": "cpu.take", "input": {
                    "topology": "research-eight-numa-ht", "available": named.cpus().to_string(), "count": 12,
                    "options": {}}});
                let answer = nodecore::eval::eval_case(&case);
                format!("{} {} {}", i % 2, taken, answer["output"]["cpus"])
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|worker| worker.join().unwrap())
        .collect();
    for (i, answer) in answers.iter().enumerate() {
        assert_eq!(answer, &answers[i % 2], "every thread with the same options gets the same answer");
    }
}
