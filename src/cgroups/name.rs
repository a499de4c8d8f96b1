//! `CgroupName` and its two literal forms: cgroupfs paths and systemd slices.
//!
//! The kubelet names a cgroup by an ordered list of components
//! (`[kubepods, burstable, pod<uid>]`); the cgroup driver turns the list into a
//! path below each hierarchy's mount point. With the `cgroupfs` driver the
//! path is the components joined with `/`; with the `systemd` driver each
//! component is escaped (`-` → `_`), the components are joined with `-` into
//! one slice unit name, and the slice is expanded into the nested directories
//! systemd creates (`/kubepods.slice/kubepods-burstable.slice`).

use super::Error;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

const SYSTEMD_SUFFIX: &str = ".slice";

/// A cgroup name: an ordered list of components, the root being the empty list.
///
/// Every component is checked when the name is built: `/` and `_` are
/// refused as upstream's `NewCgroupName` refuses them (upstream panics; here
/// it is an error), and so are `.`, `..` and NUL, which upstream would turn
/// into a path outside the cgroup or an invalid file name. Empty components
/// are kept, as upstream keeps them: the cgroupfs form skips them, the systemd
/// form refuses them (except the single-component name `[""]`, the root).
///
/// ```
/// use nodecore::cgroups::CgroupName;
///
/// let pod = CgroupName::new(["kubepods", "burstable", "pod1b4e28ba-2fa1-11d2-883f-0016d3cca427"]).unwrap();
/// assert_eq!(pod.to_cgroupfs(), "/kubepods/burstable/pod1b4e28ba-2fa1-11d2-883f-0016d3cca427");
/// assert_eq!(
///     pod.to_systemd().unwrap(),
///     "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b4e28ba_2fa1_11d2_883f_0016d3cca427.slice"
/// );
/// assert!(CgroupName::new(["kubepods", "../etc"]).is_err());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CgroupName(Vec<String>);

impl CgroupName {
    /// The root cgroup, `[]`.
    pub const fn root() -> Self {
        CgroupName(Vec::new())
    }

    /// A name from its components, each checked (see the type's docs).
    pub fn new<I, S>(components: I) -> Result<Self, Error>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let components: Vec<String> = components.into_iter().map(Into::into).collect();
        for component in &components {
            check_component(component)?;
        }
        Ok(CgroupName(components))
    }

    /// This name with `component` appended (upstream's `NewCgroupName(base, component)`).
    pub fn child(&self, component: &str) -> Result<Self, Error> {
        check_component(component)?;
        let mut components = self.0.clone();
        components.push(component.to_owned());
        Ok(CgroupName(components))
    }

    /// The components, outermost first.
    pub fn components(&self) -> &[String] {
        &self.0
    }

    /// The last component, or `None` for the root.
    pub fn last(&self) -> Option<&str> {
        self.0.last().map(String::as_str)
    }

    /// The name one level up; the root is its own parent.
    pub fn parent(&self) -> CgroupName {
        let mut components = self.0.clone();
        components.pop();
        CgroupName(components)
    }

    /// Whether this is the empty list.
    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// The cgroupfs form (upstream `ToCgroupfs`): `/` followed by the
    /// components joined with `/`, empty components skipped as Go's
    /// `path.Join` skips them. The root is `/`.
    pub fn to_cgroupfs(&self) -> String {
        let mut path = String::new();
        for component in self.0.iter().filter(|component| !component.is_empty()) {
            path.push('/');
            path.push_str(component);
        }
        if path.is_empty() { "/".to_owned() } else { path }
    }

    /// The systemd form (upstream `ToSystemd`): the expanded slice path, for
    /// example `/kubepods.slice/kubepods-burstable.slice`. The root and `[""]`
    /// are `/`. Fails where upstream panics: a name whose slice does not expand
    /// (an empty component).
    pub fn to_systemd(&self) -> Result<String, Error> {
        if self.0.is_empty() || (self.0.len() == 1 && self.0[0].is_empty()) {
            return Ok("/".to_owned());
        }
        let escaped: Vec<String> = self.0.iter().map(|component| component.replace('-', "_")).collect();
        expand_slice(&format!("{}{SYSTEMD_SUFFIX}", escaped.join("-")))
    }

    /// Parses a cgroupfs path (upstream `ParseCgroupfsToCgroupName`): one
    /// leading `/` is dropped and the rest split on `/`; `""` and `"/"` are
    /// the root. The components are checked like [`CgroupName::new`]'s.
    pub fn parse_cgroupfs(literal: &str) -> Result<Self, Error> {
        let trimmed = literal.strip_prefix('/').unwrap_or(literal);
        if trimmed.is_empty() {
            return Ok(CgroupName::root());
        }
        CgroupName::new(trimmed.split('/'))
    }

    /// Parses a systemd path (upstream `ParseSystemdToCgroupName`): only the
    /// last path element counts, because a slice name encodes the whole
    /// hierarchy. `.slice` is stripped, the rest split on `-`, and each `_`
    /// turned back into `-`. `""` and `"/"` are the root (upstream would build
    /// the invalid name `["/"]`).
    pub fn parse_systemd(literal: &str) -> Result<Self, Error> {
        let base = literal.trim_end_matches('/').rsplit('/').next().unwrap_or_default();
        if base.is_empty() {
            return Ok(CgroupName::root());
        }
        let stem = base.strip_suffix(SYSTEMD_SUFFIX).unwrap_or(base);
        CgroupName::new(stem.split('-').map(|part| part.replace('_', "-")))
    }
}

