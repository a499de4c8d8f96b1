//! Reading a command's JSON input from a file or standard input.

/// How messages name an input: the path, or "standard input" for `-`.
pub fn name(path: &str) -> &str {
    if path == "-" { "standard input" } else { path }
}

use std::io::{self, Read};

/// The text of `path`, or of standard input for `-`; errors name the source.
pub fn read(path: &str) -> io::Result<String> {
    if path == "-" {
        let mut text = String::new();
        io::stdin()
            .read_to_string(&mut text)
            .map_err(|err| io::Error::new(err.kind(), format!("standard input: {err}")))?;
        return Ok(text);
    }
    std::fs::read_to_string(path).map_err(|err| io::Error::new(err.kind(), format!("{path}: {err}")))
}
