//! Case kinds of this module: `cpu.take`.

use super::{Error, PolicyOptionGates, SmtAlignmentError, StaticPolicyOptions, take_by_topology};
use crate::cpuset::CpuSet;
use crate::eval::{EvalError, input, unknown_kind};
use crate::topology::CpuTopology;
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub(crate) fn eval(kind: &str, input: &Value) -> Result<Value, EvalError> {
    match kind {
        "cpu.take" => take(input),
        _ => Err(unknown_kind(kind)),
    }
}

/// The topology-manager policy the case files assume (any but
/// `single-numa-node`).
const TOPOLOGY_MANAGER_POLICY: &str = "none";

/// `cpu.take`: the static policy's choice of `count` CPUs out of `available`,
/// with the options read as the kubelet reads them (alpha and beta option
/// gates on). With `full-pcpus-only` a count that is not a multiple of the
/// CPUs per core is refused first, as the policy's admission does.
fn take(args: &Value) -> Result<Value, EvalError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Take {
        topology: Value,
        available: CpuSet,
        count: usize,
        #[serde(default)]
        options: BTreeMap<String, String>,
    }
    let Take { topology, available, count, options } = input::parse(args)?;
    let topology = CpuTopology::from_json_value(&topology).map_err(|err| EvalError::new(err.kind(), err))?;
    let options = read_options(&options, &topology).map_err(module_error)?;
    if options.full_physical_cpus_only {
        let cpus_per_core = topology.cpus_per_core();
        if cpus_per_core == 0 || count % cpus_per_core != 0 {
            return Err(module_error(SmtAlignmentError::not_multiple(count, cpus_per_core).into()));
        }
    }
    let cpus = take_by_topology(&topology, &available, count, &options).map_err(module_error)?;
    Ok(json!({"cpus": cpus.to_string()}))
}

fn read_options(options: &BTreeMap<String, String>, topology: &CpuTopology) -> Result<StaticPolicyOptions, Error> {
    let options = StaticPolicyOptions::parse(options, PolicyOptionGates::all())?;
    options.validate(topology, TOPOLOGY_MANAGER_POLICY)?;
    Ok(options)
}

fn module_error(err: Error) -> EvalError {
    EvalError::new(err.kind(), err)
}
