//! The CPU manager's static policy with its state
//! (`nodecore::cpumanager::StaticPolicy` and `state::State`): an opaque
//! handle that allocates and releases exclusive CPUs for containers, gives
//! their topology hints, and keeps the assignments in memory or in the
//! kubelet's checkpoint file. Plus `nodecore_cpu_take`, the policy's CPU
//! selection on its own.
//!
//! The handle is internally synchronised: every function but
//! `nodecore_static_policy_free` takes a `const` pointer and may run
//! concurrently with the others on the same handle. Changes are serialised
//! inside, each one a transaction (no CPU is ever handed out twice; a
//! failed checkpoint write changes nothing).

use std::collections::BTreeMap;
use std::ffi::c_char;

use nodecore::cpumanager::state::State;
use nodecore::cpumanager::{self, PolicyOptionGates, StaticPolicy, StaticPolicyOptions};
use nodecore::cpuset::CpuSet;

use crate::cpuset::nodecore_cpuset;
use crate::error::{Error, nodecore_error};
use crate::hint::{self, nodecore_hint};
use crate::panic::ffi_boundary;
use crate::pod::{self, PodArgs, nodecore_container, nodecore_pod};
use crate::status::nodecore_status;
use crate::topology::nodecore_topology;
use crate::{arg, handle, string};

/// The kubelet feature gates that unlock CPU manager policy options by
/// maturity: a combination of the `NODECORE_CPU_OPTION_GATE_*` bits.
pub type nodecore_cpu_option_gates = u32;

/// `CPUManagerPolicyAlphaOptions` (the kubelet's default: off).
pub const NODECORE_CPU_OPTION_GATE_ALPHA: nodecore_cpu_option_gates = 1;
/// `CPUManagerPolicyBetaOptions` (the kubelet's default: on).
pub const NODECORE_CPU_OPTION_GATE_BETA: nodecore_cpu_option_gates = 2;
/// The kubelet's default gates: beta options on, alpha options off.
pub const NODECORE_CPU_OPTION_GATES_DEFAULT: nodecore_cpu_option_gates = 2;

// The header's bits are the library's.
const _: () = assert!(NODECORE_CPU_OPTION_GATE_ALPHA as u8 == PolicyOptionGates::ALPHA_OPTIONS.bits());
const _: () = assert!(NODECORE_CPU_OPTION_GATE_BETA as u8 == PolicyOptionGates::BETA_OPTIONS.bits());

/// The checkpoint file name the kubelet uses.
const DEFAULT_STATE_FILE: &str = "cpu_manager_state";

/// How to build a static policy; filled by the caller.
///
/// - `size`: `sizeof(nodecore_static_policy_config)`.
/// - `topology`: the machine (borrowed for the call; the policy keeps a copy).
/// - `reserved_cpus`, `num_reserved_cpus`: the kubelet's `--reserved-cpus`
///   (NULL or an empty set when not given) and the number of reserved CPUs
///   (from `--kube-reserved`/`--system-reserved`). Without explicit CPUs the
///   policy picks `num_reserved_cpus` CPUs as the kubelet does; with them,
///   their number must equal `num_reserved_cpus`.
/// - `options_json`: the kubelet's `cpuManagerPolicyOptions` as a JSON
///   object of strings, `{"full-pcpus-only": "true"}` (length 0: none).
/// - `option_gates`: which option maturities are enabled
///   (`NODECORE_CPU_OPTION_GATES_DEFAULT` for the kubelet's defaults).
/// - `topology_manager_policy`: the kubelet's `--topology-manager-policy`
///   (length 0: `"none"`), which `align-by-socket` is checked against.
/// - `state_dir`, `state_file`: where the kubelet-compatible checkpoint
///   lives (normally `/var/lib/kubelet` and `cpu_manager_state`; a
///   `state_file` of length 0 is `cpu_manager_state`). A `state_dir` of
///   length 0 keeps the state in memory only.
///
/// Text fields are UTF-8 `(pointer, length)` pairs; a pointer may be NULL
/// when its length is 0.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct nodecore_static_policy_config {
    pub size: usize,
    pub topology: *const nodecore_topology,
    pub reserved_cpus: *const nodecore_cpuset,
    pub num_reserved_cpus: usize,
    pub options_json: *const c_char,
    pub options_json_len: usize,
    pub option_gates: nodecore_cpu_option_gates,
    pub topology_manager_policy: *const c_char,
    pub topology_manager_policy_len: usize,
    pub state_dir: *const c_char,
    pub state_dir_len: usize,
    pub state_file: *const c_char,
    pub state_file_len: usize,
}

