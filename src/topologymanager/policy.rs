//! The topology manager policies: none, best-effort, restricted and
//! single-numa-node (upstream `policy_*.go`).

use super::merge::{self, MaskOrder, Merger};
use super::{Error, NumaInfo, OptionGates, ProviderHints, TopologyHint, TopologyManagerOptions};
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

/// A topology manager policy, by its kubelet name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyName {
    /// `none`: no merge, every pod is admitted.
    None,
    /// `best-effort`: merge, store the best hint, admit every pod.
    BestEffort,
    /// `restricted`: merge, admit only when the best hint is preferred.
    Restricted,
    /// `single-numa-node`: merge single-node preferred hints only, admit
    /// only when the result is preferred.
    SingleNumaNode,
}

impl PolicyName {
    /// The kubelet's name for the policy.
    pub const fn as_str(self) -> &'static str {
        match self {
            PolicyName::None => "none",
            PolicyName::BestEffort => "best-effort",
            PolicyName::Restricted => "restricted",
            PolicyName::SingleNumaNode => "single-numa-node",
        }
    }
}

impl FromStr for PolicyName {
    type Err = Error;

    fn from_str(name: &str) -> Result<Self, Error> {
        [PolicyName::None, PolicyName::BestEffort, PolicyName::Restricted, PolicyName::SingleNumaNode]
            .into_iter()
            .find(|policy| policy.as_str() == name)
            .ok_or_else(|| Error::UnknownPolicy(name.to_owned()))
    }
}

impl fmt::Display for PolicyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a policy makes of the providers' hints: the hint to store for the
/// container (or pod) and whether to admit it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MergeOutcome {
    /// The merged hint. Best-effort and restricted always set a mask (every
    /// node when nothing merges); single-numa-node gives `None` for "every
    /// node"; policy none gives the default hint.
    pub hint: TopologyHint,
    /// Whether the pod may be admitted.
    pub admit: bool,
}

/// A policy ready to merge hints on one machine.
///
/// ```
/// use nodecore::topologymanager::{Policy, PolicyName, ProviderHints, TopologyHint, TopologyManagerOptions, NumaInfo};
/// use nodecore::topologymanager::bitmask::BitMask;
/// use std::collections::BTreeMap;
///
/// let numa = NumaInfo::new(&[0, 1], &BTreeMap::new(), false).unwrap();
/// let policy = Policy::new(PolicyName::Restricted, numa, TopologyManagerOptions::default());
/// let on = |bits: &[usize], preferred| TopologyHint::new(Some(BitMask::new(bits.iter().copied()).unwrap()), preferred);
/// let cpu = ProviderHints::from([("cpu".to_owned(), Some(vec![on(&[0], true), on(&[1], true), on(&[0, 1], false)]))]);
/// let memory = ProviderHints::from([("memory".to_owned(), Some(vec![on(&[1], true), on(&[0, 1], false)]))]);
/// let outcome = policy.merge(&[cpu, memory]).unwrap();
/// assert_eq!(outcome.hint, on(&[1], true));
/// assert!(outcome.admit);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    name: PolicyName,
    numa: NumaInfo,
    options: TopologyManagerOptions,
}

impl Policy {
    /// A policy over `numa` with `options` (upstream `NewBestEffortPolicy`
    /// and its siblings). No check is made here; see [`Policy::from_config`].
    pub fn new(name: PolicyName, numa: NumaInfo, options: TopologyManagerOptions) -> Self {
        Policy { name, numa, options }
    }

