//! `nodecore eval`: the shared case format on the command line.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::{self, BufRead, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

pub fn run(files: &[PathBuf], check: bool) -> io::Result<ExitCode> {
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
    let cases: Vec<&String> = lines.iter().filter(|line| !line.trim().is_empty()).collect();
    let progress = progress(cases.len());
    let mut out = BufWriter::new(io::stdout().lock());
    let (mut passed, mut failed) = (0usize, 0usize);
    for line in progress.wrap_iter(cases.into_iter()) {
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
    progress.finish_and_clear();
    if check {
        writeln!(out, "{passed} passed, {failed} failed")?;
    }
    out.flush()?;
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Case files this large show a progress bar.
const PROGRESS_FROM: usize = 1000;

/// A progress bar on standard error for `cases` cases: drawn only when
/// standard error is a terminal and the file is large, hidden otherwise.
fn progress(cases: usize) -> ProgressBar {
    if cases < PROGRESS_FROM || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(cases as u64), ProgressDrawTarget::stderr());
    let style = ProgressStyle::with_template("{bar:40} {pos}/{len} cases · {elapsed} elapsed · {eta} left")
        .expect("the template is valid");
    bar.set_style(style);
    bar
}
