//! The hierarchy the kubelet builds: kubepods, the QoS tiers, pod cgroups.
//!
//! ```text
//! <--cgroup-root>/kubepods                      node allocatable; Guaranteed pods live here
//! <--cgroup-root>/kubepods/burstable
//! <--cgroup-root>/kubepods/besteffort
//! <tier>/pod<UID>                               one cgroup per pod
//! ```

use super::{CgroupName, Error};
use serde::{Deserialize, Serialize};

/// The component of the node-allocatable cgroup.
pub const KUBEPODS: &str = "kubepods";
/// The prefix of a pod cgroup's component.
pub const POD_PREFIX: &str = "pod";

/// A pod's QoS class.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum QosClass {
    /// Every container has equal CPU and memory requests and limits.
    Guaranteed,
    /// Some request or limit, and not Guaranteed.
    Burstable,
    /// No request or limit at all.
    BestEffort,
}

impl QosClass {
    /// All three, in the kubelet's order of tiers.
    pub const ALL: [QosClass; 3] = [QosClass::Guaranteed, QosClass::Burstable, QosClass::BestEffort];

    /// The tier's component below kubepods; Guaranteed has no tier of its own.
    pub fn tier_component(self) -> Option<&'static str> {
        match self {
            QosClass::Guaranteed => None,
            QosClass::Burstable => Some("burstable"),
            QosClass::BestEffort => Some("besteffort"),
        }
    }
}

/// Where the kubelet puts kubepods, the QoS tiers and pod cgroups, from its
/// `--cgroup-root` and `--cgroups-per-qos` flags.
///
/// ```
/// use nodecore::cgroups::{CgroupLayout, Driver, QosClass};
///
/// let layout = CgroupLayout::new("/", true).unwrap();
/// let pod = layout.pod_cgroup(QosClass::Burstable, "1b4e28ba-2fa1-11d2-883f-0016d3cca427").unwrap();
/// assert_eq!(Driver::Cgroupfs.name(&pod).unwrap(), "/kubepods/burstable/pod1b4e28ba-2fa1-11d2-883f-0016d3cca427");
/// assert_eq!(layout.pod_uid(&pod), Some("1b4e28ba-2fa1-11d2-883f-0016d3cca427"));
/// assert!(layout.pod_cgroup(QosClass::Burstable, "../x").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CgroupLayout {
    node_allocatable: CgroupName,
    cgroups_per_qos: bool,
}

impl CgroupLayout {
    /// The layout for `--cgroup-root` (always in cgroupfs form, default `/`)
    /// and `--cgroups-per-qos` (default true). Without per-QoS cgroups there
    /// are no kubepods, tiers or pod cgroups: everything is the root.
    pub fn new(cgroup_root: &str, cgroups_per_qos: bool) -> Result<Self, Error> {
        let root = CgroupName::parse_cgroupfs(cgroup_root)?;
        let node_allocatable = if cgroups_per_qos { root.child(KUBEPODS)? } else { root };
        Ok(CgroupLayout { node_allocatable, cgroups_per_qos })
    }

    /// The cgroup holding all pods (upstream `NodeAllocatableRoot`).
    pub fn node_allocatable(&self) -> &CgroupName {
        &self.node_allocatable
    }

    /// The cgroup of a QoS tier; Guaranteed is kubepods itself.
    pub fn qos_cgroup(&self, class: QosClass) -> CgroupName {
        match class.tier_component().filter(|_| self.cgroups_per_qos) {
            Some(tier) => CgroupName::new(self.node_allocatable.components().iter().cloned().chain([tier.to_owned()]))
                .expect("tier components are valid"),
            None => self.node_allocatable.clone(),
        }
    }

    /// The cgroup of a pod: `<tier>/pod<uid>`. Without per-QoS cgroups it is
    /// the root, as upstream's no-op pod manager answers.
    ///
    /// The UID is refused unless it is non-empty ASCII letters, digits and
    /// `-` (API server UUIDs and static pods' hex hashes are), and does
    /// not contain `pod`, which would stop upstream's `IsPodCgroup` from
    /// finding the pod again.
    pub fn pod_cgroup(&self, class: QosClass, uid: &str) -> Result<CgroupName, Error> {
        check_pod_uid(uid)?;
        if !self.cgroups_per_qos {
            return Ok(self.node_allocatable.clone());
        }
        self.qos_cgroup(class).child(&format!("{POD_PREFIX}{uid}"))
    }

