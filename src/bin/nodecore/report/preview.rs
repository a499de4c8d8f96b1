//! The preview: what the static CPU manager policy, with default options and
//! one reserved CPU, would give a Guaranteed container of 1, 2 and 4 CPUs on
//! this node, and the hint the topology manager would settle on.

use super::super::allocate::{
    CpuManagerConfig, Node, Outcome, Reserved, TopologyManagerSettings, describe_outcome, hint_json,
};
use super::super::style::{self, Section};
use super::super::topology::Machine;
use nodecore::cpumanager::{Container, Pod, QosClass};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The container sizes previewed, in CPUs.
const SIZES: [usize; 3] = [1, 2, 4];
/// The topology manager policy whose hint is shown; the other merging
/// policies are asked whether they would admit.
const POLICY: &str = "best-effort";
const STRICTER: [&str; 2] = ["restricted", "single-numa-node"];
/// The smallest reservation the static policy accepts.
const RESERVED: usize = 1;

pub struct Preview {
    reserved: String,
    /// CPUs that can ever be exclusive: online minus reserved.
    allocatable: usize,
    online: usize,
    rows: Vec<Row>,
}

struct Row {
    cpus: usize,
    /// Under [`POLICY`].
    outcome: Outcome,
    /// Each stricter policy's refusal reason, `None` when it admits.
    stricter: Vec<(&'static str, Option<String>)>,
}

impl Preview {
    pub fn new(machine: &Machine) -> Result<Preview, String> {
        let node = |policy: &str| {
            let cpu = CpuManagerConfig::new(Reserved::Count(RESERVED));
            let tm = TopologyManagerSettings::new(policy, "container");
            Node::new(machine, &cpu, &tm)
        };
        let first = node(POLICY)?;
        let reserved = first.cpu_policy.reserved_cpus().to_string();
        let allocatable = first.cpu_policy.get_allocatable_cpus().len();
        let mut rows = Vec::new();
        for cpus in SIZES {
            let pod = guaranteed_pod(cpus);
            let outcome = node(POLICY)?.admit(&pod).pop().expect("one container");
            let mut stricter = Vec::new();
            for policy in STRICTER {
                let outcomes = node(policy)?.admit(&pod);
                let refusal = outcomes.into_iter().find_map(|outcome| outcome.result.err()).map(|err| err.reason);
                stricter.push((policy, refusal));
            }
            rows.push(Row { cpus, outcome, stricter });
        }
        Ok(Preview { reserved, allocatable, online: machine.topology.details.len(), rows })
    }

    pub fn to_json(&self) -> Value {
        let requests: Vec<Value> = self
            .rows
            .iter()
            .map(|row| {
                let (cpus, error) = match &row.outcome.result {
                    Ok(cpus) => (json!(cpus.as_ref().map(ToString::to_string)), Value::Null),
                    Err(err) => (Value::Null, json!({"reason": err.reason, "message": err.message})),
                };
                let admitted_by: BTreeMap<&str, bool> = std::iter::once((POLICY, row.outcome.result.is_ok()))
                    .chain(row.stricter.iter().map(|(policy, refusal)| (*policy, refusal.is_none())))
                    .collect();
                json!({
                    "cpus": row.cpus,
                    "fits": row.cpus <= self.allocatable,
                    "assigned": cpus,
                    "hint": row.outcome.hint.map(|hint| hint_json(&hint)),
                    "error": error,
                    "admitted_by": admitted_by,
                })
            })
            .collect();
        json!({
            "policy": "static",
            "options": {},
            "reserved": self.reserved,
            "allocatable": self.allocatable,
            "topology_manager_policy": POLICY,
            "requests": requests,
        })
    }

