//! NUMA distances: the kernel's SLIT rows, per NUMA node.

use super::Error;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The distance rows of a machine's NUMA nodes, keyed by node id (the data of
/// upstream's `NUMAInfo{Nodes, NUMADistances}`).
///
/// Each row is kept in the order of its file, `/sys/devices/system/node/nodeN/distance`:
/// the kernel writes one entry per *online* node in ascending node id order,
/// so entry `j` of a row is the distance to the `j`-th node of [`nodes`](Self::nodes),
/// which is node id `j` only when node ids have no gaps. Upstream's topology
/// manager indexes rows by node id; the consumer decides what to do with gaps.
///
/// The JSON form maps each node id to its row: `{"0": [10, 21], "1": [21, 10]}`.
///
/// ```
/// use nodecore::topology::NumaDistances;
///
/// let distances: NumaDistances = serde_json::from_str(r#"{"0": [10, 21], "1": [21, 10]}"#).unwrap();
/// assert_eq!(distances.nodes().collect::<Vec<_>>(), [0, 1]);
/// assert_eq!(distances.row(1), Some(&[21, 10][..]));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NumaDistances {
    rows: BTreeMap<usize, Vec<u64>>,
}

impl NumaDistances {
    /// Distances from rows keyed by node id.
    pub fn new(rows: BTreeMap<usize, Vec<u64>>) -> Self {
        NumaDistances { rows }
    }

    /// The node ids, ascending.
    pub fn nodes(&self) -> impl Iterator<Item = usize> + '_ {
        self.rows.keys().copied()
    }

    /// The row of `node`, in its file's order, if the node is known.
    pub fn row(&self, node: usize) -> Option<&[u64]> {
        self.rows.get(&node).map(Vec::as_slice)
    }

    /// All rows, keyed by node id.
    pub fn rows(&self) -> &BTreeMap<usize, Vec<u64>> {
        &self.rows
    }

    /// The rows, keyed by node id, for a consumer that keeps them.
    pub fn into_rows(self) -> BTreeMap<usize, Vec<u64>> {
        self.rows
    }

    /// The number of nodes.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether no node is known (a machine without NUMA directories).
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// Parses one `distance` file the way cadvisor's `getDistances` reads it:
/// surrounding white space trimmed, fields separated by single spaces, each an
/// unsigned decimal integer. Anything else (an empty file, a doubled space, a
/// sign, a number over `u64`) is refused with the file's name and content.
pub(super) fn parse_row(path: &Path, text: &str) -> Result<Vec<u64>, Error> {
    let malformed = || Error::Malformed {
        path: path.to_owned(),
        text: text.to_owned(),
        expected: "NUMA distances: unsigned decimal integers separated by single spaces",
    };
    text.trim()
        .split(' ')
        .map(|field| {
            if field.is_empty() || !field.bytes().all(|b| b.is_ascii_digit()) {
                return Err(malformed());
            }
            field.parse::<u64>().map_err(|_| malformed())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_parse_as_cadvisor_reads_them() {
        let path = Path::new("node0/distance");
        assert_eq!(parse_row(path, "10 21 31\n").unwrap(), [10, 21, 31]);
        assert_eq!(parse_row(path, "  10\n").unwrap(), [10]);
        for bad in ["", "\n", "10  21", "10 x", "10 -1", "10 +1", "10\t21", "18446744073709551616"] {
            let err = parse_row(path, bad).unwrap_err();
            assert_eq!(err.kind(), "discovery");
            assert!(err.to_string().contains("node0/distance"), "{err}");
        }
    }

    #[test]
    fn json_form_maps_node_ids_to_rows() {
        let distances = NumaDistances::new(BTreeMap::from([(0, vec![10, 11]), (2, vec![11, 10])]));
        let text = serde_json::to_string(&distances).unwrap();
        assert_eq!(text, r#"{"0":[10,11],"2":[11,10]}"#);
        assert_eq!(serde_json::from_str::<NumaDistances>(&text).unwrap(), distances);
        assert_eq!(distances.nodes().collect::<Vec<_>>(), [0, 2]);
        assert_eq!(distances.row(1), None);
    }
}
