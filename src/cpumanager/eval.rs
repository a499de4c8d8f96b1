//! Case kinds of this module: `cpu.take`, `cpu.hints`, `cpu.allocate`.

use super::state::State;
use super::{
    Container, Error, Pod, PolicyOptionGates, QosClass, SmtAlignmentError, StaticPolicy, StaticPolicyOptions,
    generate_cpu_topology_hints, take_by_topology,
};
use crate::cpuset::CpuSet;
use crate::eval::{EvalError, input, unknown_kind};
use crate::topology::CpuTopology;
use crate::topologymanager::{affinity, hint_json};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub(crate) fn eval(kind: &str, input: &Value) -> Result<Value, EvalError> {
    match kind {
        "cpu.take" => take(input),
        "cpu.hints" => hints(input),
        "cpu.allocate" => allocate(input),
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
    let topology = CpuTopology::from_json_value(&topology).map_err(EvalError::module)?;
    let options = read_options(&options, &topology).map_err(EvalError::module)?;
    if options.full_physical_cpus_only {
        let cpus_per_core = topology.cpus_per_core();
        if cpus_per_core == 0 || count % cpus_per_core != 0 {
            return Err(EvalError::module(Error::from(SmtAlignmentError::not_multiple(count, cpus_per_core))));
        }
    }
    let cpus = take_by_topology(&topology, &available, count, &options).map_err(EvalError::module)?;
    Ok(json!({"cpus": cpus.to_string()}))
}

fn read_options(options: &BTreeMap<String, String>, topology: &CpuTopology) -> Result<StaticPolicyOptions, Error> {
    let options = StaticPolicyOptions::parse(options, PolicyOptionGates::all())?;
    options.validate(topology, TOPOLOGY_MANAGER_POLICY)?;
    Ok(options)
}

/// `cpu.hints`: upstream `generateCPUTopologyHints` for `request` CPUs out of
/// `available` plus `reusable`, with the `align-by-socket` option.
fn hints(args: &Value) -> Result<Value, EvalError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Hints {
        topology: Value,
        available: CpuSet,
        #[serde(default)]
        reusable: CpuSet,
        request: usize,
        #[serde(default)]
        options: BTreeMap<String, String>,
    }
    let Hints { topology, available, reusable, request, options } = input::parse(args)?;
    let topology = CpuTopology::from_json_value(&topology).map_err(EvalError::module)?;
    let options = read_options(&options, &topology).map_err(EvalError::module)?;
    let hints = generate_cpu_topology_hints(&topology, options.align_by_socket, &available, &reusable, request)
        .map_err(EvalError::module)?;
    Ok(json!({ "hints": hints.iter().map(hint_json).collect::<Vec<_>>() }))
}

/// `cpu.allocate`: the static policy built with the reserved CPUs, started on
/// a state holding `assignments` (the shared pool is every other CPU, minus
/// the reserved ones with `strict-cpu-reservation`), then asked to allocate
/// every container of the pod, init containers first, with `affinity`.
fn allocate(args: &Value) -> Result<Value, EvalError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Allocate {
        topology: Value,
        reserved: Option<CpuSet>,
        reserved_count: Option<usize>,
        #[serde(default)]
        options: BTreeMap<String, String>,
        #[serde(default)]
        assignments: BTreeMap<String, BTreeMap<String, CpuSet>>,
        affinity: Option<HintAffinity>,
        pod: PodInput,
    }
    /// A hint; only its NUMA affinity matters to an allocation.
    #[derive(Deserialize)]
    struct HintAffinity {
        affinity: Option<Vec<usize>>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct PodInput {
        uid: String,
        qos: QosClass,
        containers: Vec<ContainerInput>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct ContainerInput {
        name: String,
        cpu_request_milli: Option<u64>,
        cpu_limit_milli: Option<u64>,
        #[serde(default)]
        init: bool,
        #[serde(default)]
        restartable: bool,
    }

    let case: Allocate = input::parse(args)?;
    let topology = CpuTopology::from_json_value(&case.topology).map_err(EvalError::module)?;
    let options = read_options(&case.options, &topology).map_err(EvalError::module)?;
    let (num_reserved, reserved) = match (case.reserved, case.reserved_count) {
        (Some(reserved), None) => (reserved.len(), reserved),
        (None, count) => (count.unwrap_or(0), CpuSet::new()),
        (Some(_), Some(_)) => {
            return Err(EvalError::invalid_input("give \"reserved\" or \"reserved_count\", not both"));
        }
    };
    let numa_affinity = affinity(case.affinity.and_then(|hint| hint.affinity))?;
    let mut pod = Pod { uid: case.pod.uid, qos: case.pod.qos, init_containers: Vec::new(), containers: Vec::new() };
    for c in case.pod.containers {
        let container = Container {
            name: c.name,
            cpu_request_milli: c.cpu_request_milli,
            cpu_limit_milli: c.cpu_limit_milli,
            restartable: c.restartable,
        };
        if c.init { pod.init_containers.push(container) } else { pod.containers.push(container) }
    }

    let strict = options.strict_cpu_reservation;
    let policy = StaticPolicy::new(topology, num_reserved, &reserved, options, TOPOLOGY_MANAGER_POLICY)
        .map_err(EvalError::module)?;
    let state = State::new_memory();
    state
        .update(|data| {
            let mut shared = policy.topology().cpus();
            if strict {
                shared = shared.difference(policy.reserved_cpus());
            }
            data.assignments = case.assignments;
            data.default_cpu_set = shared.difference(&data.assigned_cpus());
            Ok::<_, Error>(())
        })
        .map_err(EvalError::module)?;
    policy.start(&state).map_err(EvalError::module)?;
    for container in pod.all_containers() {
        policy.allocate(&state, &pod, container, numa_affinity).map_err(EvalError::module)?;
    }

    let data = state.snapshot();
    let assignments: BTreeMap<&String, BTreeMap<&String, String>> = data
        .assignments
        .iter()
        .map(|(pod, containers)| (pod, containers.iter().map(|(name, cpus)| (name, cpus.to_string())).collect()))
        .collect();
    Ok(json!({"assignments": assignments, "default": data.default_cpu_set.to_string()}))
}
