//! What the eviction manager reads from a pod's spec: priority, requests
//! (upstream 1.31 `GetResourceRequestQuantity`) and whether the pod is
//! critical (`IsCriticalPod`).

use super::Quantity;

/// `scheduling.SystemCriticalPriority`: pods at or above it are critical.
pub const SYSTEM_CRITICAL_PRIORITY: i32 = 2_000_000_000;

/// The annotation naming where a pod came from (`file`, `http`, `api`).
pub const CONFIG_SOURCE_ANNOTATION: &str = "kubernetes.io/config.source";
/// The annotation that marks a mirror pod.
pub const CONFIG_MIRROR_ANNOTATION: &str = "kubernetes.io/config.mirror";
/// The config source of pods from the API server; every other source is static.
pub const API_SERVER_SOURCE: &str = "api";

/// An active pod as eviction sees it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Pod {
    /// How the caller names the pod (its UID, or `namespace/name`).
    pub name: String,
    /// `spec.priority`; `None` ranks as 0.
    pub priority: Option<i32>,
    /// The pod's memory request (see [`pod_requests`]); zero when none.
    pub memory_request: Quantity,
    /// The pod's ephemeral-storage request (see [`pod_requests`]); zero when none.
    pub ephemeral_storage_request: Quantity,
    /// The `kubernetes.io/config.source` annotation, when present.
    pub config_source: Option<String>,
    /// Whether the `kubernetes.io/config.mirror` annotation is present.
    pub mirror: bool,
    /// `spec.terminationGracePeriodSeconds`.
    pub termination_grace_period_seconds: Option<i64>,
}

impl Pod {
    /// A pod named `name` with no priority, requests or annotations.
    pub fn new(name: impl Into<String>) -> Self {
        Pod { name: name.into(), ..Pod::default() }
    }

    /// The priority ranking uses: `spec.priority`, or 0.
    pub fn priority(&self) -> i32 {
        self.priority.unwrap_or(0)
    }

    /// A static pod: its config source is set and is not the API server.
    pub fn is_static(&self) -> bool {
        self.config_source.as_deref().is_some_and(|source| source != API_SERVER_SOURCE)
    }

    /// A critical pod: static, mirror, or priority at least
    /// [`SYSTEM_CRITICAL_PRIORITY`]. Ranking ignores this; the manager never
    /// evicts such a pod, and admits it under any pressure. QoS class is no
    /// protection.
    pub fn is_critical(&self) -> bool {
        self.is_static() || self.mirror || self.priority.is_some_and(|p| p >= SYSTEM_CRITICAL_PRIORITY)
    }
}

/// Requests of the resources eviction ranks by; `None` is a missing key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Resources {
    /// `memory`
    pub memory: Option<Quantity>,
    /// `ephemeral-storage`
    pub ephemeral_storage: Option<Quantity>,
}

/// Where a container sits in the pod spec.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ContainerKind {
    /// `spec.containers`
    #[default]
    Regular,
    /// `spec.initContainers` without `restartPolicy: Always`.
    Init,
    /// `spec.initContainers` with `restartPolicy: Always` (a sidecar).
    Sidecar,
}

/// One container's requests.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ContainerRequests {
    /// The container's kind.
    pub kind: ContainerKind,
    /// Its `resources.requests`.
    pub requests: Resources,
}

/// A pod's effective requests as 1.31 computes them for eviction: the sum
/// over regular containers, raised to any init container's request that is
/// larger (sidecars included, as plain init containers: the max, not the sum
/// 1.34 takes), plus the pod overhead only when that total is non-zero.
/// Each resource is computed on its own.
///
/// ```
/// use nodecore::eviction::{pod_requests, ContainerKind, ContainerRequests, Quantity, Resources};
///
/// let mi = |n: i64| Some(Quantity::binary_si(n << 20));
/// let app = ContainerRequests { kind: ContainerKind::Regular, requests: Resources { memory: mi(100), ..Default::default() } };
/// let sidecar = ContainerRequests { kind: ContainerKind::Sidecar, requests: Resources { memory: mi(300), ..Default::default() } };
/// let overhead = Resources { memory: mi(10), ephemeral_storage: mi(10) };
/// let requests = pod_requests(&[app, sidecar], &overhead);
/// assert_eq!(requests.memory, mi(310));
/// assert_eq!(requests.ephemeral_storage, None); // no request, so no overhead either
/// ```
pub fn pod_requests(containers: &[ContainerRequests], overhead: &Resources) -> Resources {
    let total = |pick: fn(&Resources) -> Option<Quantity>| {
        let mut sum = containers
            .iter()
            .filter(|c| c.kind == ContainerKind::Regular)
            .filter_map(|c| pick(&c.requests))
            .fold(Quantity::binary_si(0), Quantity::plus);
        for init in containers.iter().filter(|c| c.kind != ContainerKind::Regular) {
            if let Some(request) = pick(&init.requests).filter(|&r| sum < r) {
                sum = request;
            }
        }
        if let (Some(extra), false) = (pick(overhead), sum.is_zero()) {
            sum = sum.plus(extra);
        }
        (!sum.is_zero()).then_some(sum)
    };
    Resources { memory: total(|r| r.memory), ephemeral_storage: total(|r| r.ephemeral_storage) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mi(n: i64) -> Option<Quantity> {
        Some(Quantity::binary_si(n << 20))
    }

    fn container(kind: ContainerKind, memory: i64) -> ContainerRequests {
        ContainerRequests { kind, requests: Resources { memory: mi(memory), ephemeral_storage: None } }
    }

    #[test]
    fn requests_take_the_init_maximum_and_conditional_overhead() {
        let overhead = Resources { memory: mi(100), ephemeral_storage: None };
        // Spec case 85.
        assert_eq!(pod_requests(&[ContainerRequests::default()], &overhead).memory, None);
        assert_eq!(pod_requests(&[container(ContainerKind::Regular, 10)], &overhead).memory, mi(110));
        // Spec case 86.
        let pod = [container(ContainerKind::Regular, 100), container(ContainerKind::Sidecar, 300)];
        assert_eq!(pod_requests(&pod, &Resources::default()).memory, mi(300));
        let pod = [
            container(ContainerKind::Regular, 100),
            container(ContainerKind::Regular, 150),
            container(ContainerKind::Init, 200),
            container(ContainerKind::Init, 400),
        ];
        assert_eq!(pod_requests(&pod, &Resources::default()).memory, mi(400));
        let pod = [container(ContainerKind::Init, 200), container(ContainerKind::Regular, 250)];
        assert_eq!(pod_requests(&pod, &overhead).memory, mi(350));
    }

    #[test]
    fn critical_pods() {
        let mut pod = Pod::new("p");
        assert!(!pod.is_critical());
        pod.config_source = Some("api".into());
        assert!(!pod.is_critical());
        pod.config_source = Some("file".into());
        assert!(pod.is_static() && pod.is_critical());
        pod.config_source = Some(String::new());
        assert!(pod.is_critical(), "any source but api is static");
        let mirror = Pod { mirror: true, ..Pod::new("m") };
        assert!(mirror.is_critical());
        let cluster = Pod { priority: Some(2_000_000_000), ..Pod::new("c") };
        assert!(cluster.is_critical());
        let user = Pod { priority: Some(1_000_000_000), ..Pod::new("u") };
        assert!(!user.is_critical());
    }
}
