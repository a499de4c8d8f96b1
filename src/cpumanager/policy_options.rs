//! The static policy's options (`--cpu-manager-policy-options`), parsed and
//! validated as the kubelet's `NewStaticPolicyOptions` and
//! `ValidateStaticPolicyOptions` do, with the kubelet's messages.

use crate::golang::quote;
use crate::golang::strconv::{self, num_error};
use crate::topology::CpuTopology;
use std::collections::BTreeMap;
use thiserror::Error;

/// `full-pcpus-only`: allocate whole physical cores only (GA).
pub const FULL_PCPUS_ONLY: &str = "full-pcpus-only";
/// `distribute-cpus-across-numa`: spread a request evenly over NUMA nodes (beta).
pub const DISTRIBUTE_CPUS_ACROSS_NUMA: &str = "distribute-cpus-across-numa";
/// `align-by-socket`: treat the socket, not the NUMA node, as the alignment boundary (alpha).
pub const ALIGN_BY_SOCKET: &str = "align-by-socket";
/// `distribute-cpus-across-cores`: spread threads over cores (alpha).
pub const DISTRIBUTE_CPUS_ACROSS_CORES: &str = "distribute-cpus-across-cores";
/// `strict-cpu-reservation`: keep reserved CPUs out of the shared pool (beta).
pub const STRICT_CPU_RESERVATION: &str = "strict-cpu-reservation";
/// `prefer-align-cpus-by-uncorecache`: prefer CPUs sharing a last-level cache (beta).
pub const PREFER_ALIGN_CPUS_BY_UNCORECACHE: &str = "prefer-align-cpus-by-uncorecache";

/// The topology-manager policy that `align-by-socket` cannot work with.
pub const SINGLE_NUMA_NODE_POLICY: &str = "single-numa-node";

bitflags::bitflags! {
    /// The kubelet feature gates that unlock policy options by maturity.
    ///
    /// GA options need no gate. [`Default`] is the kubelet's default: beta
    /// options on, alpha options off.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct PolicyOptionGates: u8 {
        /// `CPUManagerPolicyAlphaOptions` (default off).
        const ALPHA_OPTIONS = 1;
        /// `CPUManagerPolicyBetaOptions` (default on).
        const BETA_OPTIONS = 1 << 1;
    }
}

impl Default for PolicyOptionGates {
    fn default() -> Self {
        PolicyOptionGates::BETA_OPTIONS
    }
}

/// How mature an option is, which decides the gate it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Maturity {
    /// Needs `CPUManagerPolicyAlphaOptions`.
    Alpha,
    /// Needs `CPUManagerPolicyBetaOptions`.
    Beta,
    /// Needs no gate.
    Stable,
}

impl Maturity {
    /// The maturity of a known option (upstream's `alphaOptions`,
    /// `betaOptions` and `stableOptions` sets, Kubernetes 1.34/1.35).
    pub fn of(option: &str) -> Option<Maturity> {
        match option {
            FULL_PCPUS_ONLY => Some(Maturity::Stable),
            DISTRIBUTE_CPUS_ACROSS_NUMA | STRICT_CPU_RESERVATION | PREFER_ALIGN_CPUS_BY_UNCORECACHE => {
                Some(Maturity::Beta)
            }
            ALIGN_BY_SOCKET | DISTRIBUTE_CPUS_ACROSS_CORES => Some(Maturity::Alpha),
            _ => None,
        }
    }
}

