//! The static policy as a hint provider of the topology manager: what the
//! kubelet's CPU manager does between the two (upstream `cpu_manager.go`'s
//! `GetTopologyHints`, `GetPodTopologyHints` and `Allocate`, which reads the
//! container's merged hint back with the topology manager's `GetAffinity`).
//!
//! [`StaticPolicyHintProvider`] holds the policy and its state behind `Arc`s,
//! so the caller keeps reading the state (and the policy's reserved CPUs)
//! while the topology manager owns the provider.

use super::state::State;
use super::{Error, Pod, StaticPolicy};
use crate::topologymanager::{self, AdmissionError, HintProvider, ProviderHints, TopologyHint};
use parking_lot::Mutex;
use std::sync::Arc;

/// The static policy with its state, as a [`HintProvider`] for
/// [`topologymanager::TopologyManager`].
///
/// ```
/// use nodecore::cpumanager::state::State;
/// use nodecore::cpumanager::{Container, Pod, QosClass, StaticPolicy, StaticPolicyHintProvider};
/// use nodecore::topologymanager::{TopologyManager, TopologyManagerConfig};
/// use std::collections::BTreeMap;
/// use std::sync::Arc;
///
/// // Two NUMA nodes of 6 CPUs (3 cores x 2 threads); CPU 0 reserved.
/// let machine = nodecore::topology::named("dual-socket-ht").unwrap();
/// let policy = Arc::new(StaticPolicy::new(machine, 1, &Default::default(), Default::default(), "restricted").unwrap());
/// let state = Arc::new(State::new_memory());
/// policy.start(&state).unwrap();
///
/// let config = TopologyManagerConfig { policy: "restricted".into(), ..Default::default() };
/// let mut manager = TopologyManager::<Pod>::new(&config, &[0, 1], &BTreeMap::new()).unwrap();
/// manager.add_hint_provider(Box::new(StaticPolicyHintProvider::new(policy, state.clone())));
///
/// let pod = Pod {
///     uid: "pod-1".into(),
///     qos: QosClass::Guaranteed,
///     init_containers: vec![],
///     containers: vec![Container::new("app", 6000)],
/// };
/// manager.admit(&pod).unwrap();
/// // Node 0 lost CPU 0 to the reservation, so the six CPUs are node 1's.
/// assert_eq!(manager.get_affinity("pod-1", "app").numa_node_affinity.unwrap().get_bits(), [1]);
/// assert_eq!(state.get_cpu_set("pod-1", "app").unwrap().to_string(), "1,3,5,7,9,11");
/// ```
#[derive(Debug)]
pub struct StaticPolicyHintProvider {
    policy: Arc<StaticPolicy>,
    state: Arc<State>,
    /// Why the last hints could not be computed: reported by the next
    /// allocation, where the kubelet reports admission errors.
    hint_error: Mutex<Option<Error>>,
}

impl StaticPolicyHintProvider {
    /// The provider for `policy` working on `state` (started with
    /// [`StaticPolicy::start`]).
    pub fn new(policy: Arc<StaticPolicy>, state: Arc<State>) -> Self {
        StaticPolicyHintProvider { policy, state, hint_error: Mutex::new(None) }
    }

    /// The policy.
    pub fn policy(&self) -> &Arc<StaticPolicy> {
        &self.policy
    }

    /// The state the policy allocates from.
    pub fn state(&self) -> &Arc<State> {
        &self.state
    }

    /// The hints, or the "cannot be satisfied" answer when they cannot be
    /// computed (NUMA node ids a hint cannot hold; upstream crashes there),
    /// with the error kept for the allocation that follows to report. Each
    /// call replaces what the previous one kept.
    fn hints_or_remember(&self, hints: Result<ProviderHints, Error>) -> ProviderHints {
        *self.hint_error.lock() = hints.as_ref().err().cloned();
        hints.unwrap_or_else(|_| ProviderHints::from([(super::RESOURCE_CPU.to_owned(), Some(Vec::new()))]))
    }
}

/// The topology manager's view of a pod: its UID, and its init containers
/// then its app containers.
impl topologymanager::Pod for Pod {
    fn uid(&self) -> &str {
        &self.uid
    }

    fn container_names(&self) -> Vec<&str> {
        self.all_containers().map(|container| container.name.as_str()).collect()
    }
}

