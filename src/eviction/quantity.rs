//! The Kubernetes `resource.Quantity`, as far as eviction needs it.
//!
//! Thresholds, observations and requests are compared exactly, so a quantity
//! is held as a whole number of nano-units in an `i128`. Parsing follows
//! apimachinery's `ParseQuantity`: the same accepted syntax, the same three
//! errors, values rounded up (away from zero) to the nearest nano-unit and
//! magnitudes capped at 2^63 − 1 units. Formatting is apimachinery's canonical
//! form (`1536Mi`, `320Ki`, `1k`), which eviction messages print.
//!
//! One deliberate difference: apimachinery skips the cap when a decimal value
//! fits its fast path (`"10E"` keeps 10^19 there); here every magnitude is
//! capped, so such a value compares as 2^63 − 1. No observation can reach it.
//!
//! ```
//! use nodecore::eviction::Quantity;
//!
//! let q: Quantity = "1.5Gi".parse().unwrap();
//! assert_eq!(q.value(), 1_610_612_736);
//! assert_eq!(q.to_string(), "1536Mi");
//! assert_eq!("500m".parse::<Quantity>().unwrap().value(), 1); // rounds up
//! assert!("12%345".parse::<Quantity>().is_err());
//! ```

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

const NANOS_PER_UNIT: i128 = 1_000_000_000;
/// apimachinery's `maxAllowed`: the largest magnitude a parsed quantity keeps.
const MAX_UNITS: i128 = i64::MAX as i128;
const MAX_NANOS: i128 = MAX_UNITS * NANOS_PER_UNIT;
/// Where sums saturate: far above any two parsed quantities, and low enough
/// that formatting (which may scale by 100) cannot overflow.
const SUM_LIMIT: i128 = i128::MAX / 1000;

/// How a quantity prints: the suffix family it was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// `12e6`: a power-of-ten exponent.
    DecimalExponent,
    /// `12Mi`: powers of 1024.
    BinarySI,
    /// `12M`: powers of 1000.
    DecimalSI,
}

/// Why text is not a quantity; the messages are apimachinery's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum QuantityError {
    /// The text does not have the shape of a number with an optional suffix.
    #[error("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")]
    Format,
    /// The suffix is not one of the known ones.
    #[error("unable to parse quantity's suffix")]
    Suffix,
    /// The number has no digits where the long path needs them.
    #[error("unable to parse numeric part of quantity")]
    Numeric,
}

/// A Kubernetes resource quantity: an exact value and the format it prints in.
///
/// Equality and order compare values only (`1Ki == 1024`), as upstream's `Cmp`.
#[derive(Debug, Clone, Copy)]
pub struct Quantity {
    nanos: i128,
    format: Format,
}

impl Quantity {
    /// The zero quantity.
    pub const ZERO: Quantity = Quantity { nanos: 0, format: Format::DecimalSI };

    /// `value` whole units in `format` (upstream `resource.NewQuantity`).
    pub const fn new(value: i64, format: Format) -> Self {
        Quantity { nanos: value as i128 * NANOS_PER_UNIT, format }
    }

    /// `value` bytes, printed with binary suffixes.
    pub const fn binary_si(value: i64) -> Self {
        Quantity::new(value, Format::BinarySI)
    }

    /// `value` units (counts of inodes or PIDs), printed with decimal suffixes.
    pub const fn decimal_si(value: i64) -> Self {
        Quantity::new(value, Format::DecimalSI)
    }

    /// Parses text as apimachinery's `ParseQuantity` does.
    pub fn parse(text: &str) -> Result<Self, QuantityError> {
        parse(text).map(|parsed| parsed.quantity)
    }

    /// The value in whole units, rounded up away from zero (upstream `Value()`).
    pub fn value(&self) -> i64 {
        let units = self.nanos / NANOS_PER_UNIT;
        let rest = self.nanos % NANOS_PER_UNIT;
        let rounded = units + rest.signum();
        rounded.clamp(i64::MIN as i128, i64::MAX as i128) as i64
    }

