//! Reading a command's input from a file or standard input, and the error
//! for bad input (the exit status 2 of every command).

use serde_json::{Map, Value};
use std::io::{self, Read};

/// How messages name an input: the path, or "standard input" for `-`.
pub fn name(path: &str) -> &str {
    if path == "-" { "standard input" } else { path }
}

/// The text of `path`, or of standard input for `-`; errors name the source.
pub fn read(path: &str) -> io::Result<String> {
    if path == "-" {
        let mut text = String::new();
        io::stdin()
            .read_to_string(&mut text)
            .map_err(|err| io::Error::new(err.kind(), format!("standard input: {err}")))?;
        return Ok(text);
    }
    std::fs::read_to_string(path).map_err(|err| io::Error::new(err.kind(), format!("{path}: {err}")))
}

/// An error for input the command cannot use.
pub fn invalid(message: impl ToString) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, message.to_string())
}

/// A case input read from `path`: either a JSON list, which becomes the
/// input's `list` field, or a whole input object that has that field;
/// `expected` says what else the file holds.
pub fn read_case(path: &str, list: &str, expected: &str) -> io::Result<Map<String, Value>> {
    let value: Value =
        serde_json::from_str(&read(path)?).map_err(|err| invalid(format!("{}: invalid JSON: {err}", name(path))))?;
    match value {
        Value::Array(items) => Ok(Map::from_iter([(list.to_owned(), Value::Array(items))])),
        Value::Object(case) if case.contains_key(list) => Ok(case),
        _ => Err(invalid(format!("{}: expected {expected}", name(path)))),
    }
}

/// The output of the case `input` of `kind`, through the case format every
/// door shares; its error is bad input.
pub fn eval(kind: &str, input: &Value) -> io::Result<Value> {
    nodecore::eval::eval(kind, input).map_err(|err| invalid(format!("{}: {}", err.kind, err.message)))
}
