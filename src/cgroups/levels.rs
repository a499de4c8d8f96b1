//! What the kubelet writes at each level: pod cgroups (`ResourceConfigForPod`),
//! the QoS tiers (`qosContainerManager`), kubepods and the reserved cgroups
//! (`getCgroupConfigInternal`).
//!
//! Upstream: `pkg/kubelet/cm/helpers_linux.go`, `qos_container_manager_linux.go`
//! and `node_container_manager_linux.go`; see [`pod_resource_config`] for an
//! example.

use super::convert::{MIN_SHARES, milli_cpu_to_quota, milli_cpu_to_shares};
use super::memory_qos::memory_min;
use super::{CgroupConfig, CgroupLayout, QosClass, ResourceConfig};
use crate::cpuset::CpuSet;
use std::collections::BTreeMap;

/// The hugetlb limit the QoS tiers get for every host page size: unbounded.
pub const UNBOUNDED_HUGE_PAGES: i64 = 1 << 62;

/// A pod's effective resources, as the kubelet aggregates them (requests:
/// the larger of the app containers' sum and any init container's request,
/// plus overhead; limits likewise).
#[derive(Clone, Debug, PartialEq)]
pub struct PodResources {
    /// The pod's QoS class.
    pub qos: QosClass,
    /// CPU request in milli-CPUs.
    pub cpu_request_milli: i64,
    /// CPU limit in milli-CPUs; `None` when some container has no CPU limit
    /// (and no pod-level limit sets it).
    pub cpu_limit_milli: Option<i64>,
    /// Memory request in bytes.
    pub memory_request: i64,
    /// Memory limit in bytes; `None` when some container has no memory limit.
    pub memory_limit: Option<i64>,
    /// Huge page requests: page size in bytes → bytes requested.
    pub huge_pages: BTreeMap<i64, i64>,
}

/// The kubelet's settings that shape a pod cgroup.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PodCgroupOptions {
    /// `--cpu-cfs-quota` (default true); false writes quota -1.
    pub enforce_cpu_limits: bool,
    /// `--cpu-cfs-quota-period` in µs (default 100000).
    pub cpu_period: u64,
    /// The `CPUCFSQuotaPeriod` gate: without it the quota is computed over
    /// 100000 µs whatever `cpu_period` says, while `cpu_period` is still
    /// written as the period (upstream quirk, kept).
    pub cpu_cfs_quota_period_gate: bool,
    /// MemoryQoS in force (the gate on and cgroup v2).
    pub memory_qos: bool,
    /// `--pod-max-pids`; applied when > 0.
    pub pod_pids_limit: i64,
}

impl Default for PodCgroupOptions {
    fn default() -> Self {
        PodCgroupOptions {
            enforce_cpu_limits: true,
            cpu_period: super::convert::QUOTA_PERIOD,
            cpu_cfs_quota_period_gate: false,
            memory_qos: false,
            pod_pids_limit: -1,
        }
    }
}

/// The limits of a pod cgroup (`ResourceConfigForPod`, plus the pids limit the
/// pod container manager adds).
///
/// ```
/// use nodecore::cgroups::{PodCgroupOptions, PodResources, QosClass, pod_resource_config};
///
/// let pod = PodResources {
///     qos: QosClass::Burstable,
///     cpu_request_milli: 250,
///     cpu_limit_milli: None,
///     memory_request: 128 << 20,
///     memory_limit: Some(256 << 20),
///     huge_pages: Default::default(),
/// };
/// let config = pod_resource_config(&pod, &PodCgroupOptions::default());
/// assert_eq!((config.cpu_shares, config.cpu_quota, config.memory), (Some(256), None, Some(256 << 20)));
/// ```
pub fn pod_resource_config(pod: &PodResources, options: &PodCgroupOptions) -> ResourceConfig {
    let shares = milli_cpu_to_shares(pod.cpu_request_milli);
    let quota_period =
        if options.cpu_cfs_quota_period_gate { options.cpu_period } else { super::convert::QUOTA_PERIOD };
    let quota = if options.enforce_cpu_limits {
        milli_cpu_to_quota(pod.cpu_limit_milli.unwrap_or(0), quota_period)
    } else {
        -1
    };
    let mut config = ResourceConfig { huge_page_limits: pod.huge_pages.clone(), ..ResourceConfig::default() };
    match pod.qos {
        QosClass::Guaranteed => {
            config.cpu_shares = Some(shares);
            config.cpu_quota = Some(quota);
            config.cpu_period = Some(options.cpu_period);
            config.memory = Some(pod.memory_limit.unwrap_or(0));
        }
        QosClass::Burstable => {
            config.cpu_shares = Some(shares);
            if pod.cpu_limit_milli.is_some() {
                config.cpu_quota = Some(quota);
                config.cpu_period = Some(options.cpu_period);
            }
            config.memory = pod.memory_limit;
        }
        QosClass::BestEffort => config.cpu_shares = Some(MIN_SHARES),
    }
    if options.memory_qos {
        config.unified.extend(memory_min(pod.memory_request));
    }
    if options.pod_pids_limit > 0 {
        config.pids_limit = Some(options.pod_pids_limit);
    }
    config
}

