//! Pods as the CPU manager reads them (`nodecore::cpumanager::Pod`): a UID,
//! a QoS class and the containers with their CPU requests and limits.
//!
//! A pod crosses as one `nodecore_pod`, an array of `nodecore_container`
//! (init containers flagged, in spec order among themselves) and one text
//! holding every name, which the records name by span.

use std::ffi::c_char;

use nodecore::cpumanager::{Container, Pod, QosClass};

use crate::arg;
use crate::error::Error;
use crate::span::nodecore_span;

/// A pod's QoS class (`status.qosClass`): one of the `NODECORE_QOS_*`
/// values. Only Guaranteed pods get exclusive CPUs.
pub type nodecore_qos_class = u32;

/// `Guaranteed`: every container's requests equal its limits.
pub const NODECORE_QOS_GUARANTEED: nodecore_qos_class = 0;
/// `Burstable`: some request or limit, but not Guaranteed.
pub const NODECORE_QOS_BURSTABLE: nodecore_qos_class = 1;
/// `BestEffort`: no request or limit at all.
pub const NODECORE_QOS_BEST_EFFORT: nodecore_qos_class = 2;

/// The QoS classes in the order of their constants.
pub(crate) const QOS_CLASSES: [QosClass; 3] = [QosClass::Guaranteed, QosClass::Burstable, QosClass::BestEffort];

/// A pod: its UID (`metadata.uid`, a span of the names text) and QoS class.
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct nodecore_pod {
    pub uid: nodecore_span,
    pub qos: nodecore_qos_class,
}

/// One container of a pod. `name` is a span of the names text;
/// `cpu_request_milli` and `cpu_limit_milli` are `resources.requests.cpu`
/// and `resources.limits.cpu` in millicores, negative when not set; `init`
/// marks a container of `spec.initContainers`, and `restartable` an init
/// container with `restartPolicy: Always` (a sidecar).
#[repr(C)]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct nodecore_container {
    pub name: nodecore_span,
    pub cpu_request_milli: i64,
    pub cpu_limit_milli: i64,
    pub init: bool,
    pub restartable: bool,
}

/// A pod passed as `(names, names_len, pod, containers, containers_len)`.
pub(crate) struct PodArgs {
    pub(crate) names: *const c_char,
    pub(crate) names_len: usize,
    pub(crate) pod: *const nodecore_pod,
    pub(crate) containers: *const nodecore_container,
    pub(crate) containers_len: usize,
}

impl PodArgs {
    /// The pod and, for each record of `containers` in the order given,
    /// where its container went (so a record index finds its container).
    ///
    /// # Safety
    /// `names` is valid for reading `names_len` bytes, `pod` for one record,
    /// `containers` for `containers_len` records.
    pub(crate) unsafe fn read(&self) -> Result<(Pod, Vec<Slot>), Error> {
        // SAFETY: per the contract.
        let names = unsafe { arg::text(self.names, self.names_len, "names") }?;
        // SAFETY: per the contract.
        let pod = unsafe { self.pod.as_ref() }.ok_or_else(|| Error::null_argument("pod"))?;
        // SAFETY: per the contract.
        let records = unsafe { arg::array(self.containers, self.containers_len, "containers") }?;
        let qos = arg::choice(pod.qos, &QOS_CLASSES, "pod.qos")?;
        let mut result =
            Pod { uid: pod.uid.text(names, "pod.uid")?.to_owned(), qos, init_containers: vec![], containers: vec![] };
        let mut slots = Vec::with_capacity(records.len());
        for (index, record) in records.iter().enumerate() {
            let container = Container {
                name: record.name.text(names, format_args!("containers[{index}].name"))?.to_owned(),
                cpu_request_milli: u64::try_from(record.cpu_request_milli).ok(),
                cpu_limit_milli: u64::try_from(record.cpu_limit_milli).ok(),
                restartable: record.restartable,
            };
            let list = if record.init { &mut result.init_containers } else { &mut result.containers };
            slots.push(Slot { init: record.init, index: list.len() });
            list.push(container);
        }
        Ok((result, slots))
    }
}

/// Where a container record went: which list of the pod, at which index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot {
    init: bool,
    index: usize,
}

/// The container of record `index`, given the slots `read` returned.
pub(crate) fn container<'p>(pod: &'p Pod, slots: &[Slot], index: usize) -> Result<&'p Container, Error> {
    let slot = slots.get(index).ok_or_else(|| {
        Error::invalid_argument(format!("argument `container` is {index}; the pod has {} containers", slots.len()))
    })?;
    Ok(if slot.init { &pod.init_containers[slot.index] } else { &pod.containers[slot.index] })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ptr;

    fn args(names: &str, pod: &nodecore_pod, containers: &[nodecore_container]) -> PodArgs {
        PodArgs {
            names: names.as_ptr().cast(),
            names_len: names.len(),
            pod,
            containers: containers.as_ptr(),
            containers_len: containers.len(),
        }
    }

    fn span(offset: usize, len: usize) -> nodecore_span {
        nodecore_span { offset, len }
    }

    #[test]
    fn pods_read_names_by_span_and_split_init_containers() {
        let names = "pod-1appsetup";
        let pod = nodecore_pod { uid: span(0, 5), qos: NODECORE_QOS_GUARANTEED };
        let containers = [
            nodecore_container {
                name: span(5, 3),
                cpu_request_milli: 2000,
                cpu_limit_milli: -1,
                init: false,
                restartable: false,
            },
            nodecore_container {
                name: span(8, 5),
                cpu_request_milli: -1,
                cpu_limit_milli: 1000,
                init: true,
                restartable: true,
            },
        ];
        let (pod, slots) = unsafe { args(names, &pod, &containers).read() }.unwrap();
        assert_eq!(pod.uid, "pod-1");
        assert_eq!(pod.containers[0].cpu_request_milli, Some(2000));
        assert_eq!(pod.containers[0].cpu_limit_milli, None);
        assert!(pod.init_containers[0].restartable);
        assert_eq!(container(&pod, &slots, 0).unwrap().name, "app");
        assert_eq!(container(&pod, &slots, 1).unwrap().name, "setup");
        assert!(container(&pod, &slots, 2).is_err());
    }

    #[test]
    fn bad_records_are_refused() {
        let pod = nodecore_pod { uid: span(0, 9), qos: 0 };
        assert!(unsafe { args("pod", &pod, &[]).read() }.unwrap_err().message.contains("pod.uid"));
        let pod = nodecore_pod { uid: span(0, 3), qos: 7 };
        assert!(unsafe { args("pod", &pod, &[]).read() }.unwrap_err().message.contains("pod.qos"));
        let null = PodArgs { pod: ptr::null(), ..args("pod", &pod, &[]) };
        assert_eq!(unsafe { null.read() }.unwrap_err().status, crate::status::nodecore_status::NullArgument);
    }
}
