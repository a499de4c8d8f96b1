//! The faithful merge: every permutation of the cross product, folded through
//! upstream's `HintMerger.compare`. Cost: the product of the list lengths.

use super::{MaskOrder, best_non_preferred_affinity_count, fallback};
use crate::topologymanager::bitmask::BitMask;
use crate::topologymanager::{Error, TopologyHint};

/// Merges `lists` as upstream's `HintMerger.Merge` does; `default` is the
/// mask of every node.
///
/// Where upstream would panic because an average distance indexes past a
/// short row, the fold keeps its current hint and remembers the comparison;
/// if the final hint's group (its preference and width) saw such a
/// comparison, the merge fails with that error. Within the final group every
/// distinct mask is compared at least once, so this fails exactly when
/// upstream's answer would depend on a missing distance, whatever the
/// enumeration order.
pub(in crate::topologymanager) fn merge(
    lists: &[&[TopologyHint]],
    default: BitMask,
    order: MaskOrder,
) -> Result<TopologyHint, Error> {
    let mut merger = HintMerger {
        best_non_preferred_affinity_count: best_non_preferred_affinity_count(lists) as i64,
        order,
        poisoned: Vec::new(),
    };
    let mut best: Option<TopologyHint> = None;
    for_each_permutation(lists, |permutation| {
        let candidate = merge_permutation(default, permutation);
        best = merger.compare(best, candidate);
    });
    let Some(best) = best else { return Ok(fallback(default)) };
    let group = group_of(&best);
    match merger.poisoned.into_iter().find(|(g, _)| *g == group) {
        Some((_, err)) => Err(err),
        None => Ok(best),
    }
}

/// Calls `visit` with every permutation (one hint from each list), the first
/// list varying slowest, as upstream's `iterateAllProviderTopologyHints`.
/// With no lists it is called once with an empty permutation; with an empty
/// list, never.
fn for_each_permutation(lists: &[&[TopologyHint]], mut visit: impl FnMut(&[TopologyHint])) {
    if lists.iter().any(|hints| hints.is_empty()) {
        return;
    }
    let mut indices = vec![0; lists.len()];
    let mut permutation: Vec<TopologyHint> = lists.iter().map(|hints| hints[0]).collect();
    loop {
        visit(&permutation);
        // Advance the odometer: the last list fastest.
        let mut i = lists.len();
        loop {
            if i == 0 {
                return;
            }
            i -= 1;
            indices[i] += 1;
            if indices[i] < lists[i].len() {
                permutation[i] = lists[i][indices[i]];
                break;
            }
            indices[i] = 0;
            permutation[i] = lists[i][0];
        }
    }
}

/// Upstream's `mergePermutation`: the AND of `default` and every set mask;
/// preferred when every hint is preferred and every set mask is the same raw
/// mask (the equal-mask rule of kubernetes PR #108052, Kubernetes 1.24;
/// before it, `{0,1}` and `{0,2}` merged to a preferred `{0}`).
pub(super) fn merge_permutation(default: BitMask, permutation: &[TopologyHint]) -> TopologyHint {
    let mut merged = default;
    let mut first: Option<BitMask> = None;
    let mut preferred = true;
    for hint in permutation {
        if let Some(mask) = hint.numa_node_affinity {
            merged.and(&[mask]);
            match first {
                None => first = Some(mask),
                Some(first) if first != mask => preferred = false,
                Some(_) => {}
            }
        }
        preferred &= hint.preferred;
    }
    TopologyHint::new(Some(merged), preferred)
}

/// A candidate's preference and width: the group within which upstream
/// compares average distances.
fn group_of(hint: &TopologyHint) -> (bool, usize) {
    (hint.preferred, hint.numa_node_affinity.map_or(0, BitMask::count))
}

/// Upstream's `HintMerger`: the fold state besides the current best hint.
pub(super) struct HintMerger<'a> {
    /// Signed as upstream's, whose tests use -1.
    pub(super) best_non_preferred_affinity_count: i64,
    pub(super) order: MaskOrder<'a>,
    /// Groups in which a comparison needed a distance past a short row.
    pub(super) poisoned: Vec<((bool, usize), Error)>,
}

impl HintMerger<'_> {
    /// Upstream's `HintMerger.compare` (kubernetes PRs #108154 and #112914):
    /// the better of `current` and `candidate`, branch for branch.
    pub(super) fn compare(&mut self, current: Option<TopologyHint>, candidate: TopologyHint) -> Option<TopologyHint> {
        let count = |h: &TopologyHint| h.numa_node_affinity.map_or(0, BitMask::count) as i64;
        // Empty merges never win.
        if count(&candidate) == 0 {
            return current;
        }
        let Some(current) = current else { return Some(candidate) };
        let winner = match (current.preferred, candidate.preferred) {
            (false, true) => candidate,
            (true, false) => current,
            (true, true) => self.compare_masks(current, candidate),
            (false, false) => {
                let best = self.best_non_preferred_affinity_count;
                let (x, y) = (count(&current), count(&candidate));
                if x > best {
                    self.compare_masks(current, candidate)
                } else if x == best {
                    if y != best { current } else { self.compare_masks(current, candidate) }
                } else if y > best {
                    current
                } else if y == best || y > x {
                    candidate
                } else if y < x {
                    current
                } else {
                    self.compare_masks(current, candidate)
                }
            }
        };
        Some(winner)
    }

    /// Upstream's `compareMasks`: equal masks keep `current`, otherwise the
    /// narrower or closer mask wins.
    fn compare_masks(&mut self, current: TopologyHint, candidate: TopologyHint) -> TopologyHint {
        // Merged hints always carry a mask.
        let (mine, theirs) =
            (current.numa_node_affinity.unwrap_or_default(), candidate.numa_node_affinity.unwrap_or_default());
        if mine == theirs {
            return current;
        }
        let best = match self.order {
            MaskOrder::Narrowest => {
                if mine.is_narrower_than(&theirs) {
                    mine
                } else {
                    theirs
                }
            }
            MaskOrder::Closest(numa) => match numa.closest(mine, theirs) {
                Ok(best) => best,
                Err(err) => {
                    self.poisoned.push((group_of(&current), err));
                    mine
                }
            },
        };
        if best == mine { current } else { candidate }
    }
}
