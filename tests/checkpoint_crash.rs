//! Crash safety of the CPU manager checkpoint: a writer process rewrites the
//! state in a loop and is killed with SIGKILL at random moments; after every
//! kill the file on disk must restore (its checksum verified, the policy's
//! start-up validation passed) to the last state the writer reported as
//! written, or to the one it was writing, never to anything torn or mixed.
//!
//! The writer is this test binary itself, run as the ignored test
//! `writer_process` with the checkpoint directory in an environment
//! variable; it reports each state it has written on stdout.

use nodecore::cpumanager::state::{ContainerMap, State, StateData};
use nodecore::cpumanager::{Container, Pod, QosClass, StaticPolicy, StaticPolicyOptions};
use nodecore::cpuset::CpuSet;
use nodecore::topology::{self, CpuTopology};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

const CHECKPOINT: &str = "cpu_manager_state";
const WRITER_DIR: &str = "NODECORE_CHECKPOINT_WRITER_DIR";
const KILLS: usize = 40;

fn machine() -> CpuTopology {
    topology::named("dual-socket-multi-numa-per-socket-ht").unwrap() // 80 CPUs
}

fn reserved() -> CpuSet {
    "0,40".parse().unwrap()
}

fn policy() -> StaticPolicy {
    let reserved = reserved();
    StaticPolicy::new(machine(), reserved.len(), &reserved, StaticPolicyOptions::default(), "none").unwrap()
}

/// One line per state: the shared pool, then every assignment in order.
fn render(data: &StateData) -> String {
    let mut line = format!("default={}", data.default_cpu_set);
    for (pod, containers) in &data.assignments {
        for (container, cpus) in containers {
            line.push_str(&format!(" {pod}/{container}={cpus}"));
        }
    }
    line
}

/// Restores the checkpoint as a restarting kubelet does: the checksum is
/// verified and the policy validates the state, or the test fails.
fn restore(dir: &Path) -> StateData {
    let state = State::new_checkpoint(dir, CHECKPOINT, "static", &ContainerMap::new())
        .unwrap_or_else(|err| panic!("the checkpoint left by a killed writer does not restore: {err}"));
    policy().start(&state).unwrap_or_else(|err| panic!("the restored state is not valid: {err}"));
    state.snapshot()
}

#[test]
fn a_killed_writer_leaves_the_old_or_the_new_state() {
    let dir = tempfile::tempdir().unwrap();
    let mut seed = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1;
    let mut before = {
        let state = State::new_checkpoint(dir.path(), CHECKPOINT, "static", &ContainerMap::new()).unwrap();
        policy().start(&state).unwrap(); // every CPU in the shared pool
        state.snapshot()
    };
    let mut writes_seen = 0;
    for kill in 0..KILLS {
        let mut writer = Command::new(std::env::current_exe().unwrap())
            .args(["--ignored", "--exact", "writer_process", "--nocapture", "--test-threads=1"])
            .env(WRITER_DIR, dir.path())
            .env("NODECORE_WRITER_RUN", kill.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdout = writer.stdout.take().unwrap();
        let reported = std::thread::spawn(move || {
            // The test harness prints "test writer_process ... " with no line
            // end before the test runs, so a report may start mid-line.
            let reports = BufReader::new(stdout).lines().map_while(Result::ok);
            reports
                .filter_map(|line| Some(line[line.find("wrote ")? + "wrote ".len()..].to_owned()))
                .collect::<Vec<_>>()
        });
        // A random moment: mostly mid-write, sometimes before the first one.
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(Duration::from_micros(seed % 40_000));
        writer.kill().unwrap(); // SIGKILL
        let status = writer.wait().unwrap();
        let reported = reported.join().unwrap();
        assert!(status.code().is_none(), "the writer stopped on its own ({status}): {reported:?}");

        let on_disk = restore(dir.path());
        let last = reported.last().cloned().unwrap_or_else(|| render(&before));
        if render(&on_disk) != last {
            // Killed after the rename, before reporting: the next state,
            // one container added or removed.
            assert_eq!(
                changed_containers(&last, &render(&on_disk)),
                1,
                "kill {kill}: the file holds neither the last written state nor the next:\n  last: {last}\n  disk: {}",
                render(&on_disk)
            );
        }
        writes_seen += reported.len();
        before = on_disk;
    }
    assert!(writes_seen > KILLS, "the writers wrote only {writes_seen} states");
    // A kill between creating the temporary file and renaming it leaves the
    // temporary file behind (as the kubelet's own writer does); never more
    // than one per kill, and never under the checkpoint's name.
    let leftovers = std::fs::read_dir(dir.path()).unwrap().filter(|e| e.as_ref().unwrap().file_name() != CHECKPOINT);
    assert!(leftovers.count() <= KILLS);
}

/// The number of container assignments in one rendered state and not in the
/// other.
fn changed_containers(a: &str, b: &str) -> usize {
    let entries = |line: &str| line.split(' ').skip(1).map(str::to_owned).collect::<Vec<_>>();
    let (a, b) = (entries(a), entries(b));
    a.iter().filter(|entry| !b.contains(entry)).count() + b.iter().filter(|entry| !a.contains(entry)).count()
}

/// The writer: restores the checkpoint, then allocates and removes
/// containers forever, reporting each state after it is written. Run only by
/// the test above.
#[test]
#[ignore = "run by a_killed_writer_leaves_the_old_or_the_new_state"]
fn writer_process() {
    let dir = std::env::var_os(WRITER_DIR).expect("run by a_killed_writer_leaves_the_old_or_the_new_state");
    let run = std::env::var("NODECORE_WRITER_RUN").unwrap();
    let state = State::new_checkpoint(Path::new(&dir), CHECKPOINT, "static", &ContainerMap::new()).unwrap();
    let policy = policy();
    policy.start(&state).unwrap();
    let mut out = std::io::stdout().lock();
    let mut step = 0u64;
    loop {
        step += 1;
        let data = state.snapshot();
        let live: Vec<(String, String)> = data
            .assignments
            .iter()
            .flat_map(|(pod, containers)| containers.keys().map(|c| (pod.clone(), c.clone())))
            .collect();
        // Grow to about a dozen containers, then churn.
        if live.len() < 12 && step % 3 != 0 || live.is_empty() {
            let pod = Pod {
                uid: format!("r{run}-s{step}"),
                qos: QosClass::Guaranteed,
                init_containers: vec![],
                containers: vec![Container::new("app", 1000 * (1 + step % 5))],
            };
            if policy.allocate(&state, &pod, &pod.containers[0], None).is_err() {
                continue;
            }
        } else {
            let (pod, container) = &live[(step as usize * 7) % live.len()];
            policy.remove_container(&state, pod, container).unwrap();
        }
        writeln!(out, "wrote {}", render(&state.snapshot())).unwrap();
        out.flush().unwrap();
    }
}
