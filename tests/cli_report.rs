//! `nodecore report` as a user runs it, checked against what /sys and /proc
//! say about this machine.

use assert_cmd::Command;
use nodecore::cpuset::CpuSet;
use serde_json::Value;
use std::path::Path;

fn nodecore() -> Command {
    let mut command = Command::cargo_bin("nodecore").unwrap();
    command.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE").env_remove("CLICOLOR");
    command
}

fn report_json() -> Value {
    let output = nodecore().args(["report", "--json"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).unwrap()
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn kernel_number(name: &str) -> i64 {
    read(&format!("/proc/sys/kernel/{name}")).trim().parse().unwrap()
}

/// The task total of /proc/loadavg (`running/total`).
fn loadavg_tasks() -> i64 {
    let text = read("/proc/loadavg");
    let field = text.split_whitespace().nth(3).unwrap();
    field.split_once('/').unwrap().1.parse().unwrap()
}

/// The filesystem types mounted at each mount point.
fn mounts() -> Vec<(String, String, String)> {
    read("/proc/mounts")
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            (fields[1].to_owned(), fields[2].to_owned(), fields[3].to_owned())
        })
        .collect()
}

#[test]
fn topology_counts_match_sysfs() {
    let report = report_json();
    let topology = &report["topology"];
    let online: CpuSet = read("/sys/devices/system/cpu/online").trim().parse().unwrap();
    assert_eq!(topology["online"], online.to_string());
    assert_eq!(topology["layout"].as_array().unwrap().len(), online.len());
    assert!(topology["cpus"].as_u64().unwrap() as usize >= online.len());
    let discovered = nodecore::topology::discover().unwrap();
    assert_eq!(topology["cpus"], discovered.num_cpus);
    assert_eq!(topology["cores"], discovered.num_cores);
    assert_eq!(topology["sockets"], discovered.num_sockets);

    let sysfs_nodes = std::fs::read_dir("/sys/devices/system/node")
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|entry| {
                    let name = entry.file_name().into_string().unwrap();
                    name.strip_prefix("node").is_some_and(|id| id.parse::<usize>().is_ok())
                })
                .count()
        })
        .unwrap_or(0);
    assert_eq!(topology["numa_nodes"].as_u64().unwrap() as usize, sysfs_nodes.max(1));
    let sockets: std::collections::BTreeSet<String> = online
        .iter()
        .map(|cpu| read(&format!("/sys/devices/system/cpu/cpu{cpu}/topology/physical_package_id")))
        .collect();
    assert_eq!(topology["sockets"].as_u64().unwrap() as usize, sockets.len());
}

#[test]
fn pids_match_proc() {
    let before = loadavg_tasks();
    let report = report_json();
    let after = loadavg_tasks();
    let pids = &report["pids"];
    let pid_max = kernel_number("pid_max");
    let threads_max = kernel_number("threads-max");
    assert_eq!(pids["pid_max"], pid_max);
    assert_eq!(pids["threads_max"], threads_max);
    assert_eq!(pids["max"], pid_max.min(threads_max));
    let running = pids["running"].as_i64().unwrap();
    // Tasks come and go while the report runs (it is one of them).
    let slack = 64;
    assert!(running >= before.min(after) - slack && running <= before.max(after) + slack, "{running}");
    assert_eq!(pids["available"], pids["max"].as_i64().unwrap() - running);
    let signal = &report["eviction"]["signals"]["pid.available"];
    assert_eq!(signal["capacity"], pids["max"]);
    let top = pids["top"].as_array().unwrap();
    assert!(!top.is_empty() && top.len() <= 5);
    let counts: Vec<u64> = top.iter().map(|row| row["processes"].as_u64().unwrap()).collect();
    assert!(counts.windows(2).all(|pair| pair[0] >= pair[1]), "{counts:?}");
    assert!(top.iter().all(|row| row["cgroup"].as_str().unwrap().starts_with('/')));
}

