//! Opaque handles: library-allocated objects the caller holds by pointer.
//!
//! A handle is a `Box<T>` turned into a raw pointer when it crosses to C and
//! turned back exactly once, by its `nodecore_*_free` function. Borrowing a
//! handle for a call checks it is not NULL.

use crate::error::Error;

/// Hands `value` to C as a handle.
pub(crate) fn into_raw<T>(value: T) -> *mut T {
    Box::into_raw(Box::new(value))
}

/// Frees a handle made by [`into_raw`]; NULL is a no-op.
///
/// # Safety
/// `ptr` is NULL or came from [`into_raw`] with the same `T` and was not
/// freed before.
pub(crate) unsafe fn free<T>(ptr: *mut T) {
    if !ptr.is_null() {
        // SAFETY: per the contract, `ptr` is a live box of `T`.
        drop(unsafe { Box::from_raw(ptr) });
    }
}

/// Borrows a handle for the duration of a call, or a null-argument error
/// naming the parameter.
///
/// # Safety
/// `ptr` is NULL or a live handle of `T`, not mutated during the borrow.
pub(crate) unsafe fn borrow<'a, T>(ptr: *const T, name: &str) -> Result<&'a T, Error> {
    // SAFETY: per the contract.
    unsafe { ptr.as_ref() }.ok_or_else(|| Error::null_argument(name))
}

/// Borrows a handle mutably for the duration of a call.
///
/// # Safety
/// `ptr` is NULL or a live handle of `T` that no other thread uses meanwhile.
pub(crate) unsafe fn borrow_mut<'a, T>(ptr: *mut T, name: &str) -> Result<&'a mut T, Error> {
    // SAFETY: per the contract.
    unsafe { ptr.as_mut() }.ok_or_else(|| Error::null_argument(name))
}
