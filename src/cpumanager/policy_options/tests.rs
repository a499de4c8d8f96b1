use super::*;
use crate::topology;

fn all_gates(options: &[(&str, &str)]) -> Result<StaticPolicyOptions, OptionsError> {
    StaticPolicyOptions::parse(options.iter().copied(), PolicyOptionGates::all())
}

#[test]
fn every_option_parses_with_go_parse_bool_values() {
    for truthy in ["1", "t", "T", "TRUE", "true", "True"] {
        let options = all_gates(&[(FULL_PCPUS_ONLY, truthy), (ALIGN_BY_SOCKET, truthy)]).unwrap();
        assert!(options.full_physical_cpus_only && options.align_by_socket, "{truthy}");
    }
    for falsy in ["0", "f", "F", "FALSE", "false", "False"] {
        let options = all_gates(&[(STRICT_CPU_RESERVATION, falsy)]).unwrap();
        assert_eq!(options, StaticPolicyOptions::default(), "{falsy}");
    }
    let options = all_gates(&[
        (DISTRIBUTE_CPUS_ACROSS_NUMA, "true"),
        (STRICT_CPU_RESERVATION, "true"),
        (FULL_PCPUS_ONLY, "true"),
        (ALIGN_BY_SOCKET, "true"),
    ])
    .unwrap();
    assert!(options.distribute_cpus_across_numa && options.strict_cpu_reservation);
    assert!(options.full_physical_cpus_only && options.align_by_socket);
    let options = all_gates(&[(PREFER_ALIGN_CPUS_BY_UNCORECACHE, "1"), (DISTRIBUTE_CPUS_ACROSS_CORES, "0")]).unwrap();
    assert!(options.prefer_align_by_uncore_cache && !options.distribute_cpus_across_cores);
    assert!(options.emulate_go_slice_aliasing, "the quirk is emulated unless switched off");
}

#[test]
fn bad_values_and_unknown_names_get_the_kubelet_messages() {
    let err = all_gates(&[(FULL_PCPUS_ONLY, "yes")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"bad value for option "full-pcpus-only": strconv.ParseBool: parsing "yes": invalid syntax"#
    );
    let err = all_gates(&[(FULL_PCPUS_ONLY, "")]).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"bad value for option "full-pcpus-only": strconv.ParseBool: parsing "": invalid syntax"#
    );
    let err = all_gates(&[("prefer-align-cpus-by-socket", "true")]).unwrap_err();
    assert_eq!(err.to_string(), r#"unknown CPU Manager Policy option: "prefer-align-cpus-by-socket""#);
    let err = all_gates(&[("tab\there \"q\"", "true")]).unwrap_err();
    assert_eq!(err.to_string(), r#"unknown CPU Manager Policy option: "tab\there \"q\"""#);
}

#[test]
fn gates_unlock_options_by_maturity() {
    let defaults = PolicyOptionGates::default();
    assert_eq!(defaults, PolicyOptionGates::BETA_OPTIONS);
    let err = StaticPolicyOptions::parse([(DISTRIBUTE_CPUS_ACROSS_CORES, "true")], defaults).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"CPU Manager Policy Alpha-level Options not enabled, but option "distribute-cpus-across-cores" provided"#
    );
    let err =
        StaticPolicyOptions::parse([(DISTRIBUTE_CPUS_ACROSS_NUMA, "true")], PolicyOptionGates::empty()).unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"CPU Manager Policy Beta-level Options not enabled, but option "distribute-cpus-across-numa" provided"#
    );
    // The gate is checked before the value, and applies to false values too.
    let err = StaticPolicyOptions::parse([(ALIGN_BY_SOCKET, "maybe")], defaults).unwrap_err();
    assert!(matches!(err, OptionsError::NotEnabled { maturity: Maturity::Alpha, .. }));
    // GA needs no gate.
    assert!(StaticPolicyOptions::parse([(FULL_PCPUS_ONLY, "true")], PolicyOptionGates::empty()).is_ok());
    assert_eq!(Maturity::of(PREFER_ALIGN_CPUS_BY_UNCORECACHE), Some(Maturity::Beta));
    assert_eq!(Maturity::of("cpu-quota"), None);
}

#[test]
fn rejected_pairs_are_refused_in_the_kubelets_order() {
    let cases = [
        (FULL_PCPUS_ONLY, DISTRIBUTE_CPUS_ACROSS_CORES),
        (DISTRIBUTE_CPUS_ACROSS_NUMA, DISTRIBUTE_CPUS_ACROSS_CORES),
        (PREFER_ALIGN_CPUS_BY_UNCORECACHE, DISTRIBUTE_CPUS_ACROSS_CORES),
        (PREFER_ALIGN_CPUS_BY_UNCORECACHE, DISTRIBUTE_CPUS_ACROSS_NUMA),
    ];
    for (first, second) in cases {
        let err = all_gates(&[(second, "true"), (first, "true")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!("static policy options {first} and {second} can not be used at the same time")
        );
        // Only true values conflict.
        assert!(all_gates(&[(first, "true"), (second, "false")]).is_ok());
    }
    // With three options on, the first pair in the kubelet's order is reported.
    let err =
        all_gates(&[(FULL_PCPUS_ONLY, "1"), (DISTRIBUTE_CPUS_ACROSS_NUMA, "1"), (DISTRIBUTE_CPUS_ACROSS_CORES, "1")])
            .unwrap_err();
    assert_eq!(err, OptionsError::Conflict { first: FULL_PCPUS_ONLY, second: DISTRIBUTE_CPUS_ACROSS_CORES });
}

#[test]
fn several_bad_entries_report_the_first_name_in_order_and_later_values_win() {
    let err = all_gates(&[("zzz", "true"), (FULL_PCPUS_ONLY, "nope"), ("aaa", "true")]).unwrap_err();
    assert_eq!(err, OptionsError::Unknown { name: "aaa".into() });
    let options = all_gates(&[(FULL_PCPUS_ONLY, "true"), (FULL_PCPUS_ONLY, "false")]).unwrap();
    assert!(!options.full_physical_cpus_only);
}

#[test]
fn align_by_socket_is_validated_against_the_machine_and_topology_manager() {
    let abs = all_gates(&[(ALIGN_BY_SOCKET, "true")]).unwrap();
    let multi = topology::named("dual-socket-multi-numa-per-socket-ht").unwrap();
    assert_eq!(abs.validate(&multi, "best-effort"), Ok(()));
    assert_eq!(
        abs.validate(&multi, SINGLE_NUMA_NODE_POLICY).unwrap_err().to_string(),
        "Topolgy manager single-numa-node policy is incompatible with CPUManager align-by-socket policy option"
    );
    let fake = topology::named("fake-multi-socket-dual-socket-per-numa-ht").unwrap();
    assert_eq!(
        abs.validate(&fake, "none").unwrap_err().to_string(),
        "Align by socket is not compatible with hardware where number of sockets are more than number of NUMA"
    );
    // Without align-by-socket nothing is checked.
    assert_eq!(StaticPolicyOptions::default().validate(&fake, SINGLE_NUMA_NODE_POLICY), Ok(()));
}
