//! Go's `strconv.ParseFloat(s, 32)`, through which the kubelet reads
//! percentages.
//!
//! Rust's `f32::from_str` rounds decimal text exactly as Go does (directly to
//! binary32), but Go's syntax is wider: hexadecimal mantissas with a binary
//! exponent (`0x1p-2`), `_` digit separators (`1_0`), and only `inf`,
//! `infinity` and `nan` as words (a sign is allowed before the first two).
//! Go also caps a written exponent at five digits and reports overflow as an
//! error. This module checks the syntax as Go does, then hands decimal digits
//! to Rust's parser and rounds hexadecimal values itself.

use super::strconv::{self, num_error};
use std::fmt;

/// Why Go refuses the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FloatErrorReason {
    /// Not a Go floating-point literal.
    Syntax,
    /// Beyond the largest binary32 value.
    Range,
}

/// A refusal, displayed as Go's `*strconv.NumError`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FloatError {
    /// The text that was parsed.
    pub text: String,
    /// What was wrong with it.
    pub reason: FloatErrorReason,
}

impl fmt::Display for FloatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let reason = match self.reason {
            FloatErrorReason::Syntax => strconv::SYNTAX,
            FloatErrorReason::Range => strconv::RANGE,
        };
        write!(f, "{}", num_error("ParseFloat", &self.text, reason))
    }
}

impl std::error::Error for FloatError {}

/// Parses `text` as Go's `strconv.ParseFloat(text, 32)`.
pub fn parse_float32(text: &str) -> Result<f32, FloatError> {
    let fail = |reason| FloatError { text: text.to_owned(), reason };
    if let Some((value, consumed)) = special(text) {
        return if consumed == text.len() { Ok(value) } else { Err(fail(FloatErrorReason::Syntax)) };
    }
    let literal = scan(text.as_bytes()).filter(|l| l.consumed == text.len()).ok_or(fail(FloatErrorReason::Syntax))?;
    let magnitude = match &literal.mantissa {
        Mantissa::Decimal(digits) => decimal_to_f32(digits, literal.point),
        Mantissa::Hex { bits, sticky } => hex_to_f32(*bits, literal.point, *sticky),
    };
    if magnitude.is_infinite() {
        return Err(fail(FloatErrorReason::Range));
    }
    Ok(if literal.negative { -magnitude } else { magnitude })
}

/// `inf`, `infinity` (either with a sign) and `nan`, in any case: the value
/// and how many bytes of the text they take.
fn special(text: &str) -> Option<(f32, usize)> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1.0f32, &text[1..]),
        b'-' => (-1.0, &text[1..]),
        _ => (1.0, text),
    };
    let signed = rest.len() < text.len();
    let common = |word: &str| rest.bytes().zip(word.bytes()).take_while(|(a, b)| a.to_ascii_lowercase() == *b).count();
    match common("infinity") {
        8 => return Some((sign * f32::INFINITY, text.len() - rest.len() + 8)),
        3..=7 => return Some((sign * f32::INFINITY, text.len() - rest.len() + 3)),
        _ => {}
    }
    (!signed && common("nan") == 3).then_some((f32::NAN, 3))
}

enum Mantissa {
    /// Significant decimal digits, first one non-zero (empty for zero).
    Decimal(Vec<u8>),
    /// The first 16 significant hex digits, and whether any later digit was non-zero.
    Hex { bits: u64, sticky: bool },
}

/// A Go floating-point literal taken apart.
struct Literal {
    negative: bool,
    mantissa: Mantissa,
    /// Decimal: the value is 0.d1d2… × 10^point. Hex: the value is bits × 2^point.
    point: i64,
    consumed: usize,
}

