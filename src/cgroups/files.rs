//! Reading and writing cgroup files: the whole filesystem layer.
//!
//! The read functions are public so that other modules (eviction, PID
//! accounting) read cgroup data the same way the managers do: a value such as
//! `memory.current` or `pids.current` with [`read_u64`], a flat-keyed file
//! such as `memory.stat` with [`read_keyed`], the processes of a cgroup and
//! all its descendants with [`procs_recursive`].
//!
//! ```no_run
//! use nodecore::cgroups::files;
//! use std::path::Path;
//!
//! let pod = Path::new("/sys/fs/cgroup/pids/kubepods/burstable/pod1b4e28ba-2fa1-11d2-883f-0016d3cca427");
//! let current = files::read_u64(pod, "pids.current")?;
//! let pids = files::procs_recursive(pod)?;
//! println!("{current} tasks charged, {} processes", pids.len());
//! # Ok::<(), nodecore::cgroups::Error>(())
//! ```

use super::Error;
use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What kind of directory tree a manager works on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Backing {
    /// A real cgroup filesystem: the kernel provides every interface file, a
    /// write to a missing file is an error, and `rmdir` removes a cgroup with
    /// its files.
    #[default]
    Cgroupfs,
    /// Plain directories standing in for one (tests, dry runs): a write creates
    /// a missing file (as runc's `TestMode` does), and removal deletes the
    /// regular files before the directory. Kernel rules (clamping, rounding,
    /// controller availability) are of course not applied.
    Plain,
}

/// The content of `dir/file` without trailing whitespace.
pub fn read_string(dir: &Path, file: &str) -> Result<String, Error> {
    let path = dir.join(file);
    let text = fs::read_to_string(&path).map_err(|err| Error::io("read", &path, err))?;
    Ok(text.trim_end().to_owned())
}

/// An unsigned value as runc's `GetCgroupParamUint` reads it: `max` is
/// `u64::MAX`, and a negative number (v1 `-1`) reads as 0.
pub fn read_u64(dir: &Path, file: &str) -> Result<u64, Error> {
    let text = read_string(dir, file)?;
    parse_u64(&text).ok_or_else(|| parse_error(dir, file, &text, "an unsigned integer or \"max\""))
}

/// A signed value (for example v1 `cpu.cfs_quota_us`, where -1 is no limit).
pub fn read_i64(dir: &Path, file: &str) -> Result<i64, Error> {
    let text = read_string(dir, file)?;
    text.parse().map_err(|_| parse_error(dir, file, &text, "an integer"))
}

/// A flat-keyed file (`memory.stat`, `cpu.stat`, `pids.events`): one
/// `key value` pair per line.
pub fn read_keyed(dir: &Path, file: &str) -> Result<BTreeMap<String, u64>, Error> {
    let text = read_string(dir, file)?;
    let mut values = BTreeMap::new();
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let parsed = line.split_once(' ').and_then(|(key, value)| Some((key, parse_u64(value.trim())?)));
        let (key, value) = parsed.ok_or_else(|| parse_error(dir, file, line, "\"key value\" lines"))?;
        values.insert(key.to_owned(), value);
    }
    Ok(values)
}

fn parse_u64(text: &str) -> Option<u64> {
    if text == "max" {
        return Some(u64::MAX);
    }
    text.parse::<u64>().ok().or_else(|| text.parse::<i64>().ok().filter(|value| *value < 0).map(|_| 0))
}

fn parse_error(dir: &Path, file: &str, value: &str, expected: &str) -> Error {
    Error::Parse { path: dir.join(file), value: value.to_owned(), reason: format!("expected {expected}") }
}

/// The processes attached to the cgroup `dir` itself (`cgroup.procs`), in
/// file order. A missing file means none. A threaded cgroup v2, where
/// `cgroup.procs` cannot be read, is read from `cgroup.threads` (as runc does).
pub fn procs(dir: &Path) -> Result<Vec<i32>, Error> {
    let path = dir.join("cgroup.procs");
    let text = match fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(err) if err.raw_os_error() == Some(libc::EOPNOTSUPP) => {
            let threads = dir.join("cgroup.threads");
            fs::read_to_string(&threads).map_err(|err| Error::io("read", &threads, err))?
        }
        Err(err) => return Err(Error::io("read", &path, err)),
    };
    text.split_whitespace()
        .map(|pid| pid.parse().map_err(|_| parse_error(dir, "cgroup.procs", pid, "process ids")))
        .collect()
}

