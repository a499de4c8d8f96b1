//! The kubelet CPU manager's static policy: CPU allocation with every policy option, topology hints, state and the kubelet-compatible checkpoint.

mod eval;
pub mod state;

pub(crate) use eval::eval;
