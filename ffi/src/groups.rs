//! Supplemental-group resolution (`nodecore::groups`, KEP-3619): the uid,
//! gid and supplementary groups containerd or CRI-O gives a container, from
//! the image's `/etc/passwd` and `/etc/group` read inside a container root
//! filesystem (never resolving a path outside it) or given in memory.
//!
//! Pure functions of their arguments and the files they read: safe to call
//! from any number of threads.

use std::ffi::{OsStr, c_char};
use std::os::unix::ffi::OsStrExt;

use nodecore::groups::{
    self, ImageFiles, InMemoryFiles, Options, ParserVersion, Rootfs, Runtime, SecurityContext, SupplementalGroupsPolicy,
};

use crate::arg;
use crate::error::{Error, nodecore_error};
use crate::panic::ffi_boundary;
use crate::status::nodecore_status;

/// The pod's `supplementalGroupsPolicy`: one of the `NODECORE_GROUPS_POLICY_*`
/// values.
pub type nodecore_groups_policy = u32;

/// `Merge` (also the unset field): the user's memberships in the image's
/// `/etc/group` join the groups.
pub const NODECORE_GROUPS_POLICY_MERGE: nodecore_groups_policy = 0;
/// `Strict`: only the primary gid, `fsGroup` and `supplementalGroups`.
pub const NODECORE_GROUPS_POLICY_STRICT: nodecore_groups_policy = 1;

/// The runtime whose resolution and reporting to reproduce: one of the
/// `NODECORE_RUNTIME_*` values.
pub type nodecore_container_runtime = u32;

/// containerd's CRI plugin: groups reported sorted, without duplicates.
pub const NODECORE_RUNTIME_CONTAINERD: nodecore_container_runtime = 0;
/// CRI-O: groups reported in the order they were added.
pub const NODECORE_RUNTIME_CRI_O: nodecore_container_runtime = 1;

/// The `moby/sys/user` release the runtime parses the files with: one of
/// the `NODECORE_USER_PARSER_*` values.
pub type nodecore_user_parser = u32;

/// `moby/sys/user` v0.4.0 (containerd up to 2.3, CRI-O).
pub const NODECORE_USER_PARSER_V0_4_0: nodecore_user_parser = 0;
/// `moby/sys/user` v0.4.1 (containerd 2.4).
pub const NODECORE_USER_PARSER_V0_4_1: nodecore_user_parser = 1;

/// The container's effective security context: `runAsUser`, `runAsGroup`
/// (each used only when its `has_` flag is set) and the pod's `fsGroup` and
/// `supplementalGroupsPolicy`. The pod's `supplementalGroups` are passed
/// beside it as an array.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct nodecore_security_context {
    pub has_run_as_user: bool,
    pub run_as_user: i64,
    pub has_run_as_group: bool,
    pub run_as_group: i64,
    pub has_fs_group: bool,
    pub fs_group: i64,
    pub supplemental_groups_policy: nodecore_groups_policy,
}

/// How to resolve: the runtime, the parser release, and
/// `include_same_name_group`, which (containerd only, under Merge) keeps an
/// image group named like the user, as containerd's fix does; false is
/// containerd as released, which leaves it out. A zeroed struct is
/// containerd as released.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct nodecore_groups_options {
    pub runtime: nodecore_container_runtime,
    pub parser: nodecore_user_parser,
    pub include_same_name_group: bool,
}

/// The identity a container's first process gets (the primary gid is also
/// among the supplementary groups).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct nodecore_container_user {
    pub uid: u32,
    pub gid: u32,
}

/// The arguments both resolve functions share.
struct Request<'a> {
    image_user: &'a str,
    context: SecurityContext,
    options: Options,
}

impl Request<'_> {
    /// # Safety
    /// As for `nodecore_groups_resolve_rootfs`.
    unsafe fn read<'a>(
        image_user: *const c_char,
        image_user_len: usize,
        sc: *const nodecore_security_context,
        supplemental_groups: *const i64,
        supplemental_groups_len: usize,
        options: *const nodecore_groups_options,
    ) -> Result<Request<'a>, Error> {
        // SAFETY: forwarded contract.
        let image_user = unsafe { arg::text(image_user, image_user_len, "image_user") }?;
        // SAFETY: forwarded contract.
        let sc = unsafe { sc.as_ref() }.ok_or_else(|| Error::null_argument("sc"))?;
        // SAFETY: forwarded contract.
        let groups = unsafe { arg::array(supplemental_groups, supplemental_groups_len, "supplemental_groups") }?;
        // SAFETY: forwarded contract.
        let options = unsafe { options.as_ref() }.copied().unwrap_or_default();
        let policies = [SupplementalGroupsPolicy::Merge, SupplementalGroupsPolicy::Strict];
        let context = SecurityContext {
            run_as_user: sc.has_run_as_user.then_some(sc.run_as_user),
            run_as_group: sc.has_run_as_group.then_some(sc.run_as_group),
            fs_group: sc.has_fs_group.then_some(sc.fs_group),
            supplemental_groups: groups.to_vec(),
            supplemental_groups_policy: arg::choice(
                sc.supplemental_groups_policy,
                &policies,
                "sc.supplemental_groups_policy",
            )?,
        };
        let runtime = arg::choice(options.runtime, &[Runtime::Containerd, Runtime::CriO], "options.runtime")?;
        let options = Options {
            parser: arg::choice(options.parser, &[ParserVersion::V0_4_0, ParserVersion::V0_4_1], "options.parser")?,
            exclude_same_name_group: !options.include_same_name_group,
            ..Options::for_runtime(runtime)
        };
        Ok(Request { image_user, context, options })
    }

    /// Resolves from `files` and writes the answer: groups through the
    /// buffer protocol first, so that nothing is written when they do not fit.
    ///
    /// # Safety
    /// As for `nodecore_groups_resolve_rootfs`'s outputs.
    unsafe fn answer(
        &self,
        files: &dyn ImageFiles,
        out: *mut nodecore_container_user,
        groups: *mut u32,
        cap: usize,
        out_len: *mut usize,
    ) -> Result<(), Error> {
        // SAFETY: forwarded contract.
        let out = unsafe { arg::out_value(out, "out") }?;
        let user = groups::resolve(self.image_user, &self.context, files, &self.options)?;
        // SAFETY: forwarded contract.
        unsafe { arg::fill(groups, cap, &user.supplemental_groups, 0, out_len) }?;
        *out = nodecore_container_user { uid: user.uid, gid: user.gid };
        Ok(())
    }
}

