//! The few cgroup files PID accounting and eviction read and write, in one
//! place, so that they can move onto the `cgroups` module's managers later.
//!
//! Every function takes the cgroup's directory (under any hierarchy and any
//! root), so tests run the same code against `/sys/fs/cgroup` and against
//! temporary directories.

use super::Error;
use std::path::Path;

fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::Io { path: path.to_owned(), source }
}

fn invalid(path: &Path, reason: impl Into<String>) -> Error {
    Error::InvalidFile { path: path.to_owned(), reason: reason.into() }
}

/// The file's content without surrounding whitespace.
pub(crate) fn read_trimmed(dir: &Path, file: &str) -> Result<String, Error> {
    let path = dir.join(file);
    std::fs::read_to_string(&path).map(|text| text.trim().to_owned()).map_err(|err| io_error(&path, err))
}

/// A file holding one unsigned integer.
pub(crate) fn read_u64(dir: &Path, file: &str) -> Result<u64, Error> {
    let text = read_trimmed(dir, file)?;
    text.parse().map_err(|_| invalid(&dir.join(file), format!("expected an unsigned integer, found {text:?}")))
}

/// A limit file: an unsigned integer, or `max` for no limit (`None`).
pub(crate) fn read_limit(dir: &Path, file: &str) -> Result<Option<u64>, Error> {
    let text = read_trimmed(dir, file)?;
    if text == "max" {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| invalid(&dir.join(file), format!("expected an unsigned integer or \"max\", found {text:?}")))
}

/// The value of `key` in a flat-keyed file such as `memory.stat`; `None`
/// when the key is absent.
pub(crate) fn read_keyed(dir: &Path, file: &str, key: &str) -> Result<Option<u64>, Error> {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).map_err(|err| io_error(&path, err))?;
    let Some(value) = text.lines().find_map(|line| line.strip_prefix(key)?.strip_prefix(' ')) else {
        return Ok(None);
    };
    value.trim().parse().map(Some).map_err(|_| invalid(&path, format!("{key} is not an unsigned integer")))
}

/// The number of entries in `cgroup.procs`, counted as cadvisor counts them:
/// the file split on newlines, a final empty piece dropped.
pub(crate) fn count_procs(dir: &Path) -> Result<u64, Error> {
    let path = dir.join("cgroup.procs");
    let text = std::fs::read_to_string(&path).map_err(|err| io_error(&path, err))?;
    let mut pieces: Vec<&str> = text.split('\n').collect();
    if pieces.last() == Some(&"") {
        pieces.pop();
    }
    Ok(pieces.len() as u64)
}

/// Writes `value` to the file, as the kernel expects it (no newline needed).
pub(crate) fn write(dir: &Path, file: &str, value: &str) -> Result<(), Error> {
    let path = dir.join(file);
    std::fs::write(&path, value).map_err(|err| io_error(&path, err))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_of_a_cgroup_directory() {
        let dir = tempfile::tempdir().unwrap();
        let put = |file: &str, text: &str| std::fs::write(dir.path().join(file), text).unwrap();
        put("cgroup.procs", "12\n13\n14\n");
        put("pids.max", "max\n");
        put("pids.current", "7\n");
        put("memory.stat", "cache 5\ninactive_file 10\ntotal_inactive_file 30\n");
        assert_eq!(count_procs(dir.path()).unwrap(), 3);
        assert_eq!(read_limit(dir.path(), "pids.max").unwrap(), None);
        assert_eq!(read_limit(dir.path(), "pids.current").unwrap(), Some(7));
        assert_eq!(read_keyed(dir.path(), "memory.stat", "inactive_file").unwrap(), Some(10));
        assert_eq!(read_keyed(dir.path(), "memory.stat", "total_inactive_file").unwrap(), Some(30));
        assert_eq!(read_keyed(dir.path(), "memory.stat", "active_file").unwrap(), None);
        put("cgroup.procs", "");
        assert_eq!(count_procs(dir.path()).unwrap(), 0);
        put("cgroup.procs", "12");
        assert_eq!(count_procs(dir.path()).unwrap(), 1);
        put("pids.max", "lots\n");
        assert_eq!(read_limit(dir.path(), "pids.max").unwrap_err().kind(), "invalid-file");
        assert_eq!(read_u64(dir.path(), "absent").unwrap_err().kind(), "io");
    }
}
