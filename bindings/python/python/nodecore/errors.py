"""Errors: the C ABI's status codes and error objects as Python exceptions."""

import enum

from ._native import ffi, lib

#: The C ABI's status codes (``Status.PARSE == 100``); the numbers never change.
Status = enum.IntEnum(
    "Status",
    sorted(
        ((name[len("NODECORE_STATUS_") :], getattr(lib, name)) for name in dir(lib) if name.startswith("NODECORE_STATUS_")),
        key=lambda item: item[1],
    ),
    module=__name__,
)


class NodecoreError(Exception):
    """A failure reported by the library.

    ``kind`` is the stable kind name (``"parse"``, ``"unknown-topology"``, ...),
    the same string the case files use; ``status`` the numeric code; and
    ``message`` says what was wrong, naming the input at fault.
    """

    def __init__(self, status: int, kind: str, message: str):
        super().__init__(f"{kind}: {message}")
        self.status = status
        self.kind = kind
        self.message = message


def status_name(status: int) -> str:
    """The stable kind name of a status code, or ``"unknown"``."""
    return ffi.string(lib.nodecore_status_name(status)).decode()


def check(status: int, err=None) -> None:
    """Raises the error a call reported, freeing its error object.

    ``err`` is the call's ``nodecore_error **`` out-parameter, or None when
    the call has none (the status alone then names the failure).
    """
    if status == lib.NODECORE_STATUS_OK:
        return
    if err is None or err[0] == ffi.NULL:
        raise NodecoreError(status, status_name(status), f"the call failed with status {status_name(status)}")
    obj = err[0]
    try:
        kind = ffi.string(lib.nodecore_error_kind(obj)).decode()
        message = ffi.string(lib.nodecore_error_message(obj)).decode()
        status = lib.nodecore_error_status(obj)
    finally:
        lib.nodecore_error_free(obj)
    raise NodecoreError(status, kind, message)


def new_error_out():
    """A fresh ``nodecore_error **`` out-parameter."""
    return ffi.new("nodecore_error **")
