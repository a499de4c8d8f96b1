//! The threshold bookkeeping of one synchronize pass (upstream helpers
//! `thresholdsMet`, `mergeThresholds`, `thresholdsFirstObservedAt`,
//! `thresholdsMetGracePeriod`, `nodeConditions`,
//! `nodeConditionsObservedSince`, `thresholdsUpdatedStats`,
//! `byEvictionPriority`).
//!
//! Thresholds are named by their index in the configured list: upstream keys
//! its maps by the threshold value itself, whose pointers make every
//! configured threshold distinct, so an index is an exact stand-in.

use super::{NodeCondition, Observations, Threshold};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// The indices of `candidates` whose thresholds are met by `observations`;
/// thresholds without an observation are skipped.
pub fn thresholds_met(
    thresholds: &[Threshold],
    candidates: impl IntoIterator<Item = usize>,
    observations: &Observations,
    enforce_min_reclaim: bool,
) -> Vec<usize> {
    candidates
        .into_iter()
        .filter(|&i| {
            let threshold = &thresholds[i];
            observations
                .get(threshold.signal)
                .is_some_and(|o| threshold.is_met(o.available, o.capacity, enforce_min_reclaim))
        })
        .collect()
}

/// Appends to `met` each of `more` that is not logically equal (see
/// [`Threshold::same_as`]) to one already there.
pub fn merge_thresholds(thresholds: &[Threshold], met: &mut Vec<usize>, more: &[usize]) {
    for &candidate in more {
        if !met.iter().any(|&m| thresholds[m].same_as(&thresholds[candidate])) {
            met.push(candidate);
        }
    }
}

/// When each met threshold was first seen: kept from `previous`, or `now`.
/// Thresholds not met any more are forgotten, so their grace restarts.
pub fn thresholds_first_observed_at(
    met: &[usize],
    previous: &BTreeMap<usize, Instant>,
    now: Instant,
) -> BTreeMap<usize, Instant> {
    met.iter().map(|&i| (i, previous.get(&i).copied().unwrap_or(now))).collect()
}

/// The thresholds whose grace period has passed (inclusive), in list order.
pub fn thresholds_met_grace_period(
    thresholds: &[Threshold],
    first_observed: &BTreeMap<usize, Instant>,
    now: Instant,
) -> Vec<usize> {
    first_observed
        .iter()
        .filter(|&(&i, &at)| now.saturating_duration_since(at) >= thresholds[i].grace_period)
        .map(|(&i, _)| i)
        .collect()
}

/// The conditions the thresholds raise, each once, in first-seen order.
pub fn node_conditions(thresholds: &[Threshold], met: &[usize]) -> Vec<NodeCondition> {
    let mut conditions = Vec::new();
    for &i in met {
        let condition = thresholds[i].signal.node_condition();
        if !conditions.contains(&condition) {
            conditions.push(condition);
        }
    }
    conditions
}

/// `previous` with every condition in `conditions` seen `now`.
pub fn node_conditions_last_observed_at(
    conditions: &[NodeCondition],
    previous: &BTreeMap<NodeCondition, Instant>,
    now: Instant,
) -> BTreeMap<NodeCondition, Instant> {
    let mut observed = previous.clone();
    observed.extend(conditions.iter().map(|&c| (c, now)));
    observed
}

/// The conditions seen within the transition period (strictly: a period of
/// zero reports nothing). Upstream's order is Go map order; here it is
/// MemoryPressure, DiskPressure, PIDPressure.
pub fn node_conditions_observed_since(
    last_observed: &BTreeMap<NodeCondition, Instant>,
    period: Duration,
    now: Instant,
) -> Vec<NodeCondition> {
    last_observed.iter().filter(|&(_, &at)| now.saturating_duration_since(at) < period).map(|(&c, _)| c).collect()
}

/// The thresholds whose observation is newer than the last one seen for
/// their signal; a missing previous observation or a zero sample time
/// always counts as newer, a missing observation never.
pub fn thresholds_updated_stats(
    thresholds: &[Threshold],
    candidates: &[usize],
    observations: &Observations,
    last: Option<&Observations>,
) -> Vec<usize> {
    candidates
        .iter()
        .copied()
        .filter(|&i| {
            let signal = thresholds[i].signal;
            let Some(observed) = observations.get(signal) else { return false };
            match last.and_then(|last| last.get(signal)) {
                None => true,
                Some(previous) => observed.time.is_none() || observed.time > previous.time,
            }
        })
        .collect()
}

