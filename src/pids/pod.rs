//! PID accounting per pod, as the kubelet does it since 1.31 (PR #124101):
//! a pod's process count is the sum over its containers' cgroups of the
//! entries in `cgroup.procs`. Before, the kubelet read the pod cgroup's own
//! `cgroup.procs`, which is empty because processes live in the container
//! cgroups, so every pod reported 0 and PID-pressure ranking fell back to
//! priority alone (issues #115215, #107063).
//!
//! `cgroup.procs` lists processes (thread-group ids) directly in the cgroup,
//! so pod counts are PROCESSES, while the node's `pid.available` and the
//! pids controller (`pids.current`, `pids.max`) count THREADS. Upstream has
//! this unit mismatch; so does this module.

use super::Error;
use crate::cgroups::files::{self, Backing};
use std::path::{Path, PathBuf};

/// The processes directly in one cgroup (the lines of its `cgroup.procs`),
/// as cadvisor's `ProcessCount`.
///
/// cadvisor counts the file's lines (split on newlines, a final empty piece
/// dropped) without reading them as process ids, so this does not use
/// [`files::procs`], which parses each id and reads `cgroup.threads` in a
/// threaded cgroup as runc does.
pub fn cgroup_process_count(dir: &Path) -> Result<u64, Error> {
    let path = dir.join("cgroup.procs");
    let text = std::fs::read_to_string(&path).map_err(|source| Error::Io { path, source })?;
    let mut pieces: Vec<&str> = text.split('\n').collect();
    if pieces.last() == Some(&"") {
        pieces.pop();
    }
    Ok(pieces.len() as u64)
}

/// Merges per-container counts as the kubelet merges process stats: `None`
/// when every part is `None`, otherwise the sum with `None` parts as 0.
pub fn merge_process_counts(parts: impl IntoIterator<Item = Option<u64>>) -> Option<u64> {
    parts.into_iter().fold(None, |total, part| match (total, part) {
        (None, None) => None,
        (total, part) => Some(total.unwrap_or(0).saturating_add(part.unwrap_or(0))),
    })
}

/// A pod's PID limit: `pids.max` of its cgroup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PidsLimit {
    /// `max`: no limit.
    Max,
    /// At most this many tasks (threads) in the pod.
    Limit(u64),
}

/// A pod's cgroup directory (in the pids or cpu hierarchy on cgroup v1, the
/// unified tree on v2) and the container cgroups beneath it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodCgroup {
    dir: PathBuf,
}

impl PodCgroup {
    /// The pod cgroup at `dir`, e.g. `/sys/fs/cgroup/pids/kubepods/burstable/pod<uid>`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        PodCgroup { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The container cgroups: the pod cgroup's subdirectories, by name. This
    /// is the cadvisor stats provider's view, which includes the sandbox's
    /// cgroup where the runtime creates one.
    pub fn container_dirs(&self) -> Result<Vec<PathBuf>, Error> {
        let io = |source| Error::Io { path: self.dir.clone(), source };
        let mut dirs = Vec::new();
        for entry in std::fs::read_dir(&self.dir).map_err(io)? {
            let entry = entry.map_err(io)?;
            if entry.file_type().map_err(io)?.is_dir() {
                dirs.push(entry.path());
            }
        }
        dirs.sort();
        Ok(dirs)
    }

    /// The pod's process count: the merged counts of its container cgroups
    /// (see [`merge_process_counts`]). A container cgroup removed while
    /// being read counts as no value, as a container without stats does
    /// upstream.
    pub fn process_count(&self) -> Result<Option<u64>, Error> {
        let mut parts = Vec::new();
        for dir in self.container_dirs()? {
            match cgroup_process_count(&dir) {
                Ok(count) => parts.push(Some(count)),
                Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => parts.push(None),
                Err(err) => return Err(err),
            }
        }
        Ok(merge_process_counts(parts))
    }

    /// Tasks (threads) in the pod, the pids controller's `pids.current`
    /// (read as runc's `GetCgroupParamUint`, see [`files::read_u64`]).
    pub fn pids_current(&self) -> Result<u64, Error> {
        Ok(files::read_u64(&self.dir, "pids.current")?)
    }

