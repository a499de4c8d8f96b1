//! Thresholds and their arithmetic (upstream `evictionapi.Threshold`,
//! `GetThresholdQuantity`).

use super::{Operator, Quantity, Signal};
use std::time::Duration;

/// A threshold's value: an absolute quantity or a fraction of capacity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ThresholdValue {
    /// An absolute amount (`100Mi`, `1200`).
    Quantity(Quantity),
    /// A fraction of the observed capacity (`"10%"` is `0.1`), kept in `f32`
    /// as upstream keeps it, so `10%` is really 0.10000000149011612.
    Percentage(f32),
}

/// One eviction threshold: a signal, a value and how long it must hold.
#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    /// What is observed.
    pub signal: Signal,
    /// How the observation is compared. `None` only for the empty threshold
    /// [`update_container_fs_thresholds`](super::update_container_fs_thresholds)
    /// appends when there is nothing to copy; such a threshold is never met.
    pub operator: Option<Operator>,
    /// The threshold value.
    pub value: ThresholdValue,
    /// How long the threshold must be met before pods are evicted; zero for
    /// a hard threshold.
    pub grace_period: Duration,
    /// How much more than the threshold must be reclaimed once it was met.
    pub min_reclaim: Option<ThresholdValue>,
}

impl Threshold {
    /// A hard threshold `signal < value` without minimum reclaim.
    pub fn hard(signal: Signal, value: ThresholdValue) -> Self {
        Threshold { signal, operator: Some(signal.operator()), value, grace_period: Duration::ZERO, min_reclaim: None }
    }

    /// A soft threshold `signal < value` that must hold for `grace_period`.
    pub fn soft(signal: Signal, value: ThresholdValue, grace_period: Duration) -> Self {
        Threshold { grace_period, ..Threshold::hard(signal, value) }
    }

    /// Whether the threshold is hard: its grace period is zero (upstream
    /// `isHardEvictionThreshold`), which also holds for a soft threshold
    /// configured with a grace period of `0s`.
    pub fn is_hard(&self) -> bool {
        self.grace_period.is_zero()
    }

    /// Upstream's logical equality (`hasThreshold`): same signal, operator,
    /// grace period and value; minimum reclaim is not compared.
    pub fn same_as(&self, other: &Threshold) -> bool {
        let same_value = match (self.value, other.value) {
            (ThresholdValue::Quantity(a), ThresholdValue::Quantity(b)) => a == b,
            (ThresholdValue::Percentage(a), ThresholdValue::Percentage(b)) => a == b,
            _ => false,
        };
        self.signal == other.signal
            && self.operator == other.operator
            && self.grace_period == other.grace_period
            && same_value
    }

    /// Whether the threshold is met by an observation (`available` out of
    /// `capacity`); with `enforce_min_reclaim` the minimum reclaim is added to
    /// the threshold first. The comparison is exact and strict.
    pub fn is_met(&self, available: Quantity, capacity: Quantity, enforce_min_reclaim: bool) -> bool {
        let mut quantity = threshold_quantity(self.value, capacity);
        if let (true, Some(min_reclaim)) = (enforce_min_reclaim, self.min_reclaim) {
            quantity = quantity.plus(threshold_quantity(min_reclaim, capacity));
        }
        match self.operator {
            Some(Operator::LessThan) => quantity > available,
            None => false,
        }
    }
}

/// The absolute quantity a threshold value stands for, given the observed
/// capacity (upstream `GetThresholdQuantity`).
///
/// A percentage is applied in `f64` to the capacity's integer value and
/// truncated, so `10%` of 100Gi is 10737418400, not 10737418240. The result
/// is always in binary-SI format, also for inodes and PIDs.
pub fn threshold_quantity(value: ThresholdValue, capacity: Quantity) -> Quantity {
    match value {
        ThresholdValue::Quantity(quantity) => quantity,
        ThresholdValue::Percentage(fraction) => {
            Quantity::binary_si(go_f64_to_i64(capacity.value() as f64 * f64::from(fraction)))
        }
    }
}

