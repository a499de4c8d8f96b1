//! CPU sets (`nodecore::cpuset::CpuSet`): an opaque handle with the Linux
//! list format (`"0-3,8"`) in and out, and the set algebra callers need.
//!
//! A `nodecore_cpuset` is immutable through `const` pointers, so one set may
//! be read from many threads; `nodecore_cpuset_insert`/`_remove` and `_free`
//! need exclusive access. The algebra functions return new sets, so the
//! common path never mutates a shared set.

use std::ffi::c_char;

use nodecore::cpuset::{CpuSet, MAX_CPU_ID};

use crate::error::{Error, nodecore_error};
use crate::panic::ffi_boundary;
use crate::status::nodecore_status;
use crate::{arg, handle};

/// The largest CPU id a CPU set holds (Linux's largest `NR_CPUS` is 8192).
pub const NODECORE_MAX_CPU_ID: usize = 8191;

// The header states the number; the library's limit must be the same.
const _: () = assert!(NODECORE_MAX_CPU_ID == MAX_CPU_ID);

/// A set of logical CPU ids, iterated in ascending order.
///
/// Created by `nodecore_cpuset_new`, `_parse`, `_from_list`, `_clone` and the
/// algebra functions; freed with `nodecore_cpuset_free`.
pub struct nodecore_cpuset {
    pub(crate) set: CpuSet,
}

impl nodecore_cpuset {
    pub(crate) fn into_raw(set: CpuSet) -> *mut nodecore_cpuset {
        handle::into_raw(nodecore_cpuset { set })
    }
}

fn check_id(cpu: usize) -> Result<usize, Error> {
    if cpu > MAX_CPU_ID {
        return Err(Error::invalid_argument(format!("CPU id {cpu} exceeds the largest supported id {MAX_CPU_ID}")));
    }
    Ok(cpu)
}

/// A new empty set. NULL only if the library panicked.
#[unsafe(no_mangle)]
pub extern "C" fn nodecore_cpuset_new() -> *mut nodecore_cpuset {
    ffi_boundary! { nodecore_cpuset::into_raw(CpuSet::new()) }
}

/// Parses the Linux list format (`"0-3,8"`, `""` for the empty set) exactly
/// as the kubelet's `cpuset.Parse` does, with upstream's error messages.
///
/// `text` is UTF-8 of `len` bytes (no NUL needed; NULL allowed when `len` is
/// 0). On success `*out` receives a new set; on failure it is set to NULL and
/// the status is `NODECORE_STATUS_PARSE` for text that is not a CPU list.
///
/// # Safety
/// `text` is valid for reading `len` bytes; `out` is valid for writing one
/// pointer; `err` is NULL or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_cpuset_parse(
    text: *const c_char,
    len: usize,
    out: *mut *mut nodecore_cpuset,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let out = unsafe { arg::out_ptr(out, "out") }?;
        // SAFETY: forwarded contract.
        let text = unsafe { arg::text(text, len, "text") }?;
        *out = nodecore_cpuset::into_raw(CpuSet::parse(text)?);
        Ok(())
    )
}

/// A set holding the `len` CPU ids at `cpus` (any order, repeats allowed).
/// An id above `NODECORE_MAX_CPU_ID` is `NODECORE_STATUS_INVALID_ARGUMENT`.
///
/// # Safety
/// `cpus` is valid for reading `len` values (NULL allowed when `len` is 0);
/// `out` is valid for writing one pointer; `err` is NULL or valid for writing
/// one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_cpuset_from_list(
    cpus: *const usize,
    len: usize,
    out: *mut *mut nodecore_cpuset,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let out = unsafe { arg::out_ptr(out, "out") }?;
        // SAFETY: forwarded contract.
        let cpus = unsafe { arg::array(cpus, len, "cpus") }?;
        let set = cpus.iter().map(|&cpu| check_id(cpu)).collect::<Result<CpuSet, Error>>()?;
        *out = nodecore_cpuset::into_raw(set);
        Ok(())
    )
}

/// A new set equal to `set`; NULL when `set` is NULL.
///
/// # Safety
/// `set` is NULL or a live CPU set.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_cpuset_clone(set: *const nodecore_cpuset) -> *mut nodecore_cpuset {
    ffi_boundary! {
        // SAFETY: per the contract.
        unsafe { set.as_ref() }.map_or(std::ptr::null_mut(), |s| nodecore_cpuset::into_raw(s.set.clone()))
    }
}

/// Frees a set. NULL is a no-op.
///
/// # Safety
/// `set` is NULL or a set from this library not yet freed, used by no other
/// thread; it is invalid afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_cpuset_free(set: *mut nodecore_cpuset) {
    // SAFETY: per the contract.
    ffi_boundary! { unsafe { handle::free(set) } }
}

