//! Spans: `(offset, len)` ranges into an array or a text the caller passes
//! beside them.
//!
//! Records that cross the boundary in arrays (containers, hint lists, pods of
//! a batch) refer to their names and sub-arrays by span instead of by
//! pointer. The records then hold no pointers at all, so a Go caller can
//! pass a slice of them straight to C (cgo forbids Go pointers inside memory
//! it passes), and one text or one array serves a whole batch.

use std::fmt::Display;

use crate::error::Error;

/// Elements `offset .. offset + len` of the array, or bytes of the text,
/// that the function pairs the span with.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct nodecore_span {
    pub offset: usize,
    pub len: usize,
}

impl nodecore_span {
    /// The elements of `items` this span covers; an error naming `what`
    /// when the span reaches past the end (`what` is formatted only then).
    pub(crate) fn of<T>(self, items: &[T], what: impl Display) -> Result<&[T], Error> {
        self.offset
            .checked_add(self.len)
            .and_then(|end| items.get(self.offset..end))
            .ok_or_else(|| self.out_of_bounds(items.len(), what))
    }

    /// The part of `text` this span covers; an error naming `what` when the
    /// span reaches past the end or cuts a UTF-8 character.
    pub(crate) fn text(self, text: &str, what: impl Display) -> Result<&str, Error> {
        let Some(end) = self.offset.checked_add(self.len).filter(|&end| end <= text.len()) else {
            return Err(self.out_of_bounds(text.len(), what));
        };
        text.get(self.offset..end).ok_or_else(|| {
            Error::invalid_argument(format!(
                "{what}: the span {}+{} cuts a UTF-8 character of the text",
                self.offset, self.len
            ))
        })
    }

    fn out_of_bounds(self, available: usize, what: impl Display) -> Error {
        Error::invalid_argument(format!(
            "{what}: the span {}+{} reaches past the end ({available} elements)",
            self.offset, self.len
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::status::nodecore_status;

    #[test]
    fn spans_stay_inside_their_array_or_text() {
        let span = |offset, len| nodecore_span { offset, len };
        assert_eq!(span(1, 2).of(&[1, 2, 3], "x").unwrap(), &[2, 3]);
        assert_eq!(span(3, 0).of(&[1, 2, 3], "x").unwrap(), &[] as &[i32]);
        assert_eq!(span(2, 2).of(&[1, 2, 3], "x").unwrap_err().status, nodecore_status::InvalidArgument);
        assert!(span(usize::MAX, 2).of(&[1], "x").is_err(), "no overflow");
        assert_eq!(span(0, 3).text("podé", "uid").unwrap(), "pod");
        let err = span(0, 4).text("podé", "uid").unwrap_err();
        assert!(err.message.contains("UTF-8") && err.message.starts_with("uid"), "{}", err.message);
        let err = span(4, 9).text("podé", "uid").unwrap_err();
        assert_eq!(err.status, nodecore_status::InvalidArgument);
        assert!(err.message.contains("past the end"));
        assert!(span(usize::MAX, 2).text("pod", "uid").is_err(), "no overflow");
    }
}
