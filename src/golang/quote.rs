//! Go's `strconv.Quote`, which is also what `%q` prints for a string: the
//! quoting of every name and value in the kubelet's error messages.
//!
//! Printable characters (Go's `strconv.IsPrint`: letters, marks, numbers,
//! punctuation, symbols and the ASCII space, as of Unicode 15.0.0) stand as
//! they are, except `"` and `\`, which get a backslash. The rest are escaped:
//! `\a \b \f \n \r \t \v`, other ASCII controls and DEL as `\xHH`, and every
//! other character as `\uHHHH` or `\UHHHHHHHH` — so a no-break space, a
//! soft hyphen or a zero-width space shows in a message instead of hiding.

use super::isprint::{NOT_PRINT16, NOT_PRINT32, PRINT16, PRINT32};
use std::fmt::{self, Write};

/// `text` as Go's `strconv.Quote` writes it, for use in format arguments
/// (`.to_string()` gives the quoted text).
pub(crate) fn quote(text: &str) -> Quoted<'_> {
    Quoted(text)
}

/// A string displayed as Go's `strconv.Quote`; see [`quote`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Quoted<'a>(&'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_char('"')?;
        for c in self.0.chars() {
            match c {
                '"' | '\\' => write!(f, "\\{c}")?,
                c if is_print(c) => f.write_char(c)?,
                '\u{7}' => f.write_str("\\a")?,
                '\u{8}' => f.write_str("\\b")?,
                '\u{c}' => f.write_str("\\f")?,
                '\n' => f.write_str("\\n")?,
                '\r' => f.write_str("\\r")?,
                '\t' => f.write_str("\\t")?,
                '\u{b}' => f.write_str("\\v")?,
                c if c < ' ' || c == '\u{7f}' => write!(f, "\\x{:02x}", u32::from(c))?,
                c if u32::from(c) < 0x10000 => write!(f, "\\u{:04x}", u32::from(c))?,
                c => write!(f, "\\U{:08x}", u32::from(c))?,
            }
        }
        f.write_char('"')
    }
}

/// Go's `strconv.IsPrint`.
pub(crate) fn is_print(c: char) -> bool {
    let code = u32::from(c);
    if code <= 0xff {
        // Latin-1: ASCII space to `~`, and `¡` to `ÿ` but the soft hyphen.
        return (0x20..=0x7e).contains(&code) || ((0xa1..=0xff).contains(&code) && code != 0xad);
    }
    if let Ok(code) = u16::try_from(code) {
        return in_ranges(&PRINT16, code) && NOT_PRINT16.binary_search(&code).is_err();
    }
    if !in_ranges(&PRINT32, code) {
        return false;
    }
    // The exceptions list only covers the supplementary multilingual plane.
    match u16::try_from(code - 0x10000) {
        Ok(offset) => NOT_PRINT32.binary_search(&offset).is_err(),
        Err(_) => true,
    }
}

/// Whether `code` lies in one of the ascending, disjoint inclusive `ranges`.
fn in_ranges<T: Copy + Ord>(ranges: &[[T; 2]], code: T) -> bool {
    let index = ranges.partition_point(|&[_, high]| high < code);
    ranges.get(index).is_some_and(|&[low, _]| low <= code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quoted(text: &str) -> String {
        quote(text).to_string()
    }

    #[test]
    fn escapes_as_go_does() {
        assert_eq!(quoted(""), r#""""#);
        assert_eq!(quoted("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(quoted("\u{7}\u{8}\u{c}\n\r\t\u{b}"), r#""\a\b\f\n\r\t\v""#);
        assert_eq!(quoted("\0\u{1}\u{1b}\u{7f}"), r#""\x00\x01\x1b\x7f""#);
        assert_eq!(quoted("a\"b\\\n\u{1}é"), "\"a\\\"b\\\\\\n\\x01é\"");
        assert_eq!(quoted("\u{80}\u{9f}"), r#""\u0080\u009f""#);
        assert_eq!(quoted("é ü ñ 日本 \u{301}"), "\"é ü ñ 日本 \u{301}\"", "letters and marks are printable");
    }

    #[test]
    fn spaces_and_format_characters_other_than_space_are_escaped() {
        // Go: strconv.Quote("\u00a0\u00ad\u200b\u2028\ufeff\u3000") (Go 1.22 to 1.26).
        assert_eq!(quoted("\u{a0}\u{ad}\u{200b}\u{2028}\u{feff}\u{3000}"), r#""\u00a0\u00ad\u200b\u2028\ufeff\u3000""#);
        assert_eq!(quoted("\u{e000}\u{fffe}"), r#""\ue000\ufffe""#, "private use and non-characters");
        assert_eq!(quoted("\u{1f600}\u{10ffff}\u{e0001}"), "\"\u{1f600}\\U0010ffff\\U000e0001\"");
        assert_eq!(quoted("\u{fffd}"), "\"\u{fffd}\"", "a real replacement character is printable");
    }

    #[test]
    fn is_print_matches_go_at_table_edges() {
        for printable in ['\u{20}', '~', '\u{a1}', '\u{377}', '\u{37a}', '\u{10000}', '\u{20000}', '\u{2a6df}'] {
            assert!(is_print(printable), "{printable:?}");
        }
        for unprintable in ['\u{1f}', '\u{7f}', '\u{a0}', '\u{ad}', '\u{378}', '\u{1000c}', '\u{e0000}', '\u{10ffff}'] {
            assert!(!is_print(unprintable), "{unprintable:?}");
        }
    }
}