    pub fn section(&self) -> Section {
        let mut section = Section::new("Preview: what a Guaranteed container would get");
        section.field(
            "CPU manager",
            format!("static policy, default options, reserved CPU {} (one, the least it accepts)", self.reserved),
        );
        section.field("topology manager", format!("{POLICY}, container scope"));
        for row in &self.rows {
            let label = format!("{} CPU{}", row.cpus, if row.cpus == 1 { "" } else { "s" });
            let mut text = describe_outcome(&row.outcome);
            if row.cpus > self.allocatable {
                text = format!(
                    "{} {}\n{text}",
                    style::bad("cannot be met:"),
                    format_args!(
                        "{} of {} online CPUs can be exclusive once {} is reserved",
                        self.allocatable, self.online, self.reserved
                    )
                );
            }
            let own_reason = row.outcome.result.as_ref().err().map(|err| err.reason.as_str());
            let mut by_reason: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
            for (policy, refusal) in &row.stricter {
                match refusal.as_deref() {
                    Some(reason) if Some(reason) != own_reason => by_reason.entry(reason).or_default().push(policy),
                    _ => {}
                }
            }
            for (reason, policies) in by_reason {
                text.push_str(&format!("\n{}", style::warn(format!("{}: {reason}", policies.join(", ")))));
            }
            section.field(label, text);
        }
        section
    }
}

fn guaranteed_pod(cpus: usize) -> Pod {
    let milli = u64::try_from(cpus).unwrap_or(u64::MAX).saturating_mul(1000);
    Pod {
        uid: format!("preview-{cpus}"),
        qos: QosClass::Guaranteed,
        init_containers: Vec::new(),
        containers: vec![Container::new("app", milli)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(preview: &Preview) -> String {
        let mut out = Vec::new();
        preview.section().write(&mut out).unwrap();
        anstream::adapter::strip_str(&String::from_utf8(out).unwrap()).to_string()
    }

    #[test]
    fn a_two_cpu_node_cannot_meet_two_or_four() {
        let rows = (0..2).map(|cpu| format!(r#"{{"cpu":{cpu},"core":{cpu},"socket":0,"numa":0,"uncore":0}}"#));
        let json = format!(r#"{{"cpus":[{}]}}"#, rows.collect::<Vec<_>>().join(","));
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), json).unwrap();
        let machine = Machine::load(file.path().to_str().unwrap()).unwrap();
        let preview = Preview::new(&machine).unwrap();
        let value = preview.to_json();
        assert_eq!(value["reserved"], "0");
        assert_eq!(value["requests"][0]["assigned"], "1");
        assert_eq!(value["requests"][0]["hint"], json!({"affinity": [0], "preferred": true}));
        for row in [1, 2] {
            let request = &value["requests"][row];
            assert_eq!(request["fits"], false);
            assert_eq!(request["assigned"], Value::Null);
            assert_eq!(request["error"]["reason"], "UnexpectedAdmissionError");
            assert_eq!(request["admitted_by"]["restricted"], false);
        }
        let shown = text(&preview);
        assert!(shown.contains("  1 CPU             CPUs 1 · hint NUMA 0, preferred\n"), "{shown}");
        assert!(
            shown.contains(
                "  2 CPUs            cannot be met: 1 of 2 online CPUs can be exclusive once 0 is reserved\n"
            ),
            "{shown}"
        );
        // Upstream takes the one aligned CPU first, then finds none for the rest.
        assert!(shown.contains("requested=1, available=0, which is unexpected\n"), "{shown}");
        assert!(shown.contains("restricted, single-numa-node: TopologyAffinityError"), "{shown}");
    }

    #[test]
    fn a_large_node_meets_every_size_on_one_numa_node() {
        let machine = Machine::load("dual-socket-ht").unwrap();
        let value = Preview::new(&machine).unwrap().to_json();
        for request in value["requests"].as_array().unwrap() {
            assert_eq!(request["fits"], true);
            assert_eq!(request["error"], Value::Null);
            assert_eq!(request["hint"]["preferred"], true);
            assert_eq!(request["hint"]["affinity"].as_array().unwrap().len(), 1);
            assert_eq!(
                request["admitted_by"],
                json!({"best-effort": true, "restricted": true, "single-numa-node": true})
            );
        }
    }
}
