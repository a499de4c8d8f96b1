//! The cgroup manager: one trait, a v1 and a v2 implementation.

use super::{CgroupConfig, CgroupName, CgroupVersion, Driver, Error, Resource, ResourceConfig, files};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// The kubelet's `CgroupManager`: creates, updates, inspects and destroys the
/// cgroups it names, on one cgroup version.
///
/// Both implementations ([`V1Manager`](super::V1Manager),
/// [`V2Manager`](super::V2Manager)) take their filesystem roots as input, so
/// the same code runs against `/sys/fs/cgroup` and against a directory tree
/// in a test. With the `systemd` driver they name cgroups as systemd slices
/// and can read them, but refuse to create, write, join or destroy: that
/// takes systemd's D-Bus unit management, which nodecore does not do.
pub trait CgroupManager: fmt::Debug + Send + Sync {
    /// 1 or 2.
    fn version(&self) -> CgroupVersion;

    /// The driver names are formed with.
    fn driver(&self) -> Driver;

    /// The literal path of `name` below each hierarchy (upstream `Name()`).
    fn name(&self, name: &CgroupName) -> Result<String, Error> {
        self.driver().name(name)
    }

    /// The inverse of [`name`](Self::name) (upstream `CgroupName()`).
    fn cgroup_name(&self, literal: &str) -> Result<CgroupName, Error> {
        self.driver().parse(literal)
    }

    /// The directory of `name` in every hierarchy the kubelet knows, by
    /// controller (upstream `buildCgroupPaths`; on v2 every controller maps to
    /// the same directory).
    fn paths(&self, name: &CgroupName) -> Result<BTreeMap<String, PathBuf>, Error>;

    /// The directory of `name` in the hierarchy of `controller` (`"memory"`,
    /// `"pids"`, ...), or `None` when that controller is not available.
    fn controller_path(&self, controller: &str, name: &CgroupName) -> Result<Option<PathBuf>, Error>;

    /// Whether the cgroup exists as the kubelet checks it: on v1 in each of
    /// cpu, cpuacct, cpuset, memory, pids, systemd (and hugetlb if mounted)
    /// that is mounted; on v2 with every supported controller enabled.
    fn validate(&self, name: &CgroupName) -> Result<(), Error>;

    /// `validate(name).is_ok()`.
    fn exists(&self, name: &CgroupName) -> bool {
        self.validate(name).is_ok()
    }

    /// Creates the cgroup and then applies its limits. As in the kubelet, a
    /// failure to apply the limits does not fail the creation: it is
    /// returned in [`Created::limits`].
    fn create(&self, config: &CgroupConfig) -> Result<Created, Error>;

    /// Applies `config`'s limits to an existing cgroup.
    fn update(&self, config: &CgroupConfig) -> Result<(), Error>;

    /// Removes the cgroup and every cgroup below it from every hierarchy,
    /// retrying busy directories for about a second. Processes are not
    /// killed; see [`destroy_pod`](super::destroy_pod).
    fn destroy(&self, name: &CgroupName) -> Result<(), Error>;

    /// Moves process `pid` into the cgroup in every hierarchy (runc's
    /// `Apply(pid)`; the kubelet uses it for its system cgroups).
    fn join(&self, name: &CgroupName, pid: i32) -> Result<(), Error>;

    /// The processes in the cgroup and all its descendants, sorted, each once.
    fn pids(&self, name: &CgroupName) -> Result<Vec<i32>, Error> {
        let dirs: BTreeSet<PathBuf> = self.paths(name)?.into_values().collect();
        let mut pids = Vec::new();
        for dir in dirs {
            pids.extend(files::procs_recursive(&dir)?);
        }
        pids.sort_unstable();
        pids.dedup();
        Ok(pids)
    }

    /// Lowers the CPU shares to the minimum (2; weight 1 on v2), as the
    /// kubelet does for an orphaned pod cgroup before destroying it.
    fn reduce_cpu_limits(&self, name: &CgroupName) -> Result<(), Error> {
        let resources = ResourceConfig { cpu_shares: Some(super::convert::MIN_SHARES), ..ResourceConfig::default() };
        self.update(&CgroupConfig { name: name.clone(), resources })
    }

