//! `nodecore topology`: the CPU topology the kubelet sees, as a summary for
//! people or as JSON.
//!
//! The JSON form is the shared `{"cpus": [...]}` topology plus the declared
//! counters and, when known, the NUMA distances; `--from` reads it back.

use nodecore::topology::{self, CpuDetails, CpuTopology, NumaDistances};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::path::Path;
use std::process::ExitCode;

/// A topology to show, where it came from, and its NUMA distances.
pub struct Machine {
    /// `sysfs`, `hwloc`, a file name or a topology name.
    pub source: String,
    pub topology: CpuTopology,
    /// The distance rows, or why they are not known.
    pub distances: Result<NumaDistances, String>,
}

impl Machine {
    /// This machine, from sysfs or (with the `hwloc` feature) hwloc; the
    /// distances always come from sysfs.
    pub fn discover(hwloc: bool) -> Result<Machine, String> {
        let (source, topology) = if hwloc {
            ("hwloc", discover_with_hwloc()?)
        } else {
            ("sysfs", topology::discover().map_err(|err| err.to_string())?)
        };
        let distances = topology::numa_distances().map_err(|err| err.to_string());
        Ok(Machine { source: source.to_owned(), topology, distances })
    }

    /// A topology from a JSON file (`-` for standard input) in the form
    /// `--json` prints or the shared `{"cpus": [...]}` form, or one of the
    /// named test topologies.
    pub fn load(from: &str) -> Result<Machine, String> {
        let text = if from == "-" {
            let mut text = String::new();
            io::stdin().read_to_string(&mut text).map_err(|err| format!("standard input: {err}"))?;
            Some(text)
        } else if Path::new(from).exists() {
            Some(std::fs::read_to_string(from).map_err(|err| format!("{from}: {err}"))?)
        } else {
            None
        };
        let Some(text) = text else {
            let topology = topology::named(from).map_err(|_| {
                let names: Vec<&str> = topology::names().collect();
                format!("{from:?} is neither a file nor a topology name; names: {}", names.join(", "))
            })?;
            let distances = Err("not known for a named topology".to_owned());
            return Ok(Machine { source: format!("named topology {from}"), topology, distances });
        };
        let value: Value = serde_json::from_str(&text).map_err(|err| format!("{from}: invalid JSON: {err}"))?;
        let mut topology = CpuTopology::from_json_value(&value).map_err(|err| format!("{from}: {err}"))?;
        for (key, counter) in [
            ("num_cpus", &mut topology.num_cpus),
            ("num_cores", &mut topology.num_cores),
            ("num_sockets", &mut topology.num_sockets),
            ("num_numa_nodes", &mut topology.num_numa_nodes),
            ("num_uncore_caches", &mut topology.num_uncore_caches),
        ] {
            if let Some(declared) = value.get(key) {
                let declared = declared.as_u64().and_then(|n| usize::try_from(n).ok());
                *counter = declared.ok_or_else(|| format!("{from}: {key} is not a non-negative integer"))?;
            }
        }
        let distances = match value.get("distances") {
            Some(rows) => Ok(serde_json::from_value(rows.clone()).map_err(|err| format!("{from}: distances: {err}"))?),
            None => Err("not in the file".to_owned()),
        };
        let source = if from == "-" { "standard input" } else { from };
        Ok(Machine { source: source.to_owned(), topology, distances })
    }
}

#[cfg(feature = "hwloc")]
fn discover_with_hwloc() -> Result<CpuTopology, String> {
    topology::discover_with_hwloc().map_err(|err| err.to_string())
}

#[cfg(not(feature = "hwloc"))]
fn discover_with_hwloc() -> Result<CpuTopology, String> {
    Err("this nodecore was built without hwloc; build it with `--features hwloc`".to_owned())
}

