//! CPU topologies (`nodecore::topology::CpuTopology`): an opaque, immutable
//! handle loaded from JSON or by name, with its counters and per-CPU
//! placement readable as plain structs.
//!
//! A topology never changes after it is made, so one handle may be shared by
//! any number of threads; only `nodecore_topology_free` needs exclusive
//! access. Later functions that work on a machine (the static policy, hint
//! generation) take a `const nodecore_topology *`.

use std::ffi::c_char;

use nodecore::topology::{self, CpuTopology, Sysfs};

use crate::cpuset::nodecore_cpuset;
use crate::error::{Error, nodecore_error};
use crate::panic::ffi_boundary;
use crate::status::nodecore_status;
use crate::{arg, handle, string};

/// A machine's CPUs as the kubelet's CPU manager sees them. Freed with
/// `nodecore_topology_free`.
pub struct nodecore_topology {
    pub(crate) topology: CpuTopology,
}

/// The kubelet's declared counters of a topology (upstream `NumCPUs`,
/// `NumCores`, `NumSockets`, `NumNUMANodes`, `NumUncoreCache`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct nodecore_topology_counts {
    pub num_cpus: usize,
    pub num_cores: usize,
    pub num_sockets: usize,
    pub num_numa_nodes: usize,
    pub num_uncore_caches: usize,
}

/// Where one logical CPU sits. `core` is the lowest logical CPU id among the
/// core's threads; `uncore` is the last-level cache id (the socket id where
/// the machine reports none).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct nodecore_cpu_info {
    pub core: usize,
    pub socket: usize,
    pub numa: usize,
    pub uncore: usize,
}

/// Loads a topology from JSON text: `{"cpus": [{"cpu": 0, "core": 0,
/// "socket": 0, "numa": 0, "uncore": 0}, ...]}`, or a JSON string naming one
/// of the named topologies (`"\"dual-socket-ht\""`), the same forms the case
/// files use. Counters are derived from the rows.
///
/// Errors: `NODECORE_STATUS_INVALID_INPUT` (not that JSON shape),
/// `NODECORE_STATUS_INVALID_TOPOLOGY` (no CPU, a CPU twice, an id above
/// `NODECORE_MAX_CPU_ID`), `NODECORE_STATUS_UNKNOWN_TOPOLOGY` (unknown name).
/// On success `*out` receives a new topology; on failure it is set to NULL.
///
/// # Safety
/// `json` is valid for reading `len` bytes; `out` is valid for writing one
/// pointer; `err` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_topology_from_json(
    json: *const c_char,
    len: usize,
    out: *mut *mut nodecore_topology,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let out = unsafe { arg::out_ptr(out, "out") }?;
        // SAFETY: forwarded contract.
        let json = unsafe { arg::text(json, len, "json") }?;
        let value: serde_json::Value = serde_json::from_str(json).map_err(topology::Error::from)?;
        let topology = CpuTopology::from_json_value(&value)?;
        *out = handle::into_raw(nodecore_topology { topology });
        Ok(())
    )
}

/// Discovers the CPU topology of the machine whose root directory is `root`
/// (UTF-8 of `len` bytes; `len` 0 for this machine, `/`) from its sysfs,
/// exactly as the kubelet builds it through cadvisor.
///
/// Errors: `NODECORE_STATUS_DISCOVERY` (sysfs unreadable or without CPU
/// topology), `NODECORE_STATUS_INVALID_TOPOLOGY` (ids out of range).
///
/// # Safety
/// `root` is valid for reading `len` bytes; `out` is valid for writing one
/// pointer; `err` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_topology_discover(
    root: *const c_char,
    len: usize,
    out: *mut *mut nodecore_topology,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let out = unsafe { arg::out_ptr(out, "out") }?;
        // SAFETY: forwarded contract.
        let root = unsafe { arg::text(root, len, "root") }?;
        let topology = sysfs(root).topology()?;
        *out = handle::into_raw(nodecore_topology { topology });
        Ok(())
    )
}

/// The NUMA distances of the machine whose root directory is `root` (`len`
/// 0 for this machine), from `node/node<N>/distance` in its sysfs, as JSON
/// mapping each node id to its row in file order: `{"0": [10, 21], "1":
/// [21, 10]}` (`{}` without NUMA directories). This is the `distances`
/// field of `nodecore_topology_policy_new`'s configuration. `*out` receives
/// a new string the caller frees with `nodecore_string_free`.
///
/// # Safety
/// `root` is valid for reading `len` bytes; `out` is valid for writing one
/// pointer; `err` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_topology_numa_distances(
    root: *const c_char,
    len: usize,
    out: *mut *mut c_char,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let out = unsafe { arg::out_ptr(out, "out") }?;
        // SAFETY: forwarded contract.
        let root = unsafe { arg::text(root, len, "root") }?;
        let distances = sysfs(root).numa_distances()?;
        let json = serde_json::to_string(&distances).map_err(|e| Error::of_kind("invalid-input", e))?;
        *out = string::into_raw(json);
        Ok(())
    )
}

