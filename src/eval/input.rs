//! Reading a case's `input` into typed arguments, with errors that name the
//! field at fault.

use super::EvalError;
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Deserializes a whole `input` object into `T`.
pub(crate) fn parse<T: DeserializeOwned>(input: &Value) -> Result<T, EvalError> {
    T::deserialize(input).map_err(|err| EvalError::invalid_input(format!("bad input: {err}")))
}