    /// Builds the policy from the kubelet's configuration, checking in
    /// upstream's `NewManager` order: for any policy but `none`, the options
    /// (see [`TopologyManagerOptions::parse`]), then the NUMA nodes and, with
    /// `prefer-closest-numa-nodes`, their distance rows, then the node count
    /// against `max-allowable-numa-nodes`, and last the policy name. Policy
    /// `none` checks nothing at all. A node id above 63, which upstream
    /// accepts and then panics on, is refused after those checks.
    ///
    /// `node_ids` and `distances` (a row per node id) are the machine's, as
    /// read from sysfs.
    pub fn from_config<K: AsRef<str>, V: AsRef<str>>(
        name: &str,
        options: impl IntoIterator<Item = (K, V)>,
        gates: OptionGates,
        node_ids: &[usize],
        distances: &BTreeMap<usize, Vec<u64>>,
    ) -> Result<Self, Error> {
        if name == PolicyName::None.as_str() {
            let numa = NumaInfo::new(&[], &BTreeMap::new(), false)?;
            return Ok(Policy::new(PolicyName::None, numa, TopologyManagerOptions::default()));
        }
        let options = TopologyManagerOptions::parse(options, gates)?;
        if options.prefer_closest_numa {
            if let Some(&node) = node_ids.iter().find(|node| !distances.contains_key(node)) {
                return Err(Error::MissingDistances { node });
            }
        }
        if node_ids.len() > options.max_allowable_numa_nodes {
            return Err(Error::TooManyNumaNodes { count: node_ids.len(), max: options.max_allowable_numa_nodes });
        }
        let name = name.parse()?;
        // Upstream accepts node ids above 63 here and panics at the first merge.
        let numa = NumaInfo::new(node_ids, distances, options.prefer_closest_numa)?;
        Ok(Policy::new(name, numa, options))
    }

    /// Which policy this is.
    pub fn name(&self) -> PolicyName {
        self.name
    }

    /// The machine's NUMA nodes.
    pub fn numa_info(&self) -> &NumaInfo {
        &self.numa
    }

    /// The options in force.
    pub fn options(&self) -> &TopologyManagerOptions {
        &self.options
    }

    /// Merges one hint map per provider into the hint to store and the
    /// admission decision, exactly as upstream's policy `Merge`, with the
    /// fast exact merge.
    ///
    /// Fails only with `prefer-closest-numa-nodes` when the answer depends on
    /// a distance past the end of a short row, where upstream panics.
    pub fn merge(&self, providers_hints: &[ProviderHints]) -> Result<MergeOutcome, Error> {
        self.merge_with(merge::filter_providers_hints(providers_hints), merge::fast::merge)
    }

    /// [`Policy::merge`] for callers that hold the answers as plain lists
    /// rather than maps: one entry per provider and resource, `None` for no
    /// preference, an empty list for "cannot be satisfied". The answer is
    /// the one `merge` gives for the same lists in any provider maps; it
    /// saves building the maps, which is most of the cost of a small merge
    /// (the C ABI merges this way).
    pub fn merge_lists(&self, lists: &[Option<&[TopologyHint]>]) -> Result<MergeOutcome, Error> {
        let lists = lists.iter().map(|&hints| merge::merge_dimension(hints)).collect();
        self.merge_with(lists, merge::fast::merge)
    }

    /// The same as [`Policy::merge`], by upstream's own method: every
    /// permutation of the providers' hints is merged and compared. Its cost
    /// is the product of the hint list lengths (4.2e9 permutations for four
    /// lists of 255 hints), so it is meant for tests and benchmarks on small
    /// inputs.
    pub fn merge_cross_product_reference(&self, providers_hints: &[ProviderHints]) -> Result<MergeOutcome, Error> {
        self.merge_with(merge::filter_providers_hints(providers_hints), merge::reference::merge)
    }

    /// The policy's decision over one list per provider and resource.
    fn merge_with(&self, lists: Vec<&[TopologyHint]>, merger: Merger) -> Result<MergeOutcome, Error> {
        let default = self.numa.default_affinity_mask();
        let order =
            if self.options.prefer_closest_numa { MaskOrder::Closest(&self.numa) } else { MaskOrder::Narrowest };
        match self.name {
            PolicyName::None => Ok(MergeOutcome { hint: TopologyHint::default(), admit: true }),
            PolicyName::BestEffort => Ok(MergeOutcome { hint: merger(&lists, default, order)?, admit: true }),
            PolicyName::Restricted => {
                let hint = merger(&lists, default, order)?;
                Ok(MergeOutcome { hint, admit: hint.preferred })
            }
            PolicyName::SingleNumaNode => {
                let filtered = merge::filter_single_numa_hints(&lists);
                let lists: Vec<&[TopologyHint]> = filtered.iter().map(Vec::as_slice).collect();
                // Distances never rank single-node masks.
                let mut hint = merger(&lists, default, MaskOrder::Narrowest)?;
                if hint.numa_node_affinity == Some(default) {
                    hint.numa_node_affinity = None;
                }
                Ok(MergeOutcome { hint, admit: hint.preferred })
            }
        }
    }
}