/// The sysfs below `root`; the empty root is this machine's.
fn sysfs(root: &str) -> Sysfs {
    if root.is_empty() { Sysfs::host() } else { Sysfs::new(root) }
}

/// One of the named test topologies (the kubelet's CPU manager test
/// machines, e.g. `"dual-socket-ht"`); `NODECORE_STATUS_UNKNOWN_TOPOLOGY`
/// for another name. `nodecore_topology_names` lists them.
///
/// # Safety
/// `name` is valid for reading `len` bytes; `out` is valid for writing one
/// pointer; `err` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_topology_named(
    name: *const c_char,
    len: usize,
    out: *mut *mut nodecore_topology,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let out = unsafe { arg::out_ptr(out, "out") }?;
        // SAFETY: forwarded contract.
        let name = unsafe { arg::text(name, len, "name") }?;
        *out = handle::into_raw(nodecore_topology { topology: topology::named(name)? });
        Ok(())
    )
}

/// The names `nodecore_topology_named` knows, as a JSON array of strings in
/// ascending order. `*out` receives a new string the caller frees with
/// `nodecore_string_free`.
///
/// # Safety
/// `out` is valid for writing one pointer; `err` is NULL or valid for writing
/// one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_topology_names(
    out: *mut *mut c_char,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let out = unsafe { arg::out_ptr(out, "out") }?;
        let names: Vec<&str> = topology::names().collect();
        *out = string::into_raw(serde_json::Value::from(names).to_string());
        Ok(())
    )
}

/// The JSON form of a topology (`{"cpus": [...]}`, rows in ascending CPU
/// order), which `nodecore_topology_from_json` reads back. `*out` receives a
/// new string the caller frees with `nodecore_string_free`.
///
/// # Safety
/// `topology` is NULL or a live topology; `out` is valid for writing one
/// pointer; `err` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_topology_to_json(
    topology: *const nodecore_topology,
    out: *mut *mut c_char,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let out = unsafe { arg::out_ptr(out, "out") }?;
        // SAFETY: forwarded contract.
        let topology = unsafe { handle::borrow(topology, "topology") }?;
        let json = serde_json::to_string(&topology.topology.to_json())
            .map_err(|e| Error::of_kind("invalid-input", e))?;
        *out = string::into_raw(json);
        Ok(())
    )
}

/// Frees a topology. NULL is a no-op.
///
/// # Safety
/// `topology` is NULL or a topology from this library not yet freed, used by
/// no other thread; it is invalid afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_topology_free(topology: *mut nodecore_topology) {
    // SAFETY: per the contract.
    ffi_boundary! { unsafe { handle::free(topology) } }
}

/// Stores the topology's declared counters in `*out`.
///
/// # Safety
/// `topology` is NULL or a live topology; `out` is NULL or valid for writing
/// one `nodecore_topology_counts`; `err` is NULL or valid for writing one
/// pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_topology_get_counts(
    topology: *const nodecore_topology,
    out: *mut nodecore_topology_counts,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let topology = unsafe { handle::borrow(topology, "topology") }?;
        // SAFETY: forwarded contract.
        let out = unsafe { arg::out_value(out, "out") }?;
        let t = &topology.topology;
        *out = nodecore_topology_counts {
            num_cpus: t.num_cpus,
            num_cores: t.num_cores,
            num_sockets: t.num_sockets,
            num_numa_nodes: t.num_numa_nodes,
            num_uncore_caches: t.num_uncore_caches,
        };
        Ok(())
    )
}

/// Stores where `cpu` sits in `*out`; `NODECORE_STATUS_INVALID_ARGUMENT`
/// when the topology has no such CPU.
///
/// # Safety
/// `topology` is NULL or a live topology; `out` is NULL or valid for writing
/// one `nodecore_cpu_info`; `err` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_topology_cpu_info(
    topology: *const nodecore_topology,
    cpu: usize,
    out: *mut nodecore_cpu_info,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let topology = unsafe { handle::borrow(topology, "topology") }?;
        // SAFETY: forwarded contract.
        let out = unsafe { arg::out_value(out, "out") }?;
        let info = topology.topology.details.get(cpu)
            .ok_or_else(|| Error::invalid_argument(format!("the topology has no CPU {cpu}")))?;
        *out = nodecore_cpu_info { core: info.core, socket: info.socket, numa: info.numa, uncore: info.uncore };
        Ok(())
    )
}

