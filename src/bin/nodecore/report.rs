//! `nodecore report`: this node as the kubelet would see it.

use std::io;
use std::process::ExitCode;

pub fn run() -> io::Result<ExitCode> {
    let online = std::fs::read_to_string("/sys/devices/system/cpu/online")?;
    let cpus = nodecore::cpuset::CpuSet::parse(online.trim())
        .map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err))?;
    println!("CPUs online: {cpus} ({} CPUs)", cpus.len());
    Ok(ExitCode::SUCCESS)
}
