//! Supplemental-group resolution (KEP-3619, `supplementalGroupsPolicy` Merge
//! and Strict) from a container root filesystem.
//!
//! Given the image's `USER`, the pod's effective security context and the
//! image's `/etc/passwd` and `/etc/group`, [`resolve`] returns the uid, gid and
//! supplementary groups that containerd or CRI-O writes into the container's
//! OCI spec and reports in `ContainerStatus.User` (what the kubelet shows as
//! `status.containerStatuses[].user.linux`). The path is the one a pod takes:
//! the kubelet's translation to CRI, then the runtime's own resolution.
//!
//! Upstream: the kubelet's `pkg/kubelet/kuberuntime/kuberuntime_container.go`
//! and `helpers.go` (security context to CRI), containerd's CRI plugin
//! (`WithUser`, `WithAdditionalGIDs`) and CRI-O's `GetExecUser`, both over
//! `github.com/moby/sys/user`. Why it matters: under Strict the groups a
//! process runs with must not silently grow from the image, and a policy or
//! admission check needs the same answer the runtime will give.
//!
//! ```
//! use nodecore::groups::{self, InMemoryFiles, Options, SecurityContext, SupplementalGroupsPolicy};
//!
//! let files = InMemoryFiles::new(
//!     Some("root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n"),
//!     Some("wheel:x:10:root,alice\ndevs:x:50000:alice\n"),
//! );
//! let pod = SecurityContext { fs_group: Some(2000), supplemental_groups: vec![4000], ..Default::default() };
//!
//! // Merge (the default): the image's memberships of alice join the groups.
//! let user = groups::resolve("alice", &pod, &files, &Options::containerd()).unwrap();
//! assert_eq!((user.uid, user.gid), (1000, 1000));
//! assert_eq!(user.supplemental_groups, [10, 1000, 2000, 4000, 50000]);
//!
//! // CRI-O reports the same set in the order it was built.
//! let user = groups::resolve("alice", &pod, &files, &Options::cri_o()).unwrap();
//! assert_eq!(user.supplemental_groups, [1000, 10, 50000, 2000, 4000]);
//!
//! // Strict: nothing comes from the image's /etc/group.
//! let strict = SecurityContext { supplemental_groups_policy: SupplementalGroupsPolicy::Strict, ..pod };
//! let user = groups::resolve("alice", &strict, &files, &Options::containerd()).unwrap();
//! assert_eq!(user.supplemental_groups, [1000, 2000, 4000]);
//! ```
//!
//! Files come from an [`ImageFiles`] source: [`InMemoryFiles`], or [`Rootfs`],
//! which reads a mounted root filesystem without ever resolving a path outside
//! it (`openat2` with `RESOLVE_IN_ROOT`), reads regular files only and caps
//! their size at [`MAX_FILE_BYTES`].
//!
//! # Upstream behaviour reproduced on purpose
//! - The group part of an image `USER` (`alice:staff`, `1000:2000`) is dropped
//!   by the kubelet (kubernetes#61967): the gid comes from `runAsGroup`, else
//!   from the user's passwd line, else 0.
//! - Under Merge, containerd leaves out a group named like the user even when
//!   the user is listed in it (containerd#11937; [`Options::exclude_same_name_group`]).
//! - The `moby/sys/user` parsing quirks (see [`parse_passwd`]).
//! - Ids read from the files wrap into `u32` as Go's `uint32(int)` does:
//!   `-1` becomes 4294967295.

mod containerd;
mod crio;
mod error;
mod eval;
mod files;
mod kubelet;
mod rootfs;
mod userdb;

pub(crate) use eval::eval;

pub use error::{Error, RangeCheck};
pub use files::{EtcFile, ImageFiles, InMemoryFiles};
pub use rootfs::{MAX_FILE_BYTES, Rootfs};
pub use userdb::{GroupEntry, MAX_PASSWD_LINE, ParserVersion, PasswdEntry, parse_group, parse_passwd};

use files::CachedFiles;
use std::fmt;
use std::str::FromStr;

/// The largest uid or gid the Kubernetes API and the runtimes accept
/// (`math.MaxInt32`, the libcontainer limit).
pub const MAX_ID: i64 = i32::MAX as i64;

/// The pod's `supplementalGroupsPolicy`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum SupplementalGroupsPolicy {
    /// The user's memberships in the image's `/etc/group` join the groups (the
    /// behaviour when the field is unset).
    #[default]
    Merge,
    /// Only the primary gid, `fsGroup` and `supplementalGroups`.
    Strict,
}

