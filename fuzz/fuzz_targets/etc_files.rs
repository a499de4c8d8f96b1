//! `/etc/passwd` and `/etc/group` as moby/sys/user reads them, and the
//! supplemental-group resolution of both runtimes over them: any bytes give
//! entries or a refusal, never a panic.
//!
//! Input: a selector byte, then the passwd text, a NUL, the group text, a
//! NUL, and the image's USER string.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nodecore::groups::{
    self, InMemoryFiles, Options, ParserVersion, Runtime, SecurityContext, SupplementalGroupsPolicy, parse_group,
    parse_passwd,
};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let mut parts = rest.splitn(3, |&b| b == 0);
    let passwd = parts.next().unwrap_or_default();
    let group = parts.next().unwrap_or_default();
    let user = parts.next().unwrap_or_default();

    let _ = parse_passwd(passwd);
    for version in [ParserVersion::V0_4_0, ParserVersion::V0_4_1] {
        if let Ok(entries) = parse_group(group, version) {
            for entry in entries {
                assert!(!entry.name.starts_with(b"#"), "comments are skipped");
                let _ = entry.members().count();
            }
        }
    }

    // The resolver takes text; the parsers above already saw the raw bytes.
    let (Ok(passwd), Ok(group), Ok(user)) =
        (std::str::from_utf8(passwd), std::str::from_utf8(group), std::str::from_utf8(user))
    else {
        return;
    };
    let files = InMemoryFiles::new((selector & 1 == 0).then_some(passwd), (selector & 2 == 0).then_some(group));
    let runtime = if selector & 4 == 0 { Runtime::Containerd } else { Runtime::CriO };
    let mut options = Options::for_runtime(runtime);
    options.parser = if selector & 8 == 0 { ParserVersion::V0_4_0 } else { ParserVersion::V0_4_1 };
    let sc = SecurityContext {
        run_as_group: (selector & 16 != 0).then_some(i64::from(selector)),
        fs_group: (selector & 32 != 0).then_some(1234),
        supplemental_groups_policy: if selector & 64 == 0 {
            SupplementalGroupsPolicy::Merge
        } else {
            SupplementalGroupsPolicy::Strict
        },
        ..SecurityContext::default()
    };
    if let Ok(resolved) = groups::resolve(user, &sc, &files, &options) {
        assert!(resolved.supplemental_groups.contains(&resolved.gid), "{resolved:?}");
    }
});
