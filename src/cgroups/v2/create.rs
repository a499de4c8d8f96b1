//! Creating a cgroup v2 directory with its controllers enabled (runc's
//! `CreateCgroupPath`).

use crate::cgroups::Error;
use crate::cgroups::files::{self, Backing};
use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Creates `leaf` below `root` level by level, enabling every controller the
/// root offers in the `cgroup.subtree_control` of each level except the leaf
/// (so a pod cgroup is a leaf until the runtime creates containers in it).
///
/// `domain`: the config sets memory, cpu or hugetlb limits, which a threaded
/// cgroup cannot take. Directories created here are removed again on failure.
pub(super) fn create_cgroup_path(
    root: &Path,
    leaf: &Path,
    root_controllers: &BTreeSet<String>,
    domain: bool,
    backing: Backing,
) -> Result<(), Error> {
    let relative = leaf.strip_prefix(root).map_err(|_| {
        Error::InvalidConfiguration(format!("invalid cgroup path {} outside {}", leaf.display(), root.display()))
    })?;
    let mut levels = vec![root.to_path_buf()];
    for component in relative.components() {
        levels.push(levels[levels.len() - 1].join(component));
    }
    let mut created: Vec<PathBuf> = Vec::new();
    let result = create_levels(&levels, root_controllers, domain, backing, &mut created);
    if result.is_err() {
        for dir in created.iter().rev() {
            let _ = files::remove_path(dir, backing);
        }
    }
    result
}

fn create_levels(
    levels: &[PathBuf],
    root_controllers: &BTreeSet<String>,
    domain: bool,
    backing: Backing,
    created: &mut Vec<PathBuf>,
) -> Result<(), Error> {
    let enable_all: Vec<String> = root_controllers.iter().map(|controller| format!("+{controller}")).collect();
    let last = levels.len() - 1;
    for (i, level) in levels.iter().enumerate() {
        if i > 0 {
            match fs::create_dir(level) {
                Ok(()) => created.push(level.clone()),
                Err(err) if err.kind() == io::ErrorKind::AlreadyExists => {}
                Err(err) => return Err(Error::io("mkdir", level, err)),
            }
            check_type(level, domain, backing)?;
        }
        let enable = i < last && !enable_all.is_empty();
        if enable && files::write(level, "cgroup.subtree_control", &enable_all.join(" "), backing).is_err() {
            // Enable what can be enabled; missing controllers show later.
            for controller in &enable_all {
                let _ = files::write(level, "cgroup.subtree_control", controller, backing);
            }
        }
    }
    Ok(())
}

/// A level whose `cgroup.type` is threaded cannot take domain controllers; a
/// "domain invalid" level is made threaded when no domain controller is needed.
fn check_type(level: &Path, domain: bool, backing: Backing) -> Result<(), Error> {
    let cgroup_type = files::read_string(level, "cgroup.type").unwrap_or_default();
    match cgroup_type.as_str() {
        "domain invalid" if domain => Err(Error::ThreadedCgroup { path: level.to_path_buf(), mode: cgroup_type }),
        "domain invalid" => {
            let _ = files::write(level, "cgroup.type", "threaded", backing);
            Ok(())
        }
        "domain threaded" | "threaded" if domain => {
            Err(Error::ThreadedCgroup { path: level.to_path_buf(), mode: cgroup_type })
        }
        _ => Ok(()),
    }
}
