use std::path::PathBuf;
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
    /// A socket, NUMA node or uncore cache id above the largest id a set of
    /// ids holds.
    #[error("{field} id {id} of CPU {cpu} exceeds the largest supported id {max}", max = crate::cpuset::MAX_CPU_ID)]
    IdTooLarge {
        /// `"socket"`, `"numa"` or `"uncore"`.
        field: &'static str,
        /// The CPU whose row holds the id.
        cpu: usize,
        /// The id.
        id: usize,
    },
    /// A topology name that is not among the named topologies.
    #[error("unknown topology name {0:?}")]
    UnknownName(String),
    /// Topology JSON that does not have the expected shape.
    #[error("invalid topology JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// A file of the machine (sysfs, `/proc/cpuinfo`) could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file or directory.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A sysfs file whose content is not what the kernel writes there.
    #[error("unexpected content {text:?} in {}: expected {expected}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// Its content, as read.
        text: String,
        /// What the file should hold.
        expected: &'static str,
    },
    /// Discovery found no online CPU with topology data (upstream: "could not
    /// detect number of cpus").
    #[error("could not detect number of cpus: no online CPU with topology data under {}", path.display())]
    NoCpusDetected {
        /// The sysfs directory that was searched.
        path: PathBuf,
    },
    /// hwloc could not build the topology, or reported a CPU without the
    /// objects the model needs.
    #[error("hwloc: {0}")]
    Hwloc(String),
}

impl Error {
    /// A stable, machine-readable name for the kind of error.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::NoCpus | Error::DuplicateCpu(_) | Error::CpuIdTooLarge(_) | Error::IdTooLarge { .. } => {
                "invalid-topology"
            }
            Error::UnknownName(_) => "unknown-topology",
            Error::Json(_) => "invalid-input",
            Error::Read { .. } | Error::Malformed { .. } | Error::NoCpusDetected { .. } => "discovery",
            Error::Hwloc(_) => "hwloc",
        }
    }
}
