//! `nodecore allocate`: what the CPU manager's static policy gives the
//! containers of a pod, on this machine or a saved or named topology, under
//! a topology manager policy — the kubelet's admission path for CPUs.
//!
//! [`Node`] and [`Node::admit`] are shared with the preview of
//! `nodecore report`.

use super::input;
use super::style::{self, Section};
use super::topology::Machine;
use nodecore::cpumanager::state::State;
use nodecore::cpumanager::{
    Container, Maturity, OptionsError, Pod, PolicyOptionGates, QosClass, StaticPolicy, StaticPolicyHintProvider,
    StaticPolicyOptions,
};
use nodecore::cpuset::CpuSet;
use nodecore::eviction::Quantity;
use nodecore::topologymanager::{
    AdmissionError, OptionGates, ScopeName, TopologyHint, TopologyManager, TopologyManagerConfig,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::process::ExitCode;
use std::sync::Arc;

pub const EXAMPLE: &str = "\
Examples:
  nodecore allocate 2                        one Guaranteed container of 2 CPUs on this machine
  nodecore allocate --topology dual-socket-ht --topology-manager-policy single-numa-node \\
      app=4 log=500m init:setup=2
  nodecore allocate --topology node.json --reserved 0,6 --option full-pcpus-only=true 2 4 --json

Each REQUEST is a container of one pod, [init:|sidecar:][NAME=]CPUS, with CPUS a Kubernetes
quantity (2, 1500m, 0.5); request and limit are equal. Containers are admitted in pod order
(init containers first), as the kubelet admits them: the CPU manager's hints, the topology
manager's merge (--topology-manager-policy, --scope), then the static policy's allocation.
Only whole CPUs of a Guaranteed pod get exclusive CPUs; the others run in the shared pool.

Exit status: 0 when the pod is admitted, 1 when the kubelet would reject it (the reason is
printed), 2 for bad arguments.";

#[derive(clap::Args)]
pub struct Args {
    /// Containers of the pod: [init:|sidecar:][NAME=]CPUS.
    #[arg(value_name = "REQUEST", required = true)]
    requests: Vec<String>,
    /// A topology JSON file (`nodecore topology --json`), `-` for standard input, or a
    /// named test topology, instead of this machine.
    #[arg(long, value_name = "FILE|NAME")]
    topology: Option<String>,
    /// A static policy option (`cpuManagerPolicyOptions`), e.g. full-pcpus-only=true.
    #[arg(long = "option", value_name = "NAME=VALUE", value_parser = parse_pair)]
    options: Vec<(String, String)>,
    /// The reserved CPUs (`--reserved-cpus`).
    #[arg(long, value_name = "CPUS", conflicts_with = "reserved_count")]
    reserved: Option<CpuSet>,
    /// How many CPUs to reserve (system-reserved plus kube-reserved CPU, rounded up); the
    /// static policy picks them. The static policy needs at least one.
    #[arg(long, value_name = "N", default_value_t = 1)]
    reserved_count: usize,
    /// The topology manager policy: none, best-effort, restricted or single-numa-node.
    #[arg(long, value_name = "POLICY", default_value = "none")]
    topology_manager_policy: String,
    /// The topology manager scope: container or pod.
    #[arg(long, value_name = "SCOPE", default_value = "container")]
    scope: String,
    /// A topology manager policy option, e.g. prefer-closest-numa-nodes=true.
    #[arg(long = "topology-manager-option", value_name = "NAME=VALUE", value_parser = parse_pair)]
    topology_manager_options: Vec<(String, String)>,
    /// Turn on the alpha-level options gates (CPUManagerPolicyAlphaOptions,
    /// TopologyManagerPolicyAlphaOptions); the kubelet's default has them off.
    #[arg(long)]
    alpha_options: bool,
    /// The pod's QoS class: Guaranteed, Burstable or BestEffort.
    #[arg(long, value_name = "CLASS", default_value = "Guaranteed")]
    qos: QosClass,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// `NAME=VALUE`.
pub fn parse_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.is_empty() => Ok((name.to_owned(), value.to_owned())),
        _ => Err(format!("expected NAME=VALUE, got {text:?}")),
    }
}

/// How the static policy is configured.
pub struct CpuManagerConfig {
    pub options: BTreeMap<String, String>,
    /// The explicit reserved CPUs, or how many the policy should pick.
    pub reserved: Reserved,
    pub alpha_options: bool,
}