/// The static policy's options, ready for the algorithms.
///
/// Build it with [`StaticPolicyOptions::parse`] (and check it against the
/// machine with [`StaticPolicyOptions::validate`]) to get the kubelet's
/// checks, or from [`Default`] (every option off) and set fields directly.
///
/// ```
/// use nodecore::cpumanager::{PolicyOptionGates, StaticPolicyOptions};
///
/// let options = StaticPolicyOptions::parse(
///     [("full-pcpus-only", "true"), ("distribute-cpus-across-numa", "1")],
///     PolicyOptionGates::default(),
/// )
/// .unwrap();
/// assert!(options.full_physical_cpus_only && options.distribute_cpus_across_numa);
///
/// let err = StaticPolicyOptions::parse([("align-by-socket", "true")], PolicyOptionGates::default()).unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "CPU Manager Policy Alpha-level Options not enabled, but option \"align-by-socket\" provided"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct StaticPolicyOptions {
    /// `full-pcpus-only`: requests must be whole cores (upstream `FullPhysicalCPUsOnly`).
    pub full_physical_cpus_only: bool,
    /// `distribute-cpus-across-numa` (upstream `DistributeCPUsAcrossNUMA`).
    pub distribute_cpus_across_numa: bool,
    /// `align-by-socket` (upstream `AlignBySocket`); acts on hints and the
    /// aligned pool, not inside the allocation algorithms.
    pub align_by_socket: bool,
    /// `distribute-cpus-across-cores`: the spread sorting strategy (upstream `DistributeCPUsAcrossCores`).
    pub distribute_cpus_across_cores: bool,
    /// `strict-cpu-reservation` (upstream `StrictCPUReservation`).
    pub strict_cpu_reservation: bool,
    /// `prefer-align-cpus-by-uncorecache` (upstream `PreferAlignByUncoreCacheOption`).
    pub prefer_align_by_uncore_cache: bool,
    /// Not a kubelet option: whether `distribute-cpus-across-numa` keeps
    /// released kubelets' Go slice-aliasing quirk, which can replace part of
    /// the best NUMA combination it found by a later one (default `true`,
    /// bit-compatible with released kubelets). `false` gives the fixed
    /// behaviour of upstream PR #141238.
    pub emulate_go_slice_aliasing: bool,
}

impl Default for StaticPolicyOptions {
    fn default() -> Self {
        StaticPolicyOptions {
            full_physical_cpus_only: false,
            distribute_cpus_across_numa: false,
            align_by_socket: false,
            distribute_cpus_across_cores: false,
            strict_cpu_reservation: false,
            prefer_align_by_uncore_cache: false,
            emulate_go_slice_aliasing: true,
        }
    }
}

/// Pairs of options the kubelet refuses together, in the order it checks them.
const REJECTED_PAIRS: [(&str, &str); 4] = [
    (FULL_PCPUS_ONLY, DISTRIBUTE_CPUS_ACROSS_CORES),
    (DISTRIBUTE_CPUS_ACROSS_NUMA, DISTRIBUTE_CPUS_ACROSS_CORES),
    (PREFER_ALIGN_CPUS_BY_UNCORECACHE, DISTRIBUTE_CPUS_ACROSS_CORES),
    (PREFER_ALIGN_CPUS_BY_UNCORECACHE, DISTRIBUTE_CPUS_ACROSS_NUMA),
];

