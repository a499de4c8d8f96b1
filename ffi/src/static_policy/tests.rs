use super::*;
use crate::cpuset::nodecore_cpuset_free;
use crate::error::nodecore_error_free;
use crate::pod::NODECORE_QOS_GUARANTEED;
use crate::span::nodecore_span;
use crate::topology::{nodecore_topology_free, nodecore_topology_named};
use std::ptr;

fn topology(name: &str) -> *mut nodecore_topology {
    let mut out = ptr::null_mut();
    let status = unsafe { nodecore_topology_named(name.as_ptr().cast(), name.len(), &mut out, ptr::null_mut()) };
    assert_eq!(status, nodecore_status::Ok);
    out
}

fn config(topology: *const nodecore_topology, options: &str, state_dir: &str) -> nodecore_static_policy_config {
    nodecore_static_policy_config {
        size: size_of::<nodecore_static_policy_config>(),
        topology,
        reserved_cpus: ptr::null(),
        num_reserved_cpus: 1,
        options_json: options.as_ptr().cast(),
        options_json_len: options.len(),
        option_gates: NODECORE_CPU_OPTION_GATES_DEFAULT,
        topology_manager_policy: ptr::null(),
        topology_manager_policy_len: 0,
        state_dir: state_dir.as_ptr().cast(),
        state_dir_len: state_dir.len(),
        state_file: ptr::null(),
        state_file_len: 0,
    }
}

fn new_policy(
    config: &nodecore_static_policy_config,
) -> Result<*mut nodecore_static_policy, (nodecore_status, String)> {
    let mut out = ptr::null_mut();
    let mut err = ptr::null_mut();
    let status = unsafe { nodecore_static_policy_new(config, &mut out, &mut err) };
    if status == nodecore_status::Ok {
        return Ok(out);
    }
    assert!(out.is_null());
    let message = unsafe { std::ffi::CStr::from_ptr(crate::error::nodecore_error_message(err)) };
    let message = message.to_str().unwrap().to_owned();
    unsafe { nodecore_error_free(err) };
    Err((status, message))
}

/// A Guaranteed pod `uid` whose one app container `app` asks for `cpus` CPUs.
struct OnePod {
    names: String,
    pod: nodecore_pod,
    containers: [nodecore_container; 1],
}

fn one_pod(uid: &str, cpus: i64) -> OnePod {
    let names = format!("{uid}app");
    let pod = nodecore_pod { uid: nodecore_span { offset: 0, len: uid.len() }, qos: NODECORE_QOS_GUARANTEED };
    let container = nodecore_container {
        name: nodecore_span { offset: uid.len(), len: 3 },
        cpu_request_milli: cpus * 1000,
        cpu_limit_milli: cpus * 1000,
        init: false,
        restartable: false,
    };
    OnePod { names, pod, containers: [container] }
}

fn allocate(
    policy: *const nodecore_static_policy,
    pod: &OnePod,
    affinity: Option<nodecore_hint>,
) -> Result<String, nodecore_status> {
    let mut out = ptr::null_mut();
    let affinity = affinity.as_ref().map_or(ptr::null(), |hint| hint as *const nodecore_hint);
    let status = unsafe {
        nodecore_static_policy_allocate(
            policy,
            pod.names.as_ptr().cast(),
            pod.names.len(),
            &pod.pod,
            pod.containers.as_ptr(),
            1,
            0,
            affinity,
            &mut out,
            ptr::null_mut(),
        )
    };
    if status != nodecore_status::Ok {
        assert!(out.is_null());
        return Err(status);
    }
    let text = unsafe { &*out }.set.to_string();
    unsafe { nodecore_cpuset_free(out) };
    Ok(text)
}

fn cpus(policy: *const nodecore_static_policy, which: nodecore_policy_cpus) -> String {
    let mut out = ptr::null_mut();
    assert_eq!(unsafe { nodecore_static_policy_cpus(policy, which, &mut out, ptr::null_mut()) }, nodecore_status::Ok);
    let text = unsafe { &*out }.set.to_string();
    unsafe { nodecore_cpuset_free(out) };
    text
}