    /// Memory usage in bytes: v1 `memory.usage_in_bytes`, v2 `memory.current`.
    fn memory_usage(&self, name: &CgroupName) -> Result<i64, Error>;

    /// Reads limits back (upstream `GetCgroupConfig`): for [`Resource::Cpu`]
    /// shares, quota and period; for [`Resource::Memory`] the limit, where
    /// `max` reads as -1.
    fn get_cgroup_config(&self, name: &CgroupName, resource: Resource) -> Result<ResourceConfig, Error>;

    /// Every limit and usage the kubelet deals with, for display; a file that
    /// does not exist gives `None`.
    fn read_limits(&self, name: &CgroupName) -> Result<CgroupLimits, Error>;
}

/// What [`CgroupManager::create`] did: the cgroup exists; `limits` tells
/// whether its limits were applied too.
#[derive(Debug)]
#[must_use = "the limits may not have been applied"]
pub struct Created {
    /// The result of applying the limits.
    pub limits: Result<(), Error>,
}

/// A limit as a cgroup file shows it: a number or `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// No limit.
    Max,
    /// A limit.
    Value(u64),
}

impl Limit {
    pub(crate) fn from_file_value(value: u64) -> Self {
        if value == u64::MAX { Limit::Max } else { Limit::Value(value) }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Max => f.write_str("max"),
            Limit::Value(value) => write!(f, "{value}"),
        }
    }
}

impl Serialize for Limit {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Limit::Max => serializer.serialize_str("max"),
            Limit::Value(value) => serializer.serialize_u64(*value),
        }
    }
}

/// The limits and usage of one cgroup, read from its files.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CgroupLimits {
    /// v1 `cpu.shares`; on v2 `cpu.weight` read back as shares.
    pub cpu_shares: Option<u64>,
    /// v2 `cpu.weight`.
    pub cpu_weight: Option<u64>,
    /// CFS quota in µs; -1 is no limit.
    pub cpu_quota: Option<i64>,
    /// CFS period in µs.
    pub cpu_period: Option<u64>,
    /// v1 `memory.limit_in_bytes`, v2 `memory.max`.
    pub memory_limit: Option<Limit>,
    /// v1 `memory.usage_in_bytes`, v2 `memory.current`.
    pub memory_usage: Option<u64>,
    /// `pids.max`.
    pub pids_limit: Option<Limit>,
    /// `pids.current`.
    pub pids_current: Option<u64>,
    /// `cpuset.cpus`.
    pub cpuset_cpus: Option<String>,
    /// `cpuset.mems`.
    pub cpuset_mems: Option<String>,
    /// Huge page limit per host page size (`2MB` → bytes).
    pub huge_page_limits: BTreeMap<String, Limit>,
}

/// `Ok(None)` for a missing file.
pub(crate) fn optional<T>(result: Result<T, Error>) -> Result<Option<T>, Error> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(err) if err.is_not_found() => Ok(None),
        Err(err) => Err(err),
    }
}

/// A non-empty file value, or `None` for a missing or empty file.
pub(crate) fn optional_string(dir: &Path, file: &str) -> Result<Option<String>, Error> {
    Ok(optional(files::read_string(dir, file))?.filter(|value| !value.is_empty()))
}

/// The error for a write under the systemd driver.
pub(crate) fn refuse_systemd(driver: Driver, operation: &str) -> Result<(), Error> {
    match driver {
        Driver::Cgroupfs => Ok(()),
        Driver::Systemd => Err(Error::Unsupported(format!(
            "cannot {operation} with the systemd driver: that takes systemd's D-Bus unit management, \
             which nodecore does not do (names and reads work)"
        ))),
    }
}

/// `mount_point` joined with the literal name, which starts with `/`.
pub(crate) fn join_literal(mount_point: &Path, literal: &str) -> PathBuf {
    let relative = literal.trim_start_matches('/');
    if relative.is_empty() { mount_point.to_path_buf() } else { mount_point.join(relative) }
}
