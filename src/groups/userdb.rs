//! `/etc/passwd` and `/etc/group` read the way `moby/sys/user` reads them,
//! the parser both containerd and CRI-O use.
//!
//! Its rules differ from glibc's in ways that change results, and each is kept:
//! - Lines split on `\n`; each line is trimmed whole with Go's
//!   `bytes.TrimSpace` (Unicode `White_Space`, so CRLF files work); empty lines
//!   are skipped.
//! - `#` starts a comment in `/etc/group` only. In `/etc/passwd`, `#ghost:x:1500:…`
//!   is a user named `#ghost`.
//! - Fields split on every `:`, are never trimmed one by one, missing trailing
//!   fields are empty and extra ones are ignored. NIS lines (`+`, `-bob`) are
//!   ordinary entries.
//! - Numbers are `strconv.Atoi` with the error ignored: malformed text is 0,
//!   an overflow is clamped to the `i64` bounds.
//! - A member list splits on every `,` with no trimming (`"bob, alice"` holds
//!   `" alice"`).
//! - `/etc/passwd` is read with a `bufio.Scanner`: a line longer than 65,535
//!   bytes (counting a `\r`, not the `\n`) anywhere in the file fails the whole
//!   parse. `/etc/group` has no limit in v0.4.0 and 1 MiB in v0.4.1.

use super::Error;
use super::files::EtcFile;
use crate::golang::bytes::trim_space;
use crate::golang::strconv::{IntError, parse_int};

/// How `moby/sys/user` reads a numeric field: `strconv.Atoi` with the error
/// ignored, so malformed text is 0 and an overflow is clamped to the `i64`
/// bounds (not 0).
fn atoi_lossy(s: &[u8]) -> i64 {
    match parse_int(s) {
        Ok(value) | Err(IntError::Range(value)) => value,
        Err(IntError::Syntax) => 0,
    }
}

/// Which release of `moby/sys/user` to read the files as.
///
/// Both CRI-O (main and ≥ 1.31) and containerd up to 2.3 use v0.4.0, the
/// default. containerd 2.4 moves to v0.4.1, which also changes CRI-O's
/// `GetExecUser` should it update (see [`crate::groups::Options`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ParserVersion {
    /// `moby/sys/user` v0.4.0 (and v0.3.0, the same code).
    #[default]
    V0_4_0,
    /// `moby/sys/user` v0.4.1: `/etc/group` lines are limited to 1 MiB, and
    /// `GetExecUser` refuses a numeric user outside `0..=2147483647` before it
    /// reads any file (moby/sys commits `2c56c3d` and `c66bd2d`).
    V0_4_1,
}

impl ParserVersion {
    /// The longest `/etc/group` line (raw bytes, without its `\n`) this
    /// version accepts; `None` for no limit.
    fn group_line_limit(self) -> Option<usize> {
        match self {
            ParserVersion::V0_4_0 => None,
            ParserVersion::V0_4_1 => Some(MAX_GROUP_LINE_V0_4_1),
        }
    }
}

/// The longest `/etc/passwd` line, in raw bytes without its `\n`, that Go's
/// `bufio.Scanner` (64 KiB buffer) accepts.
pub const MAX_PASSWD_LINE: usize = 65_535;

/// The longest `/etc/group` line `moby/sys/user` v0.4.1 accepts (1 MiB buffer).
const MAX_GROUP_LINE_V0_4_1: usize = (1 << 20) - 1;

/// One `/etc/passwd` line: `name:password:uid:gid:gecos:home:shell`.
///
/// Only the fields resolution uses are kept. Names are bytes, compared
/// byte for byte as Go compares strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswdEntry<'a> {
    /// The first field, untrimmed (`"c "` for `c : x : 4`).
    pub name: &'a [u8],
    /// The third field as `moby/sys/user` reads it: 0 when malformed or
    /// missing, clamped to the `i64` bounds on overflow.
    pub uid: i64,
    /// The fourth field, read like `uid`.
    pub gid: i64,
}

