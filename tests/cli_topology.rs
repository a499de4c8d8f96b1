//! `nodecore topology` and `nodecore report` as a user runs them.

use assert_cmd::Command;
use serde_json::Value;

fn nodecore() -> Command {
    Command::cargo_bin("nodecore").unwrap()
}

#[test]
fn json_is_this_machine_as_discovered() {
    let output = nodecore().args(["topology", "--json"]).output().unwrap();
    assert!(output.status.success());
    let value: Value = serde_json::from_slice(&output.stdout).unwrap();
    let discovered = nodecore::topology::discover().unwrap();
    assert_eq!(nodecore::topology::CpuTopology::from_json_value(&value).unwrap().details, discovered.details);
    assert_eq!(value["num_cpus"], discovered.num_cpus);
    assert_eq!(value["num_sockets"], discovered.num_sockets);
    let distances = nodecore::topology::numa_distances().unwrap();
    assert_eq!(value["distances"], serde_json::to_value(&distances).unwrap());
}

#[test]
fn from_reads_a_saved_machine_from_standard_input() {
    let saved = nodecore().args(["topology", "--json", "--from", "dual-socket-ht"]).output().unwrap();
    assert!(saved.status.success());
    let shown = nodecore().args(["topology", "--from", "-"]).write_stdin(saved.stdout).output().unwrap();
    assert!(shown.status.success());
    let text = String::from_utf8(shown.stdout).unwrap();
    assert!(
        text.starts_with("Topology (standard input)\n  12 CPUs, 6 cores, 2 sockets, 2 NUMA nodes, 1 uncore cache\n"),
        "{text}"
    );
}

#[test]
fn bad_input_is_a_clear_error() {
    let output = nodecore().args(["topology", "--from", "no-such-machine"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let err = String::from_utf8(output.stderr).unwrap();
    assert!(err.contains("\"no-such-machine\" is neither a file nor a topology name"), "{err}");
    let both = nodecore().args(["topology", "--from", "dual-socket-ht", "--hwloc"]).output().unwrap();
    assert!(!both.status.success());
}

#[test]
fn help_shows_examples() {
    let output = nodecore().args(["topology", "--help"]).output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(help.contains("nodecore topology --json > node.json"), "{help}");
}

#[test]
fn report_shows_the_topology_section() {
    let output = nodecore().arg("report").output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let cpus = nodecore::topology::discover().unwrap().num_cpus;
    assert!(text.starts_with(&format!("Topology (sysfs)\n  {cpus} CPU")), "{text}");
    assert!(text.contains("NUMA distances"), "{text}");
}

#[cfg(feature = "hwloc")]
#[test]
fn hwloc_shows_the_same_machine() {
    let json = |args: &[&str]| -> Value {
        let output = nodecore().args(args).output().unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        serde_json::from_slice(&output.stdout).unwrap()
    };
    assert_eq!(json(&["topology", "--json", "--hwloc"]), json(&["topology", "--json"]));
}
