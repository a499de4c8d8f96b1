//! The subcommands of `nodecore`, one file each.

pub mod eval;
pub mod report;
pub mod topology;
