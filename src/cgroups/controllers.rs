//! Controllers whose files are the same on cgroup v1 and v2: pids, hugetlb
//! (up to the file suffix) and the cpuset values.

use super::convert::huge_page_size_string;
use super::files::{self, Backing};
use super::manager::optional;
use super::{CgroupVersion, Error, Limit, ResourceConfig};
use crate::cpuset::CpuSet;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The directory a write needs, or runc's error for an unmounted controller.
pub(crate) fn require<'a>(dir: Option<&'a Path>, controller: &str) -> Result<&'a Path, Error> {
    dir.ok_or_else(|| Error::ControllerNotMounted { controller: controller.to_owned() })
}

/// `pids.max`: > 0 the number, 0 as `1` (systemd refuses 0, and runc keeps the
/// two drivers alike), < 0 `max`.
pub(crate) fn set_pids(dir: Option<&Path>, resources: &ResourceConfig, backing: Backing) -> Result<(), Error> {
    let Some(limit) = resources.pids_limit else { return Ok(()) };
    let value = match limit {
        1.. => limit.to_string(),
        0 => "1".to_owned(),
        _ => "max".to_owned(),
    };
    files::write(require(dir, "pids")?, "pids.max", &value, backing)
}

/// `cpuset.cpus` and `cpuset.mems`, each when non-empty.
pub(crate) fn set_cpuset(dir: Option<&Path>, resources: &ResourceConfig, backing: Backing) -> Result<(), Error> {
    let non_empty = |set: &Option<CpuSet>| set.as_ref().filter(|set| !set.is_empty()).map(CpuSet::to_string);
    let writes =
        [("cpuset.cpus", non_empty(&resources.cpuset_cpus)), ("cpuset.mems", non_empty(&resources.cpuset_mems))];
    for (file, value) in writes {
        if let Some(value) = value {
            files::write(require(dir, "cpuset")?, file, &value, backing)?;
        }
    }
    Ok(())
}

/// The hugetlb limits to write (the kubelet's `maybeSetHugetlb`): each
/// configured page size, then limit 0 for every other page size of the host.
/// A page size without a size string is skipped, as upstream skips it.
pub(crate) fn hugetlb_entries(resources: &ResourceConfig, host_page_sizes: &[i64]) -> Vec<(String, u64)> {
    let mut entries: Vec<(String, u64)> = resources
        .huge_page_limits
        .iter()
        .filter_map(|(size, limit)| Some((huge_page_size_string(*size).ok()?, *limit as u64)))
        .collect();
    let configured: BTreeSet<String> = entries.iter().map(|(size, _)| size.clone()).collect();
    for size in host_page_sizes.iter().filter_map(|size| huge_page_size_string(*size).ok()) {
        if !configured.contains(&size) {
            entries.push((size, 0));
        }
    }
    entries
}

/// The hugetlb limit file of a page size string on a cgroup version.
pub(crate) fn hugetlb_file(size: &str, version: CgroupVersion, reserved: bool) -> String {
    let rsvd = if reserved { ".rsvd" } else { "" };
    match version {
        CgroupVersion::V1 => format!("hugetlb.{size}{rsvd}.limit_in_bytes"),
        CgroupVersion::V2 => format!("hugetlb.{size}{rsvd}.max"),
    }
}

/// The huge page limits of the cgroup `dir` for the host's page sizes, each
/// one whose limit file exists (the `read_limits` of both managers).
pub(crate) fn read_hugetlb_limits(
    dir: &Path,
    host_page_sizes: &[i64],
    version: CgroupVersion,
) -> Result<BTreeMap<String, Limit>, Error> {
    let mut limits = BTreeMap::new();
    for (size, _) in hugetlb_entries(&ResourceConfig::default(), host_page_sizes) {
        if let Some(limit) = optional(files::read_u64(dir, &hugetlb_file(&size, version, false)))? {
            limits.insert(size, Limit::from_file_value(limit));
        }
    }
    Ok(limits)
}

/// Writes each limit and its `.rsvd` twin; after the first missing `.rsvd`
/// file (kernels before 5.7) the twins are skipped.
pub(crate) fn set_hugetlb(
    dir: Option<&Path>,
    entries: &[(String, u64)],
    version: CgroupVersion,
    backing: Backing,
) -> Result<(), Error> {
    if entries.is_empty() {
        return Ok(());
    }
    let dir = require(dir, "hugetlb")?;
    let mut skip_reserved = false;
    for (size, limit) in entries {
        let value = limit.to_string();
        files::write(dir, &hugetlb_file(size, version, false), &value, backing)?;
        if skip_reserved {
            continue;
        }
        match files::write(dir, &hugetlb_file(size, version, true), &value, backing) {
            Err(err) if err.is_not_found() => skip_reserved = true,
            other => other?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn every_other_host_page_size_gets_zero() {
        let resources = ResourceConfig { huge_page_limits: BTreeMap::from([(2 << 20, 4 << 20)]), ..Default::default() };
        let entries = hugetlb_entries(&resources, &[2 << 20, 1 << 30]);
        assert_eq!(entries, [("2MB".to_owned(), 4 << 20), ("1GB".to_owned(), 0)]);
        assert_eq!(hugetlb_entries(&ResourceConfig::default(), &[]), []);
        let odd = ResourceConfig { huge_page_limits: BTreeMap::from([(1025 * 1024 + 1, 1)]), ..Default::default() };
        assert_eq!(hugetlb_entries(&odd, &[]), [], "an invalid size is skipped");
    }

    #[test]
    fn reserved_twins_stop_after_the_first_missing_one() {
        let dir = tempfile::tempdir().unwrap();
        for file in ["hugetlb.2MB.max", "hugetlb.1GB.max", "hugetlb.1GB.rsvd.max"] {
            std::fs::write(dir.path().join(file), "max").unwrap();
        }
        let entries = [("2MB".to_owned(), 4 << 20), ("1GB".to_owned(), 0)];
        set_hugetlb(Some(dir.path()), &entries, CgroupVersion::V2, Backing::Cgroupfs).unwrap();
        let read = |file: &str| files::read_string(dir.path(), file).unwrap();
        assert_eq!(read("hugetlb.2MB.max"), "4194304");
        assert_eq!(read("hugetlb.1GB.max"), "0");
        assert_eq!(read("hugetlb.1GB.rsvd.max"), "max", "skipped after 2MB.rsvd was missing");
    }

    #[test]
    fn pids_values_and_missing_controllers() {
        let dir = tempfile::tempdir().unwrap();
        for (limit, written) in [(10, "10"), (0, "1"), (-1, "max")] {
            let resources = ResourceConfig { pids_limit: Some(limit), ..Default::default() };
            set_pids(Some(dir.path()), &resources, Backing::Plain).unwrap();
            assert_eq!(files::read_string(dir.path(), "pids.max").unwrap(), written);
        }
        let resources = ResourceConfig { pids_limit: Some(5), ..Default::default() };
        let err = set_pids(None, &resources, Backing::Plain).unwrap_err();
        assert_eq!(err.to_string(), "cannot set pids limit: container could not join or create cgroup");
        set_pids(None, &ResourceConfig::default(), Backing::Plain).unwrap();
    }
}
