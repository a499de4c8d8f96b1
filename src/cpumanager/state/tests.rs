use super::checkpoint::{self, CheckpointV1, CheckpointV2, load_v1, load_v2};
use super::*;
use std::collections::BTreeMap;
use std::sync::Arc;

fn cpus(text: &str) -> CpuSet {
    text.parse().unwrap()
}

fn v2(policy: &str, default: &str, entries: &[(&str, &[(&str, &str)])]) -> CheckpointV2 {
    let entries = entries
        .iter()
        .map(|(pod, containers)| {
            let containers = containers.iter().map(|(c, s)| (c.to_string(), s.to_string())).collect();
            (pod.to_string(), Some(containers))
        })
        .collect();
    CheckpointV2 { policy_name: policy.into(), default_cpu_set: default.into(), entries: Some(entries), checksum: 0 }
}

fn v1(policy: &str, default: &str, entries: &[(&str, &str)]) -> CheckpointV1 {
    let entries = entries.iter().map(|(id, s)| (id.to_string(), s.to_string())).collect();
    CheckpointV1 { policy_name: policy.into(), default_cpu_set: default.into(), entries: Some(entries), checksum: 0 }
}

fn state_data(default: &str, entries: &[(&str, &str, &str)]) -> StateData {
    let mut data = StateData { default_cpu_set: cpus(default), ..StateData::default() };
    for (pod, container, set) in entries {
        data.set_cpu_set(pod, container, cpus(set));
    }
    data
}

// ---- checksum -------------------------------------------------------------

#[test]
fn checksums_reproduce_upstream_values() {
    // state_checkpoint_test.go (k/k effb98ea).
    let pod = [("pod", &[("container1", "4-6"), ("container2", "1-3")][..])];
    let bad_pod = [("pod", &[("container1", "4-6"), ("container2", "asd")][..])];
    assert_eq!(v2("none", "4-6", &[]).compute_checksum(), 354655845);
    assert_eq!(v2("none", "1-3", &pod).compute_checksum(), 3610638499);
    assert_eq!(v2("other", "1-3", &[]).compute_checksum(), 1394507217);
    assert_eq!(v2("none", "1.3", &[]).compute_checksum(), 3021697696);
    assert_eq!(v2("none", "1-3", &bad_pod).compute_checksum(), 962272150);
    assert_eq!(v1("none", "1-3", &[]).compute_checksum(), 1694838852);
    assert_eq!(v1("none", "1-3", &[("containerID1", "4-6"), ("containerID2", "1-3")]).compute_checksum(), 3680390589);
}

/// Values computed by Go's `encoding/json` and go-spew v1.1.1 with
/// upstream's struct and printer configuration.
#[test]
fn checksums_match_go_for_nil_maps_and_empty_values() {
    let mut nil = v2("none", "1-3", &[]);
    nil.entries = None;
    assert_eq!(nil.compute_checksum(), 973342542);
    let mut nil_pod = v2("none", "1-3", &[("b", &[("x", ""), ("a", "1")])]);
    nil_pod.entries.as_mut().unwrap().insert("pod".into(), None);
    assert_eq!(nil_pod.compute_checksum(), 2653580391);
    nil_pod.checksum = 2653580391;
    let text = r#"{"policyName":"none","defaultCpuSet":"1-3","entries":{"b":{"a":"1","x":""},"pod":null},"checksum":2653580391}"#;
    assert_eq!(checkpoint::encode_checkpoint(&nil_pod).unwrap(), text.as_bytes());
    assert_eq!(load_v2(text.as_bytes()).unwrap(), nil_pod);
}

#[test]
fn checksum_text_distinguishes_nil_from_empty_maps() {
    let mut nil = v2("none", "4-6", &[]);
    nil.entries = None;
    assert_ne!(nil.compute_checksum(), v2("none", "4-6", &[]).compute_checksum());
    // The checksum field itself never enters the text.
    let mut with_checksum = v2("none", "4-6", &[]);
    with_checksum.checksum = 77;
    assert_eq!(with_checksum.compute_checksum(), 354655845);
}

