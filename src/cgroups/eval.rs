//! Case kinds `cgroups.name`, `cgroups.convert` and `swap.limit`.

use super::convert::{
    QUOTA_PERIOD, cpu_shares_to_weight_linear, cpu_shares_to_weight_quadratic, milli_cpu_to_quota, milli_cpu_to_shares,
};
use super::memory_qos::{DEFAULT_PAGE_SIZE, DEFAULT_THROTTLING_FACTOR, memory_high};
use super::swap::{ContainerSwapInput, SwapBehavior, SwapSetting, container_swap};
use super::{CgroupName, CgroupVersion, Driver, QosClass};
use crate::eval::{EvalError, input, unknown_kind};
use serde::Deserialize;
use serde_json::{Value, json};

pub(crate) fn eval(kind: &str, args: &Value) -> Result<Value, EvalError> {
    match kind {
        "cgroups.name" => name(args),
        "cgroups.convert" => convert(args),
        "swap.limit" => swap_limit(args),
        _ => Err(unknown_kind(kind)),
    }
}

fn name(args: &Value) -> Result<Value, EvalError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Name {
        driver: Driver,
        name: Vec<String>,
    }
    let Name { driver, name } = input::parse(args)?;
    let name = CgroupName::new(name).map_err(EvalError::module)?;
    Ok(json!({"path": driver.name(&name).map_err(EvalError::module)?}))
}

fn convert(args: &Value) -> Result<Value, EvalError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Convert {
        function: String,
        args: Value,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct MilliCpu {
        milli_cpu: i64,
        period: Option<u64>,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Shares {
        shares: u64,
    }
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct MemoryHigh {
        memory_request: i64,
        memory_limit: Option<i64>,
        node_allocatable_memory: Option<i64>,
        throttling_factor: Option<f64>,
        page_size: Option<i64>,
    }
    let Convert { function, args } = input::parse(args)?;
    let value = match function.as_str() {
        "milli_cpu_to_shares" => {
            let MilliCpu { milli_cpu, period } = input::parse(&args)?;
            if period.is_some() {
                return Err(EvalError::invalid_input("milli_cpu_to_shares takes no period"));
            }
            json!(milli_cpu_to_shares(milli_cpu))
        }
        "milli_cpu_to_quota" => {
            let MilliCpu { milli_cpu, period } = input::parse(&args)?;
            json!(milli_cpu_to_quota(milli_cpu, period.unwrap_or(QUOTA_PERIOD)))
        }
        "cpu_shares_to_weight_linear" => json!(cpu_shares_to_weight_linear(input::parse::<Shares>(&args)?.shares)),
        "cpu_shares_to_weight_quadratic" => {
            json!(cpu_shares_to_weight_quadratic(input::parse::<Shares>(&args)?.shares))
        }
        "memory_high" => {
            let high: MemoryHigh = input::parse(&args)?;
            json!(memory_high(
                high.memory_request,
                high.memory_limit.unwrap_or(0),
                high.node_allocatable_memory.unwrap_or(0),
                high.throttling_factor.unwrap_or(DEFAULT_THROTTLING_FACTOR),
                high.page_size.unwrap_or(DEFAULT_PAGE_SIZE),
            ))
        }
        other => return Err(EvalError::invalid_input(format!("unknown conversion function {other:?}"))),
    };
    Ok(json!({"value": value}))
}

/// The case context is fixed: cgroup v2, a swap controller, the NodeSwap gate on.
fn swap_limit(args: &Value) -> Result<Value, EvalError> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct SwapLimit {
        swap_behavior: SwapBehavior,
        qos: QosClass,
        critical: bool,
        memory_request: Option<i64>,
        memory_limit: Option<i64>,
        node_memory: i64,
        node_swap: i64,
    }
    let case: SwapLimit = input::parse(args)?;
    let container = ContainerSwapInput {
        behavior: case.swap_behavior,
        node_swap_gate: true,
        qos: case.qos,
        critical: case.critical,
        memory_request: case.memory_request.unwrap_or(0),
        memory_limit: case.memory_limit.unwrap_or(0),
        node_memory: case.node_memory,
        node_swap: case.node_swap,
    };
    let swap_max = match container_swap(CgroupVersion::V2, true, &container) {
        SwapSetting::SwapMax(bytes) => json!(bytes),
        SwapSetting::NotConfigured | SwapSetting::MemswEqualsMemoryLimit => Value::Null,
    };
    Ok(json!({"swap_max": swap_max}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_inputs_are_invalid_input_errors() {
        let err = eval("cgroups.name", &json!({"driver": "docker", "name": []})).unwrap_err();
        assert_eq!(err.kind, "invalid-input");
        let err = eval("cgroups.convert", &json!({"function": "nope", "args": {}})).unwrap_err();
        assert_eq!(err.kind, "invalid-input");
        let err = eval("cgroups.convert", &json!({"function": "milli_cpu_to_shares", "args": {"cpu": 1}})).unwrap_err();
        assert_eq!(err.kind, "invalid-input");
        assert_eq!(eval("cgroups.other", &json!({})).unwrap_err().kind, "unknown-kind");
    }

    #[test]
    fn names_report_upstream_messages() {
        let err = eval("cgroups.name", &json!({"driver": "systemd", "name": ["kubepods", ""]})).unwrap_err();
        assert_eq!((err.kind.as_str(), err.message.as_str()), ("invalid-name", "invalid slice name: kubepods-.slice"));
    }
}
