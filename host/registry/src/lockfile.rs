//! `kiln.lock`: every registry plugin a pipeline uses, pinned to a digest.
//!
//! The first run resolves each tag and writes the digests; later runs use
//! them without asking the registry what the tag means now, and refuse a
//! manifest or a component that is not the pinned one. `kiln plugin update`
//! re-resolves. The file sits beside the pipeline file and is meant to be
//! committed, like Cargo.lock: the same commit runs the same plugins.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::reference::PluginRef;
use kiln_model::digest::Digest;

pub const FILE_NAME: &str = "kiln.lock";
const VERSION: u32 = 1;
const HEADER: &str = "# kiln.lock: registry plugins pinned to digests. Written by kiln;\n# commit it. `kiln plugin update` re-resolves the tags.\n";

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
}

/// What a tag was pinned to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pin {
    pub manifest: Digest,
    pub component: Digest,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LockText {
    version: u32,
    #[serde(default, rename = "plugin")]
    plugins: Vec<PinText>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct PinText {
    reference: String,
    manifest: Digest,
    component: Digest,
}

/// A lock file, read and perhaps changed.
#[derive(Debug)]
pub struct LockFile {
    path: PathBuf,
    pins: BTreeMap<String, Pin>,
    changed: bool,
}

impl LockFile {
    /// The lock file of the pipeline file `pipeline`.
    pub fn path_for(pipeline: &Path) -> PathBuf {
        pipeline
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .join(FILE_NAME)
    }

    /// Read `path`; a missing file is an empty lock.
    pub fn load(path: &Path) -> Result<Self, LockError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Self::parse(path, &text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Self {
                path: path.to_path_buf(),
                pins: BTreeMap::new(),
                changed: false,
            }),
            Err(source) => Err(LockError::Read {
                path: path.to_path_buf(),
                source,
            }),
        }
    }

    /// The lock file `text`, read from `path` (which errors name, and
    /// [`LockFile::save`] writes back to): what [`LockFile::load`] does
    /// once it has the text, so that it can be tested and fuzzed alone.
    pub fn parse(path: &Path, text: &str) -> Result<Self, LockError> {
        let invalid = |message: String| LockError::Invalid {
            path: path.to_path_buf(),
            message,
        };
        // toml's message names the line and column.
        let parsed: LockText = toml::from_str(text).map_err(|error| invalid(error.to_string()))?;
        if parsed.version != VERSION {
            return Err(invalid(format!(
                "version {} is not one this kiln reads (it writes version {VERSION})",
                parsed.version
            )));
        }
        let mut pins = BTreeMap::new();
        for pin in parsed.plugins {
            let reference: PluginRef = pin
                .reference
                .parse()
                .map_err(|error: super::reference::BadReference| invalid(error.to_string()))?;
            pins.insert(
                reference.to_string(),
                Pin {
                    manifest: pin.manifest,
                    component: pin.component,
                },
            );
        }
        Ok(Self {
            path: path.to_path_buf(),
            pins,
            changed: false,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn get(&self, reference: &PluginRef) -> Option<Pin> {
        self.pins.get(&reference.to_string()).copied()
    }

    /// Pin `reference`; the previous pin, if it was another.
    pub fn set(&mut self, reference: &PluginRef, pin: Pin) -> Option<Pin> {
        let previous = self.pins.insert(reference.to_string(), pin);
        if previous != Some(pin) {
            self.changed = true;
        }
        previous.filter(|p| *p != pin)
    }

    pub fn is_changed(&self) -> bool {
        self.changed
    }

    pub fn len(&self) -> usize {
        self.pins.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pins.is_empty()
    }

    /// Write the file if anything changed.
    pub fn save(&mut self) -> Result<(), LockError> {
        if !self.changed {
            return Ok(());
        }
        let text = LockText {
            version: VERSION,
            plugins: self
                .pins
                .iter()
                .map(|(reference, pin)| PinText {
                    reference: reference.clone(),
                    manifest: pin.manifest,
                    component: pin.component,
                })
                .collect(),
        };
        let body = toml::to_string(&text).expect("a lock file serializes");
        let write = |source| LockError::Write {
            path: self.path.clone(),
            source,
        };
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let mut file = tempfile::NamedTempFile::new_in(dir).map_err(write)?;
        std::io::Write::write_all(&mut file, format!("{HEADER}{body}").as_bytes())
            .map_err(write)?;
        file.persist(&self.path)
            .map_err(|error| write(error.error))?;
        self.changed = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_survive_a_round_trip_and_bad_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let mut lock = LockFile::load(&path).unwrap();
        assert!(lock.is_empty());
        let reference: PluginRef = "oci://127.0.0.1:5000/kiln/lint:1.0".parse().unwrap();
        let pin = Pin {
            manifest: Digest::of(b"m"),
            component: Digest::of(b"c"),
        };
        assert_eq!(lock.set(&reference, pin), None);
        lock.save().unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# kiln.lock"), "{text}");
        let again = LockFile::load(&path).unwrap();
        assert_eq!(again.get(&reference), Some(pin));
        assert!(!again.is_changed());

        std::fs::write(&path, "version = 1\n[[plugin]]\nreference = \"oci://x/y:1\"\nmanifest = \"sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"\ncomponent = \"sha256:zz\"\n").unwrap();
        let error = LockFile::load(&path).unwrap_err().to_string();
        assert!(
            error.contains("kiln.lock") && error.contains("line 5"),
            "{error}"
        );
    }
}
