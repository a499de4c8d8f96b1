//! The topology manager's policies (`nodecore::topologymanager::Policy`):
//! an immutable handle that merges the hint providers' answers into the
//! hint to store and the admission decision, one pod at a time or many pods
//! in one call.
//!
//! A policy never changes after it is made: any number of threads may merge
//! with one handle at once; only `nodecore_topology_policy_free` needs
//! exclusive access.

use std::collections::BTreeMap;
use std::ffi::c_char;

use nodecore::topologymanager::{MergeOutcome, OptionGates, Policy};
use serde::Deserialize;

use crate::error::{Error, nodecore_error};
use crate::hint::{self, nodecore_hint, nodecore_hint_list};
use crate::panic::ffi_boundary;
use crate::span::nodecore_span;
use crate::status::nodecore_status;
use crate::{arg, handle};

/// A topology-manager policy ready to merge on one machine. Created by
/// `nodecore_topology_policy_new`, freed with `nodecore_topology_policy_free`.
pub struct nodecore_topology_policy {
    policy: Policy,
}

/// What a merge decides for one pod (or container): the hint to store and
/// whether to admit.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct nodecore_merge_result {
    pub hint: nodecore_hint,
    pub admit: bool,
}

impl From<MergeOutcome> for nodecore_merge_result {
    fn from(outcome: MergeOutcome) -> Self {
        nodecore_merge_result { hint: outcome.hint.into(), admit: outcome.admit }
    }
}

/// The configuration JSON: the kubelet's settings and the machine's NUMA
/// nodes, as the `topology.merge` cases give them; a missing or `null`
/// field is empty.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Config {
    policy: String,
    #[serde(default)]
    numa_nodes: Option<Vec<usize>>,
    #[serde(default)]
    distances: Option<BTreeMap<usize, Vec<u64>>>,
    #[serde(default)]
    options: Option<BTreeMap<String, String>>,
}

/// Builds a policy from a JSON configuration, checking it as the kubelet's
/// `NewManager` does:
///
/// ```json
/// {"policy": "best-effort", "numa_nodes": [0, 1],
///  "distances": {"0": [10, 21], "1": [21, 10]},
///  "options": {"prefer-closest-numa-nodes": "true"}}
/// ```
///
/// `policy` is `none`, `best-effort`, `restricted` or `single-numa-node`
/// (the other fields may be left out or `null` when empty);
/// `numa_nodes` the machine's NUMA node ids; `distances` each node's
/// distance row (`nodecore_topology_numa_distances` gives this machine's),
/// needed with `prefer-closest-numa-nodes`; `options` the kubelet's
/// `topologyManagerPolicyOptions` (beta options enabled, as by default).
///
/// Errors: `NODECORE_STATUS_UNKNOWN_POLICY`, `NODECORE_STATUS_INVALID_OPTIONS`,
/// `NODECORE_STATUS_MISSING_DISTANCES`, `NODECORE_STATUS_TOO_MANY_NUMA_NODES`,
/// `NODECORE_STATUS_NUMA_NODE_OUT_OF_RANGE`, `NODECORE_STATUS_INVALID_INPUT`
/// (not that JSON). On success `*out` receives a new policy; on failure it
/// is set to NULL.
///
/// # Safety
/// `config_json` is valid for reading `len` bytes; `out` is valid for
/// writing one pointer; `err` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_topology_policy_new(
    config_json: *const c_char,
    len: usize,
    out: *mut *mut nodecore_topology_policy,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let out = unsafe { arg::out_ptr(out, "out") }?;
        // SAFETY: forwarded contract.
        let json = unsafe { arg::text(config_json, len, "config_json") }?;
        let config: Config = serde_json::from_str(json)
            .map_err(|e| Error::of_kind("invalid-input", format!("the policy configuration: {e}")))?;
        let policy = Policy::from_config(
            &config.policy,
            &config.options.unwrap_or_default(),
            OptionGates::default(),
            &config.numa_nodes.unwrap_or_default(),
            &config.distances.unwrap_or_default(),
        )?;
        *out = handle::into_raw(nodecore_topology_policy { policy });
        Ok(())
    )
}

/// Frees a policy. NULL is a no-op.
///
/// # Safety
/// `policy` is NULL or a policy from this library not yet freed, used by no
/// other thread; it is invalid afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_topology_policy_free(policy: *mut nodecore_topology_policy) {
    // SAFETY: per the contract.
    ffi_boundary! { unsafe { handle::free(policy) } }
}

