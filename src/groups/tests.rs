//! Resolution behaviour the case files cannot express: options, the files
//! each runtime consults and when, and its answer to an unreadable file.

use super::*;
use proptest::prelude::*;
use std::borrow::Cow;
use std::cell::RefCell;

const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n";
const GROUP: &str = "wheel:x:10:root,alice\ndevs:x:50000:alice\n";

/// In-memory files that record every read and can fail one file.
struct Recorded {
    files: InMemoryFiles,
    failing: Option<(EtcFile, Error)>,
    reads: RefCell<Vec<EtcFile>>,
}

impl Recorded {
    fn new(passwd: &str, group: &str) -> Self {
        Recorded { files: InMemoryFiles::new(Some(passwd), Some(group)), failing: None, reads: RefCell::default() }
    }

    fn failing(file: EtcFile, error: Error) -> Self {
        Recorded { failing: Some((file, error)), ..Recorded::new(PASSWD, GROUP) }
    }

    fn reads(&self) -> Vec<EtcFile> {
        self.reads.borrow().clone()
    }
}

impl ImageFiles for Recorded {
    fn read(&self, file: EtcFile) -> Result<Option<Cow<'_, [u8]>>, Error> {
        self.reads.borrow_mut().push(file);
        match &self.failing {
            Some((failing, error)) if *failing == file => Err(error.clone()),
            _ => self.files.read(file),
        }
    }
}

fn sc(run_as_user: Option<i64>, run_as_group: Option<i64>, policy: SupplementalGroupsPolicy) -> SecurityContext {
    SecurityContext { run_as_user, run_as_group, supplemental_groups_policy: policy, ..Default::default() }
}

use SupplementalGroupsPolicy::{Merge, Strict};

#[test]
fn each_runtime_reads_only_the_files_it_consults() {
    let cases = [
        // containerd takes "uid:gid" as is; under Strict nothing else needs a file.
        (Runtime::Containerd, sc(Some(1000), Some(3000), Strict), vec![]),
        (Runtime::Containerd, sc(Some(1000), None, Strict), vec![EtcFile::Passwd]),
        (Runtime::Containerd, sc(Some(1000), Some(3000), Merge), vec![EtcFile::Passwd, EtcFile::Group]),
        // CRI-O's GetExecUser reads /etc/group under Strict too.
        (Runtime::CriO, sc(Some(1000), Some(3000), Strict), vec![EtcFile::Passwd, EtcFile::Group]),
        // ... but only when a passwd line matched.
        (Runtime::CriO, sc(Some(1234), None, Merge), vec![EtcFile::Passwd]),
    ];
    for (runtime, sc, expected) in cases {
        let files = Recorded::new(PASSWD, GROUP);
        resolve("", &sc, &files, &Options::for_runtime(runtime)).unwrap();
        assert_eq!(files.reads(), expected, "{runtime} {sc:?}");
    }
}

#[test]
fn containerd_reads_each_file_once() {
    let files = Recorded::new(PASSWD, GROUP);
    resolve("1000", &SecurityContext::default(), &files, &Options::containerd()).unwrap();
    assert_eq!(files.reads(), [EtcFile::Passwd, EtcFile::Group]);
}

#[test]
fn cri_o_treats_a_file_it_cannot_open_as_absent() {
    let open_error = Error::Open { file: EtcFile::Group, errno: libc::ELOOP };
    let files = Recorded::failing(EtcFile::Group, open_error.clone());
    let user = resolve("alice", &SecurityContext::default(), &files, &Options::cri_o()).unwrap();
    assert_eq!(user.supplemental_groups, [1000]);
    // containerd fails under Merge, and does not notice under Strict.
    let err = resolve("alice", &SecurityContext::default(), &files, &Options::containerd()).unwrap_err();
    assert_eq!(err, open_error);
    let strict = sc(None, None, Strict);
    assert!(resolve("alice", &strict, &files, &Options::containerd()).is_ok());

    let files = Recorded::failing(EtcFile::Passwd, Error::Open { file: EtcFile::Passwd, errno: libc::ENOTDIR });
    let err = resolve("alice", &strict, &files, &Options::cri_o()).unwrap_err();
    assert_eq!(err.kind(), "user-not-found");
    let user = resolve("1234", &strict, &files, &Options::cri_o()).unwrap();
    assert_eq!((user.uid, user.gid), (1234, 0));
    assert_eq!(resolve("1234", &strict, &files, &Options::containerd()).unwrap_err().kind(), "open");
}

