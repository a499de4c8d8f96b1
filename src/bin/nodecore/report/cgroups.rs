//! The cgroups section: the mode as the kubelet detects it, the mounted
//! controllers, the kubepods hierarchy if a kubelet built one, and the driver
//! the kubelet would use.

use super::super::style::{self, Section};
use nodecore::cgroups::{
    CgroupLayout, CgroupName, CgroupV1Policy, Driver, Host, HostPaths, Mode, QosClass, cgroup_version_check, files,
    validate_fail_cgroup_v1,
};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where the kubelet keeps its configuration file when set up by kubeadm.
const KUBELET_CONFIG: &str = "/var/lib/kubelet/config.yaml";
const CONTAINERD_CONFIG: &str = "/etc/containerd/config.toml";
const CRIO_CONFIG: &str = "/etc/crio/crio.conf";
const CRIO_CONFIG_DIR: &str = "/etc/crio/crio.conf.d";

pub struct Cgroups {
    pub host: Host,
    /// The 1.31 start-up warning (maintenance mode on v1; an old kernel on v2).
    warning: Option<&'static str>,
    /// Whether a kubelet of 1.35 or later would refuse this host by default.
    refused_from_1_35: bool,
    /// v1: controller → mount point. v2: the root's controllers, at the root.
    controllers: BTreeMap<String, PathBuf>,
    /// A hybrid host's cgroup2 mount and the controllers enabled there.
    unified: Option<(PathBuf, Vec<String>)>,
    /// The kubepods hierarchy of a kubelet that ran here.
    pub kubepods: Option<Kubepods>,
    /// The driver the kubelet would use, and why.
    pub driver: (Driver, String),
}

pub struct Kubepods {
    pub driver: Driver,
    /// The literal path below each hierarchy (`/kubepods`, `/kubepods.slice`).
    pub path: String,
    /// Pod cgroups per QoS class.
    pods: Vec<(QosClass, usize)>,
}

impl Cgroups {
    /// Reads this host's cgroups as the kubelet does at start-up.
    pub fn observe() -> Result<Cgroups, String> {
        let host = Host::detect(&HostPaths::default()).map_err(|err| err.to_string())?;
        let check = cgroup_version_check(host.mode, &host.cgroup_root, CgroupV1Policy::MaintenanceMode);
        let refused_from_1_35 = validate_fail_cgroup_v1(
            CgroupV1Policy::Unsupported.fail_cgroup_v1_default(),
            host.mode,
            CgroupV1Policy::Unsupported,
        )
        .is_err();
        let (controllers, unified) = if host.mode.is_unified() {
            let names = enabled_controllers(&host.cgroup_root);
            (names.into_iter().map(|name| (name, host.cgroup_root.clone())).collect(), None)
        } else {
            let unified = host.subsystems.unified_mirror().map(|dir| (dir.to_owned(), enabled_controllers(dir)));
            (host.subsystems.mount_points().clone(), unified)
        };
        let kubepods = find_kubepods(&host);
        let driver = detect_driver(kubepods.as_ref());
        Ok(Cgroups { warning: check.warning, refused_from_1_35, controllers, unified, kubepods, driver, host })
    }

    pub fn to_json(&self) -> Value {
        let kubepods = self.kubepods.as_ref().map(|k| {
            let pods: BTreeMap<&str, usize> = k.pods.iter().map(|(class, n)| (qos_name(*class), *n)).collect();
            json!({"driver": k.driver, "path": k.path, "pods": pods})
        });
        json!({
            "mode": mode_name(self.host.mode),
            "version": self.host.mode.version().number(),
            "root": self.host.cgroup_root,
            "warning": self.warning,
            "refused_from_1_35": self.refused_from_1_35,
            "controllers": self.controllers,
            "unified": self.unified.as_ref().map(|(dir, names)| json!({"path": dir, "controllers": names})),
            "kubepods": kubepods,
            "driver": self.driver.0,
            "driver_reason": self.driver.1,
        })
    }

