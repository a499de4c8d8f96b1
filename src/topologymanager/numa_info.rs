//! The machine's NUMA nodes and distances as the topology manager sees them
//! (upstream `NUMAInfo`).

use super::Error;
use super::bitmask::{BitMask, MAX_BITS};
use std::collections::BTreeMap;

/// How an entry of a NUMA distance row is matched to a node.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum DistanceIndexing {
    /// Entry `j` is the distance to node id `j`: upstream's reading.
    #[default]
    NodeId,
    /// Entry `k` is the distance to the `k`-th node in ascending id order,
    /// as Linux prints `/sys/devices/system/node/node<N>/distance`. The same
    /// as [`DistanceIndexing::NodeId`] when node ids are `0..n`; on machines
    /// with sparse node ids it reads the distances Linux means, where
    /// upstream reads wrong entries or fails.
    Position,
}

/// The NUMA node ids of the machine and, when `prefer-closest-numa-nodes` is
/// on, each node's distance row.
///
/// Built from what the topology module reads from sysfs: the node ids and,
/// per node id, its `distance` row. Upstream indexes a row by node *id*
/// (`distances[i][j]` is read as the distance from node `i` to node `j`),
/// while Linux prints one entry per online node; the two agree when node ids
/// are `0..n`, which is every machine upstream was tested on. This type keeps
/// upstream's indexing, and where upstream would index past the end of a row
/// (and panic) a merge returns [`Error::ShortDistanceRow`] instead;
/// [`NumaInfo::with_distance_indexing`] offers the reading by position.
///
/// ```
/// use nodecore::topologymanager::NumaInfo;
/// use nodecore::topologymanager::bitmask::BitMask;
/// use std::collections::BTreeMap;
///
/// let rows = BTreeMap::from([(0, vec![10, 11]), (1, vec![11, 10])]);
/// let numa = NumaInfo::new(&[0, 1], &rows, true).unwrap();
/// assert_eq!(numa.default_affinity_mask().get_bits(), [0, 1]);
/// assert_eq!(numa.average_distance(BitMask::new([0, 1]).unwrap()).unwrap(), 10.5);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct NumaInfo {
    nodes: Vec<usize>,
    default_affinity: BitMask,
    /// Row per node id; empty when distances were not loaded.
    distances: BTreeMap<usize, Vec<u64>>,
}

impl NumaInfo {
    /// Upstream's `NewNUMAInfo`: the node ids in the order given (the
    /// machine's order), and their distance rows only when `load_distances`
    /// (upstream loads them only for `prefer-closest-numa-nodes`).
    ///
    /// Refuses, when loading distances, a node without a row (upstream's
    /// error), then a node id above 63 (where upstream makes a nil mask and
    /// panics later).
    pub fn new(nodes: &[usize], distances: &BTreeMap<usize, Vec<u64>>, load_distances: bool) -> Result<Self, Error> {
        let mut rows = BTreeMap::new();
        if load_distances {
            for &node in nodes {
                let row = distances.get(&node).ok_or(Error::MissingDistances { node })?;
                rows.insert(node, row.clone());
            }
        }
        let mut default_affinity = BitMask::empty();
        for &node in nodes {
            if node >= MAX_BITS {
                return Err(Error::NumaNodeOutOfRange(node));
            }
            default_affinity = BitMask::from_u64(default_affinity.as_u64() | 1 << node);
        }
        Ok(NumaInfo { nodes: nodes.to_vec(), default_affinity, distances: rows })
    }

    /// The same machine with its distance rows read by `indexing`.
    ///
    /// Reading by position refuses a row with fewer entries than the
    /// machine has nodes ([`Error::ShortDistanceRow`]).
    pub fn with_distance_indexing(mut self, indexing: DistanceIndexing) -> Result<Self, Error> {
        if indexing == DistanceIndexing::NodeId {
            return Ok(self);
        }
        let mut ids = self.nodes.clone();
        ids.sort_unstable();
        ids.dedup();
        let width = ids.last().map_or(0, |&max| max + 1);
        for (&node, row) in self.distances.iter_mut() {
            if row.len() < ids.len() {
                return Err(Error::ShortDistanceRow { node, len: row.len(), to: ids[row.len()] });
            }
            // Entries for ids the machine lacks are never read: merged masks
            // hold only the machine's nodes.
            let mut by_id = vec![0; width];
            for (&id, &distance) in ids.iter().zip(row.iter()) {
                by_id[id] = distance;
            }
            *row = by_id;
        }
        Ok(self)
    }

    /// The node ids, in the machine's order.
    pub fn nodes(&self) -> &[usize] {
        &self.nodes
    }

    /// The mask of every node (upstream `DefaultAffinityMask`): the affinity
    /// a merge falls back to.
    pub fn default_affinity_mask(&self) -> BitMask {
        self.default_affinity
    }

    /// Upstream's `Narrowest`: `m1` if it is narrower than `m2`, else `m2`.
    pub fn narrowest(&self, m1: BitMask, m2: BitMask) -> BitMask {
        if m1.is_narrower_than(&m2) { m1 } else { m2 }
    }

    /// Upstream's `Closest`: the narrower mask when the counts differ,
    /// otherwise the one with the smaller average distance, and on equal
    /// averages the smaller integer.
    pub fn closest(&self, m1: BitMask, m2: BitMask) -> Result<BitMask, Error> {
        if m1.count() != m2.count() {
            return Ok(self.narrowest(m1, m2));
        }
        let (d1, d2) = (self.average_distance(m1)?, self.average_distance(m2)?);
        Ok(if d1 == d2 {
            if m1.is_less_than(m2) { m1 } else { m2 }
        } else if d1 < d2 {
            m1
        } else {
            m2
        })
    }