/// Writes the canonical Linux list format of `set` (ascending runs, `a-b`
/// for runs of two or more, `""` for the empty set) and a NUL terminator into
/// `buf` of capacity `cap` bytes, and its length without the NUL into
/// `*out_len`.
///
/// When `cap` is smaller than that length plus one, nothing is written,
/// `*out_len` still receives the length and the status is
/// `NODECORE_STATUS_INSUFFICIENT_SPACE`: pass `cap = 0` (`buf` may then be
/// NULL) to ask for the size.
///
/// # Safety
/// `set` is NULL or a live set; `buf` is valid for writing `cap` bytes;
/// `out_len` is valid for writing one `size_t`; `err` is NULL or valid for
/// writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_cpuset_format(
    set: *const nodecore_cpuset,
    buf: *mut c_char,
    cap: usize,
    out_len: *mut usize,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let set = unsafe { handle::borrow(set, "set") }?;
        // SAFETY: forwarded contract.
        unsafe { arg::fill_text(buf, cap, &set.set.to_string(), out_len) }
    )
}

/// Writes the CPU ids of `set` in ascending order into `buf` of capacity
/// `cap` elements and their number into `*out_len`; with the same
/// `NODECORE_STATUS_INSUFFICIENT_SPACE` protocol as `nodecore_cpuset_format`
/// (the needed number is `nodecore_cpuset_len`).
///
/// # Safety
/// `set` is NULL or a live set; `buf` is valid for writing `cap` values;
/// `out_len` is valid for writing one `size_t`; `err` is NULL or valid for
/// writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_cpuset_to_list(
    set: *const nodecore_cpuset,
    buf: *mut usize,
    cap: usize,
    out_len: *mut usize,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let set = unsafe { handle::borrow(set, "set") }?;
        // SAFETY: forwarded contract.
        unsafe { arg::fill(buf, cap, &set.set.to_vec(), 0, out_len) }
    )
}

/// The number of CPUs in `set`; 0 when `set` is NULL.
///
/// # Safety
/// `set` is NULL or a live set.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_cpuset_len(set: *const nodecore_cpuset) -> usize {
    // SAFETY: per the contract.
    ffi_boundary! { unsafe { set.as_ref() }.map_or(0, |s| s.set.len()) }
}

/// Whether `cpu` is in `set`; false when `set` is NULL.
///
/// # Safety
/// `set` is NULL or a live set.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_cpuset_contains(set: *const nodecore_cpuset, cpu: usize) -> bool {
    // SAFETY: per the contract.
    ffi_boundary! { unsafe { set.as_ref() }.is_some_and(|s| s.set.contains(cpu)) }
}

/// Whether `a` and `b` hold the same CPUs; false when either is NULL.
///
/// # Safety
/// `a` and `b` are NULL or live sets.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_cpuset_equal(a: *const nodecore_cpuset, b: *const nodecore_cpuset) -> bool {
    // SAFETY: per the contract.
    ffi_boundary! { both(a, b).is_some_and(|(a, b)| a == b) }
}

/// Whether every CPU of `a` is in `b`; false when either is NULL.
///
/// # Safety
/// `a` and `b` are NULL or live sets.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_cpuset_is_subset(a: *const nodecore_cpuset, b: *const nodecore_cpuset) -> bool {
    ffi_boundary! { both(a, b).is_some_and(|(a, b)| a.is_subset(b)) }
}

/// A new set of the CPUs in `a` or `b`; NULL when either is NULL.
///
/// # Safety
/// `a` and `b` are NULL or live sets.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_cpuset_union(
    a: *const nodecore_cpuset,
    b: *const nodecore_cpuset,
) -> *mut nodecore_cpuset {
    ffi_boundary! { both(a, b).map_or(std::ptr::null_mut(), |(a, b)| nodecore_cpuset::into_raw(a.union(b))) }
}

/// A new set of the CPUs in both `a` and `b`; NULL when either is NULL.
///
/// # Safety
/// `a` and `b` are NULL or live sets.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_cpuset_intersection(
    a: *const nodecore_cpuset,
    b: *const nodecore_cpuset,
) -> *mut nodecore_cpuset {
    ffi_boundary! { both(a, b).map_or(std::ptr::null_mut(), |(a, b)| nodecore_cpuset::into_raw(a.intersection(b))) }
}

/// A new set of the CPUs of `a` that are not in `b`; NULL when either is
/// NULL.
///
/// # Safety
/// `a` and `b` are NULL or live sets.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_cpuset_difference(
    a: *const nodecore_cpuset,
    b: *const nodecore_cpuset,
) -> *mut nodecore_cpuset {
    ffi_boundary! { both(a, b).map_or(std::ptr::null_mut(), |(a, b)| nodecore_cpuset::into_raw(a.difference(b))) }
}

/// Adds `cpu` to `set`. An id above `NODECORE_MAX_CPU_ID` is
/// `NODECORE_STATUS_INVALID_ARGUMENT` and leaves `set` unchanged.
///
/// # Safety
/// `set` is NULL or a live set no other thread uses meanwhile; `err` is NULL
/// or valid for writing one pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_cpuset_insert(
    set: *mut nodecore_cpuset,
    cpu: usize,
    err: *mut *mut nodecore_error,
) -> nodecore_status {
    ffi_boundary!(err = err;
        // SAFETY: forwarded contract.
        let set = unsafe { handle::borrow_mut(set, "set") }?;
        set.set.insert(check_id(cpu)?);
        Ok(())
    )
}

