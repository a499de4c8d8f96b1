//! Topology hints (`nodecore::topologymanager::TopologyHint`) as plain
//! structs, and the hint lists providers answer with.
//!
//! A hint is a NUMA node mask and a preference. Hints travel in arrays: the
//! CPU manager writes its hints into a caller buffer, and a merge reads one
//! array of hints plus an array of `nodecore_hint_list` records, each naming
//! its hints by `(offset, len)` in that array.

use nodecore::topologymanager::bitmask::BitMask;
use nodecore::topologymanager::{ProviderHints, TopologyHint};

use crate::error::Error;
use crate::span::nodecore_span;

/// One placement a resource could have: on the NUMA nodes of `numa_mask`
/// (bit `i` is node `i`), or on any node when `any_node` is true (upstream's
/// nil affinity; `numa_mask` is then ignored). `preferred` marks a placement
/// among the best possible for the resource.
///
/// An empty mask with `any_node` false is a real (unsatisfiable) mask, as
/// upstream's empty bitmask is: it is not "any node".
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct nodecore_hint {
    pub numa_mask: u64,
    pub any_node: bool,
    pub preferred: bool,
}

impl From<nodecore_hint> for TopologyHint {
    fn from(hint: nodecore_hint) -> Self {
        let mask = (!hint.any_node).then(|| BitMask::from_u64(hint.numa_mask));
        TopologyHint::new(mask, hint.preferred)
    }
}

impl From<TopologyHint> for nodecore_hint {
    fn from(hint: TopologyHint) -> Self {
        nodecore_hint {
            numa_mask: hint.numa_node_affinity.map_or(0, BitMask::as_u64),
            any_node: hint.numa_node_affinity.is_none(),
            preferred: hint.preferred,
        }
    }
}

/// What one provider says about one resource (upstream's
/// `map[string][]TopologyHint` entry): the hints `offset .. offset + len`
/// of the hint array passed beside it, or, when `no_preference` is true, no
/// preference at all (`offset` and `len` ignored).
///
/// The three answers upstream tells apart stay apart: no preference (a
/// provider without an entry, or a resource mapped to nil), cannot be
/// satisfied (`len` 0 and `no_preference` false: an empty list), and hints.
/// A provider answering for several resources gives one list per resource;
/// the merge does not depend on the order of lists.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct nodecore_hint_list {
    pub offset: usize,
    pub len: usize,
    pub no_preference: bool,
}

/// The hints in the library's form, converted once for every list that
/// names them.
pub(crate) fn library_hints(hints: &[nodecore_hint]) -> Vec<TopologyHint> {
    hints.iter().map(|&hint| TopologyHint::from(hint)).collect()
}

/// Each list as the library merges it (`Policy::merge_lists`): its hints,
/// a span of `hints` (the caller's array in the library's form), or `None`
/// for no preference.
pub(crate) fn merge_lists<'a>(
    hints: &'a [TopologyHint],
    lists: &[nodecore_hint_list],
) -> Result<Vec<Option<&'a [TopologyHint]>>, Error> {
    lists
        .iter()
        .enumerate()
        .map(|(index, list)| {
            if list.no_preference {
                return Ok(None);
            }
            let span = nodecore_span { offset: list.offset, len: list.len };
            span.of(hints, format_args!("hint list {index}")).map(Some)
        })
        .collect()
}

/// A provider's answer as one hint list written into `(buf, cap)`: the
/// hints of its only resource, or `no_preference` for an empty answer.
pub(crate) fn from_provider(provider: &ProviderHints) -> (Vec<nodecore_hint>, bool) {
    match provider.values().next() {
        None | Some(None) => (Vec::new(), true),
        Some(Some(hints)) => (hints.iter().map(|&hint| nodecore_hint::from(hint)).collect(), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hints_round_trip_and_keep_any_node_apart_from_empty() {
        let any = nodecore_hint { numa_mask: 0b11, any_node: true, preferred: true };
        assert_eq!(TopologyHint::from(any), TopologyHint::new(None, true));
        let empty = nodecore_hint { numa_mask: 0, any_node: false, preferred: false };
        assert_eq!(TopologyHint::from(empty), TopologyHint::new(Some(BitMask::empty()), false));
        let node1 = nodecore_hint { numa_mask: 0b10, any_node: false, preferred: true };
        assert_eq!(nodecore_hint::from(TopologyHint::from(node1)), node1);
        assert_eq!(
            nodecore_hint::from(TopologyHint::new(None, true)),
            nodecore_hint { any_node: true, ..node1 }.with_mask(0)
        );
    }

    #[test]
    fn providers_answers_become_one_list() {
        let hint = TopologyHint::new(Some(BitMask::from_u64(1)), true);
        assert_eq!(from_provider(&ProviderHints::new()), (vec![], true));
        assert_eq!(from_provider(&ProviderHints::from([("cpu".to_owned(), None)])), (vec![], true));
        assert_eq!(from_provider(&ProviderHints::from([("cpu".to_owned(), Some(vec![]))])), (vec![], false));
        let answer = ProviderHints::from([("cpu".to_owned(), Some(vec![hint]))]);
        assert_eq!(from_provider(&answer), (vec![nodecore_hint::from(hint)], false));
    }

    #[test]
    fn lists_tell_no_preference_from_cannot_satisfy() {
        let hints = library_hints(&[nodecore_hint { numa_mask: 1, any_node: false, preferred: true }]);
        let lists = [
            nodecore_hint_list { offset: 9, len: 9, no_preference: true },
            nodecore_hint_list { offset: 0, len: 0, no_preference: false },
            nodecore_hint_list { offset: 0, len: 1, no_preference: false },
        ];
        let merged = merge_lists(&hints, &lists).unwrap();
        assert_eq!(merged, [None, Some(&[][..]), Some(&hints[..])]);
        let past = [lists[2], nodecore_hint_list { offset: 1, len: 1, no_preference: false }];
        assert!(merge_lists(&hints, &past).unwrap_err().message.starts_with("hint list 1: "));
    }

    impl nodecore_hint {
        fn with_mask(self, numa_mask: u64) -> Self {
            nodecore_hint { numa_mask, ..self }
        }
    }
}
