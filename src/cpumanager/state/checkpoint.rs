//! The `cpu_manager_state` file format, byte for byte as the kubelet reads
//! and writes it (upstream `state/checkpoint.go` and `restoreState`).
//!
//! The kubelet writes V2: Go's `encoding/json` of
//! `{"policyName", "defaultCpuSet", "entries": {pod: {container: cpuset}}, "checksum"}`,
//! compact, map keys sorted, `entries` left out when empty. The checksum is
//! FNV-1a (32 bits) of go-spew's `%#v` text of the same struct with the
//! checksum set to 0. V1 (before Kubernetes 1.18) keyed `entries` by
//! container ID. Reading follows Go's decoder: keys match case-insensitively,
//! unknown keys are ignored, `null` leaves a field as it was (and makes a map
//! nil, which the checksum text shows as `<nil>`), the last duplicate wins.

use super::{ContainerMap, Error, StateData};
use crate::cpuset::CpuSet;
use serde::de::{self, DeserializeOwned, IgnoredAny, MapAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::marker::PhantomData;

/// A checkpoint as Go holds it after decoding. `entries: None` is a nil map.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Checkpoint<V> {
    pub policy_name: String,
    pub default_cpu_set: String,
    pub entries: Option<BTreeMap<String, V>>,
    pub checksum: u64,
}

/// The value type of a checkpoint's `entries` map: a CPU list (V1, keyed by
/// container ID) or a map of container name to CPU list (V2, keyed by pod
/// UID; `None` is a nil map).
pub(super) trait EntryValue: Sized {
    /// What the JSON decoder produces; `null` where Go allows it.
    type Wire: DeserializeOwned;
    /// Go's type name of the whole `entries` map, as go-spew prints it.
    const MAP_TYPE: &'static str;
    fn from_wire(wire: Self::Wire) -> Self;
    /// go-spew's rendering of the value inside a map (no type prefix).
    fn spew(&self, out: &mut String);
}

/// V1: container ID → CPU list.
impl EntryValue for String {
    type Wire = Option<String>;
    const MAP_TYPE: &'static str = "map[string]string";

    fn from_wire(wire: Option<String>) -> String {
        wire.unwrap_or_default()
    }

    fn spew(&self, out: &mut String) {
        out.push_str(self);
    }
}

/// V2: pod UID → container name → CPU list.
impl EntryValue for Option<BTreeMap<String, String>> {
    type Wire = Option<BTreeMap<String, Option<String>>>;
    const MAP_TYPE: &'static str = "map[string]map[string]string";

    fn from_wire(wire: Self::Wire) -> Self {
        wire.map(|containers| containers.into_iter().map(|(name, cpus)| (name, cpus.unwrap_or_default())).collect())
    }

    fn spew(&self, out: &mut String) {
        spew_map(self.as_ref(), out);
    }
}

pub(super) type CheckpointV1 = Checkpoint<String>;
pub(super) type CheckpointV2 = Checkpoint<Option<BTreeMap<String, String>>>;

impl<V> Checkpoint<V> {
    /// What Go's `newCPUManagerCheckpointV1/V2` return: empty, with a
    /// non-nil empty `entries` map.
    fn new() -> Self {
        Checkpoint {
            policy_name: String::new(),
            default_cpu_set: String::new(),
            entries: Some(BTreeMap::new()),
            checksum: 0,
        }
    }
}

impl<V: EntryValue> Checkpoint<V> {
    /// The checksum of this checkpoint's content (its `checksum` field is
    /// ignored): FNV-1a 32 of go-spew's `%#v` text with the checksum at 0.
    ///
    /// V1 text names the V2 type, as upstream's `VerifyChecksum` renames
    /// `CPUManagerCheckpointV1` before hashing.
    pub fn compute_checksum(&self) -> u64 {
        let mut text = String::from("(*state.CPUManagerCheckpoint){PolicyName:(string)");
        text.push_str(&self.policy_name);
        text.push_str(" DefaultCPUSet:(string)");
        text.push_str(&self.default_cpu_set);
        text.push_str(" Entries:(");
        text.push_str(V::MAP_TYPE);
        text.push(')');
        spew_map(self.entries.as_ref(), &mut text);
        text.push_str(" Checksum:(checksum.Checksum)0}");
        u64::from(fnv1a_32(text.as_bytes()))
    }

    /// Upstream `VerifyChecksum`: a zero checksum is accepted unchecked
    /// (files of an older kubelet backend have none).
    fn verify(self) -> Result<Self, Error> {
        if self.checksum == 0 {
            return Ok(self);
        }
        let computed = self.compute_checksum();
        if computed != self.checksum {
            return Err(Error::Corrupt { recorded: self.checksum, computed });
        }
        Ok(self)
    }

