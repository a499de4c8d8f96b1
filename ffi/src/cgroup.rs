//! cgroup names and values (`nodecore::cgroups`): cgroupfs and systemd
//! paths of kubelet cgroup names, the pod cgroup layout, and the CPU,
//! memory and swap conversions the kubelet writes into cgroup files.
//!
//! Everything here is a pure function of its arguments: safe to call from
//! any number of threads.

use std::ffi::c_char;

use nodecore::cgroups::convert::{
    cpu_shares_to_weight_linear, cpu_shares_to_weight_quadratic, cpu_weight_to_shares, milli_cpu_to_quota,
    milli_cpu_to_shares,
};
use nodecore::cgroups::memory_qos::memory_high;
use nodecore::cgroups::swap::{ContainerSwapInput, SwapBehavior, SwapSetting, container_swap, limited_swap_bytes};
use nodecore::cgroups::{CgroupLayout, CgroupName, CgroupVersion, Driver, QosClass};

use crate::arg;
use crate::error::{Error, nodecore_error};
use crate::panic::ffi_boundary;
use crate::pod::nodecore_qos_class;
use crate::span::nodecore_span;
use crate::status::nodecore_status;

/// The kubelet's `--cgroup-driver`: one of the `NODECORE_CGROUP_DRIVER_*`
/// values.
pub type nodecore_cgroup_driver = u32;

/// `cgroupfs`: a name's components joined with `/`.
pub const NODECORE_CGROUP_DRIVER_CGROUPFS: nodecore_cgroup_driver = 0;
/// `systemd`: a name's components as nested `.slice` units.
pub const NODECORE_CGROUP_DRIVER_SYSTEMD: nodecore_cgroup_driver = 1;

const DRIVERS: [Driver; 2] = [Driver::Cgroupfs, Driver::Systemd];

/// The QoS classes of `nodecore_qos_class` in the cgroup layout's terms.
const QOS_CLASSES: [QosClass; 3] = [QosClass::Guaranteed, QosClass::Burstable, QosClass::BestEffort];

/// Writes the literal path of a cgroup name under `driver` (the kubelet's
/// `CgroupName.ToCgroupfs` / `ToSystemd`) into `(buf, cap)` with a NUL, its
/// length in `*out_len` (the buffer protocol of `nodecore_cpuset_format`).
///
/// The name is its components, outermost first: `components` holds
/// `components_len` spans of `text`. `[kubepods, burstable, pod1234]` is
/// `/kubepods/burstable/pod1234` with cgroupfs and
/// `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1234.slice`
/// with systemd. A component holding `/` or `_` is refused as upstream's
/// `NewCgroupName` refuses it, and so are `.`, `..` and NUL
/// (`NODECORE_STATUS_INVALID_NAME`); systemd refuses empty components.
///
/// # Safety
/// `text` is valid for reading `text_len` bytes and `components` for
/// `components_len` spans; `buf` for writing `cap` bytes; `out_len` for
/// writing one `size_t`; `err` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_cgroup_name_to_path(
    text: *const c_char,
    text_len: usize,
    components: *const nodecore_span,
    components_len: usize,
    driver: nodecore_cgroup_driver,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let text = unsafe { arg::text(text, text_len, "text") }?;
        // SAFETY: forwarded contract.
        let spans = unsafe { arg::array(components, components_len, "components") }?;
        let driver = arg::choice(driver, &DRIVERS, "driver")?;
        let parts = spans
            .iter()
            .enumerate()
            .map(|(i, span)| span.text(text, format_args!("components[{i}]")))
            .collect::<Result<Vec<&str>, Error>>()?;
        let path = driver.name(&CgroupName::new(parts)?)?;
        // SAFETY: forwarded contract.
        unsafe { arg::fill_text(buf, cap, &path, out_len) }
    )
}

/// Converts a literal cgroup path from one driver's form to another's: the
/// path is read as the kubelet reads it under `from`
/// (`ParseCgroupfsToCgroupName`, `ParseSystemdToCgroupName`: for systemd
/// only the last path element counts) and written under `to`, with the
/// buffer protocol. `/kubepods/burstable` (cgroupfs) is
/// `/kubepods.slice/kubepods-burstable.slice` (systemd), and back.
///
/// # Safety
/// `path` is valid for reading `len` bytes; `buf`, `out_len` and `err` as
/// for `nodecore_cgroup_name_to_path`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_cgroup_path_convert(
    path: *const c_char,
    len: usize,
    from: nodecore_cgroup_driver,
    to: nodecore_cgroup_driver,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let path = unsafe { arg::text(path, len, "path") }?;
        let from = arg::choice(from, &DRIVERS, "from")?;
        let to = arg::choice(to, &DRIVERS, "to")?;
        let converted = to.name(&from.parse(path)?)?;
        // SAFETY: forwarded contract.
        unsafe { arg::fill_text(buf, cap, &converted, out_len) }
    )
}

