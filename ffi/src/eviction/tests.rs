use super::*;
use crate::error::nodecore_error_free;
use serde_json::{Value, json};
use std::ptr;

fn cases(kind: &str) -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/eviction.jsonl");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|case| case["kind"] == kind)
        .collect()
}

fn thresholds(config: &Value) -> Result<Vec<nodecore_threshold>, nodecore_status> {
    let text = config.to_string();
    let mut len = 0;
    let status = unsafe {
        nodecore_eviction_thresholds(text.as_ptr().cast(), text.len(), ptr::null_mut(), 0, &mut len, ptr::null_mut())
    };
    if status != nodecore_status::InsufficientSpace && status != nodecore_status::Ok {
        return Err(status);
    }
    let mut buf = vec![nodecore_threshold::default(); len];
    let status = unsafe {
        nodecore_eviction_thresholds(
            text.as_ptr().cast(),
            text.len(),
            buf.as_mut_ptr(),
            buf.len(),
            &mut len,
            ptr::null_mut(),
        )
    };
    assert_eq!((status, len), (nodecore_status::Ok, buf.len()));
    Ok(buf)
}

fn value_fields(value: Option<nodecore_threshold_value>) -> (Value, Value) {
    match value {
        None => (Value::Null, Value::Null),
        Some(v) if v.is_percentage => (Value::Null, json!(f64::from(v.percentage))),
        Some(v) => (json!(v.quantity), Value::Null),
    }
}

fn grace_seconds(ns: u64) -> Value {
    if ns % 1_000_000_000 == 0 { json!(ns / 1_000_000_000) } else { json!(ns as f64 / 1e9) }
}

/// The eviction.thresholds cases through the C function, rows in the case
/// format's order.
#[test]
fn threshold_cases_answer_through_the_c_abi() {
    let mut checked = 0;
    for case in cases("eviction.thresholds") {
        let input = &case["input"];
        let config = json!({
            "evictionHard": input.get("hard"),
            "evictionSoft": input.get("soft"),
            "evictionSoftGracePeriod": input.get("soft_grace"),
            "evictionMinimumReclaim": input.get("min_reclaim"),
            "enforceNodeAllocatable": if input["allocatable_enforced"] == true { json!(["pods"]) } else { json!([]) },
        });
        let answer = match thresholds(&config) {
            Err(status) => json!({"error": status.kind()}),
            Ok(mut rows) => {
                let name = |t: &nodecore_threshold| SIGNAL_NAMES[t.signal as usize].to_str().unwrap();
                rows.sort_by(|a, b| name(a).cmp(name(b)).then(a.grace_period_ns.cmp(&b.grace_period_ns)));
                let rows: Vec<Value> = rows
                    .iter()
                    .map(|t| {
                        let (quantity, percentage) = value_fields(Some(t.value));
                        let (min_q, min_p) = value_fields(t.has_min_reclaim.then_some(t.min_reclaim));
                        json!({"signal": name(t), "operator": "LessThan", "quantity": quantity, "percentage": percentage,
                               "grace_period_s": grace_seconds(t.grace_period_ns),
                               "min_reclaim_quantity": min_q, "min_reclaim_percentage": min_p})
                    })
                    .collect();
                json!({"thresholds": rows})
            }
        };
        let expect = &case["expect"];
        let passes = match expect.get("error") {
            Some(kind) => answer["error"] == *kind,
            None => answer == *expect,
        };
        assert!(passes, "{}: {answer}\n vs {expect}", case["id"]);
        checked += 1;
    }
    assert!(checked > 20, "{checked}");
}

fn quantity(value: &Value) -> i64 {
    match value {
        Value::Number(n) => n.as_i64().unwrap(),
        Value::String(text) => Quantity::parse(text).unwrap().value(),
        _ => 0,
    }
}

fn requests_record(kind: nodecore_container_kind, requests: &Value) -> nodecore_container_requests {
    nodecore_container_requests {
        kind,
        has_memory: !requests["memory"].is_null(),
        memory: quantity(&requests["memory"]),
        has_ephemeral_storage: !requests["ephemeral-storage"].is_null(),
        ephemeral_storage: quantity(&requests["ephemeral-storage"]),
    }
}

/// A case pod's (memory, ephemeral-storage) requests: given, or from its
/// containers and overhead through `nodecore_eviction_pod_requests`.
fn pod_requests_of(pod: &Value) -> (i64, i64) {
    let Some(containers) = pod.get("containers").and_then(Value::as_array) else {
        return (quantity(&pod["requests"]["memory"]), quantity(&pod["requests"]["ephemeral-storage"]));
    };
    let records: Vec<_> = containers
        .iter()
        .map(|c| {
            let kind = match (c["init"] == true, c["restartable"] == true) {
                (false, _) => NODECORE_CONTAINER_REGULAR,
                (true, false) => NODECORE_CONTAINER_INIT,
                (true, true) => NODECORE_CONTAINER_SIDECAR,
            };
            requests_record(kind, &c["requests"])
        })
        .collect();
    let overhead = pod.get("overhead").map(|o| requests_record(0, o));
    let overhead_ptr = overhead.as_ref().map_or(ptr::null(), |o| o as *const _);
    let (mut memory, mut storage) = (0, 0);
    let status = unsafe {
        nodecore_eviction_pod_requests(
            records.as_ptr(),
            records.len(),
            overhead_ptr,
            &mut memory,
            &mut storage,
            ptr::null_mut(),
        )
    };
    assert_eq!(status, nodecore_status::Ok);
    (memory, storage)
}

