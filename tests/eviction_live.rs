//! Eviction signals observed on this machine: its memory and memory cgroups,
//! real filesystems (tmpfs mounts of known size), its PID numbers; and, in
//! temporary roots, the layouts this kernel cannot show (cgroup v2, a pods
//! cgroup with a limit). Tests that create cgroups or mounts need root.

use nodecore::eviction::{
    EvictionConfig, FsStats, Manager, ManagerConfig, NodeCondition, NodeObserver, Observations, Signal,
};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

const MI: u64 = 1 << 20;

fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

fn unique(purpose: &str) -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("nodecore-test-{purpose}-{}-{nanos}", std::process::id())
}

/// `MemTotal` of this machine, in bytes.
fn mem_total() -> u64 {
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap();
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() * 1024
}

#[test]
fn node_memory_is_machine_memory_minus_the_root_working_set() {
    let stats = NodeObserver::new().observe().unwrap();
    let memory = stats.memory.expect("this machine has a memory cgroup");
    let (available, working_set) = (memory.available_bytes.unwrap(), memory.working_set_bytes.unwrap());
    assert!(working_set > 0 && working_set < mem_total());
    assert_eq!(available + working_set, mem_total());
    let observations = Observations::from_stats(&stats);
    let observed = observations.get(Signal::MemoryAvailable).unwrap();
    assert_eq!(observed.capacity.value() as u64, mem_total());
    assert_eq!(observed.available.value() as u64, available);
}

/// A memory cgroup made for a test, removed (with its processes) on drop.
struct MemoryCgroup {
    dir: PathBuf,
    sleeper: Option<Child>,
}

