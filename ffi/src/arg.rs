//! Checked conversions of C arguments: text, arrays, out-parameters and
//! caller-allocated buffers. Every pointer a function receives goes through
//! one of these, so each check is written once.

use std::ffi::c_char;
use std::{ptr, slice};

use crate::error::Error;
use crate::status::nodecore_status;

/// A borrowed array `(ptr, len)`. NULL is accepted when `len` is 0, so that
/// callers with an empty buffer (a Go nil slice) need no dummy pointer.
///
/// # Safety
/// When `len > 0`, `ptr` points to `len` initialised values of `T` that stay
/// valid and unmodified for the call.
pub(crate) unsafe fn array<'a, T>(ptr: *const T, len: usize, name: &str) -> Result<&'a [T], Error> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(Error::null_argument(name));
    }
    if !ptr.is_aligned() {
        return Err(Error::invalid_argument(format!("argument `{name}` is not aligned for its element type")));
    }
    if len.checked_mul(size_of::<T>()).is_none_or(|bytes| bytes > isize::MAX as usize) {
        return Err(Error::invalid_argument(format!("argument `{name}` has an impossible length {len}")));
    }
    // SAFETY: non-NULL, aligned, in bounds per the contract.
    Ok(unsafe { slice::from_raw_parts(ptr, len) })
}

/// Borrowed UTF-8 text `(ptr, len)`; no NUL terminator is needed or read.
///
/// # Safety
/// As for [`array`].
pub(crate) unsafe fn text<'a>(ptr: *const c_char, len: usize, name: &str) -> Result<&'a str, Error> {
    // SAFETY: forwarded contract.
    let bytes = unsafe { array(ptr.cast::<u8>(), len, name) }?;
    std::str::from_utf8(bytes)
        .map_err(|err| Error::new(nodecore_status::InvalidUtf8, format!("argument `{name}` is not UTF-8: {err}")))
}

/// A caller-filled config struct, whose first field is `size_t size`: not
/// NULL, and of a size this library knows. Today that is the one size the
/// header declares; when a struct grows, the sizes of its earlier versions
/// stay accepted and their missing fields take defaults.
///
/// # Safety
/// `config` is NULL or valid for reading its `size` field, and the `size`
/// bytes it declares when that equals `size_of::<T>()`.
pub(crate) unsafe fn config<'a, T>(config: *const T, name: &str) -> Result<&'a T, Error> {
    if config.is_null() {
        return Err(Error::null_argument(name));
    }
    if !config.is_aligned() {
        return Err(Error::invalid_argument(format!("argument `{name}` is not aligned for its type")));
    }
    // SAFETY: non-NULL and aligned; every config struct starts with `size_t size`.
    let size = unsafe { config.cast::<usize>().read() };
    if size != size_of::<T>() {
        return Err(Error::invalid_argument(format!(
            "argument `{name}` declares size {size}; this library knows size {} (set size = sizeof the struct)",
            size_of::<T>()
        )));
    }
    // SAFETY: the caller declared the whole struct, which is the size of `T`.
    Ok(unsafe { &*config })
}

/// One of the values a C enum constant (`0, 1, ...` in declaration order)
/// stands for: C passes such values as plain integers, so any number is
/// safe to receive and an unknown one is an `invalid-argument` error.
pub(crate) fn choice<T: Copy>(value: u32, values: &[T], name: &str) -> Result<T, Error> {
    usize::try_from(value).ok().and_then(|index| values.get(index)).copied().ok_or_else(|| {
        Error::invalid_argument(format!("argument `{name}` is {value}; the known values are 0 to {}", values.len() - 1))
    })
}

/// An out-parameter for a new object or string: checked and set to NULL
/// before any work, so that on failure the caller finds NULL there.
///
/// # Safety
/// `out` is NULL or valid for writing one pointer.
pub(crate) unsafe fn out_ptr<'a, T>(out: *mut *mut T, name: &str) -> Result<&'a mut *mut T, Error> {
    // SAFETY: per the contract.
    let out = unsafe { out.as_mut() }.ok_or_else(|| Error::null_argument(name))?;
    *out = ptr::null_mut();
    Ok(out)
}

/// An out-parameter for a plain value.
///
/// # Safety
/// `out` is NULL or valid and aligned for writing one `T`.
pub(crate) unsafe fn out_value<'a, T>(out: *mut T, name: &str) -> Result<&'a mut T, Error> {
    // SAFETY: per the contract; `T` is a plain value type the caller allocated.
    unsafe { out.as_mut() }.ok_or_else(|| Error::null_argument(name))
}

