//! v1 `memory`: `memory.limit_in_bytes` and `memory.memsw.limit_in_bytes`
//! (runc's `setMemoryAndSwap`).

use crate::cgroups::controllers::require;
use crate::cgroups::files::{self, Backing};
use crate::cgroups::{Error, ResourceConfig};
use std::path::Path;

const LIMIT: &str = "memory.limit_in_bytes";
const MEMSW_LIMIT: &str = "memory.memsw.limit_in_bytes";

pub(super) fn set(dir: Option<&Path>, resources: &ResourceConfig, backing: Backing) -> Result<(), Error> {
    let memory = resources.memory.unwrap_or(0);
    if memory == 0 {
        return Ok(());
    }
    let dir = require(dir, "memory")?;
    // No limit on memory means no limit on memory+swap either, when the
    // kernel accounts swap (the kubelet never sets swap at this level).
    let swap = if memory == -1 && dir.join(MEMSW_LIMIT).exists() { -1 } else { 0 };
    if swap != 0 {
        // memory+swap must stay >= memory: raise it first.
        let current = files::read_u64(dir, LIMIT)?;
        if swap == -1 || current < swap as u64 {
            set_swap(dir, swap, backing)?;
            return set_memory(dir, memory, backing);
        }
    }
    set_memory(dir, memory, backing)?;
    set_swap(dir, swap, backing)
}

fn set_memory(dir: &Path, limit: i64, backing: Backing) -> Result<(), Error> {
    match files::write(dir, LIMIT, &limit.to_string(), backing) {
        Err(err) if err.is_errno(libc::EBUSY) => {
            let usage = files::read_u64(dir, "memory.usage_in_bytes").unwrap_or(0);
            let peak = files::read_u64(dir, "memory.max_usage_in_bytes").unwrap_or(0);
            Err(Error::MemoryLimitBelowUsage { limit, usage, peak })
        }
        other => other,
    }
}

fn set_swap(dir: &Path, swap: i64, backing: Backing) -> Result<(), Error> {
    if swap == 0 {
        return Ok(());
    }
    files::write(dir, MEMSW_LIMIT, &swap.to_string(), backing)
}
