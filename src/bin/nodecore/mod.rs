//! The subcommands of `nodecore`, one file each, and what they share.

pub mod allocate;
pub mod cgroup;
pub mod eval;
pub mod groups;
mod input;
pub mod merge;
pub mod rank;
pub mod report;
mod style;
pub mod topology;
