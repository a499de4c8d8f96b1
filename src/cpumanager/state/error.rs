use crate::cpuset::ParseErrorReason;
use crate::golang::quote;
use std::fmt;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use thiserror::Error;

/// Why the CPU manager state refused a change, or a checkpoint file.
///
/// Messages of the restore path are upstream's, word for word (they are what
/// an operator searches for), with [`Error::Restore`] wrapping them as the
/// kubelet does.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Error {
    /// A pod UID, container name or checkpoint name that nodecore does not
    /// store (see [`validate_pod_uid`](super::validate_pod_uid)).
    #[error("invalid {what} {}: {reason}", quote(name))]
    InvalidName {
        /// `"pod UID"`, `"container name"`, `"container ID"` or `"checkpoint name"`.
        what: &'static str,
        /// The name as given.
        name: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The file is not the JSON of a checkpoint (syntax, or a field of the
    /// wrong type). Go's message where it has a fixed one.
    #[error("{0}")]
    Json(String),
    /// The checksum in the file does not match its content.
    #[error("checkpoint is corrupted")]
    Corrupt {
        /// The checksum the file records.
        recorded: u64,
        /// The checksum of the file's content.
        computed: u64,
    },
    /// A V1 checkpoint names a container ID the kubelet did not list at
    /// start-up, so it cannot be mapped to a pod and container name.
    #[error(
        "error migrating v1 checkpoint state to v2 checkpoint state: containerID '{container_id}' not found in initial containers list"
    )]
    Migration {
        /// The unknown container ID.
        container_id: String,
    },
    /// The checkpoint was written by another CPU manager policy.
    #[error("configured policy {} differs from state checkpoint policy {}", quote(configured), quote(checkpoint))]
    PolicyMismatch {
        /// The policy the state was opened for.
        configured: String,
        /// The policy the checkpoint records.
        checkpoint: String,
    },
    /// The checkpoint's default CPU set is not a CPU list.
    #[error("could not parse default cpu set {}: {reason}", quote(text))]
    DefaultCpuSet {
        /// The text in the file.
        text: String,
        /// Upstream's parse error.
        reason: ParseErrorReason,
    },
    /// A container's CPU set in the checkpoint is not a CPU list.
    #[error(
        "could not parse cpuset {} for container {} in pod {}: {reason}",
        quote(text),
        quote(container),
        quote(pod)
    )]
    ContainerCpuSet {
        /// The text in the file.
        text: String,
        /// The container name.
        container: String,
        /// The pod UID.
        pod: String,
        /// Upstream's parse error.
        reason: ParseErrorReason,
    },
    /// The checkpoint file could not be used; the kubelet refuses to start on
    /// this error, and so should its callers.
    #[error(
        "could not restore state from checkpoint: {source}, please drain this node and delete the CPU manager checkpoint file {} before restarting Kubelet",
        quote(&path.display().to_string())
    )]
    Restore {
        /// The checkpoint file.
        path: PathBuf,
        /// Why it was refused.
        source: Box<Error>,
    },
    /// Reading or writing the checkpoint failed before anything changed:
    /// the state in memory and the file are both as they were.
    #[error("{op} {}: {source}", path.display())]
    Io {
        /// What was being done (`"reading"`, `"writing"`, ...).
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: IoError,
    },
    /// The new checkpoint replaced the old one, but its directory could not
    /// be synced, so the change may not survive a power loss. The change is
    /// in effect, in memory and in the file.
    #[error("the CPU manager state was written to {} but its directory could not be synced: {source}", path.display())]
    NotDurable {
        /// The checkpoint's directory.
        path: PathBuf,
        /// The operating system's error.
        source: IoError,
    },
}

impl Error {
    /// A stable, machine-readable name for the kind of error.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::InvalidName { .. } => "invalid-name",
            Error::Json(_) | Error::DefaultCpuSet { .. } | Error::ContainerCpuSet { .. } => "invalid-checkpoint",
            Error::Corrupt { .. } => "corrupt-checkpoint",
            Error::Migration { .. } => "checkpoint-migration",
            Error::PolicyMismatch { .. } => "policy-mismatch",
            Error::Restore { source, .. } => source.kind(),
            Error::Io { .. } | Error::NotDurable { .. } => "io",
        }
    }
}

/// An operating-system error, shared so that [`enum@Error`] can be cloned and
/// compared (by kind and message).
#[derive(Debug, Clone)]
pub struct IoError(Arc<io::Error>);

impl IoError {
    /// The kind of the underlying error.
    pub fn kind(&self) -> io::ErrorKind {
        self.0.kind()
    }

    /// The underlying error.
    pub fn get_ref(&self) -> &io::Error {
        &self.0
    }
}

impl From<io::Error> for IoError {
    fn from(err: io::Error) -> Self {
        IoError(Arc::new(err))
    }
}

impl PartialEq for IoError {
    fn eq(&self, other: &Self) -> bool {
        self.0.kind() == other.0.kind() && self.0.to_string() == other.0.to_string()
    }
}

impl Eq for IoError {}

impl fmt::Display for IoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for IoError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}
