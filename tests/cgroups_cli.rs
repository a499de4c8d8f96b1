//! `nodecore cgroup inspect` on this machine. The tests that create a cgroup
//! need root and are skipped, saying so, otherwise.

use assert_cmd::Command;
use nodecore::cgroups::{CgroupConfig, CgroupManager, CgroupName, Driver, Host, HostPaths, ResourceConfig};
use serde_json::Value;

fn nodecore() -> Command {
    Command::cargo_bin("nodecore").unwrap()
}

fn inspect_json(args: &[&str]) -> (Value, i32) {
    let output = nodecore().args(["cgroup", "inspect", "--json"]).args(args).output().unwrap();
    let answer = serde_json::from_slice(&output.stdout).unwrap_or_else(|err| panic!("not JSON ({err}): {output:?}"));
    (answer, output.status.code().unwrap())
}

/// A cgroup created for one test and destroyed when dropped.
struct Scratch {
    manager: Box<dyn CgroupManager>,
    name: CgroupName,
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = self.manager.destroy(&self.name);
    }
}

#[test]
fn help_shows_examples() {
    let output = nodecore().args(["cgroup", "inspect", "--help"]).output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success());
    assert!(help.contains("Examples:") && help.contains("nodecore cgroup inspect /kubepods/burstable"), "{help}");
    assert!(help.contains("--json"), "{help}");
}

#[test]
fn names_outside_the_hierarchy_are_refused() {
    let output = nodecore().args(["cgroup", "inspect", "/kubepods/../etc"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("invalid component [\"..\"]"), "{stderr}");
    let output = nodecore().args(["cgroup", "inspect", "--driver", "docker", "/"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn the_limits_of_a_real_cgroup() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: this test creates a cgroup and needs root");
        return;
    }
    let manager = Host::detect(&HostPaths::default()).unwrap().manager(Driver::Cgroupfs).unwrap();
    let name = CgroupName::new([format!("nodecore-test-{}-cli", std::process::id())]).unwrap();
    let scratch = Scratch { manager, name };
    let resources =
        ResourceConfig { cpu_shares: Some(512), pids_limit: Some(10), memory: Some(100_000), ..Default::default() };
    scratch.manager.create(&CgroupConfig { name: scratch.name.clone(), resources }).unwrap().limits.unwrap();
    let path = scratch.name.to_cgroupfs();

    let (answer, code) = inspect_json(&[&path]);
    assert_eq!(code, 0);
    assert_eq!((answer["mode"].as_str(), answer["version"].as_u64()), (Some("hybrid"), Some(1)));
    assert_eq!(answer["driver"], "cgroupfs");
    assert_eq!(answer["exists"], true);
    assert_eq!(answer["limits"]["cpu_shares"], 512);
    assert_eq!(answer["limits"]["pids_limit"], 10);
    assert_eq!(answer["limits"]["memory_limit"], 98304);
    assert_eq!(answer["processes"], serde_json::json!([]));
    assert!(answer["warning"].as_str().unwrap().contains("cgroup v1"));

    let output = nodecore().args(["cgroup", "inspect", &path]).output().unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("mode       hybrid"), "{text}");
    assert!(text.contains("shares 512"), "{text}");
    assert!(text.contains("pids       limit 10 · current 0"), "{text}");

    let (missing, code) = inspect_json(&[&format!("{path}/absent")]);
    assert_eq!((code, &missing["exists"]), (1, &Value::Bool(false)));
    assert!(missing["missing"].as_str().unwrap().contains("has some missing paths"));
}

#[test]
fn a_cgroup2_root_is_inspected_as_unified() {
    let (answer, code) = inspect_json(&["--root", "/sys/fs/cgroup/unified", "/"]);
    assert_eq!(code, 0);
    assert_eq!((answer["mode"].as_str(), answer["version"].as_u64()), (Some("unified"), Some(2)));
    assert_eq!(answer["paths"]["hugetlb"], "/sys/fs/cgroup/unified");
    assert!(!answer["processes"].as_array().unwrap().is_empty(), "the root holds this machine's processes");
}
