//! CPU and huge-page conversions, exactly as the kubelet and runc compute them.
//!
//! Integer arithmetic is Go's: division truncates toward zero and overflow
//! wraps (the kubelet never passes values near the limits; wrapping keeps the
//! same answer where it does, and never panics).
//!
//! ```
//! use nodecore::cgroups::convert::{QUOTA_PERIOD, milli_cpu_to_quota, milli_cpu_to_shares};
//!
//! assert_eq!(milli_cpu_to_shares(500), 512);
//! assert_eq!(milli_cpu_to_quota(1500, QUOTA_PERIOD), 150_000);
//! ```

use super::Error;
use serde::{Deserialize, Serialize};

/// The smallest `cpu.shares` value (upstream `MinShares`).
pub const MIN_SHARES: u64 = 2;
/// The largest `cpu.shares` value (upstream `MaxShares`).
pub const MAX_SHARES: u64 = 262144;
/// Shares of one whole CPU (upstream `SharesPerCPU`).
pub const SHARES_PER_CPU: i64 = 1024;
/// Milli-CPUs per CPU (upstream `MilliCPUToCPU`).
pub const MILLI_CPU_TO_CPU: i64 = 1000;
/// The default CFS period in µs, 100 ms (upstream `QuotaPeriod`).
pub const QUOTA_PERIOD: u64 = 100_000;
/// The smallest quota the kernel accepts, 1 ms (upstream `MinQuotaPeriod`).
pub const MIN_QUOTA_PERIOD: i64 = 1000;
/// Below this many milli-CPUs a limit hits the 1 ms quota floor (upstream `MinMilliCPULimit`).
pub const MIN_MILLI_CPU_LIMIT: i64 = 10;
/// The largest `cpu.weight` value.
pub const MAX_WEIGHT: u64 = 10000;

/// `cpu.shares` for a CPU request in milli-CPUs (upstream `MilliCPUToShares`):
/// 2 for no request, otherwise `milli_cpu * 1024 / 1000` clamped to [2, 262144].
pub fn milli_cpu_to_shares(milli_cpu: i64) -> u64 {
    if milli_cpu == 0 {
        return MIN_SHARES;
    }
    let shares = milli_cpu.wrapping_mul(SHARES_PER_CPU) / MILLI_CPU_TO_CPU;
    shares.clamp(MIN_SHARES as i64, MAX_SHARES as i64) as u64
}

/// The CFS quota in µs for a CPU limit in milli-CPUs over `period` µs
/// (upstream `MilliCPUToQuota`): 0 ("no quota") for no limit, otherwise
/// `milli_cpu * period / 1000`, at least 1000.
///
/// `period` is the period the kubelet passes: 100000 unless the
/// `CPUCFSQuotaPeriod` gate is on with `--cpu-cfs-quota-period`.
pub fn milli_cpu_to_quota(milli_cpu: i64, period: u64) -> i64 {
    if milli_cpu == 0 {
        return 0;
    }
    let quota = milli_cpu.wrapping_mul(period as i64) / MILLI_CPU_TO_CPU;
    quota.max(MIN_QUOTA_PERIOD)
}

/// Which conversion turns `cpu.shares` into a cgroup v2 `cpu.weight`.
///
/// The kubelet writes kubepods, QoS and pod cgroups with its own linear
/// formula; OCI runtimes write container cgroups with the quadratic one since
/// runc 1.3.2, crun 1.23 and containerd cgroups 3.1. The pod-level formula of
/// Kubernetes 1.35 was not confirmed in upstream code, so the choice is made
/// per level by the caller.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum WeightFormula {
    /// The kubelet's `getCPUWeight`: `1 + (shares - 2) * 9999 / 262142`.
    #[default]
    KubeletLinear,
    /// opencontainers/cgroups `ConvertCPUSharesToCgroupV2Value` since v0.0.3.
    RuncQuadratic,
}

impl WeightFormula {
    /// `cpu.weight` for `shares` under this formula.
    pub fn weight(self, shares: u64) -> u64 {
        match self {
            WeightFormula::KubeletLinear => cpu_shares_to_weight_linear(shares),
            WeightFormula::RuncQuadratic => cpu_shares_to_weight_quadratic(shares),
        }
    }
}

