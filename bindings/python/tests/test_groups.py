"""Supplemental-group resolution through the typed API, checked against
every groups.resolve case, and on a root filesystem on disk."""

import json
import pathlib

import pytest

from nodecore import ContainerUser, NodecoreError, resolve_groups

VECTORS = pathlib.Path(__file__).resolve().parents[3] / "tests" / "vectors" / "groups.jsonl"
CASES = [json.loads(line) for line in VECTORS.read_text().splitlines() if line.strip()]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_resolve_case(case):
    inputs = case["input"]
    kwargs = dict(
        passwd=inputs["passwd"],
        group=inputs["group"],
        run_as_user=inputs["run_as_user"],
        run_as_group=inputs["run_as_group"],
        fs_group=inputs["fs_group"],
        supplemental_groups=inputs["supplemental_groups"],
        policy=inputs["policy"],
        runtime=inputs["runtime"],
        parser=inputs.get("parser", "v0.4.0"),
        include_same_name_group=inputs.get("exclude_same_name_group") is False,
    )
    expect = case["expect"]
    if "error" in expect:
        with pytest.raises(NodecoreError) as raised:
            resolve_groups(inputs["image_user"], **kwargs)
        assert raised.value.kind == expect["error"]
        return
    assert resolve_groups(inputs["image_user"], **kwargs) == ContainerUser(expect["uid"], expect["gid"], expect["groups"])


def test_rootfs_never_leaves_the_root(tmp_path):
    root = tmp_path / "root"
    (root / "etc").mkdir(parents=True)
    (root / "etc" / "passwd").write_text("alice:x:1000:1000::/:/bin/sh\n")
    outside = tmp_path / "group"
    outside.write_text("devs:x:5000:alice\n")
    (root / "etc" / "group").symlink_to(outside)
    assert resolve_groups("alice", rootfs=root) == ContainerUser(1000, 1000, [1000])
    with pytest.raises(NodecoreError) as raised:
        resolve_groups("alice", rootfs=tmp_path / "missing")
    assert raised.value.kind == "rootfs"


def test_options_and_bytes():
    assert resolve_groups(passwd=b"root:x:0:0:r\xe9:/root:/bin/sh\n") == ContainerUser(0, 0, [0])
    many = resolve_groups(passwd="", supplemental_groups=range(1, 101))
    assert len(many.groups) == 101
    for bad in (dict(policy="Lenient"), dict(runtime="docker"), dict(parser="v9")):
        with pytest.raises(ValueError):
            resolve_groups(passwd="", **bad)
