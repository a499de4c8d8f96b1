//! The cgroup v2 manager: one unified hierarchy.

mod cpu;
mod create;
mod memory;
mod unified;

use super::controllers::{self, hugetlb_entries};
use super::convert::cpu_weight_to_shares;
use super::files::{self, Backing};
use super::manager::{join_literal, optional, optional_string, refuse_systemd};
use super::{
    CgroupConfig, CgroupLimits, CgroupManager, CgroupName, CgroupVersion, Created, Driver, Error, Limit, Resource,
    ResourceConfig,
};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The controllers the kubelet requires in every cgroup it checks, when the
/// root offers them (`getSupportedUnifiedControllers`).
const SUPPORTED_CONTROLLERS: [&str; 5] = ["cpu", "cpuset", "hugetlb", "memory", "pids"];

/// Pseudo-controllers the kubelet always lists on v2.
const PSEUDO_CONTROLLERS: [&str; 2] = ["devices", "freezer"];

/// The kubelet's cgroup v2 manager (`cgroupV2impl` over runc's `fs2` manager).
///
/// ```no_run
/// use nodecore::cgroups::{CgroupConfig, CgroupManager, CgroupName, Driver, ResourceConfig, V2Manager};
///
/// let manager = V2Manager::new("/sys/fs/cgroup", Driver::Cgroupfs)?;
/// let name = CgroupName::new(["kubepods", "besteffort"])?;
/// let resources = ResourceConfig { cpu_shares: Some(2), ..Default::default() };
/// manager.create(&CgroupConfig { name: name.clone(), resources })?.limits?;
/// assert_eq!(std::fs::read_to_string("/sys/fs/cgroup/kubepods/besteffort/cpu.weight")?.trim(), "1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct V2Manager {
    root: PathBuf,
    driver: Driver,
    root_controllers: BTreeSet<String>,
    host_page_sizes: Vec<i64>,
    backing: Backing,
}

impl V2Manager {
    /// A manager over the cgroup2 hierarchy mounted at `root`, naming cgroups
    /// with `driver`. Reads the root's `cgroup.controllers` once, as the
    /// kubelet does (where the kubelet panics if it cannot, this fails).
    pub fn new(root: impl Into<PathBuf>, driver: Driver) -> Result<Self, Error> {
        let root = root.into();
        let controllers = files::read_string(&root, "cgroup.controllers")?;
        let root_controllers = controllers.split_whitespace().map(str::to_owned).collect();
        Ok(V2Manager { root, driver, root_controllers, host_page_sizes: Vec::new(), backing: Backing::Cgroupfs })
    }

    /// Sets the host's huge page sizes in bytes; each one the config does not
    /// mention is limited to 0 whenever hugetlb is available.
    pub fn with_host_page_sizes(mut self, sizes: Vec<i64>) -> Self {
        self.host_page_sizes = sizes;
        self
    }

    /// Sets what kind of tree the hierarchy is (default: real cgroupfs).
    pub fn with_backing(mut self, backing: Backing) -> Self {
        self.backing = backing;
        self
    }

    /// The hierarchy's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The controllers the root offers (its `cgroup.controllers`).
    pub fn root_controllers(&self) -> &BTreeSet<String> {
        &self.root_controllers
    }

    fn dir(&self, name: &CgroupName) -> Result<PathBuf, Error> {
        Ok(join_literal(&self.root, &self.name(name)?))
    }

    /// The controllers every cgroup must have: the supported ones the root offers.
    fn needed_controllers(&self) -> impl Iterator<Item = &'static str> + '_ {
        SUPPORTED_CONTROLLERS.into_iter().filter(|controller| self.root_controllers.contains(*controller))
    }

    fn hugetlb_entries(&self, resources: &ResourceConfig) -> Vec<(String, u64)> {
        if self.root_controllers.contains("hugetlb") {
            hugetlb_entries(resources, &self.host_page_sizes)
        } else {
            Vec::new()
        }
    }

    /// runc's `Set`: pids, memory, cpu, cpuset, hugetlb, then the unified map,
    /// which overrides the rest.
    fn set(&self, dir: &Path, resources: &ResourceConfig) -> Result<(), Error> {
        controllers::set_pids(Some(dir), resources, self.backing)?;
        memory::set(dir, resources, self.backing)?;
        cpu::set(dir, resources, self.backing)?;
        controllers::set_cpuset(Some(dir), resources, self.backing)?;
        controllers::set_hugetlb(Some(dir), &self.hugetlb_entries(resources), CgroupVersion::V2, self.backing)?;
        unified::set(dir, &resources.unified, self.backing)
    }
}

impl CgroupManager for V2Manager {
    fn version(&self) -> CgroupVersion {
        CgroupVersion::V2
    }