impl fmt::Display for CgroupName {
    /// The cgroupfs form, which names the cgroup unambiguously.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_cgroupfs())
    }
}

impl<'de> Deserialize<'de> for CgroupName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let components = Vec::<String>::deserialize(deserializer)?;
        CgroupName::new(components).map_err(serde::de::Error::custom)
    }
}

fn check_component(component: &str) -> Result<(), Error> {
    if component.contains(['/', '_']) {
        return Err(Error::InvalidComponent { component: component.to_owned() });
    }
    let reason = match component {
        "." | ".." => "a relative path element",
        _ if component.contains('\0') => "contains a NUL byte",
        _ => return Ok(()),
    };
    Err(Error::UnsafeComponent { component: component.to_owned(), reason })
}

/// Expands a systemd slice name into its cgroupfs path (runc's `ExpandSlice`):
/// `a-b-c.slice` → `/a.slice/a-b.slice/a-b-c.slice`, `-.slice` → `/`.
///
/// Refused, with upstream's message `invalid slice name: <slice>`: a name
/// that does not end in `.slice`, contains `/`, or has an empty `-`-separated
/// part (`a--b.slice`, `-a.slice`, `a-.slice`, `.slice`).
pub fn expand_slice(slice: &str) -> Result<String, Error> {
    let invalid = || Error::InvalidSlice(slice.to_owned());
    let stem = slice.strip_suffix(SYSTEMD_SUFFIX).ok_or_else(invalid)?;
    if slice.contains('/') {
        return Err(invalid());
    }
    if stem == "-" {
        return Ok("/".to_owned());
    }
    let mut path = String::new();
    let mut prefix = String::new();
    for part in stem.split('-') {
        if part.is_empty() {
            return Err(invalid());
        }
        path.push('/');
        path.push_str(&prefix);
        path.push_str(part);
        path.push_str(SYSTEMD_SUFFIX);
        prefix.push_str(part);
        prefix.push('-');
    }
    Ok(path)
}

/// Whether `name` is in the systemd form, i.e. ends in `.slice` (upstream
/// `IsSystemdStyleName`).
pub fn is_systemd_style_name(name: &str) -> bool {
    name.ends_with(SYSTEMD_SUFFIX)
}

/// The kubelet's `--cgroup-driver`: how a [`CgroupName`] becomes a path.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Driver {
    /// Paths are the components joined with `/` (the kubelet's default).
    #[default]
    Cgroupfs,
    /// Paths are expanded systemd slices.
    Systemd,
}

impl Driver {
    /// The literal path of `name` under this driver (upstream `Name()`). It is
    /// always a path relative to a hierarchy's mount point, starting with `/`.
    pub fn name(self, name: &CgroupName) -> Result<String, Error> {
        match self {
            Driver::Cgroupfs => Ok(name.to_cgroupfs()),
            Driver::Systemd => name.to_systemd(),
        }
    }

    /// The inverse of [`Driver::name`] (upstream `CgroupName()`).
    pub fn parse(self, literal: &str) -> Result<CgroupName, Error> {
        match self {
            Driver::Cgroupfs => CgroupName::parse_cgroupfs(literal),
            Driver::Systemd => CgroupName::parse_systemd(literal),
        }
    }

    /// `"cgroupfs"` or `"systemd"`, as in the kubelet's configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Driver::Cgroupfs => "cgroupfs",
            Driver::Systemd => "systemd",
        }
    }
}

impl fmt::Display for Driver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Driver {
    type Err = Error;

