//! The exact fast merge: upstream's answer without walking the cross product.
//!
//! Upstream's fold keeps the best merged candidate under a total order:
//! preferred candidates first, ranked by mask; then non-preferred ones by
//! [`rank`] of their width, then by mask. So the answer is the minimum of
//! that order over the *set* of distinct merged candidates, and it can be
//! found in two phases.
//!
//! 1. **Preferred outcomes, in closed form.** A permutation merges as
//!    preferred exactly when all its hints are preferred and all their set
//!    masks are one raw mask `X`. So the preferred outcomes are `D & X` for
//!    every `X` that each list offers as a preferred mask or covers with a
//!    preferred "any node" hint, plus `D` itself when every list has such a
//!    hint. If any is non-empty, the best of them is the answer.
//! 2. **Otherwise the best reachable AND-mask.** Every candidate is then
//!    non-preferred, and the candidates are the non-empty ANDs of `D` with
//!    one mask per list ("any node" standing for all nodes). A depth-first
//!    search over the lists finds the best one, visiting each distinct
//!    partial AND once per level and pruning a partial AND when no mask
//!    inside it can beat the best found so far.
//!
//! Phase 2 solves a problem that is exponential in the worst case (choose
//! one mask per list so that their AND ranks best), and inputs of 64 nodes
//! with many lists of thousands of unrelated masks reach that case. The
//! search therefore counts the masks it examines and gives up with
//! [`Error::MergeTooComplex`] after [`MAX_MERGE_STEPS`]: a merge either
//! returns upstream's exact answer or refuses, it never runs unbounded.

use super::{MAX_MERGE_STEPS, MaskOrder, best_non_preferred_affinity_count, fallback, rank};
use crate::topologymanager::bitmask::BitMask;
use crate::topologymanager::{Error, TopologyHint};
use rustc_hash::FxHashSet;

/// Merges `lists` to the same hint as [`super::reference::merge`]; `default`
/// is the mask of every node.
pub(in crate::topologymanager) fn merge(
    lists: &[&[TopologyHint]],
    default: BitMask,
    order: MaskOrder,
) -> Result<TopologyHint, Error> {
    if let Some(mask) = best_preferred_outcome(lists, default.as_u64(), order)? {
        return Ok(TopologyHint::new(Some(BitMask::from_u64(mask)), true));
    }
    match best_reachable(lists, default.as_u64(), best_non_preferred_affinity_count(lists), order)? {
        Some(mask) => Ok(TopologyHint::new(Some(BitMask::from_u64(mask)), false)),
        None => Ok(fallback(default)),
    }
}

/// Phase 1: the best preferred merged mask, if any permutation merges as
/// preferred to a non-empty mask.
fn best_preferred_outcome(lists: &[&[TopologyHint]], default: u64, order: MaskOrder) -> Result<Option<u64>, Error> {
    // Lists with a preferred "any node" hint accept every X; the others
    // accept only their own preferred masks.
    let mut constraining: Vec<Vec<u64>> = Vec::new();
    let mut from_open_lists: Vec<u64> = Vec::new();
    for hints in lists {
        let mut masks = Vec::new();
        let mut open = false;
        for hint in hints.iter().filter(|h| h.preferred) {
            match hint.numa_node_affinity {
                None => open = true,
                Some(mask) => masks.push(mask.as_u64()),
            }
        }
        if open {
            from_open_lists.extend(masks);
        } else {
            masks.sort_unstable();
            masks.dedup();
            constraining.push(masks);
        }
    }
    let mut outcomes: Vec<u64> = if constraining.is_empty() {
        // Every list is open: any preferred mask qualifies, and so does the
        // all-"any node" permutation, which merges to `default`.
        from_open_lists.iter().map(|x| x & default).chain([default]).collect()
    } else {
        constraining.sort_by_key(Vec::len);
        let (smallest, others) = constraining.split_first().map_or((&[][..], &[][..]), |(s, o)| (s, o));
        smallest
            .iter()
            .filter(|x| others.iter().all(|masks| masks.binary_search(x).is_ok()))
            .map(|x| x & default)
            .collect()
    };
    outcomes.retain(|&m| m != 0);
    let Some(width) = outcomes.iter().map(|m| m.count_ones()).min() else { return Ok(None) };
    outcomes.retain(|m| m.count_ones() == width);
    best_of_equal_width(outcomes, order).map(Some)
}

