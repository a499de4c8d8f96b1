//! Status codes: the numeric answer of every fallible function.
//!
//! The numbers are part of the ABI and never change meaning. A code that is
//! retired stays reserved; new codes are appended. Codes are grouped in
//! blocks so that each module's kinds stay together:
//!
//! | block | for |
//! |---|---|
//! | 0–99 | the boundary itself (arguments, buffers, panics, case format) |
//! | 100–199 | `cpuset` |
//! | 200–299 | `topology` |
//! | 300–399 | `cpumanager` |
//! | 400–499 | `topologymanager` |
//! | 500–599 | `cgroups` |
//! | 600–699 | `eviction` |
//! | 700–799 | `pids` |
//! | 800–899 | `groups` |
//!
//! Each code has a stable *kind* name, the same string the case files use as
//! `expect.error`; the library's error kinds map to codes through
//! [`nodecore_status::from_kind`]. A kind shared by several modules (such as
//! `invalid-options`) has one code, in the block of the module that first
//! used it.

use std::ffi::{CStr, c_char};

use crate::panic::ffi_boundary;

/// What a fallible function reports. `NODECORE_STATUS_OK` (0) is success;
/// every other value is a failure, described further by the error object the
/// function stores through its `err` parameter.
#[repr(i32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum nodecore_status {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullArgument = 1,
    /// A text argument was not valid UTF-8.
    InvalidUtf8 = 2,
    /// An argument was out of its documented range (a CPU id above
    /// `NODECORE_MAX_CPU_ID`, a misaligned or oversized array).
    InvalidArgument = 3,
    /// The caller's buffer is too small; the needed length was stored
    /// through the function's length out-parameter.
    InsufficientSpace = 4,
    /// The library panicked; the call had no effect on its arguments. Please
    /// report it: it is a bug.
    Panic = 5,
    /// Input (JSON, a case) does not have the shape its function requires.
    InvalidInput = 6,
    /// A case names a kind no module answers.
    UnknownKind = 7,
    /// A failure whose kind has no code of its own; the error object's kind
    /// names it.
    Other = 99,
    /// Text that is not a CPU list in the Linux list format.
    Parse = 100,
    /// A topology that lists no CPU, a CPU twice, or an id out of range.
    InvalidTopology = 200,
    /// A topology name that is not among the named topologies.
    UnknownTopology = 201,
    /// The machine's sysfs could not be read or holds no usable topology.
    Discovery = 202,
    /// Policy options the kubelet would refuse.
    InvalidOptions = 300,
    /// `full-pcpus-only` and a request that is not a multiple of the CPUs
    /// per core.
    SmtAlignment = 301,
    /// Not enough CPUs to satisfy a request.
    Insufficient = 302,
    /// The NUMA-distributed allocation handed out a different number of
    /// CPUs than requested (upstream's "accounting error").
    Accounting = 303,
    /// The packed allocation ran out of steps without an answer.
    AllocationFailed = 304,
    /// The reserved CPUs do not match the reserved count, or name a CPU the
    /// topology lacks.
    InvalidReserved = 305,
    /// A restored CPU manager state that does not fit the policy and
    /// machine; the kubelet refuses to start on it.
    InvalidState = 306,
    /// A CPU manager checkpoint that is not a checkpoint's JSON.
    InvalidCheckpoint = 307,
    /// A CPU manager checkpoint whose checksum does not match its content.
    CorruptCheckpoint = 308,
    /// A V1 CPU manager checkpoint that cannot be migrated.
    CheckpointMigration = 309,
    /// A CPU manager checkpoint written for another policy.
    PolicyMismatch = 310,
    /// A file or directory could not be read or written; the message names
    /// the path and the operating system's error.
    Io = 311,
    /// `distribute-cpus-across-numa` gave up: the request has more
    /// combinations of NUMA nodes than its search examines.
    AllocationTooComplex = 312,
    /// A topology-manager option needs NUMA distances the input lacks.
    MissingDistances = 400,
    /// More NUMA nodes than the topology manager allows.
    TooManyNumaNodes = 401,
    /// A topology-manager policy name the kubelet does not know.
    UnknownPolicy = 402,
    /// A NUMA node id above 63, which a hint mask cannot hold.
    NumaNodeOutOfRange = 403,
    /// A topology-manager scope name the kubelet does not know.
    UnknownScope = 404,
    /// The hint merge gave up: the hint lists have more combinations than
    /// its search examines.
    MergeTooComplex = 405,
    /// A cgroup name that is not valid for its driver.
    InvalidName = 500,
    /// A configuration value the kubelet would refuse (a swap behaviour, a
    /// huge page size, node memory of 0).
    InvalidConfiguration = 501,
    /// An eviction threshold the kubelet would refuse.
    InvalidThreshold = 600,
    /// A file of the node that does not hold what the kernel writes there.
    InvalidFile = 601,
    /// A user id outside the valid range.
    UidOutOfRange = 800,
    /// A group id outside the valid range.
    GidOutOfRange = 801,
    /// A user name that the container's passwd file does not list.
    UserNotFound = 802,
    /// A passwd or group file that cannot be read.
    PasswdParse = 803,
    /// An `/etc/group` line longer than the parser accepts.
    GroupParse = 804,
    /// An `/etc/passwd` or `/etc/group` path that cannot be resolved or
    /// opened inside the root filesystem.
    Open = 805,
    /// An `/etc/passwd` or `/etc/group` that is not a regular file.
    NotRegularFile = 806,
    /// An `/etc/passwd` or `/etc/group` larger than the runtimes read.
    TooLarge = 807,
    /// Reading an opened `/etc/passwd` or `/etc/group` failed.
    Read = 808,
    /// The root filesystem directory could not be opened.
    Rootfs = 809,
}

