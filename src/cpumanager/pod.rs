//! The parts of a pod the CPU manager reads: its UID, QoS class and, per
//! container, the name, the CPU request and limit, and whether an init
//! container is a sidecar.
//!
//! ```
//! use nodecore::cpumanager::{Container, Pod, QosClass};
//!
//! let pod = Pod {
//!     uid: "6e8d8e5a-36b3-4d3c-9e6e-7b5bdc5a7b9f".into(),
//!     qos: QosClass::Guaranteed,
//!     init_containers: vec![Container::new("setup", 4000)],
//!     containers: vec![Container::new("app", 2000), Container::new("log", 500)],
//! };
//! assert_eq!(pod.guaranteed_cpus(&pod.containers[0]), 2);
//! assert_eq!(pod.guaranteed_cpus(&pod.containers[1]), 0, "500m is not a whole CPU");
//! assert_eq!(pod.pod_guaranteed_cpus(), 4, "the init container needs more than the apps");
//! ```

use std::fmt;
use std::str::FromStr;

/// A pod's quality-of-service class (upstream `v1.PodQOSClass`). Only
/// `Guaranteed` pods get exclusive CPUs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum QosClass {
    /// Every container's requests equal its limits, for CPU and memory.
    Guaranteed,
    /// Some container has a request or limit, but the pod is not Guaranteed.
    Burstable,
    /// No container has a request or limit.
    BestEffort,
}

impl QosClass {
    /// The API's spelling: `"Guaranteed"`, `"Burstable"` or `"BestEffort"`.
    pub fn as_str(self) -> &'static str {
        match self {
            QosClass::Guaranteed => "Guaranteed",
            QosClass::Burstable => "Burstable",
            QosClass::BestEffort => "BestEffort",
        }
    }
}

impl fmt::Display for QosClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A QoS class name that is not one of the API's three.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown QoS class {0:?}: expected Guaranteed, Burstable or BestEffort")]
pub struct UnknownQosClass(pub String);

impl FromStr for QosClass {
    type Err = UnknownQosClass;

    fn from_str(text: &str) -> Result<Self, UnknownQosClass> {
        match text {
            "Guaranteed" => Ok(QosClass::Guaranteed),
            "Burstable" => Ok(QosClass::Burstable),
            "BestEffort" => Ok(QosClass::BestEffort),
            other => Err(UnknownQosClass(other.to_owned())),
        }
    }
}

/// One container of a pod, as far as CPUs go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    /// The container's name, unique in the pod.
    pub name: String,
    /// `resources.requests.cpu` in millicores; `None` when not set.
    pub cpu_request_milli: Option<u64>,
    /// `resources.limits.cpu` in millicores; `None` when not set.
    pub cpu_limit_milli: Option<u64>,
    /// For an init container: `restartPolicy: Always`, i.e. a sidecar that
    /// keeps running beside the app containers. Ignored for app containers.
    pub restartable: bool,
}

impl Container {
    /// A container whose CPU request and limit are both `cpu_milli`.
    pub fn new(name: impl Into<String>, cpu_milli: u64) -> Self {
        Container {
            name: name.into(),
            cpu_request_milli: Some(cpu_milli),
            cpu_limit_milli: Some(cpu_milli),
            restartable: false,
        }
    }

    /// The CPU request the kubelet sees: the API server defaults a missing
    /// request to the limit.
    pub fn effective_cpu_request_milli(&self) -> Option<u64> {
        self.cpu_request_milli.or(self.cpu_limit_milli)
    }
}

/// A pod, as far as CPUs go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pod {
    /// The pod's UID (`metadata.uid`).
    pub uid: String,
    /// The pod's QoS class (`status.qosClass`).
    pub qos: QosClass,
    /// `spec.initContainers`, in order.
    pub init_containers: Vec<Container>,
    /// `spec.containers`, in order.
    pub containers: Vec<Container>,
}

impl Pod {
    /// Upstream `guaranteedCPUs`: the number of exclusive CPUs `container`
    /// gets, 0 unless the pod is Guaranteed and the container requests a
    /// whole number of CPUs (`2`, `2000m`; not `1500m`).
    pub fn guaranteed_cpus(&self, container: &Container) -> usize {
        if self.qos != QosClass::Guaranteed {
            return 0;
        }
        match container.effective_cpu_request_milli() {
            Some(milli) if milli % 1000 == 0 => usize::try_from(milli / 1000).unwrap_or(usize::MAX),
            _ => 0,
        }
    }

