//! The CPU manager's `static` policy (upstream `policy_static.go`):
//! exclusive CPUs for the whole-CPU containers of Guaranteed pods.
//!
//! The policy keeps these sets of logical CPUs:
//!
//! * **reserved**: set aside for system daemons at construction, never given
//!   out exclusively. With `strict-cpu-reservation` they are also kept out of
//!   the shared pool;
//! * **shared** (the state's default CPU set): where Burstable, BestEffort
//!   and fractional-CPU containers run; it shrinks and grows as exclusive
//!   assignments come and go;
//! * **assignable** = shared − reserved: what exclusive assignments come from;
//! * **exclusive assignments**, recorded per pod and container in the
//!   [`State`].
//!
//! Every call that changes the state runs as one [`State::update`]
//! transaction, so concurrent calls from several threads never hand out a
//! CPU twice, and a failed checkpoint write leaves nothing half done.
//!
//! ```
//! use nodecore::cpumanager::state::State;
//! use nodecore::cpumanager::{Container, Pod, QosClass, StaticPolicy, StaticPolicyOptions};
//! use nodecore::topology;
//!
//! let machine = topology::named("single-socket-ht").unwrap(); // 4 cores x 2 threads
//! let policy = StaticPolicy::new(machine, 1, &Default::default(), StaticPolicyOptions::default(), "none").unwrap();
//! assert_eq!(policy.reserved_cpus().to_string(), "0");
//!
//! let state = State::new_memory();
//! policy.start(&state).unwrap();
//! let pod = Pod {
//!     uid: "pod-1".into(),
//!     qos: QosClass::Guaranteed,
//!     init_containers: vec![],
//!     containers: vec![Container::new("app", 2000)],
//! };
//! policy.allocate(&state, &pod, &pod.containers[0], None).unwrap();
//! assert_eq!(state.get_cpu_set("pod-1", "app").unwrap().to_string(), "1,5");
//! assert_eq!(state.get_default_cpu_set().to_string(), "0,2-4,6-7");
//!
//! policy.remove_container(&state, "pod-1", "app").unwrap();
//! assert_eq!(state.get_default_cpu_set().to_string(), "0-7");
//! ```

use super::state::{State, StateData};
use super::topology_hints::generate_cpu_topology_hints;
use super::{Container, Error, Pod, SmtAlignmentError, StaticPolicyOptions, take_by_topology};
use crate::cpuset::CpuSet;
use crate::golang::quote;
use crate::topology::CpuTopology;
use crate::topologymanager::ProviderHints;
use crate::topologymanager::bitmask::BitMask;
use parking_lot::Mutex;
use std::collections::BTreeMap;

/// The policy's name, as recorded in the checkpoint (upstream `PolicyStatic`).
pub const POLICY_STATIC: &str = "static";

/// The resource name the policy's hints are given for.
pub const RESOURCE_CPU: &str = "cpu";

/// The `static` CPU manager policy.
#[derive(Debug)]
pub struct StaticPolicy {
    topology: CpuTopology,
    /// CPUs never given out exclusively.
    reserved_cpus: CpuSet,
    /// Every thread of every core holding a reserved CPU: with
    /// `full-pcpus-only` a reserved CPU makes its whole core unavailable.
    reserved_physical_cpus: CpuSet,
    options: StaticPolicyOptions,
    /// CPUs that later containers of one pod may take again: those of its
    /// regular init containers, which have finished by the time the app
    /// containers start. Held for the most recently allocated pod only, as
    /// upstream does.
    cpus_to_reuse: Mutex<BTreeMap<String, CpuSet>>,
}

