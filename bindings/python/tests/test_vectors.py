"""Every case of tests/vectors/*.jsonl through eval_case, compared with its
``expect`` as the Rust harness tests/vectors.rs does."""

import json
import pathlib

import pytest

import nodecore

VECTORS = pathlib.Path(__file__).resolve().parents[3] / "tests" / "vectors"


def _cases():
    for path in sorted(VECTORS.glob("*.jsonl")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if line.strip():
                case = json.loads(line)
                yield pytest.param(case, id=str(case.get("id", f"{path.name}:{number}")))


CASES = list(_cases())


def json_equal(a, b) -> bool:
    """JSON equality with numbers by value (1 equals 1.0); booleans are not numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, int) and isinstance(b, int):
            return a == b
        return float(a) == float(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(v, b[k]) for k, v in a.items())
    return type(a) is type(b) and a == b


def case_passes(expect, answer) -> bool:
    """nodecore::eval::case_passes."""
    if isinstance(expect, dict) and isinstance(expect.get("error"), str):
        error = answer.get("error")
        if not isinstance(error, dict) or error.get("kind") != expect["error"]:
            return False
        part = expect.get("message")
        return not isinstance(part, str) or part in str(error.get("message", ""))
    has_error_key = isinstance(expect, dict) and "error" in expect
    return not has_error_key and "error" not in answer and "output" in answer and json_equal(expect, answer["output"])


def test_there_are_cases():
    assert CASES, f"no case files in {VECTORS}"


@pytest.mark.parametrize("case", CASES)
def test_vector(case):
    answer = nodecore.eval_case(case)
    assert answer.get("id") == case.get("id")
    assert case_passes(case["expect"], answer), f"expected {case['expect']}, answered {answer}"


@pytest.mark.parametrize(
    "expect, answer, passes",
    [
        ({"v": 1}, {"output": {"v": 1.0}}, True),
        ({"v": 1}, {"output": {"v": 2}}, False),
        ({"v": 1}, {"output": {"v": True}}, False),
        ({"v": [1, 2]}, {"output": {"v": [2, 1]}}, False),
        ({"v": 1}, {"output": {"v": 1, "w": 2}}, False),
        ({"error": "parse"}, {"error": {"kind": "parse", "message": 'invalid range "3-1" (3 > 1)'}}, True),
        ({"error": "parse", "message": "(3 > 1)"}, {"error": {"kind": "parse", "message": "x (3 > 1)"}}, True),
        ({"error": "parse", "message": "(1 > 3)"}, {"error": {"kind": "parse", "message": "(3 > 1)"}}, False),
        ({"error": "insufficient"}, {"error": {"kind": "parse", "message": ""}}, False),
        ({"cpus": ""}, {"error": {"kind": "parse", "message": ""}}, False),
        ({"error": "parse"}, {"output": {}}, False),
    ],
)
def test_comparison_is_the_rust_rule(expect, answer, passes):
    assert case_passes(expect, answer) is passes
