//! `distribute-cpus-across-numa`: upstream `takeByTopologyNUMADistributed`
//! (KEP-2902) after its checks.
//!
//! For k = the fewest NUMA nodes that could hold the request up to the most,
//! every k-combination of NUMA nodes (in NUMA order) that can give each node
//! an even share in whole groups is scored by how balanced the machine's free
//! CPUs would be afterwards, trying every subset of the combination for the
//! remainder; the best combination of the smallest k that has one is taken.
//!
//! That is exponential in the number of NUMA nodes, in upstream as here: 64
//! nodes and a request that needs 16 of them make 4.9e14 combinations. The
//! search counts its work (NUMA combinations and remainder subsets alike,
//! each costing one step per NUMA node it scores) and refuses the request
//! with [`Error::DistributionTooComplex`] after [`MAX_DISTRIBUTE_STEPS`], so
//! an allocation gives upstream's answer or a refusal, never a hang.

use super::accumulator::Accumulator;
use super::combinations::{Visit, for_each_combination};
use crate::cpumanager::Error;
use crate::topology::Unit;
use std::cell::Cell;

/// How much work `distribute-cpus-across-numa` may do for one request before
/// it refuses it: scoring a combination of NUMA nodes, or a subset of one for
/// the remainder, costs one step per NUMA node with free CPUs. That is about
/// a second on a 2-core VM; machines of up to 8 NUMA nodes stay far below it
/// whatever the request.
pub const MAX_DISTRIBUTE_STEPS: u64 = 1 << 26;

/// Runs the search and the allocation on `acc` (neither satisfied nor
/// failed; `count` a multiple of `group_size`). `Ok(false)` means no
/// combination balances, and the caller falls back to packed.
pub(super) fn take(
    acc: &mut Accumulator<'_>,
    count: usize,
    group_size: usize,
    go_slice_aliasing: bool,
) -> Result<bool, Error> {
    let numas = acc.sort_available_numa_nodes();
    let (min_k, max_k) = acc.range_numa_nodes_needed_to_satisfy(group_size);
    let search = Search::new(acc, &numas, count as i64, group_size as i64, go_slice_aliasing);
    for k in min_k..=max_k {
        let best = search.best_combination(k);
        if search.out_of_steps.get() {
            let numa_nodes = search.scored.len();
            return Err(Error::DistributionTooComplex { requested: count, numa_nodes, steps: MAX_DISTRIBUTE_STEPS });
        }
        let Some((combo, remainder)) = best else { continue };
        allocate(acc, &combo, remainder.as_deref().unwrap_or_default(), search.count, search.group);
        return match acc.need() {
            0 => Ok(true),
            remaining => Err(Error::Accounting { remaining }),
        };
    }
    Ok(false)
}

/// The NUMA nodes' free CPUs at the start, which the whole search reads.
struct Search<'n> {
    /// NUMA order (a node may appear twice when it spans sockets).
    numas: &'n [u32],
    /// Free CPUs per dense NUMA node at the start (0 for nodes without any).
    free: Vec<i64>,
    /// The NUMA nodes with a free CPU, ascending: the balance score's values
    /// are summed in this order (upstream: Go map order).
    scored: Vec<u32>,
    count: i64,
    group: i64,
    go_slice_aliasing: bool,
    /// Combinations that may still be scored.
    steps_left: Cell<u64>,
    /// Set when a combination was refused a step: every iteration stops and
    /// the search's result is void.
    out_of_steps: Cell<bool>,
}

impl<'n> Search<'n> {
    fn new(acc: &Accumulator<'_>, numas: &'n [u32], count: i64, group: i64, go_slice_aliasing: bool) -> Self {
        let mut scored = numas.to_vec();
        scored.sort_unstable();
        scored.dedup();
        let nodes = scored.last().map_or(0, |&last| last as usize + 1);
        let free = (0..nodes as u32).map(|numa| i64::from(acc.free_in(Unit::Numa, numa))).collect();
        let (steps_left, out_of_steps) = (Cell::new(MAX_DISTRIBUTE_STEPS), Cell::new(false));
        Search { numas, free, scored, count, group, go_slice_aliasing, steps_left, out_of_steps }
    }

    /// Takes the cost of scoring one combination from the budget; false once
    /// it is spent.
    fn step(&self) -> bool {
        match self.steps_left.get().checked_sub(self.scored.len().max(1) as u64) {
            Some(left) => {
                self.steps_left.set(left);
                true
            }
            None => {
                self.out_of_steps.set(true);
                false
            }
        }
    }

    /// The best k-combination and its best remainder subset, as upstream
    /// remembers them (see [`for_each_combination`] for the aliasing).
    fn best_combination(&self, k: usize) -> Option<(Vec<u32>, Option<Vec<u32>>)> {
        let mut best_balance = f64::MAX;
        let mut best_remainder = None;
        let combo = for_each_combination(self.numas, k, self.go_slice_aliasing, |combo| {
            if best_balance == 0.0 || !self.step() {
                return Visit::Stop;
            }
            match self.score(combo) {
                Some((balance, remainder)) if balance < best_balance => {
                    best_balance = balance;
                    best_remainder = remainder;
                    Visit::Keep
                }
                _ => Visit::Skip,
            }
        })?;
        Some((combo, best_remainder))
    }

