"""The shared case format: one JSON case in, one JSON answer out."""

import json

from ._native import ffi, lib
from .errors import check


def eval_jsonl(text: str) -> str:
    """Runs JSONL cases and returns the answers as JSONL, exactly as the
    ``nodecore eval`` command does: one answer line per non-blank case line."""
    data = text.encode()
    out = ffi.new("char **")
    check(lib.nodecore_eval(data, len(data), out))
    try:
        return ffi.string(out[0]).decode()
    finally:
        lib.nodecore_string_free(out[0])


def eval_case(case: dict) -> dict:
    """Runs one case (``{"id", "kind", "input", ...}``; ``expect`` is ignored)
    and returns its answer: ``{"id", "output": ...}``, or
    ``{"id", "error": {"kind", "message"}}`` where the library refuses the
    input. A refused input is an answer, not an exception, exactly as through
    every other door."""
    answer = eval_jsonl(json.dumps(case))
    return json.loads(answer)