impl StaticPolicy {
    /// Builds the policy (upstream `NewStaticPolicy`).
    ///
    /// `reserved_cpus`, when not empty, are the reserved CPUs (the kubelet's
    /// `--reserved-cpus`); otherwise `num_reserved_cpus` CPUs are chosen as
    /// upstream chooses them, by the same selection as an allocation from
    /// all CPUs (so the options matter: `{0,4}` packed, `{0,1}` spread on 4
    /// cores of 2 threads). `options` are checked against the machine and
    /// `topology_manager_policy` (the kubelet's topology manager policy name)
    /// as `ValidateStaticPolicyOptions` does.
    ///
    /// # Errors
    /// [`Error::InvalidOptions`]; [`Error::ReservedCpus`] when the reserved
    /// set does not have `num_reserved_cpus` CPUs or names a CPU the
    /// topology does not have.
    pub fn new(
        topology: CpuTopology,
        num_reserved_cpus: usize,
        reserved_cpus: &CpuSet,
        options: StaticPolicyOptions,
        topology_manager_policy: &str,
    ) -> Result<StaticPolicy, Error> {
        options.validate(&topology, topology_manager_policy)?;
        let reserved = if reserved_cpus.is_empty() {
            // Upstream ignores the selection's error: too few CPUs shows as a size mismatch.
            take_by_topology(&topology, &topology.cpus(), num_reserved_cpus, &options).unwrap_or_default()
        } else {
            reserved_cpus.clone()
        };
        if reserved.len() != num_reserved_cpus {
            return Err(ReservedCpusError::WrongSize { reserved, requested: num_reserved_cpus }.into());
        }
        let mut cores = CpuSet::new();
        for cpu in &reserved {
            let info = topology.details.get(cpu).ok_or(ReservedCpusError::UnknownCpu { cpu })?;
            cores.insert(info.core);
        }
        let reserved_physical_cpus = topology.details.cpus_in_cores(&cores);
        Ok(StaticPolicy {
            topology,
            reserved_cpus: reserved,
            reserved_physical_cpus,
            options,
            cpus_to_reuse: Mutex::new(BTreeMap::new()),
        })
    }

