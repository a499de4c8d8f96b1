//! The CPU accumulator (upstream `cpuAccumulator`) and the packed algorithm
//! built on it.
//!
//! Upstream recounts free CPUs by scanning the free CPU map for every
//! comparison of every sort. Here the free CPUs are counted once per unit and
//! per parent/child link of the topology's dense [`Layout`], and every take
//! updates the counters, so each ordering costs one small sort. The orders
//! themselves are upstream's, tie for tie: units ascending by free CPUs, then
//! by id, nested NUMA → socket → core (or socket → NUMA → core), a unit that
//! spans several parents listed once per parent.

use super::CpuSortingStrategy;
use super::bits::Bits;
use crate::cpumanager::Error;
use crate::topology::{CpuTopology, Layout, Link, Unit};

/// The state of one selection: the free CPUs left, the CPUs taken, and how
/// many are still needed.
pub(super) struct Accumulator<'a> {
    topology: &'a CpuTopology,
    layout: &'a Layout,
    /// NUMA nodes are the larger unit (upstream `numaFirst`), decided from
    /// the declared counters.
    numa_first: bool,
    strategy: CpuSortingStrategy,
    /// The free view: available CPUs not taken yet (upstream `details`).
    free: Bits,
    free_len: usize,
    /// Free CPUs per unit and per parent/child link ([`Layout::counters`]);
    /// only the kinds and links below are kept.
    counts: Vec<u32>,
    /// The counters kept ([`tracked_slots`]).
    tracked: &'static [usize],
    result: Bits,
    /// CPUs still needed; negative when a take overshot (upstream keeps
    /// subtracting the size of each taken set).
    need: i64,
}

/// The counters an accumulator keeps ([`Layout::counter_slots`] positions):
/// units of every kind it orders and the parent/child links its mode nests
/// by, uncore caches only when the uncore step runs.
fn tracked_slots(numa_first: bool, uncore_caches: bool) -> &'static [usize] {
    const fn u(kind: Unit) -> usize {
        Layout::slot_of_unit(kind)
    }
    const fn l(link: Link) -> usize {
        Layout::slot_of_link(link)
    }
    use {Link::*, Unit::*};
    const NUMA_FIRST: &[usize] = &[u(Core), u(Socket), u(Numa), l(SocketsOfNuma), l(CoresOfSocket)];
    const SOCKET_FIRST: &[usize] = &[u(Core), u(Socket), u(Numa), l(NumasOfSocket), l(CoresOfNuma)];
    const NUMA_FIRST_UNCORE: &[usize] = &[
        u(Core),
        u(Socket),
        u(Numa),
        l(SocketsOfNuma),
        l(CoresOfSocket),
        u(Uncore),
        l(UncoresOfNuma),
        l(CoresOfUncore),
    ];
    const SOCKET_FIRST_UNCORE: &[usize] =
        &[u(Core), u(Socket), u(Numa), l(NumasOfSocket), l(CoresOfNuma), u(Uncore), l(UncoresOfNuma), l(CoresOfUncore)];
    match (numa_first, uncore_caches) {
        (true, false) => NUMA_FIRST,
        (false, false) => SOCKET_FIRST,
        (true, true) => NUMA_FIRST_UNCORE,
        (false, true) => SOCKET_FIRST_UNCORE,
    }
}

impl<'a> Accumulator<'a> {
    /// Starts a selection of `count` CPUs among `available` (dense CPU
    /// numbers of `topology`'s layout); `uncore_caches` keeps the counts the
    /// uncore step needs.
    pub(super) fn new(
        topology: &'a CpuTopology,
        available: Bits,
        count: usize,
        strategy: CpuSortingStrategy,
        uncore_caches: bool,
    ) -> Self {
        let layout = topology.details.layout();
        let numa_first = topology.numa_first();
        let tracked = tracked_slots(numa_first, uncore_caches);
        let mut counts = vec![0u32; layout.counters()];
        let mut free_len = 0;
        for cpu in available.iter() {
            free_len += 1;
            let slots = layout.counter_slots(cpu);
            for &slot in tracked {
                counts[slots[slot] as usize] += 1;
            }
        }
        Accumulator {
            topology,
            layout,
            numa_first,
            strategy,
            free: available,
            free_len,
            counts,
            tracked,
            result: Bits::new(layout.num_cpus()),
            need: i64::try_from(count).unwrap_or(i64::MAX),
        }
    }

    /// The CPUs taken so far.
    pub(super) fn into_result(self) -> Bits {
        self.result
    }

    pub(super) fn need(&self) -> i64 {
        self.need
    }

    pub(super) fn is_satisfied(&self) -> bool {
        self.need < 1
    }

