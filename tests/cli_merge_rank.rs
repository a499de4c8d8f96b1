//! `nodecore merge` and `nodecore rank` as a user runs them: both answer
//! exactly what their case kinds answer, read from a file or standard input.

use assert_cmd::Command;
use serde_json::{Value, json};
use std::io::BufRead;

fn nodecore() -> Command {
    Command::cargo_bin("nodecore").unwrap()
}

/// The cases of `kind` in a vector file.
fn cases(file: &str, kind: &str) -> Vec<Value> {
    let text = std::fs::read(file).unwrap();
    text.lines()
        .map(Result::unwrap)
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str::<Value>(&line).unwrap())
        .filter(|case| case["kind"] == kind)
        .collect()
}

#[test]
fn merge_answers_every_topology_merge_case() {
    let cases = cases("tests/vectors/topology-merge.jsonl", "topology.merge");
    assert!(cases.len() > 50);
    for case in cases.iter().step_by(cases.len() / 40) {
        let output = nodecore().args(["merge", "--json"]).write_stdin(case["input"].to_string()).output().unwrap();
        let expect = &case["expect"];
        if let Some(error) = expect.get("error") {
            assert_eq!(output.status.code(), Some(2), "{}", case["id"]);
            let err = String::from_utf8(output.stderr).unwrap();
            assert!(err.starts_with(&format!("nodecore: {}: ", error.as_str().unwrap())), "{}: {err}", case["id"]);
            continue;
        }
        let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(&answer, expect, "{}", case["id"]);
        let admit = expect["admit"].as_bool().unwrap();
        assert_eq!(output.status.code(), Some(if admit { 0 } else { 1 }), "{}", case["id"]);
    }
}

#[test]
fn merge_reads_a_provider_list_with_flags() {
    let hints = json!([
        {"cpu": [{"affinity": [0], "preferred": true}, {"affinity": [0, 1], "preferred": false}]},
        {"gpu": [{"affinity": [1], "preferred": true}]},
    ]);
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), hints.to_string()).unwrap();
    let path = file.path().to_str().unwrap();

    let output = nodecore().args(["merge", "--policy", "restricted", "--numa-nodes", "0,1", path]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        text,
        "Merged hint (restricted on NUMA nodes 0,1)\n  hint   NUMA 1, not preferred\n  \
         admit  no: TopologyAffinityError: Resources cannot be allocated with Topology locality\n"
    );

    let output = nodecore().args(["merge", "--json", "--numa-nodes", "0,1", path]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "best-effort is the default and admits");
    assert_eq!(serde_json::from_slice::<Value>(&output.stdout).unwrap()["affinity"], json!([1]));

    let output = nodecore().args(["merge", "--json", "--topology", "dual-socket-ht", path]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));

    let output = nodecore().args(["merge"]).write_stdin("{\"hints\": []}").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8(output.stderr).unwrap().contains("standard input: expected a list"));
}

#[test]
fn merge_uses_this_machines_numa_nodes() {
    let nodes: Vec<usize> = nodecore::topology::numa_distances().unwrap().nodes().collect();
    let everywhere = json!([{"cpu": [{"affinity": nodes, "preferred": true}]}]);
    let output = nodecore().args(["merge", "--json"]).write_stdin(everywhere.to_string()).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["affinity"], json!(nodes));
}

#[test]
fn rank_answers_every_eviction_rank_case() {
    let cases = cases("tests/vectors/eviction.jsonl", "eviction.rank");
    assert!(cases.len() > 50);
    for case in cases.iter().step_by(cases.len() / 40) {
        let output = nodecore().args(["rank", "--json"]).write_stdin(case["input"].to_string()).output().unwrap();
        if let Some(error) = case["expect"].get("error") {
            assert_eq!(output.status.code(), Some(2), "{}", case["id"]);
            let err = String::from_utf8(output.stderr).unwrap();
            assert!(err.contains(error.as_str().unwrap()), "{}: {err}", case["id"]);
            continue;
        }
        assert!(output.status.success(), "{}: {}", case["id"], String::from_utf8_lossy(&output.stderr));
        let answer: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(answer, case["expect"], "{}", case["id"]);
    }
}

#[test]
fn rank_reads_a_pod_list_and_explains_the_order() {
    let pods = json!([
        {"name": "web", "priority": 0, "requests": {"memory": "256Mi"}, "stats": {"memory_working_set": 300_000_000}},
        {"name": "batch", "priority": -10, "stats": {"memory_working_set": 1000}},
        {"name": "new", "stats": null},
    ]);
    let output =
        nodecore().args(["rank", "--signal", "memory.available"]).write_stdin(pods.to_string()).output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        text,
        "Eviction order under memory.available pressure (first evicted first)\n  \
         1. new    priority 0 · no statistics\n  \
         2. batch  priority -10 · working set 1000\n  \
         3. web    priority 0 · working set 300000000\n"
    );

    let output =
        nodecore().args(["rank", "--signal", "pid.available", "--json"]).write_stdin(pods.to_string()).output();
    let answer: Value = serde_json::from_slice(&output.unwrap().stdout).unwrap();
    assert_eq!(answer, json!({"order": ["batch", "new", "web"]}));

    let missing = nodecore().arg("rank").write_stdin(pods.to_string()).output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8(missing.stderr).unwrap().contains("--signal"));
    let unknown = nodecore().args(["rank", "--signal", "cpu.available"]).write_stdin("[]").output().unwrap();
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8(unknown.stderr).unwrap().contains("unsupported eviction signal cpu.available"));
    let lonely = nodecore().args(["rank", "--signal", "nodefs.available", "--container-fs"]).write_stdin("[]").output();
    assert_eq!(lonely.unwrap().status.code(), Some(2), "--container-fs needs --image-fs");
}

#[test]
fn every_subcommand_help_shows_an_example() {
    for command in ["report", "topology", "allocate", "merge", "rank", "cgroup", "groups", "eval"] {
        let output = nodecore().args([command, "--help"]).output().unwrap();
        assert!(output.status.success(), "{command}");
        let help = String::from_utf8(output.stdout).unwrap();
        assert!(help.contains("Example"), "{command}: {help}");
        assert!(help.contains(&format!("nodecore {command}")), "{command}: {help}");
    }
}

#[test]
fn eval_shows_no_progress_off_a_terminal() {
    let lines: String = (0..1500)
        .map(|i| format!("{{\"id\":\"{i}\",\"kind\":\"cpuset.parse\",\"input\":{{\"text\":\"0-{i}\"}}}}\n"))
        .collect();
    let output = nodecore().arg("eval").write_stdin(lines).output().unwrap();
    assert!(output.status.success());
    assert!(output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.stdout.lines().count(), 1500);
}
