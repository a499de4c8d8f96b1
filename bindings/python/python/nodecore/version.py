"""Versions of the C ABI and of the library, checked once at import."""

from ._native import ffi, lib

#: The C ABI version this package was built against, as (major, minor).
ABI_VERSION = (lib.NODECORE_ABI_VERSION_MAJOR, lib.NODECORE_ABI_VERSION_MINOR)


def abi_version() -> tuple:
    """The loaded library's C ABI version, as (major, minor)."""
    packed = lib.nodecore_abi_version()
    return packed >> 16, packed & 0xFFFF


def library_version() -> str:
    """The loaded library's version, e.g. ``"0.1.0"``."""
    return ffi.string(lib.nodecore_version()).decode()


def _check_abi() -> None:
    major, minor = abi_version()
    if major != ABI_VERSION[0] or minor < ABI_VERSION[1]:
        raise ImportError(
            f"nodecore: the loaded library has C ABI {major}.{minor}; "
            f"this package needs {ABI_VERSION[0]}.{ABI_VERSION[1]} or a later minor"
        )


_check_abi()
