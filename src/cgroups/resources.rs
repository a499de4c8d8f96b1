//! `ResourceConfig`: the limits the kubelet writes to one cgroup.

use super::{CgroupName, WeightFormula};
use crate::cpuset::CpuSet;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The limits of one cgroup (upstream `ResourceConfig`). `None` means "do not
/// touch"; what each field becomes on disk is documented per field.
///
/// ```
/// use nodecore::cgroups::{ResourceConfig, convert};
///
/// let burstable_pod = ResourceConfig {
///     cpu_shares: Some(convert::milli_cpu_to_shares(250)),
///     cpu_quota: Some(convert::milli_cpu_to_quota(500, convert::QUOTA_PERIOD)),
///     cpu_period: Some(convert::QUOTA_PERIOD),
///     memory: Some(256 << 20),
///     ..ResourceConfig::default()
/// };
/// assert_eq!(burstable_pod.cpu_shares, Some(256));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResourceConfig {
    /// Memory limit in bytes: v1 `memory.limit_in_bytes`, v2 `memory.max`.
    /// 0 is not written; -1 is no limit (`max` on v2, `-1` on v1).
    pub memory: Option<i64>,
    /// CPU shares: v1 `cpu.shares`; on v2 converted to `cpu.weight` with
    /// [`cpu_weight_formula`](Self::cpu_weight_formula). 0 is not written.
    pub cpu_shares: Option<u64>,
    /// CFS quota in µs per period; -1 is no limit. v1 `cpu.cfs_quota_us`, v2
    /// the first word of `cpu.max`.
    pub cpu_quota: Option<i64>,
    /// CFS period in µs. v1 `cpu.cfs_period_us`, v2 the second word of `cpu.max`.
    pub cpu_period: Option<u64>,
    /// Huge page limits: page size in bytes → limit in bytes. As upstream,
    /// whenever hugetlb is available **every host page size missing here is
    /// limited to 0**, so an empty map forbids huge pages.
    pub huge_page_limits: BTreeMap<i64, i64>,
    /// Process limit, `pids.max`: > 0 the number, 0 is written as 1 (as
    /// systemd does), < 0 no limit (`max`).
    pub pids_limit: Option<i64>,
    /// CPUs, `cpuset.cpus` (the kubelet sets it on kubepods with the `none`
    /// CPU manager policy). An empty set is not written.
    pub cpuset_cpus: Option<CpuSet>,
    /// Memory nodes, `cpuset.mems` (runc's `CpusetMems`; the kubelet itself
    /// does not set it). An empty set is not written.
    pub cpuset_mems: Option<CpuSet>,
    /// Raw cgroup v2 files → values (for example `memory.min`), written last
    /// so they override the fields above. Ignored on cgroup v1, as the kubelet
    /// passes it to runc only on v2.
    pub unified: BTreeMap<String, String>,
    /// How `cpu_shares` becomes `cpu.weight` on v2 for this cgroup's level.
    pub cpu_weight_formula: WeightFormula,
}

impl ResourceConfig {
    /// Whether no field asks for a write, hugetlb aside.
    pub fn is_empty(&self) -> bool {
        let Self {
            memory,
            cpu_shares,
            cpu_quota,
            cpu_period,
            huge_page_limits,
            pids_limit,
            cpuset_cpus,
            cpuset_mems,
            unified,
            cpu_weight_formula: _,
        } = self;
        memory.is_none()
            && cpu_shares.is_none()
            && cpu_quota.is_none()
            && cpu_period.is_none()
            && huge_page_limits.is_empty()
            && pids_limit.is_none()
            && cpuset_cpus.is_none()
            && cpuset_mems.is_none()
            && unified.is_empty()
    }

    /// Whether a memory or cpu limit is set: with hugetlb, the "domain
    /// controllers" a threaded cgroup v2 cannot take (runc's
    /// `containsDomainController`).
    pub(crate) fn sets_cpu_or_memory(&self) -> bool {
        self.memory.unwrap_or(0) != 0
            || self.cpu_shares.unwrap_or(0) != 0
            || self.cpu_quota.unwrap_or(0) != 0
            || self.cpu_period.unwrap_or(0) != 0
    }
}

/// A cgroup and the limits to give it (upstream `CgroupConfig`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CgroupConfig {
    /// The cgroup.
    pub name: CgroupName,
    /// Its limits.
    pub resources: ResourceConfig,
}

/// Which limits [`get_cgroup_config`](super::CgroupManager::get_cgroup_config) reads back.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Resource {
    /// Shares, quota and period.
    Cpu,
    /// The memory limit.
    Memory,
}
