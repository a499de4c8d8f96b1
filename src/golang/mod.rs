//! The Go standard-library behaviour the kubelet's parsers and messages
//! depend on, in one place.
//!
//! The kubelet (and the container runtimes beside it) read configuration and
//! kernel files with Go's `strconv` and `time` parsers, and quote names in
//! their error messages with `%q`. Where nodecore must accept exactly what
//! they accept, or word an error exactly as they do, it uses these functions,
//! each written from the Go behaviour it names (Go 1.22, which builds the
//! kubelet 1.31, to Go 1.26: none of these changed in between):
//!
//! | Go | here |
//! |---|---|
//! | `strconv.Atoi`, `ParseInt(s, 10, 64)`, `ParseBool`, `*NumError` text | [`strconv`] |
//! | `strconv.ParseFloat(s, 32)` | [`float`] (public through `eviction`) |
//! | `strconv.Quote`, `%q`, `strconv.IsPrint` | [`quote`](mod@quote) |
//! | `time.ParseDuration` and its own quoting | [`time`] (public through `eviction`) |
//! | `bytes.TrimSpace` | [`bytes`] |
//! | the conversion `uint32(x)` | [`uint32`] |

pub(crate) mod bytes;
pub(crate) mod float;
mod isprint;
pub(crate) mod quote;
pub(crate) mod strconv;
pub(crate) mod time;

pub(crate) use quote::quote;

/// Go's conversion `uint32(x)` of an `int`: keeps the low 32 bits, so it
/// wraps rather than clamps (`-1` → 4294967295, 4294967296 → 0). This is how
/// the container runtimes store ids read from the user database into the OCI
/// spec.
pub(crate) fn uint32(id: i64) -> u32 {
    id as u32
}
