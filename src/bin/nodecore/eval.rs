//! `nodecore eval`: the shared case format on the command line.

use std::io::{self, BufRead, BufWriter, Write};
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
