//! v1 `cpu`: `cpu.shares`, `cpu.cfs_period_us`, `cpu.cfs_quota_us` (runc's `CpuGroup.Set`).

use crate::cgroups::controllers::require;
use crate::cgroups::files::{self, Backing};
use crate::cgroups::{Error, ResourceConfig};
use std::path::Path;

pub(super) fn set(dir: Option<&Path>, resources: &ResourceConfig, backing: Backing) -> Result<(), Error> {
    let shares = resources.cpu_shares.unwrap_or(0);
    let quota = resources.cpu_quota.unwrap_or(0);
    let period = resources.cpu_period.unwrap_or(0);
    if shares == 0 && quota == 0 && period == 0 {
        return Ok(());
    }
    let dir = require(dir, "cpu")?;
    if shares != 0 {
        files::write(dir, "cpu.shares", &shares.to_string(), backing)?;
        // The kernel clamps to [2, 262144]; runc reads back and refuses a clamp.
        let kept = files::read_u64(dir, "cpu.shares")?;
        if shares > kept {
            return Err(Error::CpuSharesClamped { bound: "maximum", actual: kept });
        }
        if shares < kept {
            return Err(Error::CpuSharesClamped { bound: "minimum", actual: kept });
        }
    }
    let mut period_after_quota = None;
    if period != 0 {
        match files::write(dir, "cpu.cfs_period_us", &period.to_string(), backing) {
            Ok(()) => {}
            // A period shorter than the current one can be refused while the
            // old quota is in place; runc retries it after the quota.
            Err(err) if err.is_errno(libc::EINVAL) && quota != 0 => period_after_quota = Some(period),
            Err(err) => return Err(err),
        }
    }
    if quota != 0 {
        files::write(dir, "cpu.cfs_quota_us", &quota.to_string(), backing)?;
        if let Some(period) = period_after_quota {
            files::write(dir, "cpu.cfs_period_us", &period.to_string(), backing)?;
        }
    }
    Ok(())
}
