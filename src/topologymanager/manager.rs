//! The topology manager itself (upstream `topology_manager.go`): a policy, a
//! scope, the hint providers and the hints stored per container.

use super::scope::{self, HintStore};
use super::{AdmissionError, Error, HintProvider, OptionGates, Pod, Policy, PolicyName, ScopeName, TopologyHint};
use std::collections::BTreeMap;

/// The kubelet configuration the topology manager reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopologyManagerConfig {
    /// `topologyManagerPolicy`: `none` (default), `best-effort`,
    /// `restricted` or `single-numa-node`.
    pub policy: String,
    /// `topologyManagerScope`: `container` (default) or `pod`.
    pub scope: String,
    /// `topologyManagerPolicyOptions`.
    pub options: BTreeMap<String, String>,
    /// The option feature gates.
    pub gates: OptionGates,
}

impl Default for TopologyManagerConfig {
    fn default() -> Self {
        TopologyManagerConfig {
            policy: PolicyName::None.as_str().to_owned(),
            scope: ScopeName::Container.as_str().to_owned(),
            options: BTreeMap::new(),
            gates: OptionGates::default(),
        }
    }
}

/// Merges the hint providers' hints for each pod, stores the result per
/// container and decides admission.
///
/// ```
/// use nodecore::topologymanager::*;
/// use std::collections::BTreeMap;
///
/// struct OnePod;
/// impl Pod for OnePod {
///     fn uid(&self) -> &str { "uid-1" }
///     fn container_names(&self) -> Vec<&str> { vec!["app"] }
/// }
/// struct Cpus;
/// impl HintProvider<OnePod> for Cpus {
///     fn get_topology_hints(&self, _: &OnePod, _: &str) -> ProviderHints {
///         let node1 = bitmask::BitMask::new([1]).unwrap();
///         ProviderHints::from([("cpu".to_owned(), Some(vec![TopologyHint::new(Some(node1), true)]))])
///     }
///     fn get_pod_topology_hints(&self, _: &OnePod) -> ProviderHints { ProviderHints::new() }
///     fn allocate(&mut self, _: &OnePod, _: &str) -> Result<(), AdmissionError> { Ok(()) }
/// }
///
/// let config = TopologyManagerConfig { policy: "restricted".into(), ..Default::default() };
/// let mut manager = TopologyManager::new(&config, &[0, 1], &BTreeMap::new()).unwrap();
/// manager.add_hint_provider(Box::new(Cpus));
/// manager.admit(&OnePod).unwrap();
/// assert_eq!(manager.get_affinity("uid-1", "app").numa_node_affinity.unwrap().get_bits(), [1]);
/// ```
pub struct TopologyManager<P: ?Sized> {
    policy: Policy,
    scope: ScopeName,
    providers: Vec<Box<dyn HintProvider<P> + Send>>,
    hints: HintStore,
    /// Container id to (pod UID, container name).
    containers: BTreeMap<String, (String, String)>,
}

impl<P: Pod + ?Sized> TopologyManager<P> {
    /// Upstream's `NewManager`: the checks of [`Policy::from_config`], then
    /// the scope name. Policy `none` checks nothing and uses no scope.
    pub fn new(
        config: &TopologyManagerConfig,
        node_ids: &[usize],
        distances: &BTreeMap<usize, Vec<u64>>,
    ) -> Result<Self, Error> {
        let policy = Policy::from_config(&config.policy, &config.options, config.gates, node_ids, distances)?;
        let scope = if policy.name() == PolicyName::None { ScopeName::default() } else { config.scope.parse()? };
        Ok(TopologyManager {
            policy,
            scope,
            providers: Vec::new(),
            hints: HintStore::new(),
            containers: BTreeMap::new(),
        })
    }

    /// The policy in force.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The scope in force (irrelevant under policy `none`).
    pub fn scope(&self) -> ScopeName {
        self.scope
    }

    /// Registers a hint provider; merges and allocations follow the order of
    /// registration (the kubelet registers the device, CPU, then memory
    /// manager).
    pub fn add_hint_provider(&mut self, provider: Box<dyn HintProvider<P> + Send>) {
        self.providers.push(provider);
    }

    /// Admits `pod` or says why not; on admission every container's hint is
    /// stored and its resources allocated.
    pub fn admit(&mut self, pod: &P) -> Result<(), AdmissionError> {
        scope::admit(&self.policy, self.scope, &mut self.providers, &mut self.hints, pod)
    }

    /// The hint stored for a container; the default hint (any node, not
    /// preferred) when none is.
    pub fn get_affinity(&self, pod_uid: &str, container: &str) -> TopologyHint {
        self.hints.get(pod_uid).and_then(|c| c.get(container)).copied().unwrap_or_default()
    }

    /// Records the runtime's id for a container, so that
    /// [`TopologyManager::remove_container`] can find its hint.
    pub fn add_container(&mut self, pod_uid: &str, container: &str, container_id: &str) {
        self.containers.insert(container_id.to_owned(), (pod_uid.to_owned(), container.to_owned()));
    }

    /// Forgets a container by its runtime id. Its stored hint goes too,
    /// unless another id (a restarted container) still refers to the same
    /// pod and container name. An unknown id is ignored.
    pub fn remove_container(&mut self, container_id: &str) {
        let Some((pod_uid, container)) = self.containers.remove(container_id) else { return };
        if self.containers.values().any(|(p, c)| *p == pod_uid && *c == container) {
            return;
        }
        if let Some(pod_hints) = self.hints.get_mut(&pod_uid) {
            pod_hints.remove(&container);
            if pod_hints.is_empty() {
                self.hints.remove(&pod_uid);
            }
        }
    }
}
