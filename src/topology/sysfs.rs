//! Topology discovery from sysfs, giving exactly the [`CpuTopology`] that the
//! kubelet's `topology.Discover` builds from cadvisor's `MachineInfo`.
//!
//! The kubelet never reads sysfs itself: cadvisor (`utils/sysinfo.GetNodesInfo`,
//! `utils/sysfs`, `machine.Info`) turns sysfs into `MachineInfo`, and
//! `Discover` turns that into the CPU manager's topology. This module does
//! both steps in one pass and keeps cadvisor's rules, including the ones that
//! surprise:
//!
//! * **Which CPUs.** With NUMA directories (`node/node<N>`, listed in
//!   lexicographic order as Go's `filepath.Glob` lists them) the CPUs are the
//!   `cpu<M>` entries of each node directory. Without any (a kernel without
//!   NUMA), they are the `cpu/cpu<M>` entries grouped by `physical_package_id`,
//!   and each package stands in for a NUMA node: the NUMA id is the socket id.
//!   A CPU is skipped when `cpu/online` exists and does not list it, or when
//!   its `topology/core_id` or `topology/physical_package_id` file is missing
//!   (offline CPUs lose their `topology` directory).
//! * **Cores.** Within one NUMA node, CPUs with the same `core_id` and
//!   `physical_package_id` are one core (`core_id` alone repeats across
//!   sockets). The kubelet's core id is the lowest thread id of the core.
//! * **Uncore cache.** For each core, in the order cadvisor lists cores, the
//!   caches (`cache/index*` of the core's first-listed thread) of level 3 or
//!   more are read. A cache shared by exactly `cores in the node × threads of
//!   this core` CPUs (popcount of `shared_cpu_map`) is a node-level cache and
//!   not an uncore cache; the first other one is the core's uncore cache, and
//!   its `id` is the uncore id. So a machine whose L3 spans a whole NUMA node
//!   gets the socket id as uncore id, as the kubelet does. When a cache
//!   directory or one of its `id`, `size`, `level`, `type`, `shared_cpu_map`
//!   files is missing or unreadable, cadvisor stops reading caches for the
//!   rest of that node (the cores read before keep theirs); a core without an
//!   uncore cache gets its socket id.
//! * **Counters.** `NumCPUs` is cadvisor's `NumCores`: the CPUs listed in the
//!   NUMA nodes, or, without NUMA directories, *every* `cpu/cpu<M>` directory,
//!   offline ones included. `NumCores` is the sum over NUMA nodes of their
//!   cores. `NumSockets` is the number of distinct `physical id` lines of
//!   `/proc/cpuinfo` (online CPUs), or, when it has none or is missing, of
//!   distinct `physical_package_id` values of the online CPUs in sysfs (a
//!   missing file counts as `0`). `NumNUMANodes` and `NumUncoreCache` count
//!   the distinct ids of the map.
//!
//! Where nodecore departs from upstream, on input a kernel does not write:
//! a malformed `cpu/online` is an error (cadvisor treats every CPU as offline,
//! which ends in the kubelet's "could not detect number of cpus" on a NUMA
//! machine); discovery that finds CPUs directories but no CPU with topology
//! data is an error (upstream returns a topology with an empty CPU map);
//! negative ids are refused (the model's ids are unsigned); and a malformed
//! `meminfo`, hugepages or `distance` file of a NUMA node does not fail CPU
//! discovery (cadvisor drops the whole topology then). Entries count as CPU
//! and node directories only when their name is `cpu` or `node` followed by
//! digits.
//!
//! Read at cadvisor `utils/sysinfo/sysinfo.go` and `utils/sysfs/sysfs.go`
//! (with uncore caches and the `cpu/online` check) and `machine/machine.go`
//! (`GetSockets`), and kubernetes `pkg/kubelet/cm/cpumanager/topology`.

use super::{CpuDetails, CpuInfo, CpuTopology, Error, NumaDistances, distances};
use crate::cpuset::CpuSet;
use crate::golang::strconv;
use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};

/// A machine's sysfs (and `/proc/cpuinfo`) under a root directory: `/` for
/// this machine, or a directory holding `sys/devices/system/{cpu,node}` and
/// optionally `proc/cpuinfo`, as tests build them.
///
/// ```no_run
/// use nodecore::topology::Sysfs;
///
/// let host = Sysfs::host();
/// let topology = host.topology()?;
/// let distances = host.numa_distances()?;
/// println!("{} CPUs, {} NUMA nodes with distances", topology.num_cpus, distances.len());
/// # Ok::<(), nodecore::topology::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sysfs {
    root: PathBuf,
}