/// One `/etc/group` line: `name:password:gid:member,member,…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupEntry<'a> {
    /// The first field, untrimmed.
    pub name: &'a [u8],
    /// The third field, read like [`PasswdEntry::uid`].
    pub gid: i64,
    /// The fourth field, raw; see [`GroupEntry::members`].
    member_list: &'a [u8],
}

impl<'a> GroupEntry<'a> {
    /// The member list split on every `,`, untrimmed; empty when the field is
    /// empty or missing, and `a,,b` holds an empty member.
    pub fn members(&self) -> impl Iterator<Item = &'a [u8]> + use<'a> {
        let list = self.member_list;
        list.split(|&b| b == b',').filter(move |_| !list.is_empty())
    }

    /// Whether `name` is in the member list, exactly.
    pub fn has_member(&self, name: &[u8]) -> bool {
        self.members().any(|member| member == name)
    }
}

/// Parses all of `/etc/passwd`.
///
/// ```
/// use nodecore::groups::parse_passwd;
///
/// let users = parse_passwd(b"#ghost:x:1500:1500::/:\nc : x : 4 : 5\n+\n").unwrap();
/// assert_eq!(users[0].name, b"#ghost");
/// assert_eq!((users[1].name, users[1].uid), (&b"c "[..], 0));
/// assert_eq!((users[2].name, users[2].uid, users[2].gid), (&b"+"[..], 0, 0));
/// ```
pub fn parse_passwd(text: &[u8]) -> Result<Vec<PasswdEntry<'_>>, Error> {
    passwd_entries(text).collect()
}

/// Parses all of `/etc/group` as `version` reads it.
///
/// ```
/// use nodecore::groups::{ParserVersion, parse_group};
///
/// let groups = parse_group(b"#g3:x:12:a\n g4 :x:13:bob, alice\n", ParserVersion::V0_4_0).unwrap();
/// assert_eq!(groups.len(), 1);
/// assert_eq!((groups[0].name, groups[0].gid), (&b"g4 "[..], 13));
/// assert!(groups[0].has_member(b" alice") && !groups[0].has_member(b"alice"));
/// ```
pub fn parse_group(text: &[u8], version: ParserVersion) -> Result<Vec<GroupEntry<'_>>, Error> {
    group_entries(text, version).collect()
}

/// The first passwd entry `matches` accepts. The whole file is read even after
/// a match, because an over-long line anywhere fails the parse.
pub(crate) fn find_user<'a>(
    text: &'a [u8],
    matches: impl Fn(&PasswdEntry) -> bool,
) -> Result<Option<PasswdEntry<'a>>, Error> {
    let mut first = None;
    for entry in passwd_entries(text) {
        let entry = entry?;
        if first.is_none() && matches(&entry) {
            first = Some(entry);
        }
    }
    Ok(first)
}

/// The gids of every group entry `matches` accepts, in file order, duplicates
/// kept.
pub(crate) fn find_groups(
    text: &[u8],
    version: ParserVersion,
    matches: impl Fn(&GroupEntry) -> bool,
) -> Result<Vec<i64>, Error> {
    let mut gids = Vec::new();
    for entry in group_entries(text, version) {
        let entry = entry?;
        if matches(&entry) {
            gids.push(entry.gid);
        }
    }
    Ok(gids)
}

fn passwd_entries(text: &[u8]) -> impl Iterator<Item = Result<PasswdEntry<'_>, Error>> {
    lines(text, Some(MAX_PASSWD_LINE)).map(|line| {
        let line = line.map_err(|too_long| too_long.into_error(EtcFile::Passwd))?;
        let mut fields = line.split(|&b| b == b':');
        let name = fields.next().unwrap_or_default();
        let uid = fields.nth(1).map_or(0, atoi_lossy);
        let gid = fields.next().map_or(0, atoi_lossy);
        Ok(PasswdEntry { name, uid, gid })
    })
}

