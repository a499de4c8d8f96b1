//! Node-pressure eviction (`nodecore::eviction`): the kubelet's eviction
//! thresholds from its configuration, and the order in which it evicts
//! pods under pressure on a signal, for a whole node's pods in one call.
//!
//! Pure functions of their arguments: safe to call from any number of
//! threads.

use std::collections::BTreeMap;
use std::ffi::{CStr, c_char};

use nodecore::eviction::{
    ContainerKind, ContainerRequests, EvictionConfig, FsLayout, FsUsage, Pod, PodStats, Quantity, Resources, Signal,
    Threshold, ThresholdValue, pod_requests, rank,
};
use serde::Deserialize;

use crate::arg;
use crate::error::{Error, nodecore_error};
use crate::panic::ffi_boundary;
use crate::status::nodecore_status;

/// An eviction signal: one of the `NODECORE_SIGNAL_*` values, in the
/// kubelet's order.
pub type nodecore_eviction_signal = u32;

/// `memory.available`
pub const NODECORE_SIGNAL_MEMORY_AVAILABLE: nodecore_eviction_signal = 0;
/// `allocatableMemory.available`
pub const NODECORE_SIGNAL_ALLOCATABLE_MEMORY_AVAILABLE: nodecore_eviction_signal = 1;
/// `nodefs.available`
pub const NODECORE_SIGNAL_NODEFS_AVAILABLE: nodecore_eviction_signal = 2;
/// `nodefs.inodesFree`
pub const NODECORE_SIGNAL_NODEFS_INODES_FREE: nodecore_eviction_signal = 3;
/// `imagefs.available`
pub const NODECORE_SIGNAL_IMAGEFS_AVAILABLE: nodecore_eviction_signal = 4;
/// `imagefs.inodesFree`
pub const NODECORE_SIGNAL_IMAGEFS_INODES_FREE: nodecore_eviction_signal = 5;
/// `containerfs.available`
pub const NODECORE_SIGNAL_CONTAINERFS_AVAILABLE: nodecore_eviction_signal = 6;
/// `containerfs.inodesFree`
pub const NODECORE_SIGNAL_CONTAINERFS_INODES_FREE: nodecore_eviction_signal = 7;
/// `pid.available`
pub const NODECORE_SIGNAL_PID_AVAILABLE: nodecore_eviction_signal = 8;

// The constants are the library's order.
const _: () = assert!(Signal::ALL.len() == NODECORE_SIGNAL_PID_AVAILABLE as usize + 1);

/// Each signal's name as a C string, in constant order.
const SIGNAL_NAMES: [&CStr; 9] = [
    c"memory.available",
    c"allocatableMemory.available",
    c"nodefs.available",
    c"nodefs.inodesFree",
    c"imagefs.available",
    c"imagefs.inodesFree",
    c"containerfs.available",
    c"containerfs.inodesFree",
    c"pid.available",
];

fn signal_code(signal: Signal) -> nodecore_eviction_signal {
    Signal::ALL.iter().position(|s| *s == signal).map_or(0, |i| i as nodecore_eviction_signal)
}

/// The kubelet's name of a signal (`"memory.available"`), static, never
/// freed; NULL for an unknown value.
#[unsafe(no_mangle)]
pub extern "C" fn nodecore_eviction_signal_name(signal: nodecore_eviction_signal) -> *const c_char {
    ffi_boundary! {
        usize::try_from(signal).ok().and_then(|i| SIGNAL_NAMES.get(i)).map_or(std::ptr::null(), |name| name.as_ptr())
    }
}

/// The signal the kubelet calls `name`, in `*out`;
/// `NODECORE_STATUS_INVALID_THRESHOLD` ("unsupported eviction signal") for
/// a name that is not one of the nine.
///
/// # Safety
/// `name` is valid for reading `len` bytes; `out` for writing one value;
/// `err` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_eviction_signal_from_name(
    name: *const c_char,
    len: usize,
    out: *mut nodecore_eviction_signal,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let out = unsafe { arg::out_value(out, "out") }?;
        // SAFETY: forwarded contract.
        let name = unsafe { arg::text(name, len, "name") }?;
        let signal = Signal::from_name(name)
            .ok_or_else(|| nodecore::eviction::Error::UnsupportedSignal(name.to_owned()))?;
        *out = signal_code(signal);
        Ok(())
    )
}

