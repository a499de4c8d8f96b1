//! When an answer matches a case's `expect`.

use serde_json::Value;

/// Whether `answer` (from [`super::eval_case`]) satisfies `expect`.
///
/// An output passes when it equals `expect` as JSON, numbers compared by
/// value (so `1` equals `1.0`). An error passes when `expect` is
/// `{"error": kind}` with the same kind and, if `expect.message` is given,
/// the answer's message contains it.
pub fn case_passes(expect: &Value, answer: &Value) -> bool {
    match (expect.get("error"), answer.get("error"), answer.get("output")) {
        (Some(Value::String(kind)), Some(error), _) => {
            error.get("kind").and_then(Value::as_str) == Some(kind)
                && match expect.get("message").and_then(Value::as_str) {
                    Some(part) => error.get("message").and_then(Value::as_str).is_some_and(|m| m.contains(part)),
                    None => true,
                }
        }
        (None, None, Some(output)) => json_equal(expect, output),
        _ => false,
    }
}

fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64(), x.as_u64(), y.as_u64()) {
            (Some(x), Some(y), _, _) => x == y,
            (_, _, Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_equal(x, y)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn outputs_compare_as_json_with_numbers_by_value() {
        assert!(case_passes(&json!({"v": 1}), &json!({"output": {"v": 1.0}})));
        assert!(!case_passes(&json!({"v": 1}), &json!({"output": {"v": 2}})));
        assert!(!case_passes(&json!({"v": [1, 2]}), &json!({"output": {"v": [2, 1]}})));
        assert!(!case_passes(&json!({"v": 1}), &json!({"output": {"v": 1, "w": 2}})));
    }

    #[test]
    fn errors_compare_by_kind_and_message_part() {
        let answer = json!({"error": {"kind": "parse", "message": "invalid range \"3-1\" (3 > 1)"}});
        assert!(case_passes(&json!({"error": "parse"}), &answer));
        assert!(case_passes(&json!({"error": "parse", "message": "(3 > 1)"}), &answer));
        assert!(!case_passes(&json!({"error": "parse", "message": "(1 > 3)"}), &answer));
        assert!(!case_passes(&json!({"error": "insufficient"}), &answer));
        assert!(!case_passes(&json!({"cpus": ""}), &answer));
        assert!(!case_passes(&json!({"error": "parse"}), &json!({"output": {}})));
    }
}
