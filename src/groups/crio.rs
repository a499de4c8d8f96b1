//! CRI-O: `setupContainerUser`, which asks `moby/sys/user`'s `GetExecUser`
//! for the uid, gid and image groups, then builds the list with
//! `AddProcessAdditionalGid` (first occurrence kept, insertion order reported).
//!
//! CRI-O opens both files through `securejoin` and treats any failure to open
//! one as an absent file; a file that opens but cannot be read is an error.

use super::files::{CachedFiles, EtcFile};
use super::kubelet::cri_supplemental_groups;
use super::userdb::{ParserVersion, find_groups, find_user};
use super::{ContainerUser, Error, MAX_ID, Options, RangeCheck, Runtime, SecurityContext, SupplementalGroupsPolicy};
use crate::golang;
use crate::golang::strconv::{self, IntError};
use std::collections::HashSet;

pub(crate) fn resolve(
    user: &str,
    sc: &SecurityContext,
    files: &CachedFiles,
    options: &Options,
) -> Result<ContainerUser, Error> {
    let exec = get_exec_user(user, files, options.parser)?;
    let uid = golang::uint32(exec.uid);
    let gid = sc.run_as_group.map_or(golang::uint32(exec.gid), golang::uint32);
    let mut groups = vec![gid];
    let image_groups = match sc.supplemental_groups_policy {
        SupplementalGroupsPolicy::Merge => exec.sgids,
        SupplementalGroupsPolicy::Strict => Vec::new(),
    };
    // CRI-O scans the list for each gid; a set keeps that linear for an
    // image whose /etc/group lists the user in hundreds of thousands of groups.
    let mut seen = HashSet::from([gid]);
    for gid in image_groups.into_iter().map(golang::uint32).chain(cri_supplemental_groups(sc)) {
        if seen.insert(gid) {
            groups.push(gid);
        }
    }
    Ok(ContainerUser { uid, gid, supplemental_groups: groups })
}

/// What `GetExecUser` returns, ids still as parsed.
struct ExecUser {
    uid: i64,
    gid: i64,
    sgids: Vec<i64>,
}

/// `GetExecUser(user, nil, passwd, group)` for a user string without a group
/// part, which is all the kubelet path produces.
///
/// A numeric user is matched by uid, anything else by name; the first line
/// wins. The range check applies only when no line matches (v0.4.0), so a
/// passwd line with uid field `4294967296` is taken and wraps to uid 0. With
/// v0.4.0 an int64 overflow is looked up as a name; v0.4.1 refuses both up
/// front. The image groups are read only when the matched line has a
/// non-empty name.
fn get_exec_user(user: &str, files: &CachedFiles, parser: ParserVersion) -> Result<ExecUser, Error> {
    let numeric = strconv::parse_int(user.as_bytes());
    let out_of_range =
        || Error::UidOutOfRange { value: user.to_owned(), refused_by: RangeCheck::Runtime(Runtime::CriO) };
    let in_range = |uid: i64| (0..=MAX_ID).contains(&uid);
    // v0.4.1's parseNumeric refuses these before any file is read.
    let unusable_number = match numeric {
        Ok(uid) => !in_range(uid),
        Err(IntError::Range(_)) => true,
        Err(IntError::Syntax) => false,
    };
    if parser == ParserVersion::V0_4_1 && unusable_number {
        return Err(out_of_range());
    }
    let passwd = opened(files, EtcFile::Passwd)?;
    let matched = match passwd {
        Some(passwd) => find_user(passwd, |u| match numeric {
            Ok(uid) => u.uid == uid,
            Err(_) => u.name == user.as_bytes(),
        })?,
        None => None,
    };
    let Some(entry) = matched else {
        return match numeric {
            Ok(uid) if in_range(uid) => Ok(ExecUser { uid, gid: 0, sgids: Vec::new() }),
            Ok(_) => Err(out_of_range()),
            Err(_) => Err(Error::UserNotFound {
                user: user.to_owned(),
                runtime: Runtime::CriO,
                passwd_absent: passwd.is_none(),
            }),
        };
    };
    let sgids = if entry.name.is_empty() {
        Vec::new()
    } else {
        match opened(files, EtcFile::Group)? {
            Some(group) => find_groups(group, parser, |g| g.has_member(entry.name))?,
            None => Vec::new(),
        }
    };
    Ok(ExecUser { uid: entry.uid, gid: entry.gid, sgids })
}

/// A file as CRI-O's `openContainerFile` sees it: one that cannot be opened
/// is absent (CRI-O only logs a warning).
fn opened<'f>(files: &'f CachedFiles, file: EtcFile) -> Result<Option<&'f [u8]>, Error> {
    match files.get(file) {
        Err(Error::Open { .. }) => Ok(None),
        result => result,
    }
}
