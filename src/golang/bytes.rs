//! Go's `bytes.TrimSpace`, with which the container runtimes read each line of
//! `/etc/passwd` and `/etc/group`.

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
