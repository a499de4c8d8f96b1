//! Scopes: what one merge covers, a container or a whole pod (upstream
//! `scope*.go`), and the admission decision built on it.

use super::{Error, MergeOutcome, Policy, PolicyName, ProviderHints, TopologyHint};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// The pod the topology manager admits, as far as it needs to know it.
pub trait Pod {
    /// The pod's UID.
    fn uid(&self) -> &str;
    /// The names of the init containers, then of the app containers, in the
    /// pod spec's order.
    fn container_names(&self) -> Vec<&str>;
}

/// A component that places a resource (upstream `HintProvider`): the CPU,
/// memory and device managers.
pub trait HintProvider<P: ?Sized> {
    /// The hints for one container (container scope).
    fn get_topology_hints(&self, pod: &P, container: &str) -> ProviderHints;
    /// The hints for the whole pod (pod scope).
    fn get_pod_topology_hints(&self, pod: &P) -> ProviderHints;
    /// Allocates the container's resources, after its hint is stored.
    fn allocate(&mut self, pod: &P, container: &str) -> Result<(), AdmissionError>;

    /// Allocates the container's resources within `affinity`, the hint the
    /// topology manager stored for it: what upstream providers read back
    /// with the topology manager's `GetAffinity` in their `Allocate` (the
    /// default hint, any node and not preferred, under policy `none`). The
    /// topology manager calls this; the default implementation ignores the
    /// hint and calls [`HintProvider::allocate`].
    fn allocate_with_affinity(
        &mut self,
        pod: &P,
        container: &str,
        affinity: TopologyHint,
    ) -> Result<(), AdmissionError> {
        let _ = affinity;
        self.allocate(pod, container)
    }
}

/// What admission did for one container (see
/// [`TopologyManager::admit_containers`](super::TopologyManager::admit_containers)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerAdmission {
    /// The container's name.
    pub container: String,
    /// The merged hint stored for the container and passed to its
    /// allocation; `None` under policy `none` (nothing is merged) and when
    /// the merge refused the pod.
    pub hint: Option<TopologyHint>,
    /// The allocation, or why the pod was refused at this container.
    pub result: Result<(), AdmissionError>,
}

/// Why a pod was not admitted (upstream's `PodAdmitResult` with `Admit`
/// false): a reason (a CamelCase word) and a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}: {message}")]
pub struct AdmissionError {
    /// Machine-readable reason, e.g. `TopologyAffinityError`.
    pub reason: String,
    /// What went wrong.
    pub message: String,
}

impl AdmissionError {
    /// The refusal of the restricted and single-numa-node policies.
    pub fn topology_affinity() -> Self {
        AdmissionError {
            reason: "TopologyAffinityError".to_owned(),
            message: "Resources cannot be allocated with Topology locality".to_owned(),
        }
    }

    /// An allocation failure without a reason of its own, worded as the
    /// kubelet words it.
    pub fn unexpected(err: impl fmt::Display) -> Self {
        AdmissionError {
            reason: "UnexpectedAdmissionError".to_owned(),
            message: format!("Allocate failed due to {err}, which is unexpected"),
        }
    }
}

/// The kubelet's `topologyManagerScope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum ScopeName {
    /// `container` (the default): one merge per container.
    #[default]
    Container,
    /// `pod`: one merge for the whole pod, its hint stored for every
    /// container.
    Pod,
}

impl ScopeName {
    /// The kubelet's name for the scope.
    pub const fn as_str(self) -> &'static str {
        match self {
            ScopeName::Container => "container",
            ScopeName::Pod => "pod",
        }
    }
}

impl FromStr for ScopeName {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self, Error> {
        match name {
            "container" => Ok(ScopeName::Container),
            "pod" => Ok(ScopeName::Pod),
            _ => Err(Error::UnknownScope(name.to_owned())),
        }
    }
}

/// The stored hints: per pod UID, per container name.
pub(super) type HintStore = BTreeMap<String, BTreeMap<String, TopologyHint>>;

/// Admits `pod` under `policy` in `scope`, storing each container's hint in
/// `store` and allocating through `providers`, as upstream's scopes do; one
/// entry per container handled, in order, the last one holding the refusal
/// if there is one.
///
/// Policy `none` merges nothing and only allocates. Container scope merges
/// and allocates container by container and stops at the first refusal
/// (earlier containers keep their hints); pod scope merges once for the pod,
/// and a refused merge is reported on the first container, before which
/// admission stops.
pub(super) fn admit<P: Pod + ?Sized>(
    policy: &Policy,
    scope: ScopeName,
    providers: &mut [Box<dyn HintProvider<P> + Send>],
    store: &mut HintStore,
    pod: &P,
) -> Vec<ContainerAdmission> {
    let containers = pod.container_names();
    let mut admissions = Vec::with_capacity(containers.len());
    let pod_hint = match (policy.name(), scope) {
        (PolicyName::None, _) | (_, ScopeName::Container) => None,
        (_, ScopeName::Pod) => {
            let hints: Vec<_> = providers.iter().map(|p| p.get_pod_topology_hints(pod)).collect();
            match merge_for_admission(policy, &hints) {
                Ok(hint) => Some(hint),
                Err(refusal) => {
                    let container = containers.first().copied().unwrap_or_default().to_owned();
                    admissions.push(ContainerAdmission { container, hint: None, result: Err(refusal) });
                    return admissions;
                }
            }
        }
    };
    for container in containers {
        let hint = match (policy.name(), pod_hint) {
            (PolicyName::None, _) => None,
            (_, Some(hint)) => Some(hint),
            (_, None) => {
                let hints: Vec<_> = providers.iter().map(|p| p.get_topology_hints(pod, container)).collect();
                match merge_for_admission(policy, &hints) {
                    Ok(hint) => Some(hint),
                    Err(refusal) => {
                        admissions.push(ContainerAdmission {
                            container: container.to_owned(),
                            hint: None,
                            result: Err(refusal),
                        });
                        return admissions;
                    }
                }
            }
        };
        if let Some(hint) = hint {
            store.entry(pod.uid().to_owned()).or_default().insert(container.to_owned(), hint);
        }
        // Upstream's providers read the stored hint back; nothing stored is the default hint.
        let affinity = hint.unwrap_or_default();
        let result = providers.iter_mut().try_for_each(|p| p.allocate_with_affinity(pod, container, affinity));
        let refused = result.is_err();
        admissions.push(ContainerAdmission { container: container.to_owned(), hint, result });
        if refused {
            break;
        }
    }
    admissions
}

/// The merged hint of an admitted merge, or the refusal.
fn merge_for_admission(policy: &Policy, hints: &[ProviderHints]) -> Result<TopologyHint, AdmissionError> {
    match policy.merge(hints) {
        Ok(MergeOutcome { hint, admit: true }) => Ok(hint),
        Ok(MergeOutcome { admit: false, .. }) => Err(AdmissionError::topology_affinity()),
        // Where upstream panics on a short distance row, refuse the pod.
        Err(err) => Err(AdmissionError { reason: "TopologyAffinityError".to_owned(), message: err.to_string() }),
    }
}
