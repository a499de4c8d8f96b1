import re

import pytest

import nodecore
from nodecore import NodecoreError, Status, eval_case, eval_jsonl
from nodecore._native import ffi, lib


def test_eval_case_answers_output_or_error():
    assert eval_case({"id": "a", "kind": "cpuset.parse", "input": {"text": "3,0-2"}}) == {
        "id": "a",
        "output": {"cpus": "0-3"},
    }
    answer = eval_case({"id": "b", "kind": "no.such-kind", "input": {}})
    assert answer["error"]["kind"] == "unknown-kind" and answer["id"] == "b"
    assert eval_case({"kind": "cpuset.parse"})["error"]["kind"] == "invalid-input"


def test_eval_jsonl_is_the_command_line_door():
    out = eval_jsonl('{"id":1,"kind":"cpuset.parse","input":{"text":"1"}}\n\nnot json\n')
    lines = out.splitlines()
    assert lines[0] == '{"id":1,"output":{"cpus":"1"}}'
    assert '"kind":"invalid-input"' in lines[1] and len(lines) == 2
    assert eval_jsonl("") == ""


def test_invalid_utf8_is_refused_by_the_abi():
    out = ffi.new("char **")
    status = lib.nodecore_eval(b"\xff", 1, out)
    assert status == Status.INVALID_UTF8 and out[0] == ffi.NULL
    with pytest.raises(NodecoreError) as raised:
        nodecore.errors.check(status)
    assert raised.value.kind == "invalid-utf8"


def test_versions():
    assert nodecore.abi_version() == nodecore.ABI_VERSION
    assert re.fullmatch(r"\d+\.\d+\.\d+.*", nodecore.library_version())


def test_status_numbers_are_frozen():
    assert (Status.OK, Status.NULL_ARGUMENT, Status.PANIC, Status.PARSE, Status.PASSWD_PARSE) == (0, 1, 5, 100, 803)
    assert nodecore.errors.status_name(Status.UNKNOWN_TOPOLOGY) == "unknown-topology"
    assert nodecore.errors.status_name(-1) == "unknown"


def test_the_package_binds_every_function_of_the_committed_header(repo):
    """maturin generates the cffi declarations from ffi/cbindgen.toml; this
    checks they cover include/nodecore.h, the header C and Go compile against."""
    header = (repo / "include" / "nodecore.h").read_text()
    functions = set(re.findall(r"\b(nodecore_\w+)\(", header))
    constants = set(re.findall(r"^#define (NODECORE_\w+) ", header, re.M)) - {"NODECORE_H"}
    assert functions and constants
    missing = sorted(name for name in functions | constants if not hasattr(lib, name))
    assert not missing
    assert ffi.sizeof("nodecore_topology_counts") == 5 * ffi.sizeof("size_t")
    assert ffi.sizeof("nodecore_cpu_info") == 4 * ffi.sizeof("size_t")