/// Reads the longest Go float literal at the start of `s`, with Go's rules:
/// leading zeros do not count as digits, a hexadecimal mantissa needs a `p`
/// exponent, written exponents stop growing at five digits, and underscores
/// must sit between digits.
fn scan(s: &[u8]) -> Option<Literal> {
    let mut i = 0;
    let mut negative = false;
    match s.first()? {
        b'+' => i = 1,
        b'-' => (negative, i) = (true, 1),
        _ => {}
    }
    let hex = i + 2 < s.len() && s[i] == b'0' && s[i + 1].eq_ignore_ascii_case(&b'x');
    if hex {
        i += 2;
    }
    let digit_value = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' | b'A'..=b'F' if hex => Some(c.to_ascii_lowercase() - b'a' + 10),
        _ => None,
    };
    let (mut underscores, mut saw_dot, mut saw_digits, mut trunc) = (false, false, false, false);
    let mut significant = 0i64;
    let mut point = 0i64;
    let mut digits = Vec::new();
    while let Some(&c) = s.get(i) {
        match c {
            b'_' => underscores = true,
            b'.' if saw_dot => break,
            b'.' => (saw_dot, point) = (true, significant),
            _ => {
                let Some(d) = digit_value(c) else { break };
                saw_digits = true;
                if d == 0 && significant == 0 {
                    point -= 1; // a leading zero
                } else {
                    significant += 1;
                    if !hex || digits.len() < 16 {
                        digits.push(d);
                    } else if d != 0 {
                        trunc = true;
                    }
                }
            }
        }
        i += 1;
    }
    if !saw_digits {
        return None;
    }
    if !saw_dot {
        point = significant;
    }
    let kept = digits.len() as i64;
    if hex {
        point *= 4;
    }
    let exponent_char = if hex { b'p' } else { b'e' };
    if s.get(i).map(u8::to_ascii_lowercase) == Some(exponent_char) {
        i += 1;
        let sign = match s.get(i)? {
            b'-' => -1,
            _ => 1,
        };
        if let b'+' | b'-' = s[i] {
            i += 1;
        }
        if !s.get(i)?.is_ascii_digit() {
            return None;
        }
        let mut exponent = 0i64;
        while let Some(&c) = s.get(i).filter(|c| c.is_ascii_digit() || **c == b'_') {
            if c == b'_' {
                underscores = true;
            } else if exponent < 10_000 {
                exponent = exponent * 10 + i64::from(c - b'0');
            }
            i += 1;
        }
        point += sign * exponent;
    } else if hex {
        return None;
    }
    if underscores && !underscores_between_digits(&s[..i]) {
        return None;
    }
    let mantissa = if hex {
        let bits = digits.iter().fold(0u64, |acc, &d| acc << 4 | u64::from(d));
        point -= 4 * kept;
        Mantissa::Hex { bits, sticky: trunc }
    } else {
        Mantissa::Decimal(digits)
    };
    Some(Literal { negative, mantissa, point, consumed: i })
}

/// Go's rule for `_` in numbers: only between two digits, or between a base
/// prefix and a digit.
fn underscores_between_digits(s: &[u8]) -> bool {
    #[derive(PartialEq)]
    enum Last {
        Start,
        Digit,
        Underscore,
        Other,
    }
    let s = s.strip_prefix(b"+").or_else(|| s.strip_prefix(b"-")).unwrap_or(s);
    let mut last = Last::Start;
    let mut hex = false;
    let mut rest = s;
    if s.len() >= 2 && s[0] == b'0' && matches!(s[1].to_ascii_lowercase(), b'b' | b'o' | b'x') {
        hex = s[1].eq_ignore_ascii_case(&b'x');
        last = Last::Digit; // the prefix counts as a digit
        rest = &s[2..];
    }
    for &c in rest {
        if c.is_ascii_digit() || (hex && c.is_ascii_hexdigit()) {
            last = Last::Digit;
        } else if c == b'_' {
            if last != Last::Digit {
                return false;
            }
            last = Last::Underscore;
        } else {
            if last == Last::Underscore {
                return false;
            }
            last = Last::Other;
        }
    }
    last != Last::Underscore
}

/// 0.d1d2… × 10^point, correctly rounded to binary32.
fn decimal_to_f32(digits: &[u8], point: i64) -> f32 {
    if digits.is_empty() {
        return 0.0;
    }
    let mut text = String::with_capacity(digits.len() + 24);
    text.push_str("0.");
    text.extend(digits.iter().map(|&d| char::from(b'0' + d)));
    text.push('e');
    text.push_str(&point.to_string());
    text.parse().expect("digits with an exponent always parse")
}