/// A threshold value: an absolute quantity (`quantity`, in the signal's
/// unit: bytes, inodes or PIDs, rounded up as `Quantity.Value()`), or, when
/// `is_percentage`, a fraction of capacity kept in float32 as the kubelet
/// keeps it (`percentage`, `0.1` for `10%`).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct nodecore_threshold_value {
    pub is_percentage: bool,
    pub quantity: i64,
    pub percentage: f32,
}

impl From<ThresholdValue> for nodecore_threshold_value {
    fn from(value: ThresholdValue) -> Self {
        match value {
            ThresholdValue::Quantity(q) => {
                nodecore_threshold_value { is_percentage: false, quantity: q.value(), percentage: 0.0 }
            }
            ThresholdValue::Percentage(p) => {
                nodecore_threshold_value { is_percentage: true, quantity: 0, percentage: p }
            }
        }
    }
}

/// One eviction threshold: `signal` below `value`, held for
/// `grace_period_ns` (0 for a hard threshold), reclaiming `min_reclaim`
/// more when `has_min_reclaim`.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct nodecore_threshold {
    pub signal: nodecore_eviction_signal,
    pub value: nodecore_threshold_value,
    pub grace_period_ns: u64,
    pub has_min_reclaim: bool,
    pub min_reclaim: nodecore_threshold_value,
}

impl From<&Threshold> for nodecore_threshold {
    fn from(threshold: &Threshold) -> Self {
        nodecore_threshold {
            signal: signal_code(threshold.signal),
            value: threshold.value.into(),
            grace_period_ns: u64::try_from(threshold.grace_period.as_nanos()).unwrap_or(u64::MAX),
            has_min_reclaim: threshold.min_reclaim.is_some(),
            min_reclaim: threshold.min_reclaim.map(Into::into).unwrap_or_default(),
        }
    }
}

/// The eviction fields of the KubeletConfiguration, by their names there.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct Config {
    #[serde(default)]
    eviction_hard: Option<BTreeMap<String, String>>,
    #[serde(default)]
    eviction_soft: Option<BTreeMap<String, String>>,
    #[serde(default)]
    eviction_soft_grace_period: Option<BTreeMap<String, String>>,
    #[serde(default)]
    eviction_minimum_reclaim: Option<BTreeMap<String, String>>,
    #[serde(default)]
    enforce_node_allocatable: Option<Vec<String>>,
}

/// The thresholds a kubelet configuration sets (the kubelet's
/// `ParseThresholdConfig`, with the allocatable copies when
/// `enforceNodeAllocatable` holds `pods`), written into `buf` of capacity
/// `cap` with their number in `*out_len` (the buffer protocol).
///
/// `config_json` holds the configuration's eviction fields by their
/// KubeletConfiguration names, each optional:
/// `{"evictionHard": {"memory.available": "100Mi"}, "evictionSoft": {...},
/// "evictionSoftGracePeriod": {"memory.available": "1m30s"},
/// "evictionMinimumReclaim": {...}, "enforceNodeAllocatable": ["pods"]}`.
/// No default is applied: pass the values the kubelet runs with (its Linux
/// `evictionHard` default is `memory.available: 100Mi, nodefs.available:
/// 10%, nodefs.inodesFree: 5%, imagefs.available: 15%, imagefs.inodesFree:
/// 5%`). The order is hard thresholds by signal name, soft ones by signal
/// name, then the allocatable copies.
///
/// Errors: `NODECORE_STATUS_INVALID_THRESHOLD` with the kubelet's message,
/// `NODECORE_STATUS_INVALID_INPUT` for JSON of another shape.
///
/// # Safety
/// `config_json` is valid for reading `len` bytes; `buf` for writing `cap`
/// thresholds; `out_len` for writing one `size_t`; `err` is NULL or valid
/// for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_eviction_thresholds(
    config_json: *const c_char,
    len: usize,
    buf: *mut nodecore_threshold,
    cap: usize,
    out_len: *mut usize,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let json = unsafe { arg::text(config_json, len, "config_json") }?;
        let config: Config = serde_json::from_str(json)
            .map_err(|e| Error::of_kind("invalid-input", format!("the eviction configuration: {e}")))?;
        let config = EvictionConfig {
            eviction_hard: config.eviction_hard.unwrap_or_default(),
            eviction_soft: config.eviction_soft.unwrap_or_default(),
            eviction_soft_grace_period: config.eviction_soft_grace_period.unwrap_or_default(),
            eviction_minimum_reclaim: config.eviction_minimum_reclaim.unwrap_or_default(),
            enforce_node_allocatable: config.enforce_node_allocatable.unwrap_or_default(),
        };
        let thresholds: Vec<nodecore_threshold> = config.thresholds()?.iter().map(Into::into).collect();
        // SAFETY: forwarded contract.
        unsafe { arg::fill(buf, cap, &thresholds, 0, out_len) }
    )
}