// ---- encoding -------------------------------------------------------------

#[test]
fn writes_compact_v2_json_as_go_does() {
    let empty = state_data("0-7", &[]);
    assert_eq!(
        String::from_utf8(checkpoint::encode("static", &empty).unwrap()).unwrap(),
        r#"{"policyName":"static","defaultCpuSet":"0-7","checksum":14413152}"#
    );
    let data = state_data("1-3", &[("pod", "container2", "1-3"), ("pod", "container1", "4-6")]);
    assert_eq!(
        String::from_utf8(checkpoint::encode("none", &data).unwrap()).unwrap(),
        r#"{"policyName":"none","defaultCpuSet":"1-3","entries":{"pod":{"container1":"4-6","container2":"1-3"}},"checksum":3610638499}"#
    );
}

#[test]
fn string_escaping_follows_go() {
    let mut checkpoint = v2("a<b>&\u{2028}\u{2029}\"\\\n\u{8}\u{c}\u{1}\u{7f}é", "", &[]);
    checkpoint.checksum = 1;
    let text = String::from_utf8(checkpoint::encode_checkpoint(&checkpoint).unwrap()).unwrap();
    assert_eq!(
        text,
        "{\"policyName\":\"a\\u003cb\\u003e\\u0026\\u2028\\u2029\\\"\\\\\\n\\b\\f\\u0001\u{7f}é\",\"defaultCpuSet\":\"\",\"checksum\":1}"
    );
    // Decoding reverses it.
    let read = serde_json::from_str::<serde_json::Value>(&text).unwrap();
    assert_eq!(read["policyName"], checkpoint.policy_name.as_str());
}

// ---- decoding -------------------------------------------------------------

#[test]
fn reads_keys_case_insensitively_like_go() {
    // Upstream's own test files spell the key "defaultCPUSet".
    let text =
        r#"{"POLICYNAME":"none","defaultCPUSet":"4-6","entries":{},"checKsum":354655845,"extra":[1,{"a":null}]}"#;
    let checkpoint = load_v2(text.as_bytes()).unwrap();
    assert_eq!((checkpoint.policy_name.as_str(), checkpoint.default_cpu_set.as_str()), ("none", "4-6"));
    // KELVIN SIGN folds to 'k' in Go.
    let kelvin = "{\"policyName\":\"none\",\"defaultCpuSet\":\"4-6\",\"chec\u{212a}sum\":354655845}";
    assert_eq!(load_v2(kelvin.as_bytes()).unwrap().checksum, 354655845);
}

#[test]
fn null_and_duplicate_keys_follow_go() {
    // null leaves a string as it was; the last duplicate wins.
    let text = r#"{"policyName":"x","policyName":null,"policyname":"none","defaultCpuSet":"4-6","checksum":0}"#;
    assert_eq!(load_v2(text.as_bytes()).unwrap().policy_name, "none");
    // "entries": null is a nil map: another checksum text.
    let mut nil = v2("none", "1-3", &[]);
    nil.entries = None;
    let text = format!(
        r#"{{"policyName":"none","defaultCpuSet":"1-3","entries":null,"checksum":{}}}"#,
        nil.compute_checksum()
    );
    assert_eq!(load_v2(text.as_bytes()).unwrap().entries, None);
    // A second "entries" object adds to the first.
    let text = r#"{"entries":{"a":{"x":"1"}},"entries":{"b":{"y":"2"}},"checksum":0}"#;
    let entries = load_v2(text.as_bytes()).unwrap().entries.unwrap();
    assert_eq!(entries.keys().collect::<Vec<_>>(), ["a", "b"]);
    // A null document is an untouched (empty) checkpoint.
    assert_eq!(load_v1(b"null").unwrap().policy_name, "");
}

