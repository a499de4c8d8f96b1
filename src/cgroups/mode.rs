//! Is this host cgroup v1 or v2? Exactly as the kubelet decides.

use super::Error;
use nix::sys::statfs::{CGROUP2_SUPER_MAGIC, statfs};
use serde::Serialize;
use std::fmt;
use std::path::Path;

/// The host's cgroup layout.
///
/// The kubelet asks one question, whether the cgroup root is a cgroup2
/// filesystem (runc's `IsCgroup2UnifiedMode`). A **hybrid** host, v1
/// hierarchies beside a cgroup2 mount at `<root>/unified`, is v1 to the
/// kubelet; only the cgroupfs driver's runc library also mirrors each cgroup
/// into the unified mount.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// cgroup v1 hierarchies only.
    Legacy,
    /// cgroup v1 hierarchies plus a cgroup2 mount at `<root>/unified`.
    Hybrid,
    /// One cgroup2 hierarchy at the root.
    Unified,
}

/// The cgroup version the kubelet manages (`CgroupVersion`, and the value of
/// the `kubelet_cgroup_version` metric).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum CgroupVersion {
    /// cgroup v1 (legacy and hybrid hosts).
    V1,
    /// cgroup v2 (unified hosts).
    V2,
}

impl CgroupVersion {
    /// 1 or 2.
    pub fn number(self) -> u8 {
        match self {
            CgroupVersion::V1 => 1,
            CgroupVersion::V2 => 2,
        }
    }
}

impl fmt::Display for CgroupVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "v{}", self.number())
    }
}

impl Mode {
    /// Detects the layout under `root` (normally `/sys/fs/cgroup`): unified
    /// when `root` is a cgroup2 filesystem, hybrid when `root/unified` is,
    /// legacy otherwise.
    ///
    /// Fails when `root` cannot be examined; the kubelet then logs a warning
    /// and assumes v1, which a caller gets with `.unwrap_or(Mode::Legacy)`.
    pub fn detect(root: &Path) -> Result<Mode, Error> {
        if is_cgroup2(root)? {
            return Ok(Mode::Unified);
        }
        // A missing `unified` directory only means "not hybrid".
        Ok(if is_cgroup2(&root.join("unified")).unwrap_or(false) { Mode::Hybrid } else { Mode::Legacy })
    }

    /// The version the kubelet manages: 2 only when unified.
    pub fn version(self) -> CgroupVersion {
        if self.is_unified() { CgroupVersion::V2 } else { CgroupVersion::V1 }
    }

    /// Whether the root is cgroup2 (what the kubelet checks).
    pub fn is_unified(self) -> bool {
        self == Mode::Unified
    }

    /// Whether a cgroup2 mount sits beside v1 hierarchies.
    pub fn is_hybrid(self) -> bool {
        self == Mode::Hybrid
    }

    /// `"legacy"`, `"hybrid"` or `"unified"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Legacy => "legacy",
            Mode::Hybrid => "hybrid",
            Mode::Unified => "unified",
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

fn is_cgroup2(path: &Path) -> Result<bool, Error> {
    let stat = statfs(path).map_err(|errno| Error::io("statfs", path, errno.into()))?;
    Ok(stat.filesystem_type() == CGROUP2_SUPER_MAGIC)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_directory_is_legacy_and_a_missing_one_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Mode::detect(dir.path()).unwrap(), Mode::Legacy);
        std::fs::create_dir(dir.path().join("unified")).unwrap();
        assert_eq!(Mode::detect(dir.path()).unwrap(), Mode::Legacy, "a directory is not a cgroup2 mount");
        let err = Mode::detect(&dir.path().join("missing")).unwrap_err();
        assert_eq!(err.kind(), "io");
    }

    #[test]
    fn only_unified_is_version_two() {
        assert_eq!(Mode::Hybrid.version(), CgroupVersion::V1);
        assert_eq!(Mode::Legacy.version(), CgroupVersion::V1);
        assert_eq!(Mode::Unified.version(), CgroupVersion::V2);
        assert_eq!(CgroupVersion::V2.number(), 2);
    }
}
