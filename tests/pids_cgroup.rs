//! PID accounting against this machine's pids controller: real cgroups,
//! real processes. Needs root; each test makes its own uniquely named
//! cgroup and a guard removes it (killing what is left inside) even when
//! the test fails.

use nodecore::pids::{NodePids, PidsLimit, PodCgroup, cgroup_process_count};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// The pids hierarchy: v1 `/sys/fs/cgroup/pids`, else the v2 tree when its
/// root delegates the pids controller.
fn pids_hierarchy() -> PathBuf {
    let v1 = Path::new("/sys/fs/cgroup/pids");
    if v1.join("cgroup.procs").is_file() {
        return v1.to_owned();
    }
    let v2 = Path::new("/sys/fs/cgroup");
    let delegated = std::fs::read_to_string(v2.join("cgroup.subtree_control")).unwrap_or_default();
    assert!(delegated.split_whitespace().any(|c| c == "pids"), "this machine has no usable pids controller");
    v2.to_owned()
}

/// A pod-like test cgroup with container cgroups beneath it. Dropping it
/// kills every process left inside, then removes the directories.
struct TestPod {
    dir: PathBuf,
    children: Vec<Child>,
}

impl TestPod {
    fn create(purpose: &str) -> TestPod {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
        let dir = pids_hierarchy().join(format!("nodecore-test-{purpose}-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&dir).unwrap_or_else(|err| panic!("creating {}: {err}", dir.display()));
        TestPod { dir, children: Vec::new() }
    }

    fn container(&self, name: &str) -> PathBuf {
        let dir = self.dir.join(name);
        std::fs::create_dir(&dir).unwrap();
        dir
    }

    /// Starts `sleep` and moves it into `cgroup`; returns its position in `children`.
    fn start_sleeper(&mut self, cgroup: &Path) -> usize {
        let child = Command::new("sleep").arg("300").spawn().expect("sleep runs");
        std::fs::write(cgroup.join("cgroup.procs"), child.id().to_string()).unwrap();
        self.children.push(child);
        self.children.len() - 1
    }

    fn stop(&mut self, index: usize) {
        let child = &mut self.children[index];
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

/// Every process id listed in `dir` and its descendants.
fn pids_inside(dir: &Path) -> Vec<i32> {
    let mut pids: Vec<i32> = std::fs::read_to_string(dir.join("cgroup.procs"))
        .unwrap_or_default()
        .lines()
        .filter_map(|line| line.trim().parse().ok())
        .collect();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            pids.extend(pids_inside(&entry.path()));
        }
    }
    pids
}

impl Drop for TestPod {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        // Orphans started inside the cgroup (not our children) are ours too: nothing else lives there.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = pids_inside(&self.dir);
            if left.is_empty() || Instant::now() > deadline {
                break;
            }
            for pid in left {
                let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), nix::sys::signal::Signal::SIGKILL);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
            .map(|e| e.path())
            .collect();
        dirs.push(self.dir.clone());
        for dir in dirs {
            for _ in 0..100 {
                if std::fs::remove_dir(&dir).is_ok() || !dir.exists() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
}

/// Polls `probe` until it returns `Some`, for at most ten seconds.
fn eventually<T>(what: &str, mut probe: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(value) = probe() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn processes_are_counted_per_container_and_summed_per_pod() {
    if !is_root() {
        eprintln!("skipped: creating cgroups needs root");
        return;
    }
    let mut pod = TestPod::create("count");
    let app = pod.container("app");
    let sidecar = pod.container("sidecar");
    let app_sleepers: Vec<usize> = (0..3).map(|_| pod.start_sleeper(&app)).collect();
    let sidecar_sleepers: Vec<usize> = (0..2).map(|_| pod.start_sleeper(&sidecar)).collect();
    let cgroup = PodCgroup::new(&pod.dir);

    assert_eq!(cgroup_process_count(&app).unwrap(), 3);
    assert_eq!(cgroup_process_count(&sidecar).unwrap(), 2);
    assert_eq!(cgroup_process_count(&pod.dir).unwrap(), 0, "the pod cgroup itself holds no process");
    assert_eq!(cgroup.process_count().unwrap(), Some(5));
    assert_eq!(cgroup.pids_current().unwrap(), 5);

    for index in app_sleepers {
        pod.stop(index);
    }
    assert_eq!(cgroup_process_count(&app).unwrap(), 0);
    assert_eq!(cgroup.process_count().unwrap(), Some(2));

    for index in sidecar_sleepers {
        pod.stop(index);
    }
    assert_eq!(cgroup.process_count().unwrap(), Some(0), "containers without processes still count, as 0");
    assert_eq!(cgroup.pids_current().unwrap(), 0);
}

/// Set in the environment of the helper process the thread test starts.
const THREAD_HOLDER: &str = "NODECORE_TEST_THREAD_HOLDER";

/// Not a test: when started by the thread test (this binary run again with
/// the variable set), holds four sleeping threads; otherwise does nothing.
#[test]
#[ignore = "helper process of pod_counts_processes_while_the_pids_controller_counts_threads"]
fn thread_holder() {
    if std::env::var_os(THREAD_HOLDER).is_none() {
        return;
    }
    let sleepers: Vec<_> =
        (0..4).map(|_| std::thread::spawn(|| std::thread::sleep(Duration::from_secs(300)))).collect();
    std::thread::sleep(Duration::from_secs(300));
    drop(sleepers);
}

#[test]
fn pod_counts_processes_while_the_pids_controller_counts_threads() {
    if !is_root() {
        eprintln!("skipped: creating cgroups needs root");
        return;
    }
    let mut pod = TestPod::create("threads");
    let app = pod.container("app");
    let child = Command::new(std::env::current_exe().unwrap())
        .args(["thread_holder", "--exact", "--ignored", "--test-threads=1"])
        .env(THREAD_HOLDER, "1")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::fs::write(app.join("cgroup.procs"), child.id().to_string()).unwrap();
    pod.children.push(child);
    let cgroup = PodCgroup::new(&pod.dir);
    let tasks = eventually("the helper's threads", || cgroup.pids_current().ok().filter(|&tasks| tasks >= 5));
    assert_eq!(cgroup.process_count().unwrap(), Some(1), "one process, {tasks} tasks");
}

#[test]
fn pod_pids_limit_stops_forks_beyond_it() {
    if !is_root() {
        eprintln!("skipped: creating cgroups needs root");
        return;
    }
    let mut pod = TestPod::create("limit");
    let app = pod.container("app");
    let cgroup = PodCgroup::new(&pod.dir);
    assert_eq!(cgroup.pids_limit().unwrap(), PidsLimit::Max);
    assert!(!cgroup.apply_pod_pids_limit(-1).unwrap(), "the default -1 leaves the limit alone");
    assert_eq!(cgroup.pids_limit().unwrap(), PidsLimit::Max);
    assert!(cgroup.apply_pod_pids_limit(3).unwrap());
    assert_eq!(cgroup.pids_limit().unwrap(), PidsLimit::Limit(3));

    // A shell joins the container cgroup, then tries to start five sleepers:
    // with itself that makes six tasks, and the kernel refuses the third fork.
    let procs = app.join("cgroup.procs");
    let script = format!("echo $$ > {}; for i in 1 2 3 4 5; do sleep 300 & done; exec sleep 300", procs.display());
    let mut shell = Command::new("sh").args(["-c", &script]).stderr(Stdio::null()).spawn().unwrap();
    // The kernel counts the refusal in the pod cgroup or in the container's, by version.
    let refused = |dir: &Path| -> u64 {
        let events = std::fs::read_to_string(dir.join("pids.events")).unwrap_or_default();
        events.lines().filter_map(|line| line.strip_prefix("max ")?.trim().parse::<u64>().ok()).sum()
    };
    eventually("a refused fork", || (refused(&pod.dir) + refused(&app) > 0).then_some(()));
    // Debian's sh (dash) gives up at the first refused fork, leaving the two
    // sleepers it did start: the shell plus two made the limit of three.
    let status = eventually("the shell to give up", || shell.try_wait().unwrap());
    pod.children.push(shell);
    assert!(!status.success());
    assert_eq!(cgroup.pids_current().unwrap(), 2);
    assert_eq!(cgroup.process_count().unwrap(), Some(2));
    assert_eq!(cgroup_process_count(&app).unwrap(), 2);
}

#[test]
fn node_pid_numbers_of_this_machine() {
    let read = |file: &str| -> i64 {
        std::fs::read_to_string(Path::new("/proc/sys/kernel").join(file)).unwrap().trim().parse().unwrap()
    };
    let pids = NodePids::read(Path::new("/"));
    assert_eq!(pids.max_pid, Some(read("pid_max").min(read("threads-max"))));
    let running = pids.running_tasks.unwrap();
    assert!(running > 0 && running <= pids.max_pid.unwrap());
    assert_eq!(pids.available(), Some(pids.max_pid.unwrap() - running));
}
