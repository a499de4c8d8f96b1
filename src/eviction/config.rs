//! From the kubelet's eviction settings to thresholds (upstream
//! `ParseThresholdConfig`, `addAllocatableThresholds`,
//! `UpdateContainerFsThresholds`, and the flag syntax).
//!
//! Upstream iterates Go maps, so with several bad entries in one map the
//! error it reports is random; here maps are read in key order, so the first
//! bad signal name in byte order is reported. The threshold list is ordered
//! hard (by signal name), soft (by signal name), then allocatable copies.

use super::{Error, Quantity, Signal, Threshold, ThresholdValue, quantity};
use super::{FloatError, parse_duration, parse_float32};
use std::collections::BTreeMap;
use std::time::Duration;

/// The `enforceNodeAllocatable` key that makes the pods cgroup enforce
/// allocatable memory, and so adds `allocatableMemory.available` thresholds.
pub const NODE_ALLOCATABLE_ENFORCEMENT_KEY: &str = "pods";

/// The kubelet's Linux `evictionHard` default (1.31; `imagefs.inodesFree`
/// since 1.30). There is no default `pid.available` threshold.
pub const DEFAULT_EVICTION_HARD: [(&str, &str); 5] = [
    ("memory.available", "100Mi"),
    ("nodefs.available", "10%"),
    ("nodefs.inodesFree", "5%"),
    ("imagefs.available", "15%"),
    ("imagefs.inodesFree", "5%"),
];

/// The eviction fields of the KubeletConfiguration, in map form.
///
/// ```
/// use nodecore::eviction::{EvictionConfig, Signal};
///
/// let mut config = EvictionConfig::linux_defaults();
/// config.eviction_soft.insert("memory.available".into(), "500Mi".into());
/// config.eviction_soft_grace_period.insert("memory.available".into(), "1m30s".into());
/// let thresholds = config.thresholds().unwrap();
/// // Five hard defaults, one soft threshold, and the allocatable copy of the hard memory one.
/// assert_eq!(thresholds.len(), 7);
/// assert_eq!(thresholds[6].signal, Signal::AllocatableMemoryAvailable);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EvictionConfig {
    /// `evictionHard`: signal → quantity or percentage.
    pub eviction_hard: BTreeMap<String, String>,
    /// `evictionSoft`: signal → quantity or percentage.
    pub eviction_soft: BTreeMap<String, String>,
    /// `evictionSoftGracePeriod`: signal → Go duration.
    pub eviction_soft_grace_period: BTreeMap<String, String>,
    /// `evictionMinimumReclaim`: signal → quantity or percentage.
    pub eviction_minimum_reclaim: BTreeMap<String, String>,
    /// `enforceNodeAllocatable`.
    pub enforce_node_allocatable: Vec<String>,
}

impl EvictionConfig {
    /// The kubelet's defaults on Linux: [`DEFAULT_EVICTION_HARD`] and
    /// `enforceNodeAllocatable: ["pods"]`. In 1.31 setting any `evictionHard`
    /// key replaces the whole default map; the defaults are not merged.
    pub fn linux_defaults() -> Self {
        EvictionConfig {
            eviction_hard: DEFAULT_EVICTION_HARD.iter().map(|&(k, v)| (k.to_owned(), v.to_owned())).collect(),
            enforce_node_allocatable: vec![NODE_ALLOCATABLE_ENFORCEMENT_KEY.to_owned()],
            ..EvictionConfig::default()
        }
    }

    /// The thresholds this configuration sets (upstream `ParseThresholdConfig`).
    pub fn thresholds(&self) -> Result<Vec<Threshold>, Error> {
        let hard = parse_statements(&self.eviction_hard)?;
        let soft = parse_statements(&self.eviction_soft)?;
        let grace_periods = parse_grace_periods(&self.eviction_soft_grace_period)?;
        let min_reclaims = parse_min_reclaims(&self.eviction_minimum_reclaim)?;
        let mut thresholds = hard;
        for mut threshold in soft {
            threshold.grace_period =
                *grace_periods.get(&threshold.signal).ok_or(Error::MissingGracePeriod { signal: threshold.signal })?;
            thresholds.push(threshold);
        }
        for threshold in &mut thresholds {
            threshold.min_reclaim = min_reclaims.get(&threshold.signal).copied();
        }
        if self.enforce_node_allocatable.iter().any(|key| key == NODE_ALLOCATABLE_ENFORCEMENT_KEY) {
            thresholds = add_allocatable_thresholds(thresholds);
        }
        Ok(thresholds)
    }
}

