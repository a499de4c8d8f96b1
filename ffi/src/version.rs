//! Versions: of the C ABI (callers check it at start-up) and of the library.

use std::ffi::c_char;

use crate::panic::ffi_boundary;

/// The ABI's major version: it changes only when a change breaks callers
/// (a removed or changed function, type or code). A caller refuses a
/// library whose major differs from the header's.
pub const NODECORE_ABI_VERSION_MAJOR: u32 = 1;

/// The ABI's minor version: it grows when functions, types or codes are
/// added; a caller built against minor N runs on any library of minor >= N.
pub const NODECORE_ABI_VERSION_MINOR: u32 = 1;

/// The C ABI this library implements: `(major << 16) | minor`. Compare with
/// `NODECORE_ABI_VERSION_MAJOR`/`_MINOR` from the header the caller was built
/// with.
#[unsafe(no_mangle)]
pub extern "C" fn nodecore_abi_version() -> u32 {
    ffi_boundary! { (NODECORE_ABI_VERSION_MAJOR << 16) | NODECORE_ABI_VERSION_MINOR }
}

/// The library's version (`"0.1.0"`), NUL-terminated; static, never freed.
#[unsafe(no_mangle)]
pub extern "C" fn nodecore_version() -> *const c_char {
    const VERSION: &std::ffi::CStr =
        match std::ffi::CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(version) => version,
            Err(_) => panic!("the package version has no NUL"),
        };
    ffi_boundary! { VERSION.as_ptr() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn abi_version_packs_major_and_minor() {
        assert_eq!(nodecore_abi_version() >> 16, NODECORE_ABI_VERSION_MAJOR);
        assert_eq!(nodecore_abi_version() & 0xffff, NODECORE_ABI_VERSION_MINOR);
        let version = unsafe { std::ffi::CStr::from_ptr(nodecore_version()) };
        assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    }
}
