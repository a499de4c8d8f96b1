//! Runs every case file in `tests/vectors/` through [`nodecore::eval`] and
//! checks each answer against the case's `expect`.

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

#[test]
fn every_vector_passes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/vectors exists")
        .map(|entry| entry.expect("readable directory").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "jsonl"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no case files in {}", dir.display());

    let mut per_kind: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut failures = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable case file");
        for line in text.lines().filter(|line| !line.trim().is_empty()) {
            let case: Value = serde_json::from_str(line).expect("each line is a JSON case");
            let kind = case["kind"].as_str().expect("each case has a kind").to_owned();
            let answer = nodecore::eval::eval_case(&case);
            let counts = per_kind.entry(kind).or_default();
            if nodecore::eval::case_passes(&case["expect"], &answer) {
                counts.0 += 1;
            } else {
                counts.1 += 1;
                failures.push(format!("{}\n  expected {}\n  answered {answer}", case["id"], case["expect"]));
            }
        }
    }
    for (kind, (passed, failed)) in &per_kind {
        println!("{kind}: {passed} passed, {failed} failed");
    }
    assert!(
        failures.is_empty(),
        "{} cases failed:\n{}",
        failures.len(),
        failures.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
}
