//! v2 `memory`: `memory.swap.max` and `memory.max` (runc's `setMemory`).

use crate::cgroups::files::{self, Backing};
use crate::cgroups::{Error, ResourceConfig};
use std::path::Path;

pub(super) fn set(dir: &Path, resources: &ResourceConfig, backing: Backing) -> Result<(), Error> {
    let memory = resources.memory.unwrap_or(0);
    if memory == 0 {
        return Ok(());
    }
    if memory == -1 {
        // No memory limit means no swap limit either, as on v1; a host
        // without swap accounting has no file, which is fine for "max".
        match files::write(dir, "memory.swap.max", "max", backing) {
            Err(err) if err.is_not_found() => {}
            other => other?,
        }
    }
    let value = if memory == -1 { "max".to_owned() } else { memory.to_string() };
    files::write(dir, "memory.max", &value, backing)
}