impl CpuManagerConfig {
    /// Default options and gates, with `reserved`.
    pub fn new(reserved: Reserved) -> Self {
        CpuManagerConfig { options: BTreeMap::new(), reserved, alpha_options: false }
    }
}

pub enum Reserved {
    Cpus(CpuSet),
    Count(usize),
}

/// How the topology manager is configured.
pub struct TopologyManagerSettings {
    pub policy: String,
    pub scope: String,
    pub options: BTreeMap<String, String>,
    pub alpha_options: bool,
}

impl TopologyManagerSettings {
    /// `policy` in `scope`, with default options and gates.
    pub fn new(policy: &str, scope: &str) -> Self {
        TopologyManagerSettings {
            policy: policy.to_owned(),
            scope: scope.to_owned(),
            options: BTreeMap::new(),
            alpha_options: false,
        }
    }
}

/// A machine as the kubelet's CPU manager (static policy, empty state) and
/// topology manager see it at start-up, the static policy registered as the
/// topology manager's only hint provider.
pub struct Node {
    pub cpu_policy: Arc<StaticPolicy>,
    pub state: Arc<State>,
    pub topology_manager: TopologyManager<Pod>,
    /// The scope asked for (under policy `none` the topology manager uses none).
    pub scope: ScopeName,
}

impl Node {
    /// Builds both managers as the kubelet does, with its checks and
    /// messages: the topology manager first (its options, NUMA nodes and
    /// scope), then the static policy (options, reserved CPUs) and its start
    /// on an empty state.
    pub fn new(machine: &Machine, cpu: &CpuManagerConfig, tm: &TopologyManagerSettings) -> Result<Node, String> {
        let distances = machine.distances.as_ref().map(|d| d.rows().clone()).unwrap_or_default();
        let node_ids: Vec<usize> = if distances.is_empty() {
            machine.topology.details.numa_nodes().iter().collect()
        } else {
            distances.keys().copied().collect()
        };
        let config = TopologyManagerConfig {
            policy: tm.policy.clone(),
            scope: tm.scope.clone(),
            options: tm.options.clone(),
            gates: OptionGates { alpha_options: tm.alpha_options, beta_options: true },
            ..TopologyManagerConfig::default()
        };
        // Policy `none` takes any scope; the command still refuses a bad one.
        let (mut topology_manager, scope) = TopologyManager::new(&config, &node_ids, &distances)
            .and_then(|manager| Ok((manager, tm.scope.parse::<ScopeName>()?)))
            .map_err(|err| format!("topology manager: {err}"))?;

        let mut cpu_gates = PolicyOptionGates::default();
        if cpu.alpha_options {
            cpu_gates |= PolicyOptionGates::ALPHA_OPTIONS;
        }
        let options = StaticPolicyOptions::parse(&cpu.options, cpu_gates).map_err(|err| {
            let hint = match err {
                OptionsError::NotEnabled { maturity: Maturity::Alpha, .. } => " (--alpha-options turns the gate on)",
                _ => "",
            };
            format!("CPU manager: {err}{hint}")
        })?;
        let (count, reserved) = match &cpu.reserved {
            Reserved::Cpus(cpus) => (cpus.len(), cpus.clone()),
            Reserved::Count(count) => (*count, CpuSet::new()),
        };
        if count == 0 {
            return Err(
                "[cpumanager] the static policy requires systemreserved.cpu + kubereserved.cpu to be greater than zero"
                    .to_owned(),
            );
        }
        let cpu_policy = StaticPolicy::new(machine.topology.clone(), count, &reserved, options, &tm.policy)
            .map_err(|err| format!("CPU manager: {err}"))?;
        let state = State::new_memory();
        cpu_policy.start(&state).map_err(|err| format!("CPU manager: {err}"))?;
        let (cpu_policy, state) = (Arc::new(cpu_policy), Arc::new(state));
        topology_manager.add_hint_provider(Box::new(StaticPolicyHintProvider::new(cpu_policy.clone(), state.clone())));
        Ok(Node { cpu_policy, state, topology_manager, scope })
    }

    /// Admits `pod` through the topology manager and says what each container
    /// handled got: its merged hint (none under policy `none`) and its
    /// exclusive CPUs, or the refusal that stopped admission.
    pub fn admit(&mut self, pod: &Pod) -> Vec<Outcome> {
        let admissions = self.topology_manager.admit_containers(pod);
        admissions
            .into_iter()
            .map(|admission| {
                let container = pod.all_containers().find(|c| c.name == admission.container);
                Outcome {
                    exclusive: container.map_or(0, |container| pod.guaranteed_cpus(container)),
                    hint: admission.hint,
                    result: admission.result.map(|()| self.state.get_cpu_set(&pod.uid, &admission.container)),
                    container: admission.container,
                }
            })
            .collect()
    }
}

