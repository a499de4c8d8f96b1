//! The Linux list format parser, exact to `k8s.io/utils/cpuset.Parse`.
//!
//! Upstream splits on every `,`, splits each piece on its first `-`, and reads
//! each number with Go's `strconv.Atoi` (optional sign, ASCII digits, 64-bit
//! range). Its error messages surface in pod admission errors, so they are
//! reproduced word for word inside ours.

use super::{CpuSet, MAX_CPU_ID};
use std::fmt;

/// Text that is not a CPU list.
///
/// The message names the whole text and carries upstream's message for the
/// piece at fault, e.g.
/// `invalid CPU list "1-": strconv.Atoi: parsing "": invalid syntax`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid CPU list {}: {reason}", go_quote(text))]
pub struct ParseError {
    /// The whole text that was parsed.
    pub text: String,
    /// What is wrong with it.
    pub reason: ParseErrorReason,
}

/// Why a CPU list was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseErrorReason {
    /// A number is not an optionally signed decimal integer.
    InvalidSyntax { piece: String },
    /// A number does not fit a 64-bit signed integer.
    OutOfRange { piece: String },
    /// A range `a-b` with `a > b`.
    InvalidRange { piece: String, start: i64, end: i64 },
    /// A CPU id above [`MAX_CPU_ID`].
    IdTooLarge { piece: String, id: i64 },
}

impl fmt::Display for ParseErrorReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidSyntax { piece } => {
                write!(f, "strconv.Atoi: parsing {}: invalid syntax", go_quote(piece))
            }
            Self::OutOfRange { piece } => {
                write!(f, "strconv.Atoi: parsing {}: value out of range", go_quote(piece))
            }
            Self::InvalidRange { piece, start, end } => {
                write!(f, "invalid range {} ({start} > {end})", go_quote(piece))
            }
            Self::IdTooLarge { piece, id } => {
                write!(f, "CPU id {id} in {} exceeds the largest supported id {MAX_CPU_ID}", go_quote(piece))
            }
        }
    }
}

pub(super) fn parse(text: &str) -> Result<CpuSet, ParseError> {
    let fail = |reason| ParseError { text: text.to_owned(), reason };
    let mut set = CpuSet::new();
    if text.is_empty() {
        return Ok(set);
    }
    for piece in text.split(',') {
        let (start, end) = match piece.split_once('-') {
            None => {
                let cpu = atoi(piece).map_err(fail)?;
                (cpu, cpu)
            }
            Some((first, second)) => {
                let start = atoi(first).map_err(fail)?;
                let end = atoi(second).map_err(fail)?;
                if start > end {
                    return Err(fail(ParseErrorReason::InvalidRange { piece: piece.to_owned(), start, end }));
                }
                (start, end)
            }
        };
        // `start` is never negative: a leading '-' splits the piece instead.
        if end > MAX_CPU_ID as i64 {
            return Err(fail(ParseErrorReason::IdTooLarge { piece: piece.to_owned(), id: end }));
        }
        set.insert_range(start as usize, end as usize);
    }
    Ok(set)
}

/// Go's `strconv.Atoi`: an optional `+` or `-`, then ASCII digits; the first
/// bad character is a syntax error and the first overflow of 64 unsigned
/// bits a range error, scanning left to right as `ParseUint` does.
fn atoi(piece: &str) -> Result<i64, ParseErrorReason> {
    let syntax = || ParseErrorReason::InvalidSyntax { piece: piece.to_owned() };
    let range = || ParseErrorReason::OutOfRange { piece: piece.to_owned() };
    let (negative, digits) = match piece.as_bytes().first() {
        Some(b'-') => (true, &piece[1..]),
        Some(b'+') => (false, &piece[1..]),
        _ => (false, piece),
    };
    if digits.is_empty() {
        return Err(syntax());
    }
    let mut value: u64 = 0;
    for byte in digits.bytes() {
        if !byte.is_ascii_digit() {
            return Err(syntax());
        }
        value = value.checked_mul(10).and_then(|v| v.checked_add(u64::from(byte - b'0'))).ok_or_else(range)?;
    }
    let limit = 1u64 << 63;
    match (negative, value) {
        (false, v) if v >= limit => Err(range()),
        (true, v) if v > limit => Err(range()),
        (false, v) => Ok(v as i64),
        (true, v) => Ok((v as i64).wrapping_neg()),
    }
}

/// Go's `%q` of a string: double quotes, `\a \b \f \n \r \t \v \\ \"` escapes,
/// other control characters as `\xHH` or `\uHHHH`.
pub(crate) fn go_quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            '\u{7}' => quoted.push_str("\\a"),
            '\u{8}' => quoted.push_str("\\b"),
            '\u{c}' => quoted.push_str("\\f"),
            '\n' => quoted.push_str("\\n"),
            '\r' => quoted.push_str("\\r"),
            '\t' => quoted.push_str("\\t"),
            '\u{b}' => quoted.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                quoted.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => quoted.push_str(&format!("\\u{:04x}", c as u32)),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}
