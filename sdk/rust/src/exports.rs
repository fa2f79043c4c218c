//! Exported variables: values a later action reads through
//! `${exports.<action>.<NAME>}` in its `env:` and `with:`.
//!
//! The action declares the names (`exports: [IMAGE_TAG]` in kiln.yaml);
//! the sandbox then has a writable `/kiln/exports`, and the value of
//! `NAME` is the content of the file `/kiln/exports/NAME` when the action
//! succeeds. Any language writes a file, so this module is only a
//! convenience:
//!
//! ```ignore
//! kiln_sdk::exports::set("IMAGE_TAG", "1.4.2")?;
//! ```

use std::path::{Path, PathBuf};

use crate::Error;

/// Where the sandbox has the exports directory, when the action declares
/// `exports:`.
pub const DIR: &str = "/kiln/exports";

/// Whether the action declares exports (the directory is mounted).
pub fn available() -> bool {
    Path::new(DIR).is_dir()
}

/// Set an exported variable (UTF-8, without NUL).
pub fn set(name: &str, value: &str) -> Result<(), Error> {
    if !available() {
        return Err(Error::new(format!(
            "cannot export `{name}`: the action declares no `exports:` (add `exports: [{name}]`)"
        )));
    }
    std::fs::write(path(name)?, value)
        .map_err(|error| Error::new(format!("exporting `{name}`: {error}")))
}

fn path(name: &str) -> Result<PathBuf, Error> {
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(Error::new(format!(
            "`{name}` is not a variable name (letters, digits and `_`, not starting with a digit)"
        )));
    }
    Ok(Path::new(DIR).join(name))
}
