//! Ranking pods for eviction (upstream `rankMemoryPressure`,
//! `rankPIDPressure`, `rankDiskPressureFunc`).
//!
//! Upstream sorts with a chain of comparators in which every key but the
//! last may decide:
//!
//! | signal | keys, in order |
//! |---|---|
//! | memory | exceeds its memory request (first), priority (low first), working set − request (large first) |
//! | filesystem | exceeds its request of the resource (first), priority, disk usage − ephemeral-storage request |
//! | PID | priority, process count (large first) |
//!
//! A pod without statistics ranks before every pod with statistics under the
//! memory and disk keys, and first within its priority under the PID key.
//! For inode signals the request compared is the inode request (always zero)
//! but the request subtracted is the ephemeral-storage request in bytes — an
//! upstream quirk kept on purpose.
//!
//! Here every pod's keys are computed once and packed into one `u128`, so
//! ranking 10 000 pods is a single integer sort (requests that are not whole
//! bytes, which upstream allows, take a slower exact path). Pods that tie on every key
//! keep the order they were given in; upstream's order for them follows the
//! kubelet's pod list (built from map iteration) and, above 12 pods, Go's
//! pdqsort, so it is not defined. With at most 12 pods upstream's sort is an
//! insertion sort, which keeps given order too.

use super::{FsLayout, Pod, PodStats, Resource, Signal};

const NANOS: i128 = 1_000_000_000;

/// The pods' positions in eviction order (first to evict first).
///
/// `stats_of` is upstream's `statsFunc`: a pod's statistics, or `None` when
/// the summary has no entry for it.
///
/// ```
/// use nodecore::eviction::{rank, FsLayout, Pod, PodStats, Quantity, Signal};
///
/// let guaranteed = Pod { memory_request: Quantity::binary_si(1 << 30), ..Pod::new("guaranteed") };
/// let best_effort = Pod { priority: Some(1000), ..Pod::new("best-effort") };
/// let working_set = |bytes| PodStats { memory_working_set_bytes: Some(bytes), ..PodStats::default() };
/// let stats = [working_set(900 << 20), working_set(1)];
/// let pods = [guaranteed, best_effort];
/// let order = rank(Signal::MemoryAvailable, FsLayout::SINGLE, &pods, |pod| {
///     pods.iter().position(|p| p.name == pod.name).map(|i| &stats[i])
/// });
/// // The best-effort pod exceeds its (zero) request, so it goes first despite its priority.
/// assert_eq!(order, [1, 0]);
/// ```
pub fn rank<'s, F>(signal: Signal, layout: FsLayout, pods: &[Pod], stats_of: F) -> Vec<usize>
where
    F: Fn(&Pod) -> Option<&'s PodStats>,
{
    let key = |(index, pod): (usize, &Pod)| SortKey::new(signal, layout, pod, stats_of(pod), index);
    let packed: Option<Vec<u128>> = pods.iter().enumerate().map(|pod| key(pod).packed()).collect();
    if let Some(mut packed) = packed {
        packed.sort_unstable();
        return packed.into_iter().map(|key| (key as u64 & INDEX_MASK) as usize).collect();
    }
    // Some request is not a whole number of units (or the list is huge): sort the wide keys.
    let mut keys: Vec<SortKey> = pods.iter().enumerate().map(key).collect();
    keys.sort_unstable();
    keys.into_iter().map(|key| key.index as usize).collect()
}

const INDEX_BITS: u32 = 30;
const INDEX_MASK: u64 = (1 << INDEX_BITS) - 1;

/// One pod's rank keys packed for an integer sort: `head` holds the
/// boolean keys and the priority, `tail` the negated amount (so larger
/// amounts sort first), `index` makes the order total and keeps ties in
/// the given order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct SortKey {
    head: u64,
    tail: i128,
    index: u64,
}

impl SortKey {
    fn new(signal: Signal, layout: FsLayout, pod: &Pod, stats: Option<&PodStats>, index: usize) -> Self {
        // Priority biased into 0..2^32 so that it sorts as an unsigned field.
        let priority = (i64::from(pod.priority()) - i64::from(i32::MIN)) as u64;
        let index = index as u64;
        if signal == Signal::PidAvailable {
            let (present, processes) = match stats {
                None => (0, 0),
                Some(stats) => (1, i128::from(stats.process_count.unwrap_or(0))),
            };
            return SortKey { head: priority << 1 | present, tail: -processes, index };
        }
        let Some(stats) = stats else {
            // Missing statistics: first, whatever the other keys say.
            return SortKey { head: priority, tail: 0, index };
        };
        let (usage, request, subtracted) = if signal.resource() == Resource::Memory {
            let request = pod.memory_request.nanos();
            (i128::from(stats.memory_working_set_bytes.unwrap_or(0)) * NANOS, request, request)
        } else {
            let (bytes, inodes) = stats.disk_usage(layout.stats_measured(signal).unwrap_or_default());
            let ephemeral = pod.ephemeral_storage_request.nanos();
            match signal.resource() {
                Resource::Inodes => (saturate(inodes) * NANOS, 0, ephemeral),
                _ => (saturate(bytes) * NANOS, ephemeral, ephemeral),
            }
        };
        let within_request = u64::from(usage <= request);
        SortKey { head: 1 << 33 | within_request << 32 | priority, tail: subtracted - usage, index }
    }
}

impl SortKey {
    /// The key in one `u128` that orders as the fields do: `head` (under
    /// 2^34) in the top bits, then the tail in whole units biased into 64
    /// bits, then the index in 30 bits. `None` when the tail is not a whole
    /// number of units in `i64` range, or the index does not fit.
    fn packed(&self) -> Option<u128> {
        if self.index > INDEX_MASK || self.tail % NANOS != 0 {
            return None;
        }
        let units = i64::try_from(self.tail / NANOS).ok()?;
        let biased = (units as u64) ^ (1 << 63);
        Some(u128::from(self.head) << (64 + INDEX_BITS) | u128::from(biased) << INDEX_BITS | u128::from(self.index))
    }
}

/// Usage sums fit `i64` upstream (they are int64 quantities); anything
/// larger cannot occur and is clamped so the nano-unit product cannot overflow.
fn saturate(value: u128) -> i128 {
    value.min(i64::MAX as u128) as i128
}

#[cfg(test)]
mod tests;