    /// The policy's name (upstream `Name`).
    pub fn name(&self) -> &'static str {
        POLICY_STATIC
    }

    /// The machine the policy allocates on.
    pub fn topology(&self) -> &CpuTopology {
        &self.topology
    }

    /// The options the policy runs with.
    pub fn options(&self) -> &StaticPolicyOptions {
        &self.options
    }

    /// The CPUs never given out exclusively.
    pub fn reserved_cpus(&self) -> &CpuSet {
        &self.reserved_cpus
    }

    /// Every CPU that may ever be given out exclusively (upstream
    /// `GetAllocatableCPUs`).
    pub fn get_allocatable_cpus(&self) -> CpuSet {
        self.topology.cpus().difference(&self.reserved_cpus)
    }

    /// The CPUs that may be given out now: the shared pool minus the reserved
    /// CPUs (upstream `GetAvailableCPUs`).
    pub fn get_available_cpus(&self, state: &State) -> CpuSet {
        state.read(|data| data.default_cpu_set.difference(&self.reserved_cpus))
    }

    /// Checks a restored state, or fills an empty one (upstream `Start` /
    /// `validateState`).
    ///
    /// An empty state gets every CPU (minus the reserved ones with
    /// `strict-cpu-reservation`) as its shared pool. A restored state must
    /// keep the reserved CPUs in the shared pool (out of it, when strict),
    /// no assignment may overlap the pool, and pool plus assignments must be
    /// exactly the machine's CPUs. The kubelet refuses to start otherwise; the
    /// operator drains the node and deletes the checkpoint.
    ///
    /// # Errors
    /// [`Error::InvalidState`] with upstream's message; [`Error::State`]
    /// when the checkpoint cannot be written.
    pub fn start(&self, state: &State) -> Result<(), Error> {
        state.update(|data| self.validate_state(data))
    }

    fn validate_state(&self, data: &mut StateData) -> Result<(), Error> {
        let mut all_cpus = self.topology.cpus();
        if self.options.strict_cpu_reservation {
            all_cpus = all_cpus.difference(&self.reserved_cpus);
        }
        let default = &data.default_cpu_set;
        if default.is_empty() {
            if !data.assignments.is_empty() {
                return Err(InvalidStateError::EmptyDefaultCpuSet.into());
            }
            data.default_cpu_set = all_cpus;
            return Ok(());
        }
        if self.options.strict_cpu_reservation {
            let overlap = self.reserved_cpus.intersection(default);
            if !overlap.is_empty() {
                return Err(InvalidStateError::StrictlyReservedInDefault { overlap, default: default.clone() }.into());
            }
        } else if !self.reserved_cpus.is_subset(default) {
            let reserved = self.reserved_cpus.clone();
            return Err(InvalidStateError::ReservedNotInDefault { reserved, default: default.clone() }.into());
        }
        for (pod, containers) in &data.assignments {
            for (container, cpus) in containers {
                if !cpus.is_disjoint(default) {
                    return Err(InvalidStateError::Overlap {
                        pod: pod.clone(),
                        container: container.clone(),
                        cpus: cpus.clone(),
                        default: default.clone(),
                    }
                    .into());
                }
            }
        }
        let known = default.union(&data.assigned_cpus());
        if known != all_cpus {
            return Err(InvalidStateError::CpusChanged { all: all_cpus, in_state: known }.into());
        }
        Ok(())
    }

    /// Gives `container` of `pod` its exclusive CPUs, if it qualifies
    /// (upstream `Allocate`).
    ///
    /// Only whole-CPU containers of Guaranteed pods qualify
    /// ([`Pod::guaranteed_cpus`]); others run in the shared pool and nothing
    /// is recorded. With `full-pcpus-only` the request must be a multiple of
    /// the CPUs per core and fit in the free whole cores (checked before
    /// anything else, as upstream does). A container that already has CPUs
    /// keeps them. Otherwise the CPUs come first from the NUMA nodes of
    /// `numa_affinity` (the topology manager's merged hint; with
    /// `align-by-socket`, from their whole sockets), then from anywhere, out
    /// of the assignable CPUs plus the CPUs this pod's finished init
    /// containers left for reuse.
    ///
    /// # Errors
    /// [`Error::SmtAlignment`], [`Error::Insufficient`] (and the other
    /// selection errors), [`Error::State`] when the checkpoint cannot be
    /// written. On error nothing changes.
    pub fn allocate(
        &self,
        state: &State,
        pod: &Pod,
        container: &Container,
        numa_affinity: Option<BitMask>,
    ) -> Result<(), Error> {
        let num_cpus = pod.guaranteed_cpus(container);
        if num_cpus == 0 {
            return Ok(());
        }
        let mut cpus_to_reuse = self.cpus_to_reuse.lock();
        let reusable = cpus_to_reuse.get(&pod.uid).cloned().unwrap_or_default();
        let assigned = state.update(|data| {
            self.enforce_smt_alignment(data, num_cpus)?;
            if let Some(cpus) = data.get_cpu_set(&pod.uid, &container.name) {
                return Ok(cpus.clone());
            }
            let cpus = self.allocate_cpus(data, num_cpus, numa_affinity, &reusable)?;
            data.set_cpu_set(&pod.uid, &container.name, cpus.clone());
            Ok::<_, Error>(cpus)
        })?;
        update_cpus_to_reuse(&mut cpus_to_reuse, pod, &container.name, &assigned);
        Ok(())
    }

    /// The `full-pcpus-only` admission checks (upstream `enforceSMTAlignment`).
    fn enforce_smt_alignment(&self, data: &StateData, num_cpus: usize) -> Result<(), Error> {
        if !self.options.full_physical_cpus_only {
            return Ok(());
        }
        let cpus_per_core = self.topology.cpus_per_core();
        if cpus_per_core == 0 {
            return Err(Error::InvalidTopology("the topology declares no cores"));
        }
        if num_cpus % cpus_per_core != 0 {
            return Err(SmtAlignmentError::not_multiple(num_cpus, cpus_per_core).into());
        }
        let available_physical_cpus = data.default_cpu_set.difference(&self.reserved_physical_cpus).len();
        if num_cpus > available_physical_cpus {
            return Err(SmtAlignmentError {
                requested_cpus: num_cpus,
                cpus_per_core,
                available_physical_cpus,
                caused_by_physical_cpus: true,
            }
            .into());
        }
        Ok(())
    }

    /// Upstream `allocateCPUs`: the aligned part first, then the rest; the
    /// result leaves the shared pool.
    fn allocate_cpus(
        &self,
        data: &mut StateData,
        num_cpus: usize,
        numa_affinity: Option<BitMask>,
        reusable: &CpuSet,
    ) -> Result<CpuSet, Error> {
        let allocatable = data.default_cpu_set.difference(&self.reserved_cpus).union(reusable);
        let mut result = CpuSet::new();
        if let Some(mask) = numa_affinity {
            let aligned = self.get_aligned_cpus(mask, &allocatable);
            let count = num_cpus.min(aligned.len());
            result = take_by_topology(&self.topology, &aligned, count, &self.options)?;
        }
        let remaining = allocatable.difference(&result);
        let rest = take_by_topology(&self.topology, &remaining, num_cpus - result.len(), &self.options)?;
        let result = result.union(&rest);
        data.default_cpu_set = data.default_cpu_set.difference(&result);
        Ok(result)
    }

    /// Upstream `getAlignedCPUs`: the allocatable CPUs on the NUMA nodes of
    /// `mask`, or with `align-by-socket` on every socket holding one of them.
    fn get_aligned_cpus(&self, mask: BitMask, allocatable: &CpuSet) -> CpuSet {
        let numa_nodes: CpuSet = mask.iter().collect();
        let details = &self.topology.details;
        let cpus = if self.options.align_by_socket {
            details.cpus_in_sockets(&details.sockets_in_numa_nodes(&numa_nodes))
        } else {
            details.cpus_in_numa_nodes(&numa_nodes)
        };
        allocatable.intersection(&cpus)
    }

    /// Releases a container's exclusive CPUs to the shared pool, except those
    /// another container of the pod still holds (upstream `RemoveContainer`).
    /// An unknown container changes nothing.
    ///
    /// # Errors
    /// [`Error::State`] when the checkpoint cannot be written; nothing
    /// changes then.
    pub fn remove_container(&self, state: &State, pod_uid: &str, container_name: &str) -> Result<(), Error> {
        state.update(|data| {
            if let Some(released) = data.delete(pod_uid, container_name) {
                let in_use = data
                    .assignments
                    .get(pod_uid)
                    .map_or_else(CpuSet::new, |siblings| siblings.values().fold(CpuSet::new(), |all, s| all.union(s)));
                data.default_cpu_set = data.default_cpu_set.union(&released.difference(&in_use));
            }
            Ok::<_, Error>(())
        })
    }

    /// The CPU hints for one container (upstream `GetTopologyHints`).
    ///
    /// No entry (no preference) when the container does not qualify for
    /// exclusive CPUs. A container that already has CPUs gets hints for
    /// exactly those, or an empty list (cannot be satisfied) when their
    /// number differs from the request. Otherwise the hints cover the
    /// available CPUs plus this pod's reusable ones.
    ///
    /// # Errors
    /// [`Error::InvalidTopology`] for NUMA node ids of 64 or more.
    pub fn get_topology_hints(&self, state: &State, pod: &Pod, container: &Container) -> Result<ProviderHints, Error> {
        let requested = pod.guaranteed_cpus(container);
        if requested == 0 {
            return Ok(ProviderHints::new());
        }
        let cpus_to_reuse = self.cpus_to_reuse.lock();
        let (allocated, available) = state.read(|data| {
            let allocated = data.get_cpu_set(&pod.uid, &container.name).cloned();
            (allocated, data.default_cpu_set.difference(&self.reserved_cpus))
        });
        let hints = match allocated {
            Some(allocated) if allocated.len() != requested => Vec::new(),
            Some(allocated) => self.generate_cpu_topology_hints(&allocated, &CpuSet::new(), requested)?,
            None => {
                let reusable = cpus_to_reuse.get(&pod.uid).cloned().unwrap_or_default();
                self.generate_cpu_topology_hints(&available, &reusable, requested)?
            }
        };
        Ok(cpu_hints(hints))
    }

    /// The CPU hints for a whole pod, for the topology manager's pod scope
    /// (upstream `GetPodTopologyHints`): the request is
    /// [`Pod::pod_guaranteed_cpus`], and CPUs the pod's containers already
    /// hold count as reusable.
    ///
    /// # Errors
    /// [`Error::InvalidTopology`] for NUMA node ids of 64 or more.
    pub fn get_pod_topology_hints(&self, state: &State, pod: &Pod) -> Result<ProviderHints, Error> {
        let requested = pod.pod_guaranteed_cpus();
        if requested == 0 {
            return Ok(ProviderHints::new());
        }
        let cpus_to_reuse = self.cpus_to_reuse.lock();
        let (assigned, available) = state.read(|data| {
            let mut assigned = CpuSet::new();
            for container in pod.all_containers() {
                if let Some(allocated) = data.get_cpu_set(&pod.uid, &container.name) {
                    if allocated.len() != pod.guaranteed_cpus(container) {
                        return (None, CpuSet::new());
                    }
                    assigned = assigned.union(allocated);
                }
            }
            (Some(assigned), data.default_cpu_set.difference(&self.reserved_cpus))
        });
        let Some(assigned) = assigned else {
            return Ok(cpu_hints(Vec::new()));
        };
        if assigned.len() == requested {
            return Ok(cpu_hints(self.generate_cpu_topology_hints(&assigned, &CpuSet::new(), requested)?));
        }
        let reusable = cpus_to_reuse.get(&pod.uid).cloned().unwrap_or_default().union(&assigned);
        Ok(cpu_hints(self.generate_cpu_topology_hints(&available, &reusable, requested)?))
    }

    /// Upstream `generateCPUTopologyHints` with this policy's machine and
    /// `align-by-socket` option; see [`generate_cpu_topology_hints`].
    pub fn generate_cpu_topology_hints(
        &self,
        available: &CpuSet,
        reusable: &CpuSet,
        request: usize,
    ) -> Result<Vec<crate::topologymanager::TopologyHint>, Error> {
        generate_cpu_topology_hints(&self.topology, self.options.align_by_socket, available, reusable, request)
    }
}

