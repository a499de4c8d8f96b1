//! The kubelet topology manager: NUMA hint bitmasks and exact hint merging for every policy.

mod eval;

pub(crate) use eval::eval;