/// Every code with its kind name: the one table both directions read. The
/// names are C strings so that [`nodecore_status_name`] can hand them out.
const KINDS: &[(nodecore_status, &CStr)] = &[
    (nodecore_status::Ok, c"ok"),
    (nodecore_status::NullArgument, c"null-argument"),
    (nodecore_status::InvalidUtf8, c"invalid-utf8"),
    (nodecore_status::InvalidArgument, c"invalid-argument"),
    (nodecore_status::InsufficientSpace, c"insufficient-space"),
    (nodecore_status::Panic, c"panic"),
    (nodecore_status::InvalidInput, c"invalid-input"),
    (nodecore_status::UnknownKind, c"unknown-kind"),
    (nodecore_status::Other, c"other"),
    (nodecore_status::Parse, c"parse"),
    (nodecore_status::InvalidTopology, c"invalid-topology"),
    (nodecore_status::UnknownTopology, c"unknown-topology"),
    (nodecore_status::Discovery, c"discovery"),
    (nodecore_status::InvalidOptions, c"invalid-options"),
    (nodecore_status::SmtAlignment, c"smt-alignment"),
    (nodecore_status::Insufficient, c"insufficient"),
    (nodecore_status::Accounting, c"accounting"),
    (nodecore_status::AllocationFailed, c"allocation-failed"),
    (nodecore_status::InvalidReserved, c"invalid-reserved"),
    (nodecore_status::InvalidState, c"invalid-state"),
    (nodecore_status::InvalidCheckpoint, c"invalid-checkpoint"),
    (nodecore_status::CorruptCheckpoint, c"corrupt-checkpoint"),
    (nodecore_status::CheckpointMigration, c"checkpoint-migration"),
    (nodecore_status::PolicyMismatch, c"policy-mismatch"),
    (nodecore_status::Io, c"io"),
    (nodecore_status::AllocationTooComplex, c"allocation-too-complex"),
    (nodecore_status::MissingDistances, c"missing-distances"),
    (nodecore_status::TooManyNumaNodes, c"too-many-numa-nodes"),
    (nodecore_status::UnknownPolicy, c"unknown-policy"),
    (nodecore_status::NumaNodeOutOfRange, c"numa-node-out-of-range"),
    (nodecore_status::UnknownScope, c"unknown-scope"),
    (nodecore_status::MergeTooComplex, c"merge-too-complex"),
    (nodecore_status::InvalidName, c"invalid-name"),
    (nodecore_status::InvalidConfiguration, c"invalid-configuration"),
    (nodecore_status::InvalidThreshold, c"invalid-threshold"),
    (nodecore_status::InvalidFile, c"invalid-file"),
    (nodecore_status::UidOutOfRange, c"uid-out-of-range"),
    (nodecore_status::GidOutOfRange, c"gid-out-of-range"),
    (nodecore_status::UserNotFound, c"user-not-found"),
    (nodecore_status::PasswdParse, c"passwd-parse"),
    (nodecore_status::GroupParse, c"group-parse"),
    (nodecore_status::Open, c"open"),
    (nodecore_status::NotRegularFile, c"not-regular-file"),
    (nodecore_status::TooLarge, c"too-large"),
    (nodecore_status::Read, c"read"),
    (nodecore_status::Rootfs, c"rootfs"),
];