/// The sums over active pods that the QoS manager's periodic update uses.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct QosTierInput {
    /// Σ CPU requests of Burstable pods, in milli-CPUs.
    pub burstable_cpu_requests_milli: i64,
    /// Σ memory requests of Guaranteed pods, in bytes.
    pub guaranteed_memory_requests: i64,
    /// Σ memory requests of Burstable pods, in bytes.
    pub burstable_memory_requests: i64,
    /// MemoryQoS in force (the gate on and cgroup v2).
    pub memory_qos: bool,
}

/// The three configs `UpdateCgroups` writes, in the order Guaranteed
/// (kubepods itself), Burstable, BestEffort: BestEffort gets 2 shares,
/// Burstable the shares of its pods' summed requests, every tier unbounded
/// huge pages for each host page size, and with MemoryQoS `memory.min` =
/// Σ Burstable on Burstable and Σ Guaranteed + Σ Burstable on kubepods.
pub fn qos_tier_configs(layout: &CgroupLayout, input: &QosTierInput, host_page_sizes: &[i64]) -> [CgroupConfig; 3] {
    let unbounded: BTreeMap<i64, i64> = host_page_sizes.iter().map(|size| (*size, UNBOUNDED_HUGE_PAGES)).collect();
    QosClass::ALL.map(|class| {
        let mut resources = ResourceConfig { huge_page_limits: unbounded.clone(), ..ResourceConfig::default() };
        match class {
            QosClass::Guaranteed => {}
            QosClass::Burstable => resources.cpu_shares = Some(milli_cpu_to_shares(input.burstable_cpu_requests_milli)),
            QosClass::BestEffort => resources.cpu_shares = Some(MIN_SHARES),
        }
        if input.memory_qos {
            let min = match class {
                QosClass::Guaranteed => input.guaranteed_memory_requests + input.burstable_memory_requests,
                QosClass::Burstable => input.burstable_memory_requests,
                QosClass::BestEffort => 0,
            };
            resources.unified.extend(memory_min(min));
        }
        CgroupConfig { name: layout.qos_cgroup(class), resources }
    })
}

/// Amounts of node resources: allocatable (for kubepods) or reserved (for
/// the kube- and system-reserved cgroups).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct NodeResources {
    /// Memory in bytes.
    pub memory: Option<i64>,
    /// CPU in milli-CPUs.
    pub cpu_milli: Option<i64>,
    /// Process ids.
    pub pids: Option<i64>,
    /// Huge pages: page size in bytes → bytes.
    pub huge_pages: BTreeMap<i64, i64>,
}

