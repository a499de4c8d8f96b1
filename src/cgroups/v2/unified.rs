//! The unified map: raw cgroup v2 files, written last (runc's `setUnified`).

use crate::cgroups::Error;
use crate::cgroups::files::{self, Backing};
use std::collections::BTreeMap;
use std::path::Path;

pub(super) fn set(dir: &Path, unified: &BTreeMap<String, String>, backing: Backing) -> Result<(), Error> {
    for (key, value) in unified {
        if key.is_empty() || key.contains(['/', '\0']) || key == "." || key == ".." {
            return Err(invalid(key, "must be a file name (no slashes)".to_owned()));
        }
        let Err(err) = files::write_by_line(dir, key, value, backing) else { continue };
        let missing_or_denied = matches!(&err, Error::Io { source, .. } if matches!(source.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::PermissionDenied));
        if missing_or_denied {
            let Some((controller, _)) = key.split_once('.') else {
                return Err(invalid(key, "must be in the form CONTROLLER.PARAMETER".to_owned()));
            };
            let available = files::read_string(dir, "cgroup.controllers").unwrap_or_default();
            if controller != "cgroup" && !available.split_whitespace().any(|name| name == controller) {
                return Err(invalid(key, format!("can't be set: controller {controller:?} not available")));
            }
        }
        return Err(invalid(key, format!("could not be set: {err}")));
    }
    Ok(())
}

fn invalid(key: &str, reason: String) -> Error {
    Error::InvalidUnifiedKey { key: key.to_owned(), reason }
}
