//! `nodecore`: the node as the kubelet would see it, and the shared case
//! format on the command line.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// One module per subcommand, in `src/bin/nodecore/`.
#[path = "nodecore/mod.rs"]
mod commands;

use commands::{cgroup, eval, report};

#[derive(Parser)]
#[command(name = "nodecore", version, about = "The kubelet's node-resource logic, exact to upstream")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show this node as the kubelet would see it.
    Report,
    /// Run cases of the shared JSON case format (JSONL) and print one answer per case.
    #[command(
        after_help = "Example:\n  echo '{\"id\":\"x\",\"kind\":\"cpuset.parse\",\"input\":{\"text\":\"0-3,8\"}}' | nodecore eval\n  nodecore eval --check tests/vectors/cpu.jsonl"
    )]
    Eval {
        /// Case files; standard input when none is given.
        files: Vec<PathBuf>,
        /// Compare each answer with the case's `expect`, print failures and a summary,
        /// and exit non-zero when any case fails.
        #[arg(long)]
        check: bool,
    },
    /// Inspect cgroups as the kubelet sees them.
    Cgroup {
        #[command(subcommand)]
        command: cgroup::Command,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Report => report::run(),
        Command::Eval { files, check } => eval::run(&files, check),
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
