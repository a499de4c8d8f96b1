//! A plain reference version of the selection algorithms, for tests only.
//!
//! It follows upstream's structure step by step on [`CpuDetails`] queries,
//! recounting free CPUs by scanning for every comparison as upstream does,
//! and emulates Go slices (backing arrays, length, capacity, doubling growth)
//! literally in the distributed search. The property tests check that the
//! fast version agrees with it on random machines.

use super::CpuSortingStrategy;
use crate::cpumanager::Error;
use crate::cpuset::CpuSet;
use crate::topology::{CpuDetails, CpuTopology};

fn one(id: usize) -> CpuSet {
    CpuSet::from_iter([id])
}

struct Acc<'a> {
    topo: &'a CpuTopology,
    details: CpuDetails,
    need: i64,
    result: CpuSet,
    spread: bool,
}

impl<'a> Acc<'a> {
    fn new(topo: &'a CpuTopology, available: &CpuSet, need: usize, strategy: CpuSortingStrategy) -> Self {
        Acc {
            topo,
            details: topo.details.keep_only(available),
            need: need as i64,
            result: CpuSet::new(),
            spread: strategy == CpuSortingStrategy::Spread,
        }
    }

    fn sort(&self, ids: &mut [usize], free: impl Fn(&CpuDetails, usize) -> usize) {
        ids.sort_by_key(|&id| (free(&self.details, id), id));
    }

    fn numas(&self) -> Vec<usize> {
        let by_free = |d: &CpuDetails, id| d.cpus_in_numa_nodes(&one(id)).len();
        if self.topo.numa_first() {
            let mut ids = self.details.numa_nodes().to_vec();
            self.sort(&mut ids, by_free);
            ids
        } else {
            let mut out = Vec::new();
            for socket in self.sockets() {
                let mut ids = self.details.numa_nodes_in_sockets(&one(socket)).to_vec();
                self.sort(&mut ids, by_free);
                out.extend(ids);
            }
            out
        }
    }

    fn sockets(&self) -> Vec<usize> {
        let by_free = |d: &CpuDetails, id| d.cpus_in_sockets(&one(id)).len();
        if self.topo.numa_first() {
            let mut out = Vec::new();
            for numa in self.numas() {
                let mut ids = self.details.sockets_in_numa_nodes(&one(numa)).to_vec();
                self.sort(&mut ids, by_free);
                out.extend(ids);
            }
            out
        } else {
            let mut ids = self.details.sockets().to_vec();
            self.sort(&mut ids, by_free);
            ids
        }
    }

    fn cores(&self) -> Vec<usize> {
        let by_free = |d: &CpuDetails, id| d.cpus_in_cores(&one(id)).len();
        let mut out = Vec::new();
        if self.topo.numa_first() {
            for socket in self.sockets() {
                let mut ids = self.details.cores_in_sockets(&one(socket)).to_vec();
                self.sort(&mut ids, by_free);
                out.extend(ids);
            }
        } else {
            for numa in self.numas() {
                let mut ids = self.details.cores_in_numa_nodes(&one(numa)).to_vec();
                self.sort(&mut ids, by_free);
                out.extend(ids);
            }
        }
        out
    }

    fn uncores(&self) -> Vec<usize> {
        let by_free = |d: &CpuDetails, id| d.cpus_in_uncore_caches(&one(id)).len();
        let mut out = Vec::new();
        for numa in self.numas() {
            let mut ids = self.details.uncore_in_numa_nodes(&one(numa)).to_vec();
            self.sort(&mut ids, by_free);
            out.extend(ids);
        }
        out
    }

    fn cpus(&self) -> Vec<usize> {
        let mut out = Vec::new();
        if self.spread {
            for socket in self.sockets() {
                out.extend(self.details.cpus_in_sockets(&one(socket)).iter());
            }
        } else {
            for core in self.cores() {
                out.extend(self.details.cpus_in_cores(&one(core)).iter());
            }
        }
        out
    }

    fn take(&mut self, cpus: &CpuSet) {
        self.result = self.result.union(cpus);
        self.details = self.details.keep_only(&self.details.cpus().difference(&self.result));
        self.need -= cpus.len() as i64;
    }