#[test]
fn v1_and_v2_are_told_apart_as_upstream_does() {
    let v2_text = br#"{"policyName":"none","defaultCpuSet":"1-3","entries":{"pod":{"c":"4-6"}},"checksum":0}"#;
    assert!(load_v1(v2_text).is_err(), "a V2 entries map is not a V1 one");
    assert!(load_v2(v2_text).is_ok());
    let v1_text = br#"{"policyName":"none","defaultCpuSet":"1-3","entries":{"containerID1":"4-6"},"checksum":0}"#;
    assert!(load_v2(v1_text).is_err());
    // Without entries both parse; the checksum tells them apart.
    let v2_empty = br#"{"policyName":"none","defaultCpuSet":"4-6","checksum":354655845}"#;
    assert!(matches!(load_v1(v2_empty), Err(Error::Corrupt { .. })));
    assert!(load_v2(v2_empty).is_ok());
}

#[test]
fn refuses_bad_json_with_gos_message_for_truncation() {
    for text in ["{", "", "{\"policyName\":"] {
        assert_eq!(load_v2(text.as_bytes()).unwrap_err().to_string(), "unexpected end of JSON input", "{text:?}");
    }
    for text in ["[]", "{\"checksum\":-1}", "{\"checksum\":1.5}", "{\"policyName\":3}", "{} x"] {
        assert!(matches!(load_v2(text.as_bytes()), Err(Error::Json(_))), "{text:?}");
    }
}

// ---- restore --------------------------------------------------------------

/// Upstream `TestCheckpointStateRestore` (k/k effb98ea), file contents as the
/// test writes them.
#[test]
fn restores_upstream_checkpoints() {
    let restore = |text: &str, initial: &ContainerMap| checkpoint::restore(text.as_bytes(), "none", initial);
    let none = ContainerMap::new();

    let data = restore(
        r#"{
            "policyName": "none",
            "defaultCPUSet": "4-6",
            "entries": {},
            "checksum": 354655845
        }"#,
        &none,
    )
    .unwrap();
    assert_eq!(data, state_data("4-6", &[]));

    let valid = r#"{
        "policyName": "none",
        "defaultCPUSet": "1-3",
        "entries": {
            "pod": {
                "container1": "4-6",
                "container2": "1-3"
            }
        },
        "checksum": 3610638499
    }"#;
    assert_eq!(
        restore(valid, &none).unwrap(),
        state_data("1-3", &[("pod", "container1", "4-6"), ("pod", "container2", "1-3")])
    );

    let v1_no_entries = r#"{"policyName": "none", "defaultCPUSet": "1-3", "checksum": 1694838852}"#;
    assert_eq!(restore(v1_no_entries, &none).unwrap(), state_data("1-3", &[]));

    let v1 = r#"{
        "policyName": "none",
        "defaultCPUSet": "1-3",
        "entries": {"containerID1": "4-6", "containerID2": "1-3"},
        "checksum": 3680390589
    }"#;
    let initial: ContainerMap = [
        ("containerID1".to_owned(), ("pod".to_owned(), "container1".to_owned())),
        ("containerID2".to_owned(), ("pod".to_owned(), "container2".to_owned())),
    ]
    .into();
    assert_eq!(
        restore(v1, &initial).unwrap(),
        state_data("1-3", &[("pod", "container1", "4-6"), ("pod", "container2", "1-3")])
    );
    assert_eq!(
        restore(v1, &none).unwrap_err().to_string(),
        "error migrating v1 checkpoint state to v2 checkpoint state: containerID 'containerID1' not found in initial containers list"
    );

    for (text, message) in [
        (
            r#"{"policyName": "none", "defaultCPUSet": "4-6", "entries": {}, "checksum": 1337}"#,
            "checkpoint is corrupted",
        ),
        ("{", "unexpected end of JSON input"),
        (
            r#"{"policyName": "other", "defaultCPUSet": "1-3", "entries": {}, "checksum": 1394507217}"#,
            r#"configured policy "none" differs from state checkpoint policy "other""#,
        ),
        (
            r#"{"policyName": "none", "defaultCPUSet": "1.3", "entries": {}, "checksum": 3021697696}"#,
            r#"could not parse default cpu set "1.3": strconv.Atoi: parsing "1.3": invalid syntax"#,
        ),
        (
            r#"{"policyName": "none", "defaultCPUSet": "1-3",
                "entries": {"pod": {"container1": "4-6", "container2": "asd"}}, "checksum": 962272150}"#,
            r#"could not parse cpuset "asd" for container "container2" in pod "pod": strconv.Atoi: parsing "asd": invalid syntax"#,
        ),
    ] {
        assert_eq!(restore(text, &none).unwrap_err().to_string(), message);
    }
}

