"""Supplemental-group resolution (KEP-3619): the uid, gid and groups
containerd or CRI-O gives a container."""

import os
from typing import Iterable, List, NamedTuple, Optional, Union

from ._native import ffi, lib
from .errors import check, new_error_out

Text = Union[str, bytes]

_POLICIES = {"Merge": lib.NODECORE_GROUPS_POLICY_MERGE, "Strict": lib.NODECORE_GROUPS_POLICY_STRICT}
_RUNTIMES = {"containerd": lib.NODECORE_RUNTIME_CONTAINERD, "cri-o": lib.NODECORE_RUNTIME_CRI_O}
_PARSERS = {"v0.4.0": lib.NODECORE_USER_PARSER_V0_4_0, "v0.4.1": lib.NODECORE_USER_PARSER_V0_4_1}


class ContainerUser(NamedTuple):
    """The identity a container's first process gets, as the runtime reports
    it; ``groups`` (which include ``gid``) are in the runtime's order."""

    uid: int
    gid: int
    groups: List[int]


def _choice(table, value, what):
    if value not in table:
        raise ValueError(f"unknown {what} {value!r}: expected one of {sorted(table)}")
    return table[value]


def _bytes(text: Optional[Text]) -> Optional[bytes]:
    return text.encode() if isinstance(text, str) else text


def resolve_groups(
    image_user: str = "",
    *,
    rootfs: Optional[Union[str, "os.PathLike[str]"]] = None,
    passwd: Optional[Text] = None,
    group: Optional[Text] = None,
    run_as_user: Optional[int] = None,
    run_as_group: Optional[int] = None,
    fs_group: Optional[int] = None,
    supplemental_groups: Iterable[int] = (),
    policy: str = "Merge",
    runtime: str = "containerd",
    parser: str = "v0.4.0",
    include_same_name_group: bool = False,
) -> ContainerUser:
    """Resolves the identity of a container whose image has ``USER
    image_user``, run with the given security context, as the runtime
    (``"containerd"`` or ``"cri-o"``) would.

    The image's files come from the root filesystem at ``rootfs`` (read
    without ever resolving a path outside it), or else from ``passwd`` and
    ``group`` text (None: the image has no such file)::

        >>> from nodecore import resolve_groups
        >>> passwd = "alice:x:1000:1000::/home/alice:/bin/sh\\n"
        >>> group = "wheel:x:10:alice\\ndevs:x:50000:alice\\n"
        >>> resolve_groups("alice", passwd=passwd, group=group, fs_group=2000)
        ContainerUser(uid=1000, gid=1000, groups=[10, 1000, 2000, 50000])
        >>> resolve_groups("alice", passwd=passwd, group=group, fs_group=2000, policy="Strict").groups
        [1000, 2000]

    ``include_same_name_group`` keeps (containerd, Merge) an image group
    named like the user, as containerd's fix does; the default is containerd
    as released. Raises NodecoreError with the runtime's or the API's words:
    kinds ``user-not-found``, ``uid-out-of-range``, ``gid-out-of-range``,
    ``passwd-parse``, ``open``, ``not-regular-file``, ``rootfs``, ...
    """
    user = image_user.encode()
    sc = ffi.new("nodecore_security_context *")
    for name, value in (("run_as_user", run_as_user), ("run_as_group", run_as_group), ("fs_group", fs_group)):
        if value is not None:
            setattr(sc, "has_" + name, True)
            setattr(sc, name, value)
    sc.supplemental_groups_policy = _choice(_POLICIES, policy, "supplementalGroupsPolicy")
    ids = [int(g) for g in supplemental_groups]
    c_ids = ffi.new("int64_t[]", ids or [0])
    options = ffi.new(
        "nodecore_groups_options *",
        {
            "runtime": _choice(_RUNTIMES, runtime, "runtime"),
            "parser": _choice(_PARSERS, parser, "parser"),
            "include_same_name_group": include_same_name_group,
        },
    )
    passwd, group = _bytes(passwd), _bytes(group)
    root = os.fsencode(rootfs) if rootfs is not None else None
    cap = 16
    while True:
        out = ffi.new("nodecore_container_user *")
        groups = ffi.new("uint32_t[]", cap)
        length = ffi.new("size_t *")
        err = new_error_out()
        if root is not None:
            status = lib.nodecore_groups_resolve_rootfs(
                root, len(root), user, len(user), sc, c_ids, len(ids), options, out, groups, cap, length, err
            )
        else:
            status = lib.nodecore_groups_resolve_files(
                passwd or b"", len(passwd or b""), passwd is not None,
                group or b"", len(group or b""), group is not None,
                user, len(user), sc, c_ids, len(ids), options, out, groups, cap, length, err,
            )  # fmt: skip
        if status == lib.NODECORE_STATUS_INSUFFICIENT_SPACE and length[0] > cap:
            lib.nodecore_error_free(err[0])
            cap = length[0]
            continue
        check(status, err)
        return ContainerUser(out.uid, out.gid, list(groups[0 : length[0]]))