/// The container runtime whose resolution and reporting to reproduce.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Runtime {
    /// containerd's CRI plugin (main, or 2.0.9 / 2.2.4 / 2.3.1 / 1.7.32 and
    /// later): groups reported sorted ascending, without duplicates.
    #[default]
    Containerd,
    /// CRI-O (main, or 1.31 and later): groups reported in the order they were
    /// added (gid, image groups, `fsGroup`, `supplementalGroups`), first
    /// occurrence kept.
    CriO,
}

/// The effective security context of a container: the container's
/// `runAsUser` and `runAsGroup` over the pod's, and the pod-level group
/// fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecurityContext {
    /// `runAsUser`; when unset the image's `USER` decides.
    pub run_as_user: Option<i64>,
    /// `runAsGroup`; never taken from the image.
    pub run_as_group: Option<i64>,
    /// The pod's `fsGroup`, always added as a supplementary group.
    pub fs_group: Option<i64>,
    /// The pod's `supplementalGroups`, in manifest order.
    pub supplemental_groups: Vec<i64>,
    /// The pod's `supplementalGroupsPolicy`.
    pub supplemental_groups_policy: SupplementalGroupsPolicy,
}

/// How to resolve: which runtime, and the upstream versions that change results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Options {
    /// The runtime to reproduce.
    pub runtime: Runtime,
    /// The `moby/sys/user` release the runtime reads the files with.
    pub parser: ParserVersion,
    /// containerd only: leave out, under Merge, the image groups whose name
    /// equals the user's name (containerd#11937, still present upstream; its fix
    /// is containerd PR #13587). `false` gives the fixed behaviour.
    pub exclude_same_name_group: bool,
}

impl Options {
    /// containerd as released: `moby/sys/user` v0.4.0, same-name groups left out.
    pub fn containerd() -> Self {
        Options { runtime: Runtime::Containerd, parser: ParserVersion::V0_4_0, exclude_same_name_group: true }
    }

    /// CRI-O as released: `moby/sys/user` v0.4.0.
    pub fn cri_o() -> Self {
        Options { runtime: Runtime::CriO, ..Options::containerd() }
    }

    /// The released behaviour of `runtime`.
    pub fn for_runtime(runtime: Runtime) -> Self {
        match runtime {
            Runtime::Containerd => Options::containerd(),
            Runtime::CriO => Options::cri_o(),
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options::containerd()
    }
}

/// The identity a container's first process gets, as the runtime reports it
/// in `ContainerStatus.User.Linux` (CRI `LinuxContainerUser`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerUser {
    /// The uid.
    pub uid: u32,
    /// The primary gid; always also in `supplemental_groups`.
    pub gid: u32,
    /// The supplementary groups in the runtime's reported order.
    pub supplemental_groups: Vec<u32>,
}

/// Resolves the identity of a container whose image has `USER image_user`
/// (`""` when it sets none), run with the effective security context `sc`,
/// reading the image's files from `files` only as the runtime would.
///
/// Checks run in upstream order: the Kubernetes API's range validation first
/// (uid, then gids), then the runtime's own.
pub fn resolve(
    image_user: &str,
    sc: &SecurityContext,
    files: &dyn ImageFiles,
    options: &Options,
) -> Result<ContainerUser, Error> {
    kubelet::validate(sc)?;
    let user = kubelet::cri_user(image_user, sc.run_as_user);
    let files = CachedFiles::new(files);
    match options.runtime {
        Runtime::Containerd => containerd::resolve(&user, sc, &files, options),
        Runtime::CriO => crio::resolve(&user, sc, &files, options),
    }
}

impl Runtime {
    /// The name used on the command line and in case files.
    pub fn name(self) -> &'static str {
        match self {
            Runtime::Containerd => "containerd",
            Runtime::CriO => "cri-o",
        }
    }
}

impl fmt::Display for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Runtime {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "containerd" => Ok(Runtime::Containerd),
            "cri-o" => Ok(Runtime::CriO),
            _ => Err(format!("unknown runtime {s:?} (expected containerd or cri-o)")),
        }
    }
}

impl FromStr for SupplementalGroupsPolicy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "Merge" => Ok(SupplementalGroupsPolicy::Merge),
            "Strict" => Ok(SupplementalGroupsPolicy::Strict),
            _ => Err(format!("unknown supplementalGroupsPolicy {s:?} (expected Merge or Strict)")),
        }
    }
}

impl FromStr for ParserVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "v0.4.0" => Ok(ParserVersion::V0_4_0),
            "v0.4.1" => Ok(ParserVersion::V0_4_1),
            _ => Err(format!("unknown moby/sys/user version {s:?} (expected v0.4.0 or v0.4.1)")),
        }
    }
}

#[cfg(test)]
mod tests;
