//! The NUMA node bitmask of topology hints (upstream package `bitmask`).
//!
//! A [`BitMask`] is one `u64`: bit `i` set means NUMA node `i` is included, so
//! node ids 0 to 63 are representable. Every operation, the "narrower than"
//! order and the subset enumeration order of [`iterate_bit_masks`] are
//! upstream's, because hint providers generate hints in that order and the
//! merge breaks ties with that order.
//!
//! ```
//! use nodecore::topologymanager::bitmask::{BitMask, iterate_bit_masks};
//!
//! let mask = BitMask::new([0, 2]).unwrap();
//! assert_eq!(mask.count(), 2);
//! assert_eq!(mask.get_bits(), vec![0, 2]);
//! assert!(BitMask::new([1]).unwrap().is_narrower_than(&mask));
//! assert!(BitMask::new([64]).is_err());
//!
//! let mut subsets = Vec::new();
//! iterate_bit_masks(&[0, 1, 2], |m| subsets.push(m.get_bits())).unwrap();
//! assert_eq!(subsets, [vec![0], vec![1], vec![2], vec![0, 1], vec![0, 2], vec![1, 2], vec![0, 1, 2]]);
//! ```

use std::fmt;

/// The number of bits (NUMA node ids 0 to 63) a [`BitMask`] holds.
pub const MAX_BITS: usize = 64;

/// A bit number outside 0 to 63 was given; upstream's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("bit number must be in range 0-63 (got {bit})")]
pub struct BitOutOfRange {
    /// The offending bit number.
    pub bit: usize,
}

/// A set of NUMA node ids 0 to 63, stored as one `u64`.
///
/// Equality is upstream's `IsEqual` (the same bits). The derived `Ord` is the
/// plain integer order, upstream's `IsLessThan`; the order the merge ranks
/// masks by is [`BitMask::is_narrower_than`].
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BitMask(u64);

impl BitMask {
    /// The mask with no bit set (upstream `NewEmptyBitMask`).
    pub const fn empty() -> Self {
        BitMask(0)
    }

    /// The mask with every listed bit set (upstream `NewBitMask`).
    ///
    /// A bit outside 0 to 63 is an error and no mask is made.
    pub fn new(bits: impl IntoIterator<Item = usize>) -> Result<Self, BitOutOfRange> {
        let mut mask = BitMask::empty();
        mask.add(bits)?;
        Ok(mask)
    }

    /// The mask whose bit `i` is bit `i` of `bits`.
    pub const fn from_u64(bits: u64) -> Self {
        BitMask(bits)
    }

    /// The mask as an integer: bit `i` set when node `i` is included.
    pub const fn as_u64(self) -> u64 {
        self.0
    }

    /// Sets every listed bit. A bit outside 0 to 63 leaves the mask unchanged
    /// and is an error, as upstream's `Add`.
    pub fn add(&mut self, bits: impl IntoIterator<Item = usize>) -> Result<(), BitOutOfRange> {
        self.0 |= bits_to_u64(bits)?;
        Ok(())
    }

    /// Clears every listed bit. A bit outside 0 to 63 leaves the mask
    /// unchanged and is an error, as upstream's `Remove`.
    pub fn remove(&mut self, bits: impl IntoIterator<Item = usize>) -> Result<(), BitOutOfRange> {
        self.0 &= !bits_to_u64(bits)?;
        Ok(())
    }

    /// Keeps only the bits set in every one of `masks` (in place).
    pub fn and(&mut self, masks: &[BitMask]) {
        for mask in masks {
            self.0 &= mask.0;
        }
    }

    /// Adds the bits of every one of `masks` (in place).
    pub fn or(&mut self, masks: &[BitMask]) {
        for mask in masks {
            self.0 |= mask.0;
        }
    }

    /// Clears every bit.
    pub fn clear(&mut self) {
        self.0 = 0;
    }

    /// Sets all 64 bits.
    pub fn fill(&mut self) {
        self.0 = u64::MAX;
    }

    /// Whether no bit is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Whether `bit` is set; false for a bit outside 0 to 63.
    pub const fn is_set(self, bit: usize) -> bool {
        bit < MAX_BITS && self.0 & (1 << bit) != 0
    }

    /// Whether any of `bits` is set.
    pub fn any_set(self, bits: impl IntoIterator<Item = usize>) -> bool {
        bits.into_iter().any(|bit| self.is_set(bit))
    }

