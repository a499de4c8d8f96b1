//! The CPU set: an ordered set of logical CPU ids with the Linux list format.
//!
//! This is the kubelet's `k8s.io/utils/cpuset` type (`cpuset/cpuset.go`). Text in the Linux list
//! format (`"0-3,8,10-11"`, as in `/sys/devices/system/cpu/online` or
//! `cpuset.cpus`) parses exactly as upstream's `cpuset.Parse` does, with the
//! same error messages, and formats to the same canonical string.
//!
//! The set is a bitset of 64-bit words, so set algebra is word-wise and
//! iteration is always ascending. CPU ids up to [`MAX_CPU_ID`] (Linux's largest
//! `NR_CPUS` minus one) are accepted; a larger id is a parse error rather than
//! the unbounded allocation upstream would make for `0-1000000000`.
//!
//! ```
//! use nodecore::cpuset::CpuSet;
//!
//! let online: CpuSet = "0-3,8".parse().unwrap();
//! let reserved = CpuSet::from_iter([0, 8]);
//! assert_eq!(online.difference(&reserved).to_string(), "1-3");
//! assert!("3-1".parse::<CpuSet>().is_err());
//! ```

mod eval;
mod parse;

use std::fmt;
use std::str::FromStr;

pub(crate) use eval::eval;
pub use parse::{ParseError, ParseErrorReason};

/// The largest CPU id a [`CpuSet`] holds: Linux's largest `NR_CPUS` is 8192.
pub const MAX_CPU_ID: usize = 8191;

const WORD_BITS: usize = 64;

/// A set of logical CPU ids, iterated in ascending order.
///
/// Equal sets compare equal whatever order they were built in. The `Ord`
/// implementation is a total order for use as a map key (it is not upstream's
/// notion of "narrower").
#[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CpuSet {
    /// Bit `i % 64` of word `i / 64` is set when CPU `i` is in the set.
    /// Invariant: the last word, if any, is non-zero, so that equal sets have
    /// equal representations.
    words: Vec<u64>,
}

impl CpuSet {
    /// The empty set.
    pub const fn new() -> Self {
        CpuSet { words: Vec::new() }
    }