    /// Decodes with Go's rules and verifies the checksum (upstream
    /// `GetCheckpoint`).
    fn load(blob: &[u8]) -> Result<Self, Error> {
        let GoDecoded(checkpoint) = serde_json::from_slice::<GoDecoded<V>>(blob).map_err(json_error)?;
        checkpoint.verify()
    }
}

/// go-spew's `%#v` of a `map[string]V` after its type: `<nil>`, or
/// `map[k1:v1 k2:v2]` with keys in byte order and strings unquoted.
fn spew_map<V: EntryValue>(map: Option<&BTreeMap<String, V>>, out: &mut String) {
    let Some(map) = map else {
        out.push_str("<nil>");
        return;
    };
    out.push_str("map[");
    for (i, (key, value)) in map.iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(key);
        out.push(':');
        value.spew(out);
    }
    out.push(']');
}

/// FNV-1a, 32 bits (Go's `hash/fnv.New32a`).
fn fnv1a_32(bytes: &[u8]) -> u32 {
    const OFFSET_BASIS: u32 = 0x811c_9dc5;
    const PRIME: u32 = 0x0100_0193;
    bytes.iter().fold(OFFSET_BASIS, |hash, &byte| (hash ^ u32::from(byte)).wrapping_mul(PRIME))
}

/// Go's message for a truncated document, which upstream's tests expect;
/// serde_json's own message otherwise.
fn json_error(err: serde_json::Error) -> Error {
    if err.is_eof() { Error::Json("unexpected end of JSON input".to_owned()) } else { Error::Json(err.to_string()) }
}

/// The checkpoint in V2 form, ready to write: what the kubelet's
/// `storeState` builds from the state.
pub(super) fn from_state(policy_name: &str, state: &StateData) -> CheckpointV2 {
    let entries = state
        .assignments
        .iter()
        .map(|(pod, containers)| {
            let containers = containers.iter().map(|(name, cpus)| (name.clone(), cpus.to_string())).collect();
            (pod.clone(), Some(containers))
        })
        .collect();
    let mut checkpoint = CheckpointV2 {
        policy_name: policy_name.to_owned(),
        default_cpu_set: state.default_cpu_set.to_string(),
        entries: Some(entries),
        checksum: 0,
    };
    checkpoint.checksum = checkpoint.compute_checksum();
    checkpoint
}

/// The bytes the kubelet writes for `state` under `policy_name`.
pub(super) fn encode(policy_name: &str, state: &StateData) -> Result<Vec<u8>, Error> {
    encode_checkpoint(&from_state(policy_name, state))
}

/// Go's `json.Marshal` of a V2 checkpoint (checksum as recorded).
pub(super) fn encode_checkpoint(checkpoint: &CheckpointV2) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, GoJsonFormatter);
    // Strings and maps of strings into a Vec: serde_json reports no error here in practice.
    checkpoint.serialize(&mut serializer).map_err(|err| Error::Json(err.to_string()))?;
    Ok(out)
}

/// Upstream `restoreState` after the file is read: decode as V1 (and
/// migrate it with the container IDs the kubelet listed at start-up) or
/// else as V2, check the policy name, parse every CPU list, and validate the
/// names nodecore stores.
///
/// Where Go iterates a map (first unknown container ID, first bad CPU list)
/// the first in byte order is reported.
pub(super) fn restore(blob: &[u8], policy_name: &str, initial_containers: &ContainerMap) -> Result<StateData, Error> {
    let checkpoint = match CheckpointV1::load(blob) {
        Ok(v1) => migrate_v1(v1, initial_containers)?,
        Err(_) => CheckpointV2::load(blob)?,
    };
    if checkpoint.policy_name != policy_name {
        return Err(Error::PolicyMismatch { configured: policy_name.to_owned(), checkpoint: checkpoint.policy_name });
    }
    let default_cpu_set = CpuSet::parse(&checkpoint.default_cpu_set)
        .map_err(|err| Error::DefaultCpuSet { text: checkpoint.default_cpu_set.clone(), reason: err.reason })?;
    let mut state = StateData { default_cpu_set, assignments: BTreeMap::new() };
    for (pod, containers) in checkpoint.entries.unwrap_or_default() {
        let mut parsed = BTreeMap::new();
        for (container, text) in containers.unwrap_or_default() {
            let cpus = CpuSet::parse(&text).map_err(|err| Error::ContainerCpuSet {
                text: text.clone(),
                container: container.clone(),
                pod: pod.clone(),
                reason: err.reason,
            })?;
            parsed.insert(container, cpus);
        }
        state.assignments.insert(pod, parsed);
    }
    state.validate_names()?;
    Ok(state)
}