impl Sysfs {
    /// The sysfs of the machine whose root file system is at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Sysfs { root: root.into() }
    }

    /// This machine's sysfs.
    pub fn host() -> Self {
        Sysfs::new("/")
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The CPU topology the kubelet would build on this machine (see the
    /// module documentation for the rules).
    pub fn topology(&self) -> Result<CpuTopology, Error> {
        let online = self.online_cpus()?;
        let machine = self.machine_info(online.as_ref())?;
        discover(&machine, &self.cpu_dir())
    }

    /// The distance row of every NUMA node, from `node/node<N>/distance`.
    ///
    /// Empty when the kernel has no NUMA directories (the kubelet then has no
    /// distances either). A missing or malformed file is an error.
    pub fn numa_distances(&self) -> Result<NumaDistances, Error> {
        let mut rows = BTreeMap::new();
        for (name, node) in numbered_entries(&self.node_dir(), "node")? {
            let path = self.node_dir().join(name).join("distance");
            let text = read(&path)?.ok_or_else(|| not_found(&path))?;
            rows.insert(node, distances::parse_row(&path, &text)?);
        }
        Ok(NumaDistances::new(rows))
    }

    /// The CPUs `cpu/online` lists; `None` when the file does not exist (a
    /// kernel without CPU hot-plug: every CPU is online).
    fn online_cpus(&self) -> Result<Option<CpuSet>, Error> {
        let path = self.cpu_dir().join("online");
        let Some(text) = read(&path)? else { return Ok(None) };
        let malformed =
            || Error::Malformed { path: path.clone(), text: text.clone(), expected: "a CPU list such as 0-3,8" };
        let cpus = CpuSet::parse(text.trim()).map_err(|_| malformed())?;
        if cpus.is_empty() {
            return Err(malformed());
        }
        Ok(Some(cpus))
    }

    fn cpu_dir(&self) -> PathBuf {
        self.root.join("sys/devices/system/cpu")
    }

    fn node_dir(&self) -> PathBuf {
        self.root.join("sys/devices/system/node")
    }

    /// The part of cadvisor's `MachineInfo` that `Discover` reads.
    fn machine_info(&self, online: Option<&CpuSet>) -> Result<MachineInfo, Error> {
        let node_dir = self.node_dir();
        let numa_nodes = numbered_entries(&node_dir, "node")?;
        let mut nodes = Vec::new();
        let num_cpus;
        if numa_nodes.is_empty() {
            // cadvisor's getCPUTopology: packages stand in for NUMA nodes.
            let cpus = self.cpu_entries(&self.cpu_dir())?;
            num_cpus = cpus.len();
            let mut by_package: BTreeMap<usize, Vec<(PathBuf, usize)>> = BTreeMap::new();
            for (path, cpu) in cpus {
                let package_path = path.join("topology/physical_package_id");
                if let Some(text) = read(&package_path)? {
                    by_package.entry(parse_id(&package_path, &text)?).or_default().push((path, cpu));
                }
            }
            for (package, cpus) in by_package {
                nodes.push(self.node(package, cpus, online)?);
            }
        } else {
            for (name, id) in numa_nodes {
                let cpus = self.cpu_entries(&node_dir.join(name))?;
                nodes.push(self.node(id, cpus, online)?);
            }
            num_cpus = nodes.iter().flat_map(|node| &node.cores).map(|core| core.threads.len()).sum();
        }
        Ok(MachineInfo { num_cpus, num_sockets: self.num_sockets(online)?, nodes })
    }

    /// `(path, cpu id)` of the `cpu<M>` entries of `dir`, in `filepath.Glob`
    /// order.
    fn cpu_entries(&self, dir: &Path) -> Result<Vec<(PathBuf, usize)>, Error> {
        Ok(numbered_entries(dir, "cpu")?.into_iter().map(|(name, cpu)| (dir.join(name), cpu)).collect())
    }

    /// One cadvisor `Node`: its cores (getCoresInfo) and their uncore caches
    /// (addCacheInfo).
    fn node(&self, id: usize, cpus: Vec<(PathBuf, usize)>, online: Option<&CpuSet>) -> Result<NodeInfo, Error> {
        let mut cores: Vec<CoreInfo> = Vec::new();
        for (path, cpu) in cpus {
            if online.is_some_and(|online| !online.contains(cpu)) {
                continue;
            }
            let core_path = path.join("topology/core_id");
            let Some(core_text) = read(&core_path)? else { continue };
            let core_id = parse_id(&core_path, &core_text)?;
            let package_path = path.join("topology/physical_package_id");
            let Some(package_text) = read(&package_path)? else { continue };
            let socket = parse_id(&package_path, &package_text)?;
            match cores.iter_mut().find(|core| core.id == core_id && core.socket == socket) {
                Some(core) => core.threads.push(cpu),
                None => cores.push(CoreInfo { id: core_id, socket, threads: vec![cpu], uncore_caches: Vec::new() }),
            }
        }
        self.add_uncore_caches(&mut cores);
        Ok(NodeInfo { id, cores })
    }

    /// cadvisor's `addCacheInfo`, reduced to the uncore caches. A core whose
    /// caches cannot be read ends the reading for the node: cadvisor logs the
    /// error and keeps what it has.
    fn add_uncore_caches(&self, cores: &mut [CoreInfo]) {
        let num_cores = cores.len();
        for core in cores.iter_mut() {
            let Some(caches) = self.caches(core.threads[0]) else { return };
            let node_level = num_cores * core.threads.len();
            for cache in caches {
                if cache.level > 2 && cache.cpus != node_level && !core.uncore_caches.contains(&cache) {
                    core.uncore_caches.push(cache);
                }
            }
        }
    }

    /// The caches of `cpu/cpu<cpu>/cache/index*`, in directory-name order;
    /// `None` when any of them cannot be read whole (cadvisor's
    /// `GetCacheInfo` fails then).
    fn caches(&self, cpu: usize) -> Option<Vec<Cache>> {
        let dir = self.cpu_dir().join(format!("cpu{cpu}/cache"));
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .ok()?
            .map(|entry| entry.map(|entry| entry.file_name().to_string_lossy().into_owned()))
            .collect::<io::Result<_>>()
            .ok()?;
        names.sort();
        names
            .iter()
            .filter(|name| name.starts_with("index"))
            .map(|name| {
                let index = dir.join(name);
                let field = |file: &str| std::fs::read_to_string(index.join(file)).ok();
                let id = usize::try_from(scan_int(&field("id")?)?.0).ok()?;
                let size_text = field("size")?;
                let (size, unit) = scan_int(&size_text)?;
                if !unit.starts_with('K') {
                    return None;
                }
                let level = scan_int(&field("level")?)?.0;
                let kind = field("type")?.trim().to_owned();
                let cpus = popcount_of_mask(&field("shared_cpu_map")?)?;
                Some(Cache { id, size, level, kind, cpus })
            })
            .collect()
    }

    /// cadvisor's `GetSockets`: distinct `physical id` lines of
    /// `/proc/cpuinfo`, else distinct `physical_package_id` values of the
    /// online CPUs in sysfs.
    fn num_sockets(&self, online: Option<&CpuSet>) -> Result<usize, Error> {
        let cpuinfo_path = self.root.join("proc/cpuinfo");
        let cpuinfo = read(&cpuinfo_path)?.unwrap_or_default();
        let lines: BTreeSet<&str> = cpuinfo.lines().filter(|line| is_physical_id_line(line)).collect();
        if !lines.is_empty() {
            return Ok(lines.len());
        }
        let mut packages = BTreeSet::new();
        for (path, cpu) in self.cpu_entries(&self.cpu_dir())? {
            if online.is_some_and(|online| !online.contains(cpu)) {
                continue;
            }
            let text = read(&path.join("topology/physical_package_id"))?.unwrap_or_else(|| "0".to_owned());
            packages.insert(text.trim().to_owned());
        }
        Ok(packages.len())
    }
}

/// cadvisor's view of the machine, as far as `Discover` reads it.
struct MachineInfo {
    /// `MachineInfo.NumCores`: logical CPUs.
    num_cpus: usize,
    /// `MachineInfo.NumSockets`.
    num_sockets: usize,
    /// `MachineInfo.Topology`.
    nodes: Vec<NodeInfo>,
}

struct NodeInfo {
    id: usize,
    cores: Vec<CoreInfo>,
}

struct CoreInfo {
    /// `core_id`, unique within a socket only.
    id: usize,
    socket: usize,
    threads: Vec<usize>,
    uncore_caches: Vec<Cache>,
}

/// A cache as cadvisor compares them (`info.Cache`: id, size, level, type),
/// plus the number of CPUs sharing it.
#[derive(PartialEq, Eq)]
struct Cache {
    id: usize,
    size: i64,
    level: i64,
    kind: String,
    cpus: usize,
}

/// The kubelet's `topology.Discover`.
fn discover(machine: &MachineInfo, cpu_dir: &Path) -> Result<CpuTopology, Error> {
    let none_found = || Error::NoCpusDetected { path: cpu_dir.to_owned() };
    if machine.num_cpus == 0 {
        return Err(none_found());
    }
    let mut rows = BTreeMap::new();
    let mut num_cores = 0;
    for node in &machine.nodes {
        num_cores += node.cores.len();
        for core in &node.cores {
            let mut threads = BTreeSet::new();
            for &cpu in &core.threads {
                if !threads.insert(cpu) {
                    return Err(Error::DuplicateCpu(cpu));
                }
            }
            let core_id = *threads.first().expect("a core has at least one thread");
            let uncore = core.uncore_caches.first().map_or(core.socket, |cache| cache.id);
            for &cpu in &threads {
                rows.insert(cpu, CpuInfo { core: core_id, socket: core.socket, numa: node.id, uncore });
            }
        }
    }
    let details = CpuDetails::from_rows(rows)?;
    if details.is_empty() {
        return Err(none_found());
    }
    Ok(CpuTopology {
        num_cpus: machine.num_cpus,
        num_cores,
        num_sockets: machine.num_sockets,
        num_numa_nodes: details.numa_nodes().len(),
        num_uncore_caches: details.uncore_caches().len(),
        details,
    })
}

/// A file's content; `None` when it does not exist.
fn read(path: &Path) -> Result<Option<String>, Error> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(Error::Read { path: path.to_owned(), source }),
    }
}

