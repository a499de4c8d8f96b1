use crate::golang::quote;
use std::io;
use std::path::PathBuf;
use thiserror::Error;

/// Why a cgroup name, conversion or filesystem operation failed.
///
/// Each variant has a stable [`kind`](Error::kind) that the C ABI and the case
/// format report; messages name the input at fault and, where upstream has an
/// exact message, reuse its wording.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// A name component contains `/` or `_` (upstream's `NewCgroupName` rule:
    /// `_` is reserved so that the systemd escaping of `-` can be reversed).
    #[error("invalid character in component [{}] of CgroupName", quote(component))]
    InvalidComponent {
        /// The component as given.
        component: String,
    },
    /// A name component that would leave the hierarchy or cannot be a file
    /// name (`.`, `..`, or one containing NUL). Stricter than upstream, which
    /// would let `path.Join` clean `..` into a path outside the cgroup.
    #[error("invalid component [{component:?}] of CgroupName: {reason}")]
    UnsafeComponent {
        /// The component as given.
        component: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A systemd slice name that does not expand (runc's `ExpandSlice`).
    #[error("invalid slice name: {0}")]
    InvalidSlice(String),
    /// A pod UID that cannot become a cgroup name component.
    #[error("invalid pod UID {uid:?}: {reason}")]
    InvalidPodUid {
        /// The UID as given.
        uid: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A file or directory operation on the cgroup filesystem failed.
    #[error("{op} {}: {source}", path.display())]
    Io {
        /// What was attempted (`"read"`, `"write"`, `"mkdir"`, ...).
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
    /// A cgroup file held a value that does not parse.
    #[error("cannot parse {value:?} from {}: {reason}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// Its content, trimmed.
        value: String,
        /// What was expected.
        reason: String,
    },
    /// The cgroup does not exist in every hierarchy the kubelet checks (v1).
    #[error("cgroup {name:?} has some missing paths: {}", join_paths(paths))]
    MissingPaths {
        /// The cgroup's literal name.
        name: String,
        /// The directories that are missing.
        paths: Vec<PathBuf>,
    },
    /// The cgroup lacks controllers its parent should have enabled (v2).
    #[error("cgroup {name:?} has some missing controllers: {}", controllers.join(", "))]
    MissingControllers {
        /// The cgroup's literal name.
        name: String,
        /// The controllers that are not enabled, sorted.
        controllers: Vec<String>,
    },
    /// A limit was requested for a controller that is not mounted (runc's
    /// wording).
    #[error("cannot set {controller} limit: container could not join or create cgroup")]
    ControllerNotMounted {
        /// The controller.
        controller: String,
    },
    /// The kernel clamped `cpu.shares` (runc reads the value back and refuses).
    #[error("the {bound} allowed cpu-shares is {actual}")]
    CpuSharesClamped {
        /// `"minimum"` or `"maximum"`.
        bound: &'static str,
        /// The value the kernel kept.
        actual: u64,
    },
    /// The memory limit is below the cgroup's usage (v1 `EBUSY`, runc's wording).
    #[error("unable to set memory limit to {limit} (current usage: {usage}, peak usage: {peak})")]
    MemoryLimitBelowUsage {
        /// The requested limit.
        limit: i64,
        /// `memory.usage_in_bytes`.
        usage: u64,
        /// `memory.max_usage_in_bytes`.
        peak: u64,
    },
    /// A cgroup v2 directory in a mode that cannot take the requested
    /// controllers (runc's `CreateCgroupPath` wording).
    #[error("cannot enter cgroupv2 {:?} with domain controllers -- it is in {mode} mode", path.display().to_string())]
    ThreadedCgroup {
        /// The directory.
        path: PathBuf,
        /// Its `cgroup.type`.
        mode: String,
    },
    /// An entry of the unified map that cannot be written.
    #[error("unified resource {key:?} {reason}")]
    InvalidUnifiedKey {
        /// The file name given as key.
        key: String,
        /// What is wrong with it.
        reason: String,
    },
    /// Some processes of a cgroup could not be killed after every round.
    #[error("failed to kill processes of cgroup {name:?}: {}", failures.join(", "))]
    KillFailed {
        /// The cgroup's literal name.
        name: String,
        /// One `pid: error` entry per process.
        failures: Vec<String>,
    },
    /// Some directories of a cgroup could not be removed (runc's wording).
    #[error("Failed to remove paths: {}", join_paths(paths))]
    RemoveFailed {
        /// The directories left behind.
        paths: Vec<PathBuf>,
    },
    /// A kubelet configuration that upstream's validation refuses.
    #[error("{0}")]
    InvalidConfiguration(String),
    /// An operation this build does not perform (the systemd driver's D-Bus
    /// unit management).
    #[error("{0}")]
    Unsupported(String),
}

fn join_paths(paths: &[PathBuf]) -> String {
    paths.iter().map(|path| path.display().to_string()).collect::<Vec<_>>().join(", ")
}

impl Error {
    /// A stable, machine-readable name for the kind of error.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::InvalidComponent { .. }
            | Error::UnsafeComponent { .. }
            | Error::InvalidSlice(_)
            | Error::InvalidPodUid { .. } => "invalid-name",
            Error::Io { .. } => "io",
            Error::Parse { .. } => "parse",
            Error::MissingPaths { .. } | Error::MissingControllers { .. } => "missing-cgroup",
            Error::ControllerNotMounted { .. }
            | Error::CpuSharesClamped { .. }
            | Error::MemoryLimitBelowUsage { .. }
            | Error::ThreadedCgroup { .. }
            | Error::InvalidUnifiedKey { .. } => "write-refused",
            Error::KillFailed { .. } => "kill-failed",
            Error::RemoveFailed { .. } => "remove-failed",
            Error::InvalidConfiguration(_) => "invalid-configuration",
            Error::Unsupported(_) => "unsupported",
        }
    }

    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io { op, path: path.into(), source }
    }

    /// Whether this is an I/O error with the given OS error number.
    pub(crate) fn is_errno(&self, errno: i32) -> bool {
        matches!(self, Error::Io { source, .. } if source.raw_os_error() == Some(errno))
    }

    /// Whether this is an I/O error for a missing file or directory.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::Io { source, .. } if source.kind() == io::ErrorKind::NotFound)
    }
}