/// A static policy with its state. Created by `nodecore_static_policy_new`,
/// freed with `nodecore_static_policy_free`; safe to use from several
/// threads at once (see the module notes in the header).
pub struct nodecore_static_policy {
    policy: StaticPolicy,
    state: State,
}

/// The kubelet's option map from JSON text; empty text is no options.
fn options_map(json: &str) -> Result<BTreeMap<String, String>, Error> {
    if json.is_empty() {
        return Ok(BTreeMap::new());
    }
    serde_json::from_str(json)
        .map_err(|err| Error::of_kind("invalid-input", format!("the options are not a JSON object of strings: {err}")))
}

fn gates(bits: nodecore_cpu_option_gates) -> Result<PolicyOptionGates, Error> {
    u8::try_from(bits)
        .ok()
        .and_then(PolicyOptionGates::from_bits)
        .ok_or_else(|| Error::invalid_argument(format!("option_gates {bits:#x} has bits no gate uses")))
}

/// Builds a static policy and its state from `config`, as the kubelet's
/// `NewStaticPolicy` and `NewCheckpointState` (or `NewMemoryState`) do,
/// then starts it (`Start`): a restored state is checked against the
/// machine and the reserved CPUs, an empty one gets every CPU as its shared
/// pool.
///
/// Errors: `NODECORE_STATUS_INVALID_OPTIONS` (with the kubelet's message),
/// `NODECORE_STATUS_INVALID_RESERVED`, `NODECORE_STATUS_INVALID_STATE`,
/// the checkpoint kinds (`NODECORE_STATUS_CORRUPT_CHECKPOINT`, ...,
/// `NODECORE_STATUS_IO`), `NODECORE_STATUS_INVALID_INPUT` for options that
/// are not a JSON object of strings, `NODECORE_STATUS_INVALID_ARGUMENT` for
/// a config of another size or unknown gate bits. On success `*out`
/// receives a new policy; on failure it is set to NULL.
///
/// # Safety
/// `config` is valid for reading one config of the size it declares, and
/// its pointers as documented there; `out` is valid for writing one pointer;
/// `err` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_static_policy_new(
    config: *const nodecore_static_policy_config,
    out: *mut *mut nodecore_static_policy,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let out = unsafe { arg::out_ptr(out, "out") }?;
        // SAFETY: forwarded contract.
        let config = unsafe { arg::config(config, "config") }?;
        // SAFETY: forwarded contract (the config's pointers).
        let (topology, reserved, options, manager_policy, state_dir, state_file) = unsafe {
            (
                handle::borrow(config.topology, "config.topology")?,
                config.reserved_cpus.as_ref().map_or_else(CpuSet::new, |set| set.set.clone()),
                arg::text(config.options_json, config.options_json_len, "config.options_json")?,
                arg::text(config.topology_manager_policy, config.topology_manager_policy_len, "config.topology_manager_policy")?,
                arg::text(config.state_dir, config.state_dir_len, "config.state_dir")?,
                arg::text(config.state_file, config.state_file_len, "config.state_file")?,
            )
        };
        let options = StaticPolicyOptions::parse(options_map(options)?, gates(config.option_gates)?)?;
        let manager_policy = if manager_policy.is_empty() { "none" } else { manager_policy };
        let policy = StaticPolicy::new(
            topology.topology.clone(),
            config.num_reserved_cpus,
            &reserved,
            options,
            manager_policy,
        )?;
        let state = if state_dir.is_empty() {
            State::new_memory()
        } else {
            let file = if state_file.is_empty() { DEFAULT_STATE_FILE } else { state_file };
            State::new_checkpoint(state_dir, file, policy.name(), &Default::default())?
        };
        policy.start(&state)?;
        *out = handle::into_raw(nodecore_static_policy { policy, state });
        Ok(())
    )
}

/// Frees a policy (its checkpoint file stays). NULL is a no-op.
///
/// # Safety
/// `policy` is NULL or a policy from this library not yet freed, used by no
/// other thread; it is invalid afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_static_policy_free(policy: *mut nodecore_static_policy) {
    // SAFETY: per the contract.
    ffi_boundary! { unsafe { handle::free(policy) } }
}