pub fn run(json: bool, from: Option<&str>, hwloc: bool) -> io::Result<ExitCode> {
    let machine = match from {
        Some(from) => Machine::load(from),
        None => Machine::discover(hwloc),
    };
    let machine = machine.map_err(io::Error::other)?;
    let mut out = io::stdout().lock();
    if json {
        write_json(&mut out, &machine)?;
    } else {
        render(&mut out, &machine)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Writes the JSON form, one CPU row per line: the shared `{"cpus": [...]}`
/// form, the declared counters, and the NUMA node ids and distance rows when
/// known.
pub fn write_json(out: &mut impl Write, machine: &Machine) -> io::Result<()> {
    let t = &machine.topology;
    let rows = t.to_json().cpus;
    writeln!(out, "{{\n  \"cpus\": [")?;
    for (i, row) in rows.iter().enumerate() {
        let comma = if i + 1 == rows.len() { "" } else { "," };
        writeln!(out, "    {}{comma}", serde_json::to_string(row).map_err(io::Error::other)?)?;
    }
    writeln!(out, "  ],")?;
    let mut fields = vec![
        ("num_cpus", json!(t.num_cpus)),
        ("num_cores", json!(t.num_cores)),
        ("num_sockets", json!(t.num_sockets)),
        ("num_numa_nodes", json!(t.num_numa_nodes)),
        ("num_uncore_caches", json!(t.num_uncore_caches)),
    ];
    if let Ok(distances) = &machine.distances {
        fields.push(("numa_nodes", json!(distances.nodes().collect::<Vec<_>>())));
        fields.push(("distances", json!(distances)));
    }
    for (i, (key, value)) in fields.iter().enumerate() {
        let comma = if i + 1 == fields.len() { "" } else { "," };
        writeln!(out, "  \"{key}\": {value}{comma}")?;
    }
    writeln!(out, "}}")
}

/// The summary for people: counters, the nesting the CPU manager uses
/// (NUMA-first or socket-first) down to cores and their threads, and the
/// distances.
pub fn render(out: &mut impl Write, machine: &Machine) -> io::Result<()> {
    let t = &machine.topology;
    let d = &t.details;
    let plural = |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    writeln!(out, "Topology ({})", machine.source)?;
    writeln!(
        out,
        "  {}, {}, {}, {}, {}",
        plural(t.num_cpus, "CPU", "CPUs"),
        plural(t.num_cores, "core", "cores"),
        plural(t.num_sockets, "socket", "sockets"),
        plural(t.num_numa_nodes, "NUMA node", "NUMA nodes"),
        plural(t.num_uncore_caches, "uncore cache", "uncore caches"),
    )?;
    writeln!(
        out,
        "  CPUs per core {}, per socket {}, per uncore cache {}",
        t.cpus_per_core(),
        t.cpus_per_socket(),
        t.cpus_per_uncore()
    )?;
    if t.num_cpus != d.len() {
        writeln!(out, "  the kubelet's NumCPUs counts CPUs it cannot use: it can use {} ({})", d.len(), t.cpus())?;
    }
    let (outer, inner) = if t.numa_first() {
        writeln!(out, "  NUMA-first: NUMA nodes are the larger unit (sockets >= NUMA nodes)")?;
        (Level::Numa, Level::Socket)
    } else {
        writeln!(out, "  socket-first: a socket holds several NUMA nodes")?;
        (Level::Socket, Level::Numa)
    };
    writeln!(out, "  cores as [threads]; a core's id is its first thread")?;
    for a in outer.ids(d).iter() {
        let in_a = d.keep_only(&outer.cpus(d, a));
        writeln!(out, "  {} {a}: CPUs {}", outer.name(), in_a.cpus())?;
        for b in inner.ids(&in_a).iter() {
            let in_b = in_a.keep_only(&inner.cpus(&in_a, b));
            writeln!(out, "    {} {b}: CPUs {}", inner.name(), in_b.cpus())?;
            for uncore in in_b.uncore_caches().iter() {
                let uncore_ids = [uncore].into_iter().collect();
                let in_uncore = in_b.keep_only(&in_b.cpus_in_uncore_caches(&uncore_ids));
                let whole = d.cpus_in_uncore_caches(&uncore_ids);
                let spans = if whole == in_uncore.cpus() { String::new() } else { format!(" (of {whole})") };
                writeln!(out, "      uncore cache {uncore}: CPUs {}{spans}", in_uncore.cpus())?;
                write_cores(out, &in_uncore)?;
            }
        }
    }
    match &machine.distances {
        Ok(distances) if !distances.is_empty() => write_distances(out, distances),
        Ok(_) => writeln!(out, "  NUMA distances: none (no NUMA nodes in sysfs)"),
        Err(why) => writeln!(out, "  NUMA distances: {why}"),
    }
}

/// The cores of `details` as `[threads]`, wrapped.
fn write_cores(out: &mut impl Write, details: &CpuDetails) -> io::Result<()> {
    const INDENT: &str = "        ";
    let mut line = String::new();
    for core in details.cores().iter() {
        let threads = details.cpus_in_cores(&[core].into_iter().collect());
        let item = format!("[{}]", threads.iter().map(|cpu| cpu.to_string()).collect::<Vec<_>>().join(" "));
        if !line.is_empty() && INDENT.len() + line.len() + 1 + item.len() > 100 {
            writeln!(out, "{INDENT}{line}")?;
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&item);
    }
    if !line.is_empty() {
        writeln!(out, "{INDENT}{line}")?;
    }
    Ok(())
}

fn write_distances(out: &mut impl Write, distances: &NumaDistances) -> io::Result<()> {
    let nodes: Vec<usize> = distances.nodes().collect();
    let width = distances.rows().values().flatten().map(|d| d.to_string().len()).max().unwrap_or(0).max(6);
    let mut header = format!("  NUMA distances\n    {:9}", "");
    for node in &nodes {
        write!(header, " {:>width$}", format!("node {node}")).expect("writing to a String");
    }
    writeln!(out, "{header}")?;
    for (node, row) in distances.rows() {
        let cells: String = row.iter().map(|d| format!(" {d:>width$}")).collect();
        writeln!(out, "    {:9}{cells}", format!("node {node}"))?;
    }
    Ok(())
}

/// The two outer levels of the summary, in the order the CPU manager nests
/// them.
#[derive(Clone, Copy)]
enum Level {
    Numa,
    Socket,
}

impl Level {
    fn name(self) -> &'static str {
        match self {
            Level::Numa => "NUMA node",
            Level::Socket => "socket",
        }
    }

    fn ids(self, details: &CpuDetails) -> nodecore::cpuset::CpuSet {
        match self {
            Level::Numa => details.numa_nodes(),
            Level::Socket => details.sockets(),
        }
    }

    fn cpus(self, details: &CpuDetails, id: usize) -> nodecore::cpuset::CpuSet {
        let ids = [id].into_iter().collect();
        match self {
            Level::Numa => details.cpus_in_numa_nodes(&ids),
            Level::Socket => details.cpus_in_sockets(&ids),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(machine: &Machine) -> String {
        let mut out = Vec::new();
        render(&mut out, machine).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn socket_first_machines_nest_numa_nodes_in_sockets() {
        let machine = Machine::load("dual-socket-multi-numa-per-socket-ht").unwrap();
        let shown = text(&machine);
        assert!(shown.starts_with("Topology (named topology dual-socket-multi-numa-per-socket-ht)\n"), "{shown}");
        assert!(shown.contains("  80 CPUs, 40 cores, 2 sockets, 4 NUMA nodes, 1 uncore cache\n"), "{shown}");
        assert!(shown.contains("socket-first"), "{shown}");
        let socket1 = shown.find("  socket 1: CPUs 20-39,60-79\n").expect("socket 1 is shown");
        let node2 = shown.find("    NUMA node 2: CPUs 20-29,60-69\n").expect("NUMA node 2 is shown");
        assert!(socket1 < node2);
        assert!(shown.contains("        [20 60] [21 61]"), "{shown}");
        assert!(shown.contains("      uncore cache 0: CPUs 0-9,40-49 (of 0-79)\n"), "{shown}");
    }

    #[test]
    fn numa_first_machines_show_distances_and_unusable_cpus() {
        let mut machine = Machine::load("dual-socket-ht").unwrap();
        machine.topology.num_cpus = 14;
        machine.distances = Ok(serde_json::from_str(r#"{"0": [10, 21], "1": [21, 10]}"#).unwrap());
        let shown = text(&machine);
        assert!(shown.contains("NUMA-first"), "{shown}");
        assert!(shown.contains("it can use 12 (0-11)"), "{shown}");
        assert!(shown.contains("  NUMA node 1: CPUs 1,3,5,7,9,11\n    socket 1: CPUs 1,3,5,7,9,11\n"), "{shown}");
        assert!(shown.contains("    node 0        10     21\n    node 1        21     10\n"), "{shown}");
    }

    #[test]
    fn json_reads_back_with_its_counters_and_distances() {
        let mut machine = Machine::load("single-socket-ht").unwrap();
        machine.topology.num_cpus = 9;
        machine.distances = Ok(serde_json::from_str(r#"{"0": [10]}"#).unwrap());
        let mut out = Vec::new();
        write_json(&mut out, &machine).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("{\n  \"cpus\": [\n    {\"cpu\":0,\"core\":0,\"socket\":0,\"numa\":0,\"uncore\":0},\n"),
            "{text}"
        );
        assert!(text.ends_with("  \"numa_nodes\": [0],\n  \"distances\": {\"0\":[10]}\n}\n"), "{text}");

        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), &text).unwrap();
        let back = Machine::load(file.path().to_str().unwrap()).unwrap();
        assert_eq!(back.topology, machine.topology);
        assert_eq!(back.distances, machine.distances);

        std::fs::write(file.path(), r#"{"cpus": [], "num_cpus": -1}"#).unwrap();
        assert!(Machine::load(file.path().to_str().unwrap()).is_err());
        let err = Machine::load("no-such-machine").err().unwrap();
        assert!(err.contains("dual-socket-ht"), "{err}");
    }
}