#[test]
fn cgroup_mode_and_controllers_match_proc_mounts() {
    let report = report_json();
    let cgroups = &report["cgroups"];
    let mounts = mounts();
    let mounted = |point: &str, fs: &str| mounts.iter().any(|(at, kind, _)| at == point && kind == fs);
    let expected = if mounted("/sys/fs/cgroup", "cgroup2") {
        "v2"
    } else if mounted("/sys/fs/cgroup/unified", "cgroup2") {
        "hybrid"
    } else {
        "v1"
    };
    assert_eq!(cgroups["mode"], expected);
    assert_eq!(cgroups["version"], if expected == "v2" { 2 } else { 1 });
    if expected == "v2" {
        assert_eq!(cgroups["warning"], Value::Null);
        let available = read("/sys/fs/cgroup/cgroup.controllers");
        for controller in available.split_whitespace() {
            assert!(cgroups["controllers"].get(controller).is_some(), "{controller}");
        }
    } else {
        assert_eq!(cgroups["warning"], "cgroup v1 support is in maintenance mode, please migrate to cgroup v2");
        let controllers = cgroups["controllers"].as_object().unwrap();
        for (point, _, options) in mounts.iter().filter(|(_, kind, _)| kind == "cgroup") {
            for option in options.split(',') {
                let name = option.strip_prefix("name=").unwrap_or(option);
                if Path::new(point).file_name().is_some_and(|dir| dir == name) {
                    assert_eq!(controllers[name], point.as_str(), "{name}");
                }
            }
        }
    }
    assert!(matches!(cgroups["driver"].as_str(), Some("cgroupfs" | "systemd")));
    let kubepods = Path::new("/sys/fs/cgroup/memory/kubepods").is_dir()
        || Path::new("/sys/fs/cgroup/memory/kubepods.slice").is_dir()
        || Path::new("/sys/fs/cgroup/kubepods").is_dir()
        || Path::new("/sys/fs/cgroup/kubepods.slice").is_dir();
    if !kubepods {
        assert_eq!(cgroups["kubepods"], Value::Null);
    }
}

