//! Per-container swap (`configureContainerSwapResources`, KEP-2400).
//!
//! A Burstable container may use swap in proportion to its memory request
//! (LimitedSwap); upstream: `pkg/kubelet/kuberuntime/kuberuntime_container_linux.go`.
//!
//! ```
//! use nodecore::cgroups::swap::limited_swap_bytes;
//!
//! // A 1 GiB request on a node of 8 GiB memory and 2 GiB swap: a quarter GiB of swap.
//! assert_eq!(limited_swap_bytes(1 << 30, 8 << 30, 2 << 30).unwrap(), 256 << 20);
//! ```

use super::{CgroupVersion, Error, QosClass};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// `memory.swap.max`, the cgroup v2 swap limit file.
pub const MEMORY_SWAP_MAX: &str = "memory.swap.max";

/// The kubelet's `memorySwap.swapBehavior`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SwapBehavior {
    /// No swap for any container (the default; also the empty string).
    #[default]
    NoSwap,
    /// Burstable containers get swap in proportion to their memory request.
    LimitedSwap,
}

impl FromStr for SwapBehavior {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        match text {
            "" | "NoSwap" => Ok(SwapBehavior::NoSwap),
            "LimitedSwap" => Ok(SwapBehavior::LimitedSwap),
            _ => Err(Error::InvalidConfiguration(format!(
                "swapBehavior {text:?} must be one of: \"\", \"LimitedSwap\", \"NoSwap\""
            ))),
        }
    }
}

impl fmt::Display for SwapBehavior {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SwapBehavior::NoSwap => "NoSwap",
            SwapBehavior::LimitedSwap => "LimitedSwap",
        })
    }
}

/// What the kubelet knows about one container when it configures swap.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ContainerSwapInput {
    /// `memorySwap.swapBehavior`.
    pub behavior: SwapBehavior,
    /// The `NodeSwap` feature gate (on by default since 1.30).
    pub node_swap_gate: bool,
    /// The pod's QoS class.
    pub qos: QosClass,
    /// `IsCriticalPod`: static, mirror, or priority ≥ 2000000000.
    pub critical: bool,
    /// The container's memory request in bytes, 0 when unset.
    pub memory_request: i64,
    /// The container's memory limit in bytes, 0 when unset.
    pub memory_limit: i64,
    /// cAdvisor's `MemoryCapacity`.
    pub node_memory: i64,
    /// cAdvisor's `SwapCapacity`.
    pub node_swap: i64,
}

/// What the kubelet puts in a container's CRI resources for swap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "setting", content = "value")]
pub enum SwapSetting {
    /// Nothing: the host has no swap controller.
    NotConfigured,
    /// cgroup v2: `unified["memory.swap.max"]` = this many bytes (0 = no swap).
    SwapMax(i64),
    /// cgroup v1 without swap: the memory+swap limit equals the memory limit.
    MemswEqualsMemoryLimit,
}

/// The swap setting of one container, as `configureContainerSwapResources`
/// decides it.
///
/// No swap (`SwapMax(0)` on v2, memory+swap = memory on v1) unless all hold:
/// the gate is on, the pod is not critical, `LimitedSwap`, Burstable, the
/// container has a memory request or limit, request ≠ limit, cgroup v2, and
/// [`limited_swap_bytes`] succeeds.
///
/// ```
/// use nodecore::cgroups::{CgroupVersion, QosClass, swap::*};
///
/// let input = ContainerSwapInput {
///     behavior: SwapBehavior::LimitedSwap,
///     node_swap_gate: true,
///     qos: QosClass::Burstable,
///     critical: false,
///     memory_request: 1 << 30,
///     memory_limit: 2 << 30,
///     node_memory: 40 << 30,
///     node_swap: 5 << 30,
/// };
/// assert_eq!(container_swap(CgroupVersion::V2, true, &input), SwapSetting::SwapMax(134217728));
/// assert_eq!(container_swap(CgroupVersion::V2, true, &ContainerSwapInput { critical: true, ..input }), SwapSetting::SwapMax(0));
/// ```
pub fn container_swap(version: CgroupVersion, swap_controller: bool, input: &ContainerSwapInput) -> SwapSetting {
    if !swap_controller {
        return SwapSetting::NotConfigured;
    }
    let no_swap = match version {
        CgroupVersion::V1 => SwapSetting::MemswEqualsMemoryLimit,
        CgroupVersion::V2 => SwapSetting::SwapMax(0),
    };
    if !input.node_swap_gate || input.critical || input.behavior != SwapBehavior::LimitedSwap {
        return no_swap;
    }
    let requests_no_memory = input.memory_request == 0 && input.memory_limit == 0;
    if input.qos != QosClass::Burstable
        || requests_no_memory
        || version != CgroupVersion::V2
        || input.memory_request == input.memory_limit
    {
        return no_swap;
    }
    match limited_swap_bytes(input.memory_request, input.node_memory, input.node_swap) {
        Ok(bytes) => SwapSetting::SwapMax(bytes),
        // Upstream logs "cannot calculate swap allocation amount; disallowing swap".
        Err(_) => no_swap,
    }
}

