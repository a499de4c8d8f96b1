//! containerd's CRI plugin: `GenerateUserString` and `WithUser` for the uid
//! and gid, `WithAdditionalGIDs` under Merge, then the CRI supplemental groups;
//! the list it reports is sorted ascending without duplicates.
//!
//! Files are consulted exactly when containerd consults them: an absent file
//! is a fallback where containerd has one, any other failure to read is an
//! error.

use super::files::{CachedFiles, EtcFile};
use super::kubelet::cri_supplemental_groups;
use super::userdb::{find_groups, find_user};
use super::{ContainerUser, Error, MAX_ID, Options, RangeCheck, Runtime, SecurityContext, SupplementalGroupsPolicy};
use crate::golang;
use crate::golang::strconv::{self, IntError};
use std::collections::BTreeSet;

pub(crate) fn resolve(
    user: &str,
    sc: &SecurityContext,
    files: &CachedFiles,
    options: &Options,
) -> Result<ContainerUser, Error> {
    let (uid, gid) = with_user(user, sc.run_as_group, files)?;
    // WithUser leaves [gid]; ensureAdditionalGids keeps it there under Merge too.
    let mut groups = BTreeSet::from([gid]);
    if sc.supplemental_groups_policy == SupplementalGroupsPolicy::Merge {
        groups.extend(image_groups(user, files, options)?);
    }
    groups.extend(cri_supplemental_groups(sc));
    Ok(ContainerUser { uid, gid, supplemental_groups: groups.into_iter().collect() })
}

/// `WithUser(user)` or, when `runAsGroup` is set, `WithUser(user + ":" + gid)`.
///
/// A numeric user outside `0..=2147483647`, or one that overflows `int64`, is
/// refused (the range fix of containerd 2.0.9 / 2.2.4 / 2.3.1 / 1.7.32, after
/// CVE-2024-40635 and CVE-2026-46680). A uid with an explicit gid is taken as
/// is, without reading any file.
fn with_user(user: &str, run_as_group: Option<i64>, files: &CachedFiles) -> Result<(u32, u32), Error> {
    let uid = match strconv::parse_int(user.as_bytes()) {
        Ok(uid) if (0..=MAX_ID).contains(&uid) => Some(golang::uint32(uid)),
        Ok(_) | Err(IntError::Range(_)) => {
            return Err(Error::UidOutOfRange {
                value: user.to_owned(),
                refused_by: RangeCheck::Runtime(Runtime::Containerd),
            });
        }
        Err(IntError::Syntax) => None,
    };
    let run_as_group = run_as_group.map(golang::uint32);
    match (uid, run_as_group) {
        (Some(uid), Some(gid)) => Ok((uid, gid)),
        // WithUserID: the gid of the first line with that uid, else 0.
        (Some(uid), None) => {
            let gid = match files.get(EtcFile::Passwd)? {
                Some(passwd) => find_user(passwd, |u| u.uid == i64::from(uid))?.map_or(0, |u| golang::uint32(u.gid)),
                None => 0,
            };
            Ok((uid, gid))
        }
        // WithUsername: the name must have a line. With an explicit gid only
        // the uid is taken from it.
        (None, run_as_group) => {
            let not_found = |passwd_absent| Error::UserNotFound {
                user: user.to_owned(),
                runtime: Runtime::Containerd,
                passwd_absent,
            };
            let passwd = files.get(EtcFile::Passwd)?.ok_or_else(|| not_found(true))?;
            let entry = find_user(passwd, |u| u.name == user.as_bytes())?.ok_or_else(|| not_found(false))?;
            Ok((golang::uint32(entry.uid), run_as_group.unwrap_or(golang::uint32(entry.gid))))
        }
    }
}

/// `WithAdditionalGIDs(user)`: the gids of the `/etc/group` lines listing the
/// user's name, in file order. A numeric user is first turned into the name on
/// its first passwd line; no passwd file, no such line, or no group file means
/// no image groups.
fn image_groups(user: &str, files: &CachedFiles, options: &Options) -> Result<Vec<u32>, Error> {
    let name = match strconv::parse_int(user.as_bytes()) {
        Ok(uid) => {
            let Some(passwd) = files.get(EtcFile::Passwd)? else { return Ok(Vec::new()) };
            match find_user(passwd, |u| u.uid == uid)? {
                Some(entry) => entry.name,
                None => return Ok(Vec::new()),
            }
        }
        Err(_) => user.as_bytes(),
    };
    let Some(group) = files.get(EtcFile::Group)? else { return Ok(Vec::new()) };
    // containerd#11937: "we only want supplemental groups" skips a group named
    // like the user, even one the user is listed in and that is not its primary
    // group. Fixed by containerd PR #13587, still open upstream.
    let same_name = |group_name: &[u8]| options.exclude_same_name_group && group_name == name;
    let gids = find_groups(group, options.parser, |g| !same_name(g.name) && g.has_member(name))?;
    Ok(gids.into_iter().map(golang::uint32).collect())
}
