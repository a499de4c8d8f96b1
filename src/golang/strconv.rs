//! Go's `strconv` integer and boolean parsing, and the text of its errors.
//!
//! `strconv.Atoi` on the 64-bit hosts the kubelet runs on is
//! `strconv.ParseInt(s, 10, 64)`: an optional `+` or `-`, then one or more
//! ASCII digits; no spaces, underscores or base prefixes. The digits are read
//! left to right and the first one that overflows 64 unsigned bits is a range
//! error, even when a non-digit follows (`"99999999999999999999x"`); a
//! non-digit before any overflow is a syntax error.

use super::quote;
use std::fmt;

/// Why `strconv.ParseInt` refused its input (`strconv.ErrSyntax` or
/// `strconv.ErrRange`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IntError {
    /// Not an optionally signed run of ASCII decimal digits; Go returns 0
    /// with it.
    Syntax,
    /// Digits outside `i64`; Go returns the value clamped to `i64::MAX` or
    /// `i64::MIN` with it.
    Range(i64),
}

impl IntError {
    /// The error's text, as Go's `strconv.ErrSyntax` and `ErrRange` word it.
    pub(crate) fn reason(self) -> &'static str {
        match self {
            IntError::Syntax => SYNTAX,
            IntError::Range(_) => RANGE,
        }
    }
}

/// The text of `strconv.ErrSyntax`.
pub(crate) const SYNTAX: &str = "invalid syntax";
/// The text of `strconv.ErrRange`.
pub(crate) const RANGE: &str = "value out of range";

/// Go's `strconv.ParseInt(s, 10, 64)`, also `strconv.Atoi` on 64-bit hosts.
pub(crate) fn parse_int(s: &[u8]) -> Result<i64, IntError> {
    let (negative, digits) = match s.split_first() {
        Some((b'+', rest)) => (false, rest),
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    if digits.is_empty() {
        return Err(IntError::Syntax);
    }
    let mut magnitude: u64 = 0;
    let mut overflowed = false;
    for &byte in digits {
        if !byte.is_ascii_digit() {
            return Err(IntError::Syntax);
        }
        match magnitude.checked_mul(10).and_then(|m| m.checked_add(u64::from(byte - b'0'))) {
            Some(next) => magnitude = next,
            None => {
                overflowed = true;
                break;
            }
        }
    }
    const LIMIT: u64 = 1 << 63;
    match (negative, overflowed) {
        (false, false) if magnitude < LIMIT => Ok(magnitude as i64),
        (true, false) if magnitude <= LIMIT => Ok((magnitude as i64).wrapping_neg()),
        (false, _) => Err(IntError::Range(i64::MAX)),
        (true, _) => Err(IntError::Range(i64::MIN)),
    }
}

/// Go's `strconv.Atoi` on a 64-bit host.
pub(crate) fn atoi(s: &str) -> Result<i64, IntError> {
    parse_int(s.as_bytes())
}

/// Go's `strconv.ParseBool`: `None` is its syntax error.
pub(crate) fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// The text of Go's `*strconv.NumError`:
/// `strconv.<function>: parsing <quoted input>: <reason>`.
pub(crate) fn num_error<'a>(function: &'static str, input: &'a str, reason: &'static str) -> NumError<'a> {
    NumError { function, input, reason }
}

/// See [`num_error`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct NumError<'a> {
    function: &'static str,
    input: &'a str,
    reason: &'static str,
}

impl fmt::Display for NumError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "strconv.{}: parsing {}: {}", self.function, quote(self.input), self.reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_int_follows_go() {
        assert_eq!(parse_int(b"1000"), Ok(1000));
        assert_eq!(parse_int(b"+7"), Ok(7));
        assert_eq!(parse_int(b"007"), Ok(7));
        assert_eq!(parse_int(b"-0"), Ok(0));
        assert_eq!(parse_int(b"-1"), Ok(-1));
        assert_eq!(parse_int(b"9223372036854775807"), Ok(i64::MAX));
        assert_eq!(parse_int(b"-9223372036854775808"), Ok(i64::MIN));
        assert_eq!(parse_int(b"9223372036854775808"), Err(IntError::Range(i64::MAX)));
        assert_eq!(parse_int(b"-9223372036854775809"), Err(IntError::Range(i64::MIN)));
        assert_eq!(parse_int(b"18446744073709551616"), Err(IntError::Range(i64::MAX)));
        assert_eq!(parse_int(b"99999999999999999999x"), Err(IntError::Range(i64::MAX)));
        for bad in [&b""[..], b"+", b"-", b"+-5", b" 8", b"8 ", b"0x10", b"1_000", b"1e3", b"\xd9\xa1"] {
            assert_eq!(parse_int(bad), Err(IntError::Syntax), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn parse_bool_takes_go_spellings_only() {
        for spelling in ["1", "t", "T", "TRUE", "true", "True"] {
            assert_eq!(parse_bool(spelling), Some(true));
        }
        for spelling in ["0", "f", "F", "FALSE", "false", "False"] {
            assert_eq!(parse_bool(spelling), Some(false));
        }
        for bad in ["", "yes", "tRUE", " true", "2"] {
            assert_eq!(parse_bool(bad), None);
        }
    }

    #[test]
    fn num_errors_read_as_go_prints_them() {
        assert_eq!(
            num_error("Atoi", "\t9", atoi("\t9").unwrap_err().reason()).to_string(),
            r#"strconv.Atoi: parsing "\t9": invalid syntax"#
        );
        assert_eq!(
            num_error("ParseInt", "1e99", RANGE).to_string(),
            r#"strconv.ParseInt: parsing "1e99": value out of range"#
        );
    }
}