/// Where a container sits in a pod spec: one of the `NODECORE_CONTAINER_*`
/// values.
pub type nodecore_container_kind = u32;

/// `spec.containers`.
pub const NODECORE_CONTAINER_REGULAR: nodecore_container_kind = 0;
/// `spec.initContainers` without `restartPolicy: Always`.
pub const NODECORE_CONTAINER_INIT: nodecore_container_kind = 1;
/// `spec.initContainers` with `restartPolicy: Always` (a sidecar).
pub const NODECORE_CONTAINER_SIDECAR: nodecore_container_kind = 2;

/// One container's (or the pod overhead's) requests of the resources
/// eviction ranks by, in whole bytes; each counts only when its `has_` flag
/// is set (a missing key is not a zero request). `kind` is ignored for the
/// overhead.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct nodecore_container_requests {
    pub kind: nodecore_container_kind,
    pub has_memory: bool,
    pub memory: i64,
    pub has_ephemeral_storage: bool,
    pub ephemeral_storage: i64,
}

impl nodecore_container_requests {
    fn resources(&self) -> Resources {
        Resources {
            memory: self.has_memory.then(|| Quantity::binary_si(self.memory)),
            ephemeral_storage: self.has_ephemeral_storage.then(|| Quantity::binary_si(self.ephemeral_storage)),
        }
    }
}

/// A pod's effective memory and ephemeral-storage requests as eviction
/// ranking uses them (Kubernetes 1.31): regular containers summed, raised
/// to any larger init or sidecar container's request, plus the overhead
/// only when that total is not zero; 0 for none. These are the
/// `nodecore_pod_stats` request fields.
///
/// # Safety
/// `containers` is valid for reading `containers_len` records; `overhead`
/// is NULL (no overhead) or valid for one record; `memory` and
/// `ephemeral_storage` for writing one value each; `err` is NULL or valid
/// for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_eviction_pod_requests(
    containers: *const nodecore_container_requests,
    containers_len: usize,
    overhead: *const nodecore_container_requests,
    memory: *mut i64,
    ephemeral_storage: *mut i64,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let records = unsafe { arg::array(containers, containers_len, "containers") }?;
        // SAFETY: forwarded contract.
        let memory = unsafe { arg::out_value(memory, "memory") }?;
        // SAFETY: forwarded contract.
        let ephemeral_storage = unsafe { arg::out_value(ephemeral_storage, "ephemeral_storage") }?;
        let kinds = [ContainerKind::Regular, ContainerKind::Init, ContainerKind::Sidecar];
        let containers = records
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let kind = arg::choice(r.kind, &kinds, &format!("containers[{i}].kind"))?;
                Ok(ContainerRequests { kind, requests: r.resources() })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        // SAFETY: forwarded contract.
        let overhead = unsafe { overhead.as_ref() }.map(nodecore_container_requests::resources).unwrap_or_default();
        let requests = pod_requests(&containers, &overhead);
        *memory = requests.memory.map_or(0, |q| q.value());
        *ephemeral_storage = requests.ephemeral_storage.map_or(0, |q| q.value());
        Ok(())
    )
}

