//! The subcommands of `nodecore`, one file each.

pub mod cgroup;
pub mod eval;
pub mod groups;
pub mod report;
pub mod topology;