    /// Upstream's `CalculateAverageFor`: the mean of `distance[i][j]` over
    /// every ordered pair of nodes of `mask`, the diagonal included, summed
    /// as `f64` in ascending `(i, j)` order exactly as the kubelet does, so
    /// that equal and nearly equal averages compare the same way. 0 for an
    /// empty mask.
    ///
    /// A node of `mask` without a loaded row is reported as
    /// [`Error::MissingDistances`], an index past the end of a row as
    /// [`Error::ShortDistanceRow`].
    pub fn average_distance(&self, mask: BitMask) -> Result<f64, Error> {
        if mask.is_empty() {
            return Ok(0.0);
        }
        let (mut sum, mut count) = (0.0_f64, 0.0_f64);
        for i in mask {
            let row = self.distances.get(&i).ok_or(Error::MissingDistances { node: i })?;
            for j in mask {
                let distance = row.get(j).ok_or(Error::ShortDistanceRow { node: i, len: row.len(), to: j })?;
                sum += *distance as f64;
                count += 1.0;
            }
        }
        Ok(sum / count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(bits: &[usize]) -> BitMask {
        BitMask::new(bits.iter().copied()).unwrap()
    }

    fn numa(rows: &[&[u64]]) -> NumaInfo {
        let nodes: Vec<usize> = (0..rows.len()).collect();
        let rows = nodes.iter().map(|&n| (n, rows[n].to_vec())).collect();
        NumaInfo::new(&nodes, &rows, true).unwrap()
    }

    const FOUR: &[&[u64]] = &[&[10, 11, 12, 12], &[11, 10, 12, 12], &[12, 12, 10, 11], &[12, 12, 11, 10]];

    #[test]
    fn average_distance_follows_upstream_table() {
        assert_eq!(numa(&[&[10]]).average_distance(mask(&[0])).unwrap(), 10.0);
        assert_eq!(numa(&[&[10, 11], &[11, 10]]).average_distance(mask(&[0])).unwrap(), 10.0);
        assert_eq!(numa(&[&[10, 11], &[11, 10]]).average_distance(mask(&[0, 1])).unwrap(), 10.5);
        assert_eq!(numa(FOUR).average_distance(mask(&[0, 2])).unwrap(), 11.0);
        assert_eq!(numa(FOUR).average_distance(mask(&[0, 2, 3])).unwrap(), 11.11111111111111);
        assert_eq!(numa(&[]).average_distance(mask(&[])).unwrap(), 0.0);
    }

    #[test]
    fn closest_follows_upstream_table() {
        // Upstream calls Closest(candidate, current); the winner is the same either way round.
        let flat3: &[&[u64]] = &[&[10, 10, 10], &[10, 10, 10], &[10, 10, 10]];
        let flat4: &[&[u64]] = &[&[10; 4], &[10; 4], &[10; 4], &[10; 4]];
        for (info, current, candidate, winner) in [
            (numa(FOUR), mask(&[0]), mask(&[0, 2]), mask(&[0])),
            (numa(flat3), mask(&[0, 1]), mask(&[0, 2]), mask(&[0, 1])),
            (numa(flat4), mask(&[0, 3]), mask(&[0, 2]), mask(&[0, 2])),
            (numa(FOUR), mask(&[0, 3]), mask(&[0, 1]), mask(&[0, 1])),
            (numa(FOUR), mask(&[2, 3]), mask(&[0, 3]), mask(&[2, 3])),
        ] {
            assert_eq!(info.closest(candidate, current).unwrap(), winner);
            assert_eq!(info.closest(current, candidate).unwrap(), winner);
        }
    }

    #[test]
    fn asymmetric_rows_count_both_directions() {
        let info = numa(&[&[10, 11], &[13, 10]]);
        assert_eq!(info.average_distance(mask(&[0, 1])).unwrap(), 11.0);
    }

    #[test]
    fn refusals() {
        let rows = BTreeMap::from([(0, vec![10, 11])]);
        assert_eq!(NumaInfo::new(&[0, 1], &rows, true), Err(Error::MissingDistances { node: 1 }));
        assert!(NumaInfo::new(&[0, 1], &rows, false).is_ok());
        assert_eq!(NumaInfo::new(&[0, 64], &rows, false), Err(Error::NumaNodeOutOfRange(64)));
        let sparse = BTreeMap::from([(0, vec![10, 20]), (2, vec![20, 10])]);
        let info = NumaInfo::new(&[0, 2], &sparse, true).unwrap();
        assert_eq!(info.average_distance(mask(&[0])).unwrap(), 10.0);
        assert_eq!(info.average_distance(mask(&[0, 2])), Err(Error::ShortDistanceRow { node: 0, len: 2, to: 2 }));
        let by_position = info.clone().with_distance_indexing(DistanceIndexing::Position).unwrap();
        assert_eq!(by_position.average_distance(mask(&[0, 2])).unwrap(), 15.0);
        assert_eq!(by_position.average_distance(mask(&[2])).unwrap(), 10.0);
        assert_eq!(info.clone().with_distance_indexing(DistanceIndexing::NodeId).unwrap(), info);
        let short = BTreeMap::from([(0, vec![10, 20]), (2, vec![20])]);
        let err = NumaInfo::new(&[0, 2], &short, true).unwrap().with_distance_indexing(DistanceIndexing::Position);
        assert_eq!(err, Err(Error::ShortDistanceRow { node: 2, len: 1, to: 2 }));
    }
}
