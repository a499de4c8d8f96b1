//! Topology hints and what a hint provider returns.

use super::bitmask::BitMask;
use std::collections::BTreeMap;

/// One way a resource could be placed: on the NUMA nodes of
/// `numa_node_affinity`, or anywhere when that is `None`.
///
/// `preferred` marks a placement that is among the best possible for the
/// resource: providers set it when the mask has the fewest nodes that could
/// ever satisfy the request.
///
/// ```
/// use nodecore::topologymanager::TopologyHint;
/// use nodecore::topologymanager::bitmask::BitMask;
///
/// let one_node = TopologyHint::new(Some(BitMask::new([0]).unwrap()), true);
/// let two_nodes = TopologyHint::new(Some(BitMask::new([0, 1]).unwrap()), true);
/// assert!(one_node.less_than(&two_nodes));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TopologyHint {
    /// The NUMA nodes the resource would come from; `None` means any node
    /// (no constraint).
    pub numa_node_affinity: Option<BitMask>,
    /// Whether this placement is among the best possible for the resource.
    pub preferred: bool,
}

impl TopologyHint {
    /// A hint for `numa_node_affinity` (`None`: any node).
    pub const fn new(numa_node_affinity: Option<BitMask>, preferred: bool) -> Self {
        TopologyHint { numa_node_affinity, preferred }
    }

    /// Upstream's `LessThan`, used by providers to rank their own hints: a
    /// preferred hint beats a non-preferred one, otherwise the narrower mask
    /// wins.
    ///
    /// Upstream dereferences both masks and panics on a `None` one; here
    /// `None` ("any node") ranks after every mask and equal to itself.
    pub fn less_than(&self, other: &TopologyHint) -> bool {
        if self.preferred != other.preferred {
            return self.preferred;
        }
        match (self.numa_node_affinity, other.numa_node_affinity) {
            (Some(mine), Some(theirs)) => mine.is_narrower_than(&theirs),
            (Some(_), None) => true,
            (None, _) => false,
        }
    }
}

/// What one hint provider returns for a container or a pod: per resource
/// name, that resource's hints (upstream `map[string][]TopologyHint`).
///
/// The three "empty" answers upstream tells apart stay apart:
/// * no entry at all (an empty map): the provider has no preference;
/// * a resource mapped to `None`: no preference for that resource;
/// * a resource mapped to `Some(vec![])`: the resource cannot be satisfied,
///   which merges as one non-preferred "any node" hint.
///
/// A map, not a list, because a provider names each resource once; the merge
/// result does not depend on the order of resources or providers.
pub type ProviderHints = BTreeMap<String, Option<Vec<TopologyHint>>>;

#[cfg(test)]
mod tests {
    use super::*;

    fn hint(bits: Option<&[usize]>, preferred: bool) -> TopologyHint {
        TopologyHint::new(bits.map(|b| BitMask::new(b.iter().copied()).unwrap()), preferred)
    }

    #[test]
    fn less_than_prefers_preferred_then_narrower() {
        assert!(hint(Some(&[0, 1]), true).less_than(&hint(Some(&[0]), false)));
        assert!(!hint(Some(&[0]), false).less_than(&hint(Some(&[0, 1]), true)));
        assert!(hint(Some(&[1]), true).less_than(&hint(Some(&[0, 1]), true)));
        assert!(hint(Some(&[0]), false).less_than(&hint(Some(&[1]), false)));
        assert!(!hint(Some(&[0]), true).less_than(&hint(Some(&[0]), true)));
        assert!(hint(Some(&[0]), true).less_than(&hint(None, true)));
        assert!(!hint(None, true).less_than(&hint(Some(&[0]), true)));
        assert!(!hint(None, true).less_than(&hint(None, true)));
    }

    #[test]
    fn equality_is_upstreams_is_equal() {
        assert_eq!(hint(None, true), hint(None, true));
        assert_ne!(hint(None, true), hint(None, false));
        assert_ne!(hint(Some(&[]), true), hint(None, true));
        assert_eq!(hint(Some(&[0, 1]), false), hint(Some(&[1, 0]), false));
    }
}
