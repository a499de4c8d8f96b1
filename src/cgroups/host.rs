//! Discovering the host: mode, mounts, huge page sizes, and the matching manager.

use super::convert::huge_page_size_string;
use super::{CgroupManager, CgroupSubsystems, Driver, Error, Mode, V1Manager, V2Manager};
use std::fs;
use std::path::{Path, PathBuf};

/// Where the host's cgroup facts are read from; every path can point at a
/// test fixture.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostPaths {
    /// The cgroup root, `/sys/fs/cgroup`.
    pub cgroup_root: PathBuf,
    /// `/proc/self/mountinfo` (cgroup v1 mounts).
    pub mountinfo: PathBuf,
    /// `/proc/self/cgroup` (which controllers the kernel knows).
    pub proc_cgroup: PathBuf,
    /// `/sys/kernel/mm/hugepages` (the host's huge page sizes).
    pub hugepages: PathBuf,
}

impl Default for HostPaths {
    fn default() -> Self {
        HostPaths {
            cgroup_root: PathBuf::from("/sys/fs/cgroup"),
            mountinfo: PathBuf::from("/proc/self/mountinfo"),
            proc_cgroup: PathBuf::from("/proc/self/cgroup"),
            hugepages: PathBuf::from("/sys/kernel/mm/hugepages"),
        }
    }
}

/// The host's cgroup setup, as the kubelet discovers it at start-up.
///
/// ```no_run
/// use nodecore::cgroups::{CgroupName, Driver, Host, HostPaths};
///
/// let host = Host::detect(&HostPaths::default())?;
/// let manager = host.manager(Driver::Cgroupfs)?;
/// println!("{} host, cgroup {}", host.mode, manager.version());
/// println!("{:?}", manager.read_limits(&CgroupName::new(["kubepods"])?)?);
/// # Ok::<(), nodecore::cgroups::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Host {
    /// Legacy, hybrid or unified.
    pub mode: Mode,
    /// The cgroup root.
    pub cgroup_root: PathBuf,
    /// The v1 mounts (with the unified mirror on a hybrid host); empty on v2.
    pub subsystems: CgroupSubsystems,
    /// The huge page sizes in bytes, ascending.
    pub huge_page_sizes: Vec<i64>,
}

impl Host {
    /// Detects the mode under `paths.cgroup_root`, then the v1 mounts (unless
    /// unified) and the huge page sizes.
    pub fn detect(paths: &HostPaths) -> Result<Host, Error> {
        let mode = Mode::detect(&paths.cgroup_root)?;
        let subsystems = if mode.is_unified() {
            CgroupSubsystems::default()
        } else {
            let read = |path: &Path| fs::read_to_string(path).map_err(|err| Error::io("read", path, err));
            let found = CgroupSubsystems::from_mountinfo(&read(&paths.mountinfo)?, &read(&paths.proc_cgroup)?)?;
            if mode.is_hybrid() { found.with_unified_mirror(paths.cgroup_root.join("unified")) } else { found }
        };
        Ok(Host {
            mode,
            cgroup_root: paths.cgroup_root.clone(),
            subsystems,
            huge_page_sizes: huge_page_sizes(&paths.hugepages),
        })
    }

    /// The manager the kubelet would use on this host: v2 when unified, v1
    /// otherwise.
    pub fn manager(&self, driver: Driver) -> Result<Box<dyn CgroupManager>, Error> {
        let sizes = self.huge_page_sizes.clone();
        Ok(if self.mode.is_unified() {
            Box::new(V2Manager::new(&self.cgroup_root, driver)?.with_host_page_sizes(sizes))
        } else {
            Box::new(V1Manager::new(self.subsystems.clone(), driver).with_host_page_sizes(sizes))
        })
    }
}

/// The huge page sizes in bytes from the `hugepages-<N>kB` directories of
/// `dir`, ascending; none when `dir` cannot be read (as runc, which logs).
pub fn huge_page_sizes(dir: &Path) -> Vec<i64> {
    let Ok(entries) = fs::read_dir(dir) else { return Vec::new() };
    let mut sizes: Vec<i64> = entries
        .filter_map(|entry| {
            let name = entry.ok()?.file_name();
            let kib: i64 = name.to_str()?.strip_prefix("hugepages-")?.strip_suffix("kB")?.parse().ok()?;
            let bytes = kib.checked_mul(1024)?;
            huge_page_size_string(bytes).is_ok().then_some(bytes)
        })
        .collect();
    sizes.sort_unstable();
    sizes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_page_sizes_come_from_directory_names() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["hugepages-1048576kB", "hugepages-2048kB", "other"] {
            fs::create_dir(dir.path().join(name)).unwrap();
        }
        assert_eq!(huge_page_sizes(dir.path()), [2 << 20, 1 << 30]);
        assert_eq!(huge_page_sizes(&dir.path().join("missing")), Vec::<i64>::new());
    }
}