fn not_found(path: &Path) -> Error {
    Error::Read { path: path.to_owned(), source: io::Error::from(io::ErrorKind::NotFound) }
}

/// `(name, number)` of the entries of `dir` named `prefix` followed by
/// digits, sorted by name as `filepath.Glob` sorts (`cpu10` before `cpu2`).
/// A missing directory has no entries.
fn numbered_entries(dir: &Path, prefix: &str) -> Result<Vec<(String, usize)>, Error> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(Error::Read { path: dir.to_owned(), source }),
    };
    let mut numbered = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| Error::Read { path: dir.to_owned(), source })?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(digits) = name.strip_prefix(prefix) else { continue };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let number = parse_id(&dir.join(&name), digits)?;
        numbered.push((name, number));
    }
    numbered.sort();
    Ok(numbered)
}

/// A non-negative id as Go's `strconv.Atoi` reads the trimmed text
/// (`strings.TrimSpace` and Rust's `trim` strip the same Unicode spaces).
fn parse_id(path: &Path, text: &str) -> Result<usize, Error> {
    strconv::atoi(text.trim()).ok().and_then(|id| usize::try_from(id).ok()).ok_or_else(|| Error::Malformed {
        path: path.to_owned(),
        text: text.to_owned(),
        expected: "a non-negative integer",
    })
}