/// Gives container `container` (an index into `containers`) of the pod its
/// exclusive CPUs, as the kubelet's `Allocate` does, and stores them in
/// `*out` (a new set; empty when the container does not qualify and runs in
/// the shared pool).
///
/// Only whole-CPU containers of Guaranteed pods qualify. A container that
/// already has CPUs keeps them. `affinity` is the topology manager's merged
/// hint for the container (NULL, or a hint with `any_node`, for none): the
/// CPUs come first from its NUMA nodes.
///
/// The pod is `pod`, `containers` (`containers_len` records, init
/// containers flagged) and `names` (`names_len` bytes of UTF-8 holding the
/// UID and container names the records name by span).
///
/// Errors: `NODECORE_STATUS_SMT_ALIGNMENT`, `NODECORE_STATUS_INSUFFICIENT`,
/// `NODECORE_STATUS_INVALID_NAME` (a UID or container name the state does
/// not store), `NODECORE_STATUS_IO` (checkpoint write); on error nothing
/// changed.
///
/// # Safety
/// `policy` is NULL or a live policy; `names` is valid for reading
/// `names_len` bytes, `pod` for one record, `containers` for
/// `containers_len` records, `affinity` NULL or for one hint; `out` is valid
/// for writing one pointer; `err` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_static_policy_allocate(
    policy: *const nodecore_static_policy,
    names: *const c_char,
    names_len: usize,
    pod: *const nodecore_pod,
    containers: *const nodecore_container,
    containers_len: usize,
    container: usize,
    affinity: *const nodecore_hint,
    out: *mut *mut nodecore_cpuset,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let out = unsafe { arg::out_ptr(out, "out") }?;
        // SAFETY: forwarded contract.
        let p = unsafe { handle::borrow(policy, "policy") }?;
        // SAFETY: forwarded contract.
        let (pod, slots) = unsafe { PodArgs { names, names_len, pod, containers, containers_len }.read() }?;
        let container = pod::container(&pod, &slots, container)?;
        // SAFETY: forwarded contract.
        let affinity = unsafe { affinity.as_ref() }
            .and_then(|&hint| nodecore::topologymanager::TopologyHint::from(hint).numa_node_affinity);
        p.policy.allocate(&p.state, &pod, container, affinity)?;
        let cpus = p.state.get_cpu_set(&pod.uid, &container.name).unwrap_or_default();
        *out = nodecore_cpuset::into_raw(cpus);
        Ok(())
    )
}

/// Releases the exclusive CPUs of a pod's container to the shared pool, as
/// the kubelet's `RemoveContainer` does; an unknown container changes
/// nothing. `pod_uid` and `container_name` are UTF-8 text.
///
/// # Safety
/// `policy` is NULL or a live policy; `pod_uid` and `container_name` are
/// valid for reading their lengths; `err` is NULL or valid for writing one
/// pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_static_policy_remove_container(
    policy: *const nodecore_static_policy,
    pod_uid: *const c_char,
    pod_uid_len: usize,
    container_name: *const c_char,
    container_name_len: usize,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let p = unsafe { handle::borrow(policy, "policy") }?;
        // SAFETY: forwarded contract.
        let uid = unsafe { arg::text(pod_uid, pod_uid_len, "pod_uid") }?;
        // SAFETY: forwarded contract.
        let name = unsafe { arg::text(container_name, container_name_len, "container_name") }?;
        Ok(p.policy.remove_container(&p.state, uid, name)?)
    )
}

/// Writes a provider's answer into `(buf, cap)` and `no_preference`.
///
/// # Safety
/// As for `arg::fill`; `no_preference` is NULL or valid for one `bool`.
unsafe fn write_hints(
    answer: &nodecore::topologymanager::ProviderHints,
    buf: *mut nodecore_hint,
    cap: usize,
    out_len: *mut usize,
    no_preference: *mut bool,
) -> Result<(), Error> {
    // SAFETY: forwarded contract.
    let no_preference = unsafe { arg::out_value(no_preference, "no_preference") }?;
    let (hints, none) = hint::from_provider(answer);
    // SAFETY: forwarded contract.
    unsafe { arg::fill(buf, cap, &hints, 0, out_len) }?;
    *no_preference = none;
    Ok(())
}

