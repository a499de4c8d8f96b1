use super::{DurationError, FloatError, QuantityError, Signal};
use std::path::PathBuf;
use thiserror::Error;

/// Why eviction configuration was refused or the node could not be observed.
///
/// Configuration messages are the kubelet's own, so that logs read the same.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// A signal name that is not one of 1.31's.
    #[error("unsupported eviction signal {0}")]
    UnsupportedSignal(String),
    /// A threshold quantity that is zero or negative (shown as upstream prints it).
    #[error("eviction threshold {signal} must be positive: {quantity}")]
    ThresholdNotPositive {
        /// The signal.
        signal: Signal,
        /// The quantity as upstream prints it.
        quantity: String,
    },
    /// A threshold percentage below 0%.
    #[error("eviction percentage threshold {signal} must be >= 0%: {text}")]
    PercentageBelowZero {
        /// The signal.
        signal: Signal,
        /// The value as given.
        text: String,
    },
    /// A threshold percentage above 100%.
    #[error("eviction percentage threshold {signal} must be <= 100%: {text}")]
    PercentageAboveHundred {
        /// The signal.
        signal: Signal,
        /// The value as given.
        text: String,
    },
    /// A percentage that is not a Go float.
    #[error(transparent)]
    Float(#[from] FloatError),
    /// A value that is not a quantity.
    #[error(transparent)]
    Quantity(#[from] QuantityError),
    /// A grace period that is not a Go duration.
    #[error(transparent)]
    Duration(#[from] DurationError),
    /// A negative soft-eviction grace period.
    #[error("invalid eviction grace period specified: {text}, must be a positive value")]
    NegativeGracePeriod {
        /// The value as given.
        text: String,
    },
    /// A minimum-reclaim percentage that is not above zero.
    #[error("eviction percentage minimum reclaim {signal} must be positive: {text}")]
    MinReclaimPercentageNotPositive {
        /// The signal.
        signal: Signal,
        /// The value as given.
        text: String,
    },
    /// A negative minimum-reclaim quantity.
    #[error("negative eviction minimum reclaim specified for {signal}")]
    NegativeMinReclaim {
        /// The signal.
        signal: Signal,
    },
    /// A soft threshold without a grace period.
    #[error("grace period must be specified for the soft eviction threshold {signal}")]
    MissingGracePeriod {
        /// The signal.
        signal: Signal,
    },
    /// A flag value piece without its separator (`--eviction-hard=memory.available`).
    #[error("malformed pair, expect string{separator}string")]
    MalformedFlagPair {
        /// The separator expected.
        separator: char,
    },
    /// Writable layers on their own filesystem while the KubeletSeparateDiskGC gate is off.
    #[error("KubeletSeparateDiskGC is turned off but we still have a split filesystem")]
    SplitFilesystemWithoutSeparateDiskGc,
    /// A cgroup name that would leave its hierarchy (absolute, or with `..`).
    #[error("invalid cgroup name {0:?}: expected a path relative to the hierarchy, without \"..\"")]
    InvalidCgroupName(String),
    /// A file of the node could not be read.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A file of the node did not have the expected content.
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
            Error::MalformedFlagPair { .. } => "invalid-flag",
            Error::SplitFilesystemWithoutSeparateDiskGc => "split-filesystem",
            Error::Io { .. } => "io",
            Error::InvalidFile { .. } => "invalid-file",
            Error::InvalidCgroupName(_) => "invalid-name",
            _ => "invalid-threshold",
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io { path: path.into(), source }
    }
}
