//! The module's one error type.

use super::Runtime;
use super::files::EtcFile;
use std::io;
use std::path::PathBuf;

/// Why no identity could be resolved. Each variant is a stable kind
/// ([`Error::kind`]); messages carry the upstream wording, so they can be
/// matched against a runtime's logs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A uid outside `0..=2147483647`: refused by the Kubernetes API
    /// (`runAsUser`), or by the runtime for a numeric image `USER`.
    #[error("{}", uid_out_of_range(value, *refused_by))]
    UidOutOfRange {
        /// The uid as given (an image `USER` may not even fit in 64 bits).
        value: String,
        /// Which check refused it.
        refused_by: RangeCheck,
    },
    /// A gid field (`runAsGroup`, `fsGroup`, `supplementalGroups[i]`) outside
    /// `0..=2147483647`, which the Kubernetes API refuses.
    #[error("{field}: Invalid value: {value}: must be between 0 and 2147483647, inclusive")]
    GidOutOfRange {
        /// The pod field at fault.
        field: String,
        /// Its value.
        value: i64,
    },
    /// A user name (from the image `USER`) with no `/etc/passwd` entry, or no
    /// `/etc/passwd` at all.
    #[error("{}", user_not_found(user, *runtime, *passwd_absent))]
    UserNotFound {
        /// The name looked up.
        user: String,
        /// The runtime whose wording the message uses.
        runtime: Runtime,
        /// Whether the image has no `/etc/passwd`.
        passwd_absent: bool,
    },
    /// An `/etc/passwd` line over 65,535 bytes, which fails the runtimes' parse.
    #[error("/etc/passwd line {line} is {length} bytes long, over the parser's 65535: bufio.Scanner: token too long")]
    PasswdParse {
        /// 1-based line number.
        line: usize,
        /// Its length in bytes, without the `\n`.
        length: usize,
    },
    /// An `/etc/group` line over 1 MiB, which `moby/sys/user` v0.4.1 refuses.
    #[error("/etc/group line {line} is {length} bytes long, over the parser's 1048575: bufio.Scanner: token too long")]
    GroupParse {
        /// 1-based line number.
        line: usize,
        /// Its length in bytes, without the `\n`.
        length: usize,
    },
    /// The file's path could not be resolved or opened inside the root
    /// filesystem (a symlink loop, a non-directory on the way, ...). A path that
    /// does not exist is not an error: the file is absent.
    #[error("open {file}: {}", io::Error::from_raw_os_error(*errno))]
    Open {
        /// The file.
        file: EtcFile,
        /// The OS error number.
        errno: i32,
    },
    /// The path resolves to a directory, FIFO, device, socket, ... Only regular
    /// files are read, as containerd ≥ 2.4 does.
    #[error("{file} is not a regular file (it is a {file_type})")]
    NotRegularFile {
        /// The file.
        file: EtcFile,
        /// What it is instead.
        file_type: &'static str,
    },
    /// The file is larger than [`super::MAX_FILE_BYTES`], the cap containerd ≥ 2.4
    /// applies.
    #[error("{file} exceeds {limit} bytes")]
    TooLarge {
        /// The file.
        file: EtcFile,
        /// The cap, in bytes.
        limit: u64,
    },
    /// Reading the opened file failed.
    #[error("read {file}: {}", io::Error::from_raw_os_error(*errno))]
    Read {
        /// The file.
        file: EtcFile,
        /// The OS error number.
        errno: i32,
    },
    /// The root filesystem directory itself could not be opened.
    #[error("root filesystem {}: {}", path.display(), io::Error::from_raw_os_error(*errno))]
    Rootfs {
        /// The path given.
        path: PathBuf,
        /// The OS error number.
        errno: i32,
    },
}

/// Which check refused an out-of-range uid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RangeCheck {
    /// The Kubernetes API's validation of `runAsUser` (`IsValidUserID`).
    Api,
    /// The runtime's check of the user string it was given.
    Runtime(Runtime),
}

impl Error {
    /// The stable, machine-readable kind: the case files' `expect.error`.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::UidOutOfRange { .. } => "uid-out-of-range",
            Error::GidOutOfRange { .. } => "gid-out-of-range",
            Error::UserNotFound { .. } => "user-not-found",
            Error::PasswdParse { .. } => "passwd-parse",
            Error::GroupParse { .. } => "group-parse",
            Error::Open { .. } => "open",
            Error::NotRegularFile { .. } => "not-regular-file",
            Error::TooLarge { .. } => "too-large",
            Error::Read { .. } => "read",
            Error::Rootfs { .. } => "rootfs",
        }
    }
}

fn uid_out_of_range(value: &str, refused_by: RangeCheck) -> String {
    match refused_by {
        RangeCheck::Api => format!("runAsUser: Invalid value: {value}: must be between 0 and 2147483647, inclusive"),
        RangeCheck::Runtime(Runtime::Containerd) => format!("invalid USER value {value:?}: uid out of range"),
        RangeCheck::Runtime(Runtime::CriO) => {
            format!("get exec user {value:?}: uids and gids must be in range 0-2147483647")
        }
    }
}

fn user_not_found(user: &str, runtime: Runtime, passwd_absent: bool) -> String {
    match (runtime, passwd_absent) {
        (Runtime::Containerd, true) => format!("user {user:?}: open /etc/passwd: no such file or directory"),
        (Runtime::Containerd, false) => format!("user {user:?}: no users found"),
        (Runtime::CriO, _) => format!("get exec user: unable to find user {user}: no matching entries in passwd file"),
    }
}
