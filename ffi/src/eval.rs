//! The universal door: the shared case format over the C ABI.

use std::ffi::c_char;

use crate::panic::ffi_boundary;
use crate::status::nodecore_status;
use crate::{arg, string};

/// Runs JSONL cases and returns their answers as JSONL, exactly as the
/// `nodecore eval` command does: one answer line per non-blank input line,
/// in order, each ending in `\n` (`{"id", "output"}` or
/// `{"id", "error": {"kind", "message"}}`).
///
/// `cases` is UTF-8 text of `len` bytes (no NUL needed; NULL allowed when
/// `len` is 0). A case that fails is answered with an error line and does not
/// make the call fail: the status is `NODECORE_STATUS_OK` whenever the text
/// could be read. On success `*out` receives a new NUL-terminated string the
/// caller frees with `nodecore_string_free`; on failure (NULL argument,
/// invalid UTF-8, panic) `*out` is set to NULL.
///
/// Thread-safe: calls may run concurrently.
///
/// # Safety
/// `cases` is valid for reading `len` bytes; `out` is valid for writing one
/// pointer.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn nodecore_eval(cases: *const c_char, len: usize, out: *mut *mut c_char) -> nodecore_status {
    ffi_boundary!(err = std::ptr::null_mut();
        // SAFETY: forwarded contract.
        let out = unsafe { arg::out_ptr(out, "out") }?;
        // SAFETY: forwarded contract.
        let cases = unsafe { arg::text(cases, len, "cases") }?;
        *out = string::into_raw(nodecore::eval::eval_jsonl(cases));
        Ok(())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::string::nodecore_string_free;
    use std::ffi::CStr;
    use std::ptr;

    fn eval(input: &[u8]) -> (nodecore_status, Option<String>) {
        let mut out: *mut c_char = std::ptr::dangling_mut::<c_char>();
        let status = unsafe { nodecore_eval(input.as_ptr().cast(), input.len(), &mut out) };
        let text = (!out.is_null()).then(|| unsafe { CStr::from_ptr(out) }.to_str().unwrap().to_owned());
        unsafe { nodecore_string_free(out) };
        (status, text)
    }

    #[test]
    fn answers_exactly_as_eval_jsonl() {
        let input = "{\"id\":\"a\",\"kind\":\"cpuset.parse\",\"input\":{\"text\":\"3,0-2\"}}\n\nnot json\n";
        let (status, text) = eval(input.as_bytes());
        assert_eq!(status, nodecore_status::Ok);
        assert_eq!(text.unwrap(), nodecore::eval::eval_jsonl(input));
    }

    #[test]
    fn refuses_what_it_cannot_read() {
        assert_eq!(eval(&[0xff]), (nodecore_status::InvalidUtf8, None));
        let status = unsafe { nodecore_eval(ptr::null(), 3, &mut ptr::null_mut()) };
        assert_eq!(status, nodecore_status::NullArgument);
        let status = unsafe { nodecore_eval(c"".as_ptr(), 0, ptr::null_mut()) };
        assert_eq!(status, nodecore_status::NullArgument);
        assert_eq!(eval(b""), (nodecore_status::Ok, Some(String::new())));
    }
}
