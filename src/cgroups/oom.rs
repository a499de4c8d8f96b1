//! `memory.oom.group` and the kubelet's `singleProcessOOMKill` (1.32, PR #126096).
//!
//! On cgroup v2 the kubelet asks the runtime to kill a container's whole cgroup
//! on OOM (`memory.oom.group = 1`) unless `singleProcessOOMKill` is true. The
//! kubelet never writes the file on pod or QoS cgroups.
//!
//! ```
//! use nodecore::cgroups::CgroupVersion;
//! use nodecore::cgroups::oom::memory_oom_group;
//!
//! assert_eq!(memory_oom_group(CgroupVersion::V2, false), Some(("memory.oom.group", "1")));
//! assert_eq!(memory_oom_group(CgroupVersion::V1, false), None);
//! ```

use super::{CgroupVersion, Error};

/// `memory.oom.group`.
pub const MEMORY_OOM_GROUP: &str = "memory.oom.group";

/// The effective `singleProcessOOMKill`, as `NewMainKubelet` resolves it:
/// forced to true on cgroup v1; on v2 the configured value, false when unset
/// (group kill is the default).
///
/// An explicit `false` on v1 is refused, as the kubelet's configuration
/// validation refuses it.
pub fn resolve_single_process_oom_kill(version: CgroupVersion, configured: Option<bool>) -> Result<bool, Error> {
    match (version, configured) {
        (CgroupVersion::V1, Some(false)) => Err(Error::InvalidConfiguration(
            "invalid configuration: singleProcessOOMKill must not be explicitly set to false when using cgroup v1"
                .to_owned(),
        )),
        (CgroupVersion::V1, _) => Ok(true),
        (CgroupVersion::V2, configured) => Ok(configured.unwrap_or(false)),
    }
}

/// The entry of a container's CRI `unified` map for OOM handling: `("memory.oom.group", "1")`
/// on v2 when single-process OOM kill is off, otherwise none.
///
/// ```
/// use nodecore::cgroups::{CgroupVersion, oom};
///
/// let single = oom::resolve_single_process_oom_kill(CgroupVersion::V2, None).unwrap();
/// assert_eq!(oom::memory_oom_group(CgroupVersion::V2, single), Some(("memory.oom.group", "1")));
/// assert_eq!(oom::memory_oom_group(CgroupVersion::V1, true), None);
/// ```
pub fn memory_oom_group(version: CgroupVersion, single_process_oom_kill: bool) -> Option<(&'static str, &'static str)> {
    (version == CgroupVersion::V2 && !single_process_oom_kill).then_some((MEMORY_OOM_GROUP, "1"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution_per_version() {
        assert!(resolve_single_process_oom_kill(CgroupVersion::V1, None).unwrap());
        assert!(resolve_single_process_oom_kill(CgroupVersion::V1, Some(true)).unwrap());
        assert!(resolve_single_process_oom_kill(CgroupVersion::V1, Some(false)).is_err());
        assert!(!resolve_single_process_oom_kill(CgroupVersion::V2, None).unwrap());
        assert!(resolve_single_process_oom_kill(CgroupVersion::V2, Some(true)).unwrap());
        assert_eq!(memory_oom_group(CgroupVersion::V2, true), None);
    }
}
