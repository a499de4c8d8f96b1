//! The cgroup v1 manager: one hierarchy per controller (also used on hybrid
//! hosts, which the kubelet treats as v1).

mod cpu;
mod cpuset;
mod memory;

use super::controllers::{self, hugetlb_entries};
use super::files::{self, Backing};
use super::manager::{join_literal, optional, optional_string, refuse_systemd};
use super::{
    CgroupConfig, CgroupLimits, CgroupManager, CgroupName, CgroupSubsystems, CgroupVersion, Created, Driver, Error,
    Limit, Resource, ResourceConfig,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// runc's v1 subsystems in the order its `Set` visits them, by the kubelet's
/// key (`systemd` is the `name=systemd` hierarchy). runc creates, joins and
/// removes a cgroup in each of these that is mounted.
const RUNC_SUBSYSTEMS: [&str; 15] = [
    "cpuset",
    "devices",
    "memory",
    "cpu",
    "cpuacct",
    "pids",
    "blkio",
    "hugetlb",
    "net_cls",
    "net_prio",
    "perf_event",
    "freezer",
    "rdma",
    "systemd",
    "misc",
];

/// The hierarchies `Validate` checks (hugetlb too when it is mounted).
const VALIDATE_ALLOWLIST: [&str; 6] = ["cpu", "cpuacct", "cpuset", "memory", "systemd", "pids"];

/// The kubelet's cgroup v1 manager (`cgroupV1impl` over runc's `fs` manager).
///
/// ```no_run
/// use nodecore::cgroups::{CgroupConfig, CgroupManager, CgroupName, CgroupSubsystems, Driver, ResourceConfig, V1Manager};
///
/// let mountinfo = std::fs::read_to_string("/proc/self/mountinfo")?;
/// let own = std::fs::read_to_string("/proc/self/cgroup")?;
/// let manager = V1Manager::new(CgroupSubsystems::from_mountinfo(&mountinfo, &own)?, Driver::Cgroupfs);
/// let name = CgroupName::new(["kubepods", "burstable", "pod1234"])?;
/// let resources = ResourceConfig { cpu_shares: Some(512), pids_limit: Some(100), ..Default::default() };
/// manager.create(&CgroupConfig { name: name.clone(), resources })?.limits?;
/// assert!(manager.exists(&name));
/// manager.destroy(&name)?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct V1Manager {
    subsystems: CgroupSubsystems,
    driver: Driver,
    host_page_sizes: Vec<i64>,
    backing: Backing,
}

impl V1Manager {
    /// A manager over `subsystems`, naming cgroups with `driver`.
    pub fn new(subsystems: CgroupSubsystems, driver: Driver) -> Self {
        V1Manager { subsystems, driver, host_page_sizes: Vec::new(), backing: Backing::Cgroupfs }
    }

    /// Sets the host's huge page sizes in bytes; each one the config does not
    /// mention is limited to 0 whenever hugetlb is mounted.
    pub fn with_host_page_sizes(mut self, sizes: Vec<i64>) -> Self {
        self.host_page_sizes = sizes;
        self
    }

    /// Sets what kind of tree the hierarchies are (default: real cgroupfs).
    pub fn with_backing(mut self, backing: Backing) -> Self {
        self.backing = backing;
        self
    }

    /// The subsystems this manager works on.
    pub fn subsystems(&self) -> &CgroupSubsystems {
        &self.subsystems
    }

    /// runc's paths: each mounted runc subsystem, in runc's order.
    fn runc_paths(&self, literal: &str) -> Vec<(&'static str, &Path, PathBuf)> {
        RUNC_SUBSYSTEMS
            .iter()
            .filter_map(|subsystem| {
                let mount_point = self.subsystems.mount_point(subsystem)?;
                Some((*subsystem, mount_point, join_literal(mount_point, literal)))
            })
            .collect()
    }