fn parse_signal(name: &str) -> Result<Signal, Error> {
    Signal::from_name(name).ok_or_else(|| Error::UnsupportedSignal(name.to_owned()))
}

fn parse_statements(statements: &BTreeMap<String, String>) -> Result<Vec<Threshold>, Error> {
    let mut thresholds = Vec::new();
    for (name, value) in statements {
        if let Some(threshold) = parse_statement(parse_signal(name)?, value)? {
            thresholds.push(threshold);
        }
    }
    Ok(thresholds)
}

/// One `signal < value` statement; `None` for the exact strings `"0%"` and
/// `"100%"`, which upstream drops without a word.
fn parse_statement(signal: Signal, text: &str) -> Result<Option<Threshold>, Error> {
    if text.ends_with('%') {
        if text == "0%" || text == "100%" {
            return Ok(None);
        }
        let fraction = parse_percentage(text)?;
        if fraction < 0.0 {
            return Err(Error::PercentageBelowZero { signal, text: text.to_owned() });
        }
        if fraction > 1.0 {
            return Err(Error::PercentageAboveHundred { signal, text: text.to_owned() });
        }
        return Ok(Some(Threshold::hard(signal, ThresholdValue::Percentage(fraction))));
    }
    let parsed = quantity::parse(text)?;
    if parsed.quantity.signum() <= 0 {
        return Err(Error::ThresholdNotPositive { signal, quantity: parsed.display(text) });
    }
    Ok(Some(Threshold::hard(signal, ThresholdValue::Quantity(parsed.quantity))))
}

/// Upstream `parsePercentage`: every trailing `%` removed, the rest read as a
/// Go `float32`, then divided by 100 in `f32`.
pub fn parse_percentage(text: &str) -> Result<f32, FloatError> {
    parse_float32(text.trim_end_matches('%')).map(|value| value / 100.0)
}

fn parse_grace_periods(statements: &BTreeMap<String, String>) -> Result<BTreeMap<Signal, Duration>, Error> {
    let mut periods = BTreeMap::new();
    for (name, text) in statements {
        let signal = parse_signal(name)?;
        let nanos = parse_duration(text)?;
        let nanos = u64::try_from(nanos).map_err(|_| Error::NegativeGracePeriod { text: text.clone() })?;
        periods.insert(signal, Duration::from_nanos(nanos));
    }
    Ok(periods)
}

fn parse_min_reclaims(statements: &BTreeMap<String, String>) -> Result<BTreeMap<Signal, ThresholdValue>, Error> {
    let mut reclaims = BTreeMap::new();
    for (name, text) in statements {
        let signal = parse_signal(name)?;
        let value = if text.ends_with('%') {
            let fraction = parse_percentage(text)?;
            // NaN passes this check, as upstream's `percentage <= 0` does.
            if fraction <= 0.0 {
                return Err(Error::MinReclaimPercentageNotPositive { signal, text: text.clone() });
            }
            ThresholdValue::Percentage(fraction)
        } else {
            let quantity = Quantity::parse(text)?;
            if quantity.signum() < 0 {
                return Err(Error::NegativeMinReclaim { signal });
            }
            ThresholdValue::Quantity(quantity)
        };
        reclaims.insert(signal, value);
    }
    Ok(reclaims)
}

/// Appends an `allocatableMemory.available` copy of every hard
/// `memory.available` threshold (value and minimum reclaim shared), after all
/// the originals (upstream `addAllocatableThresholds`). Soft memory
/// thresholds are not copied; a soft one with grace `0s` counts as hard.
pub fn add_allocatable_thresholds(mut thresholds: Vec<Threshold>) -> Vec<Threshold> {
    let copies: Vec<Threshold> = thresholds
        .iter()
        .filter(|t| t.signal == Signal::MemoryAvailable && t.is_hard())
        .map(|t| Threshold { signal: Signal::AllocatableMemoryAvailable, grace_period: Duration::ZERO, ..t.clone() })
        .collect();
    thresholds.extend(copies);
    thresholds
}

