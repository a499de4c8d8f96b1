//! v2 `cpu`: `cpu.weight` and `cpu.max` (runc's `setCpu`).

use crate::cgroups::convert::QUOTA_PERIOD;
use crate::cgroups::files::{self, Backing};
use crate::cgroups::{Error, ResourceConfig};
use std::path::Path;

pub(super) fn set(dir: &Path, resources: &ResourceConfig, backing: Backing) -> Result<(), Error> {
    // Shares of 0 mean "unset", as on v1 (runc writes no weight of 0).
    let weight =
        resources.cpu_shares.filter(|shares| *shares != 0).map(|shares| resources.cpu_weight_formula.weight(shares));
    if let Some(weight) = weight {
        files::write(dir, "cpu.weight", &weight.to_string(), backing)?;
    }
    let quota = resources.cpu_quota.unwrap_or(0);
    let period = resources.cpu_period.unwrap_or(0);
    if quota != 0 || period != 0 {
        let quota = if quota > 0 { quota.to_string() } else { "max".to_owned() };
        let period = if period == 0 { QUOTA_PERIOD } else { period };
        files::write(dir, "cpu.max", &format!("{quota} {period}"), backing)?;
    }
    Ok(())
}

/// `cpu.max` as (quota, period); `max` is quota -1.
pub(super) fn read_max(dir: &Path) -> Result<(i64, u64), Error> {
    let text = files::read_string(dir, "cpu.max")?;
    let invalid = || Error::Parse {
        path: dir.join("cpu.max"),
        value: text.clone(),
        reason: "expected \"<quota or max> <period>\"".to_owned(),
    };
    let mut words = text.split_whitespace();
    let (Some(quota), Some(period), None) = (words.next(), words.next(), words.next()) else {
        return Err(invalid());
    };
    let quota = if quota == "max" { -1 } else { quota.parse().map_err(|_| invalid())? };
    Ok((quota, period.parse().map_err(|_| invalid())?))
}