    /// Scores one combination: `None` when it cannot take an even share,
    /// otherwise its best balance (`f64::MAX` when no subset can take the
    /// remainder) and the remainder subset that gives it.
    fn score(&self, combo: &[u32]) -> Option<(f64, Option<Vec<u32>>)> {
        let (count, group) = (self.count, self.group);
        let free = |numa: u32| self.free[numa as usize];
        let distinct_free: i64 =
            combo.iter().enumerate().filter(|&(i, numa)| !combo[..i].contains(numa)).map(|(_, &numa)| free(numa)).sum();
        if distinct_free < count {
            return None;
        }
        let groups: i64 = combo.iter().map(|&numa| free(numa) / group).sum();
        if groups * group < count {
            return None;
        }
        let share = even_share(count, combo.len(), group);
        if combo.iter().any(|&numa| free(numa) < share) {
            return None;
        }
        let mut after = self.free.clone();
        for &numa in combo {
            after[numa as usize] -= share;
        }
        let remainder = count - share * combo.len() as i64;
        let candidates: Vec<u32> = combo.iter().copied().filter(|&numa| after[numa as usize] >= group).collect();

        let mut best_balance = f64::MAX;
        let mut best_subset = None;
        if remainder == 0 {
            best_balance = self.balance(&after);
        }
        for size in (1..=candidates.len()).rev().take_while(|_| remainder > 0) {
            let kept = for_each_combination(&candidates, size, self.go_slice_aliasing, |subset| {
                if !self.step() {
                    return Visit::Stop;
                }
                if subset.iter().map(|&numa| after[numa as usize]).sum::<i64>() < remainder {
                    return Visit::Skip;
                }
                let mut left = after.clone();
                if !hand_out_remainder(&mut left, subset, remainder, group) {
                    return Visit::Skip;
                }
                let balance = self.balance(&left);
                if balance < best_balance {
                    best_balance = balance;
                    Visit::Keep
                } else {
                    Visit::Skip
                }
            });
            if kept.is_some() {
                best_subset = kept;
            }
        }
        Some((best_balance, best_subset))
    }

    /// The balance score of free CPUs per NUMA node.
    fn balance(&self, free: &[i64]) -> f64 {
        standard_deviation(self.scored.iter().map(|&numa| free[numa as usize]))
    }
}

/// CPUs each NUMA node of a `nodes`-node combination gets before the
/// remainder: `count / nodes`, rounded down to whole groups.
fn even_share(count: i64, nodes: usize, group: i64) -> i64 {
    count / nodes as i64 / group * group
}

/// Hands `remainder` CPUs out of `free` round robin over `subset`, one group
/// at a time, skipping nodes with less than a group left. Returns false when
/// a whole pass hands out nothing: the subset cannot take the remainder in
/// whole groups. Released upstream loops forever there (the subset's raw
/// CPUs cover the remainder, its whole groups do not); like upstream's fix,
/// PR #140730, the subset is treated as infeasible and the search goes on.
/// Wherever released upstream returns, the result is the same.
fn hand_out_remainder(free: &mut [i64], subset: &[u32], mut remainder: i64, group: i64) -> bool {
    while remainder > 0 {
        let mut handed_out = false;
        for &numa in subset {
            if remainder == 0 {
                break;
            }
            if free[numa as usize] < group {
                continue;
            }
            free[numa as usize] -= group;
            remainder -= group;
            handed_out = true;
        }
        if !handed_out {
            return false;
        }
    }
    true
}

/// Takes the even share from every node of `combo`, then the remainder group
/// by group round robin over `remainder_nodes`, each part chosen by the
/// packed algorithm within the node.
fn allocate(acc: &mut Accumulator<'_>, combo: &[u32], remainder_nodes: &[u32], count: i64, group: i64) {
    let share = even_share(count, combo.len(), group);
    for &numa in combo {
        acc.take_packed_within(numa, share as usize);
    }
    let mut remainder = count - share * combo.len() as i64;
    while remainder > 0 {
        let mut handed_out = false;
        for &numa in remainder_nodes {
            if remainder == 0 {
                break;
            }
            if i64::from(acc.free_in(Unit::Numa, numa)) < group {
                continue;
            }
            acc.take_packed_within(numa, group as usize);
            remainder -= group;
            handed_out = true;
        }
        // Only a remainder subset corrupted by the slice-aliasing quirk can
        // run dry here; released upstream would spin forever, this leaves the
        // shortfall to the accounting check.
        if !handed_out {
            break;
        }
    }
}

/// Upstream's balance score: the population standard deviation, with the
/// mean and the result each rounded to 3 decimals (half away from zero),
/// summed in the order given.
pub(super) fn standard_deviation(values: impl Iterator<Item = i64> + Clone) -> f64 {
    let round3 = |v: f64| (v * 1000.0).round() / 1000.0;
    let (mut sum, mut len) = (0.0f64, 0usize);
    for value in values.clone() {
        sum += value as f64;
        len += 1;
    }
    let mean = round3(sum / len as f64);
    let mut squares = 0.0f64;
    for value in values {
        let deviation = value as f64 - mean;
        squares += deviation * deviation;
    }
    round3((squares / len as f64).sqrt())
}
