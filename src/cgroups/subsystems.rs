//! Where each cgroup v1 controller is mounted (upstream `CgroupSubsystems`).

use super::Error;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The cgroup v1 controllers of a host and the directory each is mounted at.
///
/// Keys are controller names as the kubelet uses them: `cpu`, `memory`, ...,
/// and `systemd` for the `name=systemd` hierarchy. A co-mount such as
/// `cpu,cpuacct` gives two keys with the same directory. On a hybrid host the
/// cgroup2 mount is kept apart as the *unified mirror*: runc's cgroupfs driver
/// creates and removes each cgroup there too, but the kubelet's own lists
/// (`Pids`, `Validate`) do not include it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CgroupSubsystems {
    mount_points: BTreeMap<String, PathBuf>,
    unified_mirror: Option<PathBuf>,
}

impl CgroupSubsystems {
    /// Subsystems from a controller → directory map (for tests and for
    /// hierarchies set up by hand).
    pub fn new<I, S, P>(mount_points: I) -> Self
    where
        I: IntoIterator<Item = (S, P)>,
        S: Into<String>,
        P: Into<PathBuf>,
    {
        let mount_points = mount_points.into_iter().map(|(name, path)| (name.into(), path.into())).collect();
        CgroupSubsystems { mount_points, unified_mirror: None }
    }

    /// These subsystems with the hybrid host's cgroup2 directory, where runc
    /// mirrors every cgroup.
    pub fn with_unified_mirror(mut self, dir: impl Into<PathBuf>) -> Self {
        self.unified_mirror = Some(dir.into());
        self
    }

    /// Discovers the v1 mounts as the kubelet does (`getCgroupSubsystemsV1`):
    /// every `cgroup` filesystem in `mountinfo` (the text of
    /// `/proc/self/mountinfo`), whose super options name controllers that
    /// `proc_cgroup` (the text of `/proc/self/cgroup`) lists. When a controller
    /// is mounted more than once, the shortest mount point wins (issue #95488).
    pub fn from_mountinfo(mountinfo: &str, proc_cgroup: &str) -> Result<Self, Error> {
        let own_cgroups = parse_proc_cgroup(proc_cgroup);
        let known: BTreeSet<&str> =
            own_cgroups.iter().flat_map(|line| line.controllers.iter().map(String::as_str)).collect();
        let mut mount_points: BTreeMap<String, PathBuf> = BTreeMap::new();
        let mut found = false;
        for mount in mountinfo.lines().filter_map(MountInfoLine::parse).filter(|mount| mount.fs_type == "cgroup") {
            found = true;
            for option in mount.super_options.split(',').filter(|option| known.contains(option)) {
                let controller = option.strip_prefix("name=").unwrap_or(option).to_owned();
                let shorter = |previous: &PathBuf| mount.mount_point.as_os_str().len() < previous.as_os_str().len();
                if mount_points.get(&controller).is_none_or(shorter) {
                    mount_points.insert(controller, mount.mount_point.clone());
                }
            }
        }
        if !found {
            return Err(Error::Unsupported("failed to find cgroup mounts".to_owned()));
        }
        Ok(CgroupSubsystems { mount_points, unified_mirror: None })
    }

    /// Each hierarchy rooted at the cgroup `proc_cgroup` (the text of a
    /// process's `/proc/<pid>/cgroup`) places that process in, as runc does for
    /// relative cgroup paths. Names then resolve below the process's own
    /// cgroups: a kubelet in a container, or a test that must stay inside the
    /// memory cgroup it was started in.
    pub fn below_cgroups_of(&self, proc_cgroup: &str) -> Self {
        let lines = parse_proc_cgroup(proc_cgroup);
        let own_path = |controller: &str| {
            lines
                .iter()
                .find(|line| {
                    line.controllers
                        .iter()
                        .any(|name| name == controller || name.strip_prefix("name=") == Some(controller))
                })
                .map(|line| line.path.trim_start_matches('/'))
                .filter(|own| !own.is_empty())
        };
        let mount_points = self
            .mount_points
            .iter()
            .map(|(controller, dir)| {
                (controller.clone(), own_path(controller).map_or(dir.clone(), |own| dir.join(own)))
            })
            .collect();
        let unified_path = lines
            .iter()
            .find(|line| line.hierarchy_id == 0)
            .map(|line| line.path.trim_start_matches('/'))
            .filter(|own| !own.is_empty());
        let unified_mirror =
            self.unified_mirror.as_ref().map(|dir| unified_path.map_or(dir.clone(), |own| dir.join(own)));
        CgroupSubsystems { mount_points, unified_mirror }
    }

    /// Controller → directory, sorted by controller.
    pub fn mount_points(&self) -> &BTreeMap<String, PathBuf> {
        &self.mount_points
    }

    /// The directory of one controller, if it is mounted.
    pub fn mount_point(&self, controller: &str) -> Option<&Path> {
        self.mount_points.get(controller).map(PathBuf::as_path)
    }

