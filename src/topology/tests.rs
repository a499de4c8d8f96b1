use super::*;

#[test]
fn named_topologies_load_with_derived_counters() {
    let topo = named("dual-socket-multi-numa-per-socket-ht").unwrap();
    assert_eq!(
        (topo.num_cpus, topo.num_cores, topo.num_sockets, topo.num_numa_nodes, topo.num_uncore_caches),
        (80, 40, 2, 4, 1)
    );
    assert_eq!(topo.cpus_per_core(), 2);
    assert!(!topo.numa_first(), "two NUMA nodes per socket is socket-first");
    assert!(named("dual-socket-ht").unwrap().numa_first());
    assert_eq!(names().count(), 15);
    assert!(matches!(named("nope"), Err(Error::UnknownName(_))));
}

#[test]
fn details_answer_set_queries() {
    let topo = named("dual-socket-multi-numa-per-socket-ht").unwrap();
    let d = &topo.details;
    let ids = |t: &str| -> crate::cpuset::CpuSet { t.parse().unwrap() };
    assert_eq!(d.numa_nodes_in_sockets(&ids("1")), ids("2-3"));
    assert_eq!(d.sockets_in_numa_nodes(&ids("1-2")), ids("0-1"));
    assert_eq!(d.cpus_in_cores(&ids("0,20")), ids("0,20,40,60"));
    assert_eq!(d.cpus_in_numa_nodes(&ids("0")), ids("0-9,40-49"));
    assert_eq!(d.cores_in_sockets(&ids("1")), ids("20-39"));
    let partial = d.keep_only(&ids("0-3,45"));
    assert_eq!(partial.cores(), ids("0-3,5"));
    assert_eq!(partial.cores_needed_in_uncore_cache(2, 0), ids("0-1"));
    assert_eq!(partial.cores_needed_in_uncore_cache(9, 0), ids("0-3,5"));
}

#[test]
fn json_round_trips_and_refuses_bad_rows() {
    let topo = named("single-socket-ht").unwrap();
    let text = serde_json::to_string(&topo.to_json()).unwrap();
    assert_eq!(CpuTopology::from_json(&text).unwrap(), topo);
    let dup = r#"{"cpus":[{"cpu":0,"core":0,"socket":0,"numa":0,"uncore":0},{"cpu":0,"core":0,"socket":0,"numa":0,"uncore":0}]}"#;
    assert!(matches!(CpuTopology::from_json(dup), Err(Error::DuplicateCpu(0))));
    assert!(matches!(CpuTopology::from_json(r#"{"cpus":[]}"#), Err(Error::NoCpus)));
    assert!(matches!(CpuTopology::from_json(r#"{"cpus":[{"cpu":0}]}"#), Err(Error::Json(_))));
    let value = serde_json::json!("dual-socket-no-ht");
    assert_eq!(CpuTopology::from_json_value(&value).unwrap().num_sockets, 2);
}

#[test]
fn ids_a_set_cannot_hold_are_refused_not_panicked_on() {
    let row = |socket, numa, uncore| {
        format!(r#"{{"cpus":[{{"cpu":0,"core":0,"socket":{socket},"numa":{numa},"uncore":{uncore}}}]}}"#)
    };
    let err = CpuTopology::from_json(&row(9000, 0, 0)).unwrap_err();
    assert!(matches!(err, Error::IdTooLarge { field: "socket", cpu: 0, id: 9000 }), "{err}");
    assert_eq!(err.kind(), "invalid-topology");
    assert!(matches!(CpuTopology::from_json(&row(0, 8192, 0)), Err(Error::IdTooLarge { field: "numa", .. })));
    assert!(matches!(CpuTopology::from_json(&row(0, 0, 10_000)), Err(Error::IdTooLarge { field: "uncore", .. })));
    assert!(CpuTopology::from_json(&row(8191, 8191, 8191)).is_ok());
}