/// Reads an `--eviction-hard` / `--eviction-soft` flag value
/// (`memory.available<100Mi,nodefs.available<10%`): pieces split on `,` and
/// at their first `<`, keys and values trimmed; a later duplicate key wins.
pub fn parse_threshold_flag(value: &str) -> Result<BTreeMap<String, String>, Error> {
    parse_flag_pairs(value, '<', false)
}

/// Reads an `--eviction-soft-grace-period` / `--eviction-minimum-reclaim`
/// flag value (`memory.available=1m30s,...`): as
/// [`parse_threshold_flag`] with `=`, and blank pieces skipped.
pub fn parse_key_value_flag(value: &str) -> Result<BTreeMap<String, String>, Error> {
    parse_flag_pairs(value, '=', true)
}

fn parse_flag_pairs(value: &str, separator: char, skip_blank: bool) -> Result<BTreeMap<String, String>, Error> {
    let mut pairs = BTreeMap::new();
    for piece in value.split(',') {
        let piece = if skip_blank { piece.trim() } else { piece };
        if piece.is_empty() {
            continue;
        }
        let (key, value) = piece.split_once(separator).ok_or(Error::MalformedFlagPair { separator })?;
        pairs.insert(key.trim().to_owned(), value.trim().to_owned());
    }
    Ok(pairs)
}

