//! Case kinds `eviction.thresholds` and `eviction.rank` (shapes in
//! `tests/vectors/NOTES-eviction-cgroups.md`).

use super::{
    ContainerKind, ContainerRequests, EvictionConfig, FsLayout, FsUsage, Pod, PodStats, Quantity, Resources, Signal,
    Threshold, ThresholdValue, pod_requests, rank,
};
use crate::eval::{EvalError, input, unknown_kind};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::{BTreeMap, HashMap};

pub(crate) fn eval(kind: &str, args: &Value) -> Result<Value, EvalError> {
    match kind {
        "eviction.thresholds" => thresholds(input::parse(args)?),
        "eviction.rank" => ranking(input::parse(args)?),
        _ => Err(unknown_kind(kind)),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ThresholdsInput {
    #[serde(default)]
    hard: Option<BTreeMap<String, String>>,
    #[serde(default)]
    soft: Option<BTreeMap<String, String>>,
    #[serde(default)]
    soft_grace: Option<BTreeMap<String, String>>,
    #[serde(default)]
    min_reclaim: Option<BTreeMap<String, String>>,
    #[serde(default)]
    allocatable_enforced: Option<bool>,
}

fn thresholds(input: ThresholdsInput) -> Result<Value, EvalError> {
    let config = EvictionConfig {
        eviction_hard: input.hard.unwrap_or_default(),
        eviction_soft: input.soft.unwrap_or_default(),
        eviction_soft_grace_period: input.soft_grace.unwrap_or_default(),
        eviction_minimum_reclaim: input.min_reclaim.unwrap_or_default(),
        enforce_node_allocatable: if input.allocatable_enforced.unwrap_or(false) {
            vec![super::NODE_ALLOCATABLE_ENFORCEMENT_KEY.to_owned()]
        } else {
            Vec::new()
        },
    };
    let mut thresholds = config.thresholds().map_err(EvalError::module)?;
    // Stable: rows equal in signal and grace keep upstream's list order.
    thresholds.sort_by(|a, b| a.signal.as_str().cmp(b.signal.as_str()).then(a.grace_period.cmp(&b.grace_period)));
    Ok(json!({"thresholds": thresholds.iter().map(threshold_row).collect::<Vec<_>>()}))
}

fn threshold_row(threshold: &Threshold) -> Value {
    let (quantity, percentage) = value_fields(Some(threshold.value));
    let (min_reclaim_quantity, min_reclaim_percentage) = value_fields(threshold.min_reclaim);
    json!({
        "signal": threshold.signal.as_str(),
        "operator": threshold.operator.map(|op| op.to_string()),
        "quantity": quantity,
        "percentage": percentage,
        "grace_period_s": go_seconds(threshold.grace_period),
        "min_reclaim_quantity": min_reclaim_quantity,
        "min_reclaim_percentage": min_reclaim_percentage,
    })
}

/// A value as (quantity, percentage) JSON fields: the quantity's `Value()`,
/// the percentage's binary32 widened exactly to binary64.
fn value_fields(value: Option<ThresholdValue>) -> (Value, Value) {
    match value {
        None => (Value::Null, Value::Null),
        Some(ThresholdValue::Quantity(q)) => (json!(q.value()), Value::Null),
        Some(ThresholdValue::Percentage(p)) => (Value::Null, json!(f64::from(p))),
    }
}

/// Go's `Duration.Seconds()`, as a JSON integer when whole.
fn go_seconds(duration: std::time::Duration) -> Value {
    if duration.subsec_nanos() == 0 {
        json!(duration.as_secs())
    } else {
        json!(duration.as_secs() as f64 + f64::from(duration.subsec_nanos()) / 1e9)
    }
}

/// A quantity given as an integer or as Kubernetes text (`"100Mi"`).
#[derive(Deserialize)]
#[serde(untagged)]
enum QuantityInput {
    Integer(i64),
    Text(String),
}

impl QuantityInput {
    fn quantity(&self) -> Result<Quantity, EvalError> {
        match self {
            QuantityInput::Integer(value) => Ok(Quantity::binary_si(*value)),
            QuantityInput::Text(text) => {
                Quantity::parse(text).map_err(|err| EvalError::invalid_input(format!("quantity {text:?}: {err}")))
            }
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ResourcesInput {
    #[serde(default)]
    memory: Option<QuantityInput>,
    #[serde(default, rename = "ephemeral-storage")]
    ephemeral_storage: Option<QuantityInput>,
}

impl ResourcesInput {
    fn resources(&self) -> Result<Resources, EvalError> {
        Ok(Resources {
            memory: self.memory.as_ref().map(QuantityInput::quantity).transpose()?,
            ephemeral_storage: self.ephemeral_storage.as_ref().map(QuantityInput::quantity).transpose()?,
        })
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContainerInput {
    /// Part of the case format; requests do not depend on it.
    #[serde(default, rename = "name")]
    _name: Option<String>,
    #[serde(default)]
    requests: Option<ResourcesInput>,
    #[serde(default)]
    init: Option<bool>,
    #[serde(default)]
    restartable: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct StatsInput {
    memory_working_set: Option<u64>,
    #[serde(default)]
    rootfs_used: Option<u64>,
    #[serde(default)]
    logs_used: Option<u64>,
    #[serde(default)]
    volumes_used: Option<u64>,
    #[serde(default)]
    rootfs_inodes_used: Option<u64>,
    #[serde(default)]
    logs_inodes_used: Option<u64>,
    #[serde(default)]
    volumes_inodes_used: Option<u64>,
    #[serde(default)]
    processes: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PodInput {
    name: String,
    #[serde(default)]
    priority: Option<i32>,
    #[serde(default)]
    requests: Option<ResourcesInput>,
    #[serde(default)]
    containers: Option<Vec<ContainerInput>>,
    #[serde(default)]
    overhead: Option<ResourcesInput>,
    #[serde(default)]
    stats: Option<StatsInput>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RankInput {
    signal: String,
    pods: Vec<PodInput>,
    #[serde(default)]
    image_fs: Option<bool>,
    #[serde(default)]
    container_fs: Option<bool>,
}

impl PodInput {
    fn pod(&self) -> Result<Pod, EvalError> {
        let requests = match (&self.requests, &self.containers) {
            (Some(_), Some(_)) => {
                return Err(EvalError::invalid_input(format!(
                    "pod {}: give requests or containers, not both",
                    self.name
                )));
            }
            (_, Some(containers)) => {
                let containers = containers
                    .iter()
                    .map(|c| {
                        let kind = match (c.init.unwrap_or(false), c.restartable.unwrap_or(false)) {
                            (false, _) => ContainerKind::Regular,
                            (true, false) => ContainerKind::Init,
                            (true, true) => ContainerKind::Sidecar,
                        };
                        let requests = c.requests.as_ref().map(ResourcesInput::resources).transpose()?;
                        Ok(ContainerRequests { kind, requests: requests.unwrap_or_default() })
                    })
                    .collect::<Result<Vec<_>, EvalError>>()?;
                let overhead = self.overhead.as_ref().map(ResourcesInput::resources).transpose()?;
                pod_requests(&containers, &overhead.unwrap_or_default())
            }
            (requests, None) => {
                if self.overhead.is_some() {
                    return Err(EvalError::invalid_input(format!("pod {}: overhead needs containers", self.name)));
                }
                requests.as_ref().map(ResourcesInput::resources).transpose()?.unwrap_or_default()
            }
        };
        Ok(Pod {
            priority: self.priority,
            memory_request: requests.memory.unwrap_or_default(),
            ephemeral_storage_request: requests.ephemeral_storage.unwrap_or_default(),
            ..Pod::new(self.name.clone())
        })
    }

    fn stats(&self) -> Option<PodStats> {
        let s = self.stats.as_ref()?;
        let usage = |bytes: Option<u64>, inodes: Option<u64>| FsUsage {
            used_bytes: bytes.unwrap_or(0),
            inodes_used: inodes.unwrap_or(0),
        };
        Some(PodStats {
            memory_working_set_bytes: s.memory_working_set,
            rootfs: usage(s.rootfs_used, s.rootfs_inodes_used),
            logs: usage(s.logs_used, s.logs_inodes_used),
            local_volumes: usage(s.volumes_used, s.volumes_inodes_used),
            process_count: s.processes,
        })
    }
}

fn ranking(input: RankInput) -> Result<Value, EvalError> {
    let signal: Signal = input.signal.parse().map_err(EvalError::invalid_input)?;
    let layout = FsLayout {
        dedicated_image_fs: input.image_fs.unwrap_or(false),
        split_container_fs: input.container_fs.unwrap_or(false),
    };
    let pods = input.pods.iter().map(PodInput::pod).collect::<Result<Vec<_>, _>>()?;
    let stats: Vec<Option<PodStats>> = input.pods.iter().map(PodInput::stats).collect();
    let mut by_name = HashMap::new();
    for (index, pod) in pods.iter().enumerate() {
        if by_name.insert(pod.name.as_str(), index).is_some() {
            return Err(EvalError::invalid_input(format!("pod name {:?} appears twice", pod.name)));
        }
    }
    let order = rank(signal, layout, &pods, |pod| stats[by_name[pod.name.as_str()]].as_ref());
    Ok(json!({"order": order.iter().map(|&i| &pods[i].name).collect::<Vec<_>>()}))
}
