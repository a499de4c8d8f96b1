use super::*;
use crate::error::nodecore_error_free;
use serde_json::{Value, json};
use std::ptr;

fn cases(file: &str) -> Vec<Value> {
    let path = format!("{}/../tests/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Calls a text-producing function with a small buffer first, as callers
/// do, and returns the text or the status.
fn text(call: impl Fn(*mut c_char, usize, *mut usize) -> nodecore_status) -> Result<String, nodecore_status> {
    let mut len = 0;
    let mut buf = vec![0 as c_char; 4];
    let mut status = call(buf.as_mut_ptr(), buf.len(), &mut len);
    if status == nodecore_status::InsufficientSpace {
        buf = vec![0 as c_char; len + 1];
        status = call(buf.as_mut_ptr(), buf.len(), &mut len);
    }
    if status != nodecore_status::Ok {
        return Err(status);
    }
    Ok(buf[..len].iter().map(|&c| c as u8 as char).collect())
}

fn name_to_path(components: &[&str], driver: nodecore_cgroup_driver) -> Result<String, nodecore_status> {
    let joined: String = components.concat();
    let mut spans = Vec::new();
    let mut offset = 0;
    for c in components {
        spans.push(nodecore_span { offset, len: c.len() });
        offset += c.len();
    }
    text(|buf, cap, len| unsafe {
        nodecore_cgroup_name_to_path(
            joined.as_ptr().cast(),
            joined.len(),
            spans.as_ptr(),
            spans.len(),
            driver,
            buf,
            cap,
            len,
            ptr::null_mut(),
        )
    })
}

#[test]
fn cgroups_cases_answer_through_the_c_abi() {
    let mut checked = 0;
    for case in cases("cgroups.jsonl") {
        let (input, expect) = (&case["input"], &case["expect"]);
        let answer = match case["kind"].as_str().unwrap() {
            "cgroups.name" => {
                let components: Vec<&str> =
                    input["name"].as_array().unwrap().iter().map(|c| c.as_str().unwrap()).collect();
                let driver = if input["driver"] == "systemd" {
                    NODECORE_CGROUP_DRIVER_SYSTEMD
                } else {
                    NODECORE_CGROUP_DRIVER_CGROUPFS
                };
                match name_to_path(&components, driver) {
                    Ok(path) => json!({"path": path}),
                    Err(status) => json!({"error": status.kind()}),
                }
            }
            "cgroups.convert" => {
                let args = &input["args"];
                let int = |key: &str| args[key].as_i64();
                let value = match input["function"].as_str().unwrap() {
                    "milli_cpu_to_shares" => json!(nodecore_cgroup_milli_cpu_to_shares(int("milli_cpu").unwrap())),
                    "milli_cpu_to_quota" => json!(nodecore_cgroup_milli_cpu_to_quota(
                        int("milli_cpu").unwrap(),
                        args["period"].as_u64().unwrap_or(100_000)
                    )),
                    "cpu_shares_to_weight_linear" => {
                        json!(nodecore_cgroup_cpu_shares_to_weight_linear(args["shares"].as_u64().unwrap()))
                    }
                    "cpu_shares_to_weight_quadratic" => {
                        json!(nodecore_cgroup_cpu_shares_to_weight_quadratic(args["shares"].as_u64().unwrap()))
                    }
                    "memory_high" => {
                        let high = nodecore_cgroup_memory_high(
                            int("memory_request").unwrap(),
                            int("memory_limit").unwrap_or(0),
                            int("node_allocatable_memory").unwrap_or(0),
                            args["throttling_factor"].as_f64().unwrap_or(0.9),
                            int("page_size").unwrap_or(4096),
                        );
                        if high == 0 { Value::Null } else { json!(high) }
                    }
                    other => panic!("unknown function {other}"),
                };
                json!({"value": value})
            }
            other => panic!("unknown kind {other}"),
        };
        let passes = match expect.get("error") {
            Some(kind) => answer["error"] == *kind,
            None => answer == *expect,
        };
        assert!(passes, "{}: {answer} vs {expect}", case["id"]);
        checked += 1;
    }
    assert_eq!(checked, 148);
}

#[test]
fn swap_cases_answer_through_the_c_abi() {
    let mut checked = 0;
    for case in cases("swap.jsonl") {
        let input = &case["input"];
        let qos = ["Guaranteed", "Burstable", "BestEffort"].iter().position(|q| input["qos"] == *q).unwrap() as u32;
        let swap = nodecore_container_swap_input {
            cgroup_version: NODECORE_CGROUP_V2,
            swap_controller: true,
            swap_behavior: if input["swap_behavior"] == "LimitedSwap" {
                NODECORE_SWAP_LIMITED_SWAP
            } else {
                NODECORE_SWAP_NO_SWAP
            },
            node_swap_gate: true,
            qos,
            critical: input["critical"].as_bool().unwrap(),
            memory_request: input["memory_request"].as_i64().unwrap_or(0),
            memory_limit: input["memory_limit"].as_i64().unwrap_or(0),
            node_memory: input["node_memory"].as_i64().unwrap(),
            node_swap: input["node_swap"].as_i64().unwrap(),
        };
        if input["swap_behavior"] != "LimitedSwap" && input["swap_behavior"] != "NoSwap" && input["swap_behavior"] != ""
        {
            continue;
        }
        let mut setting = nodecore_swap_setting::default();
        assert_eq!(
            unsafe { nodecore_cgroup_container_swap(&swap, &mut setting, ptr::null_mut()) },
            nodecore_status::Ok
        );
        let answer = match setting.kind {
            NODECORE_SWAP_SETTING_SWAP_MAX => json!({"swap_max": setting.swap_max}),
            _ => json!({"swap_max": null}),
        };
        assert_eq!(answer, case["expect"], "{}", case["id"]);
        checked += 1;
    }
    assert!(checked >= 30, "{checked}");
}

#[test]
fn swap_settings_by_version_and_refusals() {
    let base = nodecore_container_swap_input {
        cgroup_version: NODECORE_CGROUP_V1,
        swap_controller: true,
        swap_behavior: NODECORE_SWAP_LIMITED_SWAP,
        node_swap_gate: true,
        qos: 1,
        critical: false,
        memory_request: 1 << 30,
        memory_limit: 2 << 30,
        node_memory: 40 << 30,
        node_swap: 5 << 30,
    };
    let setting = |input: nodecore_container_swap_input| {
        let mut out = nodecore_swap_setting::default();
        let status = unsafe { nodecore_cgroup_container_swap(&input, &mut out, ptr::null_mut()) };
        (status, out.kind, out.swap_max)
    };
    assert_eq!(setting(base), (nodecore_status::Ok, NODECORE_SWAP_SETTING_MEMSW_EQUALS_MEMORY_LIMIT, 0));
    assert_eq!(
        setting(nodecore_container_swap_input { swap_controller: false, ..base }).1,
        NODECORE_SWAP_SETTING_NOT_CONFIGURED
    );
    assert_eq!(
        setting(nodecore_container_swap_input { cgroup_version: 2, ..base }),
        (nodecore_status::Ok, NODECORE_SWAP_SETTING_SWAP_MAX, 134217728)
    );
    assert_eq!(
        setting(nodecore_container_swap_input { cgroup_version: 3, ..base }).0,
        nodecore_status::InvalidArgument
    );
    assert_eq!(setting(nodecore_container_swap_input { swap_behavior: 2, ..base }).0, nodecore_status::InvalidArgument);
    let mut bytes = 0;
    let mut err = ptr::null_mut();
    assert_eq!(
        unsafe { nodecore_cgroup_limited_swap_bytes(1 << 30, 0, 1, &mut bytes, &mut err) },
        nodecore_status::InvalidConfiguration
    );
    unsafe { nodecore_error_free(err) };
    assert_eq!(
        unsafe { nodecore_cgroup_limited_swap_bytes(1 << 30, 40 << 30, 5 << 30, &mut bytes, ptr::null_mut()) },
        nodecore_status::Ok
    );
    assert_eq!(bytes, 134217728);
}

#[test]
fn paths_convert_between_drivers_and_lay_out_pods() {
    let convert = |path: &str, from, to| {
        text(|buf, cap, len| unsafe {
            nodecore_cgroup_path_convert(path.as_ptr().cast(), path.len(), from, to, buf, cap, len, ptr::null_mut())
        })
    };
    assert_eq!(convert("/kubepods/burstable", 0, 1).unwrap(), "/kubepods.slice/kubepods-burstable.slice");
    assert_eq!(convert("/kubepods.slice/kubepods-burstable.slice", 1, 0).unwrap(), "/kubepods/burstable");
    assert_eq!(convert("/kubepods/../etc", 0, 0).unwrap_err(), nodecore_status::InvalidName);
    assert_eq!(convert("/", 0, 2).unwrap_err(), nodecore_status::InvalidArgument);
    let pod = |root: &str, per_qos, qos, uid: &str, driver| {
        text(|buf, cap, len| unsafe {
            nodecore_cgroup_pod_path(
                root.as_ptr().cast(),
                root.len(),
                per_qos,
                qos,
                uid.as_ptr().cast(),
                uid.len(),
                driver,
                buf,
                cap,
                len,
                ptr::null_mut(),
            )
        })
    };
    assert_eq!(pod("", true, 1, "1234-ab", 0).unwrap(), "/kubepods/burstable/pod1234-ab");
    assert_eq!(pod("/", true, 0, "1234-ab", 1).unwrap(), "/kubepods.slice/kubepods-pod1234_ab.slice");
    assert_eq!(pod("/custom", false, 2, "1234", 0).unwrap(), "/custom");
    assert_eq!(pod("", true, 1, "../x", 0).unwrap_err(), nodecore_status::InvalidName);
    assert_eq!(pod("", true, 3, "1234", 0).unwrap_err(), nodecore_status::InvalidArgument);
    assert_eq!(name_to_path(&["kubepods", "a/b"], 0).unwrap_err(), nodecore_status::InvalidName);
    assert_eq!(name_to_path(&[], 1).unwrap(), "/");
}