#[test]
fn eviction_signals_match_proc_and_statvfs() {
    let report = report_json();
    let eviction = &report["eviction"];
    let signals = &eviction["signals"];
    for name in ["memory.available", "nodefs.available", "nodefs.inodesFree", "imagefs.available", "pid.available"] {
        assert!(signals[name]["available"].is_i64(), "{name}: {signals}");
    }
    // The node's memory capacity is its working set plus what is available: MemTotal.
    let mem_total: i64 = read("/proc/meminfo")
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .map(|rest| rest.trim().trim_end_matches("kB").trim().parse::<i64>().unwrap() * 1024)
        .unwrap();
    assert_eq!(signals["memory.available"]["capacity"], mem_total);
    assert_eq!(signals["memory.available"]["threshold"], "100Mi");
    assert_eq!(signals["memory.available"]["threshold_value"], 100 << 20);

    let nodefs = eviction["nodefs"].as_str().unwrap();
    assert!(Path::new("/var/lib/kubelet").starts_with(nodefs), "{nodefs}");
    let stat = nix::sys::statvfs::statvfs(nodefs).unwrap();
    let capacity = stat.blocks() as i64 * stat.fragment_size() as i64;
    assert_eq!(signals["nodefs.available"]["capacity"], capacity);
    assert_eq!(signals["nodefs.inodesFree"]["capacity"], stat.files() as i64);
    assert_eq!(signals["nodefs.available"]["threshold"], "10%");
    assert_eq!(signals["pid.available"]["threshold"], Value::Null);

    // What fires is what the numbers say, and raises its condition.
    let mut firing = Vec::new();
    for (name, signal) in signals.as_object().unwrap() {
        if let Some(limit) = signal["threshold_value"].as_i64() {
            let fires = signal["available"].as_i64().unwrap() < limit;
            assert_eq!(signal["fires"], fires, "{name}");
            if fires {
                firing.push(name.as_str());
            }
        }
    }
    let mut reported: Vec<&str> = eviction["firing"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    reported.sort_unstable();
    firing.sort_unstable();
    assert_eq!(reported, firing);
    let disk = firing.iter().any(|name| name.starts_with("nodefs") || name.starts_with("imagefs"));
    assert_eq!(eviction["conditions"].as_array().unwrap().iter().any(|c| c == "DiskPressure"), disk);
}

#[test]
fn preview_shows_what_fits_and_refuses_what_cannot() {
    let report = report_json();
    let preview = &report["preview"];
    let online: CpuSet = read("/sys/devices/system/cpu/online").trim().parse().unwrap();
    let reserved: CpuSet = preview["reserved"].as_str().unwrap().parse().unwrap();
    assert_eq!(reserved.len(), 1);
    assert!(reserved.is_subset(&online));
    assert_eq!(preview["allocatable"].as_u64().unwrap() as usize, online.len() - 1);
    let requests = preview["requests"].as_array().unwrap();
    assert_eq!(requests.iter().map(|r| r["cpus"].as_u64().unwrap()).collect::<Vec<_>>(), [1, 2, 4]);
    for request in requests {
        let cpus = request["cpus"].as_u64().unwrap() as usize;
        let fits = cpus < online.len();
        assert_eq!(request["fits"], fits, "{request}");
        if fits {
            let assigned: CpuSet = request["assigned"].as_str().unwrap().parse().unwrap();
            assert_eq!(assigned.len(), cpus);
            assert!(assigned.is_subset(&online) && assigned.is_disjoint(&reserved), "{request}");
            assert_eq!(request["error"], Value::Null);
            assert_eq!(request["hint"]["preferred"], true);
        } else {
            assert_eq!(request["assigned"], Value::Null);
            assert_eq!(request["error"]["reason"], "UnexpectedAdmissionError");
            assert_eq!(request["admitted_by"]["restricted"], false);
        }
    }
}

#[test]
fn text_has_every_section_and_says_when_a_request_cannot_be_met() {
    let output = nodecore().arg("report").output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let mut at = 0;
    for heading in ["Topology (sysfs)\n", "\nCgroups\n", "\nEviction signals", "\nPIDs\n", "\nPreview: "] {
        let found = text[at..].find(heading).unwrap_or_else(|| panic!("{heading:?} after {at}: {text}"));
        at += found + heading.len();
    }
    let pid_max = kernel_number("pid_max").min(kernel_number("threads-max"));
    assert!(text.contains(&format!("\n  pid max      {pid_max} ")), "{text}");
    let online: CpuSet = read("/sys/devices/system/cpu/online").trim().parse().unwrap();
    let cannot = text.matches("cannot be met:").count();
    let expected = [1, 2, 4].iter().filter(|&&cpus| cpus >= online.len()).count();
    assert_eq!(cannot, expected, "{text}");
}

#[test]
fn colour_only_where_asked_for() {
    let escape = |output: &std::process::Output| output.stdout.windows(2).any(|w| w == b"\x1b[");
    let piped = nodecore().arg("report").output().unwrap();
    assert!(!escape(&piped), "no colour into a pipe");
    let forced = nodecore().arg("report").env("CLICOLOR_FORCE", "1").output().unwrap();
    assert!(escape(&forced), "CLICOLOR_FORCE keeps colour");
    let refused = nodecore().arg("report").env("CLICOLOR_FORCE", "1").env("NO_COLOR", "1").output().unwrap();
    assert!(!escape(&refused), "NO_COLOR wins");
    let json = nodecore().args(["report", "--json"]).env("CLICOLOR_FORCE", "1").output().unwrap();
    assert!(!escape(&json), "JSON never has colour");
}
