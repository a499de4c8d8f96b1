#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora from the case files.

    python3 fuzz/seed.py tests/vectors fuzz/corpus

Each target gets the inputs of its shape that the vectors hold: CPU lists,
topologies, passwd/group files, eviction flags, checkpoints built from the
CPU manager cases, and every case line for the C ABI's eval door. Files are
named by content hash, so reruns add nothing twice.
"""

import hashlib
import json
import sys
from pathlib import Path


def cases(vectors, name):
    path = vectors / name
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def fnv1a_32(data):
    h = 0x811C9DC5
    for b in data:
        h = ((h ^ b) * 0x01000193) & 0xFFFFFFFF
    return h


def checkpoint(policy, default, entries, with_checksum):
    """A V2 checkpoint as the kubelet writes it (go-spew text, FNV-1a 32)."""
    spew_entries = "map[" + " ".join(
        f"{pod}:map[" + " ".join(f"{c}:{cpus}" for c, cpus in sorted(containers.items())) + "]"
        for pod, containers in sorted(entries.items())
    ) + "]"
    spew = (
        f"(*state.CPUManagerCheckpoint){{PolicyName:(string){policy} DefaultCPUSet:(string){default} "
        f"Entries:(map[string]map[string]string){spew_entries} Checksum:(checksum.Checksum)0}}"
    )
    doc = {"policyName": policy, "defaultCpuSet": default}
    if entries:
        doc["entries"] = entries
    doc["checksum"] = fnv1a_32(spew.encode()) if with_checksum else 0
    return json.dumps(doc, separators=(",", ":"))


def cpu_lists(value):
    """Every string in a cpu case input that is a CPU list field."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key in ("available", "reserved", "reusable", "text") and isinstance(inner, str):
                yield inner
            else:
                yield from cpu_lists(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from cpu_lists(inner)


def flag(mapping, sep):
    return ",".join(f"{k}{sep}{v}" for k, v in mapping.items())


def main():
    vectors, out = Path(sys.argv[1]), Path(sys.argv[2])
    seeds = {name: set() for name in
             ("cpuset_parse", "topology_json", "etc_files", "eviction_thresholds", "checkpoint", "ffi_eval")}

    cpu = cases(vectors, "cpu.jsonl")
    for case in cpu:
        seeds["cpuset_parse"].update(text.encode() for text in cpu_lists(case["input"]))
        assignments = case["input"].get("assignments")
        if isinstance(assignments, dict):
            for with_checksum in (True, False):
                seeds["checkpoint"].add(checkpoint("static", "0-1", assignments, with_checksum).encode())
    seeds["checkpoint"].add(b'{"policyName":"static","defaultCpuSet":"0-3","entries":{"c1":"4-5"},"checksum":0}')

    topologies = json.loads((vectors / "topologies.json").read_text())
    for name, topology in topologies.items():
        seeds["topology_json"].add(json.dumps({"cpus": topology["cpus"]}).encode())
        seeds["topology_json"].add(json.dumps(name).encode())

    for case in cases(vectors, "groups.jsonl"):
        i = case["input"]
        selector = (4 if i.get("runtime") == "cri-o" else 0) | (64 if i.get("policy") == "Strict" else 0)
        selector |= (1 if i.get("passwd") is None else 0) | (2 if i.get("group") is None else 0)
        parts = [i.get("passwd") or "", i.get("group") or "", i.get("image_user") or ""]
        seeds["etc_files"].add(bytes([selector]) + "\0".join(parts).encode())

    for case in cases(vectors, "eviction.jsonl"):
        i = case["input"]
        if case["kind"] == "eviction.thresholds":
            parts = [flag(i.get("hard", {}), "<"), flag(i.get("soft", {}), "<"),
                     flag(i.get("soft_grace", {}), "="), flag(i.get("min_reclaim", {}), "=")]
            seeds["eviction_thresholds"].add("\0".join(parts).encode())

    for path in sorted(vectors.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                seeds["ffi_eval"].add(line.encode())

    for target, inputs in seeds.items():
        directory = out / target
        directory.mkdir(parents=True, exist_ok=True)
        for data in inputs:
            (directory / hashlib.sha1(data).hexdigest()).write_bytes(data)
        print(f"{target}: {len(inputs)} seeds")


if __name__ == "__main__":
    main()