    fn driver(&self) -> Driver {
        self.driver
    }

    fn paths(&self, name: &CgroupName) -> Result<BTreeMap<String, PathBuf>, Error> {
        let dir = self.dir(name)?;
        let controllers = self.root_controllers.iter().map(String::as_str).chain(PSEUDO_CONTROLLERS);
        Ok(controllers.map(|controller| (controller.to_owned(), dir.clone())).collect())
    }

    fn controller_path(&self, controller: &str, name: &CgroupName) -> Result<Option<PathBuf>, Error> {
        let available = self.root_controllers.contains(controller) || PSEUDO_CONTROLLERS.contains(&controller);
        Ok(if available { Some(self.dir(name)?) } else { None })
    }

    fn validate(&self, name: &CgroupName) -> Result<(), Error> {
        let dir = self.dir(name)?;
        let enabled = match files::read_string(&dir, "cgroup.controllers") {
            Ok(text) => text,
            Err(err) if err.is_not_found() => {
                return Err(Error::MissingPaths { name: self.name(name)?, paths: vec![dir] });
            }
            Err(err) => return Err(err),
        };
        let enabled: BTreeSet<&str> = enabled.split_whitespace().collect();
        let missing: Vec<String> =
            self.needed_controllers().filter(|controller| !enabled.contains(controller)).map(str::to_owned).collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(Error::MissingControllers { name: self.name(name)?, controllers: missing })
    }

    fn create(&self, config: &CgroupConfig) -> Result<Created, Error> {
        refuse_systemd(self.driver, "create a cgroup")?;
        let dir = self.dir(&config.name)?;
        let domain = config.resources.sets_cpu_or_memory() || !self.hugetlb_entries(&config.resources).is_empty();
        create::create_cgroup_path(&self.root, &dir, &self.root_controllers, domain, self.backing)?;
        Ok(Created { limits: self.set(&dir, &config.resources) })
    }

    fn update(&self, config: &CgroupConfig) -> Result<(), Error> {
        refuse_systemd(self.driver, "update a cgroup")?;
        self.set(&self.dir(&config.name)?, &config.resources)
    }

    fn destroy(&self, name: &CgroupName) -> Result<(), Error> {
        refuse_systemd(self.driver, "destroy a cgroup")?;
        files::remove_path(&self.dir(name)?, self.backing)
    }

    fn join(&self, name: &CgroupName, pid: i32) -> Result<(), Error> {
        refuse_systemd(self.driver, "move a process")?;
        files::write(&self.dir(name)?, "cgroup.procs", &pid.to_string(), self.backing)
    }

    fn memory_usage(&self, name: &CgroupName) -> Result<i64, Error> {
        Ok(files::read_u64(&self.dir(name)?, "memory.current")? as i64)
    }

    fn get_cgroup_config(&self, name: &CgroupName, resource: Resource) -> Result<ResourceConfig, Error> {
        let dir = self.dir(name)?;
        match resource {
            Resource::Cpu => {
                let (quota, period) = cpu::read_max(&dir)?;
                let weight = files::read_u64(&dir, "cpu.weight")?;
                Ok(ResourceConfig {
                    cpu_quota: Some(quota),
                    cpu_period: Some(period),
                    cpu_shares: Some(cpu_weight_to_shares(weight)),
                    ..ResourceConfig::default()
                })
            }
            Resource::Memory => {
                let limit = files::read_u64(&dir, "memory.max")? as i64;
                Ok(ResourceConfig { memory: Some(limit), ..ResourceConfig::default() })
            }
        }
    }

    fn read_limits(&self, name: &CgroupName) -> Result<CgroupLimits, Error> {
        let dir = self.dir(name)?;
        let weight = optional(files::read_u64(&dir, "cpu.weight"))?;
        let max = optional(cpu::read_max(&dir))?;
        Ok(CgroupLimits {
            cpu_shares: weight.map(cpu_weight_to_shares),
            cpu_weight: weight,
            cpu_quota: max.map(|(quota, _)| quota),
            cpu_period: max.map(|(_, period)| period),
            memory_limit: optional(files::read_u64(&dir, "memory.max"))?.map(Limit::from_file_value),
            memory_usage: optional(files::read_u64(&dir, "memory.current"))?,
            pids_limit: optional(files::read_u64(&dir, "pids.max"))?.map(Limit::from_file_value),
            pids_current: optional(files::read_u64(&dir, "pids.current"))?,
            cpuset_cpus: optional_string(&dir, "cpuset.cpus")?,
            cpuset_mems: optional_string(&dir, "cpuset.mems")?,
            huge_page_limits: controllers::read_hugetlb_limits(&dir, &self.host_page_sizes, CgroupVersion::V2)?,
        })
    }
}