/// Resolves the identity of a container whose image has `USER image_user`
/// (length 0 when it sets none), run with the security context `sc` and the
/// pod's `supplemental_groups`, reading `/etc/passwd` and `/etc/group`
/// inside the root filesystem at `rootfs` (a path, any bytes) as the
/// runtime would: `*out` receives the uid and gid, and the supplementary
/// groups, in the runtime's reported order, go into `groups` of capacity
/// `cap` with their number in `*out_len` (the buffer protocol; nothing is
/// written to `*out` when they do not fit). `options` NULL is containerd as
/// released.
///
/// Lookups never leave the root filesystem (symlinks resolve inside it),
/// only regular files are read, and their size is capped as containerd
/// 2.4 caps it.
///
/// Errors, with the runtime's or the API's words: `NODECORE_STATUS_UID_OUT_OF_RANGE`,
/// `NODECORE_STATUS_GID_OUT_OF_RANGE`, `NODECORE_STATUS_USER_NOT_FOUND`,
/// `NODECORE_STATUS_PASSWD_PARSE`, `NODECORE_STATUS_GROUP_PARSE`,
/// `NODECORE_STATUS_OPEN`, `NODECORE_STATUS_NOT_REGULAR_FILE`,
/// `NODECORE_STATUS_TOO_LARGE`, `NODECORE_STATUS_READ`,
/// `NODECORE_STATUS_ROOTFS` (the directory cannot be opened).
///
/// # Safety
/// `rootfs` and `image_user` are valid for reading their lengths; `sc` for
/// one record; `supplemental_groups` for `supplemental_groups_len` values;
/// `options` NULL or valid for one record; `out` for writing one record;
/// `groups` for writing `cap` values; `out_len` for writing one `size_t`;
/// `err` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_groups_resolve_rootfs(
    rootfs: *const c_char,
    rootfs_len: usize,
    image_user: *const c_char,
    image_user_len: usize,
    sc: *const nodecore_security_context,
    supplemental_groups: *const i64,
    supplemental_groups_len: usize,
    options: *const nodecore_groups_options,
    out: *mut nodecore_container_user,
    groups: *mut u32,
    cap: usize,
    out_len: *mut usize,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let path = unsafe { arg::array(rootfs.cast::<u8>(), rootfs_len, "rootfs") }?;
        // SAFETY: forwarded contract.
        let request = unsafe {
            Request::read(image_user, image_user_len, sc, supplemental_groups, supplemental_groups_len, options)
        }?;
        let root = Rootfs::open(OsStr::from_bytes(path))?;
        // SAFETY: forwarded contract.
        unsafe { request.answer(&root, out, groups, cap, out_len) }
    )
}

/// `nodecore_groups_resolve_rootfs` with the two files given in memory:
/// `passwd` (`passwd_len` bytes, any encoding) when `has_passwd`, else the
/// image has no `/etc/passwd`; the same for `group`.
///
/// # Safety
/// `passwd` and `group` are valid for reading their lengths; the rest as
/// for `nodecore_groups_resolve_rootfs`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_groups_resolve_files(
    passwd: *const c_char,
    passwd_len: usize,
    has_passwd: bool,
    group: *const c_char,
    group_len: usize,
    has_group: bool,
    image_user: *const c_char,
    image_user_len: usize,
    sc: *const nodecore_security_context,
    supplemental_groups: *const i64,
    supplemental_groups_len: usize,
    options: *const nodecore_groups_options,
    out: *mut nodecore_container_user,
    groups: *mut u32,
    cap: usize,
    out_len: *mut usize,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let passwd = unsafe { arg::array(passwd.cast::<u8>(), passwd_len, "passwd") }?;
        // SAFETY: forwarded contract.
        let group = unsafe { arg::array(group.cast::<u8>(), group_len, "group") }?;
        // SAFETY: forwarded contract.
        let request = unsafe {
            Request::read(image_user, image_user_len, sc, supplemental_groups, supplemental_groups_len, options)
        }?;
        let files = InMemoryFiles {
            passwd: has_passwd.then(|| passwd.to_vec()),
            group: has_group.then(|| group.to_vec()),
        };
        // SAFETY: forwarded contract.
        unsafe { request.answer(&files, out, groups, cap, out_len) }
    )
}

#[cfg(test)]
mod tests;