/// Orders thresholds for acting on them (upstream `byEvictionPriority`
/// under `sort.Sort`): memory thresholds move to the front, and among
/// themselves end up in reverse order, because upstream's "less" holds both
/// ways for two memory thresholds and Go sorts short lists by insertion.
/// Other thresholds keep their order. (Go switches to pdqsort above 12
/// elements; insertion is applied here at every length.)
pub fn by_eviction_priority(thresholds: &[Threshold], order: &mut [usize]) {
    let less = |a: usize, _b: usize| thresholds[a].signal.is_memory();
    for i in 1..order.len() {
        let mut j = i;
        while j > 0 && less(order[j], order[j - 1]) {
            order.swap(j, j - 1);
            j -= 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eviction::{Observation, Quantity, Signal, ThresholdValue};

    fn gi(n: i64) -> Quantity {
        Quantity::binary_si(n << 30)
    }

    fn threshold(signal: Signal, grace_s: u64) -> Threshold {
        Threshold::soft(signal, ThresholdValue::Quantity(gi(1)), Duration::from_secs(grace_s))
    }

    fn observed(signal: Signal, available: Quantity, time: Option<Instant>) -> Observations {
        let mut observations = Observations::new();
        observations.insert(signal, Observation { available, capacity: gi(100), time });
        observations
    }

    #[test]
    fn grace_periods_and_first_observation() {
        // Spec cases 42 and 43.
        let now = Instant::now() + Duration::from_secs(3600);
        let list = [threshold(Signal::MemoryAvailable, 0), threshold(Signal::MemoryAvailable, 60)];
        let first = thresholds_first_observed_at(&[0], &BTreeMap::new(), now);
        assert_eq!(first, BTreeMap::from([(0, now)]));
        let earlier = now - Duration::from_secs(60);
        assert_eq!(thresholds_first_observed_at(&[0], &BTreeMap::from([(0, earlier)]), now)[&0], earlier);
        assert!(thresholds_first_observed_at(&[], &BTreeMap::from([(0, earlier)]), now).is_empty());
        assert_eq!(thresholds_met_grace_period(&list, &BTreeMap::from([(0, now)]), now), [0]);
        assert!(thresholds_met_grace_period(&list, &BTreeMap::from([(1, now)]), now).is_empty());
        let two_minutes = now - Duration::from_secs(120);
        assert_eq!(thresholds_met_grace_period(&list, &BTreeMap::from([(1, two_minutes)]), now), [1]);
        assert_eq!(thresholds_met_grace_period(&list, &BTreeMap::from([(1, earlier)]), now), [1], "inclusive");
    }

    #[test]
    fn conditions_and_transition_period() {
        // Spec cases 44-46.
        let now = Instant::now() + Duration::from_secs(3600);
        let list = [threshold(Signal::MemoryAvailable, 0), threshold(Signal::AllocatableMemoryAvailable, 0)];
        assert_eq!(node_conditions(&list, &[0, 1]), [NodeCondition::MemoryPressure]);
        assert!(node_conditions(&list, &[]).is_empty());
        let minute_ago = now - Duration::from_secs(60);
        let previous = BTreeMap::from([(NodeCondition::MemoryPressure, minute_ago)]);
        let seen = node_conditions_last_observed_at(&[NodeCondition::MemoryPressure], &BTreeMap::new(), now);
        assert_eq!(seen, BTreeMap::from([(NodeCondition::MemoryPressure, now)]));
        assert_eq!(node_conditions_last_observed_at(&[], &previous, now), previous);
        let reported = |period| node_conditions_observed_since(&previous, Duration::from_secs(period), now);
        assert_eq!(reported(120), [NodeCondition::MemoryPressure]);
        assert!(reported(30).is_empty());
        assert!(reported(60).is_empty(), "strict");
    }

    #[test]
    fn updated_stats() {
        // Spec case 41.
        let now = Instant::now() + Duration::from_secs(3600);
        let minute = Duration::from_secs(60);
        let list = [threshold(Signal::MemoryAvailable, 0)];
        let at = |time| observed(Signal::MemoryAvailable, gi(1), time);
        assert!(thresholds_updated_stats(&list, &[], &at(Some(now)), None).is_empty());
        assert_eq!(thresholds_updated_stats(&list, &[0], &at(None), None), [0]);
        assert_eq!(thresholds_updated_stats(&list, &[0], &at(Some(now)), None), [0]);
        assert!(thresholds_updated_stats(&list, &[0], &at(Some(now)), Some(&at(Some(now + minute)))).is_empty());
        assert!(thresholds_updated_stats(&list, &[0], &at(Some(now)), Some(&at(Some(now)))).is_empty());
        assert_eq!(thresholds_updated_stats(&list, &[0], &at(Some(now + minute)), Some(&at(Some(now)))), [0]);
        assert_eq!(thresholds_updated_stats(&list, &[0], &at(None), Some(&at(Some(now)))), [0]);
        assert!(thresholds_updated_stats(&list, &[0], &Observations::new(), None).is_empty());
    }

    #[test]
    fn eviction_priority_quirk() {
        // Spec cases 47 and 48.
        let list = [
            threshold(Signal::NodeFsAvailable, 0),
            threshold(Signal::PidAvailable, 0),
            threshold(Signal::MemoryAvailable, 0),
            threshold(Signal::AllocatableMemoryAvailable, 0),
        ];
        let sorted = |mut order: Vec<usize>| {
            by_eviction_priority(&list, &mut order);
            order
        };
        assert_eq!(sorted(vec![]), Vec::<usize>::new());
        assert_eq!(sorted(vec![0, 1, 2]), [2, 0, 1]);
        assert_eq!(sorted(vec![0, 1, 3]), [3, 0, 1]);
        assert_eq!(sorted(vec![2, 0, 3]), [3, 2, 0]);
    }

    #[test]
    fn met_and_merged() {
        let mut with_reclaim = threshold(Signal::MemoryAvailable, 0);
        with_reclaim.min_reclaim = Some(ThresholdValue::Quantity(gi(1)));
        let list = [with_reclaim, threshold(Signal::NodeFsAvailable, 0)];
        let memory = observed(Signal::MemoryAvailable, Quantity::binary_si(3 << 29), None);
        assert!(thresholds_met(&list, 0..2, &memory, false).is_empty());
        assert_eq!(thresholds_met(&list, 0..2, &memory, true), [0]);
        let duplicate = [list[0].clone(), Threshold { min_reclaim: None, ..list[0].clone() }, list[1].clone()];
        let mut met = vec![0];
        merge_thresholds(&duplicate, &mut met, &[1, 2, 0]);
        assert_eq!(met, [0, 2]);
    }
}
