//! The two Go standard-library functions whose exact behaviour decides how the
//! runtimes read `/etc/passwd`, `/etc/group` and `USER` strings:
//! `strconv.ParseInt(s, 10, 64)` (which `strconv.Atoi` is on 64-bit hosts) and
//! `bytes.TrimSpace`.

/// Why `strconv.ParseInt(s, 10, 64)` refused its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NumError {
    /// Not an optionally signed run of ASCII decimal digits (`ErrSyntax`); Go
    /// returns 0 with it.
    Syntax,
    /// Digits, but outside `i64` (`ErrRange`); Go returns the value clamped to
    /// `i64::MAX` or `i64::MIN` with it.
    Range(i64),
}

/// Go's `strconv.ParseInt(s, 10, 64)`, also `strconv.Atoi` on 64-bit hosts:
/// an optional `+` or `-`, then one or more ASCII digits; no spaces, no
/// underscores, no base prefix.
///
/// Go's `ParseUint` stops at the first digit that overflows `u64` and reports
/// a range error even when a non-digit follows (`"99999999999999999999x"` is a
/// range error); a non-digit before any overflow is a syntax error. This
/// function keeps that order.
pub(crate) fn parse_int(s: &[u8]) -> Result<i64, NumError> {
    let (negative, digits) = match s.split_first() {
        Some((b'+', rest)) => (false, rest),
        Some((b'-', rest)) => (true, rest),
        _ => (false, s),
    };
    if digits.is_empty() {
        return Err(NumError::Syntax);
    }
    let mut magnitude: u64 = 0;
    let mut overflowed = false;
    for &byte in digits {
        if !byte.is_ascii_digit() {
            return Err(NumError::Syntax);
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
        (false, _) => Err(NumError::Range(i64::MAX)),
        (true, _) => Err(NumError::Range(i64::MIN)),
    }
}

/// How `moby/sys/user` reads a numeric field: `strconv.Atoi` with the error
/// ignored, so malformed text is 0 and an overflow is clamped to the `i64`
/// bounds (not 0).
pub(crate) fn atoi_lossy(s: &[u8]) -> i64 {
    match parse_int(s) {
        Ok(value) | Err(NumError::Range(value)) => value,
        Err(NumError::Syntax) => 0,
    }
}

/// Go's `uint32(x)` for an `int`: keeps the low 32 bits, so it wraps rather
/// than clamps (`-1` → 4294967295, 4294967296 → 0). This is how both runtimes
/// store ids read from the files into the OCI spec.
pub(crate) fn uint32(id: i64) -> u32 {
    id as u32
}

/// Go's `bytes.TrimSpace`: strips leading and trailing Unicode `White_Space`
/// (ASCII `\t \n \v \f \r` and space, and U+0085, U+00A0, U+1680,
/// U+2000–U+200A, U+2028, U+2029, U+202F, U+205F, U+3000), decoding UTF-8 at
/// both ends. Invalid UTF-8 is not space, so trimming stops there; a BOM
/// (U+FEFF) is not space either.
pub(crate) fn trim_space(mut s: &[u8]) -> &[u8] {
    while let Some(width) = leading_space_width(s) {
        s = &s[width..];
    }
    while let Some(width) = trailing_space_width(s) {
        s = &s[..s.len() - width];
    }
    s
}

/// The byte width of the whitespace character `s` starts with, if it does.
fn leading_space_width(s: &[u8]) -> Option<usize> {
    // Every non-ASCII White_Space character is two or three bytes long.
    (1..=3).filter(|&width| width <= s.len()).find(|&width| is_space_char(&s[..width]))
}

/// The byte width of the whitespace character `s` ends with, if it does.
fn trailing_space_width(s: &[u8]) -> Option<usize> {
    (1..=3).filter(|&width| width <= s.len()).find(|&width| is_space_char(&s[s.len() - width..]))
}

/// Whether `bytes` is exactly one UTF-8 encoded whitespace character.
fn is_space_char(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else { return false };
    let mut chars = text.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if c.is_whitespace())
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
        assert_eq!(parse_int(b"9223372036854775808"), Err(NumError::Range(i64::MAX)));
        assert_eq!(parse_int(b"-9223372036854775809"), Err(NumError::Range(i64::MIN)));
        assert_eq!(parse_int(b"18446744073709551616"), Err(NumError::Range(i64::MAX)));
        assert_eq!(parse_int(b"99999999999999999999x"), Err(NumError::Range(i64::MAX)));
        for bad in [&b""[..], b"+", b"-", b"+-5", b" 8", b"8 ", b"0x10", b"1_000", b"1e3", b"\xd9\xa1"] {
            assert_eq!(parse_int(bad), Err(NumError::Syntax), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn lossy_integers_are_zero_or_clamped() {
        assert_eq!(atoi_lossy(b"abc"), 0);
        assert_eq!(atoi_lossy(b" 4"), 0);
        assert_eq!(atoi_lossy(b"99999999999999999999"), i64::MAX);
        assert_eq!(atoi_lossy(b"-99999999999999999999"), i64::MIN);
        assert_eq!(atoi_lossy(b"+1600"), 1600);
    }

    #[test]
    fn trim_space_uses_unicode_white_space() {
        assert_eq!(trim_space(b" \t alice:x \r"), b"alice:x");
        assert_eq!(trim_space("\u{85}\u{a0}a\u{2028}\u{3000}".as_bytes()), b"a");
        assert_eq!(trim_space("\u{feff}a".as_bytes()), "\u{feff}a".as_bytes());
        assert_eq!(trim_space(b"\0a\0"), b"\0a\0");
        assert_eq!(trim_space(b"\x85a\xa0"), b"\x85a\xa0", "lone continuation bytes are not space");
        assert_eq!(trim_space(b" \x0b\x0c "), b"");
        assert_eq!(trim_space("\u{1c}a".as_bytes()), "\u{1c}a".as_bytes(), "U+001C is not White_Space");
    }
}