#[test]
fn a_file_that_opens_but_cannot_be_read_fails_both_runtimes() {
    let error = Error::NotRegularFile { file: EtcFile::Group, file_type: "directory" };
    for runtime in [Runtime::Containerd, Runtime::CriO] {
        let files = Recorded::failing(EtcFile::Group, error.clone());
        let err = resolve("alice", &SecurityContext::default(), &files, &Options::for_runtime(runtime));
        assert_eq!(err.unwrap_err(), error, "{runtime}");
    }
}

#[test]
fn an_empty_passwd_name_matches_empty_members_in_containerd_only() {
    let passwd = ":x:1000:1000::/:\n";
    let group = "g:x:7:a,,b\n";
    let files = InMemoryFiles::new(Some(passwd), Some(group));
    let runas = sc(Some(1000), None, Merge);
    let containerd = resolve("", &runas, &files, &Options::containerd()).unwrap();
    assert_eq!(containerd.supplemental_groups, [7, 1000]);
    // GetExecUser skips the group phase when the matched name is empty.
    let cri_o = resolve("", &runas, &files, &Options::cri_o()).unwrap();
    assert_eq!(cri_o.supplemental_groups, [1000]);
}

#[test]
fn cri_o_wraps_an_out_of_range_uid_found_in_passwd_unless_v0_4_1() {
    let files = InMemoryFiles::new(Some("big:x:4294967296:-1::/:\n"), Some("g:x:7:big\n"));
    let user = resolve("4294967296", &SecurityContext::default(), &files, &Options::cri_o()).unwrap();
    assert_eq!(user, ContainerUser { uid: 0, gid: u32::MAX, supplemental_groups: vec![u32::MAX, 7] });

    let v041 = Options { parser: ParserVersion::V0_4_1, ..Options::cri_o() };
    let err = resolve("4294967296", &SecurityContext::default(), &files, &v041).unwrap_err();
    assert_eq!(err.kind(), "uid-out-of-range");
    assert!(err.to_string().contains("uids and gids must be in range 0-2147483647"));
    let err = resolve("4294967296", &SecurityContext::default(), &files, &Options::containerd()).unwrap_err();
    assert!(err.to_string().contains("uid out of range"));
}

#[test]
fn an_int64_overflow_is_a_name_for_cri_o_v0_4_0_only() {
    let name = "99999999999999999999";
    let files = InMemoryFiles::new(Some(&format!("{name}:x:0:0::/:\n")), None);
    let user = resolve(name, &SecurityContext::default(), &files, &Options::cri_o()).unwrap();
    assert_eq!(user.uid, 0, "CVE-2026-46680's class: a crafted name gives root");
    let v041 = Options { parser: ParserVersion::V0_4_1, ..Options::cri_o() };
    assert_eq!(resolve(name, &SecurityContext::default(), &files, &v041).unwrap_err().kind(), "uid-out-of-range");
    let err = resolve(name, &SecurityContext::default(), &files, &Options::containerd()).unwrap_err();
    assert_eq!(err.kind(), "uid-out-of-range");
}

#[test]
fn v0_4_1_refuses_group_lines_over_one_mib() {
    let group = format!("big:x:7700:{}alice\n", "m,".repeat(1 << 19));
    let files = InMemoryFiles::new(Some(PASSWD), Some(&group));
    for runtime in [Runtime::Containerd, Runtime::CriO] {
        let v040 = Options::for_runtime(runtime);
        let groups = resolve("alice", &SecurityContext::default(), &files, &v040).unwrap().supplemental_groups;
        assert!(groups.contains(&7700), "{runtime}");
        let v041 = Options { parser: ParserVersion::V0_4_1, ..v040 };
        let err = resolve("alice", &SecurityContext::default(), &files, &v041).unwrap_err();
        assert_eq!(err.kind(), "group-parse", "{runtime}");
    }
}

