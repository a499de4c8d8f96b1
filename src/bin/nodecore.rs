//! `nodecore`: the node as the kubelet would see it, and the shared case
//! format on the command line.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// One module per subcommand, in `src/bin/nodecore/`.
#[path = "nodecore/mod.rs"]
mod commands;

use commands::{allocate, cgroup, eval, groups, merge, rank, report, topology};

#[derive(Parser)]
#[command(
    name = "nodecore",
    version,
    about = "The kubelet's node-resource logic, exact to upstream",
    after_help = "Start with `nodecore report`: this node as the kubelet would see it."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show this node as the kubelet would see it: topology, cgroups, eviction signals,
    /// PIDs, and what the static CPU manager policy would give a container.
    #[command(after_help = report::EXAMPLE)]
    Report {
        /// Print one JSON object instead of the sections.
        #[arg(long)]
        json: bool,
    },
    /// Show the CPU topology the kubelet's CPU manager sees: counters, NUMA nodes, sockets,
    /// uncore caches, cores and their threads, NUMA distances.
    #[command(
        after_help = "Examples:\n  nodecore topology                      this machine, from sysfs\n  nodecore topology --json > node.json   the {\"cpus\": [...]} form plus counters and distances\n  nodecore topology --from node.json     a saved machine (or - for standard input)\n  nodecore topology --from dual-socket-multi-numa-per-socket-ht\n  nodecore topology --hwloc              this machine, from hwloc (built with --features hwloc)"
    )]
    Topology {
        /// Print JSON instead of the summary.
        #[arg(long)]
        json: bool,
        /// Show a topology from a JSON file, `-` for standard input, or a named test topology
        /// instead of this machine.
        #[arg(long, value_name = "FILE|NAME", conflicts_with = "hwloc")]
        from: Option<String>,
        /// Discover this machine through hwloc instead of sysfs.
        #[arg(long)]
        hwloc: bool,
    },
    /// Allocate CPUs to the containers of a pod with the static CPU manager policy, under a
    /// topology manager policy, as the kubelet admits it.
    #[command(after_help = allocate::EXAMPLE)]
    Allocate(allocate::Args),
    /// Merge hint providers' topology hints as a topology manager policy does.
    #[command(after_help = merge::EXAMPLE)]
    Merge(merge::Args),
    /// Rank pods in the order the eviction manager would evict them under pressure.
    #[command(after_help = rank::EXAMPLE)]
    Rank(rank::Args),
    /// Run cases of the shared JSON case format (JSONL) and print one answer per case.
    /// Shows progress on a terminal for large case files.
    #[command(
        after_help = "Examples:\n  echo '{\"id\":\"x\",\"kind\":\"cpuset.parse\",\"input\":{\"text\":\"0-3,8\"}}' | nodecore eval\n  nodecore eval --check tests/vectors/cpu.jsonl"
    )]
    Eval {
        /// Case files; standard input when none is given.
        files: Vec<PathBuf>,
        /// Compare each answer with the case's `expect`, print failures and a summary,
        /// and exit non-zero when any case fails.
        #[arg(long)]
        check: bool,
    },
    /// Resolve a container's uid, gid and supplementary groups from its root filesystem
    /// (supplementalGroupsPolicy Merge or Strict), as containerd or CRI-O reports them.
    #[command(after_help = groups::EXAMPLE)]
    Groups(groups::Args),
    /// Inspect cgroups as the kubelet sees them.
    #[command(after_help = "Example:\n  nodecore cgroup inspect /kubepods/burstable --json")]
    Cgroup {
        #[command(subcommand)]
        command: cgroup::Command,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Report { json } => report::run(json),
        Command::Allocate(args) => allocate::run(args),
        Command::Merge(args) => merge::run(args),
        Command::Rank(args) => rank::run(args),
        Command::Topology { json, from, hwloc } => topology::run(json, from.as_deref(), hwloc),
        Command::Eval { files, check } => eval::run(&files, check),
        Command::Groups(args) => groups::run(args),
        Command::Cgroup { command } => cgroup::run(command),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("nodecore: {err}");
            ExitCode::from(2)
        }
    }
}
