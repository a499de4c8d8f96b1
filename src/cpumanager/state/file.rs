//! The checkpoint file on disk: read whole, replaced atomically.
//!
//! A write goes to a temporary file in the same directory (its name starts
//! with `.`, as the kubelet's file store does), is synced, renamed over the
//! checkpoint, and the directory is synced so the rename survives a power
//! loss. Until the rename the old file is untouched; after it the new one is
//! complete. Readers (the kubelet, nodecore) never see a partial file.

use super::{Error, validate_name};
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

/// The largest checkpoint nodecore reads. A node with a thousand pinned
/// containers writes well under 100 KiB; a larger file is not a checkpoint.
const MAX_CHECKPOINT_BYTES: u64 = 16 << 20;

#[derive(Debug)]
pub(super) struct CheckpointFile {
    dir: PathBuf,
    name: String,
    path: PathBuf,
}

impl CheckpointFile {
    /// The checkpoint `name` in `dir`, creating `dir` (mode 0755) when it is
    /// missing, as the kubelet's checkpoint manager does.
    pub fn new(dir: &Path, name: &str) -> Result<Self, Error> {
        validate_name("checkpoint name", name)?;
        if name.starts_with('.') {
            return Err(Error::InvalidName {
                what: "checkpoint name",
                name: name.to_owned(),
                reason: "a leading '.' is reserved for temporary files",
            });
        }
        create_dir(dir).map_err(|err| Error::Io {
            op: "creating the checkpoint directory",
            path: dir.into(),
            source: err.into(),
        })?;
        Ok(CheckpointFile { dir: dir.to_owned(), name: name.to_owned(), path: dir.join(name) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The file's bytes, or `None` when there is no checkpoint yet.
    pub fn read(&self) -> Result<Option<Vec<u8>>, Error> {
        let io_error = |err: io::Error| Error::Io { op: "reading", path: self.path.clone(), source: err.into() };
        let file = match File::open(&self.path) {
            Ok(file) => file,
            Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(err) => return Err(io_error(err)),
        };
        let mut blob = Vec::new();
        file.take(MAX_CHECKPOINT_BYTES + 1).read_to_end(&mut blob).map_err(io_error)?;
        if blob.len() as u64 > MAX_CHECKPOINT_BYTES {
            let message = format!("the file is larger than {MAX_CHECKPOINT_BYTES} bytes");
            return Err(io_error(io::Error::new(io::ErrorKind::InvalidData, message)));
        }
        Ok(Some(blob))
    }

    /// Replaces the checkpoint with `blob` atomically.
    ///
    /// [`Error::Io`] means nothing changed on disk; [`Error::NotDurable`]
    /// means the new file is in place but the directory sync failed.
    pub fn write(&self, blob: &[u8]) -> Result<(), Error> {
        let io_error = |op, err: io::Error| Error::Io { op, path: self.path.clone(), source: err.into() };
        let mut temp = tempfile::Builder::new()
            .prefix(&format!(".{}.", self.name))
            .tempfile_in(&self.dir)
            .map_err(|err| io_error("creating a temporary file for", err))?;
        temp.write_all(blob).map_err(|err| io_error("writing a temporary file for", err))?;
        temp.as_file().sync_all().map_err(|err| io_error("syncing a temporary file for", err))?;
        // On failure the temporary file is removed when the error drops.
        temp.persist(&self.path).map_err(|err| io_error("renaming a temporary file over", err.error))?;
        File::open(&self.dir)
            .and_then(|dir| dir.sync_all())
            .map_err(|err| Error::NotDurable { path: self.dir.clone(), source: err.into() })
    }
}

fn create_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        fs::DirBuilder::new().recursive(true).mode(0o755).create(dir)
    }
    #[cfg(not(unix))]
    {
        fs::create_dir_all(dir)
    }
}