    /// More CPUs are needed than are free.
    pub(super) fn is_failed(&self) -> bool {
        self.need > self.free_len as i64
    }

    fn needs_at_least(&self, cpus: usize) -> bool {
        self.need >= cpus as i64
    }

    /// Free CPUs in a unit.
    pub(super) fn free_in(&self, kind: Unit, unit: u32) -> u32 {
        debug_assert!(self.tracked.contains(&Layout::slot_of_unit(kind)), "{kind:?} is not counted");
        self.counts[self.layout.unit_counter(kind, unit)]
    }

    /// The free CPUs of a unit, ascending.
    pub(super) fn free_cpus_in(&self, kind: Unit, unit: u32) -> Bits {
        let mut cpus = Bits::new(self.layout.num_cpus());
        for &cpu in self.layout.cpus_of(kind, unit).iter().filter(|&&cpu| self.free.contains(cpu)) {
            cpus.insert(cpu);
        }
        cpus
    }

    /// Takes `cpus` (distinct dense CPUs): adds them to the result, removes
    /// them from the free view and subtracts their number from the need, as
    /// upstream does, whether or not they were free.
    pub(super) fn take(&mut self, cpus: impl IntoIterator<Item = u32>) {
        let mut taken = 0;
        for cpu in cpus {
            taken += 1;
            self.result.insert(cpu);
            if self.free.remove(cpu) {
                self.free_len -= 1;
                let slots = self.layout.counter_slots(cpu);
                for &slot in self.tracked {
                    self.counts[slots[slot] as usize] -= 1;
                }
            }
        }
        self.need -= taken;
    }

    // ----- orderings (upstream `sortAvailable*`) -----

    /// Every unit of `kind` with a free CPU, ordered.
    fn ordered_units(&self, kind: Unit) -> Vec<u32> {
        let range = self.layout.unit_counters(kind);
        let mut units = Vec::with_capacity(range.len());
        let mut scratch: Vec<(u32, u32)> = self.counts[range]
            .iter()
            .enumerate()
            .filter(|&(_, &free)| free > 0)
            .map(|(unit, &free)| (free, unit as u32))
            .collect();
        order_by_free(&mut scratch, &mut units);
        units
    }

    /// For each parent in turn, its children with a free CPU in that parent,
    /// ordered; concatenated (a child under two parents appears twice).
    fn ordered_children(&self, parents: &[u32], link: Link, kind: Unit) -> Vec<u32> {
        debug_assert!(self.tracked.contains(&Layout::slot_of_link(link)), "{link:?} is not counted");
        let free = &self.counts[self.layout.unit_counters(kind)];
        let mut children = Vec::with_capacity(free.len());
        let mut scratch = Vec::new();
        for &parent in parents {
            scratch.clear();
            for (child, counter) in self.layout.children(link, parent) {
                if self.counts[counter] > 0 {
                    scratch.push((free[child as usize], child));
                }
            }
            order_by_free(&mut scratch, &mut children);
        }
        children
    }

    /// Upstream `sortAvailableNUMANodes`.
    pub(super) fn sort_available_numa_nodes(&self) -> Vec<u32> {
        if self.numa_first {
            self.ordered_units(Unit::Numa)
        } else {
            self.ordered_children(&self.sort_available_sockets(), Link::NumasOfSocket, Unit::Numa)
        }
    }

    /// Upstream `sortAvailableSockets`.
    fn sort_available_sockets(&self) -> Vec<u32> {
        if self.numa_first {
            self.ordered_children(&self.sort_available_numa_nodes(), Link::SocketsOfNuma, Unit::Socket)
        } else {
            self.ordered_units(Unit::Socket)
        }
    }

    /// Upstream `sortAvailableCores`.
    fn sort_available_cores(&self) -> Vec<u32> {
        if self.numa_first {
            self.ordered_children(&self.sort_available_sockets(), Link::CoresOfSocket, Unit::Core)
        } else {
            self.ordered_children(&self.sort_available_numa_nodes(), Link::CoresOfNuma, Unit::Core)
        }
    }

    /// Upstream `sortAvailableUncoreCaches`.
    fn sort_available_uncore_caches(&self) -> Vec<u32> {
        self.ordered_children(&self.sort_available_numa_nodes(), Link::UncoresOfNuma, Unit::Uncore)
    }

    /// Upstream `sortAvailableCPUsPacked` / `sortAvailableCPUsSpread`: the
    /// free CPUs of each core in core order (packed) or of each socket in
    /// socket order (spread), ascending within the unit.
    fn sort_available_cpus(&self) -> Vec<u32> {
        let (units, kind) = match self.strategy {
            CpuSortingStrategy::Packed => (self.sort_available_cores(), Unit::Core),
            CpuSortingStrategy::Spread => (self.sort_available_sockets(), Unit::Socket),
        };
        let mut cpus = Vec::with_capacity(self.free_len);
        for unit in units {
            cpus.extend(self.layout.cpus_of(kind, unit).iter().filter(|&&cpu| self.free.contains(cpu)));
        }
        cpus
    }