/// Derives the `containerfs.*` thresholds from the node or image filesystem
/// ones, as the manager does once it knows the disk layout (upstream
/// `UpdateContainerFsThresholds`, KubeletSeparateDiskGC).
///
/// The source is `nodefs.*` on a single filesystem and when writable layers
/// are split from images, `imagefs.*` on a dedicated image filesystem; of
/// each kind (hard or soft, bytes or inodes) the last source threshold in the
/// list counts. A containerfs threshold the user configured is overwritten in
/// place (the last of its kind), otherwise the copy is appended, in the order
/// hard bytes, soft bytes, hard inodes, soft inodes. With no source, an empty
/// threshold is appended: no operator, 0%, grace 0 (so it counts as hard), no
/// minimum reclaim; it is never met. With no image filesystem but split
/// writable layers (a layout upstream does not expect) nothing is derived.
///
/// Returns the warning upstream returns and the manager only logs when the
/// user configured containerfs thresholds (the last one found).
pub fn update_container_fs_thresholds(
    thresholds: &mut Vec<Threshold>,
    dedicated_image_fs: bool,
    split_container_fs: bool,
) -> Option<String> {
    // Kinds in upstream's order: (bytes?, hard?).
    const KINDS: [(bool, bool); 4] = [(true, true), (true, false), (false, true), (false, false)];
    let source_family = match (dedicated_image_fs, split_container_fs) {
        (true, true) | (false, false) => Some([Signal::NodeFsAvailable, Signal::NodeFsInodesFree]),
        (true, false) => Some([Signal::ImageFsAvailable, Signal::ImageFsInodesFree]),
        (false, true) => None,
    };
    let mut warning = None;
    let mut user_index: [Option<usize>; 4] = [None; 4];
    for (index, threshold) in thresholds.iter().enumerate() {
        let bytes = match threshold.signal {
            Signal::ContainerFsAvailable => true,
            Signal::ContainerFsInodesFree => false,
            _ => continue,
        };
        let kind = KINDS.iter().position(|&k| k == (bytes, threshold.is_hard())).expect("every kind is listed");
        user_index[kind] = Some(index);
        warning = Some(format!(
            "found {} for {} eviction. ignoring",
            threshold.signal,
            if threshold.is_hard() { "hard" } else { "soft" }
        ));
    }
    let Some([bytes_source, inodes_source]) = source_family else {
        return warning;
    };
    for (kind, &(bytes, hard)) in KINDS.iter().enumerate() {
        let (source_signal, signal) = if bytes {
            (bytes_source, Signal::ContainerFsAvailable)
        } else {
            (inodes_source, Signal::ContainerFsInodesFree)
        };
        let source = thresholds.iter().rev().find(|t| t.signal == source_signal && t.is_hard() == hard);
        let derived = match source {
            Some(source) => Threshold {
                signal,
                grace_period: if hard { Duration::ZERO } else { source.grace_period },
                ..source.clone()
            },
            None => Threshold {
                signal,
                operator: None,
                value: ThresholdValue::Percentage(0.0),
                grace_period: Duration::ZERO,
                min_reclaim: None,
            },
        };
        match user_index[kind] {
            Some(index) => thresholds[index] = derived,
            None => thresholds.push(derived),
        }
    }
    warning
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|&(k, v)| (k.to_owned(), v.to_owned())).collect()
    }

    fn quantity(text: &str) -> ThresholdValue {
        ThresholdValue::Quantity(text.parse().unwrap())
    }

    fn mem(text: &str) -> Threshold {
        Threshold::hard(Signal::MemoryAvailable, quantity(text))
    }

    #[test]
    fn defaults_parse_to_six_thresholds() {
        let thresholds = EvictionConfig::linux_defaults().thresholds().unwrap();
        let signals: Vec<&str> = thresholds.iter().map(|t| t.signal.as_str()).collect();
        assert_eq!(
            signals,
            [
                "imagefs.available",
                "imagefs.inodesFree",
                "memory.available",
                "nodefs.available",
                "nodefs.inodesFree",
                "allocatableMemory.available"
            ]
        );
        assert!(thresholds.iter().all(Threshold::is_hard));
        assert_eq!(thresholds[0].value, ThresholdValue::Percentage(0.15));
    }

    #[test]
    fn allocatable_copies_follow_hard_memory_thresholds() {
        // Spec cases 25-28.
        let imagefs = Threshold::hard(Signal::ImageFsAvailable, quantity("150Mi"));
        assert_eq!(add_allocatable_thresholds(vec![imagefs.clone()]), vec![imagefs]);
        let soft = Threshold::soft(Signal::MemoryAvailable, quantity("150Mi"), Duration::from_nanos(10));
        assert_eq!(add_allocatable_thresholds(vec![soft.clone()]), vec![soft]);
        let second = Threshold { min_reclaim: Some(quantity("1Gi")), ..mem("200Mi") };
        let result = add_allocatable_thresholds(vec![mem("150Mi"), second.clone()]);
        let alloc = |t: &Threshold| Threshold { signal: Signal::AllocatableMemoryAvailable, ..t.clone() };
        assert_eq!(result, vec![mem("150Mi"), second.clone(), alloc(&mem("150Mi")), alloc(&second)]);
    }

    #[test]
    fn errors_come_in_upstream_stage_order() {
        let config = EvictionConfig {
            eviction_hard: map(&[("memory.available", "-1")]),
            eviction_soft: map(&[("bogus", "1")]),
            ..EvictionConfig::default()
        };
        assert!(matches!(config.thresholds(), Err(Error::ThresholdNotPositive { .. })));
        let config = EvictionConfig {
            eviction_soft: map(&[("memory.available", "1Gi")]),
            eviction_minimum_reclaim: map(&[("memory.available", "-1")]),
            ..EvictionConfig::default()
        };
        assert!(matches!(config.thresholds(), Err(Error::NegativeMinReclaim { .. })), "before the missing grace");
        let config = EvictionConfig { eviction_hard: map(&[("memory.available", "-150Mi")]), ..Default::default() };
        assert_eq!(
            config.thresholds().unwrap_err().to_string(),
            "eviction threshold memory.available must be positive: -150Mi"
        );
        let config = EvictionConfig { eviction_hard: map(&[("memory.available", "Mi")]), ..Default::default() };
        assert_eq!(
            config.thresholds().unwrap_err().to_string(),
            "eviction threshold memory.available must be positive: 0"
        );
    }

    #[test]
    fn flags_split_on_commas_and_the_first_separator() {
        let hard =
            parse_threshold_flag("memory.available<100Mi, nodefs.available < 10% ,memory.available<1Gi").unwrap();
        assert_eq!(hard, map(&[("memory.available", "1Gi"), ("nodefs.available", "10%")]));
        assert_eq!(parse_threshold_flag("a<b<c").unwrap(), map(&[("a", "b<c")]));
        assert_eq!(parse_threshold_flag("").unwrap(), map(&[]));
        assert_eq!(
            parse_threshold_flag("memory.available").unwrap_err().to_string(),
            "malformed pair, expect string<string"
        );
        assert_eq!(parse_key_value_flag(" memory.available=1m30s , ").unwrap(), map(&[("memory.available", "1m30s")]));
        assert_eq!(parse_key_value_flag("x").unwrap_err().to_string(), "malformed pair, expect string=string");
    }

    fn fs(signal: Signal, text: &str, grace_s: u64, min_reclaim: &str) -> Threshold {
        Threshold {
            min_reclaim: Some(quantity(min_reclaim)),
            ..Threshold::soft(signal, quantity(text), Duration::from_secs(grace_s))
        }
    }

    #[test]
    fn containerfs_thresholds_overwrite_user_entries() {
        // Spec case 29: split filesystem, so nodefs is the source.
        use Signal::*;
        let mut thresholds = vec![
            fs(NodeFsAvailable, "100Mi", 0, "1Gi"),
            fs(NodeFsAvailable, "200Mi", 30, "1Gi"),
            fs(NodeFsInodesFree, "200Mi", 30, "2Gi"),
            fs(NodeFsInodesFree, "100Mi", 0, "1Gi"),
            fs(ImageFsAvailable, "150Mi", 0, "1.5Gi"),
            fs(ImageFsAvailable, "300Mi", 30, "3Gi"),
            fs(ImageFsInodesFree, "150Mi", 30, "2Gi"),
            fs(ImageFsInodesFree, "300Mi", 0, "2Gi"),
            fs(ContainerFsAvailable, "500Mi", 0, "5Gi"),
            fs(ContainerFsAvailable, "500Mi", 30, "5Gi"),
            fs(ContainerFsInodesFree, "500Mi", 30, "5Gi"),
            fs(ContainerFsInodesFree, "500Mi", 0, "5Gi"),
        ];
        let warning = update_container_fs_thresholds(&mut thresholds, true, true);
        assert_eq!(warning.as_deref(), Some("found containerfs.inodesFree for hard eviction. ignoring"));
        assert_eq!(thresholds.len(), 12);
        assert_eq!(thresholds[8], fs(ContainerFsAvailable, "100Mi", 0, "1Gi"));
        assert_eq!(thresholds[9], fs(ContainerFsAvailable, "200Mi", 30, "1Gi"));
        assert_eq!(thresholds[10], fs(ContainerFsInodesFree, "200Mi", 30, "2Gi"));
        assert_eq!(thresholds[11], fs(ContainerFsInodesFree, "100Mi", 0, "1Gi"));
    }

    #[test]
    fn containerfs_thresholds_are_appended_from_imagefs_or_empty() {
        use Signal::*;
        let mut thresholds = vec![fs(ImageFsAvailable, "1Gi", 0, "0"), fs(NodeFsAvailable, "2Gi", 0, "0")];
        assert_eq!(update_container_fs_thresholds(&mut thresholds, true, false), None);
        assert_eq!(thresholds.len(), 6);
        assert_eq!(thresholds[2], fs(ContainerFsAvailable, "1Gi", 0, "0"));
        let empty = &thresholds[3];
        assert_eq!((empty.signal, empty.operator, empty.min_reclaim), (ContainerFsAvailable, None, None));
        assert!(empty.is_hard());
        assert_eq!(thresholds[4].signal, ContainerFsInodesFree);

        let mut single = vec![fs(NodeFsAvailable, "2Gi", 0, "0")];
        update_container_fs_thresholds(&mut single, false, false);
        assert_eq!(single[1], fs(ContainerFsAvailable, "2Gi", 0, "0"));

        let mut odd = vec![fs(NodeFsAvailable, "2Gi", 0, "0")];
        update_container_fs_thresholds(&mut odd, false, true);
        assert_eq!(odd.len(), 1);
    }
}