    fn from_str(text: &str) -> Result<Self, Error> {
        match text {
            "cgroupfs" => Ok(Driver::Cgroupfs),
            "systemd" => Ok(Driver::Systemd),
            _ => Err(Error::InvalidConfiguration(format!(
                "invalid cgroup driver {text:?}: expected \"cgroupfs\" or \"systemd\""
            ))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(components: &[&str]) -> CgroupName {
        CgroupName::new(components.iter().copied()).unwrap()
    }

    #[test]
    fn cgroupfs_form_joins_and_skips_empty_components() {
        assert_eq!(CgroupName::root().to_cgroupfs(), "/");
        assert_eq!(name(&[""]).to_cgroupfs(), "/");
        assert_eq!(name(&["kubepods", "", "pod1"]).to_cgroupfs(), "/kubepods/pod1");
        assert_eq!(name(&["custom", "kubepods"]).to_cgroupfs(), "/custom/kubepods");
    }

    #[test]
    fn systemd_form_escapes_and_expands() {
        assert_eq!(name(&["system-reserved"]).to_systemd().unwrap(), "/system_reserved.slice");
        assert_eq!(name(&["custom", "kubepods"]).to_systemd().unwrap(), "/custom.slice/custom-kubepods.slice");
        assert_eq!(name(&["", ""]).to_systemd().unwrap(), "/", "-.slice is the root, as upstream");
        let err = name(&["kubepods", ""]).to_systemd().unwrap_err();
        assert_eq!(err.to_string(), "invalid slice name: kubepods-.slice");
    }

    #[test]
    fn components_that_leave_the_hierarchy_are_refused() {
        for bad in ["a_b", "a/b", "../x", "/", ".", "..", "a\0b"] {
            let err = CgroupName::new(["kubepods", bad]).unwrap_err();
            assert_eq!(err.kind(), "invalid-name", "{bad:?}");
        }
        assert_eq!(
            CgroupName::new(["a_b"]).unwrap_err().to_string(),
            "invalid character in component [\"a_b\"] of CgroupName"
        );
        assert!(CgroupName::root().child("..").is_err());
        assert!(CgroupName::parse_cgroupfs("/kubepods/../etc").is_err());
        assert!(CgroupName::parse_systemd("/x/..slice").is_err());
    }

    #[test]
    fn expand_slice_follows_runc() {
        assert_eq!(expand_slice("-.slice").unwrap(), "/");
        assert_eq!(expand_slice("a-b-c.slice").unwrap(), "/a.slice/a-b.slice/a-b-c.slice");
        for bad in ["a--b.slice", "-a.slice", "a-.slice", "a/b.slice", "foo", ".slice", "slice"] {
            assert!(expand_slice(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn parsing_reverses_both_forms() {
        let pod = name(&["kubepods", "burstable", "pod12-34"]);
        assert_eq!(CgroupName::parse_cgroupfs("/kubepods/burstable/pod12-34").unwrap(), pod);
        assert_eq!(
            CgroupName::parse_systemd("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod12_34.slice")
                .unwrap(),
            pod
        );
        assert_eq!(CgroupName::parse_systemd(&pod.to_systemd().unwrap()).unwrap(), pod);
        assert_eq!(CgroupName::parse_cgroupfs("/").unwrap(), CgroupName::root());
        assert_eq!(CgroupName::parse_cgroupfs("").unwrap(), CgroupName::root());
        assert_eq!(CgroupName::parse_systemd("/").unwrap(), CgroupName::root());
        assert_eq!(CgroupName::parse_systemd("kubelet.service").unwrap(), name(&["kubelet.service"]));
        assert_eq!(CgroupName::parse_cgroupfs("/kubepods/").unwrap(), name(&["kubepods", ""]));
    }

    #[test]
    fn drivers_parse_and_print() {
        assert_eq!("systemd".parse::<Driver>().unwrap(), Driver::Systemd);
        assert!("Systemd".parse::<Driver>().is_err());
        let tier = name(&["kubepods", "besteffort"]);
        assert_eq!(Driver::Cgroupfs.name(&tier).unwrap(), "/kubepods/besteffort");
        assert_eq!(Driver::Systemd.name(&tier).unwrap(), "/kubepods.slice/kubepods-besteffort.slice");
        assert_eq!(Driver::Systemd.parse("/kubepods.slice/kubepods-besteffort.slice").unwrap(), tier);
    }

    #[test]
    fn names_deserialize_with_validation() {
        let ok: CgroupName = serde_json::from_str(r#"["kubepods","pod1"]"#).unwrap();
        assert_eq!(ok, name(&["kubepods", "pod1"]));
        assert!(serde_json::from_str::<CgroupName>(r#"["kubepods",".."]"#).is_err());
    }
}