/// The CPU hints for container `container` of the pod (the kubelet's
/// `GetTopologyHints`), written into `buf` of capacity `cap` with their
/// number in `*out_len` (the buffer protocol: `NODECORE_STATUS_INSUFFICIENT_SPACE`
/// with the needed number). `*no_preference` is true when the container
/// does not qualify for exclusive CPUs (no entry upstream); otherwise the
/// hints are the CPU resource's list, where zero hints mean the request
/// cannot be satisfied. The pod is passed as for
/// `nodecore_static_policy_allocate`.
///
/// # Safety
/// As for `nodecore_static_policy_allocate`; `buf` is valid for writing
/// `cap` hints; `out_len` and `no_preference` are valid for writing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_static_policy_topology_hints(
    policy: *const nodecore_static_policy,
    names: *const c_char,
    names_len: usize,
    pod: *const nodecore_pod,
    containers: *const nodecore_container,
    containers_len: usize,
    container: usize,
    buf: *mut nodecore_hint,
    cap: usize,
    out_len: *mut usize,
    no_preference: *mut bool,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let p = unsafe { handle::borrow(policy, "policy") }?;
        // SAFETY: forwarded contract.
        let (pod, slots) = unsafe { PodArgs { names, names_len, pod, containers, containers_len }.read() }?;
        let container = pod::container(&pod, &slots, container)?;
        let answer = p.policy.get_topology_hints(&p.state, &pod, container)?;
        // SAFETY: forwarded contract.
        unsafe { write_hints(&answer, buf, cap, out_len, no_preference) }
    )
}

/// The CPU hints for the whole pod, for the topology manager's pod scope
/// (the kubelet's `GetPodTopologyHints`), with the same outputs as
/// `nodecore_static_policy_topology_hints`.
///
/// # Safety
/// As for `nodecore_static_policy_topology_hints`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_static_policy_pod_topology_hints(
    policy: *const nodecore_static_policy,
    names: *const c_char,
    names_len: usize,
    pod: *const nodecore_pod,
    containers: *const nodecore_container,
    containers_len: usize,
    buf: *mut nodecore_hint,
    cap: usize,
    out_len: *mut usize,
    no_preference: *mut bool,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let p = unsafe { handle::borrow(policy, "policy") }?;
        // SAFETY: forwarded contract.
        let (pod, _) = unsafe { PodArgs { names, names_len, pod, containers, containers_len }.read() }?;
        let answer = p.policy.get_pod_topology_hints(&p.state, &pod)?;
        // SAFETY: forwarded contract.
        unsafe { write_hints(&answer, buf, cap, out_len, no_preference) }
    )
}

/// The exclusive CPUs of a pod's container (upstream `GetCPUSet`) as a new
/// set in `*out`: empty when it has none.
///
/// # Safety
/// As for `nodecore_static_policy_remove_container`; `out` is valid for
/// writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_static_policy_container_cpus(
    policy: *const nodecore_static_policy,
    pod_uid: *const c_char,
    pod_uid_len: usize,
    container_name: *const c_char,
    container_name_len: usize,
    out: *mut *mut nodecore_cpuset,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let out = unsafe { arg::out_ptr(out, "out") }?;
        // SAFETY: forwarded contract.
        let p = unsafe { handle::borrow(policy, "policy") }?;
        // SAFETY: forwarded contract.
        let uid = unsafe { arg::text(pod_uid, pod_uid_len, "pod_uid") }?;
        // SAFETY: forwarded contract.
        let name = unsafe { arg::text(container_name, container_name_len, "container_name") }?;
        *out = nodecore_cpuset::into_raw(p.state.get_cpu_set(uid, name).unwrap_or_default());
        Ok(())
    )
}

/// Which of the policy's CPU sets `nodecore_static_policy_cpus` returns:
/// one of the `NODECORE_POLICY_CPUS_*` values.
pub type nodecore_policy_cpus = u32;

/// The shared pool (upstream `GetDefaultCPUSet`): where containers without
/// exclusive CPUs run.
pub const NODECORE_POLICY_CPUS_SHARED: nodecore_policy_cpus = 0;
/// The reserved CPUs, never given out exclusively.
pub const NODECORE_POLICY_CPUS_RESERVED: nodecore_policy_cpus = 1;
/// The CPUs that may be given out now (upstream `GetAvailableCPUs`): the
/// shared pool minus the reserved CPUs.
pub const NODECORE_POLICY_CPUS_AVAILABLE: nodecore_policy_cpus = 2;
/// Every CPU that may ever be given out (upstream `GetAllocatableCPUs`).
pub const NODECORE_POLICY_CPUS_ALLOCATABLE: nodecore_policy_cpus = 3;