/// Upstream `migrateV1CheckpointToV2Checkpoint`.
fn migrate_v1(v1: CheckpointV1, initial_containers: &ContainerMap) -> Result<CheckpointV2, Error> {
    let mut v2 = CheckpointV2::new();
    if !v1.policy_name.is_empty() {
        v2.policy_name = v1.policy_name;
    }
    if !v1.default_cpu_set.is_empty() {
        v2.default_cpu_set = v1.default_cpu_set;
    }
    let entries = v2.entries.get_or_insert_with(BTreeMap::new);
    for (container_id, cpus) in v1.entries.unwrap_or_default() {
        let Some((pod, container)) = initial_containers.get(&container_id) else {
            return Err(Error::Migration { container_id });
        };
        entries
            .entry(pod.clone())
            .or_insert_with(|| Some(BTreeMap::new()))
            .get_or_insert_with(BTreeMap::new)
            .insert(container.clone(), cpus);
    }
    Ok(v2)
}

impl Serialize for CheckpointV2 {
    /// Field order and names of upstream's struct tags; `entries` has
    /// `omitempty`, so a nil or empty map is left out.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let entries = self.entries.as_ref().filter(|entries| !entries.is_empty());
        let mut out = serializer.serialize_struct("CPUManagerCheckpoint", 3 + usize::from(entries.is_some()))?;
        out.serialize_field("policyName", &self.policy_name)?;
        out.serialize_field("defaultCpuSet", &self.default_cpu_set)?;
        if let Some(entries) = entries {
            out.serialize_field("entries", entries)?;
        }
        out.serialize_field("checksum", &self.checksum)?;
        out.end()
    }
}

/// Go's `encoding/json` string escaping on top of serde_json's compact
/// output: serde_json already escapes `"`, `\` and control characters as Go
/// 1.22+ does (`\b \f \n \r \t`, else `\u00xx`); Go also escapes `<`, `>`,
/// `&`, U+2028 and U+2029.
struct GoJsonFormatter;

impl serde_json::ser::Formatter for GoJsonFormatter {
    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            let escaped = match c {
                '<' => "\\u003c",
                '>' => "\\u003e",
                '&' => "\\u0026",
                '\u{2028}' => "\\u2028",
                '\u{2029}' => "\\u2029",
                _ => continue,
            };
            writer.write_all(&fragment.as_bytes()[start..i])?;
            writer.write_all(escaped.as_bytes())?;
            start = i + c.len_utf8();
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

/// A checkpoint decoded with Go's `json.Unmarshal` rules into a fresh
/// checkpoint (see the module documentation).
struct GoDecoded<V>(Checkpoint<V>);

impl<'de, V: EntryValue> Deserialize<'de> for GoDecoded<V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(CheckpointVisitor(PhantomData))
    }
}

struct CheckpointVisitor<V>(PhantomData<V>);

impl<'de, V: EntryValue> Visitor<'de> for CheckpointVisitor<V> {
    type Value = GoDecoded<V>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a CPU manager checkpoint object")
    }

    /// A JSON `null` document leaves Go's struct untouched.
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(GoDecoded(Checkpoint::new()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut checkpoint = Checkpoint::<V>::new();
        while let Some(key) = map.next_key::<String>()? {
            match go_fold(&key).as_str() {
                "policyname" => {
                    if let Some(name) = map.next_value::<Option<String>>()? {
                        checkpoint.policy_name = name;
                    }
                }
                "defaultcpuset" => {
                    if let Some(cpus) = map.next_value::<Option<String>>()? {
                        checkpoint.default_cpu_set = cpus;
                    }
                }
                "checksum" => {
                    if let Some(checksum) = map.next_value::<Option<u64>>()? {
                        checkpoint.checksum = checksum;
                    }
                }
                "entries" => match map.next_value::<Option<BTreeMap<String, V::Wire>>>()? {
                    // Go decodes into the existing map, allocating one only when it is nil.
                    Some(entries) => {
                        let decoded = entries.into_iter().map(|(key, value)| (key, V::from_wire(value)));
                        checkpoint.entries.get_or_insert_with(BTreeMap::new).extend(decoded);
                    }
                    None => checkpoint.entries = None,
                },
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(GoDecoded(checkpoint))
    }
}

/// Go's JSON key matching is case-insensitive under Unicode simple folding;
/// for the ASCII field names of a checkpoint that is ASCII lowercase plus the
/// two non-ASCII letters that fold into ASCII: KELVIN SIGN (k) and LATIN
/// SMALL LETTER LONG S (s).
fn go_fold(key: &str) -> String {
    key.chars()
        .map(|c| match c {
            '\u{212a}' => 'k',
            '\u{17f}' => 's',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

#[cfg(test)]
pub(super) fn load_v1(blob: &[u8]) -> Result<CheckpointV1, Error> {
    CheckpointV1::load(blob)
}

#[cfg(test)]
pub(super) fn load_v2(blob: &[u8]) -> Result<CheckpointV2, Error> {
    CheckpointV2::load(blob)
}
