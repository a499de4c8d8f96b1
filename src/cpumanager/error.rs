use super::policy_options::OptionsError;
use super::policy_static::{InvalidStateError, ReservedCpusError};
use super::state;
use thiserror::Error;

/// Why the CPU manager refused a request.
///
/// Messages are the kubelet's, word for word, where the kubelet has one: they
/// surface as pod admission errors, and users search for them.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Error {
    /// Fewer CPUs are available than requested. `available` is the size of
    /// the set offered, as upstream reports it (CPUs unknown to the topology
    /// included).
    #[error("not enough cpus available to satisfy request: requested={requested}, available={available}")]
    Insufficient {
        /// CPUs requested.
        requested: usize,
        /// CPUs offered.
        available: usize,
    },
    /// `full-pcpus-only` refused the request.
    #[error(transparent)]
    SmtAlignment(#[from] SmtAlignmentError),
    /// The policy options are unknown, malformed, not enabled, in conflict or
    /// unfit for the machine.
    #[error(transparent)]
    InvalidOptions(#[from] OptionsError),
    /// The distributed algorithm handed out a different number of CPUs than
    /// requested (upstream's "accounting error"; `remaining` is the count
    /// still needed, negative when too many were taken).
    #[error(
        "accounting error, {} CPUs allocated, remaining: {remaining}",
        if *.remaining > 0 { "not enough" } else { "too many" }
    )]
    Accounting {
        /// CPUs still needed.
        remaining: i64,
    },
    /// `distribute-cpus-across-numa` spent
    /// [`MAX_DISTRIBUTE_STEPS`](crate::cpumanager::MAX_DISTRIBUTE_STEPS)
    /// steps scoring combinations of NUMA nodes without finishing its search;
    /// upstream's search, the same, would run for hours or years.
    #[error(
        "distribute-cpus-across-numa: refused after {steps} steps of search: spreading {requested} CPUs over \
         {numa_nodes} NUMA nodes has too many combinations to try"
    )]
    DistributionTooComplex {
        /// CPUs requested.
        requested: usize,
        /// NUMA nodes with free CPUs.
        numa_nodes: usize,
        /// The budget that ran out.
        steps: u64,
    },
    /// The packed algorithm ran out of steps without satisfying the request;
    /// upstream has the message but no input known to reach it.
    #[error("failed to allocate cpus")]
    AllocationFailed,
    /// The topology's declared counters make a ratio zero where the
    /// algorithm divides by it (upstream panics).
    #[error("invalid topology: {0}")]
    InvalidTopology(&'static str),
    /// The static policy could not set the reserved CPUs aside.
    #[error(transparent)]
    ReservedCpus(#[from] ReservedCpusError),
    /// The static policy refused a restored state (`Start()`).
    #[error(transparent)]
    InvalidState(#[from] InvalidStateError),
    /// The state refused a change, or its checkpoint could not be read or
    /// written; nothing changed.
    #[error(transparent)]
    State(#[from] state::Error),
}

impl Error {
    /// A stable, machine-readable name for the kind of error.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Insufficient { .. } => "insufficient",
            Error::SmtAlignment(_) => "smt-alignment",
            Error::InvalidOptions(_) => "invalid-options",
            Error::Accounting { .. } => "accounting",
            Error::AllocationFailed => "allocation-failed",
            Error::DistributionTooComplex { .. } => "allocation-too-complex",
            Error::InvalidTopology(_) => "invalid-topology",
            Error::ReservedCpus(_) => "invalid-reserved",
            Error::InvalidState(_) => "invalid-state",
            Error::State(err) => err.kind(),
        }
    }
}

/// The `full-pcpus-only` admission failure (upstream `SMTAlignmentError`,
/// whose `Type()` is the pod's admission failure reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub struct SmtAlignmentError {
    /// CPUs requested.
    pub requested_cpus: usize,
    /// The machine's CPUs per core.
    pub cpus_per_core: usize,
    /// Free CPUs outside the cores of reserved CPUs; meaningful when
    /// `caused_by_physical_cpus`.
    pub available_physical_cpus: usize,
    /// Whether the request failed for lack of free whole cores rather than
    /// for not being a multiple of the SMT level.
    pub caused_by_physical_cpus: bool,
}

impl SmtAlignmentError {
    /// Upstream's `Type()`: the admission failure reason.
    pub const TYPE: &'static str = "SMTAlignmentError";

    /// The error for a request that is not a multiple of `cpus_per_core`.
    pub fn not_multiple(requested_cpus: usize, cpus_per_core: usize) -> Self {
        SmtAlignmentError { requested_cpus, cpus_per_core, available_physical_cpus: 0, caused_by_physical_cpus: false }
    }
}

impl std::fmt::Display for SmtAlignmentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.caused_by_physical_cpus {
            write!(
                f,
                "SMT Alignment Error: not enough free physical CPUs: available physical CPUs = {}, requested CPUs = {}, CPUs per core = {}",
                self.available_physical_cpus, self.requested_cpus, self.cpus_per_core
            )
        } else {
            write!(
                f,
                "SMT Alignment Error: requested {} cpus not multiple cpus per core = {}",
                self.requested_cpus, self.cpus_per_core
            )
        }
    }
}
