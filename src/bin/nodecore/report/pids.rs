//! The PIDs section: the node's PID limit and running tasks (the inputs of
//! `pid.available`), and the cgroups holding the most processes.

use super::super::style::{self, Section};
use nodecore::cgroups::Host;
use nodecore::pids::{NodePids, cgroup_process_count};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// How many cgroups the top list shows.
const TOP: usize = 5;

pub struct Pids {
    node: NodePids,
    pid_max: Option<i64>,
    threads_max: Option<i64>,
    /// The hierarchy walked for process counts.
    hierarchy: Option<PathBuf>,
    /// (cgroup path below the hierarchy, processes directly in it), most first.
    top: Vec<(String, u64)>,
}

impl Pids {
    /// Reads this node. `host` gives the hierarchy to count processes in:
    /// the unified tree on v2, the pids controller's (else the cpu
    /// controller's) on v1, as pod PID accounting reads it.
    pub fn observe(host: Option<&Host>) -> Pids {
        let hierarchy = host.and_then(|host| {
            if host.mode.is_unified() {
                Some(host.cgroup_root.clone())
            } else {
                let subsystems = &host.subsystems;
                subsystems.mount_point("pids").or_else(|| subsystems.mount_point("cpu")).map(Path::to_owned)
            }
        });
        let mut top = Vec::new();
        if let Some(root) = &hierarchy {
            walk(root, root, &mut top);
            top.sort_by(|(a_path, a), (b_path, b)| b.cmp(a).then_with(|| a_path.cmp(b_path)));
            top.retain(|(_, count)| *count > 0);
            top.truncate(TOP);
        }
        Pids {
            node: NodePids::read(Path::new("/")),
            pid_max: kernel_value("pid_max"),
            threads_max: kernel_value("threads-max"),
            hierarchy,
            top,
        }
    }

    pub fn to_json(&self) -> Value {
        json!({
            "max": self.node.max_pid,
            "pid_max": self.pid_max,
            "threads_max": self.threads_max,
            "running": self.node.running_tasks,
            "available": self.node.available(),
            "hierarchy": self.hierarchy,
            "top": self.top.iter().map(|(cgroup, processes)| json!({"cgroup": cgroup, "processes": processes})).collect::<Vec<_>>(),
        })
    }

    pub fn section(&self) -> Section {
        let mut section = Section::new("PIDs");
        let show = |value: Option<i64>| value.map_or_else(|| "unknown".to_owned(), |v| v.to_string());
        section.field(
            "pid max",
            format!(
                "{} {}",
                show(self.node.max_pid),
                style::dim(format!(
                    "(the smaller of kernel.pid_max {} and kernel.threads-max {})",
                    show(self.pid_max),
                    show(self.threads_max)
                ))
            ),
        );
        section.field(
            "running",
            format!("{} {}", show(self.node.running_tasks), style::dim("tasks (threads), from /proc/loadavg")),
        );
        section.field("available", show(self.node.available()));
        match &self.hierarchy {
            Some(root) if !self.top.is_empty() => {
                let width = self.top.iter().map(|(_, n)| n.to_string().len()).max().unwrap_or(1);
                let mut rows = vec![style::dim(format!("processes directly in each cgroup of {}", root.display()))];
                rows.extend(self.top.iter().map(|(cgroup, count)| format!("{count:>width$}  {cgroup}")));
                section.field("top cgroups", rows.join("\n"));
            }
            Some(root) => {
                section.field("top cgroups", format!("no processes found under {}", root.display()));
            }
            None => {
                section.field("top cgroups", style::dim("no pids hierarchy found"));
            }
        }
        section
    }
}

/// Every cgroup below `root` (itself included) with the processes directly
/// in it. Cgroups that vanish during the walk are skipped.
fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, u64)>) {
    if let Ok(count) = cgroup_process_count(dir) {
        let relative = dir.strip_prefix(root).unwrap_or(dir);
        out.push((format!("/{}", relative.display()), count));
    }
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.filter_map(Result::ok) {
        if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
            walk(root, &entry.path(), out);
        }
    }
}

/// A `/proc/sys/kernel` number.
fn kernel_value(name: &str) -> Option<i64> {
    std::fs::read_to_string(Path::new("/proc/sys/kernel").join(name)).ok()?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_walk_counts_processes_per_cgroup() {
        let root = tempfile::tempdir().unwrap();
        std::fs::write(root.path().join("cgroup.procs"), "1\n2\n").unwrap();
        std::fs::create_dir_all(root.path().join("a/b")).unwrap();
        std::fs::write(root.path().join("a/cgroup.procs"), "").unwrap();
        std::fs::write(root.path().join("a/b/cgroup.procs"), "3\n4\n5\n").unwrap();
        let mut found = Vec::new();
        walk(root.path(), root.path(), &mut found);
        found.sort();
        assert_eq!(found, [("/".to_owned(), 2), ("/a".to_owned(), 0), ("/a/b".to_owned(), 3)]);
    }
}
