//! MemoryQoS (KEP-2570, cgroup v2 with the `MemoryQoS` gate): `memory.min`
//! and `memory.high`.
//!
//! For a container the kubelet hands both to the runtime in the CRI `unified`
//! map; a pod cgroup gets only `memory.min` (the sum of its requests), written
//! by the kubelet itself; the QoS tiers get the sums of their pods' requests.
//!
//! ```
//! use nodecore::cgroups::memory_qos::memory_min;
//!
//! assert_eq!(memory_min(64 << 20), Some(("memory.min".to_owned(), (64 << 20).to_string())));
//! assert_eq!(memory_min(0), None);
//! ```

use std::collections::BTreeMap;

/// `memory.min`.
pub const MEMORY_MIN: &str = "memory.min";
/// `memory.high`.
pub const MEMORY_HIGH: &str = "memory.high";
/// The default `memoryThrottlingFactor`.
pub const DEFAULT_THROTTLING_FACTOR: f64 = 0.9;
/// The page size the kubelet rounds to on x86-64 (`getpagesize()`).
pub const DEFAULT_PAGE_SIZE: i64 = 4096;

/// The `memory.high` the kubelet sets for a container, or `None` when it
/// sets none.
///
/// Nothing is set when request equals limit (Guaranteed memory). The target
/// is the limit, or without a limit (`limit == 0`) the node's allocatable
/// memory when that is > 0. Then, in f64 without fused multiply-add as Go
/// evaluates it on x86-64:
/// `high = int64(floor(request + (target - request) * factor) / page_size) * page_size`,
/// set only when `high != 0 && high > request`.
///
/// ```
/// use nodecore::cgroups::memory_qos::{memory_high, DEFAULT_PAGE_SIZE, DEFAULT_THROTTLING_FACTOR};
///
/// let high = memory_high(128 << 20, 256 << 20, 0, DEFAULT_THROTTLING_FACTOR, DEFAULT_PAGE_SIZE);
/// assert_eq!(high, Some(255012864));
/// assert_eq!(memory_high(256 << 20, 256 << 20, 0, 0.9, 4096), None);
/// ```
pub fn memory_high(request: i64, limit: i64, node_allocatable: i64, factor: f64, page_size: i64) -> Option<i64> {
    if request == limit {
        return None;
    }
    let target = if limit != 0 {
        limit
    } else if node_allocatable > 0 {
        node_allocatable
    } else {
        return None;
    };
    let unrounded = (request as f64 + (target as f64 - request as f64) * factor).floor();
    let high = ((unrounded / page_size as f64) as i64).wrapping_mul(page_size);
    (high != 0 && high > request).then_some(high)
}

/// The MemoryQoS entries of a container's CRI `unified` map: `memory.min` =
/// the request when it is non-zero, and `memory.high` per [`memory_high`].
pub fn container_memory_qos(
    request: i64,
    limit: i64,
    node_allocatable: i64,
    factor: f64,
    page_size: i64,
) -> BTreeMap<String, String> {
    let mut unified = BTreeMap::new();
    if request != 0 {
        unified.insert(MEMORY_MIN.to_owned(), request.to_string());
    }
    if let Some(high) = memory_high(request, limit, node_allocatable, factor, page_size) {
        unified.insert(MEMORY_HIGH.to_owned(), high.to_string());
    }
    unified
}

/// The `memory.min` entry of a pod, QoS tier or reserved cgroup: the summed
/// memory requests, written only when > 0.
pub fn memory_min(requests: i64) -> Option<(String, String)> {
    (requests > 0).then(|| (MEMORY_MIN.to_owned(), requests.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_table_rows() {
        let high = |request, limit, allocatable| memory_high(request, limit, allocatable, 0.9, 4096);
        assert_eq!(high(104857600, 209715200, 0), Some(199229440));
        assert_eq!(high(67108864, 0, 8053063680), Some(7254466560));
        assert_eq!(high(100000000, 150000000, 0), Some(144998400));
        assert_eq!(high(67108864, 0, 0), None, "no limit and no allocatable");
        assert_eq!(high(4 << 30, 0, 2 << 30), None, "allocatable below the request");
    }

    #[test]
    fn container_entries() {
        let unified = container_memory_qos(128 << 20, 256 << 20, 0, 0.9, 4096);
        assert_eq!(unified["memory.min"], "134217728");
        assert_eq!(unified["memory.high"], "255012864");
        let guaranteed = container_memory_qos(256 << 20, 256 << 20, 0, 0.9, 4096);
        assert_eq!(guaranteed.len(), 1, "memory.min only");
        assert!(container_memory_qos(0, 0, 1 << 30, 0.9, 4096).is_empty());
        assert_eq!(memory_min(0), None);
        assert_eq!(memory_min(5), Some(("memory.min".to_owned(), "5".to_owned())));
    }
}