/// A new set of all the topology's CPUs; NULL when `topology` is NULL.
///
/// # Safety
/// `topology` is NULL or a live topology.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_topology_cpus(topology: *const nodecore_topology) -> *mut nodecore_cpuset {
    ffi_boundary! {
        // SAFETY: per the contract.
        unsafe { topology.as_ref() }.map_or(std::ptr::null_mut(), |t| nodecore_cpuset::into_raw(t.topology.cpus()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::nodecore_error_free;
    use std::ptr;

    fn load(json: &str) -> Result<*mut nodecore_topology, nodecore_status> {
        let mut out = ptr::null_mut();
        let status =
            unsafe { nodecore_topology_from_json(json.as_ptr().cast(), json.len(), &mut out, ptr::null_mut()) };
        if status == nodecore_status::Ok { Ok(out) } else { Err(status) }
    }

    #[test]
    fn loads_rows_or_a_name() {
        let rows = r#"{"cpus":[{"cpu":0,"core":0,"socket":0,"numa":0,"uncore":0},
                               {"cpu":1,"core":0,"socket":0,"numa":0,"uncore":0}]}"#;
        let topo = load(rows).unwrap();
        let mut counts = nodecore_topology_counts {
            num_cpus: 0,
            num_cores: 0,
            num_sockets: 0,
            num_numa_nodes: 0,
            num_uncore_caches: 0,
        };
        unsafe {
            assert_eq!(nodecore_topology_get_counts(topo, &mut counts, ptr::null_mut()), nodecore_status::Ok);
            nodecore_topology_free(topo);
        }
        assert_eq!((counts.num_cpus, counts.num_cores), (2, 1));
        let named = load("\"dual-socket-ht\"").unwrap();
        unsafe { nodecore_topology_free(named) };
    }

    #[test]
    fn refusals_carry_the_topology_kinds() {
        assert_eq!(load("{\"cpus\":[]}").unwrap_err(), nodecore_status::InvalidTopology);
        assert_eq!(load("\"no-such-machine\"").unwrap_err(), nodecore_status::UnknownTopology);
        assert_eq!(load("{").unwrap_err(), nodecore_status::InvalidInput);
        let mut out = ptr::null_mut();
        let mut err = ptr::null_mut();
        let status = unsafe { nodecore_topology_named(c"x".as_ptr(), 1, &mut out, &mut err) };
        assert_eq!((status, out.is_null(), err.is_null()), (nodecore_status::UnknownTopology, true, false));
        unsafe { nodecore_error_free(err) };
    }

    #[test]
    fn discovers_this_machine_or_refuses_a_root_without_sysfs() {
        let mut topo = ptr::null_mut();
        let status = unsafe { nodecore_topology_discover(ptr::null(), 0, &mut topo, ptr::null_mut()) };
        assert_eq!(status, nodecore_status::Ok);
        let mut counts = nodecore_topology_counts {
            num_cpus: 0,
            num_cores: 0,
            num_sockets: 0,
            num_numa_nodes: 0,
            num_uncore_caches: 0,
        };
        unsafe { nodecore_topology_get_counts(topo, &mut counts, ptr::null_mut()) };
        assert_eq!(counts.num_cpus, nodecore::topology::discover().unwrap().num_cpus);
        unsafe { nodecore_topology_free(topo) };
        let empty = std::env::temp_dir().join("nodecore-ffi-no-sysfs");
        std::fs::create_dir_all(&empty).unwrap();
        let root = empty.to_str().unwrap();
        let mut err = ptr::null_mut();
        let status = unsafe { nodecore_topology_discover(root.as_ptr().cast(), root.len(), &mut topo, &mut err) };
        assert_eq!((status, topo.is_null()), (nodecore_status::Discovery, true));
        unsafe { nodecore_error_free(err) };
    }

    #[test]
    fn numa_distances_are_json_rows() {
        let mut out = ptr::null_mut();
        let status = unsafe { nodecore_topology_numa_distances(ptr::null(), 0, &mut out, ptr::null_mut()) };
        assert_eq!(status, nodecore_status::Ok);
        let json = unsafe { std::ffi::CStr::from_ptr(out) }.to_str().unwrap().to_owned();
        unsafe { crate::string::nodecore_string_free(out) };
        let expected = nodecore::topology::numa_distances().unwrap();
        assert_eq!(serde_json::from_str::<nodecore::topology::NumaDistances>(&json).unwrap(), expected);
    }

    #[test]
    fn cpu_info_answers_known_cpus_only() {
        let topo = load("\"dual-socket-ht\"").unwrap();
        let mut info = nodecore_cpu_info { core: 9, socket: 9, numa: 9, uncore: 9 };
        unsafe {
            assert_eq!(nodecore_topology_cpu_info(topo, 1, &mut info, ptr::null_mut()), nodecore_status::Ok);
            assert_eq!((info.core, info.socket, info.numa), (1, 1, 1));
            let status = nodecore_topology_cpu_info(topo, 1000, &mut info, ptr::null_mut());
            assert_eq!(status, nodecore_status::InvalidArgument);
            nodecore_topology_free(topo);
        }
    }
}