/// Removes `cpu` from `set`; returns whether it was there (false when `set`
/// is NULL).
///
/// # Safety
/// `set` is NULL or a live set no other thread uses meanwhile.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_cpuset_remove(set: *mut nodecore_cpuset, cpu: usize) -> bool {
    // SAFETY: per the contract.
    ffi_boundary! { unsafe { set.as_mut() }.is_some_and(|s| s.set.remove(cpu)) }
}

/// Both sets, or None when either pointer is NULL.
fn both<'a>(a: *const nodecore_cpuset, b: *const nodecore_cpuset) -> Option<(&'a CpuSet, &'a CpuSet)> {
    // SAFETY: every caller's contract makes `a` and `b` NULL or live sets.
    let (a, b) = unsafe { (a.as_ref()?, b.as_ref()?) };
    Some((&a.set, &b.set))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{nodecore_error_free, nodecore_error_kind, nodecore_error_message};
    use std::ffi::CStr;
    use std::ptr;

    fn parse(text: &str) -> Result<*mut nodecore_cpuset, (nodecore_status, String, String)> {
        let mut out = ptr::null_mut();
        let mut err = ptr::null_mut();
        let status = unsafe { nodecore_cpuset_parse(text.as_ptr().cast(), text.len(), &mut out, &mut err) };
        if status == nodecore_status::Ok {
            assert!(err.is_null());
            return Ok(out);
        }
        assert!(out.is_null());
        let kind = unsafe { CStr::from_ptr(nodecore_error_kind(err)) }.to_str().unwrap().to_owned();
        let message = unsafe { CStr::from_ptr(nodecore_error_message(err)) }.to_str().unwrap().to_owned();
        unsafe { nodecore_error_free(err) };
        Err((status, kind, message))
    }

    fn format(set: *const nodecore_cpuset) -> String {
        let mut buf = [0 as c_char; 64];
        let mut len = 0;
        let status = unsafe { nodecore_cpuset_format(set, buf.as_mut_ptr(), buf.len(), &mut len, ptr::null_mut()) };
        assert_eq!(status, nodecore_status::Ok);
        unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap().to_owned()
    }

    #[test]
    fn parse_and_format_round_trip_with_upstream_errors() {
        let set = parse("3,0-2,8").unwrap();
        assert_eq!(format(set), "0-3,8");
        assert_eq!(unsafe { nodecore_cpuset_len(set) }, 5);
        unsafe { nodecore_cpuset_free(set) };
        let (status, kind, message) = parse("3-1").unwrap_err();
        assert_eq!((status, kind.as_str()), (nodecore_status::Parse, "parse"));
        assert!(message.contains("invalid range \"3-1\" (3 > 1)"), "{message}");
    }

    #[test]
    fn algebra_returns_new_sets() {
        let (a, b) = (parse("0-5").unwrap(), parse("4-9").unwrap());
        unsafe {
            let sets =
                [nodecore_cpuset_union(a, b), nodecore_cpuset_intersection(a, b), nodecore_cpuset_difference(a, b)];
            assert_eq!(sets.map(|s| format(s)), ["0-9", "4-5", "0-3"]);
            assert!(nodecore_cpuset_is_subset(sets[1], a) && !nodecore_cpuset_is_subset(a, b));
            assert!(nodecore_cpuset_union(a, ptr::null()).is_null());
            for set in sets {
                nodecore_cpuset_free(set);
            }
            nodecore_cpuset_free(a);
            nodecore_cpuset_free(b);
        }
    }

    #[test]
    fn ids_above_the_limit_are_refused_not_panicked() {
        let set = nodecore_cpuset_new();
        unsafe {
            assert_eq!(nodecore_cpuset_insert(set, MAX_CPU_ID + 1, ptr::null_mut()), nodecore_status::InvalidArgument);
            assert_eq!(nodecore_cpuset_insert(set, MAX_CPU_ID, ptr::null_mut()), nodecore_status::Ok);
            let ids = [1usize, MAX_CPU_ID + 1];
            let mut out = ptr::null_mut();
            let status = nodecore_cpuset_from_list(ids.as_ptr(), 2, &mut out, ptr::null_mut());
            assert_eq!((status, out.is_null()), (nodecore_status::InvalidArgument, true));
            assert!(nodecore_cpuset_remove(set, MAX_CPU_ID) && !nodecore_cpuset_remove(set, MAX_CPU_ID));
            nodecore_cpuset_free(set);
        }
    }

    #[test]
    fn lists_use_the_buffer_protocol() {
        let set = parse("2,4-5").unwrap();
        unsafe {
            let mut len = 0;
            let status = nodecore_cpuset_to_list(set, ptr::null_mut(), 0, &mut len, ptr::null_mut());
            assert_eq!((status, len), (nodecore_status::InsufficientSpace, 3));
            let mut buf = [0usize; 3];
            assert_eq!(
                nodecore_cpuset_to_list(set, buf.as_mut_ptr(), 3, &mut len, ptr::null_mut()),
                nodecore_status::Ok
            );
            assert_eq!(buf, [2, 4, 5]);
            nodecore_cpuset_free(set);
        }
    }
}
