use super::*;
use crate::error::nodecore_error_free;
use serde_json::{Value, json};
use std::ptr;

fn cases() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/groups.jsonl");
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn context(input: &Value) -> (nodecore_security_context, Vec<i64>) {
    let field = |key: &str| input[key].as_i64();
    let sc = nodecore_security_context {
        has_run_as_user: field("run_as_user").is_some(),
        run_as_user: field("run_as_user").unwrap_or(0),
        has_run_as_group: field("run_as_group").is_some(),
        run_as_group: field("run_as_group").unwrap_or(0),
        has_fs_group: field("fs_group").is_some(),
        fs_group: field("fs_group").unwrap_or(0),
        supplemental_groups_policy: if input["policy"] == "Strict" {
            NODECORE_GROUPS_POLICY_STRICT
        } else {
            NODECORE_GROUPS_POLICY_MERGE
        },
    };
    let groups = input["supplemental_groups"].as_array().unwrap().iter().map(|g| g.as_i64().unwrap()).collect();
    (sc, groups)
}

/// Resolves with a one-group buffer first, then one of the needed size.
fn resolve(
    call: impl Fn(*mut nodecore_container_user, *mut u32, usize, *mut usize) -> nodecore_status,
) -> Result<Value, nodecore_status> {
    let mut user = nodecore_container_user::default();
    let mut len = 0;
    let mut groups = vec![0u32; 1];
    let mut status = call(&mut user, groups.as_mut_ptr(), groups.len(), &mut len);
    if status == nodecore_status::InsufficientSpace {
        assert_eq!(user, nodecore_container_user::default(), "nothing written when the groups do not fit");
        groups = vec![0u32; len];
        status = call(&mut user, groups.as_mut_ptr(), groups.len(), &mut len);
    }
    if status != nodecore_status::Ok {
        return Err(status);
    }
    Ok(json!({"uid": user.uid, "gid": user.gid, "groups": &groups[..len]}))
}

/// Every groups.resolve case through nodecore_groups_resolve_files.
#[test]
fn resolve_cases_answer_through_the_c_abi() {
    let mut checked = 0;
    for case in cases() {
        let input = &case["input"];
        let (sc, supplemental) = context(input);
        let runtime = if input["runtime"] == "cri-o" { NODECORE_RUNTIME_CRI_O } else { NODECORE_RUNTIME_CONTAINERD };
        let parser =
            if input["parser"] == "v0.4.1" { NODECORE_USER_PARSER_V0_4_1 } else { NODECORE_USER_PARSER_V0_4_0 };
        let options = nodecore_groups_options {
            runtime,
            parser,
            include_same_name_group: input["exclude_same_name_group"] == false,
        };
        let passwd = input["passwd"].as_str();
        let group = input["group"].as_str();
        let user = input["image_user"].as_str().unwrap();
        let answer = resolve(|out, groups, cap, len| unsafe {
            nodecore_groups_resolve_files(
                passwd.map_or(ptr::null(), |p| p.as_ptr().cast()),
                passwd.map_or(0, str::len),
                passwd.is_some(),
                group.map_or(ptr::null(), |g| g.as_ptr().cast()),
                group.map_or(0, str::len),
                group.is_some(),
                user.as_ptr().cast(),
                user.len(),
                &sc,
                supplemental.as_ptr(),
                supplemental.len(),
                &options,
                out,
                groups,
                cap,
                len,
                ptr::null_mut(),
            )
        });
        let expect = &case["expect"];
        match (answer, expect.get("error")) {
            (Ok(answer), None) => assert_eq!(&answer, expect, "{}", case["id"]),
            (Err(status), Some(kind)) => assert_eq!(status.kind(), kind, "{}", case["id"]),
            (answer, _) => panic!("{}: {answer:?} vs {expect}", case["id"]),
        }
        checked += 1;
    }
    assert_eq!(checked, 264);
}