    fn satisfied(&self) -> bool {
        self.need < 1
    }

    fn take_full(&mut self, list: Vec<usize>, cpus_of: impl Fn(&CpuDetails, &CpuSet) -> CpuSet) {
        for id in list {
            let cpus = cpus_of(&self.topo.details, &one(id));
            if self.need >= cpus.len() as i64 {
                self.take(&cpus);
            }
        }
    }

    fn full_numas(&mut self) {
        let free: Vec<_> = self
            .numas()
            .into_iter()
            .filter(|&m| {
                self.details.cpus_in_numa_nodes(&one(m)).len() == self.topo.details.cpus_in_numa_nodes(&one(m)).len()
            })
            .collect();
        self.take_full(free, CpuDetails::cpus_in_numa_nodes);
    }

    fn full_sockets(&mut self) {
        let free: Vec<_> = self
            .sockets()
            .into_iter()
            .filter(|&s| self.details.cpus_in_sockets(&one(s)).len() == self.topo.cpus_per_socket())
            .collect();
        self.take_full(free, CpuDetails::cpus_in_sockets);
    }

    fn full_uncores(&mut self) {
        let free: Vec<_> = self
            .uncores()
            .into_iter()
            .filter(|&u| {
                self.details.cpus_in_uncore_caches(&one(u)).len()
                    == self.topo.details.cpus_in_uncore_caches(&one(u)).len()
            })
            .collect();
        self.take_full(free, CpuDetails::cpus_in_uncore_caches);
    }

    fn full_cores(&mut self) {
        let free: Vec<_> = self
            .cores()
            .into_iter()
            .filter(|&c| self.details.cpus_in_cores(&one(c)).len() == self.topo.cpus_per_core())
            .collect();
        self.take_full(free, CpuDetails::cpus_in_cores);
    }

    fn uncore_cache(&mut self) -> Result<(), Error> {
        let per_uncore = self.topo.cpus_per_uncore() as i64;
        for uncore in self.uncores() {
            if self.need >= per_uncore {
                self.full_uncores();
            }
            if self.satisfied() {
                return Ok(());
            }
            let per_core = self.topo.cpus_per_core() as i64;
            if per_core == 0 {
                return Err(Error::InvalidTopology("the declared core count is 0, so CPUs per core is 0"));
            }
            let cores =
                self.details.cores_needed_in_uncore_cache(((self.need + per_core - 1) / per_core) as usize, uncore);
            let mut cpus = self.details.cpus_in_cores(&cores).to_vec();
            if self.need % 2 != 0 && per_core > 1 && cpus.len() as i64 > self.need {
                cpus.pop();
            }
            if cpus.len() as i64 == self.need {
                self.take(&cpus.into_iter().collect());
            }
            if self.satisfied() {
                return Ok(());
            }
        }
        Ok(())
    }
}

pub(super) fn packed(
    topo: &CpuTopology,
    available: &CpuSet,
    n: usize,
    strategy: CpuSortingStrategy,
    uncore: bool,
) -> Result<CpuSet, Error> {
    let mut acc = Acc::new(topo, available, n, strategy);
    if acc.satisfied() {
        return Ok(CpuSet::new());
    }
    if acc.need > acc.details.len() as i64 {
        return Err(Error::Insufficient { requested: n, available: available.len() });
    }
    if topo.numa_first() {
        acc.full_numas();
        if acc.satisfied() {
            return Ok(acc.result);
        }
        acc.full_sockets();
    } else {
        acc.full_sockets();
        if acc.satisfied() {
            return Ok(acc.result);
        }
        acc.full_numas();
    }
    if acc.satisfied() {
        return Ok(acc.result);
    }
    if uncore {
        acc.uncore_cache()?;
        if acc.satisfied() {
            return Ok(acc.result);
        }
    }
    if !acc.spread {
        acc.full_cores();
        if acc.satisfied() {
            return Ok(acc.result);
        }
    }
    for cpu in acc.cpus() {
        acc.take(&one(cpu));
        if acc.satisfied() {
            return Ok(acc.result);
        }
    }
    Err(Error::AllocationFailed)
}

