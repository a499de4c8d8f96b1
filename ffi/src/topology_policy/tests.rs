use super::*;
use crate::error::nodecore_error_free;
use serde_json::{Value, json};
use std::ptr;

fn new_policy(config: &Value) -> Result<*mut nodecore_topology_policy, nodecore_status> {
    let text = config.to_string();
    let mut out = ptr::null_mut();
    let status = unsafe { nodecore_topology_policy_new(text.as_ptr().cast(), text.len(), &mut out, ptr::null_mut()) };
    if status == nodecore_status::Ok { Ok(out) } else { Err(status) }
}

/// A case's providers as the C arrays: every resource's list, in order.
fn lists_of(providers: &Value, hints: &mut Vec<nodecore_hint>, lists: &mut Vec<nodecore_hint_list>) {
    for provider in providers.as_array().unwrap() {
        let resources = provider.as_object().cloned().unwrap_or_default();
        if resources.is_empty() {
            lists.push(nodecore_hint_list { offset: 0, len: 0, no_preference: true });
        }
        for answer in resources.values() {
            let Some(answer) = answer.as_array() else {
                lists.push(nodecore_hint_list { offset: 0, len: 0, no_preference: true });
                continue;
            };
            let offset = hints.len();
            for hint in answer {
                let affinity = hint["affinity"].as_array();
                let mask = affinity.map_or(0, |nodes| nodes.iter().map(|n| 1u64 << n.as_u64().unwrap()).sum());
                hints.push(nodecore_hint {
                    numa_mask: mask,
                    any_node: affinity.is_none(),
                    preferred: hint["preferred"].as_bool().unwrap(),
                });
            }
            lists.push(nodecore_hint_list { offset, len: answer.len(), no_preference: false });
        }
    }
}

fn expected(result: &nodecore_merge_result) -> Value {
    let affinity =
        (!result.hint.any_node).then(|| (0..64).filter(|n| result.hint.numa_mask >> n & 1 == 1).collect::<Vec<u64>>());
    json!({"affinity": affinity, "preferred": result.hint.preferred, "admit": result.admit})
}

fn cases() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/topology-merge.jsonl");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn config_of(input: &Value) -> Value {
    let mut config = input.clone();
    config.as_object_mut().unwrap().remove("providers");
    config
}

/// Every `topology.merge` case through the C functions, one merge per case.
#[test]
fn every_merge_case_answers_through_the_c_abi() {
    let (mut passed, mut refused) = (0, 0);
    for case in cases() {
        let input = &case["input"];
        let expect = &case["expect"];
        let policy = match new_policy(&config_of(input)) {
            Ok(policy) => policy,
            Err(status) => {
                assert_eq!(status.kind(), expect["error"].as_str().unwrap_or("-"), "{}", case["id"]);
                refused += 1;
                continue;
            }
        };
        let (mut hints, mut lists) = (Vec::new(), Vec::new());
        lists_of(&input["providers"], &mut hints, &mut lists);
        let mut result = nodecore_merge_result::default();
        let status = unsafe {
            nodecore_topology_policy_merge(
                policy,
                hints.as_ptr(),
                hints.len(),
                lists.as_ptr(),
                lists.len(),
                &mut result,
                ptr::null_mut(),
            )
        };
        unsafe { nodecore_topology_policy_free(policy) };
        if status != nodecore_status::Ok {
            assert_eq!(status.kind(), expect["error"].as_str().unwrap_or("-"), "{}", case["id"]);
            refused += 1;
            continue;
        }
        assert_eq!(&expected(&result), expect, "{}", case["id"]);
        passed += 1;
    }
    assert!(passed > 400 && refused > 0, "{passed} merged, {refused} refused");
}

