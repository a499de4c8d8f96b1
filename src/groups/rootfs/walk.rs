//! `RESOLVE_IN_ROOT` done in user space, one component at a time, for kernels
//! without `openat2`. It is also the reference the tests hold the kernel's
//! resolution against.
//!
//! Each component is opened with `O_PATH | O_NOFOLLOW` relative to the
//! directory reached so far, so no single system call ever sees more than one
//! name. A symlink's target is spliced into the remaining components; an
//! absolute target restarts at the root; `..` goes back to the directory the
//! walk came from and never above the root. At most [`MAX_SYMLINKS`] symlinks
//! are followed (`ELOOP`), and a component after a non-directory is `ENOTDIR`,
//! as in the kernel. Unlike `RESOLVE_NO_MAGICLINKS`, a procfs magic link is
//! followed by its text, which still cannot leave the root.

use nix::errno::Errno;
use nix::fcntl::{OFlag, openat, readlinkat};
use nix::sys::stat::{Mode, SFlag, fstat};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;

/// The kernel's limit on symlinks followed in one lookup (`MAXSYMLINKS`).
const MAX_SYMLINKS: usize = 40;

/// A name to look up next, in the order the walk meets them.
#[derive(Debug, PartialEq, Eq)]
enum Step {
    Name(Vec<u8>),
    Parent,
    /// `.`, and the "must be a directory" of a trailing `/`.
    Current,
}

/// An `O_PATH` descriptor for `path` resolved inside `root`.
pub(super) fn resolve_in_root(root: &OwnedFd, path: &str) -> nix::Result<OwnedFd> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let mut pending = steps(path.as_bytes());
    // The directories entered below the root, the innermost last.
    let mut entered: Vec<OwnedFd> = Vec::new();
    // The final object when it is not a directory.
    let mut reached: Option<OwnedFd> = None;
    let mut symlinks = 0;
    while let Some(step) = pending.pop() {
        if reached.is_some() {
            return Err(Errno::ENOTDIR);
        }
        let name = match step {
            Step::Current => continue,
            Step::Parent => {
                entered.pop();
                continue;
            }
            Step::Name(name) => name,
        };
        let parent = entered.last().unwrap_or(root);
        let found =
            openat(parent, name.as_slice(), OFlag::O_PATH | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC, Mode::empty())?;
        match SFlag::from_bits_truncate(fstat(&found)?.st_mode & SFlag::S_IFMT.bits()) {
            SFlag::S_IFLNK => {
                symlinks += 1;
                if symlinks > MAX_SYMLINKS {
                    return Err(Errno::ELOOP);
                }
                let target = readlinkat(&found, "")?;
                let target = target.as_bytes();
                if target.is_empty() {
                    return Err(Errno::ENOENT);
                }
                if target.starts_with(b"/") {
                    entered.clear();
                }
                pending.extend(steps(target));
            }
            SFlag::S_IFDIR => entered.push(found),
            _ => reached = Some(found),
        }
    }
    match reached.or_else(|| entered.pop()) {
        Some(found) => Ok(found),
        None => root.try_clone().map_err(|err| Errno::from_raw(err.raw_os_error().unwrap_or(libc::EBADF))),
    }
}

/// The steps of `path`, last first (a stack). Empty components are dropped; a
/// trailing `/` requires a directory.
fn steps(path: &[u8]) -> Vec<Step> {
    let mut steps: Vec<Step> = path
        .split(|&b| b == b'/')
        .filter(|component| !component.is_empty())
        .map(|component| match component {
            b"." => Step::Current,
            b".." => Step::Parent,
            name => Step::Name(name.to_vec()),
        })
        .collect();
    if path.ends_with(b"/") {
        steps.push(Step::Current);
    }
    steps.reverse();
    steps
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_a_stack_with_trailing_slash_as_current() {
        let name = |n: &str| Step::Name(n.as_bytes().to_vec());
        assert_eq!(steps(b"etc/passwd"), [name("passwd"), name("etc")]);
        assert_eq!(steps(b"/a//../b/"), [Step::Current, name("b"), Step::Parent, name("a")]);
        assert_eq!(steps(b"./x"), [name("x"), Step::Current]);
        assert!(steps(b"").is_empty());
    }
}
