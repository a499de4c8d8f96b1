"""The topology manager's merge through the typed API, checked against every
topology.merge case, one merge per case and one batch per configuration."""

import json
import pathlib

import pytest

from nodecore import Hint, MergeResult, NodecoreError, Status, TopologyPolicy, merge_hints

VECTORS = pathlib.Path(__file__).resolve().parents[3] / "tests" / "vectors" / "topology-merge.jsonl"
CASES = [json.loads(line) for line in VECTORS.read_text().splitlines() if line.strip()]


def config_of(case):
    inputs = case["input"]
    distances = {int(node): row for node, row in inputs.get("distances", {}).items()}
    return dict(policy=inputs["policy"], numa_nodes=inputs["numa_nodes"], distances=distances, options=inputs.get("options"))


def expected(result: MergeResult) -> dict:
    affinity = list(result.affinity) if result.affinity is not None else None
    return {"affinity": affinity, "preferred": result.preferred, "admit": result.admit}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_merge_case(case):
    try:
        result = merge_hints(case["input"]["providers"], **config_of(case))
    except NodecoreError as error:
        assert error.kind == case["expect"].get("error")
        return
    assert expected(result) == case["expect"]


def test_batches_answer_as_single_merges():
    by_config = {}
    for case in CASES:
        if "error" not in case["expect"]:
            by_config.setdefault(json.dumps(config_of(case), sort_keys=True), []).append(case)
    for key, cases in by_config.items():
        with TopologyPolicy(**json.loads(key)) as policy:
            results = policy.merge_batch([case["input"]["providers"] for case in cases])
        assert [expected(r) for r in results] == [case["expect"] for case in cases]


def test_no_preference_is_not_cannot_satisfy():
    policy = TopologyPolicy("restricted", numa_nodes=[0, 1])
    cpu = {"cpu": [Hint([1], True)]}
    assert policy.merge(cpu, {}).admit
    assert policy.merge(cpu, {"gpu": None}).admit
    assert not policy.merge(cpu, {"gpu": []}).admit
    assert policy.merge().hint == Hint([0, 1], True)
    assert policy.merge_batch([]) == []


@pytest.mark.parametrize(
    "kwargs, kind",
    [
        (dict(policy="fastest"), "unknown-policy"),
        (dict(numa_nodes=range(9)), "too-many-numa-nodes"),
        (dict(numa_nodes=[0, 1], options={"prefer-closest-numa-nodes": True}), "missing-distances"),
        (dict(options={"fancy": 1}), "invalid-options"),
    ],
)
def test_refusals(kwargs, kind):
    with pytest.raises(NodecoreError) as raised:
        TopologyPolicy(**kwargs)
    assert raised.value.kind == kind and raised.value.status == Status[kind.upper().replace("-", "_")]


def test_closed_policy_raises():
    policy = TopologyPolicy()
    policy.close()
    with pytest.raises(ValueError):
        policy.merge()