    /// The number of bits set.
    pub const fn count(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The set bits, ascending.
    pub fn get_bits(self) -> Vec<usize> {
        self.iter().collect()
    }

    /// Iterates over the set bits, ascending.
    pub fn iter(self) -> Bits {
        Bits(self.0)
    }

    /// Whether `self` is smaller than `other` as an unsigned integer.
    pub const fn is_less_than(self, other: BitMask) -> bool {
        self.0 < other.0
    }

    /// Whether `self` is larger than `other` as an unsigned integer.
    pub const fn is_greater_than(self, other: BitMask) -> bool {
        self.0 > other.0
    }

    /// Upstream's narrowness order: fewer bits set is narrower; with as many
    /// bits set, the smaller integer ("more lower-numbered bits") is narrower.
    ///
    /// A strict total order on distinct masks: the `(count, value)` pairs
    /// compared lexicographically.
    pub const fn is_narrower_than(self, other: &BitMask) -> bool {
        let (mine, theirs) = (self.0.count_ones(), other.0.count_ones());
        if mine == theirs { self.0 < other.0 } else { mine < theirs }
    }
}

/// The bits of `first` that are set in every one of `rest` (upstream's
/// package-level `And`).
pub fn and(first: BitMask, rest: &[BitMask]) -> BitMask {
    let mut mask = first;
    mask.and(rest);
    mask
}

/// The bits set in `first` or in any of `rest` (upstream's package-level
/// `Or`).
pub fn or(first: BitMask, rest: &[BitMask]) -> BitMask {
    let mut mask = first;
    mask.or(rest);
    mask
}

/// Calls `callback` with every non-empty subset of `bits`, in upstream's
/// order: by subset size 1 to n, and within a size in lexicographic order of
/// positions in `bits` (the standard combinations). That is `2^n - 1` calls.
///
/// Hint providers build their hint lists in this order. A bit outside 0 to 63
/// is an error before any call (upstream would pass its callback a nil mask).
pub fn iterate_bit_masks(bits: &[usize], mut callback: impl FnMut(BitMask)) -> Result<(), BitOutOfRange> {
    bits_to_u64(bits.iter().copied())?;
    let n = bits.len();
    // `positions` holds the current combination of indices into `bits`,
    // strictly increasing; each step moves to the next one in lexicographic
    // order.
    let mut positions = Vec::with_capacity(n);
    for size in 1..=n {
        positions.clear();
        positions.extend(0..size);
        loop {
            callback(BitMask(positions.iter().fold(0, |mask, &p| mask | 1 << bits[p])));
            let Some(i) = (0..size).rev().find(|&i| positions[i] < n - size + i) else {
                break;
            };
            positions[i] += 1;
            for j in i + 1..size {
                positions[j] = positions[j - 1] + 1;
            }
        }
    }
    Ok(())
}

fn bits_to_u64(bits: impl IntoIterator<Item = usize>) -> Result<u64, BitOutOfRange> {
    bits.into_iter()
        .try_fold(0, |mask, bit| if bit < MAX_BITS { Ok(mask | 1 << bit) } else { Err(BitOutOfRange { bit }) })
}

/// Iterator over the set bits of a [`BitMask`], ascending.
#[derive(Debug, Clone)]
pub struct Bits(u64);

impl Iterator for Bits {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        if self.0 == 0 {
            return None;
        }
        let bit = self.0.trailing_zeros() as usize;
        self.0 &= self.0 - 1;
        Some(bit)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.0.count_ones() as usize;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Bits {}

impl IntoIterator for BitMask {
    type Item = usize;
    type IntoIter = Bits;

    fn into_iter(self) -> Bits {
        self.iter()
    }
}

/// Upstream's `String()`, used in its logs: the mask in binary, zero-padded
/// to an even width just large enough for the value, at least 2 digits.
///
/// The padding rule is upstream's: a value equal to a power of 4 is padded
/// one step short, so `{2}` prints as `100`.
impl fmt::Display for BitMask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width =
            (1..MAX_BITS / 2).rev().map(|step| 2 * step).find(|&shift| self.0 > 1 << shift).map_or(2, |s| s + 2);
        write!(f, "{:0width$b}", self.0)
    }
}

/// Shows the node ids, e.g. `BitMask[0, 2]`.
impl fmt::Debug for BitMask {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BitMask")?;
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(bits: &[usize]) -> BitMask {
        BitMask::new(bits.iter().copied()).unwrap()
    }

