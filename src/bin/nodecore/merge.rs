//! `nodecore merge`: the topology manager's merge of hint providers' hints,
//! through the `topology.merge` case kind, so the answer is the one every
//! other door gives.

use super::allocate::parse_pair;
use super::input;
use super::style::{self, Section};
use super::topology::Machine;
use serde_json::{Map, Value, json};
use std::io::{self, Write};
use std::process::ExitCode;

/// The case kind that answers.
const KIND: &str = "topology.merge";

pub const EXAMPLE: &str = "\
Examples:
  echo '[{\"cpu\": [{\"affinity\": [0], \"preferred\": true}, {\"affinity\": [0, 1], \"preferred\": false}]},
        {\"gpu\": [{\"affinity\": [1], \"preferred\": true}]}]' \\
    | nodecore merge --policy restricted --numa-nodes 0,1
  nodecore merge --policy best-effort --topology dual-socket-ht \\
      --option prefer-closest-numa-nodes=true hints.json --json

HINTS is a JSON list with one object per hint provider (the CPU, memory and device
managers), each mapping resource names to their hints, {\"affinity\": [NUMA nodes] or null,
\"preferred\": bool}; a resource mapped to null has no preference and one mapped to [] cannot
be satisfied. A whole `topology.merge` case input ({\"policy\", \"numa_nodes\", \"providers\",
...}) is read too; flags override its fields.

Exit status: 0 when the policy admits the pod, 1 when it does not, 2 for bad input.";

#[derive(clap::Args)]
pub struct Args {
    /// The hints: a JSON file, or `-` (the default) for standard input.
    #[arg(value_name = "HINTS", default_value = "-")]
    hints: String,
    /// The topology manager policy: none, best-effort, restricted or single-numa-node.
    #[arg(long, value_name = "POLICY")]
    policy: Option<String>,
    /// A policy option, e.g. prefer-closest-numa-nodes=true or max-allowable-numa-nodes=16.
    #[arg(long = "option", value_name = "NAME=VALUE", value_parser = parse_pair)]
    options: Vec<(String, String)>,
    /// The machine's NUMA node ids, instead of this machine's.
    #[arg(long, value_name = "IDS", value_delimiter = ',', conflicts_with = "topology")]
    numa_nodes: Option<Vec<usize>>,
    /// Take the NUMA nodes (and distances, when known) from a topology JSON file or a
    /// named test topology instead of this machine.
    #[arg(long, value_name = "FILE|NAME")]
    topology: Option<String>,
    /// Print the case output, {"affinity", "preferred", "admit"}, as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> io::Result<ExitCode> {
    let mut case = input::read_case(
        &args.hints,
        "providers",
        "a list of providers' hints or a topology.merge input with \"providers\"",
    )?;
    if let Some(policy) = args.policy {
        case.insert("policy".to_owned(), json!(policy));
    }
    case.entry("policy").or_insert_with(|| json!("best-effort"));
    if !args.options.is_empty() {
        let options: Map<String, Value> = args.options.into_iter().map(|(k, v)| (k, json!(v))).collect();
        case.insert("options".to_owned(), Value::Object(options));
    }
    if let Some(nodes) = args.numa_nodes {
        case.insert("numa_nodes".to_owned(), json!(nodes));
    } else if args.topology.is_some() || !case.contains_key("numa_nodes") {
        let machine = match &args.topology {
            Some(from) => Machine::load(from),
            None => Machine::discover(false),
        }
        .map_err(input::invalid)?;
        let (nodes, distances) = match &machine.distances {
            Ok(distances) if !distances.is_empty() => (distances.nodes().collect::<Vec<_>>(), json!(distances.rows())),
            _ => (machine.topology.details.numa_nodes().iter().collect(), json!({})),
        };
        case.insert("numa_nodes".to_owned(), json!(nodes));
        case.insert("distances".to_owned(), distances);
    }
    let case = Value::Object(case);
    let output = input::eval(KIND, &case)?;
    let admit = output["admit"].as_bool().unwrap_or(false);

    let mut out = anstream::stdout().lock();
    if args.json {
        writeln!(out, "{output}")?;
    } else {
        let nodes: Vec<String> = case["numa_nodes"]
            .as_array()
            .map(|nodes| nodes.iter().map(ToString::to_string).collect())
            .unwrap_or_default();
        let mut section = Section::new(format!(
            "Merged hint ({} on NUMA nodes {})",
            case["policy"].as_str().unwrap_or(""),
            nodes.join(",")
        ));
        let affinity = match output["affinity"].as_array() {
            Some(bits) => format!("NUMA {}", bits.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")),
            None => "any NUMA node".to_owned(),
        };
        let preferred = if output["preferred"].as_bool().unwrap_or(false) { "preferred" } else { "not preferred" };
        section.field("hint", format!("{affinity}, {preferred}"));
        section.field(
            "admit",
            if admit {
                style::good("yes")
            } else {
                style::bad("no: TopologyAffinityError: Resources cannot be allocated with Topology locality")
            },
        );
        section.write(&mut out)?;
    }
    out.flush()?;
    Ok(if admit { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
