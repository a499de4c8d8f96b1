//! The CPU manager's state: which CPUs each container holds exclusively, and
//! the shared pool (the *default* CPU set) everyone else runs on.
//!
//! This is upstream's `cpumanager/state` package. [`State`] is safe to share
//! between threads; it lives in memory ([`State::new_memory`]) or is backed by
//! the kubelet's own checkpoint file ([`State::new_checkpoint`], normally
//! `/var/lib/kubelet/cpu_manager_state`), which nodecore reads and writes byte
//! for byte as the kubelet does: a file the kubelet wrote loads here, and a
//! file written here loads in the kubelet.
//!
//! Every change goes through [`State::update`]: it runs on a copy, the copy is
//! written to the checkpoint (atomically: temporary file, sync, rename, sync of
//! the directory), and only then replaces the state in memory. A change that
//! fails, or whose write fails, leaves memory and file as they were, so memory
//! and disk never disagree and no caller is told it holds CPUs that were not
//! recorded.
//!
//! ```
//! use nodecore::cpumanager::state::State;
//! use nodecore::cpuset::CpuSet;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let state = State::new_checkpoint(dir.path(), "cpu_manager_state", "static", &Default::default()).unwrap();
//! state.update(|s| -> Result<(), nodecore::cpumanager::state::Error> {
//!     s.default_cpu_set = "0-1,4-7".parse().unwrap();
//!     s.set_cpu_set("pod-uid", "app", "2-3".parse().unwrap());
//!     Ok(())
//! }).unwrap();
//! let file = std::fs::read_to_string(dir.path().join("cpu_manager_state")).unwrap();
//! assert_eq!(file, r#"{"policyName":"static","defaultCpuSet":"0-1,4-7","entries":{"pod-uid":{"app":"2-3"}},"checksum":3997665641}"#);
//! ```

mod checkpoint;
mod error;
mod file;
#[cfg(test)]
mod tests;

pub use error::{Error, IoError};

use crate::cpuset::CpuSet;
use file::CheckpointFile;
use parking_lot::RwLock;
use std::collections::BTreeMap;
use std::path::Path;

/// Exclusive CPU assignments: pod UID → container name → CPUs (upstream
/// `ContainerCPUAssignments`).
pub type ContainerCpuAssignments = BTreeMap<String, BTreeMap<String, CpuSet>>;

/// Container ID → (pod UID, container name) of the containers running when
/// the kubelet starts (upstream `containermap.ContainerMap`); needed only to
/// read a V1 checkpoint, which is keyed by container ID.
pub type ContainerMap = BTreeMap<String, (String, String)>;

/// The state as plain data: the shared pool and the exclusive assignments.
///
/// [`State::update`] hands one of these to a change; [`State::snapshot`]
/// returns a copy.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateData {
    /// The shared pool: CPUs of every container without exclusive CPUs.
    pub default_cpu_set: CpuSet,
    /// Exclusive CPUs per pod and container.
    pub assignments: ContainerCpuAssignments,
}

impl StateData {
    /// The CPUs of a container, if it has an assignment.
    pub fn get_cpu_set(&self, pod_uid: &str, container_name: &str) -> Option<&CpuSet> {
        self.assignments.get(pod_uid)?.get(container_name)
    }

    /// The container's CPUs, or the shared pool when it has no assignment.
    pub fn get_cpu_set_or_default(&self, pod_uid: &str, container_name: &str) -> &CpuSet {
        self.get_cpu_set(pod_uid, container_name).unwrap_or(&self.default_cpu_set)
    }

    /// Records the container's CPUs (replacing any previous assignment).
    pub fn set_cpu_set(&mut self, pod_uid: &str, container_name: &str, cpus: CpuSet) {
        self.assignments.entry(pod_uid.to_owned()).or_default().insert(container_name.to_owned(), cpus);
    }

    /// Forgets the container's assignment, and the pod's entry when it was
    /// the pod's last. Returns the CPUs it held.
    pub fn delete(&mut self, pod_uid: &str, container_name: &str) -> Option<CpuSet> {
        let containers = self.assignments.get_mut(pod_uid)?;
        let cpus = containers.remove(container_name);
        if containers.is_empty() {
            self.assignments.remove(pod_uid);
        }
        cpus
    }

    /// Every CPU some container holds.
    pub fn assigned_cpus(&self) -> CpuSet {
        self.assignments.values().flat_map(BTreeMap::values).fold(CpuSet::new(), |all, cpus| all.union(cpus))
    }