    /// The hybrid host's cgroup2 directory, if any.
    pub fn unified_mirror(&self) -> Option<&Path> {
        self.unified_mirror.as_deref()
    }
}

/// One line of `/proc/<pid>/cgroup`: `hierarchy-id:controllers:path`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProcCgroup {
    /// The hierarchy id; 0 is the cgroup2 hierarchy.
    pub hierarchy_id: u32,
    /// The controllers bound to the hierarchy (`name=systemd` as written);
    /// empty for cgroup2.
    pub controllers: Vec<String>,
    /// The process's cgroup in that hierarchy, starting with `/`.
    pub path: String,
}

/// Parses the text of `/proc/<pid>/cgroup`; malformed lines are skipped.
pub fn parse_proc_cgroup(text: &str) -> Vec<ProcCgroup> {
    text.lines()
        .filter_map(|line| {
            let mut fields = line.splitn(3, ':');
            let hierarchy_id = fields.next()?.parse().ok()?;
            let controllers = fields.next()?.split(',').filter(|name| !name.is_empty()).map(str::to_owned).collect();
            let path = fields.next()?.to_owned();
            Some(ProcCgroup { hierarchy_id, controllers, path })
        })
        .collect()
}

/// The fields of a `/proc/<pid>/mountinfo` line that discovery needs.
struct MountInfoLine {
    mount_point: PathBuf,
    fs_type: String,
    super_options: String,
}

impl MountInfoLine {
    fn parse(line: &str) -> Option<Self> {
        let (before, after) = line.split_once(" - ")?;
        let mount_point = before.split(' ').nth(4)?;
        let mut after = after.split(' ');
        let fs_type = after.next()?.to_owned();
        let super_options = after.nth(1).unwrap_or_default().to_owned();
        Some(MountInfoLine { mount_point: PathBuf::from(unescape_octal(mount_point)), fs_type, super_options })
    }
}

/// Undoes the kernel's `\ooo` escaping of spaces, tabs, newlines and
/// backslashes in mountinfo paths.
fn unescape_octal(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes.get(i + 1..i + 4).filter(|digits| bytes[i] == b'\\' && digits.iter().all(u8::is_ascii_digit));
        match octal.and_then(|digits| u8::from_str_radix(std::str::from_utf8(digits).ok()?, 8).ok()) {
            Some(byte) => {
                out.push(byte);
                i += 4;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOUNTINFO: &str = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime shared:9 - cgroup cgroup rw,xattr,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
50 31 0:32 / /run/a\\040much\\040longer/memory rw,relatime - cgroup cgroup rw,memory
";
    const PROC_CGROUP: &str = "\
3:name=systemd:/
2:cpu,cpuacct:/
1:memory:/process_api/abc
0::/init.scope
";

    #[test]
    fn mounts_are_found_with_comounts_and_the_shortest_path() {
        let found = CgroupSubsystems::from_mountinfo(MOUNTINFO, PROC_CGROUP).unwrap();
        let names: Vec<&str> = found.mount_points().keys().map(String::as_str).collect();
        assert_eq!(names, ["cpu", "cpuacct", "memory", "systemd"]);
        assert_eq!(found.mount_point("cpuacct"), Some(Path::new("/sys/fs/cgroup/cpu,cpuacct")));
        assert_eq!(found.mount_point("memory"), Some(Path::new("/sys/fs/cgroup/memory")));
        assert_eq!(found.unified_mirror(), None);
        assert!(CgroupSubsystems::from_mountinfo("", PROC_CGROUP).is_err());
    }

    #[test]
    fn hierarchies_can_be_rooted_at_the_process_cgroups() {
        let found = CgroupSubsystems::from_mountinfo(MOUNTINFO, PROC_CGROUP)
            .unwrap()
            .with_unified_mirror("/sys/fs/cgroup/unified")
            .below_cgroups_of(PROC_CGROUP);
        assert_eq!(found.mount_point("memory"), Some(Path::new("/sys/fs/cgroup/memory/process_api/abc")));
        assert_eq!(found.mount_point("cpu"), Some(Path::new("/sys/fs/cgroup/cpu,cpuacct")));
        assert_eq!(found.unified_mirror(), Some(Path::new("/sys/fs/cgroup/unified/init.scope")));
    }

    #[test]
    fn mountinfo_paths_are_unescaped() {
        assert_eq!(unescape_octal("/run/a\\040long"), "/run/a long");
        assert_eq!(unescape_octal("/x\\\\y"), "/x\\\\y");
        let proc_lines = parse_proc_cgroup(PROC_CGROUP);
        assert_eq!(proc_lines[0].controllers, ["name=systemd"]);
        assert_eq!(proc_lines[3], ProcCgroup { hierarchy_id: 0, controllers: vec![], path: "/init.scope".into() });
    }
}