/// Upstream `updateCPUsToReuse`: keep entries for `pod` only; CPUs of a
/// regular init container become reusable, CPUs of any other container
/// (app container or sidecar) are no longer.
fn update_cpus_to_reuse(cpus_to_reuse: &mut BTreeMap<String, CpuSet>, pod: &Pod, container_name: &str, cpus: &CpuSet) {
    cpus_to_reuse.retain(|uid, _| *uid == pod.uid);
    let reusable = cpus_to_reuse.entry(pod.uid.clone()).or_default();
    *reusable =
        if pod.is_regular_init_container(container_name) { reusable.union(cpus) } else { reusable.difference(cpus) };
}

fn cpu_hints(hints: Vec<crate::topologymanager::TopologyHint>) -> ProviderHints {
    ProviderHints::from([(RESOURCE_CPU.to_owned(), Some(hints))])
}

/// Why the reserved CPUs could not be set aside (upstream's messages).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReservedCpusError {
    /// The explicit list, or the selection, does not have the requested size.
    #[error(
        "[cpumanager] unable to reserve the required amount of CPUs (size of {reserved} did not equal {requested})"
    )]
    WrongSize {
        /// The reserved CPUs found.
        reserved: CpuSet,
        /// The number of CPUs to reserve.
        requested: usize,
    },
    /// The explicit list names a CPU the machine does not have.
    #[error("[cpumanager] unable to build the reserved physical CPUs from the reserved set: unknown CPU ID: {cpu}")]
    UnknownCpu {
        /// The unknown CPU.
        cpu: usize,
    },
}

