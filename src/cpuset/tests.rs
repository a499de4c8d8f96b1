use super::*;

fn set(text: &str) -> CpuSet {
    text.parse().unwrap()
}

#[test]
fn formats_canonical_runs() {
    assert_eq!(CpuSet::new().to_string(), "");
    assert_eq!(CpuSet::from_iter([5]).to_string(), "5");
    assert_eq!(CpuSet::from_iter([5, 6]).to_string(), "5-6");
    assert_eq!(CpuSet::from_iter([8, 1, 2, 3, 5, 6]).to_string(), "1-3,5-6,8");
    assert_eq!(CpuSet::from_iter([63, 64, 127, 128]).to_string(), "63-64,127-128");
}

#[test]
fn parses_unordered_and_overlapping_lists() {
    assert_eq!(set("5,4,3,2,1"), set("1-5"));
    assert_eq!(set("3-6,1-5").to_string(), "1-6");
    assert_eq!(set("+1-+3").to_string(), "1-3");
    assert_eq!(set("8191").last(), Some(MAX_CPU_ID));
}

#[test]
fn ranges_fill_whole_and_partial_words() {
    assert_eq!(set("0-8191"), CpuSet::from_iter(0..=MAX_CPU_ID));
    assert_eq!(set("63-64").to_vec(), [63, 64]);
    assert_eq!(set("64-127").words, [0, u64::MAX]);
    assert_eq!(set("1-62").words, [(u64::MAX >> 1) & !1]);
    let mut empty = CpuSet::new();
    empty.insert_range(5, 4);
    assert!(empty.is_empty() && empty.words.is_empty());
}

#[test]
fn refuses_malformed_text_naming_it() {
    for (text, message) in [
        ("1-", r#"invalid CPU list "1-": strconv.Atoi: parsing "": invalid syntax"#),
        ("3-1", r#"invalid CPU list "3-1": invalid range "3-1" (3 > 1)"#),
        ("a", r#"invalid CPU list "a": strconv.Atoi: parsing "a": invalid syntax"#),
        ("1,,2", r#"invalid CPU list "1,,2": strconv.Atoi: parsing "": invalid syntax"#),
        (
            "99999999999999999999",
            r#"invalid CPU list "99999999999999999999": strconv.Atoi: parsing "99999999999999999999": value out of range"#,
        ),
        ("\t0", r#"invalid CPU list "\t0": strconv.Atoi: parsing "\t0": invalid syntax"#),
        ("0-8192", r#"invalid CPU list "0-8192": CPU id 8192 in "0-8192" exceeds the largest supported id 8191"#),
    ] {
        assert_eq!(CpuSet::parse(text).unwrap_err().to_string(), message);
    }
}

#[test]
fn atoi_range_limits_follow_go() {
    // One past i64::MAX is out of range even though it fits 64 unsigned bits.
    let err = CpuSet::parse("9223372036854775808").unwrap_err();
    assert!(matches!(err.reason, parse::ParseErrorReason::OutOfRange { .. }));
    // A range ending at i64::MIN is a range error, not an overflow.
    let err = CpuSet::parse("0--9223372036854775808").unwrap_err();
    assert!(matches!(err.reason, parse::ParseErrorReason::InvalidRange { .. }));
}

#[test]
fn set_algebra() {
    let a = set("0-5,64-65");
    let b = set("4-9,65");
    assert_eq!(a.union(&b).to_string(), "0-9,64-65");
    assert_eq!(a.intersection(&b).to_string(), "4-5,65");
    assert_eq!(a.difference(&b).to_string(), "0-3,64");
    assert_eq!(b.difference(&a).to_string(), "6-9");
    assert!(set("4-5").is_subset(&a));
    assert!(!set("4-6").is_subset(&a));
    assert!(set("6-9").is_disjoint(&set("0-5,64")));
    assert_eq!(a.len(), 8);
    // Results are trimmed, so emptied sets equal the empty set.
    assert_eq!(set("64").difference(&set("64")), CpuSet::new());
    assert!(set("64").intersection(&set("0")).is_empty());
}

#[test]
fn insert_remove_and_bounds() {
    let mut s = CpuSet::new();
    s.insert(200);
    s.insert(3);
    assert_eq!(s.to_vec(), vec![3, 200]);
    assert_eq!((s.first(), s.last()), (Some(3), Some(200)));
    assert!(s.remove(200));
    assert!(!s.remove(200));
    assert_eq!(s, CpuSet::from_iter([3]));
    assert_eq!(s.filter(|c| c != 3), CpuSet::new());
}

#[test]
fn serde_uses_the_list_format() {
    let s = set("0-3,8");
    assert_eq!(serde_json::to_string(&s).unwrap(), r#""0-3,8""#);
    assert_eq!(serde_json::from_str::<CpuSet>(r#""8,0-3""#).unwrap(), s);
    assert!(serde_json::from_str::<CpuSet>(r#""3-1""#).is_err());
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    fn cpus() -> impl Strategy<Value = Vec<usize>> {
        proptest::collection::vec(0..=MAX_CPU_ID, 0..64)
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(cpus in cpus()) {
            let s = CpuSet::from_iter(cpus.iter().copied());
            prop_assert_eq!(CpuSet::parse(&s.to_string()).unwrap(), s.clone());
            let mut sorted = cpus.clone();
            sorted.sort_unstable();
            sorted.dedup();
            prop_assert_eq!(s.to_vec(), sorted);
        }

        #[test]
        fn range_insertion_matches_one_by_one(base in cpus(), first in 0..=MAX_CPU_ID, len in 0..300usize) {
            let last = (first + len).min(MAX_CPU_ID);
            let mut by_range = CpuSet::from_iter(base.iter().copied());
            let mut by_cpu = by_range.clone();
            by_range.insert_range(first, last);
            by_cpu.extend(first..=last);
            prop_assert_eq!(by_range, by_cpu);
        }

        #[test]
        fn algebra_matches_btreeset(a in cpus(), b in cpus()) {
            use std::collections::BTreeSet;
            let (sa, sb) = (CpuSet::from_iter(a.clone()), CpuSet::from_iter(b.clone()));
            let (ba, bb): (BTreeSet<_>, BTreeSet<_>) = (a.into_iter().collect(), b.into_iter().collect());
            prop_assert_eq!(sa.union(&sb).to_vec(), ba.union(&bb).copied().collect::<Vec<_>>());
            prop_assert_eq!(sa.intersection(&sb).to_vec(), ba.intersection(&bb).copied().collect::<Vec<_>>());
            prop_assert_eq!(sa.difference(&sb).to_vec(), ba.difference(&bb).copied().collect::<Vec<_>>());
            prop_assert_eq!(sa.is_subset(&sb), ba.is_subset(&bb));
            prop_assert_eq!(sa.len(), ba.len());
        }
    }
}
