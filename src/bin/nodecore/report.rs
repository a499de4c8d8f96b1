//! `nodecore report`: this node as the kubelet would see it, one section per
//! module — topology, cgroups, eviction signals, PIDs and a preview of the
//! CPU manager — for people, or as one JSON object with `--json`.
//!
//! A section that cannot be read says why and the others still show; the
//! exit status is then 1.

mod cgroups;
mod eviction;
mod pids;
mod preview;

use super::style::{self, Section};
use super::topology::{self, Machine};
use nodecore::cgroups::Driver;
use serde_json::{Value, json};
use std::io::{self, Write};
use std::process::ExitCode;

pub const EXAMPLE: &str = "\
Examples:
  nodecore report                  sections for people (colour on a terminal; NO_COLOR turns it off)
  nodecore report --json | jq .pids.max

The JSON object has one key per section: topology (cpus, cores, sockets, numa_nodes, ...),
cgroups (mode: \"v1\", \"hybrid\" or \"v2\", controllers, kubepods, driver), eviction
(signals.<signal>.available, capacity, threshold, fires), pids (max, running, top) and
preview (requests: what a Guaranteed container of 1, 2 and 4 CPUs would get). A section
that cannot be read is {\"error\": message}.

Exit status: 0 when every section was read, 1 when some could not be.";

/// Everything the report shows, each section read once.
struct Report {
    machine: Result<Machine, String>,
    cgroups: Result<cgroups::Cgroups, String>,
    eviction: Result<eviction::Eviction, String>,
    pids: pids::Pids,
    preview: Result<preview::Preview, String>,
}

impl Report {
    fn observe() -> Report {
        let machine = Machine::discover(false);
        let cgroups = cgroups::Cgroups::observe();
        let pods_driver = match &cgroups {
            Ok(cgroups) => cgroups.kubepods.as_ref().map_or(cgroups.driver.0, |kubepods| kubepods.driver),
            Err(_) => Driver::Cgroupfs,
        };
        let eviction = eviction::Eviction::observe(pods_driver);
        let pids = pids::Pids::observe(cgroups.as_ref().ok().map(|cgroups| &cgroups.host));
        let preview = match &machine {
            Ok(machine) => preview::Preview::new(machine),
            Err(_) => Err("no topology to allocate on".to_owned()),
        };
        Report { machine, cgroups, eviction, pids, preview }
    }

    fn complete(&self) -> bool {
        self.machine.is_ok() && self.cgroups.is_ok() && self.eviction.is_ok() && self.preview.is_ok()
    }

    fn to_json(&self) -> Value {
        fn or_error<T>(section: &Result<T, String>, to_json: impl Fn(&T) -> Value) -> Value {
            match section {
                Ok(section) => to_json(section),
                Err(err) => json!({"error": err}),
            }
        }
        json!({
            "topology": or_error(&self.machine, topology_json),
            "cgroups": or_error(&self.cgroups, cgroups::Cgroups::to_json),
            "eviction": or_error(&self.eviction, eviction::Eviction::to_json),
            "pids": self.pids.to_json(),
            "preview": or_error(&self.preview, preview::Preview::to_json),
        })
    }

    fn write(&self, out: &mut impl Write) -> io::Result<()> {
        match &self.machine {
            Ok(machine) => write_topology(out, machine)?,
            Err(err) => failed("Topology", err).write(out)?,
        }
        let sections = [
            self.cgroups.as_ref().map(cgroups::Cgroups::section).map_err(|err| failed("Cgroups", err)),
            self.eviction.as_ref().map(eviction::Eviction::section).map_err(|err| failed("Eviction signals", err)),
            Ok(self.pids.section()),
            self.preview.as_ref().map(preview::Preview::section).map_err(|err| failed("Preview", err)),
        ];
        for section in sections {
            writeln!(out)?;
            section.unwrap_or_else(|failed| failed).write(out)?;
        }
        Ok(())
    }
}

/// A section that could not be read.
fn failed(title: &str, err: &str) -> Section {
    let mut section = Section::new(title);
    section.text(style::bad(format!("could not be read: {err}")));
    section
}

/// The topology summary of `nodecore topology`, its first line as a heading.
fn write_topology(out: &mut impl Write, machine: &Machine) -> io::Result<()> {
    let mut text = Vec::new();
    topology::render(&mut text, machine)?;
    let text = String::from_utf8_lossy(&text);
    let (title, rest) = text.split_once('\n').unwrap_or((&text, ""));
    writeln!(out, "{}", style::heading(title))?;
    write!(out, "{rest}")
}

fn topology_json(machine: &Machine) -> Value {
    let t = &machine.topology;
    let d = &t.details;
    let nodes: Vec<Value> = d
        .numa_nodes()
        .iter()
        .map(|node| {
            let distances = machine.distances.as_ref().ok().and_then(|rows| rows.row(node));
            json!({
                "id": node,
                "cpus": d.cpus_in_numa_nodes(&[node].into_iter().collect()).to_string(),
                "distances": distances,
            })
        })
        .collect();
    json!({
        "source": machine.source,
        "cpus": t.num_cpus,
        "cores": t.num_cores,
        "sockets": t.num_sockets,
        "numa_nodes": t.num_numa_nodes,
        "uncore_caches": t.num_uncore_caches,
        "cpus_per_core": t.cpus_per_core(),
        "smt": t.cpus_per_core() > 1,
        "online": t.cpus().to_string(),
        "nodes": nodes,
        "layout": t.to_json().cpus,
    })
}

pub fn run(json: bool) -> io::Result<ExitCode> {
    let report = Report::observe();
    if json {
        let mut out = io::stdout().lock();
        serde_json::to_writer_pretty(&mut out, &report.to_json()).map_err(io::Error::other)?;
        writeln!(out)?;
        out.flush()?;
    } else {
        let mut out = anstream::stdout().lock();
        report.write(&mut out)?;
        out.flush()?;
    }
    Ok(if report.complete() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