/// What eviction ranking reads about one pod: its priority and requests
/// from the spec, and its usage from the stats summary.
///
/// - `memory_request`, `ephemeral_storage_request`: the pod's effective
///   requests in whole bytes (the kubelet's pod requests: regular
///   containers summed, raised to the largest init container, plus
///   overhead), 0 for none.
/// - `has_stats`: false when the summary has no entry for the pod (such a
///   pod ranks first); the usage fields are then ignored.
/// - `memory_working_set_bytes` when `has_memory_working_set`;
///   the bytes and inodes used by the pod's container root filesystems,
///   logs and local volumes; `process_count` when `has_process_count`.
/// - `priority`: `spec.priority`, 0 when unset.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct nodecore_pod_stats {
    pub memory_request: i64,
    pub ephemeral_storage_request: i64,
    pub memory_working_set_bytes: u64,
    pub rootfs_used_bytes: u64,
    pub rootfs_inodes_used: u64,
    pub logs_used_bytes: u64,
    pub logs_inodes_used: u64,
    pub volumes_used_bytes: u64,
    pub volumes_inodes_used: u64,
    pub process_count: u64,
    pub priority: i32,
    pub has_stats: bool,
    pub has_memory_working_set: bool,
    pub has_process_count: bool,
}

fn usage(bytes: u64, inodes: u64) -> FsUsage {
    FsUsage { used_bytes: bytes, inodes_used: inodes }
}

/// Ranks pods for eviction under pressure on `signal` as the kubelet does
/// (`rankMemoryPressure`, `rankDiskPressureFunc`, `rankPIDPressure`) and
/// writes the order, first to evict first, as indexes into `pods` into
/// `order` of capacity `cap`, with their number (`pods_len`) in `*out_len`.
/// Pods that tie on every key keep their given order.
///
/// `dedicated_image_fs` and `split_container_fs` describe the node's
/// filesystems (an image filesystem of its own; writable layers on it),
/// which decide what disk usage counts for each disk signal.
///
/// # Safety
/// `pods` is valid for reading `pods_len` records; `order` for writing
/// `cap` indexes; `out_len` for writing one `size_t`; `err` is NULL or
/// valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_eviction_rank(
    signal: nodecore_eviction_signal,
    dedicated_image_fs: bool,
    split_container_fs: bool,
    pods: *const nodecore_pod_stats,
    pods_len: usize,
    order: *mut usize,
    cap: usize,
    out_len: *mut usize,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        let signal = arg::choice(signal, &Signal::ALL, "signal")?;
        // SAFETY: forwarded contract.
        let records = unsafe { arg::array(pods, pods_len, "pods") }?;
        let layout = FsLayout { dedicated_image_fs, split_container_fs };
        let pods: Vec<Pod> = records
            .iter()
            .map(|r| Pod {
                priority: Some(r.priority),
                memory_request: Quantity::binary_si(r.memory_request),
                ephemeral_storage_request: Quantity::binary_si(r.ephemeral_storage_request),
                ..Pod::default()
            })
            .collect();
        let stats: Vec<Option<PodStats>> = records
            .iter()
            .map(|r| {
                r.has_stats.then(|| PodStats {
                    memory_working_set_bytes: r.has_memory_working_set.then_some(r.memory_working_set_bytes),
                    rootfs: usage(r.rootfs_used_bytes, r.rootfs_inodes_used),
                    logs: usage(r.logs_used_bytes, r.logs_inodes_used),
                    local_volumes: usage(r.volumes_used_bytes, r.volumes_inodes_used),
                    process_count: r.has_process_count.then_some(r.process_count),
                })
            })
            .collect();
        // `rank` hands back pods by reference; their index is their place in `pods`.
        let base = pods.as_ptr().addr();
        let ranked = rank(signal, layout, &pods, |pod| {
            stats[(std::ptr::from_ref(pod).addr() - base) / size_of::<Pod>()].as_ref()
        });
        // SAFETY: forwarded contract.
        unsafe { arg::fill(order, cap, &ranked, 0, out_len) }
    )
}

#[cfg(test)]
mod tests;
