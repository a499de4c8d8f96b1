use super::reference::HintMerger;
use super::*;
use crate::topologymanager::bitmask::iterate_bit_masks;
use crate::topologymanager::{Policy, PolicyName, TopologyManagerOptions};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn mask(bits: &[usize]) -> BitMask {
    BitMask::new(bits.iter().copied()).unwrap()
}

fn on(bits: &[usize], preferred: bool) -> TopologyHint {
    TopologyHint::new(Some(mask(bits)), preferred)
}

fn nil(preferred: bool) -> TopologyHint {
    TopologyHint::new(None, preferred)
}

#[test]
fn compare_steps_follow_upstream_table() {
    // (best non-preferred count, current, candidate, candidate wins)
    let cases: &[(i64, Option<TopologyHint>, TopologyHint, bool)] = &[
        (-1, None, on(&[], false), false),
        (-1, Some(on(&[], true)), on(&[], false), false),
        (-1, None, on(&[0], true), true),
        (-1, None, on(&[0], false), true),
        (-1, Some(on(&[0], false)), on(&[0], true), true),
        (-1, Some(on(&[0], true)), on(&[0], false), false),
        (-1, Some(on(&[0], true)), on(&[0], true), false),
        (-1, Some(on(&[0, 1], true)), on(&[0], true), true),
        (-1, Some(on(&[0], true)), on(&[0, 1], true), false),
        (1, Some(on(&[0, 1], false)), on(&[0, 1], false), false),
        (1, Some(on(&[1, 2], false)), on(&[0, 1], false), true),
        (1, Some(on(&[0, 1], false)), on(&[1, 2], false), false),
        (2, Some(on(&[0, 1], false)), on(&[0], false), false),
        (2, Some(on(&[0, 1], false)), on(&[0, 1], false), false),
        (2, Some(on(&[1, 2], false)), on(&[0, 1], false), true),
        (2, Some(on(&[0, 1], false)), on(&[1, 2], false), false),
        (2, Some(on(&[0], false)), on(&[0, 1, 2], false), false),
        (2, Some(on(&[0], false)), on(&[0, 1], false), true),
        (3, Some(on(&[0], false)), on(&[0, 1], false), true),
        (3, Some(on(&[0], false)), on(&[1, 2], false), true),
        (4, Some(on(&[0, 1], false)), on(&[1, 2, 3], false), true),
        (4, Some(on(&[1, 2, 3], false)), on(&[0, 1], false), false),
        (4, Some(on(&[0, 1, 2], false)), on(&[0, 1, 2], false), false),
        (4, Some(on(&[0, 1, 2], false)), on(&[1, 2, 3], false), false),
        (4, Some(on(&[1, 2, 3], false)), on(&[0, 1, 2], false), true),
    ];
    for (i, &(best, current, candidate, candidate_wins)) in cases.iter().enumerate() {
        let mut merger =
            HintMerger { best_non_preferred_affinity_count: best, order: MaskOrder::Narrowest, poisoned: Vec::new() };
        let expected = if candidate_wins { Some(candidate) } else { current };
        assert_eq!(merger.compare(current, candidate), expected, "compare step C{}", i + 1);
    }
}

#[test]
fn best_non_preferred_affinity_count_follows_upstream_table() {
    let cases: &[(&[&[TopologyHint]], usize)] = &[
        (&[], 0),
        (&[&[on(&[], true)]], 0),
        (&[&[on(&[0], true)]], 1),
        (&[&[on(&[0, 1], true)]], 2),
        (&[&[on(&[0, 1], true), on(&[0, 1, 2], true)]], 2),
        (&[&[on(&[0, 1], true), on(&[0, 1, 2], true)], &[on(&[0, 1, 2], true)]], 3),
        (&[&[on(&[0, 1], true), on(&[0, 1, 2], true)], &[on(&[0, 1, 2], true), on(&[0, 1, 2, 3], true)]], 3),
        (&[&[nil(true)], &[on(&[5, 6], false)]], 2),
    ];
    for (lists, expected) in cases {
        assert_eq!(best_non_preferred_affinity_count(lists), *expected);
    }
}

