use thiserror::Error;

/// Why a topology could not be built, loaded or discovered.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The machine or the input lists no CPU.
    #[error("the topology lists no CPU")]
    NoCpus,
    /// A CPU appears twice.
    #[error("CPU {0} is listed more than once")]
    DuplicateCpu(usize),
    /// A CPU id above the largest supported one.
    #[error("CPU id {0} exceeds the largest supported id {max}", max = crate::cpuset::MAX_CPU_ID)]
    CpuIdTooLarge(usize),
    /// A topology name that is not among the named topologies.
    #[error("unknown topology name {0:?}")]
    UnknownName(String),
    /// Topology JSON that does not have the expected shape.
    #[error("invalid topology JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl Error {
    /// A stable, machine-readable name for the kind of error.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::NoCpus | Error::DuplicateCpu(_) | Error::CpuIdTooLarge(_) => "invalid-topology",
            Error::UnknownName(_) => "unknown-topology",
            Error::Json(_) => "invalid-input",
        }
    }
}
