//! The C ABI of nodecore. This crate holds no logic: it checks pointers,
//! converts, calls the `nodecore` crate and converts back.

/// The version of the C ABI; it changes only when a change breaks callers.
pub const NODECORE_ABI_VERSION: u32 = 1;

/// The version of the C ABI this library implements.
#[unsafe(no_mangle)]
pub extern "C" fn nodecore_abi_version() -> u32 {
    NODECORE_ABI_VERSION
}