/// bits × 2^exponent, rounded to the nearest binary32 (ties to even), where
/// `sticky` says that non-zero bits were cut below `bits`.
fn hex_to_f32(bits: u64, exponent: i64, sticky: bool) -> f32 {
    if bits == 0 {
        return 0.0;
    }
    let width = i64::from(64 - bits.leading_zeros());
    let top = exponent + width - 1; // the value lies in [2^top, 2^(top+1))
    // Exponent of the last bit binary32 keeps: 24 bits, or the subnormal quantum.
    let quantum = (top - 23).max(-149);
    let drop = quantum - exponent;
    let kept = if drop <= 0 {
        u128::from(bits) << -drop
    } else {
        let wide = u128::from(bits);
        let (kept, rest, half) = if drop >= 66 {
            (0, wide, None)
        } else {
            (wide >> drop, wide & ((1u128 << drop) - 1), Some(1u128 << (drop - 1)))
        };
        let round_up = match half {
            None => false,
            Some(half) => rest > half || (rest == half && (sticky || kept & 1 == 1)),
        };
        kept + u128::from(round_up)
    };
    // kept ≤ 2^24, so the product is exact in f64 and exact in f32 unless it overflows.
    let value = kept as f64 * 2f64.powi(quantum.clamp(-1100, 1100) as i32);
    if value > f64::from(f32::MAX) { f32::INFINITY } else { value as f32 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> f32 {
        parse_float32(text).unwrap_or_else(|err| panic!("{text}: {err}"))
    }

    fn syntax(text: &str) -> bool {
        parse_float32(text).is_err_and(|err| err.reason == FloatErrorReason::Syntax)
    }

    #[test]
    fn decimal_text_rounds_once_to_binary32() {
        assert_eq!(ok("10"), 10.0);
        assert_eq!(ok("25.5"), 25.5);
        assert_eq!(ok("0.1"), 0.1f32);
        assert_eq!(ok("16777217"), 16_777_216.0, "ties to even");
        assert_eq!(ok("16777217.000001"), 16_777_218.0);
        assert_eq!(ok("+5."), 5.0);
        assert_eq!(ok(".5"), 0.5);
        assert_eq!(ok("00.5e1"), 5.0);
        assert_eq!(ok("1E+2"), 100.0);
        assert_eq!(ok("1e-99999"), 0.0);
        assert_eq!(ok("-0").to_bits(), (-0.0f32).to_bits());
        assert_eq!(ok("100.000001"), 100.0);
    }

    #[test]
    fn written_exponents_stop_growing_at_five_digits() {
        // Go reads the exponent as 99999 at most, so the leading zeros win.
        let zeros = "0".repeat(100_010);
        assert_eq!(ok(&format!("0.{zeros}1e100011")), 0.0);
    }

    #[test]
    fn hex_mantissas_need_a_binary_exponent() {
        assert_eq!(ok("0x1p-2"), 0.25);
        assert_eq!(ok("0X1.8P1"), 3.0);
        assert_eq!(ok("0x.8p0"), 0.5);
        assert_eq!(ok("-0x1p-149"), -f32::from_bits(1));
        assert_eq!(ok("0x1p-150"), 0.0, "half the smallest subnormal ties to even zero");
        assert_eq!(ok("0x1.000001p-150"), f32::from_bits(1));
        assert_eq!(ok("0x1.000001p0"), 1.0);
        assert_eq!(ok("0x1.000003p0"), 1.0000002);
        assert_eq!(ok("0x1.0000010000000000001p0"), 1.0000001, "cut digits break the tie");
        assert_eq!(ok("0x1.fffffe8p127"), f32::MAX);
        assert!(syntax("0x1"));
        assert!(syntax("0x"));
        assert!(syntax("0xp1"));
    }

    #[test]
    fn overflow_is_a_range_error() {
        for text in ["1e39", "0x1p128", "0x1.ffffffp127", "-3.5e38"] {
            assert_eq!(parse_float32(text).unwrap_err().reason, FloatErrorReason::Range, "{text}");
        }
    }

    #[test]
    fn words() {
        assert_eq!(ok("inf"), f32::INFINITY);
        assert_eq!(ok("-Infinity"), f32::NEG_INFINITY);
        assert_eq!(ok("+INF"), f32::INFINITY);
        assert!(ok("NaN").is_nan());
        assert!(syntax("+nan"));
        assert!(syntax("infinit"));
        assert!(syntax("infx"));
    }

    #[test]
    fn underscores_only_between_digits() {
        assert_eq!(ok("1_0"), 10.0);
        assert_eq!(ok("1_000.5_5"), 1000.55);
        assert_eq!(ok("0x_1p0"), 1.0);
        assert_eq!(ok("1e1_0"), 1e10);
        for text in ["1__0", "_1", "1_", "1_.5", "1._5", "1e_5", "0_x1p0"] {
            assert!(syntax(text), "{text}");
        }
    }

    #[test]
    fn other_refusals() {
        for text in ["", "foo", "12%345", "1e", "1e+", ".", "-", "1.2.3", "1 ", " 1", "0b1"] {
            assert!(syntax(text), "{text:?}");
        }
    }

    #[test]
    fn messages_are_go_num_errors() {
        assert_eq!(
            parse_float32("foo").unwrap_err().to_string(),
            "strconv.ParseFloat: parsing \"foo\": invalid syntax"
        );
        assert_eq!(
            parse_float32("1e50").unwrap_err().to_string(),
            "strconv.ParseFloat: parsing \"1e50\": value out of range"
        );
    }
}
