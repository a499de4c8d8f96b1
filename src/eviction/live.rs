//! Observing a real node: the edge that fills [`NodeStats`] from the
//! machine, as the kubelet's summary provider (cadvisor underneath) does.
//!
//! * `memory.available`: the limit is the machine's memory (`MemTotal` of
//!   `/proc/meminfo`; cadvisor gives the root container that limit), the
//!   working set is the root memory cgroup's usage minus its inactive file
//!   pages (cgroup v1: `memory.usage_in_bytes` and `total_inactive_file`;
//!   v2: `memory.current`, or `MemTotal − MemFree` where the root has no such
//!   file, and `inactive_file`), floored at zero.
//! * `allocatableMemory.available`: the same for the pods cgroup
//!   (`kubepods` by default), with its own limit; no availability when that
//!   limit is unlimited (above 2^62), no statistics when the cgroup is absent.
//! * filesystems: `statvfs` of the paths given — available = `f_bavail`,
//!   capacity = `f_blocks` (both × `f_frsize`), inodes = `f_files`, free
//!   inodes = `f_ffree`. Without an image filesystem path the node
//!   filesystem stands in, and the container filesystem defaults to the
//!   image one, as the summary reports them.
//! * `pid.available`: [`NodePids`].
//!
//! Files are read under a root (`/` for this machine), so tests can also
//! lay out what this kernel cannot show (cgroup v2, a pods cgroup) in a
//! temporary directory. Filesystem paths are used as given.

use super::{Error, FsStats, MemoryStats, NodeStats, RlimitStats};
use crate::cgroups::{self, files};
use crate::pids::{self, NodePids};
use procfs::FromRead;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Above this a memory limit counts as unlimited (the kernel rounds
/// `PAGE_COUNTER_MAX`, so it is not `i64::MAX`).
const MAX_MEMORY_SIZE: u64 = 1 << 62;

impl From<pids::Error> for Error {
    fn from(err: pids::Error) -> Self {
        match err {
            pids::Error::Io { path, source } => Error::Io { path, source },
            pids::Error::InvalidFile { path, reason } => Error::InvalidFile { path, reason },
        }
    }
}

/// Cgroup files read as PID accounting reads them: I/O errors and invalid
/// files.
impl From<cgroups::Error> for Error {
    fn from(err: cgroups::Error) -> Self {
        pids::Error::from(err).into()
    }
}

/// Reads [`NodeStats`] from a machine.
///
/// ```no_run
/// use nodecore::eviction::{NodeObserver, Observations};
///
/// let observer = NodeObserver::new().with_node_fs("/var/lib/kubelet");
/// let observations = Observations::from_stats(&observer.observe()?);
/// for (signal, observation) in observations.iter() {
///     println!("{signal}: {} of {}", observation.available, observation.capacity);
/// }
/// # Ok::<(), nodecore::eviction::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeObserver {
    root: PathBuf,
    node_fs: Option<PathBuf>,
    image_fs: Option<PathBuf>,
    container_fs: Option<PathBuf>,
    pods_cgroup: String,
}

impl Default for NodeObserver {
    fn default() -> Self {
        NodeObserver::new()
    }
}

/// Where the memory controller is mounted under the root.
enum MemoryHierarchy {
    V1(PathBuf),
    V2(PathBuf),
}

impl NodeObserver {
    /// This machine, with the pods cgroup `kubepods` and no filesystem paths.
    pub fn new() -> Self {
        NodeObserver::at_root("/")
    }

    /// The machine whose `/proc` and `/sys` are under `root`.
    pub fn at_root(root: impl Into<PathBuf>) -> Self {
        NodeObserver {
            root: root.into(),
            node_fs: None,
            image_fs: None,
            container_fs: None,
            pods_cgroup: "kubepods".to_owned(),
        }
    }

    /// Observes `nodefs.*` on the filesystem holding `path` (the kubelet's root directory).
    pub fn with_node_fs(mut self, path: impl Into<PathBuf>) -> Self {
        self.node_fs = Some(path.into());
        self
    }

    /// Observes `imagefs.*` on the filesystem holding `path` (the runtime's image store).
    pub fn with_image_fs(mut self, path: impl Into<PathBuf>) -> Self {
        self.image_fs = Some(path.into());
        self
    }

    /// Observes `containerfs.*` on the filesystem holding `path` (the writable layers).
    pub fn with_container_fs(mut self, path: impl Into<PathBuf>) -> Self {
        self.container_fs = Some(path.into());
        self
    }

    /// The pods cgroup, relative to the memory hierarchy (`kubepods` for the
    /// cgroupfs driver, `kubepods.slice` for systemd).
    pub fn with_pods_cgroup(mut self, name: impl Into<String>) -> Self {
        self.pods_cgroup = name.into();
        self
    }