/// The kubelet's linear shares → weight (`getCPUWeight`): 10000 from 262144
/// shares up, otherwise `1 + (shares - 2) * 9999 / 262142`.
///
/// The kubelet never passes fewer than 2 shares; where upstream's unsigned
/// subtraction would wrap, this returns 1.
pub fn cpu_shares_to_weight_linear(shares: u64) -> u64 {
    if shares >= MAX_SHARES {
        return MAX_WEIGHT;
    }
    1 + shares.saturating_sub(MIN_SHARES) * (MAX_WEIGHT - 1) / (MAX_SHARES - MIN_SHARES)
}

/// The quadratic shares → weight of runc ≥ 1.3.2: 0 for 0 (unset), 1 up to 2
/// shares, 10000 from 262144 up, otherwise `ceil(10^((L² + 125 L) / 612 − 7/34))`
/// with `L = log2(shares)`, evaluated in f64 in that order. The curve passes
/// exactly through (2, 1), (1024, 100) and (262144, 10000).
pub fn cpu_shares_to_weight_quadratic(shares: u64) -> u64 {
    match shares {
        0 => 0,
        1..=MIN_SHARES => 1,
        MAX_SHARES.. => MAX_WEIGHT,
        _ => {
            let l = (shares as f64).log2();
            let exponent = (l * l + 125.0 * l) / 612.0 - 7.0 / 34.0;
            10f64.powf(exponent).ceil() as u64
        }
    }
}

/// The kubelet's reverse conversion weight → shares (`CPUWeightToCPUShares`,
/// clamped version), used to read `cpu.weight` back as shares: 2 up to weight
/// 1, 262144 from 10000 up, otherwise `(weight - 1) * 262142 / 9999 + 2`.
/// The round trip loses precision (1024 → 39 → 998).
pub fn cpu_weight_to_shares(weight: u64) -> u64 {
    match weight {
        0..=1 => MIN_SHARES,
        MAX_WEIGHT.. => MAX_SHARES,
        _ => (weight - 1) * (MAX_SHARES - MIN_SHARES) / (MAX_WEIGHT - 1) + MIN_SHARES,
    }
}

/// What the systemd driver makes of a CFS quota (runc's `addCPUQuota`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct SystemdCpuQuota {
    /// The unit property `CPUQuotaPerSecUSec`; `u64::MAX` is `infinity`.
    pub per_sec_usec: u64,
    /// The quota after rounding, which runc also writes to `cpu.max` /
    /// `cpu.cfs_quota_us`.
    pub quota: i64,
}

/// systemd rounds a CPU quota up to 1% of a CPU (10 ms per second), and runc
/// writes the rounded quota to the cgroup files too: with the systemd driver a
/// 15m limit (quota 1500 per 100 ms) becomes quota 2000.
///
/// Returns `None` when neither a quota nor a period is set (runc sets no
/// property). A quota of 0 or below means no limit (`infinity`); a period
/// of 0 means 100000.
pub fn systemd_cpu_quota(quota: i64, period: u64) -> Option<SystemdCpuQuota> {
    if quota == 0 && period == 0 {
        return None;
    }
    if quota <= 0 {
        return Some(SystemdCpuQuota { per_sec_usec: u64::MAX, quota });
    }
    let period = if period == 0 { QUOTA_PERIOD } else { period };
    let mut per_sec = (quota as u64).wrapping_mul(1_000_000) / period;
    let mut quota = quota;
    if per_sec % 10_000 != 0 {
        per_sec = (per_sec / 10_000 + 1) * 10_000;
        quota = (per_sec.wrapping_mul(period) / 1_000_000) as i64;
    }
    Some(SystemdCpuQuota { per_sec_usec: per_sec, quota })
}

const HUGE_PAGE_UNITS: [&str; 6] = ["B", "KB", "MB", "GB", "TB", "PB"];