/// The same cases in batches: all cases of one configuration in one call.
#[test]
fn batches_answer_as_single_merges() {
    let mut by_config: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for case in cases() {
        if case["expect"].get("error").is_none() {
            by_config.entry(config_of(&case["input"]).to_string()).or_default().push(case);
        }
    }
    let mut batched = 0;
    for (config, cases) in by_config {
        let policy = new_policy(&serde_json::from_str(&config).unwrap()).unwrap();
        let (mut hints, mut lists, mut pods) = (Vec::new(), Vec::new(), Vec::new());
        for case in &cases {
            let offset = lists.len();
            lists_of(&case["input"]["providers"], &mut hints, &mut lists);
            pods.push(nodecore_span { offset, len: lists.len() - offset });
        }
        let mut results = vec![nodecore_merge_result::default(); pods.len()];
        let mut len = 0;
        let status = unsafe {
            nodecore_topology_policy_merge_batch(
                policy,
                hints.as_ptr(),
                hints.len(),
                lists.as_ptr(),
                lists.len(),
                pods.as_ptr(),
                pods.len(),
                results.as_mut_ptr(),
                results.len(),
                &mut len,
                ptr::null_mut(),
            )
        };
        assert_eq!((status, len), (nodecore_status::Ok, pods.len()));
        for (case, result) in cases.iter().zip(&results) {
            assert_eq!(&expected(result), &case["expect"], "{}", case["id"]);
        }
        batched += cases.len();
        let status = unsafe {
            nodecore_topology_policy_merge_batch(
                policy,
                hints.as_ptr(),
                hints.len(),
                lists.as_ptr(),
                lists.len(),
                pods.as_ptr(),
                pods.len(),
                results.as_mut_ptr(),
                pods.len() - 1,
                &mut len,
                ptr::null_mut(),
            )
        };
        assert_eq!((status, len), (nodecore_status::InsufficientSpace, pods.len()));
        unsafe { nodecore_topology_policy_free(policy) };
    }
    assert!(batched > 400);
}

#[test]
fn refusals_name_what_is_wrong() {
    assert_eq!(
        new_policy(&json!({"policy": "best-effort", "numa_nodes": [0], "extra": 1})).unwrap_err(),
        nodecore_status::InvalidInput
    );
    assert_eq!(
        new_policy(&json!({"policy": "fastest", "numa_nodes": [0]})).unwrap_err(),
        nodecore_status::UnknownPolicy
    );
    assert_eq!(
        new_policy(&json!({"policy": "restricted", "numa_nodes": [0, 64]})).unwrap_err(),
        nodecore_status::NumaNodeOutOfRange
    );
    let nine: Vec<usize> = (0..9).collect();
    assert_eq!(
        new_policy(&json!({"policy": "restricted", "numa_nodes": nine})).unwrap_err(),
        nodecore_status::TooManyNumaNodes
    );
    let closest =
        json!({"policy": "restricted", "numa_nodes": [0, 1], "options": {"prefer-closest-numa-nodes": "true"}});
    assert_eq!(new_policy(&closest).unwrap_err(), nodecore_status::MissingDistances);

    let policy = new_policy(&json!({"policy": "best-effort", "numa_nodes": [0, 1]})).unwrap();
    let hints = [nodecore_hint { numa_mask: 1, any_node: false, preferred: true }];
    let past = [nodecore_hint_list { offset: 0, len: 2, no_preference: false }];
    let mut result = nodecore_merge_result::default();
    let mut err = ptr::null_mut();
    let status =
        unsafe { nodecore_topology_policy_merge(policy, hints.as_ptr(), 1, past.as_ptr(), 1, &mut result, &mut err) };
    assert_eq!(status, nodecore_status::InvalidArgument);
    unsafe { nodecore_error_free(err) };
    let pods = [nodecore_span { offset: 0, len: 0 }, nodecore_span { offset: 0, len: 1 }];
    let mut results = [nodecore_merge_result::default(); 2];
    let mut len = 0;
    let status = unsafe {
        nodecore_topology_policy_merge_batch(
            policy,
            hints.as_ptr(),
            1,
            past.as_ptr(),
            1,
            pods.as_ptr(),
            2,
            results.as_mut_ptr(),
            2,
            &mut len,
            &mut err,
        )
    };
    assert_eq!(status, nodecore_status::InvalidArgument);
    let message =
        unsafe { std::ffi::CStr::from_ptr(crate::error::nodecore_error_message(err)) }.to_str().unwrap().to_owned();
    assert!(message.starts_with("pod 1 of the batch: "), "{message}");
    assert_eq!(results, [nodecore_merge_result::default(); 2], "nothing written");
    unsafe { nodecore_error_free(err) };
    // No provider at all: the default hint, every node, preferred.
    let status =
        unsafe { nodecore_topology_policy_merge(policy, ptr::null(), 0, ptr::null(), 0, &mut result, ptr::null_mut()) };
    assert_eq!(status, nodecore_status::Ok);
    assert_eq!(result.hint, nodecore_hint { numa_mask: 0b11, any_node: false, preferred: true });
    unsafe { nodecore_topology_policy_free(policy) };
}
