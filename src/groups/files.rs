//! Where the image's `/etc/passwd` and `/etc/group` come from: a container
//! root filesystem ([`super::Rootfs`]) or text in memory ([`InMemoryFiles`]).

use super::Error;
use std::borrow::Cow;
use std::cell::OnceCell;
use std::fmt;

/// One of the two user-database files of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EtcFile {
    /// `/etc/passwd`.
    Passwd,
    /// `/etc/group`.
    Group,
}

impl EtcFile {
    /// The file's absolute path inside the image.
    pub fn path(self) -> &'static str {
        match self {
            EtcFile::Passwd => "/etc/passwd",
            EtcFile::Group => "/etc/group",
        }
    }
}

impl fmt::Display for EtcFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.path())
    }
}

/// A source of an image's `/etc/passwd` and `/etc/group`.
///
/// Resolution asks for a file only when the runtime it emulates would read
/// it, so an unreadable `/etc/group` fails only the requests that consult it.
pub trait ImageFiles {
    /// The content of `file`, or `None` when the image has no such file.
    ///
    /// Errors use the kinds of [`Error`]: [`Error::Open`] when the path could
    /// not be resolved or opened (CRI-O treats that as an absent file,
    /// containerd as an error), and [`Error::NotRegularFile`],
    /// [`Error::TooLarge`] or [`Error::Read`] otherwise.
    fn read(&self, file: EtcFile) -> Result<Option<Cow<'_, [u8]>>, Error>;
}

/// The two files as text in memory; `None` means the image has no such file,
/// an empty text an empty file.
///
/// ```
/// use nodecore::groups::{EtcFile, ImageFiles, InMemoryFiles};
///
/// let files = InMemoryFiles::new(Some("root:x:0:0::/root:/bin/sh\n"), None);
/// assert!(files.read(EtcFile::Passwd).unwrap().is_some());
/// assert!(files.read(EtcFile::Group).unwrap().is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InMemoryFiles {
    /// The bytes of `/etc/passwd`, if the image has one.
    pub passwd: Option<Vec<u8>>,
    /// The bytes of `/etc/group`, if the image has one.
    pub group: Option<Vec<u8>>,
}

impl InMemoryFiles {
    /// Both files from text; set the fields directly for bytes that are not UTF-8.
    pub fn new(passwd: Option<&str>, group: Option<&str>) -> Self {
        InMemoryFiles {
            passwd: passwd.map(|text| text.as_bytes().to_vec()),
            group: group.map(|text| text.as_bytes().to_vec()),
        }
    }
}

impl ImageFiles for InMemoryFiles {
    fn read(&self, file: EtcFile) -> Result<Option<Cow<'_, [u8]>>, Error> {
        let content = match file {
            EtcFile::Passwd => &self.passwd,
            EtcFile::Group => &self.group,
        };
        Ok(content.as_deref().map(Cow::Borrowed))
    }
}

/// Reads each file at most once per resolution: containerd consults
/// `/etc/passwd` twice (for the uid, then for the name behind it).
pub(crate) struct CachedFiles<'f> {
    source: &'f dyn ImageFiles,
    passwd: OnceCell<Result<Option<Cow<'f, [u8]>>, Error>>,
    group: OnceCell<Result<Option<Cow<'f, [u8]>>, Error>>,
}

impl<'f> CachedFiles<'f> {
    pub(crate) fn new(source: &'f dyn ImageFiles) -> Self {
        CachedFiles { source, passwd: OnceCell::new(), group: OnceCell::new() }
    }

    /// The content of `file` (`None` when absent), or the error reading it.
    pub(crate) fn get(&self, file: EtcFile) -> Result<Option<&[u8]>, Error> {
        let cell = match file {
            EtcFile::Passwd => &self.passwd,
            EtcFile::Group => &self.group,
        };
        match cell.get_or_init(|| self.source.read(file)) {
            Ok(content) => Ok(content.as_deref()),
            Err(err) => Err(err.clone()),
        }
    }
}
