//! `nodecore groups` on real root filesystems built in temp dirs.

use assert_cmd::Command;
use std::fs;
use std::time::Duration;

fn rootfs() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::create_dir(dir.path().join("etc")).unwrap();
    fs::write(dir.path().join("etc/passwd"), "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n")
        .unwrap();
    fs::write(dir.path().join("etc/group"), "wheel:x:10:root,alice\ndevs:x:50000:alice\n").unwrap();
    dir
}

fn groups(rootfs: &tempfile::TempDir) -> Command {
    let mut command = Command::cargo_bin("nodecore").unwrap();
    command.arg("groups").arg("--rootfs").arg(rootfs.path()).timeout(Duration::from_secs(20));
    command
}

fn stdout(command: &mut Command) -> String {
    let output = command.output().unwrap();
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn prints_uid_gid_and_groups() {
    let dir = rootfs();
    let merge = stdout(groups(&dir).args(["--user", "alice", "--fs-group", "2000", "--supplemental-groups", "4000,5"]));
    assert_eq!(merge, "uid=1000 gid=1000 groups=5,10,1000,2000,4000,50000\n");
    let strict = stdout(groups(&dir).args(["--user", "alice", "--policy", "Strict", "--runtime", "cri-o"]));
    assert_eq!(strict, "uid=1000 gid=1000 groups=1000\n");
    let run_as = stdout(groups(&dir).args(["--run-as-user", "1000", "--run-as-group", "3000", "--runtime", "cri-o"]));
    assert_eq!(run_as, "uid=1000 gid=3000 groups=3000,10,50000\n");
}

#[test]
fn prints_json_in_the_case_format() {
    let dir = rootfs();
    let json = stdout(groups(&dir).args(["--user", "1000:2000", "--json"]));
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value, serde_json::json!({"uid": 1000, "gid": 1000, "groups": [10, 1000, 50000]}));
}

#[test]
fn refusals_exit_1_with_the_error_kind() {
    let dir = rootfs();
    let refused = groups(&dir).args(["--user", "nobody"]).assert().code(1).stdout("");
    assert!(stderr(&refused).starts_with("nodecore groups: user-not-found: "), "{}", stderr(&refused));
    let json = groups(&dir).args(["--run-as-user", "-1", "--json"]).assert().code(1).get_output().stdout.clone();
    let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(value["error"]["kind"], "uid-out-of-range");
    let missing = tempfile::tempdir().unwrap();
    let mut command = Command::cargo_bin("nodecore").unwrap();
    command.args(["groups", "--rootfs"]).arg(missing.path().join("absent"));
    assert!(stderr(&command.assert().code(1)).contains("rootfs"));
}

#[test]
fn a_fifo_does_not_hang_the_command() {
    let dir = rootfs();
    fs::remove_file(dir.path().join("etc/passwd")).unwrap();
    nix::unistd::mkfifo(&dir.path().join("etc/passwd"), nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
    assert!(stderr(&groups(&dir).assert().code(1)).contains("not-regular-file"));
}

#[test]
fn bad_arguments_are_usage_errors() {
    let dir = rootfs();
    groups(&dir).args(["--policy", "Lenient"]).assert().code(2);
    groups(&dir).args(["--runtime", "docker"]).assert().code(2);
    groups(&dir).args(["--supplemental-groups", "1,x"]).assert().code(2);
}

#[test]
fn help_shows_an_example() {
    let output = Command::cargo_bin("nodecore").unwrap().args(["groups", "--help"]).output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    assert!(help.contains("Example:\n  nodecore groups --rootfs"), "{help}");
    assert!(help.contains("--supplemental-groups"));
}

fn stderr(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}