#[test]
fn restore_refuses_names_nodecore_does_not_store() {
    let mut bad = v2("none", "1-3", &[("pod/../x", &[("c", "4")])]);
    bad.checksum = bad.compute_checksum();
    let blob = checkpoint::encode_checkpoint(&bad).unwrap();
    let err = checkpoint::restore(&blob, "none", &ContainerMap::new()).unwrap_err();
    assert!(matches!(err, Error::InvalidName { what: "pod UID", .. }), "{err}");
}

#[test]
fn restore_keeps_empty_pods_so_the_file_round_trips() {
    let mut checkpoint = v2("static", "0-3", &[("pod", &[])]);
    checkpoint.checksum = checkpoint.compute_checksum();
    let blob = checkpoint::encode_checkpoint(&checkpoint).unwrap();
    assert_eq!(blob, br#"{"policyName":"static","defaultCpuSet":"0-3","entries":{"pod":{}},"checksum":1147873131}"#);
    let data = checkpoint::restore(&blob, "static", &ContainerMap::new()).unwrap();
    assert_eq!(checkpoint::encode("static", &data).unwrap(), blob);
}

// ---- the checkpoint-backed state -------------------------------------------

const NAME: &str = "cpu_manager_state";

fn open(dir: &Path) -> Result<State, Error> {
    State::new_checkpoint(dir, NAME, "static", &ContainerMap::new())
}

fn file(dir: &Path) -> String {
    std::fs::read_to_string(dir.join(NAME)).unwrap()
}

#[test]
fn a_missing_file_is_created_empty() {
    let dir = tempfile::tempdir().unwrap();
    let state = open(&dir.path().join("sub")).unwrap();
    assert_eq!(state.snapshot(), StateData::default());
    assert_eq!(file(&dir.path().join("sub")), r#"{"policyName":"static","defaultCpuSet":"","checksum":3083571066}"#);
}

#[test]
fn a_kubelet_file_loads_and_is_written_back_byte_identical() {
    // What the kubelet writes for upstream's "Restore valid checkpoint" state
    // (compact, sorted), and the spec's example.
    for text in [
        r#"{"policyName":"none","defaultCpuSet":"1-3","entries":{"pod":{"container1":"4-6","container2":"1-3"}},"checksum":3610638499}"#,
        r#"{"policyName":"none","defaultCpuSet":"4-6","checksum":354655845}"#,
    ] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(NAME), text).unwrap();
        let state = State::new_checkpoint(dir.path(), NAME, "none", &ContainerMap::new()).unwrap();
        // Force a rewrite with the same content: change, then change back.
        let before = state.get_default_cpu_set();
        state.set_default_cpu_set(cpus("0")).unwrap();
        state.set_default_cpu_set(before).unwrap();
        assert_eq!(file(dir.path()), text);
    }
}

