//! The panic boundary every export goes through.
//!
//! A panic must never unwind into C (since Rust 1.81 it would abort the host,
//! a kubelet). [`ffi_boundary!`] catches it and turns it into a value the
//! caller can handle: the `NODECORE_STATUS_PANIC` status plus an error object
//! for fallible functions, or the function's [`PanicValue`] (NULL, 0, false)
//! for infallible ones. The default panic hook still prints the message to
//! stderr; the library installs no hook of its own, as that is the host's
//! process-wide choice.

use crate::status::nodecore_status;

/// The value an infallible export returns when the code behind it panicked.
pub(crate) trait PanicValue {
    fn panic_value() -> Self;
}

impl PanicValue for () {
    fn panic_value() -> Self {}
}

impl PanicValue for bool {
    fn panic_value() -> Self {
        false
    }
}

/// Integers: 0.
macro_rules! zero_on_panic {
    ($($integer:ty),*) => {$(
        impl PanicValue for $integer {
            fn panic_value() -> Self {
                0
            }
        }
    )*};
}

zero_on_panic!(usize, u32, u64, i64);

impl<T> PanicValue for *mut T {
    fn panic_value() -> Self {
        std::ptr::null_mut()
    }
}

impl<T> PanicValue for *const T {
    fn panic_value() -> Self {
        std::ptr::null()
    }
}

impl PanicValue for nodecore_status {
    fn panic_value() -> Self {
        nodecore_status::Panic
    }
}

/// Runs an export's body with panics caught.
///
/// Two forms:
/// - `ffi_boundary!(err = ERR; BODY)`: a fallible export. `BODY` evaluates to
///   `Result<(), Error>`; the macro returns the matching `nodecore_status`
///   and, when `ERR` (a `*mut *mut nodecore_error`) is not NULL, stores NULL
///   or a new error object through it. A panic is reported as
///   `NODECORE_STATUS_PANIC` with the panic message.
/// - `ffi_boundary!(BODY)`: an infallible export; a panic returns the
///   function's [`PanicValue`].
macro_rules! ffi_boundary {
    (err = $err:expr; $($body:tt)*) => {{
        let err: *mut *mut $crate::error::nodecore_error = $err;
        let result = ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(
            || -> ::std::result::Result<(), $crate::error::Error> { $($body)* },
        ))
        .unwrap_or_else(|payload| Err($crate::error::Error::from_panic(payload)));
        // SAFETY: the caller passes NULL or a valid `nodecore_error **`.
        unsafe { $crate::error::report(result, err) }
    }};
    ($($body:tt)*) => {
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| { $($body)* })) {
            Ok(value) => value,
            Err(_) => $crate::panic::PanicValue::panic_value(),
        }
    };
}

pub(crate) use ffi_boundary;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, nodecore_error, nodecore_error_free, nodecore_error_message, nodecore_error_status};
    use std::ffi::CStr;
    use std::ptr;

    fn fallible(fail: bool, err: *mut *mut nodecore_error) -> nodecore_status {
        ffi_boundary!(err = err;
            if fail {
                panic!("boom at {}", 42);
            }
            Ok::<(), Error>(())
        )
    }

    fn infallible() -> *mut u8 {
        ffi_boundary!(panic!("boom"))
    }

    #[test]
    fn a_panic_becomes_the_panic_status_with_its_message() {
        let mut err: *mut nodecore_error = ptr::null_mut();
        assert_eq!(fallible(true, &mut err), nodecore_status::Panic);
        assert!(!err.is_null());
        unsafe {
            assert_eq!(nodecore_error_status(err), nodecore_status::Panic);
            let message = CStr::from_ptr(nodecore_error_message(err)).to_str().unwrap();
            assert!(message.contains("boom at 42"), "{message}");
            nodecore_error_free(err);
        }
        assert_eq!(fallible(true, ptr::null_mut()), nodecore_status::Panic);
    }

    #[test]
    fn success_clears_the_error_out_parameter() {
        let mut err: *mut nodecore_error = std::ptr::dangling_mut::<nodecore_error>();
        assert_eq!(fallible(false, &mut err), nodecore_status::Ok);
        assert!(err.is_null());
    }

    #[test]
    fn an_infallible_export_returns_its_panic_value() {
        assert!(infallible().is_null());
    }
}
