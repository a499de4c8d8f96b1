//! Go's `time.ParseDuration`, through which the kubelet reads
//! `evictionSoftGracePeriod` values (`"90s"`, `"1m30s"`, `"1.5h"`).
//!
//! A duration is a sequence of decimal numbers, each with an optional
//! fraction and a unit (`ns`, `us`/`µs`/`μs`, `ms`, `s`, `m`, `h`), with an
//! optional leading sign; a bare `"0"` is zero. Fractions are applied in
//! floating point as Go does, so `"1.1ns"` is 1 ns. The result is Go's
//! `Duration`: signed nanoseconds that must fit an `i64`.

use std::fmt;

const NANOS_PER_HOUR: u64 = 3_600_000_000_000;
const LIMIT: u64 = 1 << 63;

/// Why text is not a Go duration; the messages are Go's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DurationError {
    /// Not a duration, or beyond the range of `i64` nanoseconds.
    Invalid {
        /// The whole text.
        text: String,
    },
    /// A number without a unit.
    MissingUnit {
        /// The whole text.
        text: String,
    },
    /// A unit Go does not know (days, for instance).
    UnknownUnit {
        /// The unit as written.
        unit: String,
        /// The whole text.
        text: String,
    },
}

impl fmt::Display for DurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DurationError::Invalid { text } => write!(f, "time: invalid duration {}", quote(text)),
            DurationError::MissingUnit { text } => write!(f, "time: missing unit in duration {}", quote(text)),
            DurationError::UnknownUnit { unit, text } => {
                write!(f, "time: unknown unit {} in duration {}", quote(unit), quote(text))
            }
        }
    }
}

impl std::error::Error for DurationError {}

fn unit_nanos(unit: &str) -> Option<u64> {
    Some(match unit {
        "ns" => 1,
        "us" | "\u{b5}s" | "\u{3bc}s" => 1_000,
        "ms" => 1_000_000,
        "s" => 1_000_000_000,
        "m" => 60_000_000_000,
        "h" => NANOS_PER_HOUR,
        _ => return None,
    })
}

/// Parses `text` as Go's `time.ParseDuration`, returning signed nanoseconds.
pub fn parse_duration(text: &str) -> Result<i64, DurationError> {
    let invalid = || DurationError::Invalid { text: text.to_owned() };
    let mut rest = text.as_bytes();
    let mut negative = false;
    if let Some(&sign @ (b'+' | b'-')) = rest.first() {
        negative = sign == b'-';
        rest = &rest[1..];
    }
    if rest == b"0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        if !(rest[0] == b'.' || rest[0].is_ascii_digit()) {
            return Err(invalid());
        }
        let (whole, whole_len) = leading_integer(rest).ok_or_else(invalid)?;
        rest = &rest[whole_len..];
        let (mut fraction, mut scale, mut fraction_len) = (0, 1.0, 0);
        if rest.first() == Some(&b'.') {
            rest = &rest[1..];
            (fraction, scale, fraction_len) = leading_fraction(rest);
            rest = &rest[fraction_len..];
        }
        if whole_len == 0 && fraction_len == 0 {
            return Err(invalid());
        }
        let unit_len = rest.iter().take_while(|&&c| c != b'.' && !c.is_ascii_digit()).count();
        if unit_len == 0 {
            return Err(DurationError::MissingUnit { text: text.to_owned() });
        }
        // The unit ends at an ASCII byte or at the end, so it is whole UTF-8.
        let unit = std::str::from_utf8(&rest[..unit_len]).expect("unit is whole UTF-8");
        rest = &rest[unit_len..];
        let per_unit = unit_nanos(unit)
            .ok_or_else(|| DurationError::UnknownUnit { unit: unit.to_owned(), text: text.to_owned() })?;
        if whole > LIMIT / per_unit {
            return Err(invalid());
        }
        let mut value = whole * per_unit;
        if fraction > 0 {
            // Go applies the fraction in float64: at most 3.6e12 ns, so exact enough.
            value += (fraction as f64 * (per_unit as f64 / scale)) as u64;
            if value > LIMIT {
                return Err(invalid());
            }
        }
        total += value;
        if total > LIMIT {
            return Err(invalid());
        }
    }
    if negative {
        return Ok((total as i64).wrapping_neg());
    }
    i64::try_from(total).map_err(|_| invalid())
}

