//! Reading `/etc/passwd` and `/etc/group` from a container root filesystem
//! without ever leaving it.
//!
//! An image is untrusted content: its `/etc/passwd` may be a symlink to
//! `/etc/shadow` of the host, a `..` escape, a loop, a FIFO that blocks the
//! reader forever, a device, or a file large enough to exhaust memory
//! (CVE-2024-9676 and the 2026 hardening of containerd and moby/sys/user).
//! [`Rootfs`] therefore:
//! - resolves every path with `openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)`:
//!   absolute symlinks restart at the root filesystem and `..` stops there, as
//!   if the process were chrooted (so NixOS-style `/etc/passwd -> /nix/store/…`
//!   links work), and procfs magic links are refused; on kernels without
//!   `openat2` (before 5.6) the same resolution is done one component at a time;
//! - opens the result with `O_PATH`, which neither blocks on a FIFO nor wakes a
//!   device, checks with `fstat` that it is a regular file, and only then opens
//!   that very inode for reading;
//! - reads at most [`MAX_FILE_BYTES`], failing beyond.
//!
//! A path that does not exist (including a dangling symlink) is an absent
//! file; every other failure is an [`Error`], whose kind tells each runtime's
//! fallback apart (CRI-O treats a failure to open as an absent file).

mod walk;

use super::Error;
use super::files::{EtcFile, ImageFiles};
use nix::errno::Errno;
use nix::fcntl::{OFlag, OpenHow, ResolveFlag, openat2};
use nix::sys::stat::{FileStat, Mode, SFlag, fstat};
use std::borrow::Cow;
use std::fs::File;
use std::io::Read;
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The largest `/etc/passwd` or `/etc/group` read: 10 MiB, the cap of
/// containerd ≥ 2.4 and moby/sys/user's path-based functions.
pub const MAX_FILE_BYTES: u64 = 10 << 20;

/// How often `openat2` is retried when the kernel reports that a concurrent
/// rename may have raced a `..` lookup (`EAGAIN`).
const OPENAT2_ATTEMPTS: usize = 16;

/// A container root filesystem, opened once; every file is resolved inside it.
///
/// ```no_run
/// use nodecore::groups::{self, Options, Rootfs, SecurityContext};
///
/// let rootfs = Rootfs::open("/run/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs")?;
/// let user = groups::resolve("alice", &SecurityContext::default(), &rootfs, &Options::containerd())?;
/// println!("uid={} gid={} groups={:?}", user.uid, user.gid, user.supplemental_groups);
/// # Ok::<(), nodecore::groups::Error>(())
/// ```
#[derive(Debug)]
pub struct Rootfs {
    root: OwnedFd,
    path: PathBuf,
}

impl Rootfs {
    /// Opens the directory at `path` (the caller's path, trusted and followed)
    /// as the root for every lookup.
    pub fn open(path: impl AsRef<Path>) -> Result<Rootfs, Error> {
        let path = path.as_ref().to_path_buf();
        let root = nix::fcntl::open(&path, OFlag::O_PATH | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC, Mode::empty())
            .map_err(|errno| Error::Rootfs { path: path.clone(), errno: errno as i32 })?;
        Ok(Rootfs { root, path })
    }

    /// The path the root filesystem was opened at.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl ImageFiles for Rootfs {
    fn read(&self, file: EtcFile) -> Result<Option<Cow<'_, [u8]>>, Error> {
        let inside = file.path().trim_start_matches('/');
        let found = match resolve_in_root(&self.root, inside) {
            Ok(found) => found,
            Err(Errno::ENOENT) => return Ok(None),
            Err(errno) => return Err(Error::Open { file, errno: errno as i32 }),
        };
        read_regular_file(&found, file).map(|bytes| Some(Cow::Owned(bytes)))
    }
}

/// An `O_PATH` descriptor for `path` resolved inside `root`.
fn resolve_in_root(root: &OwnedFd, path: &str) -> nix::Result<OwnedFd> {
    match openat2_in_root(root, path) {
        // No openat2: a kernel before 5.6, or a seccomp filter that hides it.
        Err(Errno::ENOSYS) => walk::resolve_in_root(root, path),
        result => result,
    }
}

fn openat2_in_root(root: &OwnedFd, path: &str) -> nix::Result<OwnedFd> {
    let how = OpenHow::new()
        .flags(OFlag::O_PATH | OFlag::O_CLOEXEC)
        .resolve(ResolveFlag::RESOLVE_IN_ROOT | ResolveFlag::RESOLVE_NO_MAGICLINKS);
    let mut result = Err(Errno::EAGAIN);
    for _ in 0..OPENAT2_ATTEMPTS {
        result = openat2(root, path, how);
        if !matches!(result, Err(Errno::EAGAIN)) {
            break;
        }
    }
    result
}

/// The bytes of the regular file behind the `O_PATH` descriptor `found`.
fn read_regular_file(found: &OwnedFd, file: EtcFile) -> Result<Vec<u8>, Error> {
    let read_error = |errno: Errno| Error::Read { file, errno: errno as i32 };
    let stat = fstat(found).map_err(read_error)?;
    let file_type = file_type(&stat);
    if file_type != SFlag::S_IFREG {
        return Err(Error::NotRegularFile { file, file_type: describe(file_type) });
    }
    let too_large = Error::TooLarge { file, limit: MAX_FILE_BYTES };
    if u64::try_from(stat.st_size).unwrap_or(u64::MAX) > MAX_FILE_BYTES {
        return Err(too_large);
    }
    // An O_PATH descriptor cannot be read. Reopen the inode it holds through
    // procfs (never the path again, which could by now name something else),
    // and check that procfs gave back that very inode.
    let io_error = |err: std::io::Error| read_error(Errno::from_raw(err.raw_os_error().unwrap_or(libc::EIO)));
    let opened = File::open(format!("/proc/thread-self/fd/{}", found.as_raw_fd())).map_err(io_error)?;
    let metadata = opened.metadata().map_err(io_error)?;
    if (metadata.dev(), metadata.ino()) != (stat.st_dev, stat.st_ino) {
        return Err(read_error(Errno::EXDEV));
    }
    let mut bytes = Vec::new();
    opened.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes).map_err(io_error)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large);
    }
    Ok(bytes)
}

fn file_type(stat: &FileStat) -> SFlag {
    SFlag::from_bits_truncate(stat.st_mode & SFlag::S_IFMT.bits())
}

fn describe(file_type: SFlag) -> &'static str {
    match file_type {
        SFlag::S_IFDIR => "directory",
        SFlag::S_IFIFO => "FIFO",
        SFlag::S_IFCHR => "character device",
        SFlag::S_IFBLK => "block device",
        SFlag::S_IFSOCK => "socket",
        SFlag::S_IFLNK => "symbolic link",
        _ => "file of unknown type",
    }
}

#[cfg(test)]
mod tests;
