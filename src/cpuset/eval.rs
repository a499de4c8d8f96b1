//! Case kind `cpuset.parse`.

use super::CpuSet;
use crate::eval::{EvalError, input, unknown_kind};
use serde_json::{Value, json};

pub(crate) fn eval(kind: &str, args: &Value) -> Result<Value, EvalError> {
    #[derive(serde::Deserialize)]
    struct Parse {
        text: String,
    }
    match kind {
        "cpuset.parse" => {
            let Parse { text } = input::parse(args)?;
            let cpus = CpuSet::parse(&text).map_err(|err| EvalError::new("parse", err))?;
            Ok(json!({"cpus": cpus.to_string()}))
        }
        _ => Err(unknown_kind(kind)),
    }
}
