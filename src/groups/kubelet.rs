//! What the kubelet does before any runtime sees the container: the API's
//! range validation, and the translation of the image `USER` and the security
//! context into the CRI user and supplemental-group list.

use super::{Error, MAX_ID, RangeCheck, SecurityContext};
use crate::golang::{self, strconv};

/// The Kubernetes API's `IsValidUserID` / `IsValidGroupID`: every id field in
/// `0..=2147483647`, uid first. The API server refuses such a pod, so no
/// runtime ever sees it.
pub(crate) fn validate(sc: &SecurityContext) -> Result<(), Error> {
    let in_range = |id: i64| (0..=MAX_ID).contains(&id);
    if let Some(uid) = sc.run_as_user.filter(|&uid| !in_range(uid)) {
        return Err(Error::UidOutOfRange { value: uid.to_string(), refused_by: RangeCheck::Api });
    }
    let named = |field: &str, id: Option<i64>| id.map(|id| (field.to_owned(), id));
    let gids = named("runAsGroup", sc.run_as_group)
        .into_iter()
        .chain(named("fsGroup", sc.fs_group))
        .chain(sc.supplemental_groups.iter().enumerate().map(|(i, &gid)| (format!("supplementalGroups[{i}]"), gid)));
    for (field, value) in gids {
        if !in_range(value) {
            return Err(Error::GidOutOfRange { field, value });
        }
    }
    Ok(())
}

/// The user string both runtimes start from: the CRI `run_as_username` when
/// the kubelet sends one, else its `run_as_user` in decimal.
///
/// With `runAsUser` unset, the kubelet takes the image `USER` as the runtime's
/// `ImageStatus` reports it: the part before the first `:` (the group part is
/// dropped, kubernetes#61967); a Go `ParseInt` success is a uid, an empty part
/// is uid 0 ("treat as root"), anything else (including an int64 overflow) a
/// user name.
pub(crate) fn cri_user(image_user: &str, run_as_user: Option<i64>) -> String {
    if let Some(uid) = run_as_user {
        return uid.to_string();
    }
    let user = image_user.split(':').next().unwrap_or_default();
    if user.is_empty() {
        return "0".to_owned();
    }
    match strconv::parse_int(user.as_bytes()) {
        Ok(uid) => uid.to_string(),
        Err(_) => user.to_owned(),
    }
}

/// The CRI `supplemental_groups` the kubelet sends: `fsGroup` first, then
/// `supplementalGroups` in manifest order, duplicates kept (the runtimes remove
/// them). Only called after [`validate`], so every id fits a `u32`.
pub(crate) fn cri_supplemental_groups(sc: &SecurityContext) -> impl Iterator<Item = u32> + '_ {
    sc.fs_group.into_iter().chain(sc.supplemental_groups.iter().copied()).map(golang::uint32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_user_translation_drops_the_group_part() {
        let cases = [
            ("", "0"),
            (":", "0"),
            (":devs", "0"),
            ("alice", "alice"),
            ("alice:devs", "alice"),
            ("alice:devs:x", "alice"),
            ("1000:2000", "1000"),
            ("+5", "5"),
            ("007", "7"),
            ("-0", "0"),
            ("-1", "-1"),
            ("4294967296", "4294967296"),
            ("99999999999999999999", "99999999999999999999"),
            (" 5", " 5"),
            ("0x10", "0x10"),
        ];
        for (image_user, cri) in cases {
            assert_eq!(cri_user(image_user, None), cri, "USER {image_user:?}");
        }
        assert_eq!(cri_user("alice", Some(1234)), "1234");
    }

    #[test]
    fn validation_checks_uid_then_each_gid_field() {
        let sc = |f: fn(&mut SecurityContext)| {
            let mut sc = SecurityContext::default();
            f(&mut sc);
            validate(&sc)
        };
        assert_eq!(sc(|_| {}), Ok(()));
        assert_eq!(sc(|s| s.run_as_user = Some(MAX_ID)), Ok(()));
        assert_eq!(sc(|s| s.run_as_user = Some(MAX_ID + 1)).unwrap_err().kind(), "uid-out-of-range");
        let both = sc(|s| {
            s.run_as_user = Some(-1);
            s.fs_group = Some(-1);
        });
        assert_eq!(both.unwrap_err().kind(), "uid-out-of-range");
        let err = sc(|s| s.supplemental_groups = vec![5, 1 << 31]).unwrap_err();
        assert_eq!(err, Error::GidOutOfRange { field: "supplementalGroups[1]".into(), value: 1 << 31 });
        assert!(err.to_string().contains("must be between 0 and 2147483647, inclusive"));
        assert_eq!(sc(|s| s.run_as_group = Some(-5)).unwrap_err().kind(), "gid-out-of-range");
    }

    #[test]
    fn fs_group_comes_first() {
        let sc = SecurityContext { fs_group: Some(2000), supplemental_groups: vec![4000, 4000], ..Default::default() };
        assert_eq!(cri_supplemental_groups(&sc).collect::<Vec<_>>(), [2000, 4000, 4000]);
    }
}
