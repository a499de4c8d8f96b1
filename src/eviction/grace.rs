//! The grace period an evicted pod is killed with.
//!
//! The eviction manager hands the pod worker an override: 1 s for a hard
//! threshold (since 1.31, PR #124063; before, 0, which the pod worker read
//! as "use the pod's own"), and for a soft threshold
//! `evictionMaxPodGracePeriod`, capped by the pod's
//! `terminationGracePeriodSeconds` since 1.32 (PR #122890). The pod worker
//! then derives the effective period, and the runtime stops containers with
//! at least 2 s.

use super::{Pod, Threshold};

/// The override for hard evictions (upstream `immediateEvictionGracePeriodSeconds`),
/// also used by local-storage limit evictions.
pub const IMMEDIATE_EVICTION_GRACE_PERIOD_SECONDS: i64 = 1;

/// The runtime's floor for stopping a container (`minimumGracePeriodInSeconds`).
pub const MINIMUM_GRACE_PERIOD_SECONDS: i64 = 2;

/// How soft evictions derive their grace period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum SoftEvictionGrace {
    /// 1.32 and later: `min(evictionMaxPodGracePeriod, terminationGracePeriodSeconds)`
    /// when the pod sets the latter, else `evictionMaxPodGracePeriod`.
    #[default]
    CappedByPod,
    /// 1.31 and earlier: `evictionMaxPodGracePeriod` as configured (0 by
    /// default, which the pod worker treats as unset).
    MaxPodGracePeriod,
}

/// The grace-period override the manager passes when evicting `pod` for
/// `threshold`. A negative `evictionMaxPodGracePeriod` is passed on as is
/// (and becomes a near-immediate kill, see [`effective_grace_period`]),
/// whatever the flag's help text says (issue #118172).
pub fn eviction_grace_period_override(
    threshold: &Threshold,
    pod: &Pod,
    max_pod_grace_period_seconds: i64,
    rule: SoftEvictionGrace,
) -> i64 {
    if threshold.is_hard() {
        return IMMEDIATE_EVICTION_GRACE_PERIOD_SECONDS;
    }
    match (rule, pod.termination_grace_period_seconds) {
        (SoftEvictionGrace::CappedByPod, Some(pod_grace)) => max_pod_grace_period_seconds.min(pod_grace),
        _ => max_pod_grace_period_seconds,
    }
}

/// The grace period the pod worker kills with (1.31
/// `calculateEffectiveGracePeriod`): it can only shrink once termination has
/// begun (`current`, 0 for none), the API server's deletion grace and the
/// kill's override shrink it, an unset result falls back to the pod's
/// `terminationGracePeriodSeconds`, and it is never below 1.
pub fn effective_grace_period(
    current: i64,
    deletion_grace_period_seconds: Option<i64>,
    grace_period_override: Option<i64>,
    termination_grace_period_seconds: Option<i64>,
) -> i64 {
    let mut grace = current;
    for candidate in [deletion_grace_period_seconds, grace_period_override].into_iter().flatten() {
        if grace == 0 || candidate < grace {
            grace = candidate;
        }
    }
    if let (0, Some(pod_grace)) = (grace, termination_grace_period_seconds) {
        grace = pod_grace;
    }
    grace.max(1)
}

/// How long the manager waits for an evicted pod to be killed before it logs
/// a timeout (`killPodNow`): `max(10, g + g/2)` seconds of the override.
pub fn kill_wait_seconds(grace_period_override: i64) -> i64 {
    (grace_period_override + grace_period_override / 2).max(10)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eviction::{Quantity, Signal, ThresholdValue};
    use std::time::Duration;

    fn threshold(grace_s: u64) -> Threshold {
        let value = ThresholdValue::Quantity(Quantity::binary_si(1 << 30));
        Threshold::soft(Signal::MemoryAvailable, value, Duration::from_secs(grace_s))
    }

    #[test]
    fn overrides() {
        let pod = Pod { termination_grace_period_seconds: Some(3), ..Pod::new("p") };
        let plain = Pod::new("q");
        use SoftEvictionGrace::*;
        assert_eq!(eviction_grace_period_override(&threshold(0), &pod, 30, CappedByPod), 1);
        assert_eq!(eviction_grace_period_override(&threshold(0), &pod, 30, MaxPodGracePeriod), 1);
        assert_eq!(eviction_grace_period_override(&threshold(60), &pod, 30, CappedByPod), 3);
        assert_eq!(eviction_grace_period_override(&threshold(60), &pod, 30, MaxPodGracePeriod), 30);
        assert_eq!(eviction_grace_period_override(&threshold(60), &plain, 30, CappedByPod), 30);
        assert_eq!(eviction_grace_period_override(&threshold(60), &pod, 0, CappedByPod), 0);
    }

    #[test]
    fn pod_worker_resolution() {
        assert_eq!(effective_grace_period(0, None, Some(1), Some(30)), 1);
        assert_eq!(effective_grace_period(0, None, Some(0), Some(30)), 30, "an override of 0 is no override");
        assert_eq!(effective_grace_period(0, None, Some(-5), Some(30)), 1, "negative max grace kills at once");
        assert_eq!(effective_grace_period(0, None, None, None), 1);
        assert_eq!(effective_grace_period(20, None, Some(25), Some(30)), 20, "only shrinks");
        assert_eq!(effective_grace_period(0, Some(10), Some(5), Some(30)), 5);
        assert_eq!(kill_wait_seconds(1), 10);
        assert_eq!(kill_wait_seconds(30), 45);
    }
}