    pub fn section(&self) -> Section {
        let mut section = Section::new("Cgroups");
        let root = self.host.cgroup_root.display();
        let mode = match self.host.mode {
            Mode::Unified => format!("v2 (cgroup2 at {root})"),
            Mode::Hybrid => format!("hybrid: v1 to the kubelet, with a cgroup2 mount at {root}/unified"),
            Mode::Legacy => format!("v1 (hierarchies under {root})"),
        };
        section.field("mode", mode);
        if let Some(warning) = self.warning {
            let mut text = style::warn(format!("kubelet 1.31 warns: {warning}"));
            if self.refused_from_1_35 {
                text.push_str(&format!(
                    "\n{}",
                    style::dim("from 1.35 the kubelet refuses to start here unless failCgroupV1 is false")
                ));
            }
            section.field("warning", text);
        }
        let mut by_dir: BTreeMap<&Path, Vec<&str>> = BTreeMap::new();
        for (controller, dir) in &self.controllers {
            by_dir.entry(dir).or_default().push(controller);
        }
        let controllers = if self.host.mode.is_unified() {
            self.controllers.keys().cloned().collect::<Vec<_>>().join(" ")
        } else {
            by_dir
                .iter()
                .map(|(dir, names)| format!("{:24} {}", names.join(","), dir.display()))
                .collect::<Vec<_>>()
                .join("\n")
        };
        section.field("controllers", if controllers.is_empty() { "none".to_owned() } else { controllers });
        if let Some((dir, names)) = &self.unified {
            let names = if names.is_empty() { "no controllers".to_owned() } else { names.join(" ") };
            section.field("unified", format!("{} ({names})", dir.display()));
        }
        match &self.kubepods {
            Some(k) => {
                let pods: Vec<String> = k.pods.iter().map(|(class, n)| format!("{} {n}", qos_name(*class))).collect();
                section.field("kubepods", format!("{} ({} driver) · pods: {}", k.path, k.driver, pods.join(", ")));
            }
            None => {
                section.field("kubepods", style::dim("none (no kubelet has set up its pod cgroups here)"));
            }
        }
        section.field("driver", format!("{} {}", self.driver.0, style::dim(format!("({})", self.driver.1))));
        section
    }
}

/// The names for the modes: `v1`, `hybrid`, `v2`.
pub fn mode_name(mode: Mode) -> &'static str {
    match mode {
        Mode::Legacy => "v1",
        Mode::Hybrid => "hybrid",
        Mode::Unified => "v2",
    }
}

fn qos_name(class: QosClass) -> &'static str {
    match class {
        QosClass::Guaranteed => "guaranteed",
        QosClass::Burstable => "burstable",
        QosClass::BestEffort => "besteffort",
    }
}

/// The controllers a cgroup2 directory offers (`cgroup.controllers`).
fn enabled_controllers(dir: &Path) -> Vec<String> {
    files::read_string(dir, "cgroup.controllers")
        .map(|text| text.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// The kubepods cgroup of either driver, as the kubelet validates it, with
/// its pod cgroups counted per QoS tier.
fn find_kubepods(host: &Host) -> Option<Kubepods> {
    let layout = CgroupLayout::new("/", true).ok()?;
    [Driver::Cgroupfs, Driver::Systemd].into_iter().find_map(|driver| {
        let manager = host.manager(driver).ok()?;
        let kubepods = layout.node_allocatable();
        if !manager.exists(kubepods) {
            return None;
        }
        let path = manager.name(kubepods).ok()?;
        let pods = QosClass::ALL
            .into_iter()
            .map(|class| {
                let tier = layout.qos_cgroup(class);
                (class, count_pods(manager.as_ref(), &layout, &tier))
            })
            .collect();
        Some(Kubepods { driver, path, pods })
    })
}

/// The pod cgroups directly below `tier`, by the kubelet's `IsPodCgroup`.
fn count_pods(manager: &dyn nodecore::cgroups::CgroupManager, layout: &CgroupLayout, tier: &CgroupName) -> usize {
    let Ok(Some(dir)) = manager.controller_path("memory", tier) else { return 0 };
    let Ok(literal) = manager.name(tier) else { return 0 };
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_dir()))
        .filter_map(|entry| {
            let child = format!("{}/{}", literal.trim_end_matches('/'), entry.file_name().to_str()?);
            let name = manager.cgroup_name(&child).ok()?;
            layout.pod_uid(&name).map(|_| ())
        })
        .count()
}

/// The cgroup driver the kubelet would use, and where that comes from.
///
/// With `KubeletCgroupDriverFromCRI` (beta and on since 1.28) the kubelet
/// takes the driver from a runtime that reports it (containerd 2.0, CRI-O
/// 1.28), so the runtime's setting comes first; then the kubelet's own
/// configuration, then a kubepods hierarchy left by a kubelet, then the
/// kubelet's default.
fn detect_driver(kubepods: Option<&Kubepods>) -> (Driver, String) {
    if let Some(found) = containerd_driver().or_else(crio_driver) {
        return found;
    }
    if let Some(driver) = read(KUBELET_CONFIG).as_deref().and_then(kubelet_config_driver) {
        return (driver, format!("cgroupDriver in {KUBELET_CONFIG}"));
    }
    if let Some(k) = kubepods {
        return (k.driver, format!("the {} hierarchy a kubelet created", k.path));
    }
    let mut reason = "the kubelet's default; no kubelet or runtime configuration found".to_owned();
    if Path::new("/run/systemd/system").is_dir() {
        reason.push_str("; systemd is init here, where kubeadm and the runtimes recommend systemd");
    }
    (Driver::Cgroupfs, reason)
}