#[test]
fn every_change_is_written_and_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let state = open(dir.path()).unwrap();
    state.set_default_cpu_set(cpus("0-1,4-7")).unwrap();
    state.set_cpu_set("pod-uid", "app", cpus("2-3")).unwrap();
    assert_eq!(
        file(dir.path()),
        r#"{"policyName":"static","defaultCpuSet":"0-1,4-7","entries":{"pod-uid":{"app":"2-3"}},"checksum":3997665641}"#
    );
    let reopened = open(dir.path()).unwrap();
    assert_eq!(reopened.snapshot(), state.snapshot());
    assert_eq!(reopened.get_cpu_set_or_default("pod-uid", "other"), cpus("0-1,4-7"));

    state.delete("pod-uid", "app").unwrap();
    assert_eq!(state.get_cpu_set("pod-uid", "app"), None);
    assert!(state.get_cpu_assignments().is_empty(), "the pod entry goes with its last container");
    state.set_cpu_assignments([("p".to_owned(), [("c".to_owned(), cpus("1"))].into())].into()).unwrap();
    state.clear_state().unwrap();
    assert_eq!(open(dir.path()).unwrap().snapshot(), StateData::default());
    // No temporary files are left behind.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn a_corrupt_or_mismatching_file_is_refused_and_memory_stays() {
    let dir = tempfile::tempdir().unwrap();
    let state = open(dir.path()).unwrap();
    state.set_cpu_set("pod", "c", cpus("1")).unwrap();
    let before = state.snapshot();
    let path = dir.path().join(NAME);
    let good = file(dir.path());

    for (text, kind) in [
        (good.replace("\"1\"", "\"2\""), "corrupt-checkpoint"),
        (r#"{"policyName":"none","defaultCpuSet":"4-6","checksum":354655845}"#.to_owned(), "policy-mismatch"),
        ("{\"policyName\":".to_owned(), "invalid-checkpoint"),
        ("not json".to_owned(), "invalid-checkpoint"),
    ] {
        std::fs::write(&path, &text).unwrap();
        let err = state.reload().unwrap_err();
        assert_eq!(err.kind(), kind, "{err}");
        let message = err.to_string();
        assert!(message.starts_with("could not restore state from checkpoint: "), "{message}");
        assert!(
            message.ends_with(&format!("delete the CPU manager checkpoint file {path:?} before restarting Kubelet"))
        );
        assert_eq!(state.snapshot(), before);
        assert!(matches!(open(dir.path()), Err(Error::Restore { .. })));
    }
    std::fs::write(&path, &good).unwrap();
    state.reload().unwrap();
    assert_eq!(state.snapshot(), before);
}

#[test]
fn a_failed_write_changes_neither_memory_nor_disk() {
    let dir = tempfile::tempdir().unwrap();
    let state_dir = dir.path().join("state");
    let state = open(&state_dir).unwrap();
    state.set_cpu_set("pod", "c", cpus("1")).unwrap();
    let before = state.snapshot();

    // A directory that vanished cannot take the temporary file.
    std::fs::remove_dir_all(&state_dir).unwrap();
    let err = state.set_cpu_set("pod", "d", cpus("2")).unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    assert_eq!(state.snapshot(), before);

    // A failing change writes nothing either.
    std::fs::create_dir(&state_dir).unwrap();
    let result: Result<(), Error> = state.update(|data| {
        data.set_cpu_set("pod", "e", cpus("3"));
        Err(Error::Json("refused".into()))
    });
    assert!(result.is_err());
    assert_eq!(state.snapshot(), before);
    assert!(!state_dir.join(NAME).exists());

    // The next write records everything in memory.
    state.set_cpu_set("pod", "d", cpus("2")).unwrap();
    assert_eq!(open(&state_dir).unwrap().snapshot(), state.snapshot());
}

#[test]
fn names_from_outside_are_validated() {
    let state = State::new_memory();
    for (pod, container) in [("", "c"), ("pod", ""), ("../etc", "c"), ("pod", "a b"), ("pod", ".."), ("pod", "ü")] {
        let err = state.set_cpu_set(pod, container, cpus("1")).unwrap_err();
        assert_eq!(err.kind(), "invalid-name", "{pod:?} {container:?}");
    }
    let long = "a".repeat(MAX_NAME_LENGTH + 1);
    assert!(state.set_cpu_set(&long, "c", cpus("1")).is_err());
    assert!(state.get_cpu_assignments().is_empty());
    state.set_cpu_set("6e8d8e5a-36b3-4d3c-9e6e-7b5bdc5a7b9f", "fakeContainer_3.x", cpus("1")).unwrap();
    for name in ["", "a/b", ".hidden"] {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            State::new_checkpoint(dir.path(), name, "static", &ContainerMap::new()),
            Err(Error::InvalidName { .. })
        ));
    }
}

