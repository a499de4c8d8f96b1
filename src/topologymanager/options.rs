//! The topology manager's policy options (`topologyManagerPolicyOptions`).

use super::Error;
use crate::golang::strconv;

/// Name of the option that ranks equally wide masks by average NUMA distance.
pub const PREFER_CLOSEST_NUMA_NODES: &str = "prefer-closest-numa-nodes";
/// Name of the option that raises the NUMA node limit.
pub const MAX_ALLOWABLE_NUMA_NODES: &str = "max-allowable-numa-nodes";
/// The node limit when `max-allowable-numa-nodes` is not given, and its
/// smallest accepted value.
pub const DEFAULT_MAX_ALLOWABLE_NUMA_NODES: usize = 8;

/// The kubelet feature gates that decide which option maturity levels are
/// accepted: `TopologyManagerPolicyAlphaOptions` (default off) and
/// `TopologyManagerPolicyBetaOptions` (default on). Stable options need
/// neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionGates {
    /// `TopologyManagerPolicyAlphaOptions`.
    pub alpha_options: bool,
    /// `TopologyManagerPolicyBetaOptions`.
    pub beta_options: bool,
}

impl Default for OptionGates {
    /// The gates' defaults: alpha off, beta on.
    fn default() -> Self {
        OptionGates { alpha_options: false, beta_options: true }
    }
}

/// The parsed policy options (upstream `PolicyOptions`).
///
/// ```
/// use nodecore::topologymanager::{OptionGates, TopologyManagerOptions};
///
/// let opts = TopologyManagerOptions::parse([("max-allowable-numa-nodes", "12")], OptionGates::default()).unwrap();
/// assert_eq!(opts.max_allowable_numa_nodes, 12);
/// assert!(!opts.prefer_closest_numa);
/// let err = TopologyManagerOptions::parse([("prefer-closest-numa-nodes", "yes")], OptionGates::default());
/// assert_eq!(err.unwrap_err().kind(), "invalid-options");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopologyManagerOptions {
    /// `prefer-closest-numa-nodes`: among equally wide masks, prefer the one
    /// with the smallest average NUMA distance (not under single-numa-node).
    pub prefer_closest_numa: bool,
    /// `max-allowable-numa-nodes`: machines with more NUMA nodes are refused.
    pub max_allowable_numa_nodes: usize,
}

impl Default for TopologyManagerOptions {
    fn default() -> Self {
        TopologyManagerOptions {
            prefer_closest_numa: false,
            max_allowable_numa_nodes: DEFAULT_MAX_ALLOWABLE_NUMA_NODES,
        }
    }
}

/// How mature an option is, which decides the gate it needs.
#[derive(Clone, Copy)]
enum Maturity {
    Beta,
    Stable,
}

/// Every option the kubelet knows, with its maturity in the kubelet this
/// crate follows: `prefer-closest-numa-nodes` is GA, `max-allowable-numa-nodes`
/// is beta.
fn maturity(name: &str) -> Option<Maturity> {
    match name {
        PREFER_CLOSEST_NUMA_NODES => Some(Maturity::Stable),
        MAX_ALLOWABLE_NUMA_NODES => Some(Maturity::Beta),
        _ => None,
    }
}

impl TopologyManagerOptions {
    /// Parses the kubelet's option map as upstream's `NewPolicyOptions` does.
    ///
    /// Each option is checked in turn: a known name, its gate, its value
    /// (`prefer-closest-numa-nodes` with Go's `ParseBool`,
    /// `max-allowable-numa-nodes` with Go's `Atoi` and at least 8). Upstream
    /// walks a Go map, so with several bad options the error it reports is
    /// random; here options are checked in name order, so the first bad one
    /// by name is reported.
    pub fn parse<K, V>(options: impl IntoIterator<Item = (K, V)>, gates: OptionGates) -> Result<Self, Error>
    where
        K: AsRef<str>,
        V: AsRef<str>,
    {
        let mut options: Vec<(K, V)> = options.into_iter().collect();
        options.sort_by(|(a, _), (b, _)| a.as_ref().cmp(b.as_ref()));
        let mut opts = TopologyManagerOptions::default();
        for (name, value) in &options {
            let (name, value) = (name.as_ref(), value.as_ref());
            check_available(name, gates)?;
            if name == PREFER_CLOSEST_NUMA_NODES {
                opts.prefer_closest_numa = strconv::parse_bool(value)
                    .ok_or_else(|| Error::BadBool { name: name.to_owned(), value: value.to_owned() })?;
            } else {
                let limit = strconv::atoi(value).map_err(|err| Error::BadInteger {
                    name: name.to_owned(),
                    value: value.to_owned(),
                    reason: err.reason(),
                })?;
                opts.max_allowable_numa_nodes = usize::try_from(limit)
                    .ok()
                    .filter(|&n| n >= DEFAULT_MAX_ALLOWABLE_NUMA_NODES)
                    .ok_or(Error::MaxAllowableTooSmall(limit))?;
            }
        }
        Ok(opts)
    }
}

