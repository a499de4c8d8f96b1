//! `nodecore allocate` as a user runs it: on named topologies, where the
//! answers are the static policy's, and on this machine, checked against
//! /sys.

use assert_cmd::Command;
use nodecore::cpuset::CpuSet;
use serde_json::{Value, json};

fn nodecore() -> Command {
    Command::cargo_bin("nodecore").unwrap()
}

fn run_json(args: &[&str]) -> (Option<i32>, Value) {
    let output = nodecore().arg("allocate").args(args).arg("--json").output().unwrap();
    let value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|err| panic!("{err}: {}", String::from_utf8_lossy(&output.stderr)));
    (output.status.code(), value)
}

#[test]
fn containers_of_a_pod_get_cpus_in_order() {
    // 4 cores x 2 threads; CPU 0 is reserved.
    let (code, value) = run_json(&["--topology", "single-socket-ht", "web=2", "log=500m", "init:setup=4"]);
    assert_eq!(code, Some(0));
    assert_eq!(value["reserved"], "0");
    assert_eq!(value["admitted"], true);
    let containers = value["containers"].as_array().unwrap();
    let summary: Vec<(&str, &Value)> =
        containers.iter().map(|c| (c["container"].as_str().unwrap(), &c["cpus"])).collect();
    // The init container runs first; the app container then reuses its CPUs.
    assert_eq!(summary, [("setup", &json!("1-2,5-6")), ("web", &json!("1,5")), ("log", &Value::Null)]);
    // The finished init container still holds its CPUs in the state until it is removed.
    assert_eq!(value["shared"], "0,3-4,7");
}

#[test]
fn the_topology_manager_policy_aligns_and_refuses() {
    let (code, value) =
        run_json(&["--topology", "dual-socket-ht", "--topology-manager-policy", "single-numa-node", "6"]);
    assert_eq!(code, Some(0));
    assert_eq!(value["containers"][0]["hint"], json!({"affinity": [1], "preferred": true}));
    assert_eq!(value["containers"][0]["cpus"], "1,3,5,7,9,11");

    // One reserved CPU on each NUMA node: six CPUs fit on neither.
    let (code, value) = run_json(&[
        "--topology",
        "dual-socket-ht",
        "--reserved",
        "0-1",
        "--topology-manager-policy",
        "restricted",
        "6",
    ]);
    assert_eq!(code, Some(1));
    assert_eq!(value["admitted"], false);
    assert_eq!(value["containers"][0]["error"]["reason"], "TopologyAffinityError");
    assert_eq!(value["shared"], "0-11");
}

#[test]
fn options_are_checked_as_the_kubelet_checks_them() {
    let (code, value) = run_json(&["--topology", "single-socket-ht", "--option", "full-pcpus-only=true", "3"]);
    assert_eq!(code, Some(1));
    assert_eq!(value["containers"][0]["error"]["reason"], "SMTAlignmentError");

    let output = nodecore()
        .args(["allocate", "--topology", "single-socket-ht", "--option", "align-by-socket=true", "1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8(output.stderr).unwrap();
    assert!(err.contains("Alpha-level Options not enabled") && err.contains("--alpha-options"), "{err}");
    let (code, _) =
        run_json(&["--topology", "single-socket-ht", "--option", "align-by-socket=true", "--alpha-options", "1"]);
    assert_eq!(code, Some(0));

    let output = nodecore().args(["allocate", "--reserved-count", "0", "1"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8(output.stderr).unwrap().contains("to be greater than zero"));
    let output = nodecore().args(["allocate", "two"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8(output.stderr).unwrap().contains("is not a CPU quantity"));
}

#[test]
fn this_machine_by_default() {
    let online: CpuSet = std::fs::read_to_string("/sys/devices/system/cpu/online").unwrap().trim().parse().unwrap();
    let (code, value) = run_json(&["1"]);
    assert_eq!(value["topology"], "sysfs");
    if online.len() < 2 {
        assert_eq!(code, Some(1));
        return;
    }
    assert_eq!(code, Some(0));
    let reserved: CpuSet = value["reserved"].as_str().unwrap().parse().unwrap();
    let cpus: CpuSet = value["containers"][0]["cpus"].as_str().unwrap().parse().unwrap();
    let shared: CpuSet = value["shared"].as_str().unwrap().parse().unwrap();
    assert_eq!(cpus.len(), 1);
    assert!(cpus.is_disjoint(&reserved) && cpus.is_disjoint(&shared));
    assert_eq!(cpus.union(&shared), online);

    // Asking for every online CPU cannot work: one is reserved.
    let all = online.len().to_string();
    let output = nodecore().args(["allocate", &all]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("not enough cpus available to satisfy request"), "{text}");
    assert!(text.contains("rejected by the kubelet"), "{text}");
}