/// What admission did for one container.
pub struct Outcome {
    pub container: String,
    /// The exclusive CPUs the container qualifies for (0: shared pool).
    pub exclusive: usize,
    /// The topology manager's merged hint; `None` under policy `none`.
    pub hint: Option<TopologyHint>,
    /// The exclusive CPUs allocated (`None`: the shared pool), or the refusal.
    pub result: Result<Option<CpuSet>, AdmissionError>,
}

impl Outcome {
    pub fn to_json(&self) -> Value {
        let (cpus, error) = match &self.result {
            Ok(cpus) => (json!(cpus.as_ref().map(CpuSet::to_string)), Value::Null),
            Err(err) => (Value::Null, json!({"reason": err.reason, "message": err.message})),
        };
        json!({
            "container": self.container,
            "exclusive_cpus": self.exclusive,
            "hint": self.hint.map(|hint| hint_json(&hint)),
            "cpus": cpus,
            "error": error,
        })
    }
}

/// A hint as the case files write it: `{"affinity": [nodes] | null, "preferred"}`.
pub fn hint_json(hint: &TopologyHint) -> Value {
    json!({
        "affinity": hint.numa_node_affinity.map(|mask| mask.get_bits()),
        "preferred": hint.preferred,
    })
}

/// A hint for people: `NUMA 0,1 preferred`, `any NUMA node, not preferred`.
pub fn describe_hint(hint: &TopologyHint) -> String {
    let nodes = match hint.numa_node_affinity {
        Some(mask) => {
            let bits: Vec<String> = mask.get_bits().iter().map(usize::to_string).collect();
            format!("NUMA {}", bits.join(","))
        }
        None => "any NUMA node".to_owned(),
    };
    let preferred = if hint.preferred { "preferred" } else { "not preferred" };
    format!("{nodes}, {preferred}")
}

/// One container request from the command line.
struct Request {
    name: String,
    kind: Kind,
    milli: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    App,
    Init,
    Sidecar,
}

fn parse_request(text: &str, index: usize) -> Result<Request, String> {
    let (kind, rest) = if let Some(rest) = text.strip_prefix("init:") {
        (Kind::Init, rest)
    } else if let Some(rest) = text.strip_prefix("sidecar:") {
        (Kind::Sidecar, rest)
    } else {
        (Kind::App, text)
    };
    let (name, cpus) = match rest.split_once('=') {
        Some((name, cpus)) => (name.to_owned(), cpus),
        None => (format!("c{index}"), rest),
    };
    if name.is_empty() {
        return Err(format!("request {text:?}: the container name is empty"));
    }
    let quantity =
        Quantity::parse(cpus).map_err(|err| format!("request {text:?}: {cpus:?} is not a CPU quantity: {err}"))?;
    if quantity.signum() < 0 {
        return Err(format!("request {text:?}: a CPU request cannot be negative"));
    }
    // resource.Quantity's MilliValue rounds up.
    let milli = u64::try_from((quantity.nanos() + 999_999) / 1_000_000)
        .map_err(|_| format!("request {text:?}: {cpus:?} is too large"))?;
    Ok(Request { name, kind, milli })
}

fn build_pod(requests: &[String], qos: QosClass) -> Result<Pod, String> {
    let mut pod = Pod { uid: "pod".to_owned(), qos, init_containers: Vec::new(), containers: Vec::new() };
    let mut names = std::collections::BTreeSet::new();
    for (index, text) in requests.iter().enumerate() {
        let request = parse_request(text, index + 1)?;
        if !names.insert(request.name.clone()) {
            return Err(format!("container name {:?} is given twice", request.name));
        }
        let container =
            Container { restartable: request.kind == Kind::Sidecar, ..Container::new(request.name, request.milli) };
        match request.kind {
            Kind::App => pod.containers.push(container),
            Kind::Init | Kind::Sidecar => pod.init_containers.push(container),
        }
    }
    Ok(pod)
}

fn describe_milli(milli: u64) -> String {
    if milli % 1000 == 0 {
        let cpus = milli / 1000;
        format!("{cpus} CPU{}", if cpus == 1 { "" } else { "s" })
    } else {
        format!("{milli}m")
    }
}

