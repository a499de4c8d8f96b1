//! The node's PID limit and running tasks, as the kubelet's `pidlimit`
//! package reads them for the `pid.available` signal.
//!
//! `max_pid` is the smaller of `kernel.pid_max` and `kernel.threads-max`.
//! `running_tasks` is the task total of `/proc/loadavg` (the part after the
//! slash in its fourth field): kernel scheduling entities, i.e. THREADS,
//! although upstream calls it `NumOfRunningProcesses`. When loadavg cannot be
//! parsed the kubelet falls back to `sysinfo(2)`, whose 16-bit process count
//! wraps above 65535 (issue #107107); so does this module.

use std::path::Path;

/// The node's PID numbers; `None` where the kubelet would have none.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NodePids {
    /// min(`pid_max`, `threads-max`); `None` when neither file is usable.
    pub max_pid: Option<i64>,
    /// Tasks (threads) on the node.
    pub running_tasks: Option<i64>,
}

impl NodePids {
    /// Reads the numbers of the machine whose `/proc` is at `root/proc`
    /// (`root` is `/` for this machine).
    ///
    /// Unreadable or unparsable limit files are skipped, as upstream skips
    /// them. The sysinfo fallback describes the running kernel, whatever
    /// `root` is.
    pub fn read(root: &Path) -> NodePids {
        let kernel = root.join("proc/sys/kernel");
        let limits = ["pid_max", "threads-max"].map(|file| read_kernel_value(&kernel.join(file)));
        let running = std::fs::read_to_string(root.join("proc/loadavg"))
            .ok()
            .and_then(|text| running_task_count(&text).ok())
            .or_else(|| nix::sys::sysinfo::sysinfo().ok().map(|info| i64::from(info.process_count())));
        NodePids { max_pid: max_pid(limits), running_tasks: running }
    }

    /// max − running: may be negative.
    pub fn available(&self) -> Option<i64> {
        Some(self.max_pid?.wrapping_sub(self.running_tasks?))
    }
}

/// Upstream's minimum of the two limits, with its sentinel: a value of −1
/// means "none yet", and a negative result means no limit is known.
fn max_pid(limits: [Option<i64>; 2]) -> Option<i64> {
    let mut smallest = -1i64;
    for limit in limits.into_iter().flatten() {
        if smallest == -1 || limit < smallest {
            smallest = limit;
        }
    }
    (smallest >= 0).then_some(smallest)
}

/// A `/proc/sys/kernel` value: the content without its final byte (the
/// newline), as a base-10 `i64`.
fn read_kernel_value(path: &Path) -> Option<i64> {
    let content = std::fs::read(path).ok()?;
    let (_, value) = content.split_last()?;
    std::str::from_utf8(value).ok()?.parse().ok()
}

/// Why `/proc/loadavg` text gives no task count.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadavgError {
    /// Fewer than five whitespace-separated fields.
    #[error("not enough fields in /proc/loadavg")]
    TooFewFields,
    /// The fourth field is not `running/total`.
    #[error("error parsing fourth field of /proc/loadavg")]
    FourthField,
    /// The total is not a base-10 `i64`.
    #[error("the task total in /proc/loadavg is not an integer")]
    NotANumber,
}

/// The task total of `/proc/loadavg` text (`1.36 3.49 4.53 2/3518 3715089` → 3518),
/// with upstream's checks.
pub fn running_task_count(loadavg: &str) -> Result<i64, LoadavgError> {
    let fields: Vec<&str> = loadavg.split_whitespace().collect();
    if fields.len() < 5 {
        return Err(LoadavgError::TooFewFields);
    }
    let parts: Vec<&str> = fields[3].split('/').collect();
    let [_, total] = parts[..] else { return Err(LoadavgError::FourthField) };
    total.parse().map_err(|_| LoadavgError::NotANumber)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loadavg_rules() {
        // Spec cases 73-78.
        assert_eq!(running_task_count("1.36 3.49 4.53 2/3518 3715089\n"), Ok(3518));
        assert_eq!(running_task_count("  1.36\t3.49 4.53 2/42 3715089  \n"), Ok(42));
        assert_eq!(running_task_count("1.36 3.49 4.53 2/3518"), Err(LoadavgError::TooFewFields));
        assert_eq!(running_task_count("1.36 3.49 4.53 3518 3715089"), Err(LoadavgError::FourthField));
        assert_eq!(running_task_count("1.36 3.49 4.53 2/3518/7 3715089"), Err(LoadavgError::FourthField));
        assert_eq!(running_task_count("1.36 3.49 4.53 2/not-a-number 3715089"), Err(LoadavgError::NotANumber));
    }

    fn fake_proc(pid_max: &str, threads_max: &str, loadavg: &str) -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        let kernel = root.path().join("proc/sys/kernel");
        std::fs::create_dir_all(&kernel).unwrap();
        std::fs::write(kernel.join("pid_max"), pid_max).unwrap();
        std::fs::write(kernel.join("threads-max"), threads_max).unwrap();
        std::fs::write(root.path().join("proc/loadavg"), loadavg).unwrap();
        root
    }

    #[test]
    fn node_numbers_from_a_root() {
        // Spec case 79.
        let root = fake_proc("4194304\n", "126722\n", "0.10 0.20 0.30 2/3518 99\n");
        let pids = NodePids::read(root.path());
        assert_eq!(pids, NodePids { max_pid: Some(126_722), running_tasks: Some(3518) });
        assert_eq!(pids.available(), Some(123_204));
    }

    #[test]
    fn unusable_files_are_skipped() {
        let root = fake_proc("32768\n", "garbage\n", "0.10 0.20 0.30 2/3518 99\n");
        assert_eq!(NodePids::read(root.path()).max_pid, Some(32_768));
        let root = fake_proc("", "12", "0.10 0.20 0.30 2/3518 99\n");
        assert_eq!(NodePids::read(root.path()).max_pid, Some(1), "the final byte is dropped whatever it is");
        let root = fake_proc("x\n", "y\n", "0.10 0.20 0.30 2/3518 99\n");
        assert_eq!(NodePids::read(root.path()).max_pid, None);
        assert_eq!(NodePids::read(root.path()).available(), None);
        assert_eq!(max_pid([Some(-5), Some(10)]), None, "upstream keeps the smaller, negative, value");
    }

    #[test]
    fn broken_loadavg_falls_back_to_sysinfo() {
        let root = fake_proc("100\n", "100\n", "1.36 3.49 4.53 2/3518");
        let running = NodePids::read(root.path()).running_tasks.unwrap();
        assert!(running > 0, "sysinfo reports this machine's processes");
    }
}