    fn dir(&self, controller: &str, literal: &str) -> Option<PathBuf> {
        self.subsystems.mount_point(controller).map(|mount_point| join_literal(mount_point, literal))
    }

    fn mounted_dir(&self, controller: &str, name: &CgroupName) -> Result<PathBuf, Error> {
        self.dir(controller, &self.name(name)?)
            .ok_or_else(|| Error::Unsupported(format!("the {controller} controller is not mounted")))
    }

    /// runc's `Apply(-1)`: the directories, cpuset values copied down first.
    fn apply(&self, literal: &str, resources: &ResourceConfig) -> Result<(), Error> {
        for (subsystem, mount_point, dir) in self.runc_paths(literal) {
            if subsystem == "cpuset" {
                cpuset::create(mount_point, &dir, resources, self.backing)?;
            } else {
                files::create_dir_all(&dir)?;
            }
        }
        if let Some(mirror) = self.subsystems.unified_mirror() {
            // Best effort, as runc does on hybrid hosts.
            let _ = files::create_dir_all(&join_literal(mirror, literal));
        }
        Ok(())
    }

    /// runc's `Set`, subsystem by subsystem in its order. The unified map is
    /// ignored: the kubelet passes it to runc only on v2.
    fn set(&self, literal: &str, resources: &ResourceConfig) -> Result<(), Error> {
        let dir = |controller| self.dir(controller, literal);
        controllers::set_cpuset(dir("cpuset").as_deref(), resources, self.backing)?;
        memory::set(dir("memory").as_deref(), resources, self.backing)?;
        cpu::set(dir("cpu").as_deref(), resources, self.backing)?;
        controllers::set_pids(dir("pids").as_deref(), resources, self.backing)?;
        if let Some(hugetlb) = dir("hugetlb") {
            let entries = hugetlb_entries(resources, &self.host_page_sizes);
            controllers::set_hugetlb(Some(&hugetlb), &entries, CgroupVersion::V1, self.backing)?;
        }
        Ok(())
    }
}

impl CgroupManager for V1Manager {
    fn version(&self) -> CgroupVersion {
        CgroupVersion::V1
    }

    fn driver(&self) -> Driver {
        self.driver
    }

    fn paths(&self, name: &CgroupName) -> Result<BTreeMap<String, PathBuf>, Error> {
        let literal = self.name(name)?;
        let paths = self.subsystems.mount_points().iter();
        Ok(paths.map(|(controller, mount_point)| (controller.clone(), join_literal(mount_point, &literal))).collect())
    }

    fn controller_path(&self, controller: &str, name: &CgroupName) -> Result<Option<PathBuf>, Error> {
        Ok(self.dir(controller, &self.name(name)?))
    }

    fn validate(&self, name: &CgroupName) -> Result<(), Error> {
        let hugetlb_mounted = self.subsystems.mount_point("hugetlb").is_some();
        let checked =
            |controller: &str| VALIDATE_ALLOWLIST.contains(&controller) || (controller == "hugetlb" && hugetlb_mounted);
        let missing: Vec<PathBuf> = self
            .paths(name)?
            .into_iter()
            .filter(|(controller, path)| checked(controller) && !path.is_dir())
            .map(|(_, path)| path)
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(Error::MissingPaths { name: self.name(name)?, paths: missing })
    }

    fn create(&self, config: &CgroupConfig) -> Result<Created, Error> {
        refuse_systemd(self.driver, "create a cgroup")?;
        let literal = self.name(&config.name)?;
        self.apply(&literal, &config.resources)?;
        Ok(Created { limits: self.set(&literal, &config.resources) })
    }

    fn update(&self, config: &CgroupConfig) -> Result<(), Error> {
        refuse_systemd(self.driver, "update a cgroup")?;
        self.set(&self.name(&config.name)?, &config.resources)
    }