pub fn run(args: Args) -> io::Result<ExitCode> {
    let machine = match &args.topology {
        Some(from) => Machine::load(from),
        None => Machine::discover(false),
    }
    .map_err(input::invalid)?;
    let pod = build_pod(&args.requests, args.qos).map_err(input::invalid)?;
    let cpu = CpuManagerConfig {
        options: args.options.into_iter().collect(),
        reserved: match args.reserved {
            Some(cpus) => Reserved::Cpus(cpus),
            None => Reserved::Count(args.reserved_count),
        },
        alpha_options: args.alpha_options,
    };
    let tm = TopologyManagerSettings {
        policy: args.topology_manager_policy,
        scope: args.scope,
        options: args.topology_manager_options.into_iter().collect(),
        alpha_options: args.alpha_options,
    };
    let mut node = Node::new(&machine, &cpu, &tm).map_err(input::invalid)?;
    let outcomes = node.admit(&pod);
    let admitted = outcomes.iter().all(|outcome| outcome.result.is_ok());
    let shared = node.state.get_default_cpu_set();

    let mut out = anstream::stdout().lock();
    if args.json {
        let answer = json!({
            "topology": machine.source,
            "reserved": node.cpu_policy.reserved_cpus().to_string(),
            "topology_manager_policy": node.topology_manager.policy().name().as_str(),
            "admitted": admitted,
            "containers": outcomes.iter().map(Outcome::to_json).collect::<Vec<_>>(),
            "shared": shared.to_string(),
        });
        writeln!(out, "{answer}")?;
    } else {
        let mut section = Section::new(format!(
            "Static policy on {} ({} CPUs), reserved {}",
            machine.source,
            machine.topology.details.len(),
            node.cpu_policy.reserved_cpus()
        ));
        section.field(
            "topology manager",
            format!("{}, {} scope", node.topology_manager.policy().name(), node.scope.as_str()),
        );
        let requests: BTreeMap<&str, u64> =
            pod.all_containers().map(|c| (c.name.as_str(), c.cpu_request_milli.unwrap_or(0))).collect();
        for outcome in &outcomes {
            let request = describe_milli(requests.get(outcome.container.as_str()).copied().unwrap_or(0));
            section.field(format!("{} ({request})", outcome.container), describe_outcome(outcome));
        }
        let skipped = pod.all_containers().count() - outcomes.len();
        if skipped > 0 {
            section.text(style::dim(format!("{skipped} later container(s) not admitted")));
        }
        section.field("shared pool", shared.to_string());
        section.field("pod", if admitted { style::good("admitted") } else { style::bad("rejected by the kubelet") });
        section.write(&mut out)?;
    }
    out.flush()?;
    Ok(if admitted { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// One container's line: its CPUs (or the shared pool) and hint, or why it
/// was refused.
pub fn describe_outcome(outcome: &Outcome) -> String {
    let hint = |separator: &str| {
        outcome.hint.map(|hint| style::dim(format!("{separator}hint {}", describe_hint(&hint)))).unwrap_or_default()
    };
    match &outcome.result {
        Ok(Some(cpus)) => format!("CPUs {}{}", style::good(cpus), hint(" · ")),
        Ok(None) => format!("shared pool (no exclusive CPUs){}", hint(" · ")),
        Err(err) => format!("{}: {}{}", style::bad(&err.reason), err.message, hint("\n")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(name: &str, policy: &str, reserved: Reserved) -> Node {
        let machine = Machine::load(name).unwrap();
        Node::new(&machine, &CpuManagerConfig::new(reserved), &TopologyManagerSettings::new(policy, "container"))
            .unwrap()
    }

    #[test]
    fn requests_parse_as_kubernetes_quantities() {
        let pod = build_pod(
            &["2".into(), "side=500m".into(), "init:setup=0.5".into(), "sidecar:log=1".into()],
            QosClass::Guaranteed,
        )
        .unwrap();
        assert_eq!(
            pod.containers.iter().map(|c| (c.name.as_str(), c.cpu_request_milli)).collect::<Vec<_>>(),
            [("c1", Some(2000)), ("side", Some(500))]
        );
        assert_eq!(pod.init_containers[0].cpu_request_milli, Some(500));
        assert!(!pod.init_containers[0].restartable && pod.init_containers[1].restartable);
        assert!(build_pod(&["x=two".into()], QosClass::Guaranteed).unwrap_err().contains("not a CPU quantity"));
        assert!(build_pod(&["a=1".into(), "a=2".into()], QosClass::Guaranteed).unwrap_err().contains("twice"));
        assert!(build_pod(&["=1".into()], QosClass::Guaranteed).is_err());
        assert!(build_pod(&["-1".into()], QosClass::Guaranteed).is_err());
    }

    #[test]
    fn containers_are_admitted_in_order_and_a_refusal_stops_admission() {
        // 4 cores x 2 threads; CPU 0 reserved, so its sibling 4 stays free for last.
        let mut node = node("single-socket-ht", "none", Reserved::Count(1));
        let pod =
            build_pod(&["a=2".into(), "b=500m".into(), "c=6".into(), "d=1".into()], QosClass::Guaranteed).unwrap();
        let outcomes = node.admit(&pod);
        assert_eq!(outcomes.len(), 3);
        assert_eq!(outcomes[0].result.as_ref().unwrap().as_ref().unwrap().to_string(), "1,5");
        assert_eq!(outcomes[1].result.as_ref().unwrap(), &None);
        let refusal = outcomes[2].result.as_ref().unwrap_err();
        assert_eq!(refusal.reason, "UnexpectedAdmissionError");
        assert!(refusal.message.contains("requested=6, available=5"), "{}", refusal.message);
    }

    #[test]
    fn restricted_refuses_what_cannot_be_aligned_and_best_effort_aligns() {
        // Two NUMA nodes of 6 CPUs each; CPU 0 reserved.
        let mut best_effort = node("dual-socket-ht", "best-effort", Reserved::Count(1));
        let pod = build_pod(&["a=6".into()], QosClass::Guaranteed).unwrap();
        let outcome = &best_effort.admit(&pod)[0];
        assert_eq!(outcome.hint.unwrap().numa_node_affinity.unwrap().get_bits(), [1]);
        assert_eq!(outcome.result.as_ref().unwrap().as_ref().unwrap().to_string(), "1,3,5,7,9,11");

        // One reserved CPU on each node leaves 5 + 5: 6 CPUs fit no single node any more.
        let mut restricted = node("dual-socket-ht", "restricted", Reserved::Cpus("0-1".parse().unwrap()));
        let pod = build_pod(&["a=6".into()], QosClass::Guaranteed).unwrap();
        let outcome = &restricted.admit(&pod)[0];
        assert_eq!(outcome.result.as_ref().unwrap_err(), &AdmissionError::topology_affinity());
    }

    #[test]
    fn the_pod_scope_merges_once_for_the_whole_pod() {
        let machine = Machine::load("dual-socket-ht").unwrap();
        let cpu = CpuManagerConfig::new(Reserved::Count(1));
        let mut node = Node::new(&machine, &cpu, &TopologyManagerSettings::new("restricted", "pod")).unwrap();
        // Six CPUs together fit only NUMA node 1 (node 0 lost CPU 0 to the reservation).
        let outcomes = node.admit(&build_pod(&["a=3".into(), "b=3".into()], QosClass::Guaranteed).unwrap());
        let node1: CpuSet = "1,3,5,7,9,11".parse().unwrap();
        for outcome in &outcomes {
            assert_eq!(outcome.hint.unwrap().numa_node_affinity.unwrap().get_bits(), [1]);
            assert!(outcome.result.as_ref().unwrap().as_ref().unwrap().is_subset(&node1));
        }
        assert_eq!(outcomes.len(), 2);
    }

    #[test]
    fn full_pcpus_only_refusals_carry_their_own_reason() {
        let machine = Machine::load("single-socket-ht").unwrap();
        let cpu = CpuManagerConfig {
            options: [("full-pcpus-only".to_owned(), "true".to_owned())].into(),
            ..CpuManagerConfig::new(Reserved::Count(1))
        };
        let mut node = Node::new(&machine, &cpu, &TopologyManagerSettings::new("none", "container")).unwrap();
        let outcomes = node.admit(&build_pod(&["3".into()], QosClass::Guaranteed).unwrap());
        assert_eq!(outcomes[0].result.as_ref().unwrap_err().reason, "SMTAlignmentError");
    }

    #[test]
    fn configuration_errors_name_the_manager() {
        let machine = Machine::load("single-socket-ht").unwrap();
        let cpu = CpuManagerConfig::new(Reserved::Count(0));
        let tm = TopologyManagerSettings::new("none", "container");
        assert!(Node::new(&machine, &cpu, &tm).err().unwrap().ends_with("to be greater than zero"));
        let tm = TopologyManagerSettings { policy: "fastest".into(), ..tm };
        let cpu = CpuManagerConfig { reserved: Reserved::Count(1), ..cpu };
        assert!(Node::new(&machine, &cpu, &tm).err().unwrap().starts_with("topology manager: "));
    }
}
