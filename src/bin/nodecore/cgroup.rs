//! `nodecore cgroup`: the host's cgroup setup and the limits of one cgroup.

use super::input;
use clap::Subcommand;
use nodecore::cgroups::{
    CgroupLimits, CgroupV1Policy, Driver, Host, HostPaths, Limit, Mode, cgroup_version_check, is_systemd_style_name,
};
use serde_json::json;
use std::io;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum Command {
    /// Show the host's cgroup mode, the driver, and the limits, usage and
    /// processes of one cgroup. Exits 1 when the cgroup does not exist.
    #[command(after_help = "Examples:\n  \
        nodecore cgroup inspect                      # the root cgroup\n  \
        nodecore cgroup inspect /kubepods/burstable\n  \
        nodecore cgroup inspect /kubepods.slice/kubepods-burstable.slice --json\n  \
        nodecore cgroup inspect --root /sys/fs/cgroup/unified /   # a hybrid host's cgroup2 tree")]
    Inspect {
        /// The cgroup's path below each hierarchy's mount point, as the
        /// kubelet's Name() gives it.
        #[arg(default_value = "/")]
        path: String,
        /// `cgroupfs` or `systemd`; by default `systemd` when PATH ends in `.slice`.
        #[arg(long)]
        driver: Option<String>,
        /// The cgroup root. A cgroup2 mount is inspected as a unified host;
        /// otherwise the cgroup v1 mounts are read from /proc/self/mountinfo.
        #[arg(long, default_value = "/sys/fs/cgroup")]
        root: PathBuf,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(command: Command) -> io::Result<ExitCode> {
    match command {
        Command::Inspect { path, driver, root, json } => inspect(&path, driver.as_deref(), root, json),
    }
}

fn inspect(path: &str, driver: Option<&str>, root: PathBuf, as_json: bool) -> io::Result<ExitCode> {
    let driver = match driver {
        Some(text) => text.parse::<Driver>().map_err(input::invalid)?,
        None if is_systemd_style_name(path.trim_end_matches('/')) => Driver::Systemd,
        None => Driver::Cgroupfs,
    };
    let host = Host::detect(&HostPaths { cgroup_root: root, ..HostPaths::default() }).map_err(input::invalid)?;
    let manager = host.manager(driver).map_err(input::invalid)?;
    let name = manager.cgroup_name(path).map_err(input::invalid)?;
    let literal = manager.name(&name).map_err(input::invalid)?;
    let missing = manager.validate(&name).err().map(|err| err.to_string());
    let paths = manager.paths(&name).map_err(input::invalid)?;
    let pids = manager.pids(&name).map_err(input::invalid)?;
    let limits = manager.read_limits(&name).map_err(input::invalid)?;
    let check = cgroup_version_check(host.mode, &host.cgroup_root, CgroupV1Policy::default());
    let exit = if missing.is_none() { ExitCode::SUCCESS } else { ExitCode::FAILURE };

    if as_json {
        let answer = json!({
            "mode": host.mode,
            "version": manager.version().number(),
            "driver": driver,
            "path": literal,
            "name": name,
            "exists": missing.is_none(),
            "missing": missing,
            "processes": pids,
            "limits": limits,
            "paths": paths,
            "warning": check.warning,
        });
        println!("{answer}");
        return Ok(exit);
    }

    println!("mode       {}", describe_mode(&host));
    println!("driver     {driver}");
    println!("cgroup     {literal}");
    println!("name       [{}]", name.components().join(", "));
    match &missing {
        None => println!("exists     yes"),
        Some(reason) => println!("exists     no: {reason}"),
    }
    println!("processes  {}", pids.len());
    print_limits(&limits);
    println!("directories");
    let width = paths.keys().map(String::len).max().unwrap_or(0);
    for (controller, dir) in &paths {
        println!("  {controller:width$}  {}", dir.display());
    }
    if let Some(warning) = check.warning {
        println!("warning    {warning}");
    }
    Ok(exit)
}

fn describe_mode(host: &Host) -> String {
    let root = host.cgroup_root.display();
    match host.mode {
        Mode::Unified => format!("unified (cgroup v2 at {root})"),
        Mode::Hybrid => format!("hybrid (cgroup v1 to the kubelet; a cgroup2 mount at {root}/unified)"),
        Mode::Legacy => "legacy (cgroup v1)".to_owned(),
    }
}

fn print_limits(limits: &CgroupLimits) {
    let show = |value: Option<String>| value.unwrap_or_else(|| "-".to_owned());
    let number = |value: Option<u64>| show(value.map(|value| value.to_string()));
    let limit = |value: Option<Limit>| show(value.map(|value| value.to_string()));
    let quota = match limits.cpu_quota {
        Some(-1) => "max".to_owned(),
        other => show(other.map(|quota| format!("{quota}µs"))),
    };
    let weight = limits.cpu_weight.map(|weight| format!(" (weight {weight})")).unwrap_or_default();
    println!(
        "cpu        shares {}{weight} · quota {quota} · period {}",
        number(limits.cpu_shares),
        show(limits.cpu_period.map(|period| format!("{period}µs")))
    );
    println!("memory     limit {} · usage {}", limit(limits.memory_limit), number(limits.memory_usage));
    println!("pids       limit {} · current {}", limit(limits.pids_limit), number(limits.pids_current));
    println!("cpuset     cpus {} · mems {}", show(limits.cpuset_cpus.clone()), show(limits.cpuset_mems.clone()));
    if !limits.huge_page_limits.is_empty() {
        let pages: Vec<String> =
            limits.huge_page_limits.iter().map(|(size, limit)| format!("{size} {limit}")).collect();
        println!("hugetlb    {}", pages.join(" · "));
    }
}