    /// The exact value in nano-units.
    pub const fn nanos(&self) -> i128 {
        self.nanos
    }

    /// The format the quantity prints in.
    pub const fn format(&self) -> Format {
        self.format
    }

    /// Whether the value is zero.
    pub const fn is_zero(&self) -> bool {
        self.nanos == 0
    }

    /// −1, 0 or 1 as the value is negative, zero or positive.
    pub const fn signum(&self) -> i32 {
        self.nanos.signum() as i32
    }

    /// The exact sum, in `self`'s format (upstream `Add`). Sums stay exact far
    /// beyond any resource amount; only past ±10^35 nano-units do they saturate.
    pub fn plus(self, other: Quantity) -> Quantity {
        let nanos = self.nanos.saturating_add(other.nanos).clamp(-SUM_LIMIT, SUM_LIMIT);
        Quantity { nanos, format: self.format }
    }
}

impl Default for Quantity {
    fn default() -> Self {
        Quantity::ZERO
    }
}

impl PartialEq for Quantity {
    fn eq(&self, other: &Self) -> bool {
        self.nanos == other.nanos
    }
}

impl Eq for Quantity {}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        self.nanos.cmp(&other.nanos)
    }
}

impl std::hash::Hash for Quantity {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.nanos.hash(state);
    }
}

impl FromStr for Quantity {
    type Err = QuantityError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Quantity::parse(text)
    }
}

impl fmt::Display for Quantity {
    /// apimachinery's canonical form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.nanos == 0 {
            return f.write_str("0");
        }
        let whole = self.nanos % NANOS_PER_UNIT == 0;
        let small = self.nanos.abs() < 1024 * NANOS_PER_UNIT;
        if self.format == Format::BinarySI && whole && !small {
            let (mut amount, mut power) = (self.nanos / NANOS_PER_UNIT, 0usize);
            while power < BINARY_SUFFIXES.len() - 1 && amount % 1024 == 0 {
                amount /= 1024;
                power += 1;
            }
            return write!(f, "{amount}{}", BINARY_SUFFIXES[power]);
        }
        // Decimal: strip factors of ten, then lower the exponent to a multiple of three.
        let (mut amount, mut exponent) = (self.nanos, -9i32);
        while amount % 10 == 0 {
            amount /= 10;
            exponent += 1;
        }
        let lower = exponent.rem_euclid(3);
        amount *= 10i128.pow(lower as u32);
        exponent -= lower;
        match self.format {
            Format::DecimalExponent if exponent != 0 => write!(f, "{amount}e{exponent}"),
            Format::DecimalExponent => write!(f, "{amount}"),
            _ => write!(f, "{amount}{}", decimal_suffix(exponent)),
        }
    }
}

const BINARY_SUFFIXES: [&str; 7] = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

fn decimal_suffix(exponent: i32) -> &'static str {
    match exponent {
        -9 => "n",
        -6 => "u",
        -3 => "m",
        3 => "k",
        6 => "M",
        9 => "G",
        12 => "T",
        15 => "P",
        18 => "E",
        // Magnitudes are capped below 10^19 and above 10^-10, so only 0 is left.
        _ => "",
    }
}

/// A parsed quantity and whether upstream would keep the input text as its
/// printed form (its string cache), which error messages then show verbatim.
pub(crate) struct Parsed {
    pub quantity: Quantity,
    pub keeps_text: bool,
}

impl Parsed {
    /// The text upstream's `String()` gives for this quantity.
    pub fn display(&self, text: &str) -> String {
        if self.keeps_text { text.to_owned() } else { self.quantity.to_string() }
    }
}

/// The parts of quantity text, as upstream's `parseQuantityString` splits it.
struct Parts<'a> {
    positive: bool,
    /// Sign, digits and fraction as written (what the long path parses).
    number: &'a str,
    /// Integer digits without leading zeros; `"0"` when none are left.
    integer: &'a str,
    fraction: &'a str,
    suffix: &'a str,
}