/// Every eviction.rank case through the C functions.
#[test]
fn rank_cases_answer_through_the_c_abi() {
    let mut checked = 0;
    for case in cases("eviction.rank") {
        let input = &case["input"];
        let pods = input["pods"].as_array().unwrap();
        let records: Vec<nodecore_pod_stats> = pods
            .iter()
            .map(|p| {
                let stats = p.get("stats").filter(|s| !s.is_null());
                let u = |key: &str| stats.and_then(|s| s[key].as_u64());
                let (memory_request, ephemeral_storage_request) = pod_requests_of(p);
                nodecore_pod_stats {
                    priority: p["priority"].as_i64().unwrap_or(0) as i32,
                    memory_request,
                    ephemeral_storage_request,
                    has_stats: stats.is_some(),
                    has_memory_working_set: u("memory_working_set").is_some(),
                    memory_working_set_bytes: u("memory_working_set").unwrap_or(0),
                    rootfs_used_bytes: u("rootfs_used").unwrap_or(0),
                    rootfs_inodes_used: u("rootfs_inodes_used").unwrap_or(0),
                    logs_used_bytes: u("logs_used").unwrap_or(0),
                    logs_inodes_used: u("logs_inodes_used").unwrap_or(0),
                    volumes_used_bytes: u("volumes_used").unwrap_or(0),
                    volumes_inodes_used: u("volumes_inodes_used").unwrap_or(0),
                    has_process_count: u("processes").is_some(),
                    process_count: u("processes").unwrap_or(0),
                }
            })
            .collect();
        let name = input["signal"].as_str().unwrap();
        let mut signal = 0;
        let status = unsafe {
            nodecore_eviction_signal_from_name(name.as_ptr().cast(), name.len(), &mut signal, ptr::null_mut())
        };
        assert_eq!(status, nodecore_status::Ok, "{name}");
        let mut order = vec![usize::MAX; records.len()];
        let mut len = 0;
        let status = unsafe {
            nodecore_eviction_rank(
                signal,
                input["image_fs"] == true,
                input["container_fs"] == true,
                records.as_ptr(),
                records.len(),
                order.as_mut_ptr(),
                order.len(),
                &mut len,
                ptr::null_mut(),
            )
        };
        assert_eq!((status, len), (nodecore_status::Ok, records.len()));
        let names: Vec<&Value> = order.iter().map(|&i| &pods[i]["name"]).collect();
        assert_eq!(json!({"order": names}), case["expect"], "{}", case["id"]);
        checked += 1;
    }
    assert_eq!(checked, 182);
}

#[test]
fn pod_requests_refuse_unknown_kinds() {
    let bad = [nodecore_container_requests { kind: 3, ..Default::default() }];
    let (mut memory, mut storage) = (1, 1);
    let status = unsafe {
        nodecore_eviction_pod_requests(bad.as_ptr(), 1, ptr::null(), &mut memory, &mut storage, ptr::null_mut())
    };
    assert_eq!(status, nodecore_status::InvalidArgument);
    let status = unsafe {
        nodecore_eviction_pod_requests(ptr::null(), 0, ptr::null(), &mut memory, &mut storage, ptr::null_mut())
    };
    assert_eq!((status, memory, storage), (nodecore_status::Ok, 0, 0));
}

#[test]
fn signals_and_refusals() {
    for (code, name) in SIGNAL_NAMES.iter().enumerate() {
        assert_eq!(unsafe { CStr::from_ptr(nodecore_eviction_signal_name(code as u32)) }, *name);
        assert_eq!(Signal::ALL[code].as_str(), name.to_str().unwrap());
    }
    assert!(nodecore_eviction_signal_name(9).is_null());
    let mut signal = 0;
    let mut err = ptr::null_mut();
    let status = unsafe { nodecore_eviction_signal_from_name(c"memory.free".as_ptr(), 11, &mut signal, &mut err) };
    assert_eq!(status, nodecore_status::InvalidThreshold);
    unsafe { nodecore_error_free(err) };
    assert_eq!(
        thresholds(&json!({"evictionHard": {"memory.available": "-1"}})).unwrap_err(),
        nodecore_status::InvalidThreshold
    );
    assert_eq!(thresholds(&json!({"evictionHardd": {}})).unwrap_err(), nodecore_status::InvalidInput);
    assert_eq!(thresholds(&json!({})).unwrap(), vec![]);
    let mut order = [0usize; 1];
    let mut len = 0;
    let status = unsafe {
        nodecore_eviction_rank(9, false, false, ptr::null(), 0, order.as_mut_ptr(), 1, &mut len, ptr::null_mut())
    };
    assert_eq!(status, nodecore_status::InvalidArgument);
    let status = unsafe {
        nodecore_eviction_rank(0, false, false, ptr::null(), 0, ptr::null_mut(), 0, &mut len, ptr::null_mut())
    };
    assert_eq!((status, len), (nodecore_status::Ok, 0));
}
