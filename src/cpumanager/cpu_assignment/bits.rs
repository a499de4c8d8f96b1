//! A fixed-size bitset over a topology's dense CPU numbers.

use crate::cpuset::CpuSet;
use crate::topology::CpuTopology;

/// A set of dense CPU numbers, `0..len`, iterated in ascending order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Bits {
    words: Vec<u64>,
}

impl Bits {
    /// The empty set over `len` CPUs.
    pub(super) fn new(len: usize) -> Bits {
        Bits { words: vec![0; len.div_ceil(64)] }
    }

    /// The CPUs of `cpus` the topology knows, as dense CPU numbers.
    pub(super) fn from_cpu_set(topology: &CpuTopology, cpus: &CpuSet) -> Bits {
        let layout = topology.details.layout();
        let mut bits = Bits::new(layout.num_cpus());
        for cpu in cpus.iter().filter_map(|id| layout.dense_cpu(id)) {
            bits.insert(cpu);
        }
        bits
    }

    /// The CPU ids of these dense CPUs.
    pub(super) fn to_cpu_set(&self, topology: &CpuTopology) -> CpuSet {
        let layout = topology.details.layout();
        self.iter().map(|cpu| layout.cpu_id(cpu)).collect()
    }

    pub(super) fn contains(&self, cpu: u32) -> bool {
        self.words[cpu as usize / 64] & (1 << (cpu % 64)) != 0
    }

    /// Adds `cpu`; returns whether it was absent.
    pub(super) fn insert(&mut self, cpu: u32) -> bool {
        let word = &mut self.words[cpu as usize / 64];
        let bit = 1 << (cpu % 64);
        let absent = *word & bit == 0;
        *word |= bit;
        absent
    }

    /// Removes `cpu`; returns whether it was present.
    pub(super) fn remove(&mut self, cpu: u32) -> bool {
        let word = &mut self.words[cpu as usize / 64];
        let bit = 1 << (cpu % 64);
        let present = *word & bit != 0;
        *word &= !bit;
        present
    }

    pub(super) fn iter(&self) -> Iter<'_> {
        Iter { words: &self.words, index: 0, current: self.words.first().copied().unwrap_or(0) }
    }
}

/// Ascending iterator over [`Bits`].
pub(super) struct Iter<'a> {
    words: &'a [u64],
    index: usize,
    /// The bits of `words[index]` not returned yet.
    current: u64,
}

impl Iterator for Iter<'_> {
    type Item = u32;

    fn next(&mut self) -> Option<u32> {
        while self.current == 0 {
            self.index += 1;
            self.current = *self.words.get(self.index)?;
        }
        let bit = self.current.trailing_zeros();
        self.current &= self.current - 1;
        Some(self.index as u32 * 64 + bit)
    }
}
