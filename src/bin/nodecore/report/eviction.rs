//! The eviction section: the signals the kubelet observes on this node now,
//! against its Linux default hard thresholds, and which would fire.

use super::super::style::{self, Section};
use nodecore::cgroups::Driver;
use nodecore::eviction::{
    EvictionConfig, NodeCondition, NodeObserver, Observation, Observations, Resource, Signal, Threshold,
    ThresholdValue, node_conditions, threshold_quantity, thresholds_met,
};
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};

/// The kubelet's default `--root-dir`, whose filesystem is nodefs.
const KUBELET_ROOT: &str = "/var/lib/kubelet";
/// Image stores of containerd and CRI-O, whose filesystem is imagefs.
const IMAGE_STORES: [&str; 2] = ["/var/lib/containerd", "/var/lib/containers/storage"];

pub struct Eviction {
    /// The path nodefs is observed at, and the kubelet root it stands for.
    node_fs: PathBuf,
    /// The runtime's image store, when there is one.
    image_fs: Option<PathBuf>,
    thresholds: Vec<Threshold>,
    observations: Observations,
    /// Indices of the thresholds met now.
    met: Vec<usize>,
}

impl Eviction {
    /// Observes this node. `pods_driver` is the cgroup driver of the pods
    /// cgroup (`kubepods` or `kubepods.slice`) for `allocatableMemory.available`.
    pub fn observe(pods_driver: Driver) -> Result<Eviction, String> {
        let thresholds = EvictionConfig::linux_defaults().thresholds().map_err(|err| err.to_string())?;
        let node_fs = nearest_existing(Path::new(KUBELET_ROOT));
        let image_fs = IMAGE_STORES.iter().map(PathBuf::from).find(|dir| dir.is_dir());
        let pods_cgroup = match pods_driver {
            Driver::Cgroupfs => "kubepods",
            Driver::Systemd => "kubepods.slice",
        };
        let mut observer = NodeObserver::new().with_node_fs(&node_fs).with_pods_cgroup(pods_cgroup);
        if let Some(dir) = &image_fs {
            observer = observer.with_image_fs(dir);
        }
        let stats = observer.observe().map_err(|err| err.to_string())?;
        let observations = Observations::from_stats(&stats);
        let met = thresholds_met(&thresholds, 0..thresholds.len(), &observations, false);
        Ok(Eviction { node_fs, image_fs, thresholds, observations, met })
    }

    /// The signals shown: those the kubelet observes without the split
    /// container filesystem, in the kubelet's order.
    fn signals(&self) -> impl Iterator<Item = (Signal, &Observation)> {
        self.observations
            .iter()
            .filter(|(signal, _)| !matches!(signal, Signal::ContainerFsAvailable | Signal::ContainerFsInodesFree))
    }

    fn thresholds_of(&self, signal: Signal) -> impl Iterator<Item = (usize, &Threshold)> {
        self.thresholds.iter().enumerate().filter(move |(_, threshold)| threshold.signal == signal)
    }

    fn conditions(&self) -> Vec<NodeCondition> {
        node_conditions(&self.thresholds, &self.met)
    }

    pub fn to_json(&self) -> Value {
        let mut signals = Map::new();
        for (signal, observation) in self.signals() {
            let threshold = self.thresholds_of(signal).next();
            signals.insert(
                signal.as_str().to_owned(),
                json!({
                    "available": observation.available.value(),
                    "capacity": observation.capacity.value(),
                    "threshold": threshold.map(|(_, t)| threshold_text(t.value)),
                    "threshold_value": threshold.map(|(_, t)| threshold_quantity(t.value, observation.capacity).value()),
                    "fires": self.thresholds_of(signal).any(|(i, _)| self.met.contains(&i)),
                }),
            );
        }
        let firing: Vec<&str> = self.met.iter().map(|&i| self.thresholds[i].signal.as_str()).collect();
        let conditions: Vec<String> = self.conditions().iter().map(ToString::to_string).collect();
        json!({
            "thresholds": "linux-defaults",
            "nodefs": self.node_fs,
            "imagefs": self.image_fs.as_ref().unwrap_or(&self.node_fs),
            "dedicated_imagefs": self.image_fs.is_some(),
            "signals": signals,
            "firing": firing,
            "conditions": conditions,
        })
    }

