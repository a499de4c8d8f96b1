import gc
import json

import pytest

from nodecore import CPUInfo, CPUSet, NodecoreError, Status, Topology


def test_named_topology():
    with Topology.named("dual-socket-ht") as topo:
        assert (topo.num_cpus, topo.num_cores, topo.num_sockets, topo.num_numa_nodes) == (12, 6, 2, 2)
        assert topo.num_uncore_caches >= 1
        assert topo.cpu_info(7) == CPUInfo(core=1, socket=1, numa=1, uncore=topo.cpu_info(7).uncore)
        assert topo.cpus == CPUSet.parse("0-11")
        with pytest.raises(NodecoreError) as raised:
            topo.cpu_info(12)
        assert raised.value.kind == "invalid-argument"
        with pytest.raises(ValueError):
            topo.cpu_info(-1)


def test_json_round_trip_and_input_forms():
    with Topology.named("single-socket-ht") as topo:
        text = topo.to_json()
        assert text.startswith('{"cpus":[')
        as_dict = topo.to_dict()
    for form in (text, text.encode(), as_dict, json.dumps("single-socket-ht")):
        with Topology.from_json(form) as again:
            assert again.to_dict() == as_dict


@pytest.mark.parametrize(
    "data, kind, status",
    [
        ({"cpus": []}, "invalid-topology", Status.INVALID_TOPOLOGY),
        ("\"no-such-machine\"", "unknown-topology", Status.UNKNOWN_TOPOLOGY),
        ("{", "invalid-input", Status.INVALID_INPUT),
        ({"cpus": [{"cpu": 0}]}, "invalid-input", Status.INVALID_INPUT),
    ],
)
def test_refusals_carry_their_kinds(data, kind, status):
    with pytest.raises(NodecoreError) as raised:
        Topology.from_json(data)
    assert (raised.value.kind, raised.value.status) == (kind, status)
    assert raised.value.message


def test_names_all_load():
    names = Topology.names()
    assert "dual-socket-ht" in names and names == sorted(names)
    for name in names:
        Topology.named(name).close()
    with pytest.raises(NodecoreError) as raised:
        Topology.named("no-such-machine")
    assert raised.value.kind == "unknown-topology"


def test_close_is_idempotent_and_use_after_close_raises():
    topo = Topology.named("dual-socket-ht")
    topo.close()
    topo.close()
    assert "closed" in repr(topo)
    with pytest.raises(ValueError):
        topo.cpus
    with pytest.raises(TypeError):
        Topology()


def test_forgotten_topologies_are_collected():
    for _ in range(100):
        Topology.named("dual-socket-ht")
    gc.collect()