/// Go slices of ints: backing arrays that appends write into while capacity
/// allows, growing by doubling.
#[derive(Default)]
struct GoHeap {
    arrays: Vec<Vec<usize>>,
}

#[derive(Clone, Copy)]
struct GoSlice {
    array: usize,
    len: usize,
    cap: usize,
}

impl GoHeap {
    fn empty(&mut self) -> GoSlice {
        self.arrays.push(Vec::new());
        GoSlice { array: self.arrays.len() - 1, len: 0, cap: 0 }
    }

    fn append(&mut self, s: GoSlice, value: usize) -> GoSlice {
        if s.len < s.cap {
            self.arrays[s.array][s.len] = value;
            return GoSlice { len: s.len + 1, ..s };
        }
        let cap = if s.cap == 0 { 1 } else { s.cap * 2 };
        let mut array = self.arrays[s.array][..s.len].to_vec();
        array.resize(cap, 0);
        array[s.len] = value;
        self.arrays.push(array);
        GoSlice { array: self.arrays.len() - 1, len: s.len + 1, cap }
    }

    fn read(&self, s: GoSlice) -> Vec<usize> {
        self.arrays[s.array][..s.len].to_vec()
    }
}

/// A remembered combination: the Go slice itself, or a copy.
#[derive(Clone)]
enum Kept {
    Slice(GoSlice),
    Copy(Vec<usize>),
}

impl Kept {
    fn new(heap: &GoHeap, s: GoSlice, aliasing: bool) -> Kept {
        if aliasing { Kept::Slice(s) } else { Kept::Copy(heap.read(s)) }
    }

    fn read(&self, heap: &GoHeap) -> Vec<usize> {
        match self {
            Kept::Slice(s) => heap.read(*s),
            Kept::Copy(v) => v.clone(),
        }
    }
}

/// Upstream's recursive `iterateCombinations`, over emulated Go slices;
/// `f` returns true to break.
fn iterate(heap: &mut GoHeap, n: &[usize], k: usize, f: &mut dyn FnMut(&mut GoHeap, GoSlice) -> bool) {
    fn helper(
        heap: &mut GoHeap,
        n: &[usize],
        k: usize,
        start: usize,
        accum: GoSlice,
        f: &mut dyn FnMut(&mut GoHeap, GoSlice) -> bool,
    ) -> bool {
        if k == 0 {
            return f(heap, accum);
        }
        let mut i = start;
        while i + k <= n.len() {
            let next = heap.append(accum, n[i]);
            if helper(heap, n, k - 1, i + 1, next, f) {
                return true;
            }
            i += 1;
        }
        false
    }
    if k < 1 {
        return;
    }
    let empty = heap.empty();
    helper(heap, n, k, 0, empty, f);
}

fn stddev(xs: &[i64]) -> f64 {
    let mean = ((xs.iter().map(|&x| x as f64).sum::<f64>() / xs.len() as f64) * 1000.0).round() / 1000.0;
    let mut sum = 0.0;
    for &x in xs {
        sum += (x as f64 - mean) * (x as f64 - mean);
    }
    ((sum / xs.len() as f64).sqrt() * 1000.0).round() / 1000.0
}

