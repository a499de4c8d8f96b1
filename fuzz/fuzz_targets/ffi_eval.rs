//! `nodecore_eval`, the C ABI's universal door, fed any bytes: every case
//! kind of every module behind it. Text that is not UTF-8 is refused with
//! its status; UTF-8 text is answered line by line, whatever it holds.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nodecore_ffi::eval::nodecore_eval;
use nodecore_ffi::status::nodecore_status;
use nodecore_ffi::string::nodecore_string_free;
use std::ffi::{CStr, c_char};
use std::ptr;

fuzz_target!(|data: &[u8]| {
    let mut out: *mut c_char = ptr::dangling_mut();
    // SAFETY: `data` is valid for its length; `out` is writable.
    let status = unsafe { nodecore_eval(data.as_ptr().cast(), data.len(), &mut out) };
    match std::str::from_utf8(data) {
        Ok(text) => {
            assert_eq!(status, nodecore_status::Ok);
            assert!(!out.is_null());
            // SAFETY: on success `out` is a NUL-terminated library string.
            let answers = unsafe { CStr::from_ptr(out) }.to_str().expect("answers are UTF-8");
            let cases = text.lines().filter(|line| !line.trim().is_empty()).count();
            assert_eq!(answers.lines().count(), cases);
            for answer in answers.lines() {
                let answer: serde_json::Value = serde_json::from_str(answer).expect("each answer is JSON");
                assert!(answer.get("output").is_some() != answer.get("error").is_some(), "{answer}");
            }
        }
        Err(_) => {
            assert_eq!(status, nodecore_status::InvalidUtf8);
            assert!(out.is_null());
        }
    }
    // SAFETY: `out` is NULL or the string this call returned.
    unsafe { nodecore_string_free(out) };
});