impl nodecore_status {
    /// The code for a library error kind; [`nodecore_status::Other`] for a
    /// kind without a code of its own.
    pub(crate) fn from_kind(kind: &str) -> Self {
        KINDS.iter().find(|(_, name)| name.to_bytes() == kind.as_bytes()).map_or(nodecore_status::Other, |(s, _)| *s)
    }

    /// The stable kind name of this code.
    pub(crate) fn kind(self) -> &'static str {
        let name = KINDS.iter().find(|(status, _)| *status == self).map_or(c"other", |(_, name)| name);
        name.to_str().unwrap_or("other")
    }
}

/// The stable kind name of a status code (`"ok"`, `"null-argument"`,
/// `"parse"`, ...), the same string error objects and case files use.
///
/// Takes a plain integer so that any value is safe to pass; an unknown code
/// gives `"unknown"`. The returned string is static: never free it.
#[unsafe(no_mangle)]
pub extern "C" fn nodecore_status_name(status: i32) -> *const c_char {
    ffi_boundary! {
        KINDS.iter().find(|(code, _)| *code as i32 == status).map_or(c"unknown", |(_, name)| name).as_ptr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_has_one_kind_and_back() {
        for (status, name) in KINDS {
            assert_eq!(nodecore_status::from_kind(name.to_str().unwrap()), *status);
            assert_eq!(status.kind(), name.to_str().unwrap());
            let named = unsafe { CStr::from_ptr(nodecore_status_name(*status as i32)) };
            assert_eq!(named, *name);
        }
        assert_eq!(nodecore_status::from_kind("no-such-kind"), nodecore_status::Other);
        assert_eq!(unsafe { CStr::from_ptr(nodecore_status_name(12345)) }, c"unknown");
    }

    #[test]
    fn codes_never_change() {
        // These numbers are the ABI: a failing line here is a breaking change.
        let frozen = [
            (nodecore_status::Ok, 0),
            (nodecore_status::NullArgument, 1),
            (nodecore_status::InvalidUtf8, 2),
            (nodecore_status::InvalidArgument, 3),
            (nodecore_status::InsufficientSpace, 4),
            (nodecore_status::Panic, 5),
            (nodecore_status::InvalidInput, 6),
            (nodecore_status::UnknownKind, 7),
            (nodecore_status::Other, 99),
            (nodecore_status::Parse, 100),
            (nodecore_status::InvalidTopology, 200),
            (nodecore_status::UnknownTopology, 201),
            (nodecore_status::Discovery, 202),
            (nodecore_status::InvalidOptions, 300),
            (nodecore_status::SmtAlignment, 301),
            (nodecore_status::Insufficient, 302),
            (nodecore_status::Accounting, 303),
            (nodecore_status::AllocationFailed, 304),
            (nodecore_status::InvalidReserved, 305),
            (nodecore_status::InvalidState, 306),
            (nodecore_status::InvalidCheckpoint, 307),
            (nodecore_status::CorruptCheckpoint, 308),
            (nodecore_status::CheckpointMigration, 309),
            (nodecore_status::PolicyMismatch, 310),
            (nodecore_status::Io, 311),
            (nodecore_status::AllocationTooComplex, 312),
            (nodecore_status::MissingDistances, 400),
            (nodecore_status::TooManyNumaNodes, 401),
            (nodecore_status::UnknownPolicy, 402),
            (nodecore_status::NumaNodeOutOfRange, 403),
            (nodecore_status::UnknownScope, 404),
            (nodecore_status::MergeTooComplex, 405),
            (nodecore_status::InvalidName, 500),
            (nodecore_status::InvalidConfiguration, 501),
            (nodecore_status::InvalidThreshold, 600),
            (nodecore_status::InvalidFile, 601),
            (nodecore_status::UidOutOfRange, 800),
            (nodecore_status::GidOutOfRange, 801),
            (nodecore_status::UserNotFound, 802),
            (nodecore_status::PasswdParse, 803),
            (nodecore_status::GroupParse, 804),
            (nodecore_status::Open, 805),
            (nodecore_status::NotRegularFile, 806),
            (nodecore_status::TooLarge, 807),
            (nodecore_status::Read, 808),
            (nodecore_status::Rootfs, 809),
        ];
        assert_eq!(frozen.len(), KINDS.len(), "a new code needs a line here and in KINDS");
        for (status, number) in frozen {
            assert_eq!(status as i32, number, "{status:?}");
        }
    }
}
