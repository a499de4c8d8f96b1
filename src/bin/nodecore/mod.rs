//! The subcommands of `nodecore`, one file each.

pub mod cgroup;
pub mod eval;
pub mod report;