/// Merges the hint providers' answers for one container (or pod) exactly as
/// the kubelet's policy `Merge` does, and stores the result in `*out`.
///
/// `lists` holds `lists_len` answers, one per provider and resource, each
/// naming its hints in `hints` (`hints_len` entries) or saying it has no
/// preference (see `nodecore_hint_list`); their order does not matter. A
/// provider that answered nothing at all is one list with `no_preference`
/// (or no list: a missing provider changes nothing).
///
/// Errors: `NODECORE_STATUS_MISSING_DISTANCES` with
/// `prefer-closest-numa-nodes` when the answer needs a distance past the end
/// of a short row (where upstream panics); `NODECORE_STATUS_INVALID_ARGUMENT`
/// for a list reaching past the hints.
///
/// # Safety
/// `policy` is NULL or a live policy; `hints` is valid for reading
/// `hints_len` hints, `lists` for `lists_len` lists; `out` is valid for
/// writing one result; `err` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_topology_policy_merge(
    policy: *const nodecore_topology_policy,
    hints: *const nodecore_hint,
    hints_len: usize,
    lists: *const nodecore_hint_list,
    lists_len: usize,
    out: *mut nodecore_merge_result,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let p = unsafe { handle::borrow(policy, "policy") }?;
        // SAFETY: forwarded contract.
        let hints = unsafe { arg::array(hints, hints_len, "hints") }?;
        // SAFETY: forwarded contract.
        let lists = unsafe { arg::array(lists, lists_len, "lists") }?;
        // SAFETY: forwarded contract.
        let out = unsafe { arg::out_value(out, "out") }?;
        let hints = hint::library_hints(hints);
        *out = p.policy.merge_lists(&hint::merge_lists(&hints, lists)?)?.into();
        Ok(())
    )
}

/// Merges many pods' (or containers') answers in one call: pod `i` owns the
/// lists `pods[i]` (a span of `lists`), whose hints are in `hints`, and its
/// result goes to `results[i]`. `results_cap` must be at least `pods_len`
/// (otherwise `NODECORE_STATUS_INSUFFICIENT_SPACE`, with `pods_len` in
/// `*out_len`); `*out_len` receives `pods_len` on success.
///
/// The answers are those of `nodecore_topology_policy_merge` for each pod.
/// When one pod's merge fails the call fails, naming the pod's index, and
/// no result is written.
///
/// # Safety
/// As for `nodecore_topology_policy_merge`; `pods` is valid for reading
/// `pods_len` spans; `results` for writing `results_cap` results; `out_len`
/// for writing one `size_t`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_topology_policy_merge_batch(
    policy: *const nodecore_topology_policy,
    hints: *const nodecore_hint,
    hints_len: usize,
    lists: *const nodecore_hint_list,
    lists_len: usize,
    pods: *const nodecore_span,
    pods_len: usize,
    results: *mut nodecore_merge_result,
    results_cap: usize,
    out_len: *mut usize,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let p = unsafe { handle::borrow(policy, "policy") }?;
        // SAFETY: forwarded contract.
        let hints = unsafe { arg::array(hints, hints_len, "hints") }?;
        // SAFETY: forwarded contract.
        let lists = unsafe { arg::array(lists, lists_len, "lists") }?;
        // SAFETY: forwarded contract.
        let pods = unsafe { arg::array(pods, pods_len, "pods") }?;
        let hints = hint::library_hints(hints);
        let mut merged = Vec::with_capacity(pods.len());
        for (index, span) in pods.iter().enumerate() {
            let in_pod = |mut err: Error| {
                err.message = format!("pod {index} of the batch: {}", err.message);
                err
            };
            let pod_lists = span.of(lists, "the span").map_err(in_pod)?;
            let pod_lists = hint::merge_lists(&hints, pod_lists).map_err(in_pod)?;
            let outcome = p.policy.merge_lists(&pod_lists).map_err(|e| in_pod(e.into()))?;
            merged.push(nodecore_merge_result::from(outcome));
        }
        // SAFETY: forwarded contract.
        unsafe { arg::fill(results, results_cap, &merged, 0, out_len) }
    )
}

#[cfg(test)]
mod tests;