impl HintProvider<Pod> for StaticPolicyHintProvider {
    fn get_topology_hints(&self, pod: &Pod, container: &str) -> ProviderHints {
        match pod.all_containers().find(|c| c.name == container) {
            Some(container) => self.hints_or_remember(self.policy.get_topology_hints(&self.state, pod, container)),
            None => ProviderHints::new(),
        }
    }

    fn get_pod_topology_hints(&self, pod: &Pod) -> ProviderHints {
        self.hints_or_remember(self.policy.get_pod_topology_hints(&self.state, pod))
    }

    /// Allocates with the default hint (no NUMA affinity).
    fn allocate(&mut self, pod: &Pod, container: &str) -> Result<(), AdmissionError> {
        self.allocate_with_affinity(pod, container, TopologyHint::default())
    }

    fn allocate_with_affinity(
        &mut self,
        pod: &Pod,
        container: &str,
        affinity: TopologyHint,
    ) -> Result<(), AdmissionError> {
        if let Some(err) = self.hint_error.lock().take() {
            return Err(err.into());
        }
        let Some(container) = pod.all_containers().find(|c| c.name == container) else {
            return Err(AdmissionError::unexpected(format!("container {container:?} is not in pod {:?}", pod.uid)));
        };
        Ok(self.policy.allocate(&self.state, pod, container, affinity.numa_node_affinity)?)
    }
}