#[test]
fn concurrent_transactions_never_hand_out_a_cpu_twice() {
    let dir = tempfile::tempdir().unwrap();
    let state = Arc::new(open(dir.path()).unwrap());
    let all = cpus("0-15");
    state.set_default_cpu_set(all.clone()).unwrap();
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let state = Arc::clone(&state);
            std::thread::spawn(move || {
                for round in 0..25 {
                    let container = format!("c{t}-{round}");
                    // Take two CPUs from the pool, or give a previous container's back.
                    let _ = state.update(|data| -> Result<(), Error> {
                        let taken: CpuSet = data.default_cpu_set.iter().take(2).collect();
                        data.default_cpu_set = data.default_cpu_set.difference(&taken);
                        data.set_cpu_set("pod", &container, taken);
                        Ok(())
                    });
                    if round % 2 == 1 {
                        let previous = format!("c{t}-{}", round - 1);
                        state
                            .update(|data| -> Result<(), Error> {
                                if let Some(freed) = data.delete("pod", &previous) {
                                    data.default_cpu_set = data.default_cpu_set.union(&freed);
                                }
                                Ok(())
                            })
                            .unwrap();
                    }
                    state.read(|data| {
                        let assigned = data.assigned_cpus();
                        let count: usize = data.assignments.values().flat_map(BTreeMap::values).map(CpuSet::len).sum();
                        assert_eq!(count, assigned.len(), "a CPU is assigned twice");
                        assert!(assigned.is_disjoint(&data.default_cpu_set));
                        assert_eq!(assigned.union(&data.default_cpu_set), cpus("0-15"));
                    });
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    let reopened = open(dir.path()).unwrap();
    assert_eq!(reopened.snapshot(), state.snapshot(), "the file holds the last state");
    assert_eq!(state.snapshot().assigned_cpus().union(&state.get_default_cpu_set()), all);
}

#[test]
fn reload_recreates_a_deleted_file_from_memory() {
    let dir = tempfile::tempdir().unwrap();
    let state = open(dir.path()).unwrap();
    state.set_cpu_set("pod", "c", cpus("3")).unwrap();
    let written = file(dir.path());
    std::fs::remove_file(dir.path().join(NAME)).unwrap();
    state.reload().unwrap();
    assert_eq!(file(dir.path()), written);
    assert_eq!(State::new_memory().reload().ok(), Some(()), "nothing to reload in memory");
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn name() -> impl Strategy<Value = String> {
        "[A-Za-z0-9_-][A-Za-z0-9._-]{0,20}"
    }

    fn cpu_set() -> impl Strategy<Value = CpuSet> {
        proptest::collection::btree_set(0usize..300, 0..20).prop_map(|ids| ids.into_iter().collect())
    }

    fn state_data() -> impl Strategy<Value = StateData> {
        let containers = proptest::collection::btree_map(name(), cpu_set(), 0..4);
        (cpu_set(), proptest::collection::btree_map(name(), containers, 0..4))
            .prop_map(|(default_cpu_set, assignments)| StateData { default_cpu_set, assignments })
    }

    proptest! {
        /// Whatever nodecore writes, it reads back unchanged, with a valid
        /// checksum, and writes again byte for byte.
        #[test]
        fn written_checkpoints_restore_to_the_same_state(data in state_data(), policy in "[a-z]{1,10}") {
            let blob = checkpoint::encode(&policy, &data).unwrap();
            let restored = checkpoint::restore(&blob, &policy, &ContainerMap::new()).unwrap();
            prop_assert_eq!(&restored, &data);
            prop_assert_eq!(checkpoint::encode(&policy, &restored).unwrap(), blob);
        }

        /// Changing any byte of a written checkpoint never yields another
        /// state silently: it is refused, or reads back as the same state.
        #[test]
        fn a_changed_byte_is_refused_or_harmless(data in state_data(), index in any::<proptest::sample::Index>(), byte in any::<u8>()) {
            let mut blob = checkpoint::encode("static", &data).unwrap();
            let at = index.index(blob.len());
            blob[at] = byte;
            if let Ok(restored) = checkpoint::restore(&blob, "static", &ContainerMap::new()) {
                prop_assert_eq!(restored, data);
            }
        }
    }
}
