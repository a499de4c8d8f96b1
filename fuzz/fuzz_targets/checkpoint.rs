//! The CPU manager checkpoint (`cpu_manager_state`, V1 and V2) as the kubelet
//! restores it: any file is a state or a refusal, never a panic, and a
//! restored state written back restores to itself.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nodecore::cpumanager::state::{ContainerMap, State};
use std::path::Path;
use std::sync::OnceLock;

const NAME: &str = "cpu_manager_state";

/// One directory for all runs, on tmpfs when there is one (the checkpoint
/// syncs every write).
fn scratch() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let shm = Path::new("/dev/shm");
        let builder = tempfile::Builder::new().prefix("nodecore-fuzz-").to_owned();
        if shm.is_dir() { builder.tempdir_in(shm) } else { builder.tempdir() }.expect("a scratch directory")
    })
    .path()
}

fuzz_target!(|data: &[u8]| {
    let (read, written) = (scratch().join("read"), scratch().join("written"));
    for dir in [&read, &written] {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).unwrap();
    }
    std::fs::write(read.join(NAME), data).unwrap();
    // V1 files name containers by ID; two of them are known.
    let containers = ContainerMap::from([
        ("c1".to_owned(), ("pod-a".to_owned(), "app".to_owned())),
        ("c2".to_owned(), ("pod-b".to_owned(), "sidecar".to_owned())),
    ]);
    let Ok(state) = State::new_checkpoint(&read, NAME, "static", &containers) else { return };
    let restored = state.snapshot();

    let copy = State::new_checkpoint(&written, NAME, "static", &ContainerMap::new()).unwrap();
    copy.update(|data| -> Result<(), nodecore::cpumanager::state::Error> {
        *data = restored.clone();
        Ok(())
    })
    .unwrap();
    let reread = State::new_checkpoint(&written, NAME, "static", &ContainerMap::new()).unwrap();
    assert_eq!(reread.snapshot(), restored);
});
