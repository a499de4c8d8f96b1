//! Eviction thresholds as the kubelet's flags and configuration give them:
//! `--eviction-hard`/`--eviction-soft` text, grace periods, minimum reclaims,
//! quantities, percentages and Go durations. Any text is thresholds or an
//! `invalid-threshold` refusal, never a panic.
//!
//! Input: up to four texts separated by NUL: hard, soft, grace periods,
//! minimum reclaims.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nodecore::eviction::{
    EvictionConfig, Quantity, parse_duration, parse_key_value_flag, parse_percentage, parse_threshold_flag,
};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut parts = text.splitn(4, '\0');
    let (hard, soft, grace, reclaim) =
        (parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next().unwrap_or(""), parts.next());

    let _ = Quantity::parse(hard);
    let _ = parse_percentage(hard);
    let _ = parse_duration(grace);

    let (Ok(eviction_hard), Ok(eviction_soft), Ok(eviction_soft_grace_period)) =
        (parse_threshold_flag(hard), parse_threshold_flag(soft), parse_key_value_flag(grace))
    else {
        return;
    };
    let eviction_minimum_reclaim = reclaim.map(parse_key_value_flag).and_then(Result::ok).unwrap_or_default();
    let config = EvictionConfig {
        eviction_hard,
        eviction_soft,
        eviction_soft_grace_period,
        eviction_minimum_reclaim,
        enforce_node_allocatable: vec!["pods".to_owned()],
    };
    match config.thresholds() {
        Ok(thresholds) => {
            for threshold in &thresholds {
                let _ = format!("{threshold:?}");
            }
        }
        Err(err) => assert!(!err.to_string().is_empty()),
    }
});