/// Go's `fmt.Sscanf(text, "%d")`: leading white space, an optional sign, at
/// least one digit; returns the number and the rest of the text.
fn scan_int(text: &str) -> Option<(i64, &str)> {
    let text = text.trim_start();
    let unsigned = text.strip_prefix(['+', '-']).unwrap_or(text);
    let digits = unsigned.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let end = text.len() - unsigned.len() + digits;
    Some((text[..end].parse().ok()?, &text[end..]))
}

/// The number of CPUs in a `shared_cpu_map` (comma-separated hexadecimal
/// words), as cadvisor's `getCPUCount` counts them.
fn popcount_of_mask(text: &str) -> Option<usize> {
    text.split(',')
        .map(|word| {
            let word = word.trim();
            if word.is_empty() || !word.bytes().all(|b| b.is_ascii_hexdigit()) {
                return None;
            }
            u64::from_str_radix(word, 16).ok().map(|bits| bits.count_ones() as usize)
        })
        .sum()
}

/// Whether a `/proc/cpuinfo` line matches cadvisor's
/// `(?m)^physical id\s*:\s*([0-9]+)$`.
fn is_physical_id_line(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("physical id") else { return false };
    let Some(value) = rest.trim_start().strip_prefix(':') else { return false };
    let value = value.trim_start();
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests;
