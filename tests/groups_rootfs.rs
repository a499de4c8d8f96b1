//! Hostile root filesystems: whatever an image's `/etc` holds, nothing outside
//! the root filesystem is ever opened, and each trap gets a clear error or the
//! runtime's fallback.
//!
//! Every tree is built in a temp dir beside a sentinel `outside/etc` whose
//! users and groups (uid 4242, gid 4242 and 4343) would show in any answer
//! that read them; an inotify watch on it proves no file there was even opened.

use nix::sys::inotify::{AddWatchFlags, InitFlags, Inotify};
use nix::sys::stat::{Mode, SFlag, mknod};
use nodecore::groups::{
    self, ContainerUser, Error, EtcFile, ImageFiles, MAX_FILE_BYTES, Options, Rootfs, Runtime, SecurityContext,
    SupplementalGroupsPolicy,
};
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

const SENTINEL_PASSWD: &str =
    "intruder:x:4242:4242::/:/bin/sh\nroot:x:0:4242::/:/bin/sh\nalice:x:1000:4242::/:/bin/sh\n";
const SENTINEL_GROUP: &str = "intruders:x:4343:root,alice,intruder\n";
const SENTINEL_IDS: [u32; 2] = [4242, 4343];

const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n";
const GROUP: &str = "wheel:x:10:root,alice\ndevs:x:50000:alice\n";

/// A temp dir holding `outside/etc` (the sentinel, watched) and `rootfs/etc`.
struct Sandbox {
    _dir: tempfile::TempDir,
    outside: PathBuf,
    rootfs: PathBuf,
    watch: Inotify,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("temp dir");
        let outside = dir.path().join("outside");
        fs::create_dir_all(outside.join("etc")).unwrap();
        fs::write(outside.join("etc/passwd"), SENTINEL_PASSWD).unwrap();
        fs::write(outside.join("etc/group"), SENTINEL_GROUP).unwrap();
        let rootfs = dir.path().join("rootfs");
        fs::create_dir_all(rootfs.join("etc")).unwrap();
        let watch = Inotify::init(InitFlags::IN_NONBLOCK | InitFlags::IN_CLOEXEC).expect("inotify");
        for watched in [outside.clone(), outside.join("etc")] {
            watch.add_watch(&watched, AddWatchFlags::IN_OPEN | AddWatchFlags::IN_ACCESS).expect("inotify watch");
        }
        Sandbox { _dir: dir, outside, rootfs, watch }
    }

    fn etc(&self, name: &str) -> PathBuf {
        self.rootfs.join("etc").join(name)
    }

    /// Writes `content` at `path` inside the root filesystem.
    fn write(&self, path: &str, content: &str) {
        let path = self.rootfs.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }

    fn link(&self, path: &str, target: impl AsRef<Path>) {
        symlink(target, self.rootfs.join(path)).unwrap();
    }

    /// Resolves through a fresh [`Rootfs`], then checks that the sentinel was
    /// neither opened nor shows in the answer.
    fn resolve(&self, image_user: &str, sc: &SecurityContext, runtime: Runtime) -> Result<ContainerUser, Error> {
        let rootfs = Rootfs::open(&self.rootfs).expect("the root filesystem opens");
        let result = groups::resolve(image_user, sc, &rootfs, &Options::for_runtime(runtime));
        self.assert_sentinel_untouched();
        if let Ok(user) = &result {
            let ids = [user.uid, user.gid].into_iter().chain(user.supplemental_groups.iter().copied());
            assert!(ids.clone().all(|id| !SENTINEL_IDS.contains(&id)), "sentinel ids in {user:?}");
        }
        result
    }

    fn assert_sentinel_untouched(&self) {
        match self.watch.read_events() {
            Err(nix::errno::Errno::EAGAIN) => {}
            Ok(events) => panic!("files outside the root filesystem were opened or read: {events:?}"),
            Err(err) => panic!("inotify: {err}"),
        }
    }
}

fn default_sc() -> SecurityContext {
    SecurityContext::default()
}

fn run_as(uid: i64) -> SecurityContext {
    SecurityContext { run_as_user: Some(uid), ..Default::default() }
}

fn strict(sc: SecurityContext) -> SecurityContext {
    SecurityContext { supplemental_groups_policy: SupplementalGroupsPolicy::Strict, ..sc }
}