fn split(text: &str) -> Result<Parts<'_>, QuantityError> {
    let bytes = text.as_bytes();
    let digits_from = |from: usize| from + bytes[from..].iter().take_while(|b| b.is_ascii_digit()).count();
    let mut pos = 0;
    let mut positive = true;
    if let Some(&sign @ (b'+' | b'-')) = bytes.first() {
        positive = sign == b'+';
        pos = 1;
    }
    pos += bytes[pos..].iter().take_while(|&&b| b == b'0').count();
    if pos == bytes.len() {
        return Ok(Parts { positive, number: "0", integer: "0", fraction: "", suffix: "" });
    }
    let integer_end = digits_from(pos);
    let integer = if integer_end == pos { "0" } else { &text[pos..integer_end] };
    pos = integer_end;
    let mut fraction = "";
    if bytes.get(pos) == Some(&b'.') {
        let end = digits_from(pos + 1);
        fraction = &text[pos + 1..end];
        pos = end;
    }
    let number = &text[..pos];
    let suffix_start = pos;
    pos += bytes[pos..].iter().take_while(|b| b"eEinumkKMGTP".contains(b)).count();
    if let Some(b'+' | b'-') = bytes.get(pos) {
        pos += 1;
    }
    if digits_from(pos) != bytes.len() {
        return Err(QuantityError::Format);
    }
    Ok(Parts { positive, number, integer, fraction, suffix: &text[suffix_start..] })
}

/// What a suffix means: a power of ten (`Decimal`) or of two (`Binary`).
enum Scale {
    Decimal(i32),
    Binary(u32),
}

fn interpret_suffix(suffix: &str) -> Option<(Scale, Format)> {
    let decimal = |e| Some((Scale::Decimal(e), Format::DecimalSI));
    let binary = |e| Some((Scale::Binary(e), Format::BinarySI));
    match suffix {
        "n" => decimal(-9),
        "u" => decimal(-6),
        "m" => decimal(-3),
        "" => decimal(0),
        "k" => decimal(3),
        "M" => decimal(6),
        "G" => decimal(9),
        "T" => decimal(12),
        "P" => decimal(15),
        "E" => decimal(18),
        "Ki" => binary(10),
        "Mi" => binary(20),
        "Gi" => binary(30),
        "Ti" => binary(40),
        "Pi" => binary(50),
        "Ei" => binary(60),
        _ => {
            let exponent = suffix.strip_prefix(['e', 'E']).filter(|rest| !rest.is_empty())?;
            let exponent: i64 = exponent.parse().ok()?;
            // Upstream converts the parsed int64 with int32(...), which wraps.
            Some((Scale::Decimal(exponent as i32), Format::DecimalExponent))
        }
    }
}

pub(crate) fn parse(text: &str) -> Result<Parsed, QuantityError> {
    if text.is_empty() {
        return Err(QuantityError::Format);
    }
    if text == "0" {
        return Ok(Parsed { quantity: Quantity::ZERO, keeps_text: true });
    }
    let parts = split(text)?;
    let (scale, mut format) = interpret_suffix(parts.suffix).ok_or(QuantityError::Suffix)?;
    let digit_count = (parts.integer.len() + parts.fraction.len()) as i64;
    let fraction_len = parts.fraction.len() as i64;

    // Upstream's int64 fast path decides whether the input text is kept as the
    // printed form, and skips the numeric check of the long path.
    let fast = match scale {
        Scale::Decimal(exponent) => {
            let precision = 18 - digit_count;
            precision >= 0 && i64::from(exponent) - fraction_len >= -9
        }
        Scale::Binary(exponent) => {
            let precision = 15 - parts.integer.len() as i64 - i64::from(exponent) * 3 / 10 - 1;
            parts.fraction.is_empty() && precision >= 0
        }
    };
    let mut keeps_text = false;
    if fast {
        let shifted = format!("{}{}", parts.integer, parts.fraction);
        let value: i64 = shifted.parse().map_err(|_| QuantityError::Numeric)?;
        keeps_text = match scale {
            Scale::Binary(_) => value & 0x07 != 0,
            Scale::Decimal(exponent) => {
                (i64::from(exponent) - fraction_len) % 3 == 0 && !shifted.ends_with("000") && !shifted.starts_with('0')
            }
        };
    } else if !parts.number.bytes().any(|b| b.is_ascii_digit()) {
        return Err(QuantityError::Numeric);
    }

    let digits: Vec<u8> = parts.integer.bytes().chain(parts.fraction.bytes()).map(|b| b - b'0').collect();
    let (pow2, pow10) = match scale {
        Scale::Decimal(exponent) => (0, i64::from(exponent) - fraction_len),
        Scale::Binary(exponent) => (exponent, -fraction_len),
    };
    let magnitude = exact_nanos(&digits, pow2, pow10 + 9);
    if format == Format::BinarySI && magnitude > 0 && magnitude < NANOS_PER_UNIT {
        format = Format::DecimalSI;
    }
    let nanos = if parts.positive { magnitude } else { -magnitude };
    Ok(Parsed { quantity: Quantity { nanos, format }, keeps_text })
}