    pub fn section(&self) -> Section {
        let mut section = Section::new("Eviction signals (now, against the kubelet's Linux default hard thresholds)");
        for (signal, observation) in self.signals() {
            let available = observation.available.value();
            let capacity = observation.capacity.value();
            let amount = |value: i64| match signal.resource() {
                Resource::Memory | Resource::EphemeralStorage => style::bytes(value),
                Resource::Inodes | Resource::Pids => value.to_string(),
            };
            let mut line =
                format!("{} of {} ({})", amount(available), amount(capacity), style::percent(available, capacity));
            let thresholds: Vec<(usize, &Threshold)> = self.thresholds_of(signal).collect();
            if thresholds.is_empty() {
                line.push_str(&style::dim(" · no default threshold"));
            }
            for (index, threshold) in thresholds {
                let limit = threshold_quantity(threshold.value, observation.capacity).value();
                let verdict = if self.met.contains(&index) { style::bad("fires") } else { style::good("ok") };
                line.push_str(&format!(" · below {} ({}): {verdict}", threshold_text(threshold.value), amount(limit)));
            }
            section.field(signal.as_str(), line);
        }
        let node_fs = self.node_fs.display();
        let node_fs = if self.node_fs == Path::new(KUBELET_ROOT) {
            format!("{node_fs}")
        } else {
            format!("{node_fs} (holds {KUBELET_ROOT}, which does not exist yet)")
        };
        section.field("nodefs", node_fs);
        section.field(
            "imagefs",
            match &self.image_fs {
                Some(dir) => dir.display().to_string(),
                None => "no image store found; nodefs stands in".to_owned(),
            },
        );
        let conditions = self.conditions();
        section.field(
            "pressure",
            if conditions.is_empty() {
                style::good("none")
            } else {
                style::bad(conditions.iter().map(ToString::to_string).collect::<Vec<_>>().join(", "))
            },
        );
        section
    }
}

/// A threshold value as configured: `100Mi`, `10%`.
fn threshold_text(value: ThresholdValue) -> String {
    match value {
        ThresholdValue::Quantity(quantity) => quantity.to_string(),
        // The f32 fraction, shown as the percentage it was written as.
        ThresholdValue::Percentage(fraction) => {
            format!("{}%", (f64::from(fraction) * 1e6).round() / 1e4)
        }
    }
}

/// `path`, or its nearest ancestor that exists: the directory whose
/// filesystem would hold it.
fn nearest_existing(path: &Path) -> PathBuf {
    path.ancestors().find(|dir| dir.exists()).unwrap_or(Path::new("/")).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use nodecore::eviction::{DEFAULT_EVICTION_HARD, Quantity};

    #[test]
    fn thresholds_show_as_configured() {
        let config = EvictionConfig::linux_defaults();
        let shown: Vec<(String, String)> = config
            .thresholds()
            .unwrap()
            .iter()
            .map(|t| (t.signal.as_str().to_owned(), threshold_text(t.value)))
            .collect();
        for (signal, text) in DEFAULT_EVICTION_HARD {
            assert!(shown.contains(&(signal.to_owned(), text.to_owned())), "{signal} {text}: {shown:?}");
        }
        assert_eq!(threshold_text(ThresholdValue::Quantity(Quantity::binary_si(100 << 20))), "100Mi");
        assert_eq!(threshold_text(ThresholdValue::Percentage(0.075)), "7.5%");
    }

    #[test]
    fn a_missing_root_is_measured_on_its_parent_filesystem() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(nearest_existing(&dir.path().join("a/b")), dir.path());
        assert_eq!(nearest_existing(dir.path()), dir.path());
    }
}