fn user(uid: u32, gid: u32, groups: &[u32]) -> ContainerUser {
    ContainerUser { uid, gid, supplemental_groups: groups.to_vec() }
}

const BOTH: [Runtime; 2] = [Runtime::Containerd, Runtime::CriO];

#[test]
fn the_inotify_watch_sees_a_read_of_the_sentinel() {
    let sandbox = Sandbox::new();
    sandbox.assert_sentinel_untouched();
    fs::read(sandbox.outside.join("etc/passwd")).unwrap();
    assert!(!sandbox.watch.read_events().unwrap().is_empty());
}

#[test]
fn a_plain_root_filesystem_resolves() {
    let sandbox = Sandbox::new();
    sandbox.write("etc/passwd", PASSWD);
    sandbox.write("etc/group", GROUP);
    let containerd = sandbox.resolve("alice", &default_sc(), Runtime::Containerd).unwrap();
    assert_eq!(containerd, user(1000, 1000, &[10, 1000, 50000]));
    let cri_o = sandbox.resolve("alice", &default_sc(), Runtime::CriO).unwrap();
    assert_eq!(cri_o, user(1000, 1000, &[1000, 10, 50000]));
}

#[test]
fn absolute_symlinks_out_of_the_root_are_re_rooted() {
    let sandbox = Sandbox::new();
    sandbox.link("etc/passwd", sandbox.outside.join("etc/passwd"));
    sandbox.link("etc/group", "/proc/self/root".to_owned() + sandbox.outside.join("etc/group").to_str().unwrap());
    for runtime in BOTH {
        // Both targets are missing inside the root: absent files, the fallbacks apply.
        assert_eq!(sandbox.resolve("", &default_sc(), runtime).unwrap(), user(0, 0, &[0]), "{runtime}");
        assert_eq!(sandbox.resolve("", &run_as(1000), runtime).unwrap(), user(1000, 0, &[0]), "{runtime}");
        let err = sandbox.resolve("intruder", &default_sc(), runtime).unwrap_err();
        assert_eq!(err.kind(), "user-not-found", "{runtime}");
    }
}

#[test]
fn absolute_symlinks_inside_the_root_work() {
    // NixOS images: /etc/passwd -> /nix/store/...; containerd 2.2 failed on them.
    let sandbox = Sandbox::new();
    sandbox.write("nix/store/abc-passwd", PASSWD);
    sandbox.write("nix/store/abc-group", GROUP);
    sandbox.link("etc/passwd", "/nix/store/abc-passwd");
    sandbox.link("etc/group", "/nix/../nix/store/./abc-group");
    let user_alice = sandbox.resolve("alice", &default_sc(), Runtime::Containerd).unwrap();
    assert_eq!(user_alice, user(1000, 1000, &[10, 1000, 50000]));
}

#[test]
fn relative_escapes_stop_at_the_root() {
    let sandbox = Sandbox::new();
    // ../../outside/etc/passwd from /etc can only reach /outside/etc/passwd inside.
    sandbox.link("etc/passwd", "../../../../../../outside/etc/passwd");
    sandbox.link("etc/group", "../../outside/etc/group");
    for runtime in BOTH {
        assert_eq!(sandbox.resolve("", &default_sc(), runtime).unwrap(), user(0, 0, &[0]), "{runtime}");
    }
    // With a decoy at that place inside, the decoy is what is read.
    sandbox.write("outside/etc/passwd", "root:x:0:777::/:/bin/sh\n");
    sandbox.write("outside/etc/group", "decoys:x:778:root\n");
    let containerd = sandbox.resolve("", &default_sc(), Runtime::Containerd).unwrap();
    assert_eq!(containerd, user(0, 777, &[777, 778]));
}

#[test]
fn an_etc_symlinked_out_of_the_root_is_re_rooted() {
    let sandbox = Sandbox::new();
    fs::remove_dir(sandbox.rootfs.join("etc")).unwrap();
    sandbox.link("etc", "../../../../../..");
    sandbox.write("passwd", "root:x:0:31::/:/bin/sh\n");
    // etc -> the root itself; /passwd is the root filesystem's own.
    for runtime in BOTH {
        assert_eq!(sandbox.resolve("", &strict(default_sc()), runtime).unwrap(), user(0, 31, &[31]), "{runtime}");
    }

    let sandbox = Sandbox::new();
    fs::remove_dir(sandbox.rootfs.join("etc")).unwrap();
    sandbox.link("etc", sandbox.outside.join("etc"));
    for runtime in BOTH {
        assert_eq!(sandbox.resolve("", &default_sc(), runtime).unwrap(), user(0, 0, &[0]), "{runtime}");
    }
}

