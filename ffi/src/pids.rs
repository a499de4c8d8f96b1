//! PID accounting (`nodecore::pids`): the node's PID limit and running
//! tasks (the `pid.available` signal's inputs), and a pod's process count
//! from its cgroup, as the kubelet reads them.
//!
//! These read the machine's files; they keep no state and may run from any
//! number of threads.

use std::ffi::c_char;
use std::path::Path;

use nodecore::pids::{NodePids, PodCgroup};

use crate::arg;
use crate::error::nodecore_error;
use crate::panic::ffi_boundary;
use crate::status::nodecore_status;

/// The node's PID numbers: `max_pid` is the smaller of `kernel.pid_max`
/// and `kernel.threads-max`, `running_tasks` the task total of
/// `/proc/loadavg` (threads, as the kubelet counts them); each is valid
/// only when its `has_` flag is set. `pid.available` is `max_pid -
/// running_tasks`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct nodecore_node_pids {
    pub has_max_pid: bool,
    pub max_pid: i64,
    pub has_running_tasks: bool,
    pub running_tasks: i64,
}

/// Reads the PID numbers of the machine whose root directory is `root`
/// (`len` 0 for this machine) into `*out`, as the kubelet's `pidlimit`
/// package does: unreadable limit files are skipped, and without a usable
/// `/proc/loadavg` the running kernel's `sysinfo(2)` count is used.
///
/// # Safety
/// `root` is valid for reading `len` bytes; `out` for writing one record;
/// `err` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_pids_node(
    root: *const c_char,
    len: usize,
    out: *mut nodecore_node_pids,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let out = unsafe { arg::out_value(out, "out") }?;
        // SAFETY: forwarded contract.
        let root = unsafe { arg::text(root, len, "root") }?;
        let pids = NodePids::read(Path::new(if root.is_empty() { "/" } else { root }));
        *out = nodecore_node_pids {
            has_max_pid: pids.max_pid.is_some(),
            max_pid: pids.max_pid.unwrap_or(0),
            has_running_tasks: pids.running_tasks.is_some(),
            running_tasks: pids.running_tasks.unwrap_or(0),
        };
        Ok(())
    )
}

/// A pod's process count, as the kubelet (1.31 and later) reads it: the
/// entries of `cgroup.procs` summed over the container cgroups below the
/// pod cgroup directory `pod_cgroup` (e.g.
/// `/sys/fs/cgroup/pids/kubepods/burstable/pod<uid>`), into `*out`.
/// `*has_count` is false when no container cgroup has a count (the pod has
/// no process statistics).
///
/// Errors: `NODECORE_STATUS_IO` (the directory cannot be read),
/// `NODECORE_STATUS_INVALID_FILE`.
///
/// # Safety
/// `pod_cgroup` is valid for reading `len` bytes; `out` and `has_count`
/// for writing one value each; `err` is NULL or valid for writing one
/// pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_pids_pod_process_count(
    pod_cgroup: *const c_char,
    len: usize,
    out: *mut u64,
    has_count: *mut bool,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let out = unsafe { arg::out_value(out, "out") }?;
        // SAFETY: forwarded contract.
        let has_count = unsafe { arg::out_value(has_count, "has_count") }?;
        // SAFETY: forwarded contract.
        let dir = unsafe { arg::text(pod_cgroup, len, "pod_cgroup") }?;
        let count = PodCgroup::new(dir).process_count()?;
        *out = count.unwrap_or(0);
        *has_count = count.is_some();
        Ok(())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ptr;

    #[test]
    fn node_numbers_are_the_library_reading() {
        let mut pids = nodecore_node_pids::default();
        assert_eq!(unsafe { nodecore_pids_node(ptr::null(), 0, &mut pids, ptr::null_mut()) }, nodecore_status::Ok);
        let expected = NodePids::read(Path::new("/"));
        assert_eq!((pids.has_max_pid, pids.max_pid), (true, expected.max_pid.unwrap()));
        assert!(pids.has_running_tasks && pids.running_tasks > 0);
    }

    #[test]
    fn pod_counts_sum_container_cgroups() {
        let pod = std::env::temp_dir().join(format!("nodecore-ffi-pids-{}", std::process::id()));
        for (container, procs) in [("a", "1\n2\n"), ("b", "3\n")] {
            std::fs::create_dir_all(pod.join(container)).unwrap();
            std::fs::write(pod.join(container).join("cgroup.procs"), procs).unwrap();
        }
        let dir = pod.to_str().unwrap();
        let (mut count, mut has) = (0, false);
        let status = unsafe {
            nodecore_pids_pod_process_count(dir.as_ptr().cast(), dir.len(), &mut count, &mut has, ptr::null_mut())
        };
        assert_eq!((status, count, has), (nodecore_status::Ok, 3, true));
        std::fs::remove_dir_all(&pod).unwrap();
        let status = unsafe {
            nodecore_pids_pod_process_count(dir.as_ptr().cast(), dir.len(), &mut count, &mut has, ptr::null_mut())
        };
        assert_eq!(status, nodecore_status::Io);
    }
}
