//! Case kind `groups.resolve`.
//!
//! Input: `passwd` and `group` (text, or `null` for an absent file),
//! `image_user`, `run_as_user`, `run_as_group`, `fs_group`,
//! `supplemental_groups`, `policy` (`"Merge"` / `"Strict"`) and `runtime`
//! (`"containerd"` / `"cri-o"`); optionally `parser` (`"v0.4.0"`, the default,
//! or `"v0.4.1"`) and `exclude_same_name_group` (containerd; default `true`).
//! Output: `{"uid", "gid", "groups"}` with groups in the runtime's reported order.

use super::{InMemoryFiles, Options, ParserVersion, Runtime, SecurityContext, SupplementalGroupsPolicy, resolve};
use crate::eval::{EvalError, input, unknown_kind};
use serde::Deserialize;
use serde_json::{Value, json};

pub(crate) fn eval(kind: &str, args: &Value) -> Result<Value, EvalError> {
    match kind {
        "groups.resolve" => resolve_case(args),
        _ => Err(unknown_kind(kind)),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResolveInput {
    passwd: Option<String>,
    group: Option<String>,
    image_user: String,
    run_as_user: Option<i64>,
    run_as_group: Option<i64>,
    fs_group: Option<i64>,
    supplemental_groups: Vec<i64>,
    #[serde(deserialize_with = "from_name")]
    policy: SupplementalGroupsPolicy,
    #[serde(deserialize_with = "from_name")]
    runtime: Runtime,
    #[serde(default, deserialize_with = "from_name")]
    parser: ParserVersion,
    #[serde(default)]
    exclude_same_name_group: Option<bool>,
}

fn from_name<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr<Err = String>,
{
    String::deserialize(deserializer)?.parse().map_err(serde::de::Error::custom)
}

fn resolve_case(args: &Value) -> Result<Value, EvalError> {
    let case: ResolveInput = input::parse(args)?;
    let files = InMemoryFiles::new(case.passwd.as_deref(), case.group.as_deref());
    let sc = SecurityContext {
        run_as_user: case.run_as_user,
        run_as_group: case.run_as_group,
        fs_group: case.fs_group,
        supplemental_groups: case.supplemental_groups,
        supplemental_groups_policy: case.policy,
    };
    let defaults = Options::for_runtime(case.runtime);
    let options = Options {
        parser: case.parser,
        exclude_same_name_group: case.exclude_same_name_group.unwrap_or(defaults.exclude_same_name_group),
        ..defaults
    };
    let user = resolve(&case.image_user, &sc, &files, &options).map_err(EvalError::module)?;
    Ok(json!({"uid": user.uid, "gid": user.gid, "groups": user.supplemental_groups}))
}

#[cfg(test)]
mod tests {
    use crate::eval::eval;
    use serde_json::json;

    fn input(extra: serde_json::Value) -> serde_json::Value {
        let mut input = json!({
            "passwd": "svc:x:2000:50000::/:\n", "group": "svc:x:50001:svc\n", "image_user": "svc",
            "run_as_user": null, "run_as_group": null, "fs_group": null, "supplemental_groups": [],
            "policy": "Merge", "runtime": "containerd"
        });
        input.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        input
    }

    #[test]
    fn optional_fields_select_other_upstream_versions() {
        let answer = |extra| eval("groups.resolve", &input(extra)).map(|output| output["groups"].clone());
        assert_eq!(answer(json!({})), Ok(json!([50000])));
        assert_eq!(answer(json!({"exclude_same_name_group": false})), Ok(json!([50000, 50001])));
        assert_eq!(answer(json!({"parser": "v0.4.1"})), Ok(json!([50000])));
    }

    #[test]
    fn malformed_input_is_invalid_input() {
        for bad in
            [json!({"policy": "Lenient"}), json!({"runtime": "docker"}), json!({"parser": "v9"}), json!({"typo": 1})]
        {
            assert_eq!(eval("groups.resolve", &input(bad.clone())).unwrap_err().kind, "invalid-input", "{bad}");
        }
        assert_eq!(eval("groups.other", &input(json!({}))).unwrap_err().kind, "unknown-kind");
    }
}