/// Upstream's `CheckPolicyOptionAvailable`.
fn check_available(name: &str, gates: OptionGates) -> Result<(), Error> {
    match maturity(name) {
        None => Err(Error::UnknownOption(name.to_owned())),
        Some(Maturity::Beta) if !gates.beta_options => {
            Err(Error::OptionNotEnabled { level: "beta", name: name.to_owned() })
        }
        Some(_) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<TopologyManagerOptions, Error> {
        TopologyManagerOptions::parse(pairs.iter().copied(), OptionGates::default())
    }

    #[test]
    fn defaults_and_values() {
        assert_eq!(
            parse(&[]).unwrap(),
            TopologyManagerOptions { prefer_closest_numa: false, max_allowable_numa_nodes: 8 }
        );
        let opts = parse(&[(PREFER_CLOSEST_NUMA_NODES, "true"), (MAX_ALLOWABLE_NUMA_NODES, "8")]).unwrap();
        assert_eq!(opts, TopologyManagerOptions { prefer_closest_numa: true, max_allowable_numa_nodes: 8 });
        assert_eq!(parse(&[(MAX_ALLOWABLE_NUMA_NODES, "+12")]).unwrap().max_allowable_numa_nodes, 12);
        for spelling in ["1", "t", "T", "TRUE", "true", "True"] {
            assert!(parse(&[(PREFER_CLOSEST_NUMA_NODES, spelling)]).unwrap().prefer_closest_numa);
        }
        for spelling in ["0", "f", "F", "FALSE", "false", "False"] {
            assert!(!parse(&[(PREFER_CLOSEST_NUMA_NODES, spelling)]).unwrap().prefer_closest_numa);
        }
    }

    #[test]
    fn refusals_carry_upstream_messages() {
        let message = |pairs: &[(&str, &str)]| parse(pairs).unwrap_err().to_string();
        assert_eq!(message(&[("fancy", "true")]), r#"unknown Topology Manager Policy option: "fancy""#);
        assert_eq!(
            message(&[(PREFER_CLOSEST_NUMA_NODES, "yes")]),
            r#"bad value for option "prefer-closest-numa-nodes": strconv.ParseBool: parsing "yes": invalid syntax"#
        );
        assert_eq!(
            message(&[(MAX_ALLOWABLE_NUMA_NODES, " 9")]),
            r#"unable to convert policy option to integer "max-allowable-numa-nodes": strconv.Atoi: parsing " 9": invalid syntax"#
        );
        assert!(message(&[(MAX_ALLOWABLE_NUMA_NODES, "99999999999999999999")]).ends_with("value out of range"));
        for small in ["7", "-8", "0"] {
            assert!(
                message(&[(MAX_ALLOWABLE_NUMA_NODES, small)])
                    .starts_with(r#"the minimum value of "max-allowable-numa-nodes" should not be less than 8"#)
            );
        }
        for bad in ["", "+", "1_0", "0x10", "1e3"] {
            assert_eq!(parse(&[(MAX_ALLOWABLE_NUMA_NODES, bad)]).unwrap_err().kind(), "invalid-options");
        }
    }

    #[test]
    fn beta_option_needs_the_beta_gate_and_stable_needs_none() {
        let off = OptionGates { alpha_options: false, beta_options: false };
        let err = TopologyManagerOptions::parse([(MAX_ALLOWABLE_NUMA_NODES, "8")], off).unwrap_err();
        assert_eq!(
            err.to_string(),
            r#"topology manager policy beta-level options not enabled, but option "max-allowable-numa-nodes" provided"#
        );
        assert!(TopologyManagerOptions::parse([(PREFER_CLOSEST_NUMA_NODES, "true")], off).unwrap().prefer_closest_numa);
    }

    #[test]
    fn several_bad_options_report_the_first_by_name() {
        let err = parse(&[("zzz", "1"), (PREFER_CLOSEST_NUMA_NODES, "maybe"), (MAX_ALLOWABLE_NUMA_NODES, "3")]);
        assert_eq!(err.unwrap_err(), Error::MaxAllowableTooSmall(3));
    }
}