fn read(path: impl AsRef<Path>) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// `cgroupDriver: X` in a KubeletConfiguration (YAML).
fn kubelet_config_driver(text: &str) -> Option<Driver> {
    text.lines().find_map(|line| {
        let value = line.trim().strip_prefix("cgroupDriver:")?;
        value.trim().trim_matches(['"', '\'']).parse().ok()
    })
}

/// containerd's runc option `SystemdCgroup = true|false`.
fn containerd_driver() -> Option<(Driver, String)> {
    let text = read(CONTAINERD_CONFIG)?;
    let value = text.lines().find_map(|line| {
        let line = line.trim();
        let rest = line.strip_prefix("SystemdCgroup")?.trim_start().strip_prefix('=')?;
        Some(rest.trim().starts_with("true"))
    })?;
    let driver = if value { Driver::Systemd } else { Driver::Cgroupfs };
    Some((driver, format!("SystemdCgroup = {value} in {CONTAINERD_CONFIG}")))
}

/// CRI-O's `cgroup_manager = "systemd"|"cgroupfs"`, drop-ins last.
fn crio_driver() -> Option<(Driver, String)> {
    let mut files = vec![PathBuf::from(CRIO_CONFIG)];
    if let Ok(entries) = std::fs::read_dir(CRIO_CONFIG_DIR) {
        let mut drop_ins: Vec<PathBuf> = entries.filter_map(Result::ok).map(|entry| entry.path()).collect();
        drop_ins.sort();
        files.extend(drop_ins);
    }
    let mut found = None;
    for file in files {
        let Some(text) = read(&file) else { continue };
        for line in text.lines() {
            let Some(rest) = line.trim().strip_prefix("cgroup_manager") else { continue };
            let Some(value) = rest.trim_start().strip_prefix('=') else { continue };
            if let Ok(driver) = value.trim().trim_matches('"').parse::<Driver>() {
                found = Some((driver, format!("cgroup_manager in {}", file.display())));
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubelet_configuration_names_the_driver() {
        let config = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n";
        assert_eq!(kubelet_config_driver(config), Some(Driver::Systemd));
        assert_eq!(kubelet_config_driver("  cgroupDriver: \"cgroupfs\"\n"), Some(Driver::Cgroupfs));
        assert_eq!(kubelet_config_driver("cgroupDriver: upstart\n"), None);
        assert_eq!(kubelet_config_driver("kind: KubeletConfiguration\n"), None);
    }

    /// A v1 host under a temporary root with `dirs` in its memory and pids hierarchies.
    fn host_with(dirs: &[&str]) -> (tempfile::TempDir, Host) {
        let root = tempfile::tempdir().unwrap();
        for controller in ["memory", "pids"] {
            for dir in dirs {
                std::fs::create_dir_all(root.path().join(controller).join(dir)).unwrap();
            }
        }
        let subsystems = nodecore::cgroups::CgroupSubsystems::new(
            ["memory", "pids"].map(|controller| (controller, root.path().join(controller))),
        );
        let host =
            Host { mode: Mode::Legacy, cgroup_root: root.path().to_owned(), subsystems, huge_page_sizes: vec![] };
        (root, host)
    }

    #[test]
    fn kubepods_of_either_driver_with_pods_per_tier() {
        let uid = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";
        let (_root, host) = host_with(&[
            &format!("kubepods/pod{uid}/container"),
            "kubepods/burstable/pod1",
            "kubepods/burstable/pod2",
            "kubepods/burstable/not-a-pod",
            "kubepods/besteffort",
        ]);
        let found = find_kubepods(&host).unwrap();
        assert_eq!((found.driver, found.path.as_str()), (Driver::Cgroupfs, "/kubepods"));
        assert_eq!(found.pods, [(QosClass::Guaranteed, 1), (QosClass::Burstable, 2), (QosClass::BestEffort, 0)]);

        let (_root, host) = host_with(&[
            "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1.slice",
            "kubepods.slice/kubepods-besteffort.slice",
        ]);
        let found = find_kubepods(&host).unwrap();
        assert_eq!((found.driver, found.path.as_str()), (Driver::Systemd, "/kubepods.slice"));
        assert_eq!(found.pods, [(QosClass::Guaranteed, 0), (QosClass::Burstable, 1), (QosClass::BestEffort, 0)]);

        let (_root, host) = host_with(&["system.slice"]);
        assert!(find_kubepods(&host).is_none());
    }

    #[test]
    fn modes_use_the_version_names() {
        assert_eq!(mode_name(Mode::Legacy), "v1");
        assert_eq!(mode_name(Mode::Hybrid), "hybrid");
        assert_eq!(mode_name(Mode::Unified), "v2");
    }
}
