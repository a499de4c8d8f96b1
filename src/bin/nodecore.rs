//! `nodecore`: the node as the kubelet would see it, and the shared case
//! format on the command line.

use clap::{Parser, Subcommand};
use std::io::{self, BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

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
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Report => report(),
        Command::Eval { files, check } => eval(&files, check),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("nodecore: {err}");
            ExitCode::from(2)
        }
    }
}

fn report() -> io::Result<ExitCode> {
    let online = std::fs::read_to_string("/sys/devices/system/cpu/online")?;
    let cpus = nodecore::cpuset::CpuSet::parse(online.trim())
        .map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))?;
    println!("CPUs online: {cpus} ({} CPUs)", cpus.len());
    Ok(ExitCode::SUCCESS)
}

fn eval(files: &[PathBuf], check: bool) -> io::Result<ExitCode> {
    let mut lines: Vec<String> = Vec::new();
    if files.is_empty() {
        for line in io::stdin().lock().lines() {
            lines.push(line?);
        }
    } else {
        for file in files {
            let text = std::fs::read_to_string(file)
                .map_err(|err| io::Error::new(err.kind(), format!("{}: {err}", file.display())))?;
            lines.extend(text.lines().map(str::to_owned));
        }
    }
    let mut out = BufWriter::new(io::stdout().lock());
    let (mut passed, mut failed) = (0usize, 0usize);
    for line in lines.iter().filter(|line| !line.trim().is_empty()) {
        let answer = nodecore::eval::eval_line(line);
        if !check {
            writeln!(out, "{answer}")?;
            continue;
        }
        let expect = serde_json::from_str::<serde_json::Value>(line).ok().and_then(|case| case.get("expect").cloned());
        match expect {
            Some(expect) if nodecore::eval::case_passes(&expect, &answer) => passed += 1,
            expect => {
                failed += 1;
                let expect = expect.map_or("none".to_owned(), |e| e.to_string());
                writeln!(out, "FAIL {answer}\n     expected {expect}")?;
            }
        }
    }
    if check {
        writeln!(out, "{passed} passed, {failed} failed")?;
    }
    out.flush()?;
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