#[test]
fn single_numa_filter_follows_upstream_table() {
    type Case<'a> = (&'a [&'a [TopologyHint]], &'a [&'a [TopologyHint]]);
    let cases: &[Case] = &[
        (&[], &[]),
        (&[&[nil(false)], &[nil(true)]], &[&[], &[nil(true)]]),
        (
            &[&[on(&[0], true), nil(false)], &[on(&[1], true), nil(true)]],
            &[&[on(&[0], true)], &[on(&[1], true), nil(true)]],
        ),
        (&[&[on(&[1], true), on(&[0], true), nil(false)], &[]], &[&[on(&[1], true), on(&[0], true)], &[]]),
        (
            &[
                &[on(&[0], true), on(&[1], true), on(&[1, 2], false), on(&[0, 1, 2], false), nil(false)],
                &[on(&[1, 2], false), on(&[0, 1, 2], false), on(&[0, 2], false), on(&[3], false)],
                &[on(&[1, 2], false), on(&[0, 1, 2], false), on(&[0, 2], false)],
            ],
            &[&[on(&[0], true), on(&[1], true)], &[], &[]],
        ),
    ];
    for (input, expected) in cases {
        let expected: Vec<Vec<TopologyHint>> = expected.iter().map(|l| l.to_vec()).collect();
        assert_eq!(filter_single_numa_hints(input), expected);
    }
}

#[test]
fn provider_answers_map_to_dimensions() {
    let provider = |entries: &[(&str, Option<Vec<TopologyHint>>)]| -> ProviderHints {
        entries.iter().map(|(name, hints)| (name.to_string(), hints.clone())).collect()
    };
    let providers = [provider(&[]), provider(&[("a", None), ("b", Some(vec![])), ("c", Some(vec![on(&[1], false)]))])];
    let lists = filter_providers_hints(&providers);
    assert_eq!(lists, [&[nil(true)][..], &[nil(true)], &[nil(false)], &[on(&[1], false)]]);
}

#[test]
fn both_merges_handle_edge_cases_alike() {
    let d = mask(&[0, 1]);
    let cases: &[(&[&[TopologyHint]], BitMask, TopologyHint)] = &[
        // No dimensions: one empty permutation, preferred.
        (&[], d, TopologyHint::new(Some(d), true)),
        // An empty list: no permutation at all.
        (&[&[on(&[0], true)], &[]], d, TopologyHint::new(Some(d), false)),
        // Raw masks decide "preferred", before the AND with the machine.
        (&[&[on(&[0, 2], true)], &[on(&[0], true)]], d, on(&[0], false)),
        // Hints only outside the machine never win.
        (&[&[on(&[2], true)]], d, TopologyHint::new(Some(d), false)),
        // No NUMA node at all.
        (&[], BitMask::empty(), TopologyHint::new(Some(BitMask::empty()), false)),
    ];
    for (lists, default, expected) in cases {
        assert_eq!(reference::merge(lists, *default, MaskOrder::Narrowest).unwrap(), *expected);
        assert_eq!(fast::merge(lists, *default, MaskOrder::Narrowest).unwrap(), *expected);
    }
}

#[test]
fn short_distance_rows_fail_only_when_the_answer_needs_them() {
    // Sparse node ids with rows as Linux prints them (one entry per node):
    // upstream indexes rows by node id, so node 2's distance is past the end.
    let rows = BTreeMap::from([(0, vec![10, 20]), (2, vec![20, 10])]);
    let numa = NumaInfo::new(&[0, 2], &rows, true).unwrap();
    let d = numa.default_affinity_mask();
    // Two preferred single-node outcomes: their averages decide, and {2}'s is undefined.
    let tie: &[&[TopologyHint]] = &[&[on(&[0], true), on(&[2], true)]];
    // One preferred outcome: no average is taken.
    let alone: &[&[TopologyHint]] = &[&[on(&[2], true), on(&[0, 2], false)]];
    for merger in [reference::merge as Merger, fast::merge] {
        assert_eq!(merger(tie, d, MaskOrder::Closest(&numa)).unwrap_err().kind(), "missing-distances");
        assert_eq!(merger(alone, d, MaskOrder::Closest(&numa)).unwrap(), on(&[2], true));
        assert_eq!(merger(tie, d, MaskOrder::Narrowest).unwrap(), on(&[0], true));
    }
    // Read by position, as Linux means the rows, every average is defined.
    let by_position = numa.clone().with_distance_indexing(crate::topologymanager::DistanceIndexing::Position).unwrap();
    let wide: &[&[TopologyHint]] = &[&[on(&[0], true), on(&[2], true)], &[on(&[0], true), on(&[2], true)]];
    for merger in [reference::merge as Merger, fast::merge] {
        assert_eq!(merger(tie, d, MaskOrder::Closest(&by_position)).unwrap(), on(&[0], true));
        assert_eq!(merger(wide, d, MaskOrder::Closest(&by_position)).unwrap(), on(&[0], true));
    }
}

#[test]
fn reference_passes_the_case_files_it_can_finish() {
    let text = include_str!("../../../tests/vectors/topology-merge.jsonl");
    let mut checked = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: serde_json::Value = serde_json::from_str(line).unwrap();
        let input = &case["input"];
        if case["expect"].get("error").is_some() {
            continue;
        }
        let providers = providers_from_json(&input["providers"]);
        let permutations: usize = filter_providers_hints(&providers).iter().map(|l| l.len()).product();
        if permutations > 1_000_000 {
            continue;
        }
        let nodes: Vec<usize> = serde_json::from_value(input["numa_nodes"].clone()).unwrap();
        let distances: BTreeMap<usize, Vec<u64>> = input
            .get("distances")
            .and_then(|d| d.as_object())
            .map(|rows| {
                rows.iter().map(|(k, v)| (k.parse().unwrap(), serde_json::from_value(v.clone()).unwrap())).collect()
            })
            .unwrap_or_default();
        let options: BTreeMap<String, String> = serde_json::from_value(input["options"].clone()).unwrap();
        let gates = crate::topologymanager::OptionGates::default();
        let policy =
            Policy::from_config(input["policy"].as_str().unwrap(), &options, gates, &nodes, &distances).unwrap();
        let outcome = policy.merge_cross_product_reference(&providers).unwrap();
        let answer = serde_json::json!({
            "affinity": outcome.hint.numa_node_affinity.map(BitMask::get_bits),
            "preferred": outcome.hint.preferred,
            "admit": outcome.admit,
        });
        assert_eq!(answer, case["expect"], "{}", case["id"]);
        checked += 1;
    }
    assert!(checked > 490, "only {checked} cases checked");
}

fn providers_from_json(value: &serde_json::Value) -> Vec<ProviderHints> {
    let hint = |h: &serde_json::Value| {
        let affinity: Option<Vec<usize>> = serde_json::from_value(h["affinity"].clone()).unwrap();
        TopologyHint::new(affinity.map(|bits| mask(&bits)), h["preferred"].as_bool().unwrap())
    };
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|provider| {
            provider
                .as_object()
                .map(|resources| {
                    resources
                        .iter()
                        .map(|(name, hints)| (name.clone(), hints.as_array().map(|hs| hs.iter().map(hint).collect())))
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect()
}

/// One random merge input: a machine, a policy and the providers' hints,
/// kept small enough for the cross product (at most 6 lists of 6 hints).
#[derive(Debug, Clone)]
struct Input {
    nodes: Vec<usize>,
    distances: Option<BTreeMap<usize, Vec<u64>>>,
    policy: PolicyName,
    providers: Vec<ProviderHints>,
}

/// Node ids: `0..n`, or `n` distinct ids below 64.
fn node_ids() -> impl Strategy<Value = Vec<usize>> {
    (1usize..=12).prop_flat_map(|n| {
        prop_oneof![
            Just((0..n).collect::<Vec<_>>()),
            proptest::sample::subsequence((0..64).collect::<Vec<usize>>(), n),
        ]
    })
}

/// Distance rows by node id: full rows (an entry for every id up to the
/// largest), rows with one entry per node as Linux prints them (short when
/// ids are sparse), or no distances.
fn distances(nodes: Vec<usize>) -> impl Strategy<Value = (Vec<usize>, Option<BTreeMap<usize, Vec<u64>>>)> {
    let width = nodes.iter().max().map_or(0, |m| m + 1);
    let count = nodes.len();
    prop_oneof![
        2 => Just(None),
        2 => proptest::collection::vec(proptest::collection::vec(10u64..=13, width), count).prop_map(Some),
        1 => proptest::collection::vec(proptest::collection::vec(10u64..=40, count), count).prop_map(Some),
    ]
    .prop_map(move |rows| {
        let rows = rows.map(|rows| nodes.iter().copied().zip(rows).collect::<BTreeMap<_, _>>());
        (nodes.clone(), rows)
    })
}

/// Hints drawn from a small pool of masks, so that providers often agree:
/// subsets of the machine's nodes, sometimes with a bit outside it, and the
/// empty mask.
fn hint_list(pool: Vec<u64>) -> impl Strategy<Value = Option<Vec<TopologyHint>>> {
    let hint = (prop_oneof![1 => Just(None), 6 => proptest::sample::select(pool).prop_map(Some)], any::<bool>())
        .prop_map(|(m, p)| TopologyHint::new(m.map(BitMask::from_u64), p));
    prop_oneof![
        1 => Just(None),
        1 => Just(Some(Vec::new())),
        8 => proptest::collection::vec(hint, 1..=6).prop_map(Some),
    ]
}

fn input() -> impl Strategy<Value = Input> {
    node_ids().prop_flat_map(distances).prop_flat_map(|(nodes, distances)| {
        let machine = nodes.iter().fold(0u64, |m, &n| m | 1 << n);
        let mask = prop_oneof![
            4 => any::<u64>().prop_map(move |m| m & machine),
            2 => proptest::sample::select(nodes.clone()).prop_map(|n| 1u64 << n),
            1 => (any::<u64>(), 0usize..64).prop_map(move |(m, extra)| (m & machine) | 1 << extra),
            1 => Just(0u64),
        ];
        let policy =
            proptest::sample::select(vec![PolicyName::BestEffort, PolicyName::Restricted, PolicyName::SingleNumaNode]);
        let providers = proptest::collection::vec(mask, 1..=6).prop_flat_map(|pool| {
            let resources = proptest::collection::btree_map("[a-c]", hint_list(pool), 0..=2);
            proptest::collection::vec(resources, 0..=3)
        });
        (Just(nodes), Just(distances), policy, providers)
            .prop_filter("at most 6 hint lists", |(_, _, _, providers)| {
                providers.iter().map(|p| p.len().max(1)).sum::<usize>() <= 6
            })
            .prop_map(|(nodes, distances, policy, providers)| Input { nodes, distances, policy, providers })
    })
}

fn policy_for(input: &Input) -> Policy {
    let numa =
        NumaInfo::new(&input.nodes, input.distances.as_ref().unwrap_or(&BTreeMap::new()), input.distances.is_some())
            .unwrap();
    let options =
        TopologyManagerOptions { prefer_closest_numa: input.distances.is_some(), max_allowable_numa_nodes: 64 };
    Policy::new(input.policy, numa, options)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn fast_merge_equals_cross_product(input in input()) {
        let policy = policy_for(&input);
        let fast = policy.merge(&input.providers).map_err(|e| e.kind());
        let reference = policy.merge_cross_product_reference(&input.providers).map_err(|e| e.kind());
        prop_assert_eq!(fast, reference);
    }

    #[test]
    fn merge_ignores_provider_order(input in input()) {
        let policy = policy_for(&input);
        let mut reversed = input.providers.clone();
        reversed.reverse();
        prop_assert_eq!(policy.merge(&input.providers), policy.merge(&reversed));
    }

    #[test]
    fn merging_lists_equals_merging_provider_maps(input in input()) {
        let policy = policy_for(&input);
        // A provider without resources stands for one list without a preference.
        let lists: Vec<Option<&[TopologyHint]>> = input
            .providers
            .iter()
            .flat_map(|provider| {
                let empty = provider.is_empty().then_some(None);
                empty.into_iter().chain(provider.values().map(|hints| hints.as_deref()))
            })
            .collect();
        prop_assert_eq!(policy.merge_lists(&lists), policy.merge(&input.providers));
    }
}

/// Providers as the kubelet's build them: every subset of some nodes that
/// could hold the request, preferred when it has the fewest nodes possible.
#[test]
fn fast_merge_equals_cross_product_on_provider_shaped_hints() {
    let nodes = [0, 1, 2, 3];
    let numa = NumaInfo::new(&nodes, &BTreeMap::new(), false).unwrap();
    for policy_name in [PolicyName::BestEffort, PolicyName::Restricted, PolicyName::SingleNumaNode] {
        let policy = Policy::new(policy_name, numa.clone(), TopologyManagerOptions::default());
        for (a, b, c) in [(1, 1, 1), (1, 2, 1), (2, 2, 3), (1, 3, 4), (4, 1, 2)] {
            let providers: Vec<ProviderHints> = [(a, "cpu"), (b, "memory"), (c, "gpu")]
                .into_iter()
                .map(|(min_width, resource)| {
                    let mut hints = Vec::new();
                    iterate_bit_masks(&nodes, |m| {
                        if m.count() >= min_width {
                            hints.push(TopologyHint::new(Some(m), m.count() == min_width));
                        }
                    })
                    .unwrap();
                    ProviderHints::from([(resource.to_owned(), Some(hints))])
                })
                .collect();
            assert_eq!(policy.merge(&providers), policy.merge_cross_product_reference(&providers));
        }
    }
}
