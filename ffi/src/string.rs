//! Library-allocated strings: JSON documents the caller cannot size in
//! advance (case answers, topology JSON). Each is NUL-terminated UTF-8 and
//! freed with [`nodecore_string_free`], never with `free(3)`.

use std::ffi::{CString, c_char};

use crate::error::c_string;
use crate::panic::ffi_boundary;

/// Hands `text` to C as a string the caller frees with `nodecore_string_free`.
pub(crate) fn into_raw(text: String) -> *mut c_char {
    c_string(text).into_raw()
}

/// Frees a string this library returned (`nodecore_eval`,
/// `nodecore_topology_to_json`, ...). NULL is a no-op.
///
/// # Safety
/// `s` is NULL or a string from this library not yet freed; it is invalid
/// afterwards. Strings from elsewhere must not be passed.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_string_free(s: *mut c_char) {
    ffi_boundary! {
        if !s.is_null() {
            // SAFETY: per the contract, `s` came from `CString::into_raw`.
            drop(unsafe { CString::from_raw(s) });
        }
    }
}