#[test]
fn allocates_releases_and_reports_like_the_library() {
    let topo = topology("single-socket-ht");
    let policy = new_policy(&config(topo, "", "")).unwrap();
    unsafe { nodecore_topology_free(topo) };
    assert_eq!(cpus(policy, NODECORE_POLICY_CPUS_RESERVED), "0");
    let pod = one_pod("pod-1", 2);
    assert_eq!(allocate(policy, &pod, None).unwrap(), "1,5");
    assert_eq!(allocate(policy, &pod, None).unwrap(), "1,5", "a container keeps its CPUs");
    assert_eq!(cpus(policy, NODECORE_POLICY_CPUS_SHARED), "0,2-4,6-7");
    assert_eq!(cpus(policy, NODECORE_POLICY_CPUS_AVAILABLE), "2-4,6-7");
    assert_eq!(cpus(policy, NODECORE_POLICY_CPUS_ALLOCATABLE), "1-7");
    let mut json = ptr::null_mut();
    unsafe { nodecore_static_policy_state_json(policy, &mut json, ptr::null_mut()) };
    let text = unsafe { std::ffi::CStr::from_ptr(json) }.to_str().unwrap().to_owned();
    unsafe { crate::string::nodecore_string_free(json) };
    assert_eq!(text, r#"{"defaultCpuSet":"0,2-4,6-7","entries":{"pod-1":{"app":"1,5"}}}"#);
    let status = unsafe {
        nodecore_static_policy_remove_container(policy, c"pod-1".as_ptr(), 5, c"app".as_ptr(), 3, ptr::null_mut())
    };
    assert_eq!(status, nodecore_status::Ok);
    assert_eq!(cpus(policy, NODECORE_POLICY_CPUS_SHARED), "0-7");
    let mut err = ptr::null_mut();
    assert_eq!(
        unsafe { nodecore_static_policy_cpus(policy, 4, &mut ptr::null_mut(), &mut err) },
        nodecore_status::InvalidArgument
    );
    unsafe { nodecore_error_free(err) };
    unsafe { nodecore_static_policy_free(policy) };
}

#[test]
fn hints_follow_the_policy_and_feed_allocation() {
    let topo = topology("dual-socket-ht");
    let policy = new_policy(&config(topo, "", "")).unwrap();
    unsafe { nodecore_topology_free(topo) };
    let pod = one_pod("pod-1", 2);
    let mut buf = [nodecore_hint::default(); 4];
    let (mut len, mut none) = (0usize, true);
    let status = unsafe {
        nodecore_static_policy_topology_hints(
            policy,
            pod.names.as_ptr().cast(),
            pod.names.len(),
            &pod.pod,
            pod.containers.as_ptr(),
            1,
            0,
            buf.as_mut_ptr(),
            buf.len(),
            &mut len,
            &mut none,
            ptr::null_mut(),
        )
    };
    assert_eq!((status, none, len), (nodecore_status::Ok, false, 3));
    let masks: Vec<_> = buf[..len].iter().map(|h| (h.numa_mask, h.preferred)).collect();
    assert_eq!(masks, [(0b01, true), (0b10, true), (0b11, false)]);
    assert_eq!(allocate(policy, &pod, Some(buf[1])).unwrap(), "1,7", "a whole core of NUMA node 1");
    let burstable =
        OnePod { pod: nodecore_pod { qos: crate::pod::NODECORE_QOS_BURSTABLE, ..pod.pod }, ..one_pod("pod-2", 2) };
    let status = unsafe {
        nodecore_static_policy_pod_topology_hints(
            policy,
            burstable.names.as_ptr().cast(),
            burstable.names.len(),
            &burstable.pod,
            burstable.containers.as_ptr(),
            1,
            buf.as_mut_ptr(),
            0,
            &mut len,
            &mut none,
            ptr::null_mut(),
        )
    };
    assert_eq!((status, none, len), (nodecore_status::Ok, true, 0), "no preference fits any buffer");
    assert_eq!(allocate(policy, &burstable, None).unwrap(), "", "shared pool");
    unsafe { nodecore_static_policy_free(policy) };
}

#[test]
fn refusals_carry_the_cpu_manager_kinds() {
    let topo = topology("single-socket-ht");
    let err = new_policy(&config(topo, r#"{"align-by-socket":"true"}"#, "")).unwrap_err();
    assert_eq!(err.0, nodecore_status::InvalidOptions);
    assert!(err.1.contains("Alpha-level Options not enabled"), "{}", err.1);
    assert_eq!(new_policy(&config(topo, "[1]", "")).unwrap_err().0, nodecore_status::InvalidInput);
    assert_eq!(
        new_policy(&nodecore_static_policy_config { size: 8, ..config(topo, "", "") }).unwrap_err().0,
        nodecore_status::InvalidArgument
    );
    assert_eq!(
        new_policy(&nodecore_static_policy_config { option_gates: 4, ..config(topo, "", "") }).unwrap_err().0,
        nodecore_status::InvalidArgument
    );
    assert_eq!(
        new_policy(&nodecore_static_policy_config { num_reserved_cpus: 9, ..config(topo, "", "") }).unwrap_err().0,
        nodecore_status::InvalidReserved
    );
    assert_eq!(
        new_policy(&nodecore_static_policy_config { topology: ptr::null(), ..config(topo, "", "") }).unwrap_err().0,
        nodecore_status::NullArgument
    );
    let policy = new_policy(&config(topo, r#"{"full-pcpus-only":"true"}"#, "")).unwrap();
    assert_eq!(allocate(policy, &one_pod("pod-1", 3), None).unwrap_err(), nodecore_status::SmtAlignment);
    assert_eq!(allocate(policy, &one_pod("pod-1", 8), None).unwrap_err(), nodecore_status::SmtAlignment);
    assert_eq!(allocate(policy, &one_pod("pod/1", 2), None).unwrap_err(), nodecore_status::InvalidName);
    unsafe { nodecore_static_policy_free(policy) };
    let policy = new_policy(&config(topo, "", "")).unwrap();
    assert_eq!(allocate(policy, &one_pod("pod-1", 8), None).unwrap_err(), nodecore_status::Insufficient);
    unsafe { nodecore_static_policy_free(policy) };
    unsafe { nodecore_topology_free(topo) };
}

#[test]
fn checkpoints_survive_a_new_handle_and_refuse_another_machine() {
    let dir = std::env::temp_dir().join(format!("nodecore-ffi-state-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let dir_text = dir.to_str().unwrap();
    let topo = topology("single-socket-ht");
    let policy = new_policy(&config(topo, "", dir_text)).unwrap();
    assert_eq!(allocate(policy, &one_pod("pod-1", 2), None).unwrap(), "1,5");
    unsafe { nodecore_static_policy_free(policy) };
    assert!(dir.join("cpu_manager_state").exists());
    let again = new_policy(&config(topo, "", dir_text)).unwrap();
    assert_eq!(cpus(again, NODECORE_POLICY_CPUS_SHARED), "0,2-4,6-7", "restored");
    unsafe { nodecore_static_policy_free(again) };
    unsafe { nodecore_topology_free(topo) };
    let other = topology("dual-socket-ht");
    assert_eq!(new_policy(&config(other, "", dir_text)).unwrap_err().0, nodecore_status::InvalidState);
    unsafe { nodecore_topology_free(other) };
    std::fs::write(dir.join("cpu_manager_state"), "{").unwrap();
    let topo = topology("single-socket-ht");
    assert_eq!(new_policy(&config(topo, "", dir_text)).unwrap_err().0, nodecore_status::InvalidCheckpoint);
    unsafe { nodecore_topology_free(topo) };
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn concurrent_allocations_never_share_a_cpu() {
    let topo = topology("dual-socket-ht");
    let policy = new_policy(&nodecore_static_policy_config { num_reserved_cpus: 0, ..config(topo, "", "") }).unwrap();
    unsafe { nodecore_topology_free(topo) };
    let shared = policy as usize;
    let handles: Vec<_> = (0..6)
        .map(|i| {
            std::thread::spawn(move || {
                let pod = one_pod(&format!("pod-{i}"), 2);
                allocate(shared as *const nodecore_static_policy, &pod, None).unwrap()
            })
        })
        .collect();
    let mut all = CpuSet::new();
    for handle in handles {
        let cpus: CpuSet = handle.join().unwrap().parse().unwrap();
        assert_eq!(cpus.len(), 2);
        assert!(all.is_disjoint(&cpus));
        all = all.union(&cpus);
    }
    assert_eq!(all.len(), 12);
    unsafe { nodecore_static_policy_free(policy) };
}

#[test]
fn take_is_the_library_selection() {
    let topo = topology("dual-socket-ht");
    let available: CpuSet = "0-11".parse().unwrap();
    let available = nodecore_cpuset::into_raw(available);
    let take = |count, options: &str| {
        let mut out = ptr::null_mut();
        let status = unsafe {
            nodecore_cpu_take(topo, available, count, options.as_ptr().cast(), options.len(), &mut out, ptr::null_mut())
        };
        if status != nodecore_status::Ok {
            return Err(status);
        }
        let text = unsafe { &*out }.set.to_string();
        unsafe { nodecore_cpuset_free(out) };
        Ok(text)
    };
    let expected = cpumanager::take_by_topology(
        &nodecore::topology::named("dual-socket-ht").unwrap(),
        &"0-11".parse().unwrap(),
        4,
        &StaticPolicyOptions::default(),
    )
    .unwrap();
    assert_eq!(take(4, "").unwrap(), expected.to_string());
    assert_eq!(take(13, "").unwrap_err(), nodecore_status::Insufficient);
    assert_eq!(take(2, r#"{"no-such-option":"true"}"#).unwrap_err(), nodecore_status::InvalidOptions);
    assert!(take(4, r#"{"distribute-cpus-across-numa":"true"}"#).is_ok());
    unsafe { nodecore_cpuset_free(available) };
    unsafe { nodecore_topology_free(topo) };
}
