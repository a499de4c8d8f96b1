//! The eviction manager's decision loop as a pure state machine (upstream
//! `managerImpl.synchronize`, threshold-driven part).
//!
//! Each call to [`Manager::synchronize`] takes the time and the node's
//! observations, updates the state the kubelet keeps between loops (when each
//! threshold was first met, when each condition was last seen, which
//! thresholds passed their grace period, the last observations), and says
//! which threshold to act on, if any. The caller runs the node-level reclaim
//! that threshold calls for, asks [`Manager::reclaimed_enough`] with fresh
//! observations, and otherwise evicts [`Manager::select_victim`]'s pod. The
//! clock is whatever `now` the caller passes, so tests drive it freely.
//!
//! Where upstream iterates Go maps the order is fixed here. Of several
//! grace-satisfied thresholds, memory ones come first (as upstream), and
//! within each group the earliest in the list is acted on, so a hard
//! threshold before a soft one of the same signal (upstream: random, and so
//! is the grace period that follows). Conditions are reported as
//! MemoryPressure, DiskPressure, PIDPressure.
//!
//! ```
//! use nodecore::eviction::*;
//! use std::time::{Duration, Instant};
//!
//! let thresholds = EvictionConfig::linux_defaults().thresholds().unwrap();
//! let mut manager = Manager::new(ManagerConfig::new(thresholds));
//! let mut stats = NodeStats::default();
//! stats.memory = Some(MemoryStats { available_bytes: Some(50 << 20), working_set_bytes: Some(8 << 30), time: None });
//! let act_on = manager.synchronize(Instant::now(), &Observations::from_stats(&stats)).unwrap().unwrap();
//! assert_eq!(act_on.threshold.signal, Signal::MemoryAvailable);
//! assert_eq!(manager.node_conditions(), [NodeCondition::MemoryPressure]);
//!
//! let pods = [Pod::new("a"), Pod { priority: Some(-1), ..Pod::new("b") }];
//! let usage = PodStats { memory_working_set_bytes: Some(1 << 20), ..PodStats::default() };
//! let victim = manager.select_victim(&act_on, &pods, |_| Some(&usage)).unwrap();
//! assert_eq!((victim.index, victim.grace_period_seconds), (1, 1));
//! ```

use super::evaluate::*;
use super::{
    Error, FsLayout, NodeCondition, NodeReclaim, Observations, Pod, PodStats, Resource, SoftEvictionGrace, Threshold,
    eviction_grace_period_override, rank, update_container_fs_thresholds,
};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The kubelet's default `evictionPressureTransitionPeriod`.
pub const DEFAULT_PRESSURE_TRANSITION_PERIOD: Duration = Duration::from_secs(5 * 60);

/// The admission refusal reason (`Evicted`).
pub const ADMISSION_REASON: &str = "Evicted";

/// What the manager is configured with.
#[derive(Debug, Clone, PartialEq)]
pub struct ManagerConfig {
    /// The thresholds, as [`EvictionConfig::thresholds`](super::EvictionConfig::thresholds) gives them.
    pub thresholds: Vec<Threshold>,
    /// `evictionPressureTransitionPeriod`: how long a condition stays after it was last seen.
    pub pressure_transition_period: Duration,
    /// `evictionMaxPodGracePeriod`, in seconds.
    pub max_pod_grace_period_seconds: i64,
    /// How soft evictions pick their grace period.
    pub soft_eviction_grace: SoftEvictionGrace,
    /// Where images and writable layers live.
    pub layout: FsLayout,
    /// The KubeletSeparateDiskGC feature gate (on by default since 1.31).
    pub separate_disk_gc: bool,
}

impl ManagerConfig {
    /// `thresholds` with the kubelet's defaults for everything else: a 5 min
    /// transition period, max grace 0, one filesystem, the gate on.
    pub fn new(thresholds: Vec<Threshold>) -> Self {
        ManagerConfig {
            thresholds,
            pressure_transition_period: DEFAULT_PRESSURE_TRANSITION_PERIOD,
            max_pod_grace_period_seconds: 0,
            soft_eviction_grace: SoftEvictionGrace::default(),
            layout: FsLayout::SINGLE,
            separate_disk_gc: true,
        }
    }
}

