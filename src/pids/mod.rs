//! PID accounting per pod cgroup and per node, as the kubelet does it.