/// The processes of the cgroup `dir` and of every cgroup below it, sorted and
/// without duplicates (the kubelet's `Pids` for one hierarchy). A missing
/// `dir`, and child cgroups that vanish during the walk, count as empty.
///
/// A container that may create cgroups can nest them as deep as paths allow
/// (about 2,000 levels): the walk keeps its pending directories in a list
/// rather than on the call stack, and holds one directory open at a time.
pub fn procs_recursive(dir: &Path) -> Result<Vec<i32>, Error> {
    let mut pids = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
            Err(err) => return Err(Error::io("read directory", &dir, err)),
        };
        pids.extend(procs(&dir)?);
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
                Err(err) => return Err(Error::io("read directory", &dir, err)),
            };
            if entry.file_type().is_ok_and(|kind| kind.is_dir()) {
                pending.push(entry.path());
            }
        }
    }
    pids.sort_unstable();
    pids.dedup();
    Ok(pids)
}

/// Writes `value` to `dir/file` in one write, truncating (runc's `WriteFile`).
pub(crate) fn write(dir: &Path, file: &str, value: &str, backing: Backing) -> Result<(), Error> {
    let path = dir.join(file);
    let mut options = OpenOptions::new();
    options.write(true).truncate(true).create(backing == Backing::Plain);
    let mut handle = options.open(&path).map_err(|err| Error::io("open", &path, err))?;
    handle.write_all(value.as_bytes()).map_err(|err| Error::io("write", &path, err))
}

/// Writes a multi-line value one line per write, as runc's `WriteFileByLine`
/// does for the unified map (files such as `io.max` take one entry per write).
pub(crate) fn write_by_line(dir: &Path, file: &str, value: &str, backing: Backing) -> Result<(), Error> {
    if !value.contains('\n') {
        return write(dir, file, value, backing);
    }
    let path = dir.join(file);
    let mut options = OpenOptions::new();
    options.write(true).truncate(true).create(backing == Backing::Plain);
    let mut handle = options.open(&path).map_err(|err| Error::io("open", &path, err))?;
    for line in value.split('\n').filter(|line| !line.is_empty()) {
        handle.write_all(line.as_bytes()).map_err(|err| Error::io("write", &path, err))?;
        if backing == Backing::Plain {
            handle.write_all(b"\n").map_err(|err| Error::io("write", &path, err))?;
        }
    }
    Ok(())
}

/// Creates `dir` and its missing parents.
pub(crate) fn create_dir_all(dir: &Path) -> Result<(), Error> {
    fs::create_dir_all(dir).map_err(|err| Error::io("mkdir", dir, err))
}

/// Removes the cgroup `dir` and every cgroup below it (runc's `RemovePath`):
/// one quick `rmdir`; if that fails, the child cgroups first, then `rmdir`
/// again, retrying on `EBUSY` 10 times with sleeps from 1 ms doubling (about
/// 1 s in all). A missing directory counts as removed.
///
/// Like [`procs_recursive`], the walk keeps its work in a list, not on the
/// call stack, so a tree a container nested thousands of levels deep is
/// removed without exhausting the stack.
pub(crate) fn remove_path(dir: &Path, backing: Backing) -> Result<(), Error> {
    enum Step {
        /// Try a quick `rmdir`; else list the children and come back.
        Enter(PathBuf),
        /// The children are gone: `rmdir` with retries.
        Leave(PathBuf),
    }
    let mut steps = vec![Step::Enter(dir.to_path_buf())];
    while let Some(step) = steps.pop() {
        let dir = match step {
            Step::Leave(dir) => {
                rmdir(&dir, true)?;
                continue;
            }
            Step::Enter(dir) => dir,
        };
        if rmdir(&dir, false).is_ok() {
            continue;
        }
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
            Err(err) => return Err(Error::io("read directory", &dir, err)),
        };
        steps.push(Step::Leave(dir.clone()));
        for entry in entries {
            let entry = entry.map_err(|err| Error::io("read directory", &dir, err))?;
            let is_dir = entry.file_type().is_ok_and(|kind| kind.is_dir());
            if is_dir {
                steps.push(Step::Enter(entry.path()));
            } else if backing == Backing::Plain {
                fs::remove_file(entry.path()).map_err(|err| Error::io("remove", entry.path(), err))?;
            }
        }
    }
    Ok(())
}