    /// Checks every pod UID and container name (see [`validate_pod_uid`]).
    pub fn validate_names(&self) -> Result<(), Error> {
        for (pod, containers) in &self.assignments {
            validate_pod_uid(pod)?;
            for container in containers.keys() {
                validate_container_name(container)?;
            }
        }
        Ok(())
    }
}

/// The CPU manager's state, shared between threads (upstream `State`, with
/// its memory and checkpoint implementations in one type).
#[derive(Debug)]
pub struct State {
    data: RwLock<StateData>,
    checkpoint: Option<CheckpointBackend>,
}

#[derive(Debug)]
struct CheckpointBackend {
    file: CheckpointFile,
    policy_name: String,
    initial_containers: ContainerMap,
}

impl State {
    /// An empty state kept in memory only (upstream `NewMemoryState`).
    pub fn new_memory() -> State {
        State { data: RwLock::new(StateData::default()), checkpoint: None }
    }

    /// The state backed by the checkpoint `checkpoint_name` in `dir`
    /// (upstream `NewCheckpointState`).
    ///
    /// An existing file is restored: V2, or V1 migrated with
    /// `initial_containers`; it must have been written for `policy_name`. A
    /// missing file is created holding the empty state. A file that cannot be
    /// used is refused with [`Error::Restore`], whose message tells the
    /// operator what the kubelet tells them: drain the node and delete the
    /// file.
    pub fn new_checkpoint(
        dir: impl AsRef<Path>,
        checkpoint_name: &str,
        policy_name: &str,
        initial_containers: &ContainerMap,
    ) -> Result<State, Error> {
        let file = CheckpointFile::new(dir.as_ref(), checkpoint_name)?;
        let backend = CheckpointBackend {
            file,
            policy_name: policy_name.to_owned(),
            initial_containers: initial_containers.clone(),
        };
        let state = State { data: RwLock::new(StateData::default()), checkpoint: Some(backend) };
        state.reload()?;
        Ok(state)
    }

    /// Reads the checkpoint again and replaces the state in memory with it;
    /// when the file is missing, writes the state in memory. A file that
    /// cannot be used is refused ([`Error::Restore`]) and the state in memory
    /// stays as it was. Does nothing for a memory-only state.
    pub fn reload(&self) -> Result<(), Error> {
        let Some(backend) = &self.checkpoint else {
            return Ok(());
        };
        let restore_error = |source| Error::Restore { path: backend.file.path().to_owned(), source: Box::new(source) };
        let mut data = self.data.write();
        match backend.file.read().map_err(restore_error)? {
            Some(blob) => {
                *data = checkpoint::restore(&blob, &backend.policy_name, &backend.initial_containers)
                    .map_err(restore_error)?;
                Ok(())
            }
            None => backend.store(&data).map_err(restore_error),
        }
    }

    /// The checkpoint file, for a checkpoint-backed state.
    pub fn checkpoint_path(&self) -> Option<&Path> {
        self.checkpoint.as_ref().map(|backend| backend.file.path())
    }

    /// A copy of the whole state.
    pub fn snapshot(&self) -> StateData {
        self.data.read().clone()
    }

    /// Runs `read` on the current state without copying it.
    pub fn read<T>(&self, read: impl FnOnce(&StateData) -> T) -> T {
        read(&self.data.read())
    }

    /// The CPUs of a container, if it has an assignment (upstream `GetCPUSet`).
    pub fn get_cpu_set(&self, pod_uid: &str, container_name: &str) -> Option<CpuSet> {
        self.data.read().get_cpu_set(pod_uid, container_name).cloned()
    }

    /// The shared pool (upstream `GetDefaultCPUSet`).
    pub fn get_default_cpu_set(&self) -> CpuSet {
        self.data.read().default_cpu_set.clone()
    }

    /// The container's CPUs, or the shared pool (upstream `GetCPUSetOrDefault`).
    pub fn get_cpu_set_or_default(&self, pod_uid: &str, container_name: &str) -> CpuSet {
        self.data.read().get_cpu_set_or_default(pod_uid, container_name).clone()
    }

    /// A copy of all assignments (upstream `GetCPUAssignments`).
    pub fn get_cpu_assignments(&self) -> ContainerCpuAssignments {
        self.data.read().assignments.clone()
    }

