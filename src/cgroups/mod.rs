//! cgroup v1/v2 detection, kubelet cgroup names, resource conversions and managers.

mod eval;

pub(crate) use eval::eval;