    /// Reads everything once.
    pub fn observe(&self) -> Result<NodeStats, Error> {
        let pods_cgroup = Path::new(&self.pods_cgroup);
        let relative = pods_cgroup.components().all(|c| matches!(c, std::path::Component::Normal(_)));
        if !relative || self.pods_cgroup.is_empty() {
            return Err(Error::InvalidCgroupName(self.pods_cgroup.clone()));
        }
        let node_fs = self.node_fs.as_deref().map(filesystem).transpose()?;
        let image_fs = match &self.image_fs {
            Some(path) => Some(filesystem(path)?),
            None => node_fs,
        };
        let container_fs = match &self.container_fs {
            Some(path) => Some(filesystem(path)?),
            None => image_fs,
        };
        let (memory, allocatable_memory) = self.memory()?;
        let pids = NodePids::read(&self.root);
        let rlimit = RlimitStats {
            max_pid: pids.max_pid,
            num_of_running_processes: pids.running_tasks,
            time: Some(Instant::now()),
        };
        Ok(NodeStats { memory, allocatable_memory, node_fs, image_fs, container_fs, rlimit: Some(rlimit) })
    }

    fn hierarchy(&self) -> Option<MemoryHierarchy> {
        let cgroup_root = self.root.join("sys/fs/cgroup");
        let v1 = cgroup_root.join("memory");
        if v1.join("memory.usage_in_bytes").is_file() {
            Some(MemoryHierarchy::V1(v1))
        } else if cgroup_root.join("cgroup.controllers").is_file() {
            Some(MemoryHierarchy::V2(cgroup_root))
        } else {
            None
        }
    }

    /// The node's and the pods cgroup's memory statistics.
    fn memory(&self) -> Result<(Option<MemoryStats>, Option<MemoryStats>), Error> {
        let Some(hierarchy) = self.hierarchy() else { return Ok((None, None)) };
        let meminfo_path = self.root.join("proc/meminfo");
        let meminfo = procfs::Meminfo::from_file(&meminfo_path)
            .map_err(|err| Error::InvalidFile { path: meminfo_path, reason: err.to_string() })?;
        let time = Some(Instant::now());
        let (dir, usage) = match &hierarchy {
            MemoryHierarchy::V1(dir) => (dir, files::read_u64(dir, "memory.usage_in_bytes")?),
            MemoryHierarchy::V2(dir) if dir.join("memory.current").is_file() => {
                (dir, files::read_u64(dir, "memory.current")?)
            }
            // The v2 root has no memory.current; runc counts what is not free.
            MemoryHierarchy::V2(dir) => (dir, meminfo.mem_total.saturating_sub(meminfo.mem_free)),
        };
        let working_set = usage.saturating_sub(inactive_file(&hierarchy, dir)?);
        let node = MemoryStats {
            available_bytes: Some(meminfo.mem_total.wrapping_sub(working_set)),
            working_set_bytes: Some(working_set),
            time,
        };
        let pods_dir = dir.join(&self.pods_cgroup);
        if !pods_dir.is_dir() {
            return Ok((Some(node), None));
        }
        // A v2 `memory.max` of `max` reads as u64::MAX: unlimited, as above 2^62.
        let (usage, limit) = match &hierarchy {
            MemoryHierarchy::V1(_) => (
                files::read_u64(&pods_dir, "memory.usage_in_bytes")?,
                files::read_u64(&pods_dir, "memory.limit_in_bytes")?,
            ),
            MemoryHierarchy::V2(_) => {
                (files::read_u64(&pods_dir, "memory.current")?, files::read_u64(&pods_dir, "memory.max")?)
            }
        };
        let working_set = usage.saturating_sub(inactive_file(&hierarchy, &pods_dir)?);
        let available = (limit <= MAX_MEMORY_SIZE).then(|| limit.wrapping_sub(working_set));
        let pods = MemoryStats { available_bytes: available, working_set_bytes: Some(working_set), time };
        Ok((Some(node), Some(pods)))
    }
}

/// The inactive file pages cadvisor subtracts from usage (0 when not reported).
fn inactive_file(hierarchy: &MemoryHierarchy, dir: &Path) -> Result<u64, Error> {
    let key = match hierarchy {
        MemoryHierarchy::V1(_) => "total_inactive_file",
        MemoryHierarchy::V2(_) => "inactive_file",
    };
    if !dir.join("memory.stat").is_file() {
        return Ok(0);
    }
    Ok(files::read_keyed(dir, "memory.stat")?.get(key).copied().unwrap_or(0))
}

/// `statvfs` of the filesystem holding `path`.
#[allow(clippy::unnecessary_cast, reason = "the statvfs field types differ between targets")]
fn filesystem(path: &Path) -> Result<FsStats, Error> {
    let stat = nix::sys::statvfs::statvfs(path).map_err(|errno| Error::io(path, errno.into()))?;
    let fragment = stat.fragment_size() as u64;
    Ok(FsStats {
        available_bytes: Some((stat.blocks_available() as u64).saturating_mul(fragment)),
        capacity_bytes: Some((stat.blocks() as u64).saturating_mul(fragment)),
        inodes_free: Some(stat.files_free() as u64),
        inodes: Some(stat.files() as u64),
        time: Some(Instant::now()),
    })
}
