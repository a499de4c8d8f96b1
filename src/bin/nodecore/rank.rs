//! `nodecore rank`: the order in which the kubelet's eviction manager would
//! evict pods under pressure on one signal, through the `eviction.rank` case
//! kind, so the answer is the one every other door gives.

use super::input;
use super::style::{self, Section};
use serde_json::{Value, json};
use std::io::{self, Write};
use std::process::ExitCode;

/// The case kind that answers.
const KIND: &str = "eviction.rank";

pub const EXAMPLE: &str = "\
Examples:
  echo '[{\"name\": \"web\", \"priority\": 0, \"requests\": {\"memory\": \"256Mi\"},
          \"stats\": {\"memory_working_set\": 300000000}},
         {\"name\": \"batch\", \"priority\": -10, \"stats\": {\"memory_working_set\": 1000}}]' \\
    | nodecore rank --signal memory.available
  nodecore rank --signal nodefs.available --image-fs pods.json --json

PODS is a JSON list of pods: {\"name\", \"priority\", \"requests\": {\"memory\",
\"ephemeral-storage\"} (or \"containers\": [{\"requests\", \"init\", \"restartable\"}] and
\"overhead\"), \"stats\": {\"memory_working_set\", \"rootfs_used\", \"logs_used\",
\"volumes_used\", \"rootfs_inodes_used\", \"logs_inodes_used\", \"volumes_inodes_used\",
\"processes\"}}; quantities are numbers or Kubernetes text (\"256Mi\"), and \"stats\": null is a
pod the summary has no statistics for. A whole `eviction.rank` case input ({\"signal\",
\"pods\", ...}) is read too; flags override its fields.

Memory signals rank by (exceeds its memory request, priority, working set - request),
filesystem signals by the same keys for disk usage, pid.available by (priority, processes).";

#[derive(clap::Args)]
pub struct Args {
    /// The pods: a JSON file, or `-` (the default) for standard input.
    #[arg(value_name = "PODS", default_value = "-")]
    pods: String,
    /// The signal under pressure: memory.available, allocatableMemory.available,
    /// nodefs.available, nodefs.inodesFree, imagefs.available, imagefs.inodesFree,
    /// containerfs.available, containerfs.inodesFree or pid.available.
    #[arg(long, value_name = "SIGNAL")]
    signal: Option<String>,
    /// The runtime's images are on their own filesystem (imagefs is not nodefs).
    #[arg(long)]
    image_fs: bool,
    /// With --image-fs: writable layers are on nodefs, apart from the images
    /// (KubeletSeparateDiskGC).
    #[arg(long, requires = "image_fs")]
    container_fs: bool,
    /// Print the case output, {"order": [names]}, as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> io::Result<ExitCode> {
    let mut case = input::read_case(&args.pods, "pods", "a list of pods or an eviction.rank input with \"pods\"")?;
    if let Some(signal) = args.signal {
        case.insert("signal".to_owned(), json!(signal));
    }
    if !case.contains_key("signal") {
        return Err(input::invalid("give the signal under pressure with --signal"));
    }
    if args.image_fs {
        case.insert("image_fs".to_owned(), json!(true));
        case.insert("container_fs".to_owned(), json!(args.container_fs));
    }
    let case = Value::Object(case);
    let output = input::eval(KIND, &case)?;

    let mut out = anstream::stdout().lock();
    if args.json {
        writeln!(out, "{output}")?;
    } else {
        let signal = case["signal"].as_str().unwrap_or_default();
        let mut section = Section::new(format!("Eviction order under {signal} pressure (first evicted first)"));
        let pods = case["pods"].as_array().map(Vec::as_slice).unwrap_or_default();
        let names = output["order"].as_array().map(Vec::as_slice).unwrap_or_default();
        let width = names.len().to_string().len();
        for (position, name) in names.iter().enumerate() {
            let name = name.as_str().unwrap_or_default();
            let pod = pods.iter().find(|pod| pod["name"] == name).unwrap_or(&Value::Null);
            section.field(format!("{:>width$}. {name}", position + 1), describe(pod, signal));
        }
        section.write(&mut out)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// What ranked the pod, as given: its priority and the usage the signal
/// looks at.
fn describe(pod: &Value, signal: &str) -> String {
    let priority = pod["priority"].as_i64().unwrap_or(0);
    let mut parts = vec![format!("priority {priority}")];
    let stats = &pod["stats"];
    if stats.is_null() {
        parts.push(style::warn("no statistics"));
    } else {
        let usage: &[(&str, &str)] = match signal {
            "memory.available" | "allocatableMemory.available" => &[("memory_working_set", "working set")],
            "pid.available" => &[("processes", "processes")],
            s if s.ends_with("inodesFree") => &[
                ("rootfs_inodes_used", "rootfs inodes"),
                ("logs_inodes_used", "logs inodes"),
                ("volumes_inodes_used", "volume inodes"),
            ],
            _ => &[("rootfs_used", "rootfs"), ("logs_used", "logs"), ("volumes_used", "volumes")],
        };
        for (key, label) in usage {
            if let Some(value) = stats[*key].as_u64() {
                parts.push(format!("{label} {value}"));
            }
        }
    }
    style::dim(parts.join(" · "))
}