impl StaticPolicyOptions {
    /// Parses the kubelet's `cpuManagerPolicyOptions` map as
    /// `NewStaticPolicyOptions` does: each name must be known and enabled by
    /// `gates`, each value must parse as Go's `strconv.ParseBool`, and the
    /// rejected pairs must not both be true.
    ///
    /// Upstream checks entries in Go map order, which is random, so where
    /// several entries are wrong the kubelet reports any one of them; this
    /// checks them in ascending name order. A name given twice keeps its
    /// last value, as building a map would.
    pub fn parse<K, V>(
        options: impl IntoIterator<Item = (K, V)>,
        gates: PolicyOptionGates,
    ) -> Result<Self, OptionsError>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let options: BTreeMap<String, V> =
            options.into_iter().map(|(name, value)| (name.as_ref().to_owned(), value)).collect();
        let mut parsed = StaticPolicyOptions::default();
        for (name, value) in &options {
            check_option_available(name, gates)?;
            let value = value.as_ref();
            let enabled = strconv::parse_bool(value)
                .ok_or_else(|| OptionsError::BadValue { name: name.clone(), value: value.to_owned() })?;
            let field = parsed.field_mut(name).ok_or_else(|| OptionsError::Unknown { name: name.clone() })?;
            *field = enabled;
        }
        for (first, second) in REJECTED_PAIRS {
            if parsed.get(first) && parsed.get(second) {
                return Err(OptionsError::Conflict { first, second });
            }
        }
        Ok(parsed)
    }

    /// Checks the options against the machine as `ValidateStaticPolicyOptions`
    /// does: `align-by-socket` cannot work with the topology manager's
    /// `single-numa-node` policy (`topology_manager_policy` is the kubelet's
    /// policy name), nor on a machine with more sockets than NUMA nodes
    /// (declared counters).
    pub fn validate(&self, topology: &CpuTopology, topology_manager_policy: &str) -> Result<(), OptionsError> {
        if self.align_by_socket {
            if topology_manager_policy == SINGLE_NUMA_NODE_POLICY {
                return Err(OptionsError::AlignBySocketWithSingleNumaNode);
            }
            if topology.num_sockets > topology.num_numa_nodes {
                return Err(OptionsError::AlignBySocketUnsupportedTopology);
            }
        }
        Ok(())
    }

    /// Whether the option called `name` is on (false for unknown names).
    pub fn get(&self, name: &str) -> bool {
        match name {
            FULL_PCPUS_ONLY => self.full_physical_cpus_only,
            DISTRIBUTE_CPUS_ACROSS_NUMA => self.distribute_cpus_across_numa,
            ALIGN_BY_SOCKET => self.align_by_socket,
            DISTRIBUTE_CPUS_ACROSS_CORES => self.distribute_cpus_across_cores,
            STRICT_CPU_RESERVATION => self.strict_cpu_reservation,
            PREFER_ALIGN_CPUS_BY_UNCORECACHE => self.prefer_align_by_uncore_cache,
            _ => false,
        }
    }

    fn field_mut(&mut self, name: &str) -> Option<&mut bool> {
        match name {
            FULL_PCPUS_ONLY => Some(&mut self.full_physical_cpus_only),
            DISTRIBUTE_CPUS_ACROSS_NUMA => Some(&mut self.distribute_cpus_across_numa),
            ALIGN_BY_SOCKET => Some(&mut self.align_by_socket),
            DISTRIBUTE_CPUS_ACROSS_CORES => Some(&mut self.distribute_cpus_across_cores),
            STRICT_CPU_RESERVATION => Some(&mut self.strict_cpu_reservation),
            PREFER_ALIGN_CPUS_BY_UNCORECACHE => Some(&mut self.prefer_align_by_uncore_cache),
            _ => None,
        }
    }
}

/// Upstream's `CheckPolicyOptionAvailable`.
fn check_option_available(name: &str, gates: PolicyOptionGates) -> Result<(), OptionsError> {
    let maturity = Maturity::of(name).ok_or_else(|| OptionsError::Unknown { name: name.to_owned() })?;
    let gate = match maturity {
        Maturity::Alpha => PolicyOptionGates::ALPHA_OPTIONS,
        Maturity::Beta => PolicyOptionGates::BETA_OPTIONS,
        Maturity::Stable => PolicyOptionGates::empty(),
    };
    if gates.contains(gate) { Ok(()) } else { Err(OptionsError::NotEnabled { name: name.to_owned(), maturity }) }
}

/// Why the policy options were refused, with the kubelet's message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum OptionsError {
    /// A name that is not a static policy option.
    #[error("unknown CPU Manager Policy option: {}", quote(name))]
    Unknown {
        /// The name given.
        name: String,
    },
    /// An option whose maturity gate is off.
    #[error(
        "CPU Manager Policy {}-level Options not enabled, but option {} provided",
        if *maturity == Maturity::Alpha { "Alpha" } else { "Beta" },
        quote(name)
    )]
    NotEnabled {
        /// The option.
        name: String,
        /// Its maturity.
        maturity: Maturity,
    },
    /// A value Go's `strconv.ParseBool` refuses.
    #[error("bad value for option {}: {}", quote(name), num_error("ParseBool", value, strconv::SYNTAX))]
    BadValue {
        /// The option.
        name: String,
        /// The value given.
        value: String,
    },
    /// Two options that cannot be on together.
    #[error("static policy options {first} and {second} can not be used at the same time")]
    Conflict {
        /// The first option of the pair.
        first: &'static str,
        /// The second option of the pair.
        second: &'static str,
    },
    /// `align-by-socket` with the topology manager's `single-numa-node` policy
    /// (the kubelet's message, misspelling included).
    #[error("Topolgy manager single-numa-node policy is incompatible with CPUManager align-by-socket policy option")]
    AlignBySocketWithSingleNumaNode,
    /// `align-by-socket` on a machine with more sockets than NUMA nodes.
    #[error("Align by socket is not compatible with hardware where number of sockets are more than number of NUMA")]
    AlignBySocketUnsupportedTopology,
}

#[cfg(test)]
mod tests;
