//! Pod cgroups as the pod container manager handles them: destroy with
//! process kill rounds, and listing the pod cgroups that exist.

use super::{CgroupLayout, CgroupManager, CgroupName, Error, QosClass};
use nix::errno::Errno;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io;

/// How many times the kubelet sends SIGKILL to a pod's remaining processes
/// before giving up (`tryKillingCgroupProcesses`).
pub const KILL_ROUNDS: usize = 5;

/// Kills every process in the cgroup and its descendants: up to
/// [`KILL_ROUNDS`] rounds, each sending SIGKILL to the processes not yet
/// killed, with no pause between rounds. A process that is already gone
/// counts as killed. The calling process is never signalled; if it is in the
/// cgroup, this fails.
pub fn kill_cgroup_processes(manager: &dyn CgroupManager, name: &CgroupName) -> Result<(), Error> {
    let pids = manager.pids(name)?;
    let own = std::process::id() as i32;
    let mut killed = BTreeSet::new();
    let mut failures = Vec::new();
    for _ in 0..KILL_ROUNDS {
        failures.clear();
        for &pid in &pids {
            if killed.contains(&pid) {
                continue;
            }
            if pid == own || pid <= 0 {
                failures.push(format!("{pid}: refusing to signal the calling process"));
                continue;
            }
            match kill(Pid::from_raw(pid), Signal::SIGKILL) {
                Ok(()) | Err(Errno::ESRCH) => {
                    killed.insert(pid);
                }
                Err(errno) => failures.push(format!("{pid}: {}", errno.desc())),
            }
        }
        if failures.is_empty() {
            return Ok(());
        }
    }
    Err(Error::KillFailed { name: manager.name(name)?, failures })
}

/// Destroys a pod cgroup as the kubelet does (`podContainerManager.Destroy`):
/// kills its processes, then removes it from every hierarchy. If processes
/// cannot be killed the cgroup is left in place.
///
/// ```no_run
/// use nodecore::cgroups::{destroy_pod, CgroupLayout, Driver, Host, HostPaths, QosClass};
///
/// let manager = Host::detect(&HostPaths::default())?.manager(Driver::Cgroupfs)?;
/// let layout = CgroupLayout::new("/", true)?;
/// let pod = layout.pod_cgroup(QosClass::Burstable, "1b4e28ba-2fa1-11d2-883f-0016d3cca427")?;
/// destroy_pod(manager.as_ref(), &pod)?;
/// # Ok::<(), nodecore::cgroups::Error>(())
/// ```
pub fn destroy_pod(manager: &dyn CgroupManager, name: &CgroupName) -> Result<(), Error> {
    kill_cgroup_processes(manager, name)?;
    manager.destroy(name)
}

/// Every pod cgroup on disk, by pod UID (`GetAllPodsFromCgroups`): the
/// subdirectories of each QoS tier in each hierarchy whose last name component
/// contains `pod` and splits on it into exactly two parts, the second being
/// the UID. A directory whose name is not a valid cgroup name is skipped.
pub fn pod_cgroups(manager: &dyn CgroupManager, layout: &CgroupLayout) -> Result<BTreeMap<String, CgroupName>, Error> {
    let mut pods = BTreeMap::new();
    for class in [QosClass::BestEffort, QosClass::Burstable, QosClass::Guaranteed] {
        let tier = layout.qos_cgroup(class);
        let literal = manager.name(&tier)?;
        let dirs: BTreeSet<_> = manager.paths(&tier)?.into_values().collect();
        for dir in dirs {
            let entries = match fs::read_dir(&dir) {
                Ok(entries) => entries,
                Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
                Err(err) => return Err(Error::io("read directory", &dir, err)),
            };
            for entry in entries {
                let entry = entry.map_err(|err| Error::io("read directory", &dir, err))?;
                if !entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                    continue;
                }
                let Some(child) =
                    entry.file_name().to_str().map(|child| format!("{}/{child}", literal.trim_end_matches('/')))
                else {
                    continue;
                };
                let Ok(name) = manager.cgroup_name(&child) else { continue };
                if let Some(uid) = name.last().and_then(pod_uid_of_component) {
                    pods.insert(uid.to_owned(), name.clone());
                }
            }
        }
    }
    Ok(pods)
}

/// Upstream quirk, kept: the component only has to *contain* `pod`, and the
/// UID is whatever follows it (`xpod12` gives `12`).
fn pod_uid_of_component(component: &str) -> Option<&str> {
    let mut parts = component.split(super::layout::POD_PREFIX);
    let (Some(_), Some(uid), None) = (parts.next(), parts.next(), parts.next()) else { return None };
    Some(uid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pod_components_split_like_upstream() {
        assert_eq!(pod_uid_of_component("pod12-34"), Some("12-34"));
        assert_eq!(pod_uid_of_component("xpod12"), Some("12"));
        assert_eq!(pod_uid_of_component("burstable"), None);
        assert_eq!(pod_uid_of_component("podpod"), None);
    }
}
