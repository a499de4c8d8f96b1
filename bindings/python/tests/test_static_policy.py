import json
import threading

import pytest

from nodecore import CPUSet, Container, Hint, NodecoreError, Pod, QOSClass, StaticPolicy, Status, Topology, take_cpus


def guaranteed(uid, cpus, name="app"):
    return Pod(uid, "Guaranteed", containers=[Container(name, cpus * 1000, cpus * 1000)])


@pytest.fixture
def single():
    with Topology.named("single-socket-ht") as topo:
        yield topo


@pytest.fixture
def dual():
    with Topology.named("dual-socket-ht") as topo:
        yield topo


def test_allocate_and_release(single):
    with StaticPolicy(single, num_reserved=1) as policy:
        assert policy.reserved_cpus == CPUSet([0])
        assert policy.allocate(guaranteed("pod-1", 2), "app") == CPUSet.parse("1,5")
        assert str(policy.shared_cpus) == "0,2-4,6-7"
        assert str(policy.available_cpus) == "2-4,6-7"
        assert str(policy.allocatable_cpus) == "1-7"
        assert policy.cpus("pod-1", "app") == CPUSet.parse("1,5")
        assert policy.assignments == {"pod-1": {"app": CPUSet.parse("1,5")}}
        burstable = Pod("pod-2", QOSClass.BURSTABLE, containers=[Container("app", 2000)])
        assert not policy.allocate(burstable, "app")
        policy.remove_container("pod-1", "app")
        assert str(policy.shared_cpus) == "0-7"
        assert policy.assignments == {}
        with pytest.raises(KeyError):
            policy.allocate(guaranteed("pod-1", 2), "nope")


def test_hints_steer_allocation(dual):
    policy = StaticPolicy(dual, num_reserved=1)
    pod = guaranteed("pod-1", 2)
    hints = policy.topology_hints(pod, "app")
    assert hints == [Hint([0], True), Hint([1], True), Hint([0, 1], False)]
    assert policy.pod_topology_hints(pod) == hints
    assert str(policy.allocate(pod, "app", affinity=hints[1])) == "1,7"
    assert str(policy.allocate(guaranteed("pod-2", 2), "app", affinity={"affinity": [0], "preferred": True})) == "2,8"
    assert policy.topology_hints(Pod("pod-3", "Guaranteed", containers=[Container("app", 500, 500)]), "app") is None
    assert policy.topology_hints(guaranteed("pod-4", 64), "app") == []


def test_init_containers_lend_their_cpus(single):
    policy = StaticPolicy(single, num_reserved=1)
    pod = Pod("pod-1", "Guaranteed", init_containers=[Container("init", 2000, 2000)], containers=[Container("app", 2000)])
    assert policy.allocate(pod, "init") == policy.allocate(pod, "app") == CPUSet.parse("1,5")


def test_refusals_carry_kubelet_messages(single):
    with pytest.raises(NodecoreError) as raised:
        StaticPolicy(single, num_reserved=1, options={"align-by-socket": True})
    assert raised.value.kind == "invalid-options" and raised.value.status == Status.INVALID_OPTIONS
    assert 'option "align-by-socket" provided' in raised.value.message
    with pytest.raises(NodecoreError) as raised:
        StaticPolicy(single, num_reserved=1, options={"distribute-cpus-across-numa": True}, beta_options=False)
    assert "Beta-level" in raised.value.message
    with pytest.raises(NodecoreError) as raised:
        StaticPolicy(single, reserved=CPUSet([0, 4]), num_reserved=3)
    assert raised.value.kind == "invalid-reserved"
    assert StaticPolicy(single, reserved=CPUSet([0, 4])).reserved_cpus == CPUSet([0, 4])

    policy = StaticPolicy(single, num_reserved=1, options={"full-pcpus-only": "true"})
    with pytest.raises(NodecoreError) as raised:
        policy.allocate(guaranteed("pod-1", 3), "app")
    assert raised.value.kind == "smt-alignment"
    assert raised.value.message == "SMT Alignment Error: requested 3 cpus not multiple cpus per core = 2"
    with pytest.raises(NodecoreError) as raised:
        policy.allocate(guaranteed("pod/1", 2), "app")
    assert raised.value.kind == "invalid-name"
    with pytest.raises(NodecoreError) as raised:
        StaticPolicy(single, num_reserved=1).allocate(guaranteed("pod-1", 8), "app")
    assert raised.value.kind == "insufficient"
    with pytest.raises(ValueError):
        Container("app", -1)
    with pytest.raises(ValueError):
        Pod("pod-1", "Gold")


def test_checkpoint_round_trip(single, dual, tmp_path):
    with StaticPolicy(single, num_reserved=1, state_dir=tmp_path) as policy:
        policy.allocate(guaranteed("pod-1", 2), "app")
    checkpoint = json.loads((tmp_path / "cpu_manager_state").read_text())
    assert checkpoint["entries"] == {"pod-1": {"app": "1,5"}} and checkpoint["policyName"] == "static"
    with StaticPolicy(single, num_reserved=1, state_dir=str(tmp_path)) as again:
        assert str(again.shared_cpus) == "0,2-4,6-7"
    with pytest.raises(NodecoreError) as raised:
        StaticPolicy(dual, num_reserved=1, state_dir=tmp_path)
    assert raised.value.kind == "invalid-state"
    (tmp_path / "cpu_manager_state").write_text('{"policyName":"static","defaultCpuSet":"0-7","checksum":1}')
    with pytest.raises(NodecoreError) as raised:
        StaticPolicy(single, num_reserved=1, state_dir=tmp_path)
    assert raised.value.kind == "corrupt-checkpoint"


def test_threads_never_share_a_cpu(dual):
    policy = StaticPolicy(dual)
    results = {}

    def allocate(i):
        results[i] = policy.allocate(guaranteed(f"pod-{i}", 2), "app")

    threads = [threading.Thread(target=allocate, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seen = CPUSet()
    for cpus in results.values():
        assert len(cpus) == 2 and not (cpus & seen)
        seen = seen | cpus
    assert seen == dual.cpus


def test_close_is_idempotent(single):
    policy = StaticPolicy(single, num_reserved=1)
    policy.close()
    policy.close()
    with pytest.raises(ValueError):
        policy.shared_cpus


def test_take_cpus(dual):
    assert str(take_cpus(dual, dual.cpus, 6)) == "0,2,4,6,8,10"
    assert len(take_cpus(dual, range(12), 4, {"distribute-cpus-across-numa": True})) == 4
    with pytest.raises(NodecoreError) as raised:
        take_cpus(dual, dual.cpus, 13)
    assert raised.value.kind == "insufficient"


def test_hint_normalises_and_checks_nodes():
    assert Hint({1, 0}, 1) == Hint((0, 1), True)
    assert Hint([3]).mask == 8 and Hint(None, True).mask == 0
    with pytest.raises(ValueError):
        Hint([64], True)


def test_discover_this_machine(tmp_path):
    with Topology.discover() as topo:
        assert topo.num_cpus >= 1 and len(topo.cpus) == topo.num_cpus
    distances = Topology.numa_distances()
    assert all(len(row) == len(distances) and row[node] == 10 for node, row in distances.items())
    with pytest.raises(NodecoreError) as raised:
        Topology.discover(tmp_path)
    assert raised.value.kind == "discovery"
    assert Topology.numa_distances(tmp_path) == {}