#[test]
fn the_same_name_exclusion_can_be_switched_off() {
    let files = InMemoryFiles::new(Some("svc:x:2000:50000::/:\n"), Some("svc:x:50001:svc\n"));
    let released = resolve("svc", &SecurityContext::default(), &files, &Options::containerd()).unwrap();
    assert_eq!(released.supplemental_groups, [50000]);
    let fixed = Options { exclude_same_name_group: false, ..Options::containerd() };
    let fixed = resolve("svc", &SecurityContext::default(), &files, &fixed).unwrap();
    assert_eq!(fixed.supplemental_groups, [50000, 50001]);
}

#[test]
fn errors_name_their_input() {
    let files = InMemoryFiles::new(Some(PASSWD), None);
    let err = resolve("nobody", &SecurityContext::default(), &files, &Options::containerd()).unwrap_err();
    assert_eq!(err.to_string(), "user \"nobody\": no users found");
    let err = resolve("nobody", &SecurityContext::default(), &files, &Options::cri_o()).unwrap_err();
    assert_eq!(err.to_string(), "get exec user: unable to find user nobody: no matching entries in passwd file");
    let files = InMemoryFiles::new(None, None);
    let err = resolve("nobody", &SecurityContext::default(), &files, &Options::containerd()).unwrap_err();
    assert!(err.to_string().contains("no such file or directory"));
}

fn line(fields: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    prop::collection::vec(fields, 0..8).prop_map(|lines| lines.join("\n"))
}

fn name() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["", "root", "alice", "bob", " alice", "#x", "+"]).prop_map(str::to_owned)
}

fn id() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["0", "1000", "1001", "-1", "4294967296", "x", "", "2147483647"]).prop_map(str::to_owned)
}

fn passwd_line() -> impl Strategy<Value = String> {
    (name(), id(), id()).prop_map(|(name, uid, gid)| format!("{name}:x:{uid}:{gid}::/:"))
}

fn group_line() -> impl Strategy<Value = String> {
    (name(), id(), prop::collection::vec(name(), 0..3))
        .prop_map(|(n, gid, members)| format!("{n}:x:{gid}:{}", members.join(",")))
}

fn policy() -> impl Strategy<Value = SupplementalGroupsPolicy> {
    prop_oneof![Just(Merge), Just(Strict)]
}

proptest! {
    /// The primary gid is always a supplementary group (the CVE-2023-25173
    /// family), containerd's list is sorted and unique, CRI-O's unique and led
    /// by the gid, and under Strict nothing but the gid, fsGroup and
    /// supplementalGroups appears.
    #[test]
    fn reported_groups_keep_the_runtime_invariants(
        passwd in prop::option::of(line(passwd_line())),
        group in prop::option::of(line(group_line())),
        image_user in prop::sample::select(vec!["", "alice", "bob", "1000", "root:wheel", "-1", "#x"]),
        run_as_user in prop::option::of(prop::sample::select(vec![0i64, 1000, 1001, 4242])),
        run_as_group in prop::option::of(0i64..3000),
        fs_group in prop::option::of(0i64..3000),
        supplemental_groups in prop::collection::vec(0i64..3000, 0..4),
        supplemental_groups_policy in policy(),
    ) {
        let files = InMemoryFiles::new(passwd.as_deref(), group.as_deref());
        let sc = SecurityContext { run_as_user, run_as_group, fs_group, supplemental_groups, supplemental_groups_policy };
        let requested: Vec<u32> = sc.fs_group.iter().chain(&sc.supplemental_groups).map(|&g| g as u32).collect();
        for options in [Options::containerd(), Options::cri_o()] {
            let Ok(user) = resolve(image_user, &sc, &files, &options) else { continue };
            let groups = &user.supplemental_groups;
            prop_assert!(groups.contains(&user.gid));
            prop_assert!(requested.iter().all(|g| groups.contains(g)));
            if let Some(gid) = run_as_group {
                prop_assert_eq!(user.gid, gid as u32);
            }
            if let Some(uid) = run_as_user {
                prop_assert_eq!(user.uid, uid as u32);
            }
            if supplemental_groups_policy == Strict {
                prop_assert!(groups.iter().all(|g| *g == user.gid || requested.contains(g)));
            }
            match options.runtime {
                Runtime::Containerd => prop_assert!(groups.windows(2).all(|w| w[0] < w[1])),
                Runtime::CriO => {
                    prop_assert_eq!(groups[0], user.gid);
                    let mut unique = groups.clone();
                    unique.sort_unstable();
                    unique.dedup();
                    prop_assert_eq!(unique.len(), groups.len());
                }
            }
        }
    }
}
