//! The JSON form of a topology, shared by the case files, the CLI and the
//! bindings: `{"cpus": [{"cpu": 0, "core": 0, "socket": 0, "numa": 0,
//! "uncore": 0}, ...]}`, or the name of one of the machines in the project's
//! `topologies.json` (the kubelet's named test topologies).

use super::{CpuInfo, CpuTopology, Error};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The topologies of upstream's CPU manager tests, plus a few research
/// machines, by name. Embedded so that a case naming one runs anywhere.
const NAMED_TOPOLOGIES: &str = include_str!("../../tests/vectors/topologies.json");

/// One row of the JSON form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CpuRow {
    /// Logical CPU id.
    pub cpu: usize,
    /// Core id (the lowest thread id of the core).
    pub core: usize,
    /// Socket id.
    pub socket: usize,
    /// NUMA node id.
    pub numa: usize,
    /// Uncore cache id (the socket id when the machine reports none).
    pub uncore: usize,
}

/// The JSON form of a topology: its rows, in any order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopologyJson {
    /// One row per logical CPU.
    pub cpus: Vec<CpuRow>,
}

impl TopologyJson {
    /// Builds the topology, deriving the counters from the rows.
    pub fn to_topology(&self) -> Result<CpuTopology, Error> {
        CpuTopology::from_cpus(self.cpus.iter().map(|row| {
            let info = CpuInfo { core: row.core, socket: row.socket, numa: row.numa, uncore: row.uncore };
            (row.cpu, info)
        }))
    }
}

impl From<&CpuTopology> for TopologyJson {
    fn from(topology: &CpuTopology) -> Self {
        let cpus = topology
            .details
            .iter()
            .map(|(cpu, info)| CpuRow {
                cpu,
                core: info.core,
                socket: info.socket,
                numa: info.numa,
                uncore: info.uncore,
            })
            .collect();
        TopologyJson { cpus }
    }
}

impl CpuTopology {
    /// Reads a topology from its JSON text.
    pub fn from_json(text: &str) -> Result<Self, Error> {
        serde_json::from_str::<TopologyJson>(text)?.to_topology()
    }

    /// Reads a topology from a JSON value: a name (see [`named`]) or the
    /// `{"cpus": [...]}` form.
    pub fn from_json_value(value: &serde_json::Value) -> Result<Self, Error> {
        match value {
            serde_json::Value::String(name) => named(name),
            other => TopologyJson::deserialize(other)?.to_topology(),
        }
    }

    /// The JSON form of this topology.
    pub fn to_json(&self) -> TopologyJson {
        TopologyJson::from(self)
    }
}

/// One of the named test topologies, e.g. `"dual-socket-ht"` (upstream's
/// `topoDualSocketHT`) or `"quad-socket-four-way-ht"`.
pub fn named(name: &str) -> Result<CpuTopology, Error> {
    named_topologies().get(name).ok_or_else(|| Error::UnknownName(name.to_owned()))?.to_topology()
}

/// The names [`named`] knows, in ascending order.
pub fn names() -> impl Iterator<Item = &'static str> {
    named_topologies().keys().map(String::as_str)
}

fn named_topologies() -> &'static BTreeMap<String, TopologyJson> {
    /// An entry of `topologies.json`; its other fields (upstream name, notes)
    /// are documentation.
    #[derive(Deserialize)]
    struct Entry {
        cpus: Vec<CpuRow>,
    }
    static NAMED: OnceLock<BTreeMap<String, TopologyJson>> = OnceLock::new();
    NAMED.get_or_init(|| {
        let entries: BTreeMap<String, Entry> =
            serde_json::from_str(NAMED_TOPOLOGIES).expect("the embedded topologies.json is valid");
        entries.into_iter().map(|(name, entry)| (name, TopologyJson { cpus: entry.cpus })).collect()
    })
}