fn rmdir(dir: &Path, retry: bool) -> Result<(), Error> {
    let mut delay = Duration::from_millis(1);
    let mut tries_left = 10;
    loop {
        match fs::remove_dir(dir) {
            Ok(()) => return Ok(()),
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) if err.raw_os_error() == Some(libc::EBUSY) && retry && tries_left > 0 => {
                std::thread::sleep(delay);
                delay *= 2;
                tries_left -= 1;
            }
            Err(err) => return Err(Error::io("rmdir", dir, err)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_parse_like_runc() {
        let dir = tempfile::tempdir().unwrap();
        let put = |file: &str, text: &str| fs::write(dir.path().join(file), text).unwrap();
        put("max", "max\n");
        put("minus", "-1\n");
        put("number", "9223372036854771712\n");
        put("junk", "12abc\n");
        assert_eq!(read_u64(dir.path(), "max").unwrap(), u64::MAX);
        assert_eq!(read_u64(dir.path(), "minus").unwrap(), 0);
        assert_eq!(read_i64(dir.path(), "minus").unwrap(), -1);
        assert_eq!(read_u64(dir.path(), "number").unwrap(), 9223372036854771712);
        let err = read_u64(dir.path(), "junk").unwrap_err();
        assert_eq!(err.kind(), "parse");
        assert!(err.to_string().contains("\"12abc\""), "{err}");
        assert!(read_u64(dir.path(), "missing").unwrap_err().is_not_found());
    }

    #[test]
    fn keyed_files_become_maps() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("memory.stat"), "anon 4096\ninactive_file 8192\n").unwrap();
        let stat = read_keyed(dir.path(), "memory.stat").unwrap();
        assert_eq!(stat["inactive_file"], 8192);
        fs::write(dir.path().join("bad"), "anon\n").unwrap();
        assert_eq!(read_keyed(dir.path(), "bad").unwrap_err().kind(), "parse");
    }

    #[test]
    fn procs_are_collected_from_the_whole_subtree() {
        let dir = tempfile::tempdir().unwrap();
        let pod = dir.path().join("pod");
        fs::create_dir_all(pod.join("c1/nested")).unwrap();
        fs::create_dir_all(pod.join("c2")).unwrap();
        fs::write(pod.join("cgroup.procs"), "").unwrap();
        fs::write(pod.join("c1/cgroup.procs"), "30\n10\n").unwrap();
        fs::write(pod.join("c1/nested/cgroup.procs"), "20\n10\n").unwrap();
        assert_eq!(procs_recursive(&pod).unwrap(), vec![10, 20, 30]);
        assert_eq!(procs_recursive(&dir.path().join("gone")).unwrap(), Vec::<i32>::new());
        fs::write(pod.join("c2/cgroup.procs"), "x\n").unwrap();
        assert_eq!(procs_recursive(&pod).unwrap_err().kind(), "parse");
    }

    #[test]
    fn writes_need_the_file_unless_plain() {
        let dir = tempfile::tempdir().unwrap();
        assert!(write(dir.path(), "pids.max", "10", Backing::Cgroupfs).unwrap_err().is_not_found());
        write(dir.path(), "pids.max", "10", Backing::Plain).unwrap();
        write(dir.path(), "pids.max", "5", Backing::Cgroupfs).unwrap();
        assert_eq!(read_string(dir.path(), "pids.max").unwrap(), "5");
        write_by_line(dir.path(), "io.max", "8:0 rbps=1\n8:16 rbps=2\n", Backing::Plain).unwrap();
        assert_eq!(read_string(dir.path(), "io.max").unwrap(), "8:0 rbps=1\n8:16 rbps=2");
    }

    #[test]
    fn plain_trees_are_removed_recursively() {
        let dir = tempfile::tempdir().unwrap();
        let pod = dir.path().join("pod");
        fs::create_dir_all(pod.join("c1/nested")).unwrap();
        fs::write(pod.join("c1/nested/cgroup.procs"), "").unwrap();
        fs::write(pod.join("pids.max"), "max").unwrap();
        remove_path(&pod, Backing::Plain).unwrap();
        assert!(!pod.exists());
        remove_path(&pod, Backing::Plain).unwrap();
        fs::create_dir_all(pod.join("c1")).unwrap();
        fs::write(pod.join("c1/file"), "").unwrap();
        assert_eq!(remove_path(&pod, Backing::Cgroupfs).unwrap_err().kind(), "io", "cgroupfs removal keeps files");
    }
}