    // ----- whole free units -----

    fn is_whole_unit_free(&self, kind: Unit, unit: u32) -> bool {
        self.free_in(kind, unit) as usize == self.layout.cpus_of(kind, unit).len()
    }

    /// A socket counts as free when its free CPUs number the declared CPUs
    /// per socket (upstream `isSocketFree`).
    fn is_socket_free(&self, socket: u32) -> bool {
        self.free_in(Unit::Socket, socket) as usize == self.topology.cpus_per_socket()
    }

    /// A core counts as free when its free CPUs number the declared CPUs per
    /// core (upstream `isCoreFree`).
    fn is_core_free(&self, core: u32) -> bool {
        self.free_in(Unit::Core, core) as usize == self.topology.cpus_per_core()
    }

    /// Upstream `freeNUMANodes`: NUMA nodes whose CPUs are all free, in NUMA order.
    pub(super) fn free_numa_nodes(&self) -> Vec<u32> {
        let mut free = self.sort_available_numa_nodes();
        free.retain(|&numa| self.is_whole_unit_free(Unit::Numa, numa));
        free
    }

    /// Upstream `freeSockets`, in socket order.
    pub(super) fn free_sockets(&self) -> Vec<u32> {
        let mut free = self.sort_available_sockets();
        free.retain(|&socket| self.is_socket_free(socket));
        free
    }

    /// Upstream `freeUncoreCache`, in uncore order.
    fn free_uncore_caches(&self) -> Vec<u32> {
        let mut free = self.sort_available_uncore_caches();
        free.retain(|&uncore| self.is_whole_unit_free(Unit::Uncore, uncore));
        free
    }

    /// Upstream `freeCores`, in core order.
    pub(super) fn free_cores(&self) -> Vec<u32> {
        let mut free = self.sort_available_cores();
        free.retain(|&core| self.is_core_free(core));
        free
    }

    /// Upstream `freeCPUs`: every free CPU in the strategy's CPU order.
    pub(super) fn free_cpus(&self) -> Vec<u32> {
        self.sort_available_cpus()
    }

    /// Takes, from `units` (listed once, before any take), each unit whose
    /// topology CPUs the need still covers (upstream `takeFull*`).
    fn take_full_units(&mut self, kind: Unit, units: Vec<u32>) {
        let layout = self.layout;
        for unit in units {
            let cpus = layout.cpus_of(kind, unit);
            if self.needs_at_least(cpus.len()) {
                self.take(cpus.iter().copied());
            }
        }
    }

    /// Upstream `takeFullNUMANodes` or `takeFullSockets`.
    fn take_full_numa_nodes_or_sockets(&mut self, level: Unit) {
        let free = if level == Unit::Numa { self.free_numa_nodes() } else { self.free_sockets() };
        self.take_full_units(level, free);
    }

    /// Upstream `takeRemainingCPUs`: single CPUs in CPU order until satisfied.
    fn take_remaining_cpus(&mut self) {
        for cpu in self.free_cpus() {
            self.take([cpu]);
            if self.is_satisfied() {
                return;
            }
        }
    }

    // ----- uncore caches (prefer-align-cpus-by-uncorecache) -----

    /// Upstream `takeUncoreCache`: for each uncore cache in order, whole free
    /// caches while the need covers the declared CPUs per cache, then an
    /// all-or-nothing partial fit in this cache.
    fn take_uncore_cache(&mut self) -> Result<(), Error> {
        let cpus_per_uncore = self.topology.cpus_per_uncore();
        // The need at which taking whole caches last took nothing: until a
        // take changes the state, trying again would take nothing again.
        let mut fruitless_at = None;
        for uncore in self.sort_available_uncore_caches() {
            if self.needs_at_least(cpus_per_uncore) && fruitless_at != Some(self.need) {
                let need = self.need;
                self.take_full_units(Unit::Uncore, self.free_uncore_caches());
                if self.need == need {
                    fruitless_at = Some(need);
                }
            }
            if self.is_satisfied() {
                return Ok(());
            }
            self.take_partial_uncore(uncore)?;
            if self.is_satisfied() {
                return Ok(());
            }
        }
        Ok(())
    }