impl Drop for MemoryCgroup {
    fn drop(&mut self) {
        if let Some(mut child) = self.sleeper.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        for _ in 0..100 {
            if std::fs::remove_dir(&self.dir).is_ok() || !self.dir.exists() {
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn allocatable_memory_of_a_real_memory_cgroup() {
    if !is_root() {
        eprintln!("skipped: creating cgroups needs root");
        return;
    }
    let hierarchy = Path::new("/sys/fs/cgroup/memory");
    assert!(hierarchy.join("memory.usage_in_bytes").is_file(), "this machine mounts the v1 memory controller");
    let name = unique("pods");
    let mut cgroup = MemoryCgroup { dir: hierarchy.join(&name), sleeper: None };
    std::fs::create_dir(&cgroup.dir).unwrap();
    let observer = NodeObserver::new().with_pods_cgroup(&name);

    // No limit yet: a working set but no availability, so no signal.
    let pods = observer.observe().unwrap().allocatable_memory.unwrap();
    assert_eq!(pods.available_bytes, None);
    assert!(Observations::from_stats(&observer.observe().unwrap()).get(Signal::AllocatableMemoryAvailable).is_none());

    std::fs::write(cgroup.dir.join("memory.limit_in_bytes"), (256 * MI).to_string()).unwrap();
    let child = Command::new("sleep").arg("300").spawn().unwrap();
    std::fs::write(cgroup.dir.join("cgroup.procs"), child.id().to_string()).unwrap();
    cgroup.sleeper = Some(child);
    let stats = observer.observe().unwrap();
    let pods = stats.allocatable_memory.unwrap();
    let working_set = pods.working_set_bytes.unwrap();
    assert!(working_set < 256 * MI);
    assert_eq!(pods.available_bytes, Some(256 * MI - working_set));
    let observed = *Observations::from_stats(&stats).get(Signal::AllocatableMemoryAvailable).unwrap();
    assert_eq!(observed.capacity.value() as u64, 256 * MI);

    let absent = NodeObserver::new().with_pods_cgroup(unique("absent"));
    assert_eq!(absent.observe().unwrap().allocatable_memory, None);
}

/// A tmpfs of known size mounted on a temporary directory, unmounted on drop.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size_mi: u64, inodes: u64) -> Tmpfs {
        let dir = tempfile::tempdir().unwrap();
        let options = format!("size={size_mi}m,nr_inodes={inodes}");
        let status = Command::new("mount").args(["-t", "tmpfs", "-o", &options, "tmpfs"]).arg(dir.path()).status();
        assert!(status.unwrap().success(), "mounting a tmpfs");
        Tmpfs { dir }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.dir.path()).status();
    }
}

fn fs_numbers(fs: Option<FsStats>) -> (u64, u64, u64, u64) {
    let fs = fs.expect("filesystem observed");
    (fs.available_bytes.unwrap(), fs.capacity_bytes.unwrap(), fs.inodes_free.unwrap(), fs.inodes.unwrap())
}

#[test]
fn filesystems_from_statvfs_of_real_mounts() {
    if !is_root() {
        eprintln!("skipped: mounting needs root");
        return;
    }
    let nodefs = Tmpfs::mount(64, 1000);
    let imagefs = Tmpfs::mount(32, 500);
    let observer = NodeObserver::new().with_node_fs(nodefs.path());
    let stats = observer.observe().unwrap();
    // The root directory of the tmpfs takes one inode.
    assert_eq!(fs_numbers(stats.node_fs), (64 * MI, 64 * MI, 999, 1000));
    assert_eq!(stats.image_fs, stats.node_fs, "no image filesystem: the node filesystem stands in");
    assert_eq!(stats.container_fs, stats.image_fs);

    std::fs::write(nodefs.path().join("a"), vec![1u8; MI as usize]).unwrap();
    std::fs::create_dir(nodefs.path().join("b")).unwrap();
    let after = observer.observe().unwrap();
    assert_eq!(fs_numbers(after.node_fs), (63 * MI, 64 * MI, 997, 1000));

    let split = observer.clone().with_image_fs(imagefs.path()).observe().unwrap();
    assert_eq!(fs_numbers(split.image_fs), (32 * MI, 32 * MI, 499, 500));
    assert_eq!(split.container_fs, split.image_fs);
    let observations = Observations::from_stats(&split);
    let inodes = observations.get(Signal::ImageFsInodesFree).unwrap();
    assert_eq!((inodes.available.value(), inodes.capacity.value()), (499, 500));
    assert_eq!(inodes.available.to_string(), "499");
    assert_eq!(observations.get(Signal::NodeFsAvailable).unwrap().available.to_string(), "63Mi");

    let missing = NodeObserver::new().with_node_fs(nodefs.path().join("does-not-exist")).observe();
    assert_eq!(missing.unwrap_err().kind(), "io");
}

#[test]
fn pid_signal_of_this_machine() {
    let stats = NodeObserver::new().observe().unwrap();
    let rlimit = stats.rlimit.unwrap();
    let (max, running) = (rlimit.max_pid.unwrap(), rlimit.num_of_running_processes.unwrap());
    let observed = *Observations::from_stats(&stats).get(Signal::PidAvailable).unwrap();
    assert_eq!(observed.capacity.value(), max);
    assert_eq!(observed.available.value(), max - running);
}

/// Writes `files` (path relative to the root, content) under a new temporary root.
fn fake_root(files: &[(&str, &str)]) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    for (path, content) in files {
        let path = root.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
    root
}

const MEMINFO: &str = "MemTotal:       4194304 kB\nMemFree:        1048576 kB\nMemAvailable:   2097152 kB\n\
                       Buffers:          0 kB\nCached:           0 kB\nSwapCached:        0 kB\nActive:           0 kB\n\
                       Inactive:         0 kB\nSwapTotal:        0 kB\nSwapFree:         0 kB\nDirty:            0 kB\n\
                       Writeback:        0 kB\nMapped:           0 kB\nShmem:            0 kB\nSlab:             0 kB\n\
                       SReclaimable:     0 kB\nSUnreclaim:       0 kB\nPageTables:       0 kB\nNFS_Unstable:     0 kB\n\
                       Bounce:           0 kB\nWritebackTmp:     0 kB\nCommitLimit:      0 kB\nCommitted_AS:     0 kB\n\
                       VmallocTotal:     0 kB\nVmallocUsed:      0 kB\nVmallocChunk:     0 kB\n";

#[test]
fn cgroup_v1_layout_in_a_temporary_root() {
    let root = fake_root(&[
        ("proc/meminfo", MEMINFO),
        ("sys/fs/cgroup/memory/memory.usage_in_bytes", "3221225472\n"),
        ("sys/fs/cgroup/memory/memory.stat", "inactive_file 1\ntotal_inactive_file 1073741824\n"),
        ("sys/fs/cgroup/memory/kubepods/memory.usage_in_bytes", "1073741824\n"),
        ("sys/fs/cgroup/memory/kubepods/memory.limit_in_bytes", "3221225472\n"),
        ("sys/fs/cgroup/memory/kubepods/memory.stat", "total_inactive_file 2147483648\n"),
    ]);
    let stats = NodeObserver::at_root(root.path()).observe().unwrap();
    let node = stats.memory.unwrap();
    assert_eq!((node.available_bytes, node.working_set_bytes), (Some(2 << 30), Some(2 << 30)));
    let pods = stats.allocatable_memory.unwrap();
    // More inactive file pages than usage: the working set floors at zero.
    assert_eq!((pods.available_bytes, pods.working_set_bytes), (Some(3 << 30), Some(0)));
    let systemd = NodeObserver::at_root(root.path()).with_pods_cgroup("kubepods.slice").observe().unwrap();
    assert_eq!(systemd.allocatable_memory, None);
    for escaping in ["", "/kubepods", "../kubepods", "kubepods/../.."] {
        let refused = NodeObserver::at_root(root.path()).with_pods_cgroup(escaping).observe().unwrap_err();
        assert_eq!(refused.kind(), "invalid-name", "{escaping:?}");
    }
}

#[test]
fn cgroup_v2_layout_in_a_temporary_root() {
    let root = fake_root(&[
        ("proc/meminfo", MEMINFO),
        ("sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n"),
        ("sys/fs/cgroup/memory.stat", "anon 1\ninactive_file 536870912\n"),
        ("sys/fs/cgroup/kubepods/memory.current", "1073741824\n"),
        ("sys/fs/cgroup/kubepods/memory.max", "max\n"),
        ("sys/fs/cgroup/kubepods/memory.stat", "inactive_file 268435456\n"),
    ]);
    let stats = NodeObserver::at_root(root.path()).observe().unwrap();
    // The v2 root has no memory.current: usage is MemTotal − MemFree = 3Gi.
    let node = stats.memory.unwrap();
    assert_eq!(node.working_set_bytes, Some((3 << 30) - (512 << 20)));
    assert_eq!(node.available_bytes, Some((1 << 30) + (512 << 20)));
    let pods = stats.allocatable_memory.unwrap();
    assert_eq!((pods.available_bytes, pods.working_set_bytes), (None, Some(768 << 20)), "memory.max is max");

    let bare = fake_root(&[("proc/meminfo", MEMINFO)]);
    let stats = NodeObserver::at_root(bare.path()).observe().unwrap();
    assert_eq!((stats.memory, stats.allocatable_memory), (None, None), "no memory controller, no memory signal");
}

#[test]
fn manager_reacts_to_this_machine() {
    // The working set of a running machine is far above 0.1% of its memory,
    // so memory.available < 99.9% is met: the manager must report pressure.
    let mut config = EvictionConfig::default();
    config.eviction_hard.insert("memory.available".into(), "99.9%".into());
    let mut manager = Manager::new(ManagerConfig::new(config.thresholds().unwrap()));
    let observations = Observations::from_stats(&NodeObserver::new().observe().unwrap());
    let act_on = manager.synchronize(Instant::now(), &observations).unwrap().expect("threshold met");
    assert_eq!(act_on.threshold.signal, Signal::MemoryAvailable);
    assert!(manager.is_under(NodeCondition::MemoryPressure));
}
