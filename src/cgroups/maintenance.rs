//! cgroup v1 maintenance mode (Kubernetes 1.31, KEP-4569) and its 1.35
//! successor (KEP-5573): the start-up warning, the `kubelet_cgroup_version`
//! metric and the `--fail-cgroupv1` validation.
//!
//! ```
//! use nodecore::cgroups::Mode;
//! use nodecore::cgroups::maintenance::{CgroupV1Policy, validate_fail_cgroup_v1};
//!
//! assert!(validate_fail_cgroup_v1(true, Mode::Unified, CgroupV1Policy::MaintenanceMode).is_ok());
//! let err = validate_fail_cgroup_v1(true, Mode::Hybrid, CgroupV1Policy::MaintenanceMode).unwrap_err();
//! assert_eq!(err.kind(), "invalid-configuration");
//! ```

use super::{CgroupVersion, Error, Mode};
use serde::Serialize;
use std::path::Path;

/// Reason of the Warning event the kubelet records on its Node on cgroup v1.
pub const CGROUP_V1_EVENT_REASON: &str = "CgroupV1";

/// Warning when a unified host's root lacks `cpu.stat` (kernel < 5.8), from
/// 1.32 (upstream `CgroupV2KernelWarning`). Logged only, no event.
pub const CGROUP_V2_KERNEL_WARNING: &str = "cgroup v2 is being used on a kernel, which doesn't support root `cpu.stat`.\
Kubelet will continue, but may experience instability or wrong behavior";

/// Which kubelet release line's cgroup v1 policy to mirror.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CgroupV1Policy {
    /// 1.31–1.34: v1 is "in maintenance mode"; `failCgroupV1` defaults to false.
    /// (1.31 itself lacks the v2 `cpu.stat` check, which came in 1.32.)
    MaintenanceMode,
    /// 1.35 and later: v1 is "unsupported"; `failCgroupV1` defaults to true.
    #[default]
    Unsupported,
}

impl CgroupV1Policy {
    /// The default of `failCgroupV1` (`--fail-cgroupv1`).
    pub fn fail_cgroup_v1_default(self) -> bool {
        self == CgroupV1Policy::Unsupported
    }

    /// The message of the Warning event (and of the start-up log line) on v1.
    ///
    /// The 1.31 text is upstream's `CgroupV1MaintenanceModeWarning`. The 1.35
    /// text follows KEP-5573 and the 1.35 validation error; it was not read
    /// at a release tag.
    pub fn warning(self) -> &'static str {
        match self {
            CgroupV1Policy::MaintenanceMode => "cgroup v1 support is in maintenance mode, please migrate to cgroup v2",
            CgroupV1Policy::Unsupported => {
                "cgroup v1 support is unsupported and will be removed in a future release, please migrate to cgroup v2"
            }
        }
    }

    /// The configuration error when `failCgroupV1` is set on a v1 host.
    pub fn validation_error(self) -> &'static str {
        match self {
            CgroupV1Policy::MaintenanceMode => {
                "kubelet is configured to not run on a host using cgroup v1. cgroup v1 support is in maintenance mode"
            }
            CgroupV1Policy::Unsupported => {
                "kubelet is configured to not run on a host using cgroup v1. \
                 cgroup v1 support is unsupported and will be removed in a future release"
            }
        }
    }
}

/// The kubelet's `validateKubeletOSConfiguration` check of `failCgroupV1`:
/// refuses a host that is not unified (a hybrid host is refused too).
///
/// ```
/// use nodecore::cgroups::{CgroupV1Policy, Mode, validate_fail_cgroup_v1};
///
/// let policy = CgroupV1Policy::MaintenanceMode;
/// assert!(validate_fail_cgroup_v1(true, Mode::Hybrid, policy).is_err());
/// assert!(validate_fail_cgroup_v1(false, Mode::Hybrid, policy).is_ok());
/// assert!(validate_fail_cgroup_v1(true, Mode::Unified, policy).is_ok());
/// ```
pub fn validate_fail_cgroup_v1(fail_cgroup_v1: bool, mode: Mode, policy: CgroupV1Policy) -> Result<(), Error> {
    if fail_cgroup_v1 && !mode.is_unified() {
        return Err(Error::InvalidConfiguration(policy.validation_error().to_owned()));
    }
    Ok(())
}

/// What the kubelet's `cgroupVersionCheck` reports at start-up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VersionCheck {
    /// The value of the `kubelet_cgroup_version` gauge: 1 or 2.
    pub metric: u8,
    /// The warning logged (at verbosity 2, as `"Warning: cgroup check"`), if any.
    pub warning: Option<&'static str>,
    /// Whether a Warning event with reason [`CGROUP_V1_EVENT_REASON`] and the
    /// warning as message is recorded on the Node.
    pub node_event: bool,
}

/// The kubelet's start-up cgroup check: on v1 a warning and a Node event; on
/// v2 a warning when `<cgroup_root>/cpu.stat` is missing.
pub fn cgroup_version_check(mode: Mode, cgroup_root: &Path, policy: CgroupV1Policy) -> VersionCheck {
    let version = mode.version();
    let (warning, node_event) = match version {
        CgroupVersion::V1 => (Some(policy.warning()), true),
        CgroupVersion::V2 if !cgroup_root.join("cpu.stat").exists() => (Some(CGROUP_V2_KERNEL_WARNING), false),
        CgroupVersion::V2 => (None, false),
    };
    VersionCheck { metric: version.number(), warning, node_event }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_warns_with_an_event_and_v2_checks_cpu_stat() {
        let root = tempfile::tempdir().unwrap();
        let v1 = cgroup_version_check(Mode::Hybrid, root.path(), CgroupV1Policy::MaintenanceMode);
        assert_eq!(v1.metric, 1);
        assert_eq!(v1.warning, Some("cgroup v1 support is in maintenance mode, please migrate to cgroup v2"));
        assert!(v1.node_event);

        let old_kernel = cgroup_version_check(Mode::Unified, root.path(), CgroupV1Policy::default());
        assert_eq!(
            (old_kernel.metric, old_kernel.warning, old_kernel.node_event),
            (2, Some(CGROUP_V2_KERNEL_WARNING), false)
        );
        std::fs::write(root.path().join("cpu.stat"), "usage_usec 0\n").unwrap();
        let v2 = cgroup_version_check(Mode::Unified, root.path(), CgroupV1Policy::default());
        assert_eq!(v2.warning, None);
    }

    #[test]
    fn fail_cgroup_v1_defaults_and_messages_follow_the_release_line() {
        assert!(!CgroupV1Policy::MaintenanceMode.fail_cgroup_v1_default());
        assert!(CgroupV1Policy::Unsupported.fail_cgroup_v1_default());
        let err = validate_fail_cgroup_v1(true, Mode::Legacy, CgroupV1Policy::Unsupported).unwrap_err();
        assert_eq!(err.kind(), "invalid-configuration");
        assert_eq!(
            err.to_string(),
            "kubelet is configured to not run on a host using cgroup v1. \
             cgroup v1 support is unsupported and will be removed in a future release"
        );
    }
}
