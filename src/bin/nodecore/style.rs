//! Text for people: sections of aligned fields, with colour only where it
//! helps.
//!
//! Styles are written as ANSI codes and go out through
//! [`anstream::stdout`], which keeps them on a terminal and strips them
//! everywhere else (a pipe, a file, `NO_COLOR` set, `CLICOLOR=0`);
//! `CLICOLOR_FORCE` keeps them anyway.

use anstyle::{AnsiColor, Style};
use std::fmt::Display;
use std::io::{self, Write};

const HEADING: Style = Style::new().bold();
const GOOD: Style = AnsiColor::Green.on_default();
const WARN: Style = AnsiColor::Yellow.on_default().bold();
const BAD: Style = AnsiColor::Red.on_default().bold();
const DIM: Style = Style::new().dimmed();

fn paint(style: Style, text: impl Display) -> String {
    format!("{style}{text}{style:#}")
}

/// A section heading.
pub fn heading(text: impl Display) -> String {
    paint(HEADING, text)
}

/// Something that is as it should be.
pub fn good(text: impl Display) -> String {
    paint(GOOD, text)
}

/// Something the reader should look at.
pub fn warn(text: impl Display) -> String {
    paint(WARN, text)
}

/// Something that fails or would fire.
pub fn bad(text: impl Display) -> String {
    paint(BAD, text)
}

/// Background detail.
pub fn dim(text: impl Display) -> String {
    paint(DIM, text)
}

/// One titled block of `label  value` lines, the labels padded to one width.
pub struct Section {
    title: String,
    lines: Vec<Line>,
}

enum Line {
    Field { label: String, value: String },
    Text(String),
}

impl Section {
    /// An empty section called `title`.
    pub fn new(title: impl Into<String>) -> Self {
        Section { title: title.into(), lines: Vec::new() }
    }

    /// A `label  value` line; the value may hold styles.
    pub fn field(&mut self, label: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.lines.push(Line::Field { label: label.into(), value: value.into() });
        self
    }

    /// A line outside the columns, indented like the labels.
    pub fn text(&mut self, text: impl Into<String>) -> &mut Self {
        self.lines.push(Line::Text(text.into()));
        self
    }

    /// Writes the title and the lines, labels indented by two spaces and
    /// padded to the longest label. A multi-line value continues under the
    /// value column.
    pub fn write(&self, out: &mut impl Write) -> io::Result<()> {
        writeln!(out, "{}", heading(&self.title))?;
        let width = self
            .lines
            .iter()
            .filter_map(|line| match line {
                Line::Field { label, .. } => Some(label.chars().count()),
                Line::Text(_) => None,
            })
            .max()
            .unwrap_or(0);
        for line in &self.lines {
            match line {
                Line::Field { label, value } => {
                    let mut rows = value.split('\n');
                    writeln!(out, "  {label:width$}  {}", rows.next().unwrap_or(""))?;
                    for row in rows {
                        writeln!(out, "  {:width$}  {row}", "")?;
                    }
                }
                Line::Text(text) => writeln!(out, "  {text}")?,
            }
        }
        Ok(())
    }
}

/// `bytes` in the largest binary unit that keeps a whole part, e.g.
/// `3.8 GiB`; plain bytes below 1 KiB. Negative amounts keep their sign.
pub fn bytes(bytes: i64) -> String {
    const UNITS: [&str; 6] = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let magnitude = bytes.unsigned_abs();
    if magnitude < 1024 {
        return format!("{bytes} B");
    }
    let sign = if bytes < 0 { "-" } else { "" };
    let mut value = magnitude as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    format!("{sign}{value:.1} {}", UNITS[unit])
}

/// `part` as a percentage of `whole`, one decimal; `-` without a whole.
pub fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "-".to_owned();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_align_and_continue_under_the_value_column() {
        let mut section = Section::new("Title");
        section.field("a", "1").field("longer", "2\n3").text("free text");
        let mut out = Vec::new();
        section.write(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let plain = anstream::adapter::strip_str(&text).to_string();
        assert_eq!(plain, "Title\n  a       1\n  longer  2\n          3\n  free text\n");
    }

    #[test]
    fn amounts_for_people() {
        assert_eq!(bytes(512), "512 B");
        assert_eq!(bytes(100 << 20), "100.0 MiB");
        assert_eq!(bytes(3 * (1 << 30) + (1 << 29)), "3.5 GiB");
        assert_eq!(bytes(-(2 << 20)), "-2.0 MiB");
        assert_eq!(percent(1, 4), "25.0%");
        assert_eq!(percent(1, 0), "-");
    }
}