    #[test]
    fn new_refuses_bits_outside_0_to_63_and_sets_nothing() {
        assert_eq!(BitMask::new([0, 64]), Err(BitOutOfRange { bit: 64 }));
        assert_eq!(BitMask::new([63]).unwrap().as_u64(), 1 << 63);
        assert_eq!(BitMask::new([]).unwrap(), BitMask::empty());
        assert_eq!(BitOutOfRange { bit: 70 }.to_string(), "bit number must be in range 0-63 (got 70)");
    }

    #[test]
    fn add_and_remove_of_bad_bits_leave_the_mask_unchanged() {
        let mut m = mask(&[]);
        assert!(m.add([1, 64]).is_err());
        assert_eq!(m.to_string(), "00");
        let mut m = mask(&[0]);
        assert!(m.remove([0, 64]).is_err());
        assert_eq!(m.to_string(), "01");
        m.add([1]).unwrap();
        m.remove([0]).unwrap();
        assert_eq!(m.get_bits(), [1]);
    }

    #[test]
    fn and_or_follow_upstream_table() {
        let cases: &[(&[&[usize]], &str)] = &[
            (&[&[0, 1], &[0, 1]], "11"),
            (&[&[0, 1], &[1]], "10"),
            (&[&[0], &[0, 1]], "01"),
            (&[&[0, 1], &[0, 1], &[1]], "10"),
            (&[&[0], &[0], &[1], &[0, 1]], "00"),
            (&[&[0, 1, 2, 3], &[1, 2, 3], &[2, 3], &[3]], "1000"),
        ];
        for (masks, expected) in cases {
            let masks: Vec<_> = masks.iter().map(|b| mask(b)).collect();
            assert_eq!(and(masks[0], &masks[1..]).to_string(), *expected);
        }
        assert_eq!(or(mask(&[0]), &[mask(&[])]).to_string(), "01");
        assert_eq!(or(mask(&[3]), &[mask(&[2]), mask(&[1]), mask(&[0])]).to_string(), "1111");
    }

    #[test]
    fn string_pads_as_upstream() {
        assert_eq!(mask(&[]).to_string(), "00");
        assert_eq!(mask(&[0]).to_string(), "01");
        assert_eq!(mask(&[1]).to_string(), "10");
        assert_eq!(mask(&[0, 1]).to_string(), "11");
        assert_eq!(mask(&[2]).to_string(), "100");
        assert_eq!(mask(&[0, 2]).to_string(), "0101");
        let mut full = BitMask::empty();
        full.fill();
        assert_eq!(full.to_string(), "1".repeat(64));
        full.clear();
        assert!(full.is_empty());
    }

    #[test]
    fn queries() {
        let m = mask(&[0, 2, 63]);
        assert!(m.is_set(63) && !m.is_set(1) && !m.is_set(64));
        assert!(m.any_set([1, 2]) && !m.any_set([1, 3, 99]));
        assert_eq!(m.count(), 3);
        assert_eq!(m.get_bits(), [0, 2, 63]);
        assert_eq!(format!("{m:?}"), "BitMask[0, 2, 63]");
        assert!(mask(&[0]).is_less_than(mask(&[1])) && mask(&[1]).is_greater_than(mask(&[0])));
    }

    #[test]
    fn narrower_means_fewer_bits_then_smaller_value() {
        assert!(mask(&[0]).is_narrower_than(&mask(&[0, 1])));
        assert!(!mask(&[0, 1]).is_narrower_than(&mask(&[0])));
        assert!(mask(&[0]).is_narrower_than(&mask(&[1])));
        assert!(!mask(&[1]).is_narrower_than(&mask(&[0])));
        assert!(mask(&[5]).is_narrower_than(&mask(&[0, 1])));
        assert!(!mask(&[3]).is_narrower_than(&mask(&[3])));
    }

    #[test]
    fn iterate_bit_masks_counts_and_order() {
        for (n, expected) in [(1, 1), (2, 3), (4, 15), (8, 255), (16, 65535)] {
            let bits: Vec<usize> = (0..n).collect();
            let mut calls = 0;
            iterate_bit_masks(&bits, |_| calls += 1).unwrap();
            assert_eq!(calls, expected);
        }
        let mut seen = Vec::new();
        iterate_bit_masks(&[3, 1, 5], |m| seen.push(m.as_u64())).unwrap();
        assert_eq!(seen, [0b1000, 0b10, 0b100000, 0b1010, 0b101000, 0b100010, 0b101010]);
        let mut none = 0;
        iterate_bit_masks(&[], |_| none += 1).unwrap();
        assert_eq!(none, 0);
        assert_eq!(iterate_bit_masks(&[0, 64], |_| panic!("called")), Err(BitOutOfRange { bit: 64 }));
    }
}