/// LimitedSwap's share of the node's swap (`calcSwapForBurstablePods`):
/// `int64((f64(request) / f64(node_memory)) * f64(node_swap))`, division
/// first, truncated toward zero. Fails when node memory is not positive or the
/// request exceeds it.
pub fn limited_swap_bytes(request: i64, node_memory: i64, node_swap: i64) -> Result<i64, Error> {
    if node_memory <= 0 {
        return Err(Error::InvalidConfiguration("total node memory is 0".to_owned()));
    }
    if request > node_memory {
        return Err(Error::InvalidConfiguration(format!(
            "container request {request} is larger than total node memory {node_memory}"
        )));
    }
    let proportion = request as f64 / node_memory as f64;
    Ok((proportion * node_swap as f64) as i64)
}

/// Whether the host can limit swap (`swapControllerAvailable`): on v1 the root
/// memory cgroup has `memory.memsw.limit_in_bytes`; on v2 the caller's own
/// cgroup (`own_cgroup`, from `/proc/self/cgroup`, below `cgroup_root`) has
/// `memory.swap.max`.
pub fn swap_controller_available(version: CgroupVersion, cgroup_root: &Path, own_cgroup: &str) -> bool {
    match version {
        CgroupVersion::V1 => cgroup_root.join("memory/memory.memsw.limit_in_bytes").exists(),
        CgroupVersion::V2 => cgroup_root.join(own_cgroup.trim_start_matches('/')).join(MEMORY_SWAP_MAX).exists(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn burstable(request: i64, limit: i64) -> ContainerSwapInput {
        ContainerSwapInput {
            behavior: SwapBehavior::LimitedSwap,
            node_swap_gate: true,
            qos: QosClass::Burstable,
            critical: false,
            memory_request: request,
            memory_limit: limit,
            node_memory: 16 << 30,
            node_swap: 4 << 30,
        }
    }

    #[test]
    fn limited_swap_is_proportional_and_truncated() {
        assert_eq!(container_swap(CgroupVersion::V2, true, &burstable(1 << 30, 0)), SwapSetting::SwapMax(268435456));
        assert_eq!(limited_swap_bytes(1 << 30, 49 << 30, 49 << 30).unwrap(), 1073741823, "f64 division first");
        assert!(limited_swap_bytes(1, 0, 1).is_err());
        assert!(limited_swap_bytes(2, 1, 1).is_err());
    }

    #[test]
    fn every_exception_falls_back_to_no_swap() {
        let v2 = |input: ContainerSwapInput| container_swap(CgroupVersion::V2, true, &input);
        let base = burstable(1 << 30, 2 << 30);
        assert_eq!(v2(ContainerSwapInput { node_swap_gate: false, ..base }), SwapSetting::SwapMax(0));
        assert_eq!(v2(ContainerSwapInput { behavior: SwapBehavior::NoSwap, ..base }), SwapSetting::SwapMax(0));
        assert_eq!(v2(ContainerSwapInput { qos: QosClass::Guaranteed, ..base }), SwapSetting::SwapMax(0));
        assert_eq!(v2(burstable(1 << 30, 1 << 30)), SwapSetting::SwapMax(0));
        assert_eq!(v2(burstable(0, 0)), SwapSetting::SwapMax(0));
        assert_eq!(v2(burstable(32 << 30, 0)), SwapSetting::SwapMax(0), "request over node memory");
        assert_eq!(container_swap(CgroupVersion::V1, true, &base), SwapSetting::MemswEqualsMemoryLimit);
        assert_eq!(container_swap(CgroupVersion::V2, false, &base), SwapSetting::NotConfigured);
    }

    #[test]
    fn behaviours_parse_like_the_kubelet_config() {
        assert_eq!("".parse::<SwapBehavior>().unwrap(), SwapBehavior::NoSwap);
        assert_eq!("LimitedSwap".parse::<SwapBehavior>().unwrap(), SwapBehavior::LimitedSwap);
        assert!("UnlimitedSwap".parse::<SwapBehavior>().is_err());
    }

    #[test]
    fn swap_controller_is_found_by_file() {
        let root = tempfile::tempdir().unwrap();
        assert!(!swap_controller_available(CgroupVersion::V1, root.path(), "/"));
        std::fs::create_dir_all(root.path().join("memory")).unwrap();
        std::fs::write(root.path().join("memory/memory.memsw.limit_in_bytes"), "0").unwrap();
        assert!(swap_controller_available(CgroupVersion::V1, root.path(), "/"));
        std::fs::create_dir_all(root.path().join("system.slice/kubelet.service")).unwrap();
        std::fs::write(root.path().join("system.slice/kubelet.service/memory.swap.max"), "max").unwrap();
        assert!(swap_controller_available(CgroupVersion::V2, root.path(), "/system.slice/kubelet.service"));
        assert!(!swap_controller_available(CgroupVersion::V2, root.path(), "/"));
    }
}
