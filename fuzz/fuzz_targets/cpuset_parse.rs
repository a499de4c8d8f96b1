//! The Linux CPU list parser (`cpuset.Parse`): any text is a set or an error
//! naming the text, and a set's canonical text reads back as the same set.

#![no_main]

use libfuzzer_sys::fuzz_target;
use nodecore::cpuset::{CpuSet, MAX_CPU_ID};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match CpuSet::parse(text) {
        Ok(set) => {
            let canonical = set.to_string();
            assert_eq!(CpuSet::parse(&canonical).as_ref(), Ok(&set), "{canonical:?}");
            assert_eq!(set.len(), set.iter().count());
            assert!(set.last().is_none_or(|cpu| cpu <= MAX_CPU_ID));
        }
        Err(err) => {
            assert_eq!(err.text, text);
            assert!(!err.to_string().is_empty());
        }
    }
});
