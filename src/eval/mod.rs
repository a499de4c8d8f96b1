//! The shared case format: one JSON case in, one JSON answer out.
//!
//! Every door of nodecore (this crate's tests, `nodecore eval`, the C ABI's
//! `nodecore_eval`, the Go and Python packages) runs the same cases through
//! [`eval_case`], so a case file is one source of truth for all of them. A
//! case is `{"id", "kind", "input", "expect"}`; the answer is
//! `{"id", "output"}` or `{"id", "error": {"kind", "message"}}`. The kinds and
//! their shapes are listed in `tests/vectors/README.md`.
//!
//! This module mirrors no upstream file: it is nodecore's own dispatch from a
//! case kind (`cpuset.parse`, `cpu.take`, `topology.merge`, `eviction.rank`,
//! `groups.resolve`, ...) to the module that answers it, each answer taken
//! from upstream code.
//!
//! ```
//! use serde_json::json;
//!
//! let case = json!({"id": "a", "kind": "cpuset.parse", "input": {"text": "3,1-2"}});
//! assert_eq!(nodecore::eval::eval_case(&case), json!({"id": "a", "output": {"cpus": "1-3"}}));
//! ```

mod compare;
pub(crate) mod input;

pub use compare::case_passes;

use serde_json::{Value, json};

/// Why a case has no output: a stable kind (`"parse"`, `"insufficient"`,
/// `"invalid-input"`, ...) and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind}: {message}")]
pub struct EvalError {
    /// Stable, machine-readable kind; the case files' `expect.error`.
    pub kind: String,
    /// What went wrong, naming the input at fault.
    pub message: String,
}

impl EvalError {
    /// An error of `kind` with `message`.
    pub fn new(kind: impl Into<String>, message: impl ToString) -> Self {
        EvalError { kind: kind.into(), message: message.to_string() }
    }

    /// The input does not have the shape its kind requires.
    pub fn invalid_input(message: impl ToString) -> Self {
        EvalError::new("invalid-input", message)
    }

    /// The answer for a module's error: its stable kind and its message.
    pub(crate) fn module(err: impl ModuleError) -> Self {
        EvalError::new(err.error_kind(), err)
    }
}

/// A module's `Error`, whose `kind()` is the error kind case answers report.
pub(crate) trait ModuleError: std::fmt::Display {
    /// The module error's `kind()`.
    fn error_kind(&self) -> &'static str;
}

macro_rules! module_errors {
    ($($error:ty),*) => {
        $(impl ModuleError for $error {
            fn error_kind(&self) -> &'static str {
                self.kind()
            }
        })*
    };
}

module_errors!(
    crate::cgroups::Error,
    crate::cpumanager::Error,
    crate::eviction::Error,
    crate::groups::Error,
    crate::topology::Error,
    crate::topologymanager::Error
);

/// Runs one case's `input` through the function its `kind` names.
pub fn eval(kind: &str, input: &Value) -> Result<Value, EvalError> {
    let family = kind.split_once('.').map_or(kind, |(family, _)| family);
    match family {
        "cpuset" => crate::cpuset::eval(kind, input),
        "cpu" => crate::cpumanager::eval(kind, input),
        "topology" => crate::topologymanager::eval(kind, input),
        "cgroups" | "swap" => crate::cgroups::eval(kind, input),
        "eviction" => crate::eviction::eval(kind, input),
        "groups" => crate::groups::eval(kind, input),
        _ => Err(unknown_kind(kind)),
    }
}

/// The error for a kind no module answers.
pub(crate) fn unknown_kind(kind: &str) -> EvalError {
    EvalError::new("unknown-kind", format!("no function answers cases of kind {kind:?}"))
}

/// Runs a whole case (`{"id", "kind", "input", ...}`; `expect` is ignored)
/// and returns its answer line. A case that is not an object with a string
/// `kind` and an `input` is answered with an `invalid-input` error.
pub fn eval_case(case: &Value) -> Value {
    let id = case.get("id").cloned().unwrap_or(Value::Null);
    let result = match (case.get("kind").and_then(Value::as_str), case.get("input")) {
        (Some(kind), Some(input)) => eval(kind, input),
        _ => Err(EvalError::invalid_input("a case is an object with a string \"kind\" and an \"input\"")),
    };
    match result {
        Ok(output) => json!({"id": id, "output": output}),
        Err(err) => json!({"id": id, "error": {"kind": err.kind, "message": err.message}}),
    }
}

/// Runs one line of a case file. A line that is not JSON is answered with an
/// `invalid-input` error naming the line's position.
pub fn eval_line(line: &str) -> Value {
    match serde_json::from_str::<Value>(line) {
        Ok(case) => eval_case(&case),
        Err(err) => {
            json!({"id": null, "error": {"kind": "invalid-input", "message": format!("not a JSON case: {err}")}})
        }
    }
}

/// Runs JSONL text: one answer line per non-blank input line, in order,
/// each ending in `\n`.
pub fn eval_jsonl(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        out.push_str(&eval_line(line).to_string());
        out.push('\n');
    }
    out
}
