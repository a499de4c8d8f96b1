use crate::golang::quote;
use crate::golang::strconv::{self, num_error};
use thiserror::Error;

/// Why a topology manager could not be made, or a merge has no answer.
///
/// Messages follow upstream's where upstream has one; [`Error::kind`] gives
/// the stable name the case files and the C ABI use.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Error {
    /// An option name the topology manager does not know.
    #[error("unknown Topology Manager Policy option: {}", quote(.0))]
    UnknownOption(String),
    /// An alpha- or beta-level option while its feature gate is off.
    #[error("topology manager policy {level}-level options not enabled, but option {} provided", quote(name))]
    OptionNotEnabled {
        /// `"alpha"` or `"beta"`.
        level: &'static str,
        /// The option given.
        name: String,
    },
    /// A boolean option whose value is not one of Go's `ParseBool` spellings.
    #[error("bad value for option {}: {}", quote(name), num_error("ParseBool", value, strconv::SYNTAX))]
    BadBool {
        /// The option given.
        name: String,
        /// Its value.
        value: String,
    },
    /// An integer option whose value Go's `Atoi` refuses.
    #[error("unable to convert policy option to integer {}: {}", quote(name), num_error("Atoi", value, reason))]
    BadInteger {
        /// The option given.
        name: String,
        /// Its value.
        value: String,
        /// `"invalid syntax"` or `"value out of range"`.
        reason: &'static str,
    },
    /// `max-allowable-numa-nodes` below the default of 8.
    #[error("the minimum value of \"max-allowable-numa-nodes\" should not be less than 8 (got {0})")]
    MaxAllowableTooSmall(i64),
    /// `prefer-closest-numa-nodes` is on and a NUMA node has no distance row.
    #[error(
        "cannot discover NUMA topology: error getting NUMA distances from cadvisor (no distance row for NUMA node {node})"
    )]
    MissingDistances {
        /// The node without a row.
        node: usize,
    },
    /// An average NUMA distance needs an entry past the end of a node's
    /// distance row (upstream indexes out of range and panics).
    #[error("NUMA node {node}'s distance row has {len} entries, but the distance to node {to} is needed")]
    ShortDistanceRow {
        /// The node whose row is short.
        node: usize,
        /// The length of that row.
        len: usize,
        /// The node id used as the index.
        to: usize,
    },
    /// A NUMA node id a 64-bit mask cannot hold (upstream makes a nil
    /// default mask and panics later).
    #[error("NUMA node id {0} is unsupported: node ids must be in range 0-63")]
    NumaNodeOutOfRange(usize),
    /// More NUMA nodes than `max-allowable-numa-nodes` allows.
    #[error("unsupported on machines with more than {max} NUMA Nodes (this machine has {count})")]
    TooManyNumaNodes {
        /// The machine's node count.
        count: usize,
        /// The limit in force.
        max: usize,
    },
    /// A policy name other than none, best-effort, restricted and
    /// single-numa-node. Upstream writes the name between quotes as it is
    /// (`\"%s\"`), not Go-quoted.
    #[error("unknown policy: \"{0}\"")]
    UnknownPolicy(String),
    /// A scope name other than container and pod.
    #[error("unknown scope: \"{0}\"")]
    UnknownScope(String),
    /// The merge's search for the best non-preferred hint would examine more
    /// than [`MAX_MERGE_STEPS`](crate::topologymanager::MAX_MERGE_STEPS)
    /// masks, or search more than
    /// [`MAX_MERGE_LISTS`](crate::topologymanager::MAX_MERGE_LISTS) lists.
    /// Upstream would walk the cross product of the lists and never finish
    /// either.
    #[error(
        "the hint merge was refused: {lists} hint lists of up to {longest} hints have more combinations than \
         the search examines ({steps} masks)"
    )]
    MergeTooComplex {
        /// The number of hint lists merged.
        lists: usize,
        /// The length of the longest list.
        longest: usize,
        /// The budget that ran out.
        steps: u64,
    },
}

impl Error {
    /// A stable, machine-readable name for the kind of error.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::UnknownOption(_)
            | Error::OptionNotEnabled { .. }
            | Error::BadBool { .. }
            | Error::BadInteger { .. }
            | Error::MaxAllowableTooSmall(_) => "invalid-options",
            Error::MissingDistances { .. } | Error::ShortDistanceRow { .. } => "missing-distances",
            Error::NumaNodeOutOfRange(_) => "numa-node-out-of-range",
            Error::TooManyNumaNodes { .. } => "too-many-numa-nodes",
            Error::UnknownPolicy(_) => "unknown-policy",
            Error::UnknownScope(_) => "unknown-scope",
            Error::MergeTooComplex { .. } => "merge-too-complex",
        }
    }
}