/// One of the policy's CPU sets, `which` (a `NODECORE_POLICY_CPUS_*`
/// value), as a new set in `*out`.
///
/// # Safety
/// `policy` is NULL or a live policy; `out` is valid for writing one
/// pointer; `err` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_static_policy_cpus(
    policy: *const nodecore_static_policy,
    which: nodecore_policy_cpus,
    out: *mut *mut nodecore_cpuset,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let out = unsafe { arg::out_ptr(out, "out") }?;
        // SAFETY: forwarded contract.
        let p = unsafe { handle::borrow(policy, "policy") }?;
        let which = arg::choice(which, &[0, 1, 2, 3], "which")?;
        let cpus = match which {
            NODECORE_POLICY_CPUS_SHARED => p.state.get_default_cpu_set(),
            NODECORE_POLICY_CPUS_RESERVED => p.policy.reserved_cpus().clone(),
            NODECORE_POLICY_CPUS_AVAILABLE => p.policy.get_available_cpus(&p.state),
            _ => p.policy.get_allocatable_cpus(),
        };
        *out = nodecore_cpuset::into_raw(cpus);
        Ok(())
    )
}

/// The state as JSON, in the checkpoint's vocabulary: `{"defaultCpuSet":
/// "0,5-7", "entries": {"<pod UID>": {"<container>": "1-4"}}}`. `*out`
/// receives a new string the caller frees with `nodecore_string_free`.
///
/// # Safety
/// `policy` is NULL or a live policy; `out` is valid for writing one
/// pointer; `err` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_static_policy_state_json(
    policy: *const nodecore_static_policy,
    out: *mut *mut c_char,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let out = unsafe { arg::out_ptr(out, "out") }?;
        // SAFETY: forwarded contract.
        let p = unsafe { handle::borrow(policy, "policy") }?;
        let json = p.state.read(|data| {
            let entries: BTreeMap<&str, BTreeMap<&str, String>> = data
                .assignments
                .iter()
                .map(|(uid, containers)| {
                    (uid.as_str(), containers.iter().map(|(name, cpus)| (name.as_str(), cpus.to_string())).collect())
                })
                .collect();
            serde_json::json!({"defaultCpuSet": data.default_cpu_set.to_string(), "entries": entries})
        });
        *out = string::into_raw(json.to_string());
        Ok(())
    )
}

/// The static policy's choice of `count` CPUs out of `available` on
/// `topology` (the kubelet's `takeByTopology`, with the NUMA-packed or
/// NUMA-distributed algorithm as the options say), as a new set in `*out`.
///
/// `options_json` is the kubelet's option map as for the policy config,
/// read with every option gate enabled; this is the selection alone, so
/// `full-pcpus-only` does not check that `count` is whole cores (the
/// policy's admission does).
///
/// Errors: `NODECORE_STATUS_INSUFFICIENT`, `NODECORE_STATUS_INVALID_OPTIONS`,
/// `NODECORE_STATUS_INVALID_INPUT`, `NODECORE_STATUS_ACCOUNTING`.
///
/// Thread-safe: calls may run concurrently.
///
/// # Safety
/// `topology` and `available` are NULL or live handles; `options_json` is
/// valid for reading `options_json_len` bytes; `out` is valid for writing
/// one pointer; `err` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_cpu_take(
    topology: *const nodecore_topology,
    available: *const nodecore_cpuset,
    count: usize,
    options_json: *const c_char,
    options_json_len: usize,
    out: *mut *mut nodecore_cpuset,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let out = unsafe { arg::out_ptr(out, "out") }?;
        // SAFETY: forwarded contract.
        let topology = unsafe { handle::borrow(topology, "topology") }?;
        // SAFETY: forwarded contract.
        let available = unsafe { handle::borrow(available, "available") }?;
        // SAFETY: forwarded contract.
        let options = unsafe { arg::text(options_json, options_json_len, "options_json") }?;
        let options = StaticPolicyOptions::parse(options_map(options)?, PolicyOptionGates::all())?;
        let cpus = cpumanager::take_by_topology(&topology.topology, &available.set, count, &options)?;
        *out = nodecore_cpuset::into_raw(cpus);
        Ok(())
    )
}

#[cfg(test)]
mod tests;