/// Go's `int64(f)` as compiled for amd64: truncation toward zero, and the
/// "integer indefinite" value `i64::MIN` for NaN and out-of-range values
/// (the Go spec leaves those platform-defined). So a `NaN%` threshold is
/// never met, as on the kubelets that run on amd64.
fn go_f64_to_i64(value: f64) -> i64 {
    const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;
    if (-TWO_POW_63..TWO_POW_63).contains(&value) { value as i64 } else { i64::MIN }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pct(text: &str) -> ThresholdValue {
        ThresholdValue::Percentage(text.parse::<f32>().unwrap() / 100.0)
    }

    #[test]
    fn percentages_use_f32_fractions_of_integer_capacities() {
        let gi = 1i64 << 30;
        let mi = 1i64 << 20;
        let cases = [
            ("10", 100 * gi, 10_737_418_400),
            ("15", 100 * gi, 16_106_128_000),
            ("5", 6_553_600, 327_680),
            ("10", 20_000_000_000, 2_000_000_029),
            ("20", 1000 * mi, 209_715_203),
            ("5", 1000 * mi, 52_428_800),
            ("30", 1000 * gi, 322_122_560_000),
            ("7.5", 16 * gi, 1_288_490_240),
            ("33.3", 3 * gi, 1_072_668_096),
            ("1", 4_194_304, 41_943),
            ("10", 4_194_304, 419_430),
        ];
        for (percent, capacity, expected) in cases {
            let quantity = threshold_quantity(pct(percent), Quantity::binary_si(capacity));
            assert_eq!(quantity.value(), expected, "{percent}% of {capacity}");
        }
        assert_eq!(threshold_quantity(pct("5"), Quantity::decimal_si(6_553_600)).to_string(), "320Ki");
    }

    #[test]
    fn thresholds_met_strictly_with_optional_min_reclaim() {
        let gi = Quantity::binary_si(1 << 30);
        let mut threshold = Threshold::hard(Signal::MemoryAvailable, ThresholdValue::Quantity(gi));
        threshold.min_reclaim = Some(ThresholdValue::Quantity("500Mi".parse().unwrap()));
        let available = |text: &str| text.parse::<Quantity>().unwrap();
        assert!(threshold.is_met(available("500Mi"), gi, false));
        assert!(!threshold.is_met(available("1Gi"), gi, false), "equal is not met");
        assert!(!threshold.is_met(available("2Gi"), gi, false));
        assert!(threshold.is_met(available("1.05Gi"), gi, true));
        assert!(!threshold.is_met(available("1.05Gi"), gi, false));
        assert!(!threshold.is_met(available("2Gi"), gi, true));

        let memory = Threshold { min_reclaim: Some(pct("5")), ..Threshold::hard(Signal::MemoryAvailable, pct("20")) };
        let capacity = Quantity::binary_si(1000 << 20);
        assert!(memory.is_met(Quantity::binary_si(235_929_600), capacity, true));
        assert!(!memory.is_met(Quantity::binary_si(262_144_003), capacity, true));
        assert!(memory.is_met(Quantity::binary_si(262_144_002), capacity, true));
    }

    #[test]
    fn nan_and_empty_thresholds_are_never_met() {
        let nan = Threshold::hard(Signal::PidAvailable, ThresholdValue::Percentage(f32::NAN));
        assert!(!nan.is_met(Quantity::decimal_si(-5), Quantity::decimal_si(100), false));
        let empty = Threshold { operator: None, ..Threshold::hard(Signal::ContainerFsAvailable, pct("0")) };
        assert!(!empty.is_met(Quantity::binary_si(-1), Quantity::binary_si(100), true));
        assert_eq!(go_f64_to_i64(-1.9), -1);
        assert_eq!(go_f64_to_i64(1e300), i64::MIN);
    }

    #[test]
    fn logical_equality_ignores_min_reclaim() {
        let a = Threshold::hard(Signal::NodeFsAvailable, ThresholdValue::Quantity("1Gi".parse().unwrap()));
        let b = Threshold { min_reclaim: Some(pct("5")), ..a.clone() };
        assert!(a.same_as(&b));
        assert!(!a.same_as(&Threshold::soft(a.signal, a.value, Duration::from_secs(1))));
        assert!(!a.same_as(&Threshold::hard(a.signal, ThresholdValue::Quantity(Quantity::binary_si(1)))));
    }
}
