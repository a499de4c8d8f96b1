"""Eviction thresholds, ranking and PID accounting through the typed API,
checked against the eviction.thresholds and eviction.rank cases."""

import json
import math
import pathlib

import pytest

from nodecore import NodecoreError, PodStats, Signal, eviction_thresholds, node_pids, pod_process_count, rank_pods

VECTORS = pathlib.Path(__file__).resolve().parents[3] / "tests" / "vectors" / "eviction.jsonl"
CASES = [json.loads(line) for line in VECTORS.read_text().splitlines() if line.strip()]


def of_kind(kind):
    return [pytest.param(case, id=case["id"]) for case in CASES if case["kind"] == kind]


@pytest.mark.parametrize("case", of_kind("eviction.rank"))
def test_rank_case(case):
    inputs = case["input"]
    order = rank_pods(inputs["pods"], inputs["signal"], image_fs=bool(inputs.get("image_fs")), container_fs=bool(inputs.get("container_fs")))
    assert [inputs["pods"][i]["name"] for i in order] == case["expect"]["order"]


def same_number(a, b):
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


@pytest.mark.parametrize("case", of_kind("eviction.thresholds"))
def test_thresholds_case(case):
    inputs = case["input"]
    config = {
        "evictionHard": inputs.get("hard"),
        "evictionSoft": inputs.get("soft"),
        "evictionSoftGracePeriod": inputs.get("soft_grace"),
        "evictionMinimumReclaim": inputs.get("min_reclaim"),
        "enforceNodeAllocatable": ["pods"] if inputs.get("allocatable_enforced") else [],
    }
    expect = case["expect"]
    if "error" in expect:
        with pytest.raises(NodecoreError) as raised:
            eviction_thresholds(config)
        assert raised.value.kind == expect["error"]
        return
    rows = sorted(eviction_thresholds(config), key=lambda t: (t.signal, t.grace_period))
    assert len(rows) == len(expect["thresholds"])
    for got, want in zip(rows, expect["thresholds"]):
        assert got.signal == want["signal"] and got.quantity == want["quantity"]
        assert same_number(got.percentage, want["percentage"])
        assert got.grace_period == want["grace_period_s"]
        assert got.min_reclaim_quantity == want["min_reclaim_quantity"]
        assert same_number(got.min_reclaim_percentage, want["min_reclaim_percentage"])


def test_signals_and_pod_stats():
    assert Signal("pid.available") is Signal.PID_AVAILABLE and str(Signal.NODEFS_INODES_FREE) == "nodefs.inodesFree"
    with pytest.raises(NodecoreError) as raised:
        Signal("memory.free")
    assert raised.value.kind == "invalid-threshold"
    pods = [PodStats(priority=0, processes=3), PodStats(priority=0, processes=30), PodStats(has_stats=False)]
    assert rank_pods(pods, Signal.PID_AVAILABLE) == [2, 1, 0]
    assert rank_pods([], "memory.available") == []
    with pytest.raises(ValueError):
        rank_pods([{"name": "x", "requests": {"memory": "1.5Gi"}}], "memory.available")


def test_pids(tmp_path):
    numbers = node_pids()
    assert numbers.max_pid > 0 and numbers.running_tasks > 0 and numbers.available == numbers.max_pid - numbers.running_tasks
    for name, procs in {"a": "1\n2\n", "b": "3\n"}.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / "cgroup.procs").write_text(procs)
    assert pod_process_count(tmp_path) == 3
    (tmp_path / "empty").mkdir()
    assert pod_process_count(tmp_path / "empty") is None
    with pytest.raises(NodecoreError) as raised:
        pod_process_count(tmp_path / "missing")
    assert raised.value.kind == "io"