/// The size string of a huge page size in bytes, as in the hugetlb file names
/// (upstream `HugePageUnitSizeFromByteSize`): 2097152 → `2MB`, 1073741824 →
/// `1GB`, 65536 → `64KB`. A size that is not a whole number of its largest
/// unit is an error.
pub fn huge_page_size_string(bytes: i64) -> Result<String, Error> {
    let mut size = bytes;
    let mut unit = 0;
    while size % 1024 == 0 && unit < HUGE_PAGE_UNITS.len() - 1 {
        size /= 1024;
        unit += 1;
    }
    if size > 1024 && unit < HUGE_PAGE_UNITS.len() - 1 {
        return Err(Error::InvalidConfiguration(format!(
            "size: {size}{} must be guaranteed to divisible into the largest units",
            HUGE_PAGE_UNITS[unit]
        )));
    }
    Ok(format!("{size}{}", HUGE_PAGE_UNITS[unit]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_and_quota_follow_the_spec_table() {
        let rows: [(i64, u64, i64); 8] = [
            (0, 2, 0),
            (1, 2, 1000),
            (15, 15, 1500),
            (100, 102, 10000),
            (255, 261, 25500),
            (1000, 1024, 100000),
            (256000, 262144, 25600000),
            (300000, 262144, 30000000),
        ];
        for (milli, shares, quota) in rows {
            assert_eq!(milli_cpu_to_shares(milli), shares, "{milli}m");
            assert_eq!(milli_cpu_to_quota(milli, QUOTA_PERIOD), quota, "{milli}m");
        }
        assert_eq!(milli_cpu_to_quota(250, 50_000), 12500);
        assert_eq!(milli_cpu_to_shares(-5), 2);
    }

    #[test]
    fn weights_in_both_formulas() {
        for (shares, linear, quadratic) in [(2, 1, 1), (3, 1, 2), (1024, 39, 100), (262143, 9999, 10000)] {
            assert_eq!(WeightFormula::KubeletLinear.weight(shares), linear);
            assert_eq!(WeightFormula::RuncQuadratic.weight(shares), quadratic);
        }
        assert_eq!(cpu_shares_to_weight_linear(0), 1, "no wrap below 2 shares");
    }

    /// The quadratic curve never lands within 2e-6 of an integer except at
    /// 1024, so `ceil` is robust: an independent check over the whole range.
    #[test]
    fn quadratic_weight_is_monotonic_and_bounded() {
        let mut previous = 1;
        for shares in 3..MAX_SHARES {
            let weight = cpu_shares_to_weight_quadratic(shares);
            assert!(weight >= previous && weight <= MAX_WEIGHT, "{shares}");
            previous = weight;
        }
    }

    #[test]
    fn weight_back_to_shares_is_clamped() {
        let table = [(1, 2), (2, 28), (4, 80), (39, 998), (40, 1024), (100, 2597), (9999, 262117), (10000, 262144)];
        for (weight, shares) in table {
            assert_eq!(cpu_weight_to_shares(weight), shares, "{weight}");
        }
        assert_eq!(cpu_weight_to_shares(0), 2);
        assert_eq!(cpu_weight_to_shares(20000), 262144);
    }

    #[test]
    fn systemd_rounds_quota_up_to_one_percent() {
        let round = |milli| systemd_cpu_quota(milli_cpu_to_quota(milli, QUOTA_PERIOD), QUOTA_PERIOD).unwrap();
        assert_eq!(round(15), SystemdCpuQuota { per_sec_usec: 20000, quota: 2000 });
        assert_eq!(round(255), SystemdCpuQuota { per_sec_usec: 260000, quota: 26000 });
        assert_eq!(round(250), SystemdCpuQuota { per_sec_usec: 250000, quota: 25000 });
        assert_eq!(round(1), SystemdCpuQuota { per_sec_usec: 10000, quota: 1000 });
        assert_eq!(systemd_cpu_quota(-1, QUOTA_PERIOD).unwrap().per_sec_usec, u64::MAX);
        assert_eq!(systemd_cpu_quota(0, 0), None);
        assert_eq!(systemd_cpu_quota(1500, 0).unwrap().quota, 2000, "period 0 counts as 100000");
    }

    #[test]
    fn huge_page_sizes_are_spelled_like_the_kernel() {
        assert_eq!(huge_page_size_string(65536).unwrap(), "64KB");
        assert_eq!(huge_page_size_string(2 << 20).unwrap(), "2MB");
        assert_eq!(huge_page_size_string(1 << 30).unwrap(), "1GB");
        assert!(huge_page_size_string(1025 * 1024 + 1).is_err());
    }
}