/// The best of non-empty masks of one width and preference by `order`.
///
/// Under `Closest` every distinct mask's average is taken when there are two
/// or more, as in upstream's fold, so a short distance row among them is an
/// error.
fn best_of_equal_width(mut masks: Vec<u64>, order: MaskOrder) -> Result<u64, Error> {
    masks.sort_unstable();
    masks.dedup();
    match order {
        _ if masks.len() == 1 => Ok(masks[0]),
        MaskOrder::Narrowest => Ok(masks[0]),
        MaskOrder::Closest(numa) => {
            let mut best: Option<(f64, u64)> = None;
            for mask in masks {
                let distance = numa.average_distance(BitMask::from_u64(mask))?;
                // Ascending masks: a later one wins only with a strictly smaller average.
                if best.is_none_or(|(d, _)| distance < d) {
                    best = Some((distance, mask));
                }
            }
            Ok(best.map_or(0, |(_, mask)| mask))
        }
    }
}

/// Phase 2: the best non-empty AND of `default` with one mask per list, by
/// [`rank`] of its width and then by `order`; `None` when every AND is empty.
fn best_reachable(
    lists: &[&[TopologyHint]],
    default: u64,
    best_count: usize,
    order: MaskOrder,
) -> Result<Option<u64>, Error> {
    // The distinct non-empty masks each list can contribute (within the
    // machine), wide ones first so that good candidates turn up early.
    let mut choices: Vec<Vec<u64>> = Vec::with_capacity(lists.len());
    for hints in lists {
        let mut masks: Vec<u64> =
            hints.iter().map(|h| h.numa_node_affinity.map_or(default, |m| m.as_u64() & default)).collect();
        masks.sort_unstable_by_key(|&m| (std::cmp::Reverse(m.count_ones()), m));
        masks.dedup();
        masks.retain(|&m| m != 0);
        choices.push(masks);
    }
    choices.sort_by_key(Vec::len);
    // With no lists the only permutation is preferred, so phase 1 answered.
    if default == 0 || choices.is_empty() || choices.iter().any(Vec::is_empty) {
        return Ok(None);
    }
    let mut budget = Budget::new(lists);
    match order {
        MaskOrder::Narrowest => Search::run(&choices, default, best_count, true, &mut budget),
        MaskOrder::Closest(_) => {
            // Find the best width, then rank every reachable mask of that
            // width by distance.
            let Some(found) = Search::run(&choices, default, best_count, false, &mut budget)? else { return Ok(None) };
            let group = reachable_of_width(&choices, default, found.count_ones(), &mut budget)?;
            best_of_equal_width(group, order).map(Some)
        }
    }
}

/// A depth-first branch-and-bound search for the best reachable AND-mask.
///
/// The key of a mask is `(rank of its width, its value)`, or just the rank
/// when `by_value` is off; smaller is better, which for equal widths is
/// upstream's `Narrowest`.
struct Search<'a> {
    choices: &'a [Vec<u64>],
    best_count: usize,
    by_value: bool,
    /// Key of the best mask found so far.
    best_key: (usize, u64),
    best_mask: Option<u64>,
    /// The smallest key any mask could have: reaching it ends the search.
    floor: (usize, u64),
    /// Per level, the partial ANDs already explored.
    seen: Vec<Seen>,
    budget: &'a mut Budget,
}

impl<'a> Search<'a> {
    fn run(
        choices: &'a [Vec<u64>],
        default: u64,
        best_count: usize,
        by_value: bool,
        budget: &'a mut Budget,
    ) -> Result<Option<u64>, Error> {
        let seen = (1..choices.len()).map(|_| Seen::for_masks_within(default)).collect();
        let best_key = (usize::MAX, 0);
        let mut search =
            Search { choices, best_count, by_value, best_key, best_mask: None, floor: (0, 0), seen, budget };
        search.floor = search.bound(default);
        search.descend(0, default)?;
        Ok(search.best_mask)
    }

    fn key(&self, mask: u64) -> (usize, u64) {
        (rank(mask.count_ones() as usize, self.best_count), if self.by_value { mask } else { 0 })
    }

    /// The smallest key of any non-empty mask within `partial`.
    fn bound(&self, partial: u64) -> (usize, u64) {
        let width = partial.count_ones() as usize;
        let (rank, value) = if self.best_count == 0 {
            (1, lowest_bits(partial, 1))
        } else if width >= self.best_count {
            (0, lowest_bits(partial, self.best_count))
        } else {
            (self.best_count - width, partial)
        };
        (rank, if self.by_value { value } else { 0 })
    }

    /// Whether some non-empty mask within `partial` has a smaller key than
    /// the best found so far.
    fn can_improve(&self, partial: u64) -> bool {
        if self.best_key.0 > 0 && self.best_count > 0 && partial.count_ones() as usize >= self.best_count {
            // A mask of exactly the best count fits inside: rank 0.
            return true;
        }
        self.bound(partial) < self.best_key
    }

