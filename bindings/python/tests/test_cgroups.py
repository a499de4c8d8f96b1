"""cgroup names and values through the typed API, checked against the
cgroups.name, cgroups.convert and swap.limit cases."""

import json
import pathlib

import pytest

from nodecore import NodecoreError
from nodecore.cgroups import (
    CgroupDriver,
    cgroup_path,
    container_swap,
    convert_cgroup_path,
    cpu_shares_to_weight,
    cpu_weight_to_shares,
    limited_swap_bytes,
    memory_high,
    milli_cpu_to_quota,
    milli_cpu_to_shares,
    pod_cgroup_path,
)

VECTORS = pathlib.Path(__file__).resolve().parents[3] / "tests" / "vectors"


def cases(name, kind):
    lines = (VECTORS / name).read_text().splitlines()
    found = [json.loads(line) for line in lines if line.strip()]
    return [pytest.param(case, id=case["id"]) for case in found if case["kind"] == kind]


@pytest.mark.parametrize("case", cases("cgroups.jsonl", "cgroups.name"))
def test_name_case(case):
    inputs, expect = case["input"], case["expect"]
    try:
        answer = {"path": cgroup_path(inputs["name"], inputs["driver"])}
    except NodecoreError as error:
        answer = {"error": error.kind}
    assert answer == {k: v for k, v in expect.items() if k != "message"}


@pytest.mark.parametrize("case", cases("cgroups.jsonl", "cgroups.convert"))
def test_convert_case(case):
    function, args = case["input"]["function"], case["input"]["args"]
    if function == "milli_cpu_to_shares":
        value = milli_cpu_to_shares(args["milli_cpu"])
    elif function == "milli_cpu_to_quota":
        value = milli_cpu_to_quota(args["milli_cpu"], args.get("period") or 100_000)
    elif function.startswith("cpu_shares_to_weight_"):
        value = cpu_shares_to_weight(args["shares"], "kubelet-linear" if function.endswith("linear") else "runc-quadratic")
    else:
        value = memory_high(
            args["memory_request"],
            args.get("memory_limit") or 0,
            args.get("node_allocatable_memory") or 0,
            args.get("throttling_factor", 0.9),
            args.get("page_size") or 4096,
        )
    assert {"value": value} == case["expect"]


@pytest.mark.parametrize("case", cases("swap.jsonl", "swap.limit"))
def test_swap_case(case):
    inputs = case["input"]
    try:
        setting = container_swap(
            qos=inputs["qos"],
            memory_request=inputs.get("memory_request") or 0,
            memory_limit=inputs.get("memory_limit") or 0,
            node_memory=inputs["node_memory"],
            node_swap=inputs["node_swap"],
            swap_behavior=inputs["swap_behavior"],
            critical=inputs["critical"],
        )
    except ValueError:
        assert "error" in case["expect"]
        return
    assert {"swap_max": setting.swap_max if setting.kind == "swap-max" else None} == case["expect"]


def test_paths_and_refusals():
    assert convert_cgroup_path("/kubepods/burstable", "cgroupfs", CgroupDriver.SYSTEMD) == "/kubepods.slice/kubepods-burstable.slice"
    assert pod_cgroup_path("1234", "Burstable", cgroup_root="/custom", cgroups_per_qos=False) == "/custom"
    with pytest.raises(NodecoreError) as raised:
        pod_cgroup_path("../etc")
    assert raised.value.kind == "invalid-name"
    assert len(cgroup_path(["component-with-a-long-name"] * 40, "systemd")) > 1000
    with pytest.raises(ValueError):
        CgroupDriver("docker")
    with pytest.raises(ValueError):
        cpu_shares_to_weight(2, "cubic")
    assert cpu_weight_to_shares(39) == 998
    assert memory_high(1 << 20, 1 << 20) is None
    assert limited_swap_bytes(1 << 30, 40 << 30, 5 << 30) == 134217728
    with pytest.raises(NodecoreError) as raised:
        limited_swap_bytes(1, 0, 1)
    assert raised.value.kind == "invalid-configuration"
    assert container_swap(qos="Burstable", node_memory=1, node_swap=1, cgroup_version=1).kind == "memsw-equals-memory-limit"
    with pytest.raises(NodecoreError) as raised:
        container_swap(qos="Burstable", node_memory=1, node_swap=1, cgroup_version=3)
    assert raised.value.kind == "invalid-argument"