    /// The pod's `pids.max`. The kernel writes `max` or a number of at most
    /// `PID_MAX_LIMIT`, so the `u64::MAX` that [`files::read_u64`] reads for
    /// `max` is no limit.
    pub fn pids_limit(&self) -> Result<PidsLimit, Error> {
        Ok(match files::read_u64(&self.dir, "pids.max")? {
            u64::MAX => PidsLimit::Max,
            limit => PidsLimit::Limit(limit),
        })
    }

    /// Applies the kubelet's `podPidsLimit` (`--pod-max-pids`): a positive
    /// value is written to `pids.max`; 0 and −1 (the default) mean "do not
    /// set" and leave the file alone. Returns whether it wrote.
    pub fn apply_pod_pids_limit(&self, pod_pids_limit: i64) -> Result<bool, Error> {
        if pod_pids_limit <= 0 {
            return Ok(false);
        }
        files::write(&self.dir, "pids.max", &pod_pids_limit.to_string(), Backing::Cgroupfs)?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_follows_the_kubelet() {
        assert_eq!(merge_process_counts([]), None);
        assert_eq!(merge_process_counts([None, None]), None);
        assert_eq!(merge_process_counts([None, Some(3)]), Some(3));
        assert_eq!(merge_process_counts([Some(0), None]), Some(0));
        assert_eq!(merge_process_counts([Some(2), Some(3), None]), Some(5));
    }

    #[test]
    fn files_of_a_cgroup_directory() {
        let dir = tempfile::tempdir().unwrap();
        let put = |file: &str, text: &str| std::fs::write(dir.path().join(file), text).unwrap();
        let pod = PodCgroup::new(dir.path());
        put("cgroup.procs", "12\n13\n14\n");
        put("pids.max", "max\n");
        put("pids.current", "7\n");
        put("memory.stat", "cache 5\ninactive_file 10\ntotal_inactive_file 30\n");
        assert_eq!(cgroup_process_count(dir.path()).unwrap(), 3);
        assert_eq!(pod.pids_limit().unwrap(), PidsLimit::Max);
        assert_eq!(pod.pids_current().unwrap(), 7);
        let stat = files::read_keyed(dir.path(), "memory.stat").unwrap();
        assert_eq!(stat.get("inactive_file"), Some(&10));
        assert_eq!(stat.get("total_inactive_file"), Some(&30));
        assert_eq!(stat.get("active_file"), None);
        put("cgroup.procs", "");
        assert_eq!(cgroup_process_count(dir.path()).unwrap(), 0);
        put("cgroup.procs", "12");
        assert_eq!(cgroup_process_count(dir.path()).unwrap(), 1);
        put("pids.max", "lots\n");
        assert_eq!(pod.pids_limit().unwrap_err().kind(), "invalid-file");
        assert_eq!(PodCgroup::new(dir.path().join("absent")).pids_current().unwrap_err().kind(), "io");
    }

    #[test]
    fn pod_counts_sum_container_cgroups_only() {
        let pod = tempfile::tempdir().unwrap();
        let write = |path: PathBuf, text: &str| {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        // Processes attached to the pod cgroup itself are not counted (they cannot be there on v2).
        write(pod.path().join("cgroup.procs"), "1\n");
        write(pod.path().join("sandbox/cgroup.procs"), "10\n");
        write(pod.path().join("app/cgroup.procs"), "20\n21\n22\n");
        write(pod.path().join("sidecar/cgroup.procs"), "");
        write(pod.path().join("pids.max"), "max\n");
        let cgroup = PodCgroup::new(pod.path());
        assert_eq!(cgroup.container_dirs().unwrap().len(), 3);
        assert_eq!(cgroup.process_count().unwrap(), Some(4));
        assert_eq!(cgroup.pids_limit().unwrap(), PidsLimit::Max);
        assert!(!cgroup.apply_pod_pids_limit(-1).unwrap());
        assert!(!cgroup.apply_pod_pids_limit(0).unwrap());
        assert!(cgroup.apply_pod_pids_limit(1024).unwrap());
        assert_eq!(cgroup.pids_limit().unwrap(), PidsLimit::Limit(1024));

        std::fs::create_dir(pod.path().join("vanished")).unwrap();
        assert_eq!(cgroup.process_count().unwrap(), Some(4), "a container without cgroup.procs adds nothing");
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(PodCgroup::new(empty.path()).process_count().unwrap(), None);
    }
}
