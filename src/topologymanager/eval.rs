//! Case kind `topology.merge`: a policy's merge of the providers' hints,
//! with the kubelet's configuration checks (see `tests/vectors/README.md`).

use super::bitmask::BitMask;
use super::{OptionGates, Policy, ProviderHints, TopologyHint};
use crate::eval::{EvalError, input, unknown_kind};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub(crate) fn eval(kind: &str, input: &Value) -> Result<Value, EvalError> {
    match kind {
        "topology.merge" => merge(input::parse(input)?),
        _ => Err(unknown_kind(kind)),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MergeInput {
    policy: String,
    numa_nodes: Vec<usize>,
    /// Row per node id (keys are decimal ids).
    #[serde(default)]
    distances: BTreeMap<String, Vec<u64>>,
    #[serde(default)]
    options: BTreeMap<String, String>,
    /// One hint map per provider; `null` is an empty map.
    providers: Vec<Option<BTreeMap<String, Option<Vec<HintInput>>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HintInput {
    affinity: Option<Vec<usize>>,
    preferred: bool,
}

fn merge(input: MergeInput) -> Result<Value, EvalError> {
    let distances = input
        .distances
        .into_iter()
        .map(|(node, row)| match node.parse::<usize>() {
            Ok(node) => Ok((node, row)),
            Err(_) => Err(EvalError::invalid_input(format!("distances key {node:?} is not a NUMA node id"))),
        })
        .collect::<Result<BTreeMap<_, _>, _>>()?;
    let providers = input
        .providers
        .into_iter()
        .map(|provider| {
            provider
                .unwrap_or_default()
                .into_iter()
                .map(|(resource, hints)| Ok((resource, hints.map(|h| h.into_iter().map(hint).collect()).transpose()?)))
                .collect::<Result<ProviderHints, EvalError>>()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let policy =
        Policy::from_config(&input.policy, &input.options, OptionGates::default(), &input.numa_nodes, &distances)
            .map_err(EvalError::module)?;
    let outcome = policy.merge(&providers).map_err(EvalError::module)?;
    let mut answer = hint_json(&outcome.hint);
    answer["admit"] = json!(outcome.admit);
    Ok(answer)
}

fn hint(input: HintInput) -> Result<TopologyHint, EvalError> {
    Ok(TopologyHint::new(affinity(input.affinity)?, input.preferred))
}

/// A hint as the case files write it: `{"affinity": [nodes] | null, "preferred"}`.
pub(crate) fn hint_json(hint: &TopologyHint) -> Value {
    json!({"affinity": hint.numa_node_affinity.map(BitMask::get_bits), "preferred": hint.preferred})
}

/// A hint's `affinity` as the case files write it: NUMA node ids, or `null`
/// for any node.
pub(crate) fn affinity(nodes: Option<Vec<usize>>) -> Result<Option<BitMask>, EvalError> {
    nodes.map(BitMask::new).transpose().map_err(|err| EvalError::invalid_input(format!("hint affinity: {err}")))
}