fn group_entries(text: &[u8], version: ParserVersion) -> impl Iterator<Item = Result<GroupEntry<'_>, Error>> {
    lines(text, version.group_line_limit()).filter_map(|line| match line {
        Ok(line) if line.starts_with(b"#") => None,
        Ok(line) => {
            let mut fields = line.split(|&b| b == b':');
            let name = fields.next().unwrap_or_default();
            let gid = fields.nth(1).map_or(0, atoi_lossy);
            let member_list = fields.next().unwrap_or_default();
            Some(Ok(GroupEntry { name, gid, member_list }))
        }
        Err(too_long) => Some(Err(too_long.into_error(EtcFile::Group))),
    })
}

/// A line over the parser's limit.
struct LineTooLong {
    line: usize,
    length: usize,
}

impl LineTooLong {
    fn into_error(self, file: EtcFile) -> Error {
        let LineTooLong { line, length } = self;
        match file {
            EtcFile::Passwd => Error::PasswdParse { line, length },
            EtcFile::Group => Error::GroupParse { line, length },
        }
    }
}

/// The non-empty trimmed lines of `text`, or the first line over `limit` raw
/// bytes (a trailing `\r` counts, the `\n` does not), after which nothing more
/// is read, as Go's scanner stops there.
fn lines(text: &[u8], limit: Option<usize>) -> impl Iterator<Item = Result<&[u8], LineTooLong>> {
    let mut failed = false;
    text.split(|&b| b == b'\n').enumerate().filter_map(move |(index, raw)| {
        if failed {
            return None;
        }
        if limit.is_some_and(|limit| raw.len() > limit) {
            failed = true;
            return Some(Err(LineTooLong { line: index + 1, length: raw.len() }));
        }
        let line = trim_space(raw);
        (!line.is_empty()).then_some(Ok(line))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lossy_integers_are_zero_or_clamped() {
        assert_eq!(atoi_lossy(b"abc"), 0);
        assert_eq!(atoi_lossy(b" 4"), 0);
        assert_eq!(atoi_lossy(b"99999999999999999999"), i64::MAX);
        assert_eq!(atoi_lossy(b"-99999999999999999999"), i64::MIN);
        assert_eq!(atoi_lossy(b"+1600"), 1600);
    }

    fn user(line: &str) -> (String, i64, i64) {
        let users = parse_passwd(line.as_bytes()).unwrap();
        assert_eq!(users.len(), 1, "{line:?}");
        (String::from_utf8_lossy(users[0].name).into_owned(), users[0].uid, users[0].gid)
    }

    fn group(line: &str) -> Option<(String, i64, Vec<String>)> {
        let groups = parse_group(line.as_bytes(), ParserVersion::V0_4_0).unwrap();
        groups.first().map(|g| {
            let members = g.members().map(|m| String::from_utf8_lossy(m).into_owned()).collect();
            (String::from_utf8_lossy(g.name).into_owned(), g.gid, members)
        })
    }

    /// The parser unit cases of the spec (§6.5), verified against moby/sys/user v0.4.0.
    #[test]
    fn passwd_lines_parse_as_moby_sys_user_does() {
        assert_eq!(user("a:x:1:2:gecos:/h:/s:extra:fields"), ("a".into(), 1, 2));
        assert_eq!(user("  b:x:3"), ("b".into(), 3, 0));
        assert_eq!(user("c : x : 4 : 5"), ("c ".into(), 0, 0));
        assert_eq!(user("#c:x:6:7"), ("#c".into(), 6, 7));
        assert_eq!(user("+"), ("+".into(), 0, 0));
        assert_eq!(user("-bob:x:8:8"), ("-bob".into(), 8, 8));
        assert_eq!(user("a:x:99999999999999999999:-99999999999999999999::/:"), ("a".into(), i64::MAX, i64::MIN));
        assert_eq!(user("b:x:0x10:1_000::/:"), ("b".into(), 0, 0));
        assert_eq!(user("c:x:+7:007::/:"), ("c".into(), 7, 7));
        assert_eq!(user("alice"), ("alice".into(), 0, 0));
        assert_eq!(user("alice:x:1000:1000\r"), ("alice".into(), 1000, 1000));
    }

    #[test]
    fn group_lines_parse_as_moby_sys_user_does() {
        let members = |list: &[&str]| list.iter().map(|m| m.to_string()).collect::<Vec<_>>();
        assert_eq!(group("g1:x:10:a,b,,c"), Some(("g1".into(), 10, members(&["a", "b", "", "c"]))));
        assert_eq!(group("g2:x:11"), Some(("g2".into(), 11, vec![])));
        assert_eq!(group("g2:x:11:"), Some(("g2".into(), 11, vec![])));
        assert_eq!(group("#g3:x:12:a"), None);
        assert_eq!(group("   #g3:x:12:a"), None);
        assert_eq!(group(" g4 :x:13:a"), Some(("g4 ".into(), 13, members(&["a"]))));
        assert_eq!(group("g5:x:notnum:a"), Some(("g5".into(), 0, members(&["a"]))));
        assert_eq!(group("+:::"), Some(("+".into(), 0, vec![])));
        assert_eq!(group("g6:x:14:bob, alice:extra"), Some(("g6".into(), 14, members(&["bob", " alice"]))));
    }

    #[test]
    fn empty_and_blank_lines_are_skipped() {
        let users = parse_passwd(b"\n \r\n\t\nroot:x:0:0\n\n").unwrap();
        assert_eq!(users.len(), 1);
        assert!(parse_group(b"", ParserVersion::V0_4_0).unwrap().is_empty());
    }

    #[test]
    fn passwd_line_limit_counts_raw_bytes_including_cr() {
        let line = |len: usize, end: &str| format!("root:x:0:0\n{}{end}alice:x:1000:1000\n", "a".repeat(len));
        assert!(parse_passwd(line(65_535, "\n").as_bytes()).is_ok());
        assert!(parse_passwd(line(65_534, "\r\n").as_bytes()).is_ok());
        let err = parse_passwd(line(65_535, "\r\n").as_bytes()).unwrap_err();
        assert_eq!(err, Error::PasswdParse { line: 2, length: 65_536 });
        assert_eq!(err.kind(), "passwd-parse");
        assert!(parse_passwd(line(65_536, "\n").as_bytes()).is_err());
        assert!(parse_passwd("a".repeat(65_536).as_bytes()).is_err(), "a last line without newline counts too");
        assert!(parse_passwd("é".repeat(32_768).as_bytes()).is_err(), "bytes, not characters");
    }

    #[test]
    fn an_over_long_passwd_line_fails_lookups_even_after_the_match() {
        let text = format!("alice:x:1000:1000\n{}\n", "x".repeat(70_000));
        assert!(find_user(text.as_bytes(), |u| u.uid == 1000).is_err());
    }

    #[test]
    fn group_line_limit_depends_on_the_version() {
        let text = format!("big:x:7700:{},alice\n", "m,".repeat(600_000));
        let v040 = find_groups(text.as_bytes(), ParserVersion::V0_4_0, |g| g.has_member(b"alice"));
        assert_eq!(v040, Ok(vec![7700]));
        let v041 = find_groups(text.as_bytes(), ParserVersion::V0_4_1, |g| g.has_member(b"alice"));
        assert_eq!(v041.unwrap_err().kind(), "group-parse");
        let just_fits = format!("g:x:1:{}", "m".repeat(MAX_GROUP_LINE_V0_4_1 - 6));
        assert!(parse_group(just_fits.as_bytes(), ParserVersion::V0_4_1).is_ok());
    }

    #[test]
    fn lookups_take_the_first_user_and_every_group() {
        let passwd = b"alice:x:1000:1000\nalice2:x:1000:2222\n";
        let first = find_user(passwd, |u| u.uid == 1000).unwrap().unwrap();
        assert_eq!(first.name, b"alice");
        let group = b"devs:x:50000:alice\ndevs-again:x:50000:alice\nops:x:60000:bob\n";
        let gids = find_groups(group, ParserVersion::V0_4_0, |g| g.has_member(b"alice")).unwrap();
        assert_eq!(gids, [50000, 50000]);
    }
}
