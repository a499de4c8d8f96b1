//! Merging the providers' hints into one (upstream `policy.go`).
//!
//! Both merges here take the hint lists a policy passes to upstream's
//! `HintMerger` (one list per provider and resource, see
//! [`filter_providers_hints`]) and return the merged hint, whose mask is
//! always set:
//!
//! * [`reference::merge`] walks the full cross product of the lists and folds
//!   every merged permutation through upstream's `compare`, exactly as the
//!   kubelet does. Its cost is the product of the list lengths, so it serves
//!   as the reference in tests and benchmarks.
//! * [`fast::merge`] finds the same hint without enumerating permutations:
//!   the preferred outcomes in closed form, else the best of the reachable
//!   AND-masks by a pruned search. The policies use it.
//!
//! They agree because upstream's fold returns the minimum of a total order
//! ([`rank`] and the [`MaskOrder`]) over the set of distinct merged
//! candidates, whatever the order of permutations; the property tests check
//! it on random inputs.

pub(super) mod fast;
pub(super) mod reference;
#[cfg(test)]
mod tests;

use super::bitmask::BitMask;
use super::{Error, NumaInfo, ProviderHints, TopologyHint};

/// How many masks the fast merge may examine while it searches for the best
/// non-preferred outcome before it refuses the merge with
/// [`Error::MergeTooComplex`] (a fraction of a second of work).
///
/// Inputs from real hint providers stay far below it: eight NUMA nodes with
/// four lists of 255 hints take a few thousand steps. Inputs that reach it
/// (64 nodes, many lists of thousands of unrelated masks) have cross products
/// upstream could never walk either.
pub const MAX_MERGE_STEPS: u64 = 1 << 24;

/// How many hint lists that offer a choice (two or more distinct masks on
/// the machine) the fast merge searches, one level of its search each;
/// more are refused with [`Error::MergeTooComplex`].
///
/// A container has one list per provider and resource, a handful in
/// practice. Upstream's cross product of more than 256 such lists has over
/// 2^256 permutations; here the bound also keeps the depth of the search's
/// recursion, and so its stack, small.
pub const MAX_MERGE_LISTS: usize = 256;

/// The dimension of a provider (or resource) without a preference.
static NO_PREFERENCE: [TopologyHint; 1] = [TopologyHint::new(None, true)];
/// The dimension of a resource that cannot be satisfied (an empty list).
static CANNOT_SATISFY: [TopologyHint; 1] = [TopologyHint::new(None, false)];

/// Upstream's `filterProvidersHints`: one hint list per provider and
/// resource. A provider with no entry contributes a preferred "any node"
/// hint, as does a resource mapped to `None`; a resource mapped to an empty
/// list contributes a non-preferred "any node" hint.
pub(super) fn filter_providers_hints(providers: &[ProviderHints]) -> Vec<&[TopologyHint]> {
    let mut lists = Vec::with_capacity(providers.len());
    for provider in providers {
        if provider.is_empty() {
            lists.push(&NO_PREFERENCE[..]);
        }
        lists.extend(provider.values().map(|hints| merge_dimension(hints.as_deref())));
    }
    lists
}

/// The list one resource contributes to the merge: its hints, or the
/// single hint standing for no preference (`None`) or for "cannot be
/// satisfied" (an empty list).
pub(super) fn merge_dimension(hints: Option<&[TopologyHint]>) -> &[TopologyHint] {
    match hints {
        None => &NO_PREFERENCE[..],
        Some([]) => &CANNOT_SATISFY[..],
        Some(hints) => hints,
    }
}

/// Upstream's `filterSingleNumaHints`: each list keeps, in order, only its
/// preferred hints whose mask is "any node" or a single node. A list may
/// become empty, and then nothing merges.
pub(super) fn filter_single_numa_hints(lists: &[&[TopologyHint]]) -> Vec<Vec<TopologyHint>> {
    lists
        .iter()
        .map(|hints| {
            hints
                .iter()
                .filter(|h| h.preferred && h.numa_node_affinity.is_none_or(|m| m.count() == 1))
                .copied()
                .collect()
        })
        .collect()
}

/// Upstream's `maxOfMinAffinityCounts` (the merger's
/// `BestNonPreferredAffinityCount`): over every list with a mask, the width
/// of its narrowest mask; the largest of those, or 0. Raw masks are used, so
/// bits outside the machine count.
pub(super) fn best_non_preferred_affinity_count(lists: &[&[TopologyHint]]) -> usize {
    lists
        .iter()
        .filter_map(|hints| hints.iter().filter_map(|h| h.numa_node_affinity).map(BitMask::count).min())
        .max()
        .unwrap_or(0)
}

/// How two merged masks of the same preference and tier are ranked
/// (upstream's `HintMerger.compare` calling `Narrowest` or `Closest`).
#[derive(Debug, Clone, Copy)]
pub(super) enum MaskOrder<'a> {
    /// Fewer nodes first, then the smaller integer.
    Narrowest,
    /// Fewer nodes first, then the smaller average distance, then the
    /// smaller integer (`prefer-closest-numa-nodes`).
    Closest(&'a NumaInfo),
}

/// The tier of a non-preferred merged mask of `count` nodes, smaller is
/// better, given `best` (the best non-preferred affinity count): a count of
/// exactly `best` first, then counts below it from the largest down, then
/// counts above it from the smallest up. This is the order upstream's
/// `compare` applies to two non-preferred candidates before comparing masks.
pub(super) fn rank(count: usize, best: usize) -> usize {
    if count == best {
        0
    } else if count < best {
        best - count
    } else {
        count
    }
}

/// The merged hint when no permutation produces a usable mask: every node,
/// not preferred.
fn fallback(default: BitMask) -> TopologyHint {
    TopologyHint::new(Some(default), false)
}

/// The signature both merges share.
pub(super) type Merger = fn(&[&[TopologyHint]], BitMask, MaskOrder) -> Result<TopologyHint, Error>;
