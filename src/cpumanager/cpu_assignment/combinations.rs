//! Upstream's `iterateCombinations`, and the Go slice-aliasing quirk that
//! changes what its callers remember.

/// What a visitor of [`for_each_combination`] does with a combination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Visit {
    /// Go on to the next combination.
    Skip,
    /// Remember this combination (upstream: store the slice the callback was
    /// given), then go on.
    Keep,
    /// Stop the iteration (upstream `Break`).
    Stop,
}

/// Visits every `k`-element combination of *positions* of `list`, in
/// lexicographic order, each as the list of its values (upstream
/// `iterateCombinations`; `list` may hold a value twice). Returns the
/// combination the visitor kept last, as the caller sees it after the
/// iteration.
///
/// # The Go slice-aliasing quirk
///
/// Upstream builds each combination by `append`ing to its parent prefix and
/// hands the slice itself to the callback, which stores it as "best". Go
/// slices share their backing array while capacity allows, so later
/// combinations overwrite the stored one: the remembered best NUMA
/// combination (and best remainder subset) of `takeByTopologyNUMADistributed`
/// can end up different from the one that scored best. Released kubelets
/// behave so; upstream PR #141238 ("Fix deep copy bestCombo in
/// takeByTopologyNUMADistributed") copies the slice instead.
///
/// With `go_slice_aliasing` set this function reproduces the quirk exactly,
/// here and nowhere else: appending one element at a time from an empty
/// slice, Go's capacity grows 0 → 1 → 2 → 4 → 8 → …, so a `k`-element
/// combination lives in the array allocated when its length reached
/// [`go_shared_prefix`]`(k)` = `m`. Every combination with the same first `m`
/// positions writes its elements `m..k` into that same array, so the kept
/// combination's elements `m..k` end up as those of the last combination
/// visited with the same `m`-position prefix (the one that stopped the
/// iteration included). Without the flag the kept combination is copied.
pub(super) fn for_each_combination(
    list: &[u32],
    k: usize,
    go_slice_aliasing: bool,
    mut visit: impl FnMut(&[u32]) -> Visit,
) -> Option<Vec<u32>> {
    if k == 0 || k > list.len() {
        return None;
    }
    let shared = go_shared_prefix(k);
    let mut positions: Vec<usize> = (0..k).collect();
    let mut values: Vec<u32> = positions.iter().map(|&p| list[p]).collect();
    // The kept combination and the positions it was built from.
    let mut kept: Option<(Vec<usize>, Vec<u32>)> = None;
    loop {
        if let (true, Some((kept_positions, kept_values))) = (go_slice_aliasing, &mut kept) {
            if kept_positions[..shared] == positions[..shared] {
                kept_values[shared..].copy_from_slice(&values[shared..]);
            }
        }
        match visit(&values) {
            Visit::Skip => {}
            Visit::Keep => kept = Some((positions.clone(), values.clone())),
            Visit::Stop => break,
        }
        // Advance to the next combination in lexicographic order.
        let Some(i) = (0..k).rev().find(|&i| positions[i] < list.len() - k + i) else { break };
        positions[i] += 1;
        for j in i + 1..k {
            positions[j] = positions[j - 1] + 1;
        }
        for j in i..k {
            values[j] = list[positions[j]];
        }
    }
    kept.map(|(_, values)| values)
}

/// The length a Go slice built by appending one element at a time to
/// `[]int{}` had when the backing array holding its `k`th element was
/// allocated: 1, 2, then one more than the largest power of two below `k`.
/// Exact for `k` up to 512, where Go's growth stops doubling; the
/// distributed search never gets that far.
pub(super) fn go_shared_prefix(k: usize) -> usize {
    if k <= 2 { k } else { (1 << (usize::BITS - 1 - (k - 1).leading_zeros())) + 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(list: &[u32], k: usize) -> Vec<Vec<u32>> {
        let mut seen = Vec::new();
        for_each_combination(list, k, false, |c| {
            seen.push(c.to_vec());
            Visit::Skip
        });
        seen
    }

    #[test]
    fn combinations_come_in_lexicographic_position_order() {
        assert_eq!(all(&[7, 8, 9], 2), [[7, 8], [7, 9], [8, 9]]);
        assert_eq!(all(&[5, 5, 6], 2), [[5, 5], [5, 6], [5, 6]]);
        assert_eq!(all(&[1, 2, 3, 4], 4), [[1, 2, 3, 4]]);
        assert_eq!(all(&[1, 2, 3, 4, 5, 6], 3).len(), 20);
        assert!(all(&[1, 2], 3).is_empty());
        assert!(all(&[1, 2], 0).is_empty());
    }

    #[test]
    fn shared_prefix_follows_go_capacity_doubling() {
        let got: Vec<usize> = (1..=18).map(go_shared_prefix).collect();
        assert_eq!(got, [1, 2, 3, 3, 5, 5, 5, 5, 9, 9, 9, 9, 9, 9, 9, 9, 17, 17]);
    }

    #[test]
    fn a_kept_combination_is_overwritten_by_later_ones_with_the_same_prefix() {
        // k = 4 shares the array allocated at length 3: [0,1,2,3] is kept,
        // then [0,1,2,4] and [0,1,2,5] write its last element.
        let list = [0, 1, 2, 3, 4, 5];
        let keep_first = |go| {
            let mut first = true;
            for_each_combination(&list, 4, go, |_| if std::mem::take(&mut first) { Visit::Keep } else { Visit::Skip })
        };
        assert_eq!(keep_first(true), Some(vec![0, 1, 2, 5]));
        assert_eq!(keep_first(false), Some(vec![0, 1, 2, 3]));
        // k = 3 (and 2, 5, 9, ...) own their array: nothing changes.
        let mut first = true;
        let kept =
            for_each_combination(
                &list,
                3,
                true,
                |_| if std::mem::take(&mut first) { Visit::Keep } else { Visit::Skip },
            );
        assert_eq!(kept, Some(vec![0, 1, 2]));
    }

    #[test]
    fn the_combination_that_stops_the_iteration_has_already_been_written() {
        let list = [0, 1, 2, 3, 4, 5];
        let mut n = 0;
        let kept = for_each_combination(&list, 4, true, |_| {
            n += 1;
            match n {
                1 => Visit::Keep,
                2 => Visit::Stop,
                _ => unreachable!("stopped"),
            }
        });
        assert_eq!(kept, Some(vec![0, 1, 2, 4]));
    }
}