/// The threshold a synchronize pass acts on.
#[derive(Debug, Clone, PartialEq)]
pub struct ActOn {
    /// Its position in [`Manager::thresholds`].
    pub index: usize,
    /// The threshold.
    pub threshold: Threshold,
    /// The resource to reclaim.
    pub resource: Resource,
    /// The garbage collections to run first; when any ran, check
    /// [`Manager::reclaimed_enough`] before evicting.
    pub reclaim: &'static [NodeReclaim],
}

/// The pod to evict and the grace-period override to kill it with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Victim {
    /// Its position in the pods given.
    pub index: usize,
    /// The override handed to the pod kill.
    pub grace_period_seconds: i64,
}

/// A pod asking to be admitted while the node may be under pressure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdmissionRequest {
    /// [`Pod::is_critical`].
    pub critical: bool,
    /// The pod's QoS class is BestEffort.
    pub best_effort: bool,
    /// The pod tolerates the taint `node.kubernetes.io/memory-pressure:NoSchedule`.
    pub tolerates_memory_pressure: bool,
}

/// Whether a pod is admitted; a refusal carries upstream's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Admitted.
    Admit,
    /// Refused with reason [`ADMISSION_REASON`] and this message.
    Reject {
        /// Why, in the kubelet's words.
        message: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Setup {
    /// The disk layout has not been applied yet (no threshold was evaluated).
    Pending,
    /// Containerfs thresholds derived, rank and reclaim tables in place.
    Ready,
    /// The split-filesystem gate check failed: upstream keeps evaluating
    /// with empty rank and reclaim tables, so nothing is ever evicted.
    TablesMissing,
}

/// The eviction manager's state between loops.
#[derive(Debug, Clone)]
pub struct Manager {
    config: ManagerConfig,
    setup: Setup,
    container_fs_warning: Option<String>,
    node_conditions: Vec<NodeCondition>,
    thresholds_first_observed_at: BTreeMap<usize, Instant>,
    node_conditions_last_observed_at: BTreeMap<NodeCondition, Instant>,
    thresholds_met: Vec<usize>,
    last_observations: Option<Observations>,
}

impl Manager {
    /// A manager that has not observed anything yet.
    pub fn new(config: ManagerConfig) -> Self {
        Manager {
            config,
            setup: Setup::Pending,
            container_fs_warning: None,
            node_conditions: Vec::new(),
            thresholds_first_observed_at: BTreeMap::new(),
            node_conditions_last_observed_at: BTreeMap::new(),
            thresholds_met: Vec::new(),
            last_observations: None,
        }
    }

    /// The thresholds evaluated: the configured ones, plus the derived
    /// containerfs ones once the first pass has run.
    pub fn thresholds(&self) -> &[Threshold] {
        &self.config.thresholds
    }

    /// The warning the containerfs derivation gave (upstream only logs it).
    pub fn container_fs_warning(&self) -> Option<&str> {
        self.container_fs_warning.as_deref()
    }

    /// The node conditions currently reported.
    pub fn node_conditions(&self) -> &[NodeCondition] {
        &self.node_conditions
    }

    /// Whether `condition` is currently reported.
    pub fn is_under(&self, condition: NodeCondition) -> bool {
        self.node_conditions.contains(&condition)
    }

    /// One loop of the manager at time `now`. Returns the threshold to act
    /// on, `None` when there is nothing to do, and an error only on the first
    /// pass of a split filesystem with the KubeletSeparateDiskGC gate off.
    pub fn synchronize(&mut self, now: Instant, observations: &Observations) -> Result<Option<ActOn>, Error> {
        if self.config.thresholds.is_empty() {
            return Ok(None);
        }
        if self.setup == Setup::Pending {
            let layout = self.config.layout;
            if layout.split_container_fs && !self.config.separate_disk_gc {
                self.setup = Setup::TablesMissing;
                return Err(Error::SplitFilesystemWithoutSeparateDiskGc);
            }
            self.container_fs_warning = update_container_fs_thresholds(
                &mut self.config.thresholds,
                layout.dedicated_image_fs,
                layout.split_container_fs,
            );
            self.setup = Setup::Ready;
        }
        let thresholds = &self.config.thresholds;

        let mut met = thresholds_met(thresholds, 0..thresholds.len(), observations, false);
        if !self.thresholds_met.is_empty() {
            let unresolved = thresholds_met(thresholds, self.thresholds_met.iter().copied(), observations, true);
            merge_thresholds(thresholds, &mut met, &unresolved);
        }
        let first_observed = thresholds_first_observed_at(&met, &self.thresholds_first_observed_at, now);
        let conditions = node_conditions(thresholds, &met);
        let last_observed = node_conditions_last_observed_at(&conditions, &self.node_conditions_last_observed_at, now);
        let reported = node_conditions_observed_since(&last_observed, self.config.pressure_transition_period, now);
        let grace_met = thresholds_met_grace_period(thresholds, &first_observed, now);

        self.node_conditions = reported;
        self.thresholds_first_observed_at = first_observed;
        self.node_conditions_last_observed_at = last_observed;
        let fresh = thresholds_updated_stats(thresholds, &grace_met, observations, self.last_observations.as_ref());
        self.thresholds_met = grace_met;
        self.last_observations = Some(*observations);

        // Upstream hands byEvictionPriority a list in map order. This is one
        // order a map can give, chosen so that the sorted result is the memory
        // thresholds in list order, then the others in list order: the sort
        // reverses memory thresholds and keeps the others.
        let (mut memory, others): (Vec<usize>, Vec<usize>) =
            fresh.into_iter().partition(|&i| thresholds[i].signal.is_memory());
        memory.reverse();
        let mut order = [memory, others].concat();
        by_eviction_priority(thresholds, &mut order);
        let Some(&index) = order.first() else { return Ok(None) };
        let threshold = thresholds[index].clone();
        let reclaim = match self.setup {
            Setup::Ready => self.config.layout.reclaim_functions(threshold.signal),
            _ => &[],
        };
        Ok(Some(ActOn { index, resource: threshold.signal.resource(), threshold, reclaim }))
    }

    /// After node-level reclaim: whether fresh observations meet no
    /// threshold even with minimum reclaim added, so no pod needs evicting.
    pub fn reclaimed_enough(&self, observations: &Observations) -> bool {
        let thresholds = &self.config.thresholds;
        thresholds_met(thresholds, 0..thresholds.len(), observations, true).is_empty()
    }

    /// The pod to evict for `act_on`: the first in rank order that is not
    /// critical, with its grace-period override. `None` when every pod is
    /// critical, there are none, or the rank tables are missing.
    pub fn select_victim<'s, F>(&self, act_on: &ActOn, pods: &[Pod], stats_of: F) -> Option<Victim>
    where
        F: Fn(&Pod) -> Option<&'s PodStats>,
    {
        if self.setup != Setup::Ready {
            return None;
        }
        let order = rank(act_on.threshold.signal, self.config.layout, pods, stats_of);
        let index = order.into_iter().find(|&i| !pods[i].is_critical())?;
        let grace_period_seconds = eviction_grace_period_override(
            &act_on.threshold,
            &pods[index],
            self.config.max_pod_grace_period_seconds,
            self.config.soft_eviction_grace,
        );
        Some(Victim { index, grace_period_seconds })
    }

    /// Admission under the reported conditions (upstream `Admit`): anything
    /// with no condition; critical pods always; under MemoryPressure alone,
    /// pods that are not BestEffort or tolerate the memory-pressure taint.
    /// Any other condition refuses every non-critical pod.
    pub fn admit(&self, request: &AdmissionRequest) -> Admission {
        if self.node_conditions.is_empty() || request.critical {
            return Admission::Admit;
        }
        if self.node_conditions == [NodeCondition::MemoryPressure]
            && (!request.best_effort || request.tolerates_memory_pressure)
        {
            return Admission::Admit;
        }
        let names: Vec<&str> = self.node_conditions.iter().map(|c| c.as_str()).collect();
        Admission::Reject { message: format!("The node had condition: [{}]. ", names.join(" ")) }
    }
}

#[cfg(test)]
mod tests;
