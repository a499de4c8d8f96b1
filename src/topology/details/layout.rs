//! A dense numbering of a topology's CPUs and units, for algorithms that
//! keep per-unit counters instead of scanning the CPU map on every query.
//!
//! CPUs are numbered `0..n` in ascending id order, and the units of each kind
//! (cores, sockets, NUMA nodes, uncore caches) likewise, so comparing dense
//! numbers compares ids. For each parent/child relation among units the
//! layout lists the distinct `(parent, child)` pairs that share a CPU, the
//! *links*; a link's number lets a caller count the free CPUs a parent and a
//! child have in common, which is what upstream's nested queries (`NUMA
//! nodes with a free CPU on socket s`) ask.

use super::CpuInfo;
use std::collections::BTreeMap;

/// A kind of unit a CPU belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unit {
    Core,
    Socket,
    Numa,
    Uncore,
}

impl Unit {
    pub(crate) const ALL: [Unit; 4] = [Unit::Core, Unit::Socket, Unit::Numa, Unit::Uncore];

    fn of(self, info: &CpuInfo) -> usize {
        match self {
            Unit::Core => info.core,
            Unit::Socket => info.socket,
            Unit::Numa => info.numa,
            Unit::Uncore => info.uncore,
        }
    }
}

/// A parent/child relation among units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Link {
    SocketsOfNuma,
    NumasOfSocket,
    CoresOfSocket,
    CoresOfNuma,
    UncoresOfNuma,
    CoresOfUncore,
}

impl Link {
    pub(crate) const ALL: [Link; 6] = [
        Link::SocketsOfNuma,
        Link::NumasOfSocket,
        Link::CoresOfSocket,
        Link::CoresOfNuma,
        Link::UncoresOfNuma,
        Link::CoresOfUncore,
    ];

    /// `(parent, child)` kinds.
    fn kinds(self) -> (Unit, Unit) {
        match self {
            Link::SocketsOfNuma => (Unit::Numa, Unit::Socket),
            Link::NumasOfSocket => (Unit::Socket, Unit::Numa),
            Link::CoresOfSocket => (Unit::Socket, Unit::Core),
            Link::CoresOfNuma => (Unit::Numa, Unit::Core),
            Link::UncoresOfNuma => (Unit::Numa, Unit::Uncore),
            Link::CoresOfUncore => (Unit::Uncore, Unit::Core),
        }
    }
}

/// Rows of variable length stored back to back (compressed sparse rows).
#[derive(Debug, Clone, Default)]
struct Rows {
    starts: Vec<u32>,
    items: Vec<u32>,
}

impl Rows {
    /// Groups `(row, item)` pairs, which must be sorted by row, into `rows` rows.
    fn from_sorted(rows: usize, pairs: impl Iterator<Item = (u32, u32)>) -> Rows {
        let mut starts = vec![0u32; rows + 1];
        let mut items = Vec::new();
        for (row, item) in pairs {
            starts[row as usize + 1] += 1;
            items.push(item);
        }
        for row in 0..rows {
            starts[row + 1] += starts[row];
        }
        Rows { starts, items }
    }

    fn row(&self, row: u32) -> &[u32] {
        &self.items[self.starts[row as usize] as usize..self.starts[row as usize + 1] as usize]
    }

    fn start(&self, row: u32) -> u32 {
        self.starts[row as usize]
    }
}

#[derive(Debug, Clone, Default)]
struct UnitIndex {
    /// Dense unit number → id, ascending.
    ids: Vec<usize>,
    /// Dense CPU number → dense unit number.
    of_cpu: Vec<u32>,
    /// Dense unit number → its dense CPU numbers, ascending.
    cpus: Rows,
}

#[derive(Debug, Clone, Default)]
struct LinkIndex {
    /// Dense CPU number → its link number.
    of_cpu: Vec<u32>,
    /// Parent → children, ascending; the child at position `i` of the flat
    /// item list is link number `i`.
    children: Rows,
}

/// Where each counter of [`Layout::counters`] starts: one counter per unit
/// of each kind, then one per link of each relation.
const SLOTS: usize = Unit::ALL.len() + Link::ALL.len();

/// The dense numbering of one topology's CPU map.
#[derive(Debug, Clone, Default)]
pub(crate) struct Layout {
    /// Dense CPU number → CPU id, ascending.
    cpu_ids: Vec<usize>,
    /// CPU id → dense CPU number, `u32::MAX` where the id is not in the map.
    dense_of_id: Vec<u32>,
    units: [UnitIndex; 4],
    links: [LinkIndex; 6],
    /// First counter of each unit kind, then of each relation.
    offsets: [u32; SLOTS],
    /// Dense CPU number → the counters it adds to, in [`Layout::offsets`] order.
    slots: Vec<[u32; SLOTS]>,
    counters: usize,
}

