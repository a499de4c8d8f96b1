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
//! with many lists of thousands of unrelated masks reach that case. So the
//! search is bounded: it counts the masks it examines and gives up after
//! [`MAX_MERGE_STEPS`], and it searches at most [`MAX_MERGE_LISTS`] lists
//! that offer a choice (one level of the search each). Beyond either bound
//! the merge is refused with [`Error::MergeTooComplex`]: a merge returns
//! upstream's exact answer or refuses, it never runs unbounded.

use super::{MAX_MERGE_LISTS, MAX_MERGE_STEPS, MaskOrder, best_non_preferred_affinity_count, fallback, rank};
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
        // Sort keys: fewer unset bits first, then the mask.
        let mut keyed: Vec<u128> = hints
            .iter()
            .map(|h| h.numa_node_affinity.map_or(default, |m| m.as_u64() & default))
            .filter(|&m| m != 0)
            .map(|m| u128::from(m.count_zeros()) << 64 | u128::from(m))
            .collect();
        keyed.sort_unstable();
        keyed.dedup();
        choices.push(keyed.into_iter().map(|k| k as u64).collect());
    }
    choices.sort_by_key(Vec::len);
    // With no lists the only permutation is preferred, so phase 1 answered.
    if default == 0 || choices.is_empty() || choices.iter().any(Vec::is_empty) {
        return Ok(None);
    }
    // A list with one mask is in every AND: fold it into the start, so that
    // only lists offering a choice become levels of the search.
    let partial = choices.iter().filter(|masks| masks.len() == 1).fold(default, |partial, masks| partial & masks[0]);
    choices.retain(|masks| masks.len() > 1);
    if partial == 0 {
        return Ok(None);
    }
    if choices.is_empty() {
        return Ok(Some(partial));
    }
    let too_complex = || Error::MergeTooComplex {
        lists: lists.len(),
        longest: lists.iter().map(|hints| hints.len()).max().unwrap_or(0),
        steps: MAX_MERGE_STEPS,
    };
    if choices.len() > MAX_MERGE_LISTS {
        return Err(too_complex());
    }
    let mut steps = MAX_MERGE_STEPS;
    match order {
        MaskOrder::Narrowest => Search::run(&choices, partial, best_count, true, &mut steps).ok_or_else(too_complex),
        MaskOrder::Closest(_) => {
            // Find the best width, then rank every reachable mask of that
            // width by distance.
            let found = Search::run(&choices, partial, best_count, false, &mut steps).ok_or_else(too_complex)?;
            let Some(found) = found else { return Ok(None) };
            let group =
                reachable_of_width(&choices, partial, found.count_ones(), &mut steps).ok_or_else(too_complex)?;
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
    /// Masks the search may still examine.
    steps_left: u64,
    /// Set when the search stopped for want of steps; its result is void.
    out_of_steps: bool,
}

impl<'a> Search<'a> {
    /// The best mask, or `None` (outer) when `steps` ran out first; the
    /// steps used are taken from `steps`.
    fn run(
        choices: &'a [Vec<u64>],
        default: u64,
        best_count: usize,
        by_value: bool,
        steps: &mut u64,
    ) -> Option<Option<u64>> {
        let seen = (1..choices.len()).map(|_| Seen::for_masks_within(default)).collect();
        let (best_key, best_mask, floor, steps_left) = ((usize::MAX, 0), None, (0, 0), *steps);
        let mut search =
            Search { choices, best_count, by_value, best_key, best_mask, floor, seen, steps_left, out_of_steps: false };
        search.floor = search.bound(default);
        search.start(default);
        *steps = search.steps_left;
        (!search.out_of_steps).then_some(search.best_mask)
    }

    fn start(&mut self, default: u64) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU has the POPCNT instruction, checked just above.
            unsafe { self.descend_with_popcnt(0, default) };
            return;
        }
        self.descend::<false>(0, default);
    }

    #[inline(always)]
    fn key(&self, mask: u64) -> (usize, u64) {
        (rank(mask.count_ones() as usize, self.best_count), if self.by_value { mask } else { 0 })
    }

    /// The smallest key of any non-empty mask within `partial`.
    #[inline(always)]
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
    #[inline(always)]
    fn can_improve(&self, partial: u64) -> bool {
        if self.best_key.0 > 0 && self.best_count > 0 && partial.count_ones() as usize >= self.best_count {
            // A mask of exactly the best count fits inside: rank 0.
            return true;
        }
        self.bound(partial) < self.best_key
    }

    /// [`Search::descend`] compiled with the POPCNT instruction, which the
    /// search spends most of its time on; the portable build counts bits
    /// with a slower instruction sequence.
    ///
    /// # Safety
    /// The CPU must support POPCNT.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    unsafe fn descend_with_popcnt(&mut self, level: usize, partial: u64) -> bool {
        self.descend::<true>(level, partial)
    }

    /// Explores the ANDs of `partial` with one mask from each list from
    /// `level` on; returns true once the floor is reached or the steps run
    /// out. `POPCNT` says whether to recurse through
    /// [`Search::descend_with_popcnt`].
    #[inline(always)]
    fn descend<const POPCNT: bool>(&mut self, level: usize, partial: u64) -> bool {
        let choices = self.choices;
        match self.steps_left.checked_sub(choices[level].len() as u64) {
            Some(left) => self.steps_left = left,
            None => {
                self.out_of_steps = true;
                return true;
            }
        }
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
            return self.best_key <= self.floor;
        }
        for &mask in &choices[level] {
            let child = partial & mask;
            if child == 0 || !self.can_improve(child) || !self.seen[level].insert(child) {
                continue;
            }
            #[cfg(target_arch = "x86_64")]
            let reached_floor = if POPCNT {
                // SAFETY: `POPCNT` is true only below `descend_with_popcnt`,
                // which is entered only after checking the CPU.
                unsafe { self.descend_with_popcnt(level + 1, child) }
            } else {
                self.descend::<false>(level + 1, child)
            };
            #[cfg(not(target_arch = "x86_64"))]
            let reached_floor = self.descend::<false>(level + 1, child);
            if reached_floor {
                return true;
            }
        }
        false
    }
}

/// Every distinct non-empty AND of `default` with one mask per list that has
/// exactly `width` nodes, ascending; `None` when `steps` run out first.
fn reachable_of_width(choices: &[Vec<u64>], default: u64, width: u32, steps: &mut u64) -> Option<Vec<u64>> {
    struct Walk<'a> {
        choices: &'a [Vec<u64>],
        seen: Vec<Seen>,
        width: u32,
        out: Vec<u64>,
        steps: &'a mut u64,
    }
    fn walk(w: &mut Walk, level: usize, partial: u64) -> Option<()> {
        let (choices, width) = (w.choices, w.width);
        *w.steps = w.steps.checked_sub(choices[level].len() as u64)?;
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
        Some(())
    }
    let seen = (1..choices.len()).map(|_| Seen::for_masks_within(default)).collect();
    let mut w = Walk { choices, seen, width, out: Vec::new(), steps };
    walk(&mut w, 0, default)?;
    let mut out = w.out;
    out.sort_unstable();
    out.dedup();
    Some(out)
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
