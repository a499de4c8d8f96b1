//! Supplemental-group resolution (KEP-3619, Merge and Strict) from a container root filesystem.

mod eval;

pub(crate) use eval::eval;