    /// Parses the Linux list format; see [`ParseError`] for what is refused.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        parse::parse(text)
    }

    /// The number of CPUs in the set.
    pub fn len(&self) -> usize {
        self.words.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// Whether the set holds no CPU.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Whether `cpu` is in the set.
    pub fn contains(&self, cpu: usize) -> bool {
        self.words.get(cpu / WORD_BITS).is_some_and(|w| w & (1 << (cpu % WORD_BITS)) != 0)
    }

    /// Adds `cpu` to the set.
    ///
    /// # Panics
    /// When `cpu` is larger than [`MAX_CPU_ID`]: such an id cannot come from
    /// parsing, and callers building sets from other sources check first.
    pub fn insert(&mut self, cpu: usize) {
        assert!(cpu <= MAX_CPU_ID, "CPU id {cpu} exceeds {MAX_CPU_ID}");
        let word = cpu / WORD_BITS;
        if self.words.len() <= word {
            self.words.resize(word + 1, 0);
        }
        self.words[word] |= 1 << (cpu % WORD_BITS);
    }

    /// Adds every CPU from `first` to `last` inclusive, a word at a time, so
    /// that a range costs at most `MAX_CPU_ID / 64 + 1` word writes however
    /// many CPUs it spans (a list of many `0-8191` pieces parses in time
    /// linear in its length).
    ///
    /// # Panics
    /// When `last` is larger than [`MAX_CPU_ID`], as [`CpuSet::insert`].
    pub(crate) fn insert_range(&mut self, first: usize, last: usize) {
        assert!(last <= MAX_CPU_ID, "CPU id {last} exceeds {MAX_CPU_ID}");
        if first > last {
            return;
        }
        let (first_word, last_word) = (first / WORD_BITS, last / WORD_BITS);
        if self.words.len() <= last_word {
            self.words.resize(last_word + 1, 0);
        }
        for word in first_word..=last_word {
            let low = if word == first_word { first % WORD_BITS } else { 0 };
            let high = if word == last_word { last % WORD_BITS } else { WORD_BITS - 1 };
            // Bits `low..=high`: all ones shifted to drop the bits above `high`, then below `low`.
            self.words[word] |= (u64::MAX >> (WORD_BITS - 1 - high)) & (u64::MAX << low);
        }
    }

    /// Removes `cpu` from the set; returns whether it was there.
    pub fn remove(&mut self, cpu: usize) -> bool {
        let Some(word) = self.words.get_mut(cpu / WORD_BITS) else {
            return false;
        };
        let bit = 1 << (cpu % WORD_BITS);
        let was_there = *word & bit != 0;
        *word &= !bit;
        self.trim();
        was_there
    }

    /// The CPUs in either set.
    pub fn union(&self, other: &CpuSet) -> CpuSet {
        let (long, short) = if self.words.len() >= other.words.len() { (self, other) } else { (other, self) };
        let mut words = long.words.clone();
        for (w, o) in words.iter_mut().zip(&short.words) {
            *w |= o;
        }
        CpuSet { words }
    }

    /// The CPUs in both sets.
    pub fn intersection(&self, other: &CpuSet) -> CpuSet {
        let words = self.words.iter().zip(&other.words).map(|(a, b)| a & b).collect();
        CpuSet::trimmed(words)
    }

    /// The CPUs of `self` that are not in `other`.
    pub fn difference(&self, other: &CpuSet) -> CpuSet {
        let mut words = self.words.clone();
        for (w, o) in words.iter_mut().zip(&other.words) {
            *w &= !o;
        }
        CpuSet::trimmed(words)
    }

    /// Whether every CPU of `self` is in `other`.
    pub fn is_subset(&self, other: &CpuSet) -> bool {
        self.words.len() <= other.words.len() && self.words.iter().zip(&other.words).all(|(a, b)| a & !b == 0)
    }

    /// Whether the sets share no CPU.
    pub fn is_disjoint(&self, other: &CpuSet) -> bool {
        self.words.iter().zip(&other.words).all(|(a, b)| a & b == 0)
    }

    /// The CPUs in ascending order.
    pub fn iter(&self) -> Iter<'_> {
        Iter { words: &self.words, index: 0, current: self.words.first().copied().unwrap_or(0) }
    }

    /// The CPUs in ascending order, collected (upstream's `List`).
    pub fn to_vec(&self) -> Vec<usize> {
        self.iter().collect()
    }

    /// The smallest CPU id in the set.
    pub fn first(&self) -> Option<usize> {
        self.iter().next()
    }

    /// The largest CPU id in the set.
    pub fn last(&self) -> Option<usize> {
        let last = *self.words.last()?;
        Some((self.words.len() - 1) * WORD_BITS + (WORD_BITS - 1 - last.leading_zeros() as usize))
    }

    /// The CPUs for which `keep` returns true (upstream's `Filter`).
    pub fn filter(&self, mut keep: impl FnMut(usize) -> bool) -> CpuSet {
        self.iter().filter(|&cpu| keep(cpu)).collect()
    }

    fn trimmed(mut words: Vec<u64>) -> CpuSet {
        while words.last() == Some(&0) {
            words.pop();
        }
        CpuSet { words }
    }

    fn trim(&mut self) {
        while self.words.last() == Some(&0) {
            self.words.pop();
        }
    }
}

/// Ascending iterator over a [`CpuSet`].
pub struct Iter<'a> {
    words: &'a [u64],
    index: usize,
    /// The bits of `words[index]` not yet returned.
    current: u64,
}

impl Iterator for Iter<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        while self.current == 0 {
            self.index += 1;
            self.current = *self.words.get(self.index)?;
        }
        let bit = self.current.trailing_zeros() as usize;
        self.current &= self.current - 1;
        Some(self.index * WORD_BITS + bit)
    }
}

impl<'a> IntoIterator for &'a CpuSet {
    type Item = usize;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl FromIterator<usize> for CpuSet {
    fn from_iter<I: IntoIterator<Item = usize>>(cpus: I) -> Self {
        let mut set = CpuSet::new();
        set.extend(cpus);
        set
    }
}

impl Extend<usize> for CpuSet {
    fn extend<I: IntoIterator<Item = usize>>(&mut self, cpus: I) {
        for cpu in cpus {
            self.insert(cpu);
        }
    }
}

impl FromStr for CpuSet {
    type Err = ParseError;

    fn from_str(text: &str) -> Result<Self, ParseError> {
        parse::parse(text)
    }
}

/// The canonical Linux list format: ascending runs, `a-b` for runs of two or
/// more, joined by `,`; the empty set is `""`.
impl fmt::Display for CpuSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut cpus = self.iter().peekable();
        let mut first = true;
        while let Some(start) = cpus.next() {
            let mut end = start;
            while cpus.peek() == Some(&(end + 1)) {
                end = cpus.next().unwrap_or(end);
            }
            if !first {
                f.write_str(",")?;
            }
            first = false;
            if start == end {
                write!(f, "{start}")?;
            } else {
                write!(f, "{start}-{end}")?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for CpuSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CpuSet(\"{self}\")")
    }
}

impl serde::Serialize for CpuSet {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for CpuSet {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests;