/// Why [`StaticPolicy::start`] refused a state (upstream's messages). The
/// kubelet refuses to start on any of them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidStateError {
    /// Containers hold CPUs but the shared pool is empty.
    #[error("default cpuset cannot be empty")]
    EmptyDefaultCpuSet,
    /// Some reserved CPU is not in the shared pool (the reservation grew, or
    /// the file was edited).
    #[error("not all reserved cpus: {} are present in defaultCpuSet: {}", quoted(reserved), quoted(default))]
    ReservedNotInDefault {
        /// The reserved CPUs.
        reserved: CpuSet,
        /// The shared pool.
        default: CpuSet,
    },
    /// With `strict-cpu-reservation`, some reserved CPUs are in the shared pool.
    #[error("some of strictly reserved cpus: {} are present in defaultCpuSet: {}", quoted(overlap), quoted(default))]
    StrictlyReservedInDefault {
        /// The reserved CPUs found in the pool.
        overlap: CpuSet,
        /// The shared pool.
        default: CpuSet,
    },
    /// A container's exclusive CPUs are also in the shared pool.
    #[error(
        "pod: {pod}, container: {container} cpuset: {} overlaps with default cpuset {}",
        quoted(cpus),
        quoted(default)
    )]
    Overlap {
        /// The pod UID.
        pod: String,
        /// The container name.
        container: String,
        /// The container's CPUs.
        cpus: CpuSet,
        /// The shared pool.
        default: CpuSet,
    },
    /// The state's CPUs are not the machine's (CPUs were offlined or added
    /// while the kubelet was down).
    #[error("current set of available CPUs {} doesn't match with CPUs in state {}", quoted(all), quoted(in_state))]
    CpusChanged {
        /// The machine's CPUs (minus strictly reserved ones).
        all: CpuSet,
        /// The shared pool plus every assignment.
        in_state: CpuSet,
    },
}

fn quoted(cpus: &CpuSet) -> String {
    quote(&cpus.to_string()).to_string()
}

#[cfg(test)]
mod tests;