#[test]
fn symlink_loops_are_errors_for_containerd_and_absent_files_for_cri_o() {
    let sandbox = Sandbox::new();
    sandbox.link("etc/passwd", "passwd-loop");
    sandbox.link("etc/passwd-loop", "/etc/passwd");
    sandbox.write("etc/group", GROUP);
    let err = sandbox.resolve("", &default_sc(), Runtime::Containerd).unwrap_err();
    assert_eq!(err, Error::Open { file: EtcFile::Passwd, errno: libc::ELOOP });
    assert!(err.to_string().starts_with("open /etc/passwd: "), "{err}");
    // CRI-O logs the failed open and goes on without the file.
    assert_eq!(sandbox.resolve("", &default_sc(), Runtime::CriO).unwrap(), user(0, 0, &[0]));
    assert_eq!(sandbox.resolve("alice", &default_sc(), Runtime::CriO).unwrap_err().kind(), "user-not-found");
}

#[test]
fn a_regular_file_on_the_way_is_an_error_for_containerd_and_absent_for_cri_o() {
    let sandbox = Sandbox::new();
    fs::remove_dir(sandbox.rootfs.join("etc")).unwrap();
    sandbox.write("etc", "not a directory");
    let err = sandbox.resolve("", &default_sc(), Runtime::Containerd).unwrap_err();
    assert_eq!(err, Error::Open { file: EtcFile::Passwd, errno: libc::ENOTDIR });
    assert_eq!(sandbox.resolve("", &default_sc(), Runtime::CriO).unwrap(), user(0, 0, &[0]));
}

#[test]
fn dangling_symlinks_are_absent_files() {
    let sandbox = Sandbox::new();
    sandbox.link("etc/passwd", "/nowhere/passwd");
    sandbox.link("etc/group", "missing-group");
    for runtime in BOTH {
        assert_eq!(sandbox.resolve("", &run_as(1000), runtime).unwrap(), user(1000, 0, &[0]), "{runtime}");
    }
}

#[test]
fn a_directory_is_not_read() {
    let sandbox = Sandbox::new();
    fs::create_dir(sandbox.etc("passwd")).unwrap();
    sandbox.write("etc/group", GROUP);
    for runtime in BOTH {
        let err = sandbox.resolve("", &default_sc(), runtime).unwrap_err();
        assert_eq!(err, Error::NotRegularFile { file: EtcFile::Passwd, file_type: "directory" }, "{runtime}");
        assert_eq!(err.to_string(), "/etc/passwd is not a regular file (it is a directory)");
    }
}

/// Resolves on another thread and fails the test, rather than hanging it, if
/// the answer takes more than a few seconds.
fn resolve_without_hanging(sandbox: &Sandbox, sc: SecurityContext, runtime: Runtime) -> Result<ContainerUser, Error> {
    let rootfs = Rootfs::open(&sandbox.rootfs).unwrap();
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(groups::resolve("", &sc, &rootfs, &Options::for_runtime(runtime)));
    });
    let result = receive.recv_timeout(Duration::from_secs(10)).expect("resolution blocked on a FIFO");
    sandbox.assert_sentinel_untouched();
    result
}

#[test]
fn a_fifo_is_refused_without_blocking() {
    let sandbox = Sandbox::new();
    nix::unistd::mkfifo(&sandbox.etc("passwd"), Mode::from_bits_truncate(0o644)).unwrap();
    nix::unistd::mkfifo(&sandbox.etc("group"), Mode::from_bits_truncate(0o644)).unwrap();
    for runtime in BOTH {
        let err = resolve_without_hanging(&sandbox, run_as(1000), runtime).unwrap_err();
        assert_eq!(err, Error::NotRegularFile { file: EtcFile::Passwd, file_type: "FIFO" }, "{runtime}");
    }
    // containerd consults neither file for runAsUser + runAsGroup under Strict.
    let sc = strict(SecurityContext { run_as_group: Some(3000), ..run_as(1000) });
    assert_eq!(resolve_without_hanging(&sandbox, sc, Runtime::Containerd).unwrap(), user(1000, 3000, &[3000]));
}