/// The leading run of digits as an integer up to 2^63, and its length;
/// `None` beyond that.
fn leading_integer(s: &[u8]) -> Option<(u64, usize)> {
    let len = s.iter().take_while(|c| c.is_ascii_digit()).count();
    let mut value: u64 = 0;
    for &c in &s[..len] {
        if value > LIMIT / 10 {
            return None;
        }
        value = value * 10 + u64::from(c - b'0');
        if value > LIMIT {
            return None;
        }
    }
    Some((value, len))
}

/// The leading run of fraction digits: their value, 10^(digits kept) and the
/// run's length. Digits past 63 bits of precision are read but not kept.
fn leading_fraction(s: &[u8]) -> (u64, f64, usize) {
    let len = s.iter().take_while(|c| c.is_ascii_digit()).count();
    let (mut value, mut scale, mut full) = (0u64, 1.0f64, false);
    for &c in &s[..len] {
        if full {
            continue;
        }
        if value > (LIMIT - 1) / 10 {
            full = true;
            continue;
        }
        let next = value * 10 + u64::from(c - b'0');
        if next > LIMIT {
            full = true;
            continue;
        }
        value = next;
        scale *= 10.0;
    }
    (value, scale, len)
}

/// Go's `time` package quoting: non-ASCII and control bytes as `\xNN`.
fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        if (c as u32) >= 0x80 || c < ' ' {
            let mut buf = [0; 4];
            for byte in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("\\x{byte:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                out.push('\\');
            }
            out.push(c);
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let cases = [
            ("0", 0),
            ("-0", 0),
            ("+0", 0),
            ("0s", 0),
            ("-0s", 0),
            ("90s", 90_000_000_000),
            ("1m30s", 90_000_000_000),
            ("1.5h", 5_400_000_000_000),
            ("500ms", 500_000_000),
            ("10ns", 10),
            ("1.1ns", 1),
            ("1µs", 1_000),
            ("1μs", 1_000),
            (".5s", 500_000_000),
            ("5.s", 5_000_000_000),
            ("-30s", -30_000_000_000),
            ("2h45m", 9_900_000_000_000),
            ("9223372036854775807ns", i64::MAX),
            ("-9223372036854775808ns", i64::MIN),
            ("1.00000000000000000000001s", 1_000_000_000),
        ];
        for (text, nanos) in cases {
            assert_eq!(parse_duration(text), Ok(nanos), "{text}");
        }
    }

    #[test]
    fn refusals_carry_go_messages() {
        let message = |text: &str| parse_duration(text).unwrap_err().to_string();
        assert_eq!(message("90"), "time: missing unit in duration \"90\"");
        assert_eq!(message("1d"), "time: unknown unit \"d\" in duration \"1d\"");
        assert_eq!(message("abc"), "time: invalid duration \"abc\"");
        assert_eq!(message(""), "time: invalid duration \"\"");
        assert_eq!(message("-"), "time: invalid duration \"-\"");
        assert_eq!(message(".s"), "time: invalid duration \".s\"");
        assert_eq!(message("1s "), "time: unknown unit \"s \" in duration \"1s \"");
        assert_eq!(message("9223372036854775808ns"), "time: invalid duration \"9223372036854775808ns\"");
        assert_eq!(message("3000000h"), "time: invalid duration \"3000000h\"");
        assert_eq!(message("1é"), "time: unknown unit \"\\xc3\\xa9\" in duration \"1\\xc3\\xa9\"");
    }
}