    /// The pod UID if `name` is a pod cgroup (upstream `IsPodCgroup`).
    ///
    /// Upstream quirk, kept: the name only has to be one component deeper
    /// than *some* QoS tier, not below it; its last component must start with
    /// `pod` and split on `pod` into exactly two parts.
    pub fn pod_uid<'a>(&self, name: &'a CgroupName) -> Option<&'a str> {
        let depth = name.components().len();
        let deeper_than_a_tier =
            QosClass::ALL.iter().any(|class| self.qos_cgroup(*class).components().len() + 1 == depth);
        let last = name.last().filter(|_| deeper_than_a_tier)?;
        let uid = last.strip_prefix(POD_PREFIX)?;
        (!uid.contains(POD_PREFIX)).then_some(uid)
    }
}

fn check_pod_uid(uid: &str) -> Result<(), Error> {
    let reason = if uid.is_empty() {
        "empty"
    } else if !uid.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-') {
        "only ASCII letters, digits and '-' are allowed"
    } else if uid.contains(POD_PREFIX) {
        "contains \"pod\", which the kubelet could not parse back"
    } else {
        return Ok(());
    };
    Err(Error::InvalidPodUid { uid: uid.to_owned(), reason })
}

#[cfg(test)]
mod tests {
    use super::*;

    const UID: &str = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";

    #[test]
    fn tiers_and_pods_with_the_default_root() {
        let layout = CgroupLayout::new("/", true).unwrap();
        assert_eq!(layout.node_allocatable().to_cgroupfs(), "/kubepods");
        assert_eq!(layout.qos_cgroup(QosClass::Guaranteed).to_cgroupfs(), "/kubepods");
        assert_eq!(layout.qos_cgroup(QosClass::BestEffort).to_cgroupfs(), "/kubepods/besteffort");
        let guaranteed = layout.pod_cgroup(QosClass::Guaranteed, UID).unwrap();
        assert_eq!(
            guaranteed.to_systemd().unwrap(),
            format!("/kubepods.slice/kubepods-pod{}.slice", UID.replace('-', "_"))
        );
    }

    #[test]
    fn custom_root_and_no_per_qos() {
        let layout = CgroupLayout::new("/custom", true).unwrap();
        assert_eq!(layout.qos_cgroup(QosClass::Burstable).to_cgroupfs(), "/custom/kubepods/burstable");
        let flat = CgroupLayout::new("/", false).unwrap();
        assert!(flat.node_allocatable().is_root());
        assert!(flat.pod_cgroup(QosClass::Burstable, UID).unwrap().is_root());
        assert!(CgroupLayout::new("/a/../b", true).is_err());
    }

    #[test]
    fn pod_uids_are_checked() {
        let layout = CgroupLayout::new("/", true).unwrap();
        for bad in ["", "../x", "a/b", "a_b", "..", "a b", "a\0b", "podpod", "ü"] {
            let err = layout.pod_cgroup(QosClass::BestEffort, bad).unwrap_err();
            assert_eq!(err.kind(), "invalid-name", "{bad:?}");
        }
        assert!(layout.pod_cgroup(QosClass::BestEffort, "d41d8cd98f00b204e9800998ecf8427e").is_ok());
    }

    #[test]
    fn pod_cgroups_are_recognised_like_upstream() {
        let layout = CgroupLayout::new("/", true).unwrap();
        let name = |text: &str| CgroupName::parse_cgroupfs(text).unwrap();
        assert_eq!(layout.pod_uid(&name("/kubepods/burstable/pod12-34")), Some("12-34"));
        assert_eq!(layout.pod_uid(&name("/kubepods/pod12-34")), Some("12-34"));
        assert_eq!(layout.pod_uid(&name("/kubepods/burstable")), None, "a tier is not a pod");
        assert_eq!(layout.pod_uid(&name("/kubepods/burstable/pod1/c")), None);
        assert_eq!(layout.pod_uid(&name("/kubepods/burstable/podpod")), None);
        assert_eq!(layout.pod_uid(&name("/other/tree/pod9")), Some("9"), "upstream checks the depth only");
    }
}
