//! The topology manager itself (upstream `topology_manager.go`): a policy, a
//! scope, the hint providers and the hints stored per container.

use super::scope::{self, HintStore};
use super::{
    AdmissionError, ContainerAdmission, DistanceIndexing, Error, HintProvider, OptionGates, Pod, Policy, PolicyName,
    ScopeName, TopologyHint,
};
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
    /// How distance rows are read for `prefer-closest-numa-nodes`: by node
    /// id as upstream (the default), or by position as Linux prints them.
    pub distance_indexing: DistanceIndexing,
}

impl Default for TopologyManagerConfig {
    fn default() -> Self {
        TopologyManagerConfig {
            policy: PolicyName::None.as_str().to_owned(),
            scope: ScopeName::Container.as_str().to_owned(),
            options: BTreeMap::new(),
            gates: OptionGates::default(),
            distance_indexing: DistanceIndexing::default(),
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
        let numa = policy.numa_info().clone().with_distance_indexing(config.distance_indexing)?;
        let policy = Policy::new(policy.name(), numa, *policy.options());
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
    /// stored and its resources allocated, each provider given the
    /// container's hint ([`HintProvider::allocate_with_affinity`]).
    pub fn admit(&mut self, pod: &P) -> Result<(), AdmissionError> {
        match self.admit_containers(pod).pop() {
            Some(ContainerAdmission { result: Err(refusal), .. }) => Err(refusal),
            _ => Ok(()),
        }
    }

    /// Admits `pod` as [`TopologyManager::admit`] does and says what happened
    /// to each container handled, in admission order (init containers
    /// first): its stored hint and its allocation. A refusal stops
    /// admission, so only the last entry can hold one; in pod scope a
    /// refused merge is reported on the first container.
    pub fn admit_containers(&mut self, pod: &P) -> Vec<ContainerAdmission> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::topologymanager::ProviderHints;
    use crate::topologymanager::bitmask::BitMask;
    use std::sync::{Arc, Mutex};

    struct TestPod {
        uid: &'static str,
        init: Vec<&'static str>,
        app: Vec<&'static str>,
    }

    impl Pod for TestPod {
        fn uid(&self) -> &str {
            self.uid
        }
        fn container_names(&self) -> Vec<&str> {
            self.init.iter().chain(&self.app).copied().collect()
        }
    }

    /// Returns the same hints for every container and for the pod, records
    /// the calls, and fails allocation for one container name.
    struct FakeProvider {
        hints: ProviderHints,
        fail_on: Option<&'static str>,
        calls: Arc<Mutex<Vec<String>>>,
    }

    impl HintProvider<TestPod> for FakeProvider {
        fn get_topology_hints(&self, _: &TestPod, container: &str) -> ProviderHints {
            self.calls.lock().unwrap().push(format!("hints {container}"));
            self.hints.clone()
        }
        fn get_pod_topology_hints(&self, _: &TestPod) -> ProviderHints {
            self.calls.lock().unwrap().push("pod hints".to_owned());
            self.hints.clone()
        }
        fn allocate(&mut self, _: &TestPod, container: &str) -> Result<(), AdmissionError> {
            self.calls.lock().unwrap().push(format!("allocate {container}"));
            match self.fail_on {
                Some(name) if name == container => Err(AdmissionError::unexpected("no CPUs left")),
                _ => Ok(()),
            }
        }
    }

    fn on(bits: &[usize], preferred: bool) -> TopologyHint {
        TopologyHint::new(Some(BitMask::new(bits.iter().copied()).unwrap()), preferred)
    }

    fn new_manager(
        policy: &str,
        scope: &str,
        hints: ProviderHints,
    ) -> (TopologyManager<TestPod>, Arc<Mutex<Vec<String>>>) {
        let config = TopologyManagerConfig { policy: policy.into(), scope: scope.into(), ..Default::default() };
        let mut manager = TopologyManager::new(&config, &[0, 1], &BTreeMap::new()).unwrap();
        let calls = Arc::new(Mutex::new(Vec::new()));
        manager.add_hint_provider(Box::new(FakeProvider { hints, fail_on: None, calls: calls.clone() }));
        (manager, calls)
    }

    fn resource(hints: Vec<TopologyHint>) -> ProviderHints {
        ProviderHints::from([("resource".to_owned(), Some(hints))])
    }

    fn one_container() -> TestPod {
        TestPod { uid: "pod", init: vec![], app: vec!["c"] }
    }

    #[test]
    fn admit_follows_upstream_table_in_both_scopes() {
        let cases = [
            ("none", ProviderHints::new(), true),
            ("single-numa-node", ProviderHints::new(), true),
            ("restricted", ProviderHints::new(), true),
            ("best-effort", resource(vec![on(&[0], true), on(&[0, 1], false)]), true),
            ("best-effort", resource(vec![on(&[0], true), on(&[1], true), on(&[0, 1], false)]), true),
            ("best-effort", resource(vec![on(&[0, 1], false)]), true),
            ("restricted", resource(vec![on(&[0], true), on(&[0, 1], false)]), true),
            ("restricted", resource(vec![on(&[0], true), on(&[1], true), on(&[0, 1], false)]), true),
            ("restricted", resource(vec![on(&[0, 1], false)]), false),
        ];
        for (policy, hints, admit) in cases {
            for scope in ["container", "pod"] {
                let (mut manager, _) = new_manager(policy, scope, hints.clone());
                let result = manager.admit(&one_container());
                assert_eq!(result.is_ok(), admit, "{policy} {scope}");
                if let Err(err) = result {
                    assert_eq!(err, AdmissionError::topology_affinity());
                    assert_eq!(err.message, "Resources cannot be allocated with Topology locality");
                }
            }
        }
    }

    #[test]
    fn container_scope_merges_per_container_and_pod_scope_once() {
        let pod = TestPod { uid: "pod", init: vec!["init"], app: vec!["a", "b"] };
        let (mut manager, calls) = new_manager("restricted", "container", resource(vec![on(&[1], true)]));
        manager.admit(&pod).unwrap();
        assert_eq!(
            *calls.lock().unwrap(),
            ["hints init", "allocate init", "hints a", "allocate a", "hints b", "allocate b"]
        );
        assert_eq!(manager.get_affinity("pod", "b"), on(&[1], true));

        let (mut manager, calls) = new_manager("best-effort", "pod", resource(vec![on(&[0], true)]));
        manager.admit(&pod).unwrap();
        assert_eq!(*calls.lock().unwrap(), ["pod hints", "allocate init", "allocate a", "allocate b"]);
        for container in ["init", "a", "b"] {
            assert_eq!(manager.get_affinity("pod", container), on(&[0], true));
        }
    }

    #[test]
    fn policy_none_only_allocates_and_stores_nothing() {
        let (mut manager, calls) = new_manager("none", "not-a-scope", resource(vec![on(&[0, 1], false)]));
        manager.admit(&one_container()).unwrap();
        assert_eq!(*calls.lock().unwrap(), ["allocate c"]);
        assert_eq!(manager.get_affinity("pod", "c"), TopologyHint::default());
    }

    #[test]
    fn allocation_failure_refuses_the_pod_and_earlier_hints_stay() {
        let config = TopologyManagerConfig { policy: "best-effort".into(), ..Default::default() };
        let mut manager = TopologyManager::new(&config, &[0, 1], &BTreeMap::new()).unwrap();
        let calls = Arc::new(Mutex::new(Vec::new()));
        let hints = resource(vec![on(&[1], true)]);
        manager.add_hint_provider(Box::new(FakeProvider { hints, fail_on: Some("b"), calls }));
        let err = manager.admit(&TestPod { uid: "pod", init: vec![], app: vec!["a", "b"] }).unwrap_err();
        assert_eq!(err.reason, "UnexpectedAdmissionError");
        assert_eq!(err.message, "Allocate failed due to no CPUs left, which is unexpected");
        assert_eq!(manager.get_affinity("pod", "a"), on(&[1], true));
    }

    #[test]
    fn remove_container_keeps_hints_of_a_restarted_container() {
        let (mut manager, _) = new_manager("best-effort", "container", resource(vec![on(&[1], true)]));
        manager.admit(&one_container()).unwrap();
        manager.add_container("pod", "c", "id-1");
        manager.add_container("pod", "c", "id-2");
        manager.remove_container("id-1");
        assert_eq!(manager.get_affinity("pod", "c"), on(&[1], true));
        manager.remove_container("id-2");
        assert_eq!(manager.get_affinity("pod", "c"), TopologyHint::default());
        manager.remove_container("unknown");
    }

    #[test]
    fn distance_rows_can_be_read_by_position() {
        let config = TopologyManagerConfig {
            policy: "best-effort".into(),
            options: BTreeMap::from([("prefer-closest-numa-nodes".to_owned(), "true".to_owned())]),
            distance_indexing: DistanceIndexing::Position,
            ..Default::default()
        };
        let rows = BTreeMap::from([(0, vec![10, 20]), (2, vec![20, 10])]);
        let manager = TopologyManager::<TestPod>::new(&config, &[0, 2], &rows).unwrap();
        assert_eq!(manager.policy().numa_info().average_distance(BitMask::new([0, 2]).unwrap()).unwrap(), 15.0);
        let short = BTreeMap::from([(0, vec![10]), (2, vec![20, 10])]);
        let err = TopologyManager::<TestPod>::new(&config, &[0, 2], &short).err().unwrap();
        assert_eq!(err.kind(), "missing-distances");
    }

    #[test]
    fn new_checks_in_upstream_order() {
        let new = |policy: &str, scope: &str, options: &[(&str, &str)], nodes: &[usize]| {
            let options = options.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            let config =
                TopologyManagerConfig { policy: policy.into(), scope: scope.into(), options, ..Default::default() };
            TopologyManager::<TestPod>::new(&config, nodes, &BTreeMap::new()).err().map(|e| e.kind())
        };
        let nine: Vec<usize> = (0..9).collect();
        assert_eq!(new("none", "bad", &[("bad", "x")], &nine), None);
        assert_eq!(new("bad", "bad", &[("bad", "x")], &nine), Some("invalid-options"));
        assert_eq!(new("bad", "bad", &[("prefer-closest-numa-nodes", "true")], &nine), Some("missing-distances"));
        assert_eq!(new("bad", "bad", &[], &nine), Some("too-many-numa-nodes"));
        assert_eq!(new("bad", "bad", &[("max-allowable-numa-nodes", "9")], &nine), Some("unknown-policy"));
        assert_eq!(new("restricted", "bad", &[], &nine[..2]), Some("unknown-scope"));
        assert_eq!(new("restricted", "pod", &[], &[0, 64]), Some("numa-node-out-of-range"));
        assert_eq!(new("bad", "pod", &[], &[0, 64]), Some("unknown-policy"));
        assert_eq!(new("restricted", "pod", &[], &nine[..8]), None);
    }
}
