//! Node-pressure eviction: thresholds, signal observations, the decision loop and pod ranking.

mod eval;

pub(crate) use eval::eval;