#[test]
fn a_device_is_refused_without_being_opened() {
    let sandbox = Sandbox::new();
    // /dev/zero's numbers: read, it would never end.
    let zero = nix::sys::stat::makedev(1, 5);
    match mknod(&sandbox.etc("passwd"), SFlag::S_IFCHR, Mode::from_bits_truncate(0o644), zero) {
        Ok(()) => {}
        Err(nix::errno::Errno::EPERM) => {
            eprintln!("skipped: creating device nodes needs CAP_MKNOD");
            return;
        }
        Err(err) => panic!("mknod: {err}"),
    }
    for runtime in BOTH {
        let err = sandbox.resolve("", &default_sc(), runtime).unwrap_err();
        assert_eq!(err, Error::NotRegularFile { file: EtcFile::Passwd, file_type: "character device" }, "{runtime}");
    }
}

#[test]
fn a_socket_is_refused() {
    let sandbox = Sandbox::new();
    let _listener = std::os::unix::net::UnixListener::bind(sandbox.etc("group")).unwrap();
    sandbox.write("etc/passwd", PASSWD);
    for runtime in BOTH {
        let err = sandbox.resolve("alice", &default_sc(), runtime).unwrap_err();
        assert_eq!(err, Error::NotRegularFile { file: EtcFile::Group, file_type: "socket" }, "{runtime}");
    }
    // Only consulted files matter: containerd under Strict never opens /etc/group.
    let alice = sandbox.resolve("alice", &strict(default_sc()), Runtime::Containerd).unwrap();
    assert_eq!(alice, user(1000, 1000, &[1000]));
}

#[test]
fn files_over_ten_mib_are_refused() {
    let sandbox = Sandbox::new();
    sandbox.write("etc/passwd", PASSWD);
    // Exactly the cap is read: one long group line, which v0.4.0 accepts.
    let mut group = format!("big:x:7700:{}", "m,".repeat(4 << 20));
    group.push_str(&"x".repeat(MAX_FILE_BYTES as usize - group.len() - ",alice".len()));
    group.push_str(",alice");
    assert_eq!(group.len() as u64, MAX_FILE_BYTES);
    sandbox.write("etc/group", &group);
    let alice = sandbox.resolve("alice", &default_sc(), Runtime::Containerd).unwrap();
    assert_eq!(alice, user(1000, 1000, &[1000, 7700]));

    // One byte more is refused, for either file and either runtime.
    let file = fs::OpenOptions::new().append(true).open(sandbox.etc("group")).unwrap();
    file.set_len(MAX_FILE_BYTES + 1).unwrap();
    for runtime in BOTH {
        let err = sandbox.resolve("alice", &default_sc(), runtime).unwrap_err();
        assert_eq!(err, Error::TooLarge { file: EtcFile::Group, limit: MAX_FILE_BYTES }, "{runtime}");
    }
    let sparse = fs::File::create(sandbox.etc("passwd")).unwrap();
    sparse.set_len(1 << 40).unwrap();
    let err = sandbox.resolve("", &default_sc(), Runtime::CriO).unwrap_err();
    assert_eq!(err, Error::TooLarge { file: EtcFile::Passwd, limit: MAX_FILE_BYTES });
}

#[test]
fn the_rootfs_must_be_a_directory() {
    let sandbox = Sandbox::new();
    let err = Rootfs::open(sandbox.rootfs.join("missing")).unwrap_err();
    assert_eq!(err.kind(), "rootfs");
    let err = Rootfs::open(sandbox.rootfs.join("etc/passwd-file")).unwrap_err();
    assert_eq!(err.kind(), "rootfs");
    sandbox.write("file", "");
    assert!(matches!(Rootfs::open(sandbox.rootfs.join("file")), Err(Error::Rootfs { errno: libc::ENOTDIR, .. })));
}

#[test]
fn the_rootfs_reader_returns_the_bytes_verbatim() {
    let sandbox = Sandbox::new();
    let bytes = b"caf\xe9:x:1:1\r\n\x00\n";
    fs::write(sandbox.etc("passwd"), bytes).unwrap();
    let rootfs = Rootfs::open(&sandbox.rootfs).unwrap();
    assert_eq!(rootfs.read(EtcFile::Passwd).unwrap().as_deref(), Some(&bytes[..]));
    assert_eq!(rootfs.read(EtcFile::Group).unwrap(), None);
    assert_eq!(rootfs.path(), sandbox.rootfs);
    sandbox.assert_sentinel_untouched();
}
