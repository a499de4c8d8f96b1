//! The user-space walk must resolve exactly as the kernel's `openat2` does:
//! same inode, or same error, on random trees full of symlinks.

use super::{openat2_in_root, walk};
use nix::sys::stat::fstat;
use proptest::prelude::*;
use std::os::fd::OwnedFd;
use std::os::unix::fs::symlink;
use std::path::Path;

#[derive(Debug, Clone)]
enum Entry {
    Dir,
    File,
    Symlink(String),
}

fn component() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["etc", "a", "passwd", "..", ".", ""])
}

fn link_target() -> impl Strategy<Value = String> {
    (any::<bool>(), prop::collection::vec(component(), 0..5), any::<bool>()).prop_map(|(absolute, parts, trailing)| {
        let mut target = parts.join("/");
        if absolute {
            target.insert(0, '/');
        }
        if trailing {
            target.push('/');
        }
        target
    })
}

fn entry_path() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(vec!["etc", "a", "passwd"]), 1..4).prop_map(|parts| parts.join("/"))
}

fn entry() -> impl Strategy<Value = (String, Entry)> {
    let kind = prop_oneof![Just(Entry::Dir), Just(Entry::File), link_target().prop_map(Entry::Symlink)];
    (entry_path(), kind)
}

/// Builds what it can of `entries` under `root`; entries whose parent is not
/// a directory are skipped.
fn build(root: &Path, entries: &[(String, Entry)]) {
    for (path, kind) in entries {
        let path = root.join(path);
        let _ = match kind {
            Entry::Dir => std::fs::create_dir(&path),
            Entry::File => std::fs::write(&path, b"root:x:0:0::/:\n"),
            Entry::Symlink(target) => symlink(target, &path),
        };
    }
}

fn outcome(result: nix::Result<OwnedFd>) -> Result<(u64, u64), nix::errno::Errno> {
    result.map(|fd| {
        let stat = fstat(&fd).expect("fstat of an O_PATH descriptor");
        (stat.st_dev, stat.st_ino)
    })
}

fn open_root(path: &Path) -> OwnedFd {
    super::Rootfs::open(path).expect("temp dir opens").root
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn walk_resolves_as_openat2_does(
        entries in prop::collection::vec(entry(), 0..12),
        lookups in prop::collection::vec(link_target(), 1..6),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let root_path = dir.path().join("root");
        std::fs::create_dir(&root_path).unwrap();
        build(&root_path, &entries);
        let root = open_root(&root_path);
        for lookup in lookups.iter().map(String::as_str).chain(["etc/passwd"]) {
            let kernel = outcome(openat2_in_root(&root, lookup));
            let walked = outcome(walk::resolve_in_root(&root, lookup));
            prop_assert_eq!(kernel, walked, "lookup {:?} in {:?}", lookup, entries);
        }
    }
}

#[test]
fn walk_and_openat2_agree_on_symlink_limits() {
    let dir = tempfile::tempdir().unwrap();
    let root_path = dir.path();
    // A chain of 40 links resolves; 41 is ELOOP.
    for (first, links) in [("chain40", 40), ("chain41", 41)] {
        std::fs::write(root_path.join(format!("{first}-end")), b"").unwrap();
        for i in 0..links {
            let next = if i + 1 == links { format!("{first}-end") } else { format!("{first}-{}", i + 1) };
            let name = if i == 0 { first.to_owned() } else { format!("{first}-{i}") };
            symlink(next, root_path.join(name)).unwrap();
        }
    }
    symlink("loop-b", root_path.join("loop-a")).unwrap();
    symlink("loop-a", root_path.join("loop-b")).unwrap();
    symlink("", root_path.join("empty")).ok();
    let root = open_root(root_path);
    for lookup in ["", "chain40", "chain41", "loop-a", "empty", "chain40-end/", "/../../chain40-end"] {
        let kernel = outcome(openat2_in_root(&root, lookup));
        assert_eq!(kernel, outcome(walk::resolve_in_root(&root, lookup)), "{lookup}");
    }
    assert!(outcome(openat2_in_root(&root, "chain40")).is_ok());
    assert_eq!(outcome(openat2_in_root(&root, "chain41")), Err(nix::errno::Errno::ELOOP));
}