/// The limits of kubepods or a reserved cgroup (`getCgroupConfigInternal`):
/// memory, the shares of the CPU amount, pids and huge pages; with
/// `compressible_only` (the `*-reserved-compressible` enforcement) the CPU
/// shares alone. `cpuset` is set on kubepods when the CPU manager has no
/// allocatable set (the `none` policy), so that systemd keeps the cpuset.
pub fn node_level_config(resources: &NodeResources, compressible_only: bool, cpuset: Option<CpuSet>) -> ResourceConfig {
    let mut config = ResourceConfig {
        cpu_shares: resources.cpu_milli.map(milli_cpu_to_shares),
        cpuset_cpus: cpuset,
        ..ResourceConfig::default()
    };
    if !compressible_only {
        config.memory = resources.memory;
        config.pids_limit = resources.pids;
        config.huge_page_limits = resources.huge_pages.clone();
    }
    config
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(qos: QosClass, cpu_limit: Option<i64>, memory_limit: Option<i64>) -> PodResources {
        PodResources {
            qos,
            cpu_request_milli: 250,
            cpu_limit_milli: cpu_limit,
            memory_request: 100,
            memory_limit,
            huge_pages: BTreeMap::from([(2 << 20, 4 << 20)]),
        }
    }

    #[test]
    fn guaranteed_pods_get_everything() {
        let config = pod_resource_config(&pod(QosClass::Guaranteed, Some(500), Some(1 << 30)), &Default::default());
        assert_eq!(config.cpu_shares, Some(256));
        assert_eq!(config.cpu_quota, Some(50000));
        assert_eq!(config.cpu_period, Some(100000));
        assert_eq!(config.memory, Some(1 << 30));
        assert_eq!(config.huge_page_limits[&(2 << 20)], 4 << 20);
        assert_eq!(config.pids_limit, None);
    }

    #[test]
    fn burstable_pods_get_only_declared_limits() {
        let config = pod_resource_config(&pod(QosClass::Burstable, None, Some(1 << 30)), &Default::default());
        assert_eq!((config.cpu_quota, config.cpu_period, config.memory), (None, None, Some(1 << 30)));
        let options = PodCgroupOptions {
            enforce_cpu_limits: false,
            memory_qos: true,
            pod_pids_limit: 1024,
            ..Default::default()
        };
        let config = pod_resource_config(&pod(QosClass::Burstable, Some(500), None), &options);
        assert_eq!((config.cpu_quota, config.memory, config.pids_limit), (Some(-1), None, Some(1024)));
        assert_eq!(config.unified["memory.min"], "100");
    }

    #[test]
    fn best_effort_pods_get_minimum_shares() {
        let config = pod_resource_config(&pod(QosClass::BestEffort, None, None), &Default::default());
        assert_eq!(config.cpu_shares, Some(2));
        assert_eq!(config.cpu_quota, None);
    }

    #[test]
    fn quota_period_without_the_gate_is_the_default() {
        let guaranteed = pod(QosClass::Guaranteed, Some(250), Some(1));
        let options = PodCgroupOptions { cpu_period: 50000, ..Default::default() };
        let config = pod_resource_config(&guaranteed, &options);
        assert_eq!((config.cpu_quota, config.cpu_period), (Some(25000), Some(50000)), "upstream quirk");
        let gated = PodCgroupOptions { cpu_cfs_quota_period_gate: true, ..options };
        assert_eq!(pod_resource_config(&guaranteed, &gated).cpu_quota, Some(12500));
    }

    #[test]
    fn qos_tiers() {
        let layout = CgroupLayout::new("/", true).unwrap();
        let input = QosTierInput {
            burstable_cpu_requests_milli: 1500,
            guaranteed_memory_requests: 10,
            burstable_memory_requests: 5,
            memory_qos: true,
        };
        let [guaranteed, burstable, besteffort] = qos_tier_configs(&layout, &input, &[2 << 20, 1 << 30]);
        assert_eq!(guaranteed.name.to_cgroupfs(), "/kubepods");
        assert_eq!(guaranteed.resources.cpu_shares, None);
        assert_eq!(guaranteed.resources.unified["memory.min"], "15");
        assert_eq!(burstable.resources.cpu_shares, Some(1536));
        assert_eq!(burstable.resources.unified["memory.min"], "5");
        assert_eq!(besteffort.resources.cpu_shares, Some(2));
        assert!(besteffort.resources.unified.is_empty());
        assert_eq!(besteffort.resources.huge_page_limits[&(1 << 30)], 1 << 62);
    }

    #[test]
    fn node_level() {
        let allocatable = NodeResources {
            memory: Some(8 << 30),
            cpu_milli: Some(3500),
            pids: Some(4096),
            huge_pages: BTreeMap::new(),
        };
        let config = node_level_config(&allocatable, false, Some(CpuSet::from_iter(0..4)));
        assert_eq!((config.memory, config.cpu_shares, config.pids_limit), (Some(8 << 30), Some(3584), Some(4096)));
        assert_eq!(config.cpuset_cpus.unwrap().to_string(), "0-3");
        let compressible = node_level_config(&allocatable, true, None);
        assert_eq!((compressible.memory, compressible.cpu_shares), (None, Some(3584)));
    }
}