#[test]
fn rootfs_lookups_stay_inside_the_root() {
    let root = std::env::temp_dir().join(format!("nodecore-ffi-rootfs-{}", std::process::id()));
    let outside = std::env::temp_dir().join(format!("nodecore-ffi-outside-{}", std::process::id()));
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("passwd"), "alice:x:1:1::/:/bin/sh\n").unwrap();
    std::fs::write(root.join("etc/group"), "devs:x:5000:alice\n").unwrap();
    // /etc/passwd escapes the root; inside the root it resolves to a missing file.
    std::os::unix::fs::symlink(outside.join("passwd"), root.join("etc/passwd")).unwrap();
    let path = root.as_os_str().as_encoded_bytes();
    let sc = nodecore_security_context::default();
    let run = |user: &str| {
        resolve(|out, groups, cap, len| unsafe {
            nodecore_groups_resolve_rootfs(
                path.as_ptr().cast(),
                path.len(),
                user.as_ptr().cast(),
                user.len(),
                &sc,
                ptr::null(),
                0,
                ptr::null(),
                out,
                groups,
                cap,
                len,
                ptr::null_mut(),
            )
        })
    };
    assert_eq!(run("alice").unwrap_err(), nodecore_status::UserNotFound, "the outside passwd was not read");
    std::fs::remove_file(root.join("etc/passwd")).unwrap();
    std::fs::write(root.join("etc/passwd"), "alice:x:1000:1000::/:/bin/sh\n").unwrap();
    assert_eq!(run("alice").unwrap(), json!({"uid": 1000, "gid": 1000, "groups": [1000, 5000]}));
    assert_eq!(run("").unwrap(), json!({"uid": 0, "gid": 0, "groups": [0]}));
    std::fs::remove_dir_all(&root).unwrap();
    std::fs::remove_dir_all(&outside).unwrap();
    let mut err = ptr::null_mut();
    let mut user = nodecore_container_user::default();
    let mut len = 0;
    let status = unsafe {
        nodecore_groups_resolve_rootfs(
            path.as_ptr().cast(),
            path.len(),
            ptr::null(),
            0,
            &sc,
            ptr::null(),
            0,
            ptr::null(),
            &mut user,
            ptr::null_mut(),
            0,
            &mut len,
            &mut err,
        )
    };
    assert_eq!(status, nodecore_status::Rootfs);
    unsafe { nodecore_error_free(err) };
}

#[test]
fn bad_enums_and_nulls_are_refused() {
    let sc = nodecore_security_context { supplemental_groups_policy: 2, ..Default::default() };
    let mut user = nodecore_container_user::default();
    let mut len = 0;
    let call = |sc: *const nodecore_security_context, options: *const nodecore_groups_options| unsafe {
        let mut user = nodecore_container_user::default();
        let mut len = 0;
        nodecore_groups_resolve_files(
            ptr::null(),
            0,
            false,
            ptr::null(),
            0,
            false,
            ptr::null(),
            0,
            sc,
            ptr::null(),
            0,
            options,
            &mut user,
            ptr::null_mut(),
            0,
            &mut len,
            ptr::null_mut(),
        )
    };
    assert_eq!(call(&sc, ptr::null()), nodecore_status::InvalidArgument);
    assert_eq!(call(ptr::null(), ptr::null()), nodecore_status::NullArgument);
    let options = nodecore_groups_options { runtime: 2, ..Default::default() };
    assert_eq!(call(&nodecore_security_context::default(), &options), nodecore_status::InvalidArgument);
    // No passwd, no user: root; the one group fits no buffer of 0.
    let status = unsafe {
        nodecore_groups_resolve_files(
            ptr::null(),
            0,
            false,
            ptr::null(),
            0,
            false,
            ptr::null(),
            0,
            &nodecore_security_context::default(),
            ptr::null(),
            0,
            ptr::null(),
            &mut user,
            ptr::null_mut(),
            0,
            &mut len,
            ptr::null_mut(),
        )
    };
    assert_eq!((status, len), (nodecore_status::InsufficientSpace, 1));
}