/// `ceil(digits × 2^pow2 × 10^pow10)` for a decimal digit string, capped at
/// [`MAX_NANOS`]. Exact for any input length: the digits are doubled in
/// decimal, so no precision is lost before the final rounding.
fn exact_nanos(digits: &[u8], pow2: u32, pow10: i64) -> i128 {
    let digits = &digits[digits.iter().take_while(|&&d| d == 0).count()..];
    if digits.is_empty() {
        return 0;
    }
    // Digits before the decimal point, ignoring the factor 2^pow2 (at most 2^60 < 10^19).
    let integer_len = digits.len() as i64 + pow10;
    if integer_len >= 30 {
        return MAX_NANOS; // at least 10^29 > MAX_NANOS
    }
    if integer_len < -19 {
        return 1; // positive but below 10^-19 × 2^60 < 1: rounds up to one nano
    }
    // Little-endian decimal digits of digits × 2^pow2.
    let mut value: Vec<u8> = digits.iter().rev().copied().collect();
    for _ in 0..pow2 {
        let mut carry = 0;
        for digit in value.iter_mut() {
            let doubled = *digit * 2 + carry;
            *digit = doubled % 10;
            carry = doubled / 10;
        }
        if carry > 0 {
            value.push(carry);
        }
    }
    let (fraction, integer): (&[u8], &[u8]) =
        if pow10 >= 0 { (&[], &value) } else { value.split_at((pow10.unsigned_abs() as usize).min(value.len())) };
    let mut result: i128 = 0;
    for &digit in integer.iter().rev() {
        result = match result.checked_mul(10).and_then(|r| r.checked_add(i128::from(digit))) {
            Some(r) if r <= MAX_NANOS => r,
            _ => return MAX_NANOS,
        };
    }
    for _ in 0..pow10.max(0) {
        result = match result.checked_mul(10) {
            Some(r) if r <= MAX_NANOS => r,
            _ => return MAX_NANOS,
        };
    }
    if fraction.iter().any(|&d| d != 0) {
        result += 1;
    }
    result.min(MAX_NANOS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(text: &str) -> Quantity {
        Quantity::parse(text).unwrap_or_else(|err| panic!("{text}: {err}"))
    }

    #[test]
    fn values_follow_apimachinery() {
        assert_eq!(q("150Mi").value(), 157_286_400);
        assert_eq!(q("1.5Gi").value(), 1_610_612_736);
        assert_eq!(q("1.5e3").value(), 1500);
        assert_eq!(q("00100Mi").value(), 104_857_600);
        assert_eq!(q("1k").value(), 1000);
        assert_eq!(q("+5").value(), 5);
        assert_eq!(q("-150Mi").value(), -157_286_400);
        assert_eq!(q("500m").value(), 1);
        assert_eq!(q("-500m").value(), -1);
        assert_eq!(q("1n").nanos(), 1);
        assert_eq!(q("1e-20").nanos(), 1, "below a nano-unit rounds up");
        assert_eq!(q("0.5Ki").value(), 512);
        assert_eq!(q("0.0001Ki").nanos(), 102_400_000);
        assert_eq!(q("1.").value(), 1);
        assert_eq!(q(".5").nanos(), 500_000_000);
    }

    #[test]
    fn odd_but_accepted_forms_are_zero() {
        for text in ["Mi", "-", "+", ".", "-0", "0.0", "000", ".Mi", "0e-10"] {
            assert!(q(text).is_zero(), "{text}");
        }
    }

    #[test]
    fn refusals_have_upstream_kinds() {
        assert_eq!(Quantity::parse(""), Err(QuantityError::Format));
        assert_eq!(Quantity::parse("blah"), Err(QuantityError::Format));
        assert_eq!(Quantity::parse("12%345"), Err(QuantityError::Format));
        assert_eq!(Quantity::parse("1.5.5"), Err(QuantityError::Format));
        assert_eq!(Quantity::parse("1e3e3"), Err(QuantityError::Format));
        assert_eq!(Quantity::parse("1iG"), Err(QuantityError::Suffix));
        assert_eq!(Quantity::parse("1e"), Err(QuantityError::Suffix));
        assert_eq!(Quantity::parse("1Mi5"), Err(QuantityError::Suffix));
        assert_eq!(Quantity::parse("e-10"), Err(QuantityError::Numeric));
        assert_eq!(Quantity::parse("-.e-10"), Err(QuantityError::Numeric));
    }

    #[test]
    fn magnitudes_are_capped() {
        assert_eq!(q("99999999999999999999999").value(), i64::MAX);
        assert_eq!(q("-99999999999999999999999").value(), -i64::MAX);
        assert_eq!(q("8Ei").value(), i64::MAX);
        assert_eq!(q("1e100").value(), i64::MAX);
        assert_eq!(q("7Ei").value(), 7 << 60);
    }

    #[test]
    fn exponent_wraps_like_int32() {
        // 4294967296 as int32 is 0.
        assert_eq!(q("1e4294967296").value(), 1);
    }

    #[test]
    fn canonical_strings() {
        let cases = [
            (Quantity::binary_si(1_572_864_000), "1500Mi"),
            (Quantity::binary_si(1_610_612_736), "1536Mi"),
            (Quantity::binary_si(327_680), "320Ki"),
            (Quantity::binary_si(1000), "1k"),
            (Quantity::binary_si(10_737_418_400), "10737418400"),
            (Quantity::decimal_si(1000), "1k"),
            (Quantity::decimal_si(500), "500"),
            (Quantity::decimal_si(1200), "1200"),
            (Quantity::decimal_si(1_500_000), "1500k"),
            (Quantity::ZERO, "0"),
            (q("-150Mi"), "-150Mi"),
            (q("1.5"), "1500m"),
            (q("15e2"), "1500"),
            (q("1000e0"), "1e3"),
            (q("2Gi"), "2Gi"),
        ];
        for (quantity, text) in cases {
            assert_eq!(quantity.to_string(), text);
        }
    }

    #[test]
    fn upstream_keeps_some_input_text() {
        let shown = |text: &str| parse(text).unwrap().display(text);
        assert_eq!(shown("-150Mi"), "-150Mi");
        assert_eq!(shown("-150.Mi"), "-150.Mi");
        assert_eq!(shown("-8Mi"), "-8Mi");
        assert_eq!(shown("-0"), "0");
        assert_eq!(shown("-0Mi"), "0");
        assert_eq!(shown("-1.5k"), "-1500");
    }

    #[test]
    fn comparison_ignores_format() {
        assert_eq!(q("1Ki"), Quantity::decimal_si(1024));
        assert!(q("1Gi") > q("1G"));
        assert_eq!(q("1Gi").plus(q("500Mi")).value(), 1_598_029_824);
    }
}
