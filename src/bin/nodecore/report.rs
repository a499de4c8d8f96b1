//! `nodecore report`: this node as the kubelet would see it, one section per
//! module.

use super::topology;
use std::io::{self, Write};
use std::process::ExitCode;

pub fn run() -> io::Result<ExitCode> {
    let mut out = io::stdout().lock();
    let topology_ok = topology::report_section(&mut out)?;
    out.flush()?;
    Ok(if topology_ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
