//! Node-pressure eviction, exact to the kubelet (1.31, with the later grace
//! rule as the default): thresholds, signal observations, the decision loop
//! and pod ranking.
//!
//! | part | upstream | here |
//! |---|---|---|
//! | quantities | `resource.Quantity` | [`Quantity`] |
//! | configuration | `ParseThresholdConfig`, Linux defaults, flags | [`EvictionConfig`], [`parse_threshold_flag`] |
//! | containerfs thresholds | `UpdateContainerFsThresholds` | [`update_container_fs_thresholds`] |
//! | observations | `makeSignalObservations` | [`Observations::from_stats`] |
//! | the loop | `synchronize`, `Admit` | [`Manager`] (state machine on the caller's clock) |
//! | ranking | `rankMemoryPressure`, `rankDiskPressureFunc`, `rankPIDPressure` | [`rank`] |
//! | kill grace | `immediateEvictionGracePeriodSeconds`, pod workers | [`eviction_grace_period_override`], [`effective_grace_period`] |
//! | this node | the summary provider | [`NodeObserver`] |
//!
//! The upstream files are `pkg/kubelet/eviction/` (`eviction_manager.go`,
//! `helpers.go`, `defaults_linux.go`) and `pkg/kubelet/apis/config` for the
//! flags; the Go parsing they rely on (percentages as `ParseFloat(s, 32)`,
//! grace periods as `time.ParseDuration`) is reproduced exactly.
//!
//! Upstream quirks are kept on purpose, each where it happens: percentages
//! in `f32` ([`threshold_quantity`]), `"0%"`/`"100%"` dropped, memory
//! thresholds acted on in reverse order ([`by_eviction_priority`]), the
//! ephemeral-storage request subtracted from inode counts ([`rank`]), the
//! empty containerfs threshold, a transition period of zero hiding
//! conditions. Where upstream depends on Go map order the order here is
//! fixed and documented (configuration in key order, thresholds in list
//! order, conditions in declaration order, fully tied pods in given order).
//!
//! ```
//! use nodecore::eviction::*;
//!
//! let config = EvictionConfig {
//!     eviction_hard: [("pid.available".to_owned(), "10%".to_owned())].into(),
//!     ..EvictionConfig::default()
//! };
//! let thresholds = config.thresholds().unwrap();
//! let capacity = Quantity::decimal_si(4_194_304);
//! // 10% in f32 is 0.10000000149011612, so the threshold is 419430 PIDs.
//! assert_eq!(threshold_quantity(thresholds[0].value, capacity).value(), 419_430);
//! assert!(thresholds[0].is_met(Quantity::decimal_si(419_429), capacity, false));
//! ```

mod config;
mod error;
mod eval;
mod evaluate;
mod grace;
mod layout;
mod live;
mod manager;
mod observation;
mod pod;
mod quantity;
mod rank;
mod signal;
mod stats;
mod threshold;

pub use crate::golang::float::{FloatError, FloatErrorReason, parse_float32};
pub use crate::golang::time::{DurationError, parse_duration};
pub use config::{
    DEFAULT_EVICTION_HARD, EvictionConfig, NODE_ALLOCATABLE_ENFORCEMENT_KEY, add_allocatable_thresholds,
    parse_key_value_flag, parse_percentage, parse_threshold_flag, update_container_fs_thresholds,
};
pub use error::Error;
pub(crate) use eval::eval;
pub use evaluate::{
    by_eviction_priority, merge_thresholds, node_conditions, node_conditions_last_observed_at,
    node_conditions_observed_since, thresholds_first_observed_at, thresholds_met, thresholds_met_grace_period,
    thresholds_updated_stats,
};
pub use grace::{
    IMMEDIATE_EVICTION_GRACE_PERIOD_SECONDS, MINIMUM_GRACE_PERIOD_SECONDS, SoftEvictionGrace, effective_grace_period,
    eviction_grace_period_override, kill_wait_seconds,
};
pub use layout::{FsLayout, FsStatsSet, NodeReclaim};
pub use live::NodeObserver;
pub use manager::{
    ADMISSION_REASON, ActOn, Admission, AdmissionRequest, DEFAULT_PRESSURE_TRANSITION_PERIOD, Manager, ManagerConfig,
    Victim,
};
pub use observation::{FsStats, MemoryStats, NodeStats, Observation, Observations, RlimitStats};
pub use pod::{
    API_SERVER_SOURCE, CONFIG_MIRROR_ANNOTATION, CONFIG_SOURCE_ANNOTATION, ContainerKind, ContainerRequests, Pod,
    Resources, SYSTEM_CRITICAL_PRIORITY, pod_requests,
};
pub use quantity::{Format, Quantity, QuantityError};
pub use rank::rank;
pub use signal::{NodeCondition, Operator, Resource, Signal, UnknownSignal};
pub use stats::{FsUsage, PodStats, VolumeKind};
pub use threshold::{Threshold, ThresholdValue, threshold_quantity};