    /// Explores the ANDs of `partial` with one mask from each list from
    /// `level` on; returns true once the floor is reached.
    fn descend(&mut self, level: usize, partial: u64) -> Result<bool, Error> {
        let choices = self.choices;
        self.budget.spend(choices[level].len())?;
        if level + 1 == choices.len() {
            for &mask in &choices[level] {
                let merged = partial & mask;
                if merged != 0 {
                    let key = self.key(merged);
                    if key < self.best_key {
                        self.best_key = key;
                        self.best_mask = Some(merged);
                    }
                }
            }
            return Ok(self.best_key <= self.floor);
        }
        for &mask in &choices[level] {
            let child = partial & mask;
            if child == 0 || !self.can_improve(child) || !self.seen[level].insert(child) {
                continue;
            }
            if self.descend(level + 1, child)? {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// Every distinct non-empty AND of `default` with one mask per list that has
/// exactly `width` nodes, ascending.
fn reachable_of_width(choices: &[Vec<u64>], default: u64, width: u32, budget: &mut Budget) -> Result<Vec<u64>, Error> {
    struct Walk<'a> {
        choices: &'a [Vec<u64>],
        seen: Vec<Seen>,
        width: u32,
        out: Vec<u64>,
        budget: &'a mut Budget,
    }
    fn walk(w: &mut Walk, level: usize, partial: u64) -> Result<(), Error> {
        let (choices, width) = (w.choices, w.width);
        w.budget.spend(choices[level].len())?;
        for &mask in &choices[level] {
            let child = partial & mask;
            if child.count_ones() < width {
                continue;
            }
            if level + 1 == choices.len() {
                if child.count_ones() == width {
                    w.out.push(child);
                }
            } else if w.seen[level].insert(child) {
                walk(w, level + 1, child)?;
            }
        }
        Ok(())
    }
    let seen = (1..choices.len()).map(|_| Seen::for_masks_within(default)).collect();
    let mut w = Walk { choices, seen, width, out: Vec::new(), budget };
    walk(&mut w, 0, default)?;
    let mut out = w.out;
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

/// The masks phase 2 may still examine, shared by its searches.
struct Budget {
    left: u64,
    lists: usize,
    longest: usize,
}

impl Budget {
    fn new(lists: &[&[TopologyHint]]) -> Self {
        Budget { left: MAX_MERGE_STEPS, lists: lists.len(), longest: lists.iter().map(|l| l.len()).max().unwrap_or(0) }
    }

    /// Takes `steps` from the budget, or refuses the merge when it runs out.
    fn spend(&mut self, steps: usize) -> Result<(), Error> {
        match self.left.checked_sub(steps as u64) {
            Some(left) => {
                self.left = left;
                Ok(())
            }
            None => Err(Error::MergeTooComplex { lists: self.lists, longest: self.longest, steps: MAX_MERGE_STEPS }),
        }
    }
}

/// The `count` lowest set bits of `mask`.
fn lowest_bits(mut mask: u64, count: usize) -> u64 {
    let mut out = 0;
    for _ in 0..count {
        let low = mask & mask.wrapping_neg();
        out |= low;
        mask ^= low;
    }
    out
}

/// A set of masks: a bitmap indexed by value when every mask fits in 16 bits
/// (NUMA node ids below 16), else a hash set.
enum Seen {
    Dense(Vec<u64>),
    Sparse(FxHashSet<u64>),
}

impl Seen {
    fn for_masks_within(default: u64) -> Self {
        if default < 1 << 16 {
            Seen::Dense(vec![0; (default as usize >> 6) + 1])
        } else {
            Seen::Sparse(FxHashSet::default())
        }
    }

    /// Adds `mask`; returns whether it was new.
    fn insert(&mut self, mask: u64) -> bool {
        match self {
            Seen::Dense(words) => {
                let (word, bit) = ((mask >> 6) as usize, 1 << (mask & 63));
                let new = words[word] & bit == 0;
                words[word] |= bit;
                new
            }
            Seen::Sparse(set) => set.insert(mask),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lowest_bits_keeps_the_low_end() {
        assert_eq!(lowest_bits(0b1011_0100, 2), 0b0001_0100);
        assert_eq!(lowest_bits(0b1011_0100, 9), 0b1011_0100);
        assert_eq!(lowest_bits(u64::MAX, 64), u64::MAX);
    }

    #[test]
    fn seen_sets_report_new_masks_once() {
        for mut seen in [Seen::for_masks_within(0xffff), Seen::for_masks_within(1 << 40)] {
            assert!(seen.insert(5));
            assert!(!seen.insert(5));
            assert!(seen.insert(0xffff));
        }
    }
}