    /// Upstream `podGuaranteedCPUs`, for pod-scope hints: the larger of what
    /// the long-running containers need together (app containers and
    /// sidecars) and what the largest regular init container needs beside
    /// the sidecars started before it. Containers without a CPU request do
    /// not count.
    pub fn pod_guaranteed_cpus(&self) -> usize {
        let mut by_init_containers = 0;
        let mut by_sidecars = 0;
        for container in self.init_containers.iter().filter(|c| c.effective_cpu_request_milli().is_some()) {
            let cpus = self.guaranteed_cpus(container);
            if container.restartable {
                by_sidecars += cpus;
            } else {
                by_init_containers = by_init_containers.max(by_sidecars + cpus);
            }
        }
        let by_app_containers: usize = self
            .containers
            .iter()
            .filter(|c| c.effective_cpu_request_milli().is_some())
            .map(|c| self.guaranteed_cpus(c))
            .sum();
        by_init_containers.max(by_app_containers + by_sidecars)
    }

    /// Whether `container_name` is a regular (run-to-completion) init
    /// container of this pod, whose CPUs later containers may reuse.
    pub(crate) fn is_regular_init_container(&self, container_name: &str) -> bool {
        self.init_containers.iter().any(|c| c.name == container_name && !c.restartable)
    }

    /// Init containers, then app containers: the order the kubelet admits
    /// them in.
    pub fn all_containers(&self) -> impl Iterator<Item = &Container> {
        self.init_containers.iter().chain(&self.containers)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pod(init: &[(u64, bool)], apps: &[u64]) -> Pod {
        let container = |i: usize, milli: u64, restartable: bool| Container {
            restartable,
            ..Container::new(format!("c{i}"), milli)
        };
        Pod {
            uid: "pod".into(),
            qos: QosClass::Guaranteed,
            init_containers: init.iter().enumerate().map(|(i, &(m, r))| container(i, m, r)).collect(),
            containers: apps.iter().enumerate().map(|(i, &m)| container(100 + i, m, false)).collect(),
        }
    }

    #[test]
    fn guaranteed_cpus_need_guaranteed_qos_and_whole_cpus() {
        let mut p = pod(&[], &[2000, 1500, 977, 0]);
        let counts: Vec<_> = p.containers.iter().map(|c| p.guaranteed_cpus(c)).collect();
        assert_eq!(counts, [2, 0, 0, 0]);
        p.qos = QosClass::Burstable;
        assert_eq!(p.guaranteed_cpus(&p.containers[0]), 0);
        // A missing request defaults to the limit; neither set is no request.
        let limit_only = Container { cpu_request_milli: None, ..Container::new("l", 3000) };
        let neither = Container { cpu_limit_milli: None, ..limit_only.clone() };
        let p = pod(&[], &[]);
        assert_eq!((p.guaranteed_cpus(&limit_only), p.guaranteed_cpus(&neither)), (3, 0));
    }

    /// Upstream `TestPodGuaranteedCPUs` expectations (spec section 6.5).
    #[test]
    fn pod_guaranteed_cpus_count_sidecars_as_long_running() {
        assert_eq!(pod(&[(1000, true)], &[1000]).pod_guaranteed_cpus(), 2);
        assert_eq!(pod(&[(5000, false), (1000, true), (2000, true), (3000, true)], &[1000]).pod_guaranteed_cpus(), 7);
        let mixed = [(5000, false), (1000, true), (2000, true), (5000, false), (3000, true)];
        assert_eq!(pod(&mixed, &[1000]).pod_guaranteed_cpus(), 8);
        assert_eq!(pod(&[(10000, true), (200000, false)], &[100000]).pod_guaranteed_cpus(), 210);
    }

    #[test]
    fn qos_classes_parse_the_api_spelling() {
        for qos in [QosClass::Guaranteed, QosClass::Burstable, QosClass::BestEffort] {
            assert_eq!(qos.as_str().parse::<QosClass>().unwrap(), qos);
        }
        assert!("guaranteed".parse::<QosClass>().is_err());
    }
}
