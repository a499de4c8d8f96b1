//! Error objects: why a call failed, returned by the same call.
//!
//! Every fallible function takes a last parameter `nodecore_error **err`.
//! When `err` is not NULL the function stores NULL through it on success and
//! a new error object on failure; the caller owns that object and frees it
//! with [`nodecore_error_free`]. There is no thread-local "last error": a Go
//! goroutine may move to another OS thread between two calls, so the error
//! travels with the call that failed.

use std::any::Any;
use std::ffi::{CString, c_char};
use std::ptr;

use crate::handle;
use crate::panic::ffi_boundary;
use crate::status::nodecore_status;

/// Why a call failed: a status code, its kind name and a message for people.
///
/// Owned by the caller once a function stored it through `err`; free it with
/// `nodecore_error_free`. Immutable, so it may be read from several threads.
pub struct nodecore_error {
    status: nodecore_status,
    kind: CString,
    message: CString,
}

/// A failure inside the boundary, before it becomes an error object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Error {
    pub(crate) status: nodecore_status,
    pub(crate) kind: String,
    pub(crate) message: String,
}

impl Error {
    /// A failure of `status`, with the status's own kind name.
    pub(crate) fn new(status: nodecore_status, message: impl ToString) -> Self {
        Error { status, kind: status.kind().to_owned(), message: message.to_string() }
    }

    /// A library error of the given stable kind (a module `Error::kind()` or
    /// a case-format kind). The kind is kept even when it has no code of its
    /// own yet (status `NODECORE_STATUS_OTHER`).
    pub(crate) fn of_kind(kind: &str, message: impl ToString) -> Self {
        Error { status: nodecore_status::from_kind(kind), kind: kind.to_owned(), message: message.to_string() }
    }

    pub(crate) fn null_argument(name: &str) -> Self {
        Error::new(nodecore_status::NullArgument, format!("argument `{name}` is NULL"))
    }

    pub(crate) fn invalid_argument(message: impl ToString) -> Self {
        Error::new(nodecore_status::InvalidArgument, message)
    }

    pub(crate) fn from_panic(payload: Box<dyn Any + Send>) -> Self {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "a panic without a message".to_owned());
        Error::new(nodecore_status::Panic, format!("nodecore panicked (a bug; please report it): {what}"))
    }
}

impl From<nodecore::cpuset::ParseError> for Error {
    fn from(err: nodecore::cpuset::ParseError) -> Self {
        Error::of_kind("parse", err)
    }
}

/// Each module's error carries its stable kind, which picks the status.
macro_rules! from_module_error {
    ($($module:ident),* $(,)?) => {$(
        impl From<nodecore::$module::Error> for Error {
            fn from(err: nodecore::$module::Error) -> Self {
                Error::of_kind(err.kind(), err)
            }
        }
    )*};
}

from_module_error!(topology, cpumanager, topologymanager, cgroups, eviction, pids, groups);

impl From<nodecore::cpumanager::state::Error> for Error {
    fn from(err: nodecore::cpumanager::state::Error) -> Self {
        Error::of_kind(err.kind(), err)
    }
}

impl From<nodecore::cpumanager::OptionsError> for Error {
    fn from(err: nodecore::cpumanager::OptionsError) -> Self {
        nodecore::cpumanager::Error::from(err).into()
    }
}

/// Text as a C string; an interior NUL (possible only in a message quoting
/// the caller's own bytes) becomes U+FFFD so the text is never cut short.
pub(crate) fn c_string(text: String) -> CString {
    CString::new(text).unwrap_or_else(|err| {
        let text = String::from_utf8_lossy(&err.into_vec()).replace('\0', "\u{FFFD}");
        CString::new(text).unwrap_or_default()
    })
}

/// Turns a call's result into its status, storing NULL or a new error object
/// through `err` when `err` is not NULL.
///
/// # Safety
/// `err` is NULL or valid for writing one pointer.
pub(crate) unsafe fn report(result: Result<(), Error>, err: *mut *mut nodecore_error) -> nodecore_status {
    let (status, object) = match result {
        Ok(()) => (nodecore_status::Ok, ptr::null_mut()),
        Err(Error { status, kind, message }) => {
            let object = nodecore_error { status, kind: c_string(kind), message: c_string(message) };
            (status, handle::into_raw(object))
        }
    };
    if err.is_null() {
        // SAFETY: `object` came from `into_raw` just above, or is NULL.
        unsafe { handle::free(object) };
    } else {
        // SAFETY: the caller guarantees `err` is writable.
        unsafe { err.write(object) };
    }
    status
}

/// The status code of an error; `NODECORE_STATUS_NULL_ARGUMENT` when `err`
/// is NULL.
///
/// # Safety
/// `err` is NULL or an error object not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_error_status(err: *const nodecore_error) -> nodecore_status {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a live error object.
        unsafe { err.as_ref() }.map_or(nodecore_status::NullArgument, |err| err.status)
    }
}

/// The stable kind name of an error (`"parse"`, `"unknown-topology"`, ...),
/// NUL-terminated UTF-8. Borrowed: valid until the error is freed. NULL when
/// `err` is NULL.
///
/// # Safety
/// `err` is NULL or an error object not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_error_kind(err: *const nodecore_error) -> *const c_char {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a live error object.
        unsafe { err.as_ref() }.map_or(ptr::null(), |err| err.kind.as_ptr())
    }
}

/// What went wrong, naming the input at fault, NUL-terminated UTF-8.
/// Borrowed: valid until the error is freed. NULL when `err` is NULL.
///
/// # Safety
/// `err` is NULL or an error object not yet freed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_error_message(err: *const nodecore_error) -> *const c_char {
    ffi_boundary! {
        // SAFETY: the caller passes NULL or a live error object.
        unsafe { err.as_ref() }.map_or(ptr::null(), |err| err.message.as_ptr())
    }
}

/// Frees an error object. NULL is a no-op.
///
/// # Safety
/// `err` is NULL or an error object from this library not yet freed; it is
/// invalid afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_error_free(err: *mut nodecore_error) {
    // SAFETY: the caller passes NULL or an error object it owns.
    ffi_boundary! { unsafe { handle::free(err) } }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interior_nul_never_cuts_a_message_short() {
        assert_eq!(c_string("a\0b".to_owned()).to_str().unwrap(), "a\u{FFFD}b");
    }

    #[test]
    fn kinds_without_a_code_keep_their_name() {
        let err = Error::of_kind("brand-new-kind", "x");
        assert_eq!((err.status, err.kind.as_str()), (nodecore_status::Other, "brand-new-kind"));
        assert_eq!(Error::of_kind("parse", "x").status, nodecore_status::Parse);
    }

    #[test]
    fn accessors_tolerate_null() {
        unsafe {
            assert_eq!(nodecore_error_status(ptr::null()), nodecore_status::NullArgument);
            assert!(nodecore_error_kind(ptr::null()).is_null());
            assert!(nodecore_error_message(ptr::null()).is_null());
            nodecore_error_free(ptr::null_mut());
        }
    }
}