/// The path of a pod's cgroup under `driver`, in the kubelet's layout for
/// `--cgroup-root` (`cgroup_root`, cgroupfs form, length 0 for `/`) and
/// `--cgroups-per-qos`: `<root>/kubepods[/burstable|/besteffort]/pod<uid>`
/// (without per-QoS cgroups, the root itself), with the buffer protocol.
/// A UID other than ASCII letters, digits and `-`, or one containing `pod`,
/// is `NODECORE_STATUS_INVALID_NAME`.
///
/// # Safety
/// `cgroup_root` and `pod_uid` are valid for reading their lengths; `buf`,
/// `out_len` and `err` as for `nodecore_cgroup_name_to_path`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_cgroup_pod_path(
    cgroup_root: *const c_char,
    cgroup_root_len: usize,
    cgroups_per_qos: bool,
    qos: nodecore_qos_class,
    pod_uid: *const c_char,
    pod_uid_len: usize,
    driver: nodecore_cgroup_driver,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let root = unsafe { arg::text(cgroup_root, cgroup_root_len, "cgroup_root") }?;
        // SAFETY: forwarded contract.
        let uid = unsafe { arg::text(pod_uid, pod_uid_len, "pod_uid") }?;
        let qos = arg::choice(qos, &QOS_CLASSES, "qos")?;
        let driver = arg::choice(driver, &DRIVERS, "driver")?;
        let layout = CgroupLayout::new(if root.is_empty() { "/" } else { root }, cgroups_per_qos)?;
        let path = driver.name(&layout.pod_cgroup(qos, uid)?)?;
        // SAFETY: forwarded contract.
        unsafe { arg::fill_text(buf, cap, &path, out_len) }
    )
}

/// `cpu.shares` for a CPU request in millicores (the kubelet's
/// `MilliCPUToShares`): 2 for none, else `milli * 1024 / 1000` clamped to
/// 2..262144.
#[unsafe(no_mangle)]
pub extern "C" fn nodecore_cgroup_milli_cpu_to_shares(milli_cpu: i64) -> u64 {
    ffi_boundary! { milli_cpu_to_shares(milli_cpu) }
}

/// The CFS quota in µs for a CPU limit in millicores over `period` µs (the
/// kubelet's `MilliCPUToQuota`; the kubelet's period is 100000): 0 for no
/// limit, else `milli * period / 1000`, at least 1000.
#[unsafe(no_mangle)]
pub extern "C" fn nodecore_cgroup_milli_cpu_to_quota(milli_cpu: i64, period: u64) -> i64 {
    ffi_boundary! { milli_cpu_to_quota(milli_cpu, period) }
}

/// The kubelet's cgroup v2 `cpu.weight` for `shares` (its linear
/// `getCPUWeight`, used for kubepods, QoS and pod cgroups).
#[unsafe(no_mangle)]
pub extern "C" fn nodecore_cgroup_cpu_shares_to_weight_linear(shares: u64) -> u64 {
    ffi_boundary! { cpu_shares_to_weight_linear(shares) }
}

/// The OCI runtimes' cgroup v2 `cpu.weight` for `shares` (the quadratic
/// conversion of runc 1.3.2 and later, used for container cgroups).
#[unsafe(no_mangle)]
pub extern "C" fn nodecore_cgroup_cpu_shares_to_weight_quadratic(shares: u64) -> u64 {
    ffi_boundary! { cpu_shares_to_weight_quadratic(shares) }
}

/// `cpu.weight` read back as shares (the kubelet's `CPUWeightToCPUShares`).
#[unsafe(no_mangle)]
pub extern "C" fn nodecore_cgroup_cpu_weight_to_shares(weight: u64) -> u64 {
    ffi_boundary! { cpu_weight_to_shares(weight) }
}

/// The `memory.high` the kubelet sets for a container under MemoryQoS, or
/// 0 when it sets none (it never sets 0). `limit` 0 means no limit;
/// `node_allocatable` is the node's allocatable memory (the target without
/// a limit); the kubelet's defaults are `factor` 0.9 and `page_size` 4096.
#[unsafe(no_mangle)]
pub extern "C" fn nodecore_cgroup_memory_high(
    request: i64,
    limit: i64,
    node_allocatable: i64,
    factor: f64,
    page_size: i64,
) -> i64 {
    ffi_boundary! { memory_high(request, limit, node_allocatable, factor, page_size).unwrap_or(0) }
}

/// A cgroup version: `NODECORE_CGROUP_V1` or `NODECORE_CGROUP_V2` (a hybrid
/// host is v1 to the kubelet).
pub type nodecore_cgroup_version = u32;

/// cgroup v1.
pub const NODECORE_CGROUP_V1: nodecore_cgroup_version = 1;
/// cgroup v2 (the unified hierarchy).
pub const NODECORE_CGROUP_V2: nodecore_cgroup_version = 2;

/// The kubelet's `memorySwap.swapBehavior`: one of the `NODECORE_SWAP_*`
/// behaviours.
pub type nodecore_swap_behavior = u32;

/// `NoSwap` (also the empty setting): no container gets swap.
pub const NODECORE_SWAP_NO_SWAP: nodecore_swap_behavior = 0;
/// `LimitedSwap`: Burstable containers get swap in proportion to their
/// memory request.
pub const NODECORE_SWAP_LIMITED_SWAP: nodecore_swap_behavior = 1;

