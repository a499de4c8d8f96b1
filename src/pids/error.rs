use crate::cgroups;
use std::path::PathBuf;
use thiserror::Error;

/// Why PID accounting could not read or write a file.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A file did not hold what the kernel writes there.
    #[error("{path}: {reason}")]
    InvalidFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
}

impl Error {
    /// A stable, machine-readable name for the kind of error.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Io { .. } => "io",
            Error::InvalidFile { .. } => "invalid-file",
        }
    }
}

/// The errors of the cgroup files read through [`cgroups::files`]: failed
/// reads and writes stay I/O errors, values that do not parse are invalid
/// files.
impl From<cgroups::Error> for Error {
    fn from(err: cgroups::Error) -> Self {
        match err {
            cgroups::Error::Io { path, source, .. } => Error::Io { path, source },
            cgroups::Error::Parse { path, value, reason } => {
                Error::InvalidFile { path, reason: format!("{reason}, found {value:?}") }
            }
            other => Error::InvalidFile { path: PathBuf::new(), reason: other.to_string() },
        }
    }
}