pub(super) fn distributed(
    topo: &CpuTopology,
    available: &CpuSet,
    n: usize,
    g: usize,
    strategy: CpuSortingStrategy,
    aliasing: bool,
) -> Result<CpuSet, Error> {
    if g == 0 {
        return Err(Error::InvalidTopology("the CPU group size is 0 (CPUs per core is 0)"));
    }
    if n % g != 0 {
        return packed(topo, available, n, strategy, false);
    }
    let mut acc = Acc::new(topo, available, n, strategy);
    if acc.satisfied() {
        return Ok(CpuSet::new());
    }
    if acc.need > acc.details.len() as i64 {
        return Err(Error::Insufficient { requested: n, available: available.len() });
    }
    let numas = acc.numas();
    let free = |d: &CpuDetails, m: usize| d.cpus_in_numa_nodes(&one(m)).len() as i64;
    let (n, g) = (n as i64, g as i64);
    // rangeNUMANodesNeededToSatisfy
    let groups = (topo.details.len() as i64 - 1) / g + 1;
    let per_numa = (groups - 1) / topo.details.numa_nodes().len() as i64 + 1;
    let needed = (acc.need - 1) / g + 1;
    let (min_k, max_k) = ((needed - 1) / per_numa + 1, needed.min(acc.details.numa_nodes().len() as i64));

    let mut heap = GoHeap::default();
    let mut keys: Vec<usize> = numas.clone();
    keys.sort_unstable();
    keys.dedup();
    for k in min_k..=max_k {
        let mut best_balance = f64::MAX;
        let mut best_remainder: Option<Kept> = None;
        let mut best_combo: Option<Kept> = None;
        let details = acc.details.clone();
        iterate(&mut heap, &numas, k as usize, &mut |heap, combo_slice| {
            if best_balance == 0.0 {
                return true;
            }
            let combo = heap.read(combo_slice);
            let distinct: CpuSet = combo.iter().copied().collect();
            if details.cpus_in_numa_nodes(&distinct).len() < n as usize {
                return false;
            }
            if combo.iter().map(|&m| free(&details, m) / g).sum::<i64>() * g < n {
                return false;
            }
            let d = n / combo.len() as i64 / g * g;
            if combo.iter().any(|&m| free(&details, m) < d) {
                return false;
            }
            let mut after: std::collections::BTreeMap<usize, i64> =
                keys.iter().map(|&m| (m, free(&details, m))).collect();
            for &m in &combo {
                *after.get_mut(&m).expect("combo nodes are keys") -= d;
            }
            let r = n - d * combo.len() as i64;
            let rc: Vec<usize> = combo.iter().copied().filter(|m| after[m] >= g).collect();
            let mut local_balance = f64::MAX;
            let mut local_remainder: Option<Kept> = None;
            if r == 0 {
                local_balance = stddev(&after.values().copied().collect::<Vec<_>>());
            }
            let mut j = rc.len();
            while r > 0 && j >= 1 {
                iterate(heap, &rc, j, &mut |heap, sub_slice| {
                    let sub = heap.read(sub_slice);
                    if sub.iter().map(|m| after[m]).sum::<i64>() < r {
                        return false;
                    }
                    let mut a2 = after.clone();
                    let mut rr = r;
                    while rr > 0 {
                        let before = rr;
                        for m in &sub {
                            if rr == 0 {
                                break;
                            }
                            if a2[m] < g {
                                continue;
                            }
                            *a2.get_mut(m).expect("key") -= g;
                            rr -= g;
                        }
                        if rr == before {
                            return false; // upstream PR #140730: infeasible
                        }
                    }
                    let b = stddev(&a2.values().copied().collect::<Vec<_>>());
                    if b < local_balance {
                        local_balance = b;
                        local_remainder = Some(Kept::new(heap, sub_slice, aliasing));
                    }
                    false
                });
                j -= 1;
            }
            if local_balance < best_balance {
                best_balance = local_balance;
                best_remainder = local_remainder;
                best_combo = Some(Kept::new(heap, combo_slice, aliasing));
            }
            false
        });
        let Some(best_combo) = best_combo else { continue };
        let best_combo = best_combo.read(&heap);
        let best_remainder = best_remainder.map(|r| r.read(&heap)).unwrap_or_default();
        let d = n / best_combo.len() as i64 / g * g;
        for &m in &best_combo {
            let within = acc.details.cpus_in_numa_nodes(&one(m));
            let cpus = packed(topo, &within, d as usize, strategy, false).unwrap_or_default();
            acc.take(&cpus);
        }
        let mut r = n - d * best_combo.len() as i64;
        while r > 0 {
            let before = r;
            for &m in &best_remainder {
                if r == 0 {
                    break;
                }
                if free(&acc.details, m) < g {
                    continue;
                }
                let within = acc.details.cpus_in_numa_nodes(&one(m));
                let cpus = packed(topo, &within, g as usize, strategy, false).unwrap_or_default();
                acc.take(&cpus);
                r -= g;
            }
            if r == before {
                break;
            }
        }
        if acc.need != 0 {
            return Err(Error::Accounting { remaining: acc.need });
        }
        return Ok(acc.result);
    }
    packed(topo, available, n as usize, strategy, false)
}
