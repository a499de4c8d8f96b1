//! v1 `cpuset`: a task cannot join a cpuset cgroup whose `cpuset.cpus` or
//! `cpuset.mems` is empty, and a new cgroup starts empty; so runc fills each
//! new level from its parent (`cpusetEnsureParent`, `cpusetCopyIfNeeded`).

use crate::cgroups::controllers::set_cpuset;
use crate::cgroups::files::{self, Backing};
use crate::cgroups::manager::optional;
use crate::cgroups::{Error, ResourceConfig};
use std::fs;
use std::io;
use std::path::Path;

const CPUS: &str = "cpuset.cpus";
const MEMS: &str = "cpuset.mems";

/// Creates `dir` and its missing ancestors below `mount_point`, copying each
/// level's cpus and mems from its parent where empty; the leaf first gets the
/// configured values.
pub(super) fn create(
    mount_point: &Path,
    dir: &Path,
    resources: &ResourceConfig,
    backing: Backing,
) -> Result<(), Error> {
    let relative = dir.strip_prefix(mount_point).unwrap_or(Path::new(""));
    let mut current = mount_point.to_path_buf();
    for component in relative.components() {
        let parent = current.clone();
        current.push(component);
        match fs::create_dir(&current) {
            Ok(()) => {}
            Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {}
            Err(err) => return Err(Error::io("mkdir", &current, err)),
        }
        if current == dir {
            set_cpuset(Some(&current), resources, backing)?;
        }
        copy_if_empty(&current, &parent, backing)?;
    }
    Ok(())
}

fn copy_if_empty(current: &Path, parent: &Path, backing: Backing) -> Result<(), Error> {
    for file in [CPUS, MEMS] {
        if read(current, file, backing)?.is_empty() {
            files::write(current, file, &read(parent, file, backing)?, backing)?;
        }
    }
    Ok(())
}

/// A cpuset file; in a plain tree a missing file reads as empty.
fn read(dir: &Path, file: &str, backing: Backing) -> Result<String, Error> {
    match backing {
        Backing::Cgroupfs => files::read_string(dir, file),
        Backing::Plain => Ok(optional(files::read_string(dir, file))?.unwrap_or_default()),
    }
}
