//! The Linux list format parser, exact to `k8s.io/utils/cpuset.Parse`.
//!
//! Upstream splits on every `,`, splits each piece on its first `-`, and reads
//! each number with Go's `strconv.Atoi` (optional sign, ASCII digits, 64-bit
//! range; [`crate::golang::strconv`]). Its error messages surface in pod admission errors, so they are
//! reproduced word for word inside ours.

use super::{CpuSet, MAX_CPU_ID};
use crate::golang::quote;
use crate::golang::strconv::{self, IntError, num_error};
use std::fmt;

/// Text that is not a CPU list.
///
/// The message names the whole text and carries upstream's message for the
/// piece at fault, e.g.
/// `invalid CPU list "1-": strconv.Atoi: parsing "": invalid syntax`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid CPU list {}: {reason}", quote(text))]
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
    InvalidSyntax {
        /// The number's text.
        piece: String,
    },
    /// A number does not fit a 64-bit signed integer.
    OutOfRange {
        /// The number's text.
        piece: String,
    },
    /// A range `a-b` with `a > b`.
    InvalidRange {
        /// The range's text.
        piece: String,
        /// Its first number.
        start: i64,
        /// Its last number.
        end: i64,
    },
    /// A CPU id above [`MAX_CPU_ID`].
    IdTooLarge {
        /// The comma-separated piece holding it.
        piece: String,
        /// The id.
        id: i64,
    },
}

impl fmt::Display for ParseErrorReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidSyntax { piece } => write!(f, "{}", num_error("Atoi", piece, strconv::SYNTAX)),
            Self::OutOfRange { piece } => write!(f, "{}", num_error("Atoi", piece, strconv::RANGE)),
            Self::InvalidRange { piece, start, end } => write!(f, "invalid range {} ({start} > {end})", quote(piece)),
            Self::IdTooLarge { piece, id } => {
                write!(f, "CPU id {id} in {} exceeds the largest supported id {MAX_CPU_ID}", quote(piece))
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

/// Go's `strconv.Atoi`, its refusal naming `piece`.
fn atoi(piece: &str) -> Result<i64, ParseErrorReason> {
    strconv::atoi(piece).map_err(|err| match err {
        IntError::Syntax => ParseErrorReason::InvalidSyntax { piece: piece.to_owned() },
        IntError::Range(_) => ParseErrorReason::OutOfRange { piece: piece.to_owned() },
    })
}