/// Copies `items` into the caller's buffer `(buf, cap)` and stores
/// `items.len() - reserved` through `out_len`.
///
/// When the buffer is too small nothing is copied, the needed length is
/// still stored through `out_len`, and the result is an
/// `insufficient-space` error: callers query the size with `cap = 0` (where
/// `buf` may be NULL), or retry with a larger buffer. Nothing to copy is a
/// success whatever `buf` is. `reserved` trailing
/// items (a NUL terminator) are copied but not counted.
///
/// # Safety
/// `buf` is NULL or valid for writing `cap` values of `T`; `out_len` is NULL
/// or valid for writing one `size_t`.
pub(crate) unsafe fn fill<T: Copy>(
    buf: *mut T,
    cap: usize,
    items: &[T],
    reserved: usize,
    out_len: *mut usize,
) -> Result<(), Error> {
    // SAFETY: per the contract.
    let out_len = unsafe { out_value(out_len, "out_len") }?;
    *out_len = items.len() - reserved;
    if cap < items.len() {
        return Err(Error::new(
            nodecore_status::InsufficientSpace,
            format!("the buffer holds {cap} elements; {} are needed", items.len()),
        ));
    }
    if items.is_empty() {
        return Ok(());
    }
    if buf.is_null() {
        return Err(Error::null_argument("buf"));
    }
    if !buf.is_aligned() {
        return Err(Error::invalid_argument("argument `buf` is not aligned for its element type"));
    }
    // SAFETY: `buf` holds at least `items.len()` values per the contract, and
    // cannot overlap `items`, which the library owns.
    unsafe { ptr::copy_nonoverlapping(items.as_ptr(), buf, items.len()) };
    Ok(())
}

/// Copies text with a NUL terminator into `(buf, cap)`; `out_len` receives
/// the text's length without the terminator, so `cap` must be at least one
/// more than that.
///
/// # Safety
/// As for [`fill`].
pub(crate) unsafe fn fill_text(buf: *mut c_char, cap: usize, text: &str, out_len: *mut usize) -> Result<(), Error> {
    let mut bytes = Vec::with_capacity(text.len() + 1);
    bytes.extend(text.bytes().map(|b| b as c_char));
    bytes.push(0);
    // SAFETY: forwarded contract.
    unsafe { fill(buf, cap, &bytes, 1, out_len) }.map_err(|mut err| {
        if err.status == nodecore_status::InsufficientSpace {
            err.message = format!("the buffer holds {cap} bytes; the text needs {} and a NUL terminator", text.len());
        }
        err
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_arrays_may_be_null() {
        assert_eq!(unsafe { array::<u32>(ptr::null(), 0, "a") }.unwrap(), &[] as &[u32]);
        assert_eq!(unsafe { array::<u32>(ptr::null(), 1, "a") }.unwrap_err().status, nodecore_status::NullArgument);
    }

    #[test]
    fn misaligned_arrays_are_refused() {
        let words = [0u64; 2];
        let odd = unsafe { words.as_ptr().cast::<u8>().add(1) }.cast::<u32>();
        assert_eq!(unsafe { array(odd, 1, "a") }.unwrap_err().status, nodecore_status::InvalidArgument);
    }

    #[test]
    fn configs_declare_their_size() {
        #[repr(C)]
        #[derive(Debug)]
        struct Config {
            size: usize,
            value: u32,
        }
        let good = Config { size: size_of::<Config>(), value: 7 };
        assert_eq!(unsafe { config(&good, "c") }.unwrap().value, 7);
        let old = Config { size: 4, value: 7 };
        let err = unsafe { config(&old, "c") }.unwrap_err();
        assert_eq!(err.status, nodecore_status::InvalidArgument);
        assert!(err.message.contains("declares size 4"), "{}", err.message);
        assert_eq!(unsafe { config::<Config>(ptr::null(), "c") }.unwrap_err().status, nodecore_status::NullArgument);
    }

    #[test]
    fn choices_refuse_unknown_values() {
        assert_eq!(choice(1, &['a', 'b'], "x").unwrap(), 'b');
        let err = choice(2, &['a', 'b'], "x").unwrap_err();
        assert_eq!(
            (err.status, err.message.as_str()),
            (nodecore_status::InvalidArgument, "argument `x` is 2; the known values are 0 to 1")
        );
        assert!(choice(u32::MAX, &['a'], "x").is_err());
    }

    #[test]
    fn text_must_be_utf8() {
        let bytes = [0xffu8, 0x41];
        let err = unsafe { text(bytes.as_ptr().cast(), 2, "t") }.unwrap_err();
        assert_eq!(err.status, nodecore_status::InvalidUtf8);
        assert_eq!(unsafe { text(b"0-3".as_ptr().cast(), 3, "t") }.unwrap(), "0-3");
    }

    #[test]
    fn nothing_to_fill_needs_no_buffer() {
        let mut len = 9usize;
        unsafe { fill::<u32>(ptr::null_mut(), 0, &[], 0, &mut len) }.unwrap();
        assert_eq!(len, 0);
    }

    #[test]
    fn fill_reports_the_needed_length() {
        let mut len = 0usize;
        let err = unsafe { fill_text(ptr::null_mut(), 0, "0-3", &mut len) }.unwrap_err();
        assert_eq!((err.status, len), (nodecore_status::InsufficientSpace, 3));
        let mut buf = [1 as c_char; 3];
        assert!(unsafe { fill_text(buf.as_mut_ptr(), 3, "0-3", &mut len) }.is_err(), "no room for the NUL");
        assert_eq!(buf, [1, 1, 1], "nothing written on failure");
        let mut buf = [1 as c_char; 4];
        unsafe { fill_text(buf.as_mut_ptr(), 4, "0-3", &mut len) }.unwrap();
        assert_eq!((buf, len), ([b'0' as c_char, b'-' as c_char, b'3' as c_char, 0], 3));
    }
}