impl Layout {
    pub(super) fn new(cpus: &BTreeMap<usize, CpuInfo>) -> Layout {
        let cpu_ids: Vec<usize> = cpus.keys().copied().collect();
        let mut dense_of_id = vec![u32::MAX; cpu_ids.last().map_or(0, |&last| last + 1)];
        for (dense, &id) in cpu_ids.iter().enumerate() {
            dense_of_id[id] = dense as u32;
        }
        let units = Unit::ALL.map(|unit| {
            let mut ids: Vec<usize> = cpus.values().map(|info| unit.of(info)).collect();
            ids.sort_unstable();
            ids.dedup();
            let of_cpu: Vec<u32> = cpus
                .values()
                .map(|info| ids.binary_search(&unit.of(info)).expect("every id was collected") as u32)
                .collect();
            let mut members: Vec<(u32, u32)> = of_cpu.iter().enumerate().map(|(cpu, &u)| (u, cpu as u32)).collect();
            members.sort_unstable();
            let cpus = Rows::from_sorted(ids.len(), members.into_iter());
            UnitIndex { ids, of_cpu, cpus }
        });
        let links = Link::ALL.map(|link| {
            let (parent, child) = link.kinds();
            let (parents, children) = (&units[parent as usize], &units[child as usize]);
            let pair_of_cpu = |cpu: usize| (parents.of_cpu[cpu], children.of_cpu[cpu]);
            let mut pairs: Vec<(u32, u32)> = (0..cpu_ids.len()).map(pair_of_cpu).collect();
            pairs.sort_unstable();
            pairs.dedup();
            let of_cpu = (0..cpu_ids.len())
                .map(|cpu| pairs.binary_search(&pair_of_cpu(cpu)).expect("every pair was collected") as u32)
                .collect();
            LinkIndex { of_cpu, children: Rows::from_sorted(parents.ids.len(), pairs.into_iter()) }
        });
        let sizes = Unit::ALL
            .map(|unit| units[unit as usize].ids.len())
            .into_iter()
            .chain(Link::ALL.map(|link| links[link as usize].children.items.len()));
        let mut offsets = [0u32; SLOTS];
        let mut counters = 0;
        for (offset, size) in offsets.iter_mut().zip(sizes) {
            *offset = counters as u32;
            counters += size;
        }
        let slots = (0..cpu_ids.len())
            .map(|cpu| {
                let mut slot = offsets;
                for unit in Unit::ALL {
                    slot[unit as usize] += units[unit as usize].of_cpu[cpu];
                }
                for link in Link::ALL {
                    slot[Unit::ALL.len() + link as usize] += links[link as usize].of_cpu[cpu];
                }
                slot
            })
            .collect();
        Layout { cpu_ids, dense_of_id, units, links, offsets, slots, counters }
    }

    /// The number of CPUs.
    pub(crate) fn num_cpus(&self) -> usize {
        self.cpu_ids.len()
    }

    /// The id of dense CPU `cpu`.
    pub(crate) fn cpu_id(&self, cpu: u32) -> usize {
        self.cpu_ids[cpu as usize]
    }

    /// The dense number of CPU id `id`, if the map has it.
    pub(crate) fn dense_cpu(&self, id: usize) -> Option<u32> {
        self.dense_of_id.get(id).copied().filter(|&dense| dense != u32::MAX)
    }

    /// The number of units of `kind`.
    pub(crate) fn num_units(&self, kind: Unit) -> usize {
        self.units[kind as usize].ids.len()
    }

    /// The id of dense unit `unit` of `kind`.
    #[cfg(test)]
    pub(crate) fn unit_id(&self, kind: Unit, unit: u32) -> usize {
        self.units[kind as usize].ids[unit as usize]
    }

    /// The dense CPUs of a unit, ascending.
    pub(crate) fn cpus_of(&self, kind: Unit, unit: u32) -> &[u32] {
        self.units[kind as usize].cpus.row(unit)
    }

    /// How many counters a per-unit and per-link count of CPUs needs: one
    /// per unit of each kind and one per link of each relation.
    pub(crate) fn counters(&self) -> usize {
        self.counters
    }

    /// The counter of unit `unit` of `kind`.
    pub(crate) fn unit_counter(&self, kind: Unit, unit: u32) -> usize {
        (self.offsets[kind as usize] + unit) as usize
    }

    /// The counter of every unit of `kind`, by dense unit number.
    pub(crate) fn unit_counters(&self, kind: Unit) -> std::ops::Range<usize> {
        let start = self.offsets[kind as usize] as usize;
        start..start + self.num_units(kind)
    }

    /// The counters dense CPU `cpu` adds to, by [`Layout::slot_of_unit`] and
    /// [`Layout::slot_of_link`].
    pub(crate) fn counter_slots(&self, cpu: u32) -> &[u32; SLOTS] {
        &self.slots[cpu as usize]
    }

    /// Where a unit kind's counter sits in [`Layout::counter_slots`].
    pub(crate) const fn slot_of_unit(kind: Unit) -> usize {
        kind as usize
    }

    /// Where a relation's counter sits in [`Layout::counter_slots`].
    pub(crate) const fn slot_of_link(link: Link) -> usize {
        Unit::ALL.len() + link as usize
    }

    /// The children of `parent` in relation `link`, ascending, each with the
    /// counter of its link to `parent`.
    pub(crate) fn children(&self, link: Link, parent: u32) -> impl Iterator<Item = (u32, usize)> + '_ {
        let rows = &self.links[link as usize].children;
        let first = (self.offsets[Unit::ALL.len() + link as usize] + rows.start(parent)) as usize;
        rows.row(parent).iter().enumerate().map(move |(i, &child)| (child, first + i))
    }
}