/// What the kubelet knows about one container when it configures swap
/// (`configureContainerSwapResources`). Memory amounts are bytes, 0 when
/// unset.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct nodecore_container_swap_input {
    pub cgroup_version: nodecore_cgroup_version,
    /// Whether the host can limit swap (v1: `memory.memsw.limit_in_bytes`,
    /// v2: `memory.swap.max`).
    pub swap_controller: bool,
    pub swap_behavior: nodecore_swap_behavior,
    /// The `NodeSwap` feature gate.
    pub node_swap_gate: bool,
    pub qos: nodecore_qos_class,
    /// `IsCriticalPod`: static, mirror, or priority of 2000000000 or more.
    pub critical: bool,
    pub memory_request: i64,
    pub memory_limit: i64,
    /// cAdvisor's `MemoryCapacity` and `SwapCapacity`.
    pub node_memory: i64,
    pub node_swap: i64,
}

/// What the kubelet puts in a container's resources for swap: one of the
/// `NODECORE_SWAP_SETTING_*` values.
pub type nodecore_swap_setting_kind = u32;

/// Nothing: the host has no swap controller.
pub const NODECORE_SWAP_SETTING_NOT_CONFIGURED: nodecore_swap_setting_kind = 0;
/// cgroup v2: `memory.swap.max` = `swap_max` bytes (0: no swap).
pub const NODECORE_SWAP_SETTING_SWAP_MAX: nodecore_swap_setting_kind = 1;
/// cgroup v1 without swap: the memory+swap limit equals the memory limit.
pub const NODECORE_SWAP_SETTING_MEMSW_EQUALS_MEMORY_LIMIT: nodecore_swap_setting_kind = 2;

/// A container's swap setting: `kind`, and `swap_max` for
/// `NODECORE_SWAP_SETTING_SWAP_MAX` (0 otherwise).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct nodecore_swap_setting {
    pub kind: nodecore_swap_setting_kind,
    pub swap_max: i64,
}

/// The swap setting of one container, as `configureContainerSwapResources`
/// decides it, stored in `*out`. No swap unless the gate is on, the pod is
/// not critical, `LimitedSwap`, Burstable, with a memory request or limit,
/// request and limit differ, cgroup v2, and the proportional share is
/// computable.
///
/// # Safety
/// `input` is NULL or valid for reading one input; `out` for writing one
/// setting; `err` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_cgroup_container_swap(
    input: *const nodecore_container_swap_input,
    out: *mut nodecore_swap_setting,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let input = unsafe { input.as_ref() }.ok_or_else(|| Error::null_argument("input"))?;
        // SAFETY: forwarded contract.
        let out = unsafe { arg::out_value(out, "out") }?;
        let version = match input.cgroup_version {
            NODECORE_CGROUP_V1 => CgroupVersion::V1,
            NODECORE_CGROUP_V2 => CgroupVersion::V2,
            other => {
                return Err(Error::invalid_argument(format!("input.cgroup_version is {other}; it is 1 or 2")));
            }
        };
        let container = ContainerSwapInput {
            behavior: arg::choice(input.swap_behavior, &[SwapBehavior::NoSwap, SwapBehavior::LimitedSwap], "input.swap_behavior")?,
            node_swap_gate: input.node_swap_gate,
            qos: arg::choice(input.qos, &QOS_CLASSES, "input.qos")?,
            critical: input.critical,
            memory_request: input.memory_request,
            memory_limit: input.memory_limit,
            node_memory: input.node_memory,
            node_swap: input.node_swap,
        };
        *out = match container_swap(version, input.swap_controller, &container) {
            SwapSetting::NotConfigured => nodecore_swap_setting { kind: NODECORE_SWAP_SETTING_NOT_CONFIGURED, swap_max: 0 },
            SwapSetting::SwapMax(bytes) => nodecore_swap_setting { kind: NODECORE_SWAP_SETTING_SWAP_MAX, swap_max: bytes },
            SwapSetting::MemswEqualsMemoryLimit => {
                nodecore_swap_setting { kind: NODECORE_SWAP_SETTING_MEMSW_EQUALS_MEMORY_LIMIT, swap_max: 0 }
            }
        };
        Ok(())
    )
}

/// LimitedSwap's share of the node's swap for a container's memory request
/// (the kubelet's `calcSwapForBurstablePods`), in `*out`:
/// `int64(request / node_memory * node_swap)` in float64.
/// `NODECORE_STATUS_INVALID_CONFIGURATION` when node memory is not positive
/// or the request exceeds it.
///
/// # Safety
/// `out` is valid for writing one `int64_t`; `err` is NULL or valid for
/// writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_cgroup_limited_swap_bytes(
    memory_request: i64,
    node_memory: i64,
    node_swap: i64,
    out: *mut i64,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let out = unsafe { arg::out_value(out, "out") }?;
        *out = limited_swap_bytes(memory_request, node_memory, node_swap)?;
        Ok(())
    )
}

#[cfg(test)]
mod tests;