/// The kubelet's admission result for a CPU manager error
/// (`admission.GetPodAdmitResult`): an SMT alignment error carries its own
/// reason (`SMTAlignmentError`), any other error is unexpected.
impl From<Error> for AdmissionError {
    fn from(err: Error) -> Self {
        match err {
            Error::SmtAlignment(smt) => {
                AdmissionError { reason: super::SmtAlignmentError::TYPE.to_owned(), message: smt.to_string() }
            }
            other => AdmissionError::unexpected(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cpumanager::{Container, QosClass, StaticPolicyOptions};
    use crate::cpuset::CpuSet;
    use crate::topologymanager::{TopologyManager, TopologyManagerConfig};
    use std::collections::BTreeMap;

    /// A topology manager over the static policy on `machine` (reserving
    /// `reserved`), and the state to check allocations in.
    fn manager(machine: &str, policy: &str, scope: &str, reserved: &str) -> (TopologyManager<Pod>, Arc<State>) {
        let topology = crate::topology::named(machine).unwrap();
        let reserved: CpuSet = reserved.parse().unwrap();
        let nodes: Vec<usize> = topology.details.numa_nodes().iter().collect();
        let static_policy =
            StaticPolicy::new(topology, reserved.len(), &reserved, StaticPolicyOptions::default(), policy).unwrap();
        let state = Arc::new(State::new_memory());
        static_policy.start(&state).unwrap();
        let config = TopologyManagerConfig { policy: policy.into(), scope: scope.into(), ..Default::default() };
        let mut manager = TopologyManager::new(&config, &nodes, &BTreeMap::new()).unwrap();
        manager.add_hint_provider(Box::new(StaticPolicyHintProvider::new(Arc::new(static_policy), state.clone())));
        (manager, state)
    }

    fn guaranteed(containers: &[(&str, u64)]) -> Pod {
        Pod {
            uid: "pod".into(),
            qos: QosClass::Guaranteed,
            init_containers: Vec::new(),
            containers: containers.iter().map(|&(name, milli)| Container::new(name, milli)).collect(),
        }
    }

    fn cpus(state: &State, container: &str) -> String {
        state.get_cpu_set("pod", container).map(|cpus| cpus.to_string()).unwrap_or_default()
    }

    fn nodes(manager: &TopologyManager<Pod>, container: &str) -> Vec<usize> {
        manager.get_affinity("pod", container).numa_node_affinity.map(|mask| mask.get_bits()).unwrap_or_default()
    }

    #[test]
    fn container_scope_aligns_each_container_with_its_own_hint() {
        // dual-socket-ht: NUMA node 0 has CPUs 0,2,4,6,8,10, node 1 the odd ones; CPU 0 reserved.
        let (mut manager, state) = manager("dual-socket-ht", "best-effort", "container", "0");
        let pod = guaranteed(&[("a", 6000), ("b", 4000)]);
        let admissions = manager.admit_containers(&pod);
        assert!(admissions.iter().all(|admission| admission.result.is_ok()), "{admissions:?}");
        // Only node 1 has six free CPUs.
        assert_eq!(nodes(&manager, "a"), [1]);
        assert_eq!(cpus(&state, "a"), "1,3,5,7,9,11");
        // Node 1 is full now: the second container's own hint is node 0.
        assert_eq!(nodes(&manager, "b"), [0]);
        assert_eq!(cpus(&state, "b"), "2,4,8,10");
        assert_eq!(admissions[1].hint, Some(manager.get_affinity("pod", "b")));
    }

    #[test]
    fn pod_scope_merges_once_and_allocates_every_container_on_that_hint() {
        let (mut manager, state) = manager("dual-socket-ht", "restricted", "pod", "0");
        manager.admit(&guaranteed(&[("a", 3000), ("b", 3000)])).unwrap();
        let node1: CpuSet = "1,3,5,7,9,11".parse().unwrap();
        for container in ["a", "b"] {
            assert_eq!(nodes(&manager, container), [1], "{container}");
            assert!(state.get_cpu_set("pod", container).unwrap().is_subset(&node1), "{container}");
        }
    }

    #[test]
    fn single_numa_node_refuses_what_no_node_can_hold() {
        // 6 CPUs per node, one reserved on each: 10 free CPUs, but 5 per node.
        for scope in ["container", "pod"] {
            let (mut manager, state) = manager("dual-socket-ht", "single-numa-node", scope, "0-1");
            let admissions = manager.admit_containers(&guaranteed(&[("app", 6000)]));
            assert_eq!(admissions.len(), 1);
            assert_eq!(admissions[0].result, Err(AdmissionError::topology_affinity()), "{scope}");
            assert_eq!(admissions[0].hint, None);
            assert_eq!(cpus(&state, "app"), "", "nothing is allocated");
            assert_eq!(state.get_default_cpu_set().len(), 12);
        }
        let (mut manager, state) = manager("dual-socket-ht", "single-numa-node", "container", "0-1");
        manager.admit(&guaranteed(&[("app", 5000)])).unwrap();
        assert_eq!(cpus(&state, "app").parse::<CpuSet>().unwrap().len(), 5);
    }

    #[test]
    fn policy_none_allocates_without_affinity() {
        let (mut manager, state) = manager("dual-socket-ht", "none", "container", "0");
        let admissions = manager.admit_containers(&guaranteed(&[("app", 2000)]));
        assert_eq!(admissions[0].hint, None);
        assert_eq!(admissions[0].result, Ok(()));
        assert_eq!(cpus(&state, "app"), "2,8");
    }

    #[test]
    fn hints_that_cannot_be_computed_refuse_the_pod_at_allocation() {
        // NUMA node 64 cannot be in a hint: the topology manager is told
        // only of node 0 (policy best-effort), the CPU topology has both.
        let rows = [(0, 0), (1, 64)]
            .map(|(cpu, numa)| (cpu, crate::topology::CpuInfo { core: cpu, socket: 0, numa, uncore: 0 }));
        let topology = crate::topology::CpuTopology::from_cpus(rows).unwrap();
        let static_policy =
            StaticPolicy::new(topology, 1, &"0".parse().unwrap(), Default::default(), "best-effort").unwrap();
        let state = Arc::new(State::new_memory());
        static_policy.start(&state).unwrap();
        let config = TopologyManagerConfig { policy: "best-effort".into(), ..Default::default() };
        let mut manager = TopologyManager::new(&config, &[0], &BTreeMap::new()).unwrap();
        manager.add_hint_provider(Box::new(StaticPolicyHintProvider::new(Arc::new(static_policy), state.clone())));
        let refusal = manager.admit(&guaranteed(&[("app", 1000)])).unwrap_err();
        assert_eq!(refusal.reason, "UnexpectedAdmissionError");
        assert_eq!(cpus(&state, "app"), "", "nothing is allocated");
    }

    #[test]
    fn allocation_errors_become_the_kubelets_admission_results() {
        let (mut manager, _) = manager("dual-socket-ht", "none", "container", "0");
        let refusal = manager.admit(&guaranteed(&[("app", 12000)])).unwrap_err();
        assert_eq!(refusal.reason, "UnexpectedAdmissionError");
        assert!(refusal.message.contains("requested=12, available=11"), "{}", refusal.message);
        let smt = Error::SmtAlignment(crate::cpumanager::SmtAlignmentError::not_multiple(3, 2));
        assert_eq!(AdmissionError::from(smt).reason, "SMTAlignmentError");
    }
}
