//! Case kinds of this module (none yet).

use crate::eval::{EvalError, unknown_kind};
use serde_json::Value;

pub(crate) fn eval(kind: &str, _input: &Value) -> Result<Value, EvalError> {
    Err(unknown_kind(kind))
}