    /// Records a container's CPUs (upstream `SetCPUSet`).
    pub fn set_cpu_set(&self, pod_uid: &str, container_name: &str, cpus: CpuSet) -> Result<(), Error> {
        self.update(|data| {
            data.set_cpu_set(pod_uid, container_name, cpus);
            Ok(())
        })
    }

    /// Replaces the shared pool (upstream `SetDefaultCPUSet`).
    pub fn set_default_cpu_set(&self, cpus: CpuSet) -> Result<(), Error> {
        self.update(|data| {
            data.default_cpu_set = cpus;
            Ok(())
        })
    }

    /// Replaces all assignments (upstream `SetCPUAssignments`).
    pub fn set_cpu_assignments(&self, assignments: ContainerCpuAssignments) -> Result<(), Error> {
        self.update(|data| {
            data.assignments = assignments;
            Ok(())
        })
    }

    /// Forgets a container's assignment (upstream `Delete`). The CPUs are
    /// not returned to the shared pool; the policy does that.
    pub fn delete(&self, pod_uid: &str, container_name: &str) -> Result<(), Error> {
        self.update(|data| {
            data.delete(pod_uid, container_name);
            Ok(())
        })
    }

    /// Empties the shared pool and forgets every assignment (upstream `ClearState`).
    pub fn clear_state(&self) -> Result<(), Error> {
        self.update(|data| {
            *data = StateData::default();
            Ok(())
        })
    }

    /// Applies `change` as one transaction.
    ///
    /// `change` works on a copy of the state. If it fails, nothing changes.
    /// Otherwise the names in the new state are validated, the new state is
    /// written to the checkpoint (if any), and only then does it replace the
    /// state in memory. Other threads see the state before or after, never in
    /// between; changes run one at a time. A change that leaves the state as
    /// it was writes nothing.
    ///
    /// A failed write ([`Error::Io`]) leaves memory and file as they were.
    /// [`Error::NotDurable`] is the one error after which the change is in
    /// effect: the new file replaced the old one, only the directory sync
    /// failed, so memory follows the file.
    pub fn update<T, E: From<Error>>(&self, change: impl FnOnce(&mut StateData) -> Result<T, E>) -> Result<T, E> {
        let mut data = self.data.write();
        let mut next = data.clone();
        let value = change(&mut next)?;
        if next == *data {
            return Ok(value);
        }
        next.validate_names()?;
        if let Some(backend) = &self.checkpoint {
            match backend.store(&next) {
                Ok(()) => {}
                Err(err @ Error::NotDurable { .. }) => {
                    *data = next;
                    return Err(err.into());
                }
                Err(err) => return Err(err.into()),
            }
        }
        *data = next;
        Ok(value)
    }
}

impl CheckpointBackend {
    fn store(&self, data: &StateData) -> Result<(), Error> {
        self.file.write(&checkpoint::encode(&self.policy_name, data)?)
    }
}

/// The longest pod UID or container name nodecore stores (a DNS subdomain's
/// limit; the API's UIDs are 36 characters and container names at most 63).
pub const MAX_NAME_LENGTH: usize = 253;

/// Checks a pod UID before it is stored: 1 to [`MAX_NAME_LENGTH`] ASCII
/// letters, digits, `-`, `_` or `.`, and not `.` or `..`.
///
/// Every UID the API server hands out (a UUID) and every static pod UID (a
/// hex hash) passes. The rule keeps names safe in file paths and keeps the
/// checkpoint's checksum text unambiguous (go-spew prints names unquoted).
pub fn validate_pod_uid(uid: &str) -> Result<(), Error> {
    validate_name("pod UID", uid)
}

/// Checks a container name before it is stored; the same rule as
/// [`validate_pod_uid`] (the API allows only DNS labels, which pass).
pub fn validate_container_name(name: &str) -> Result<(), Error> {
    validate_name("container name", name)
}

fn validate_name(what: &'static str, name: &str) -> Result<(), Error> {
    let reason = if name.is_empty() {
        "it is empty"
    } else if name.len() > MAX_NAME_LENGTH {
        "it is longer than 253 characters"
    } else if !name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')) {
        "only ASCII letters, digits, '-', '_' and '.' are allowed"
    } else if name == "." || name == ".." {
        "it is a path component"
    } else {
        return Ok(());
    };
    Err(Error::InvalidName { what, name: name.to_owned(), reason })
}