    fn destroy(&self, name: &CgroupName) -> Result<(), Error> {
        refuse_systemd(self.driver, "destroy a cgroup")?;
        let literal = self.name(name)?;
        let mut dirs: Vec<PathBuf> = self.runc_paths(&literal).into_iter().map(|(_, _, dir)| dir).collect();
        dirs.extend(self.subsystems.unified_mirror().map(|mirror| join_literal(mirror, &literal)));
        let left: Vec<PathBuf> =
            dirs.into_iter().filter(|dir| files::remove_path(dir, self.backing).is_err()).collect();
        if left.is_empty() { Ok(()) } else { Err(Error::RemoveFailed { paths: left }) }
    }

    fn join(&self, name: &CgroupName, pid: i32) -> Result<(), Error> {
        refuse_systemd(self.driver, "move a process")?;
        let literal = self.name(name)?;
        for (_, _, dir) in self.runc_paths(&literal) {
            files::write(&dir, "cgroup.procs", &pid.to_string(), self.backing)?;
        }
        if let Some(mirror) = self.subsystems.unified_mirror() {
            // Best effort, as runc does on hybrid hosts.
            let _ = files::write(&join_literal(mirror, &literal), "cgroup.procs", &pid.to_string(), self.backing);
        }
        Ok(())
    }

    fn memory_usage(&self, name: &CgroupName) -> Result<i64, Error> {
        Ok(files::read_u64(&self.mounted_dir("memory", name)?, "memory.usage_in_bytes")? as i64)
    }

    fn get_cgroup_config(&self, name: &CgroupName, resource: Resource) -> Result<ResourceConfig, Error> {
        match resource {
            Resource::Cpu => {
                let dir = self.mounted_dir("cpu", name)?;
                Ok(ResourceConfig {
                    cpu_quota: Some(files::read_i64(&dir, "cpu.cfs_quota_us")?),
                    cpu_period: Some(files::read_u64(&dir, "cpu.cfs_period_us")?),
                    cpu_shares: Some(files::read_u64(&dir, "cpu.shares")?),
                    ..ResourceConfig::default()
                })
            }
            Resource::Memory => {
                let dir = self.mounted_dir("memory", name)?;
                let limit = files::read_u64(&dir, "memory.limit_in_bytes")? as i64;
                Ok(ResourceConfig { memory: Some(limit), ..ResourceConfig::default() })
            }
        }
    }

    fn read_limits(&self, name: &CgroupName) -> Result<CgroupLimits, Error> {
        let literal = self.name(name)?;
        let mut limits = CgroupLimits::default();
        if let Some(dir) = self.dir("cpu", &literal) {
            limits.cpu_shares = optional(files::read_u64(&dir, "cpu.shares"))?;
            limits.cpu_quota = optional(files::read_i64(&dir, "cpu.cfs_quota_us"))?;
            limits.cpu_period = optional(files::read_u64(&dir, "cpu.cfs_period_us"))?;
        }
        if let Some(dir) = self.dir("memory", &literal) {
            limits.memory_limit = optional(files::read_u64(&dir, "memory.limit_in_bytes"))?.map(Limit::from_file_value);
            limits.memory_usage = optional(files::read_u64(&dir, "memory.usage_in_bytes"))?;
        }
        if let Some(dir) = self.dir("pids", &literal) {
            limits.pids_limit = optional(files::read_u64(&dir, "pids.max"))?.map(Limit::from_file_value);
            limits.pids_current = optional(files::read_u64(&dir, "pids.current"))?;
        }
        if let Some(dir) = self.dir("cpuset", &literal) {
            limits.cpuset_cpus = optional_string(&dir, "cpuset.cpus")?;
            limits.cpuset_mems = optional_string(&dir, "cpuset.mems")?;
        }
        if let Some(dir) = self.dir("hugetlb", &literal) {
            limits.huge_page_limits = controllers::read_hugetlb_limits(&dir, &self.host_page_sizes, CgroupVersion::V1)?;
        }
        Ok(limits)
    }
}