    /// Upstream `takePartialUncore`, 1.34+ (PR #131850): the free CPUs of the
    /// `ceil(need / CPUs per core)` lowest cores with a free CPU in this
    /// cache; for an odd need on an SMT machine the highest of them is
    /// dropped when there is one too many; taken only if they match the need
    /// exactly.
    fn take_partial_uncore(&mut self, uncore: u32) -> Result<(), Error> {
        let cpus_per_core = self.topology.cpus_per_core() as i64;
        if cpus_per_core == 0 {
            return Err(Error::InvalidTopology("the declared core count is 0, so CPUs per core is 0"));
        }
        let cores_needed = ((self.need + cpus_per_core - 1) / cpus_per_core) as usize;
        let mut cpus: Vec<u32> = self
            .layout
            .children(Link::CoresOfUncore, uncore)
            .filter(|&(_, counter)| self.counts[counter] > 0)
            .take(cores_needed)
            .flat_map(|(core, _)| self.layout.cpus_of(Unit::Core, core).iter().copied())
            .filter(|&cpu| self.free.contains(cpu))
            .collect();
        cpus.sort_unstable();
        // Upstream tests oddness with the literal 2, not the SMT level.
        if self.need % 2 != 0 && cpus_per_core > 1 && cpus.len() as i64 > self.need {
            cpus.pop();
        }
        if cpus.len() as i64 == self.need {
            self.take(cpus);
        }
        Ok(())
    }

    // ----- the algorithms' steps -----

    /// Takes what upstream's packed algorithm picks for `count` CPUs among
    /// the free CPUs of one NUMA node, without uncore preference; nothing
    /// when it fails (the distributed algorithm ignores those errors).
    pub(super) fn take_packed_within(&mut self, numa: u32, count: usize) {
        let available = self.free_cpus_in(Unit::Numa, numa);
        let mut within = Accumulator::new(self.topology, available, count, self.strategy, false);
        if within.is_satisfied() || within.is_failed() {
            return;
        }
        if let Ok(true) = within.run_packed(false) {
            self.take(within.result.iter());
        }
    }

    /// The steps of upstream `takeByTopologyNUMAPacked` after its checks;
    /// returns whether the need is met.
    pub(super) fn run_packed(&mut self, prefer_align_by_uncore_cache: bool) -> Result<bool, Error> {
        // Whole units of the larger kind first, then of the smaller.
        let (first, second) = if self.numa_first { (Unit::Numa, Unit::Socket) } else { (Unit::Socket, Unit::Numa) };
        self.take_full_numa_nodes_or_sockets(first);
        if self.is_satisfied() {
            return Ok(true);
        }
        self.take_full_numa_nodes_or_sockets(second);
        if self.is_satisfied() {
            return Ok(true);
        }
        if prefer_align_by_uncore_cache {
            self.take_uncore_cache()?;
            if self.is_satisfied() {
                return Ok(true);
            }
        }
        if self.strategy != CpuSortingStrategy::Spread {
            self.take_full_units(Unit::Core, self.free_cores());
            if self.is_satisfied() {
                return Ok(true);
            }
        }
        self.take_remaining_cpus();
        Ok(self.is_satisfied())
    }

    /// Upstream `rangeNUMANodesNeededToSatisfy`: the fewest and most NUMA
    /// nodes the distributed algorithm tries, counting in groups of
    /// `group_size` CPUs.
    pub(super) fn range_numa_nodes_needed_to_satisfy(&self, group_size: usize) -> (usize, usize) {
        let numa_nodes = self.layout.num_units(Unit::Numa);
        let numa_nodes_available =
            self.counts[self.layout.unit_counters(Unit::Numa)].iter().filter(|&&free| free > 0).count();
        let groups = (self.layout.num_cpus() - 1) / group_size + 1;
        let groups_per_numa_node = (groups - 1) / numa_nodes + 1;
        let groups_needed = (self.need as usize - 1) / group_size + 1;
        let min = (groups_needed - 1) / groups_per_numa_node + 1;
        (min, groups_needed.min(numa_nodes_available))
    }
}

/// Appends `units` (`(free CPUs, unit)` pairs in ascending unit order) to
/// `into` ascending by free CPUs, then by unit: upstream's order. The counts
/// span a small range (a core's free threads, mostly), so a stable pass per
/// count value usually does it in linear time.
fn order_by_free(units: &mut [(u32, u32)], into: &mut Vec<u32>) {
    const MAX_PASSES: u32 = 8;
    let (min, max) = units.iter().fold((u32::MAX, 0), |(min, max), &(free, _)| (min.min(free), max.max(free)));
    if units.len() < 2 || min == max {
        into.extend(units.iter().map(|&(_, unit)| unit));
    } else if max - min < MAX_PASSES {
        into.reserve(units.len());
        for free in min..=max {
            for &(f, unit) in units.iter() {
                if f == free {
                    into.push(unit);
                }
            }
        }
    } else {
        units.sort_unstable();
        into.extend(units.iter().map(|&(_, unit)| unit));
    }
}
