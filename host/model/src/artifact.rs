//! The manifest of an artifact tree, and the rules every manifest obeys.
//!
//! A manifest is the one description of a tree that kiln ever acts on: the
//! store writes trees only from manifests that passed [`Manifest::parse`],
//! and builds manifests only from names that pass [`name_problem`]. So a
//! path is exact UTF-8 (never a lossy rendering of other bytes, which could
//! make two entries one), appears once, and lies under a directory entry of
//! the same manifest: a symlink can never stand where a later entry expects
//! a directory.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::digest::Digest;

/// An artifact as a run records it: its name in the pipeline, its digest
/// (the manifest's), and its size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactRecord {
    pub name: String,
    pub digest: Digest,
    pub files: u64,
    pub bytes: u64,
}

/// The format tag written into every manifest.
pub const MANIFEST_KIND: &str = "kiln.artifact.v1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub kind: String,
    /// Sorted by path; directories before their contents.
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Relative, `/`-separated, never `..` or absolute.
    pub path: String,
    #[serde(flatten)]
    pub kind: EntryKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum EntryKind {
    Dir,
    File {
        size: u64,
        digest: Digest,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        executable: bool,
    },
    Symlink {
        target: String,
    },
}

/// Why manifest bytes are not a manifest kiln will act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("not a manifest: {0}")]
    Syntax(String),
    #[error("kind `{0}` is not `{MANIFEST_KIND}`")]
    Kind(String),
    #[error("entry `{path}`: {reason}")]
    Entry { path: String, reason: String },
}

impl Manifest {
    pub fn new(mut entries: Vec<Entry>) -> Self {
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        Self {
            kind: MANIFEST_KIND.to_owned(),
            entries,
        }
    }

    /// Parse manifest bytes and check every rule a tree written from it
    /// relies on (see [`Manifest::check`]).
    pub fn parse(bytes: &[u8]) -> Result<Self, ManifestError> {
        let manifest: Manifest =
            serde_json::from_slice(bytes).map_err(|e| ManifestError::Syntax(e.to_string()))?;
        manifest.check()?;
        Ok(manifest)
    }

    /// The rules: the kind is known; every path is a safe relative name
    /// ([`name_problem`]); paths are strictly sorted (so each appears
    /// once); every entry's parent is a directory entry of this manifest;
    /// symlink targets are non-empty and hold no NUL.
    pub fn check(&self) -> Result<(), ManifestError> {
        if self.kind != MANIFEST_KIND {
            return Err(ManifestError::Kind(self.kind.clone()));
        }
        let mut dirs: HashSet<&str> = HashSet::new();
        let mut previous: Option<&str> = None;
        for entry in &self.entries {
            let bad = |reason: &str| ManifestError::Entry {
                path: entry.path.clone(),
                reason: reason.to_owned(),
            };
            if let Some(problem) = name_problem(&entry.path) {
                return Err(bad(problem));
            }
            if let Some(previous) = previous
                && previous >= entry.path.as_str()
            {
                return Err(bad(if previous == entry.path {
                    "appears twice"
                } else {
                    "is out of order"
                }));
            }
            previous = Some(&entry.path);
            if let Some((parent, _)) = entry.path.rsplit_once('/')
                && !dirs.contains(parent)
            {
                return Err(bad("its parent is not a directory of the artifact"));
            }
            match &entry.kind {
                EntryKind::Dir => {
                    dirs.insert(&entry.path);
                }
                EntryKind::Symlink { target } if target.is_empty() || target.contains('\0') => {
                    return Err(bad("symlink target is empty or holds a NUL byte"));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The canonical bytes whose digest is the artifact's digest.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("a manifest always serializes")
    }

    pub fn file_count(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| matches!(e.kind, EntryKind::File { .. }))
            .count()
    }

    pub fn total_size(&self) -> u64 {
        self.entries
            .iter()
            .map(|e| match e.kind {
                EntryKind::File { size, .. } => size,
                _ => 0,
            })
            .sum()
    }
}

/// Why `path` cannot name an entry of an artifact, or `None` when it can.
///
/// Names become file names on whatever machine reads the artifact, and are
/// shown on terminals: no `\` (a separator elsewhere), no control
/// characters, no empty, `.` or `..` segments, nothing absolute.
pub fn name_problem(path: &str) -> Option<&'static str> {
    if path.is_empty() {
        return Some("the path is empty");
    }
    if path.starts_with('/') {
        return Some("the path is absolute");
    }
    if path.contains('\\') {
        return Some("the name holds `\\`, a path separator on other systems");
    }
    if path.chars().any(char::is_control) {
        return Some("the name holds a control character");
    }
    if path
        .split('/')
        .any(|part| part.is_empty() || part == "." || part == "..")
    {
        return Some("the path has an empty, `.` or `..` segment");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(p: &str) -> Entry {
        Entry {
            path: p.into(),
            kind: EntryKind::File {
                size: 1,
                digest: Digest::of(p.as_bytes()),
                executable: false,
            },
        }
    }

    fn entry(p: &str, kind: EntryKind) -> Entry {
        Entry {
            path: p.into(),
            kind,
        }
    }

    fn link(p: &str, target: &str) -> Entry {
        entry(
            p,
            EntryKind::Symlink {
                target: target.into(),
            },
        )
    }

    fn raw(entries: Vec<Entry>) -> Manifest {
        Manifest {
            kind: MANIFEST_KIND.into(),
            entries,
        }
    }

    #[test]
    fn manifest_paths_cannot_escape() {
        assert_eq!(name_problem("a/b.txt"), None);
        for bad in [
            "../x",
            "a/../../x",
            "/etc/passwd",
            "a//b",
            "a\\..\\b",
            "",
            "a/./b",
            "bell\u{7}",
            "esc\u{1b}[2J",
            "nl\nx",
        ] {
            assert!(name_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn equal_trees_have_equal_bytes_whatever_the_order() {
        let a = Manifest::new(vec![file("b"), file("a")]);
        let b = Manifest::new(vec![file("a"), file("b")]);
        assert_eq!(a.to_bytes(), b.to_bytes());
    }

    #[test]
    fn a_path_appears_once() {
        let twice = raw(vec![link("a", "/etc"), file("a")]);
        let error = twice.check().unwrap_err();
        assert_eq!(error.to_string(), "entry `a`: appears twice");
    }

    #[test]
    fn every_parent_is_a_directory_entry() {
        // A symlink where a directory is expected would be followed by the
        // write of the file below it.
        let through_link = raw(vec![link("d", "/etc"), file("d/passwd")]);
        let error = through_link.check().unwrap_err();
        assert!(
            error.to_string().contains("parent is not a directory"),
            "{error}"
        );
        let orphan = raw(vec![file("missing/x")]);
        assert!(orphan.check().is_err());
        let fine = raw(vec![entry("d", EntryKind::Dir), file("d/x")]);
        fine.check().unwrap();
    }

    #[test]
    fn out_of_order_and_bad_kinds_are_refused() {
        assert!(raw(vec![file("b"), file("a")]).check().is_err());
        let mut other = raw(vec![]);
        other.kind = "something.else".into();
        assert!(matches!(other.check(), Err(ManifestError::Kind(_))));
        assert!(raw(vec![link("l", "")]).check().is_err());
        assert!(Manifest::parse(b"{\"kind\":").is_err());
    }

    #[test]
    fn parse_round_trips_what_new_builds() {
        let manifest = Manifest::new(vec![
            file("d/x"),
            entry("d", EntryKind::Dir),
            link("l", "d/x"),
            file("a-b"),
        ]);
        assert_eq!(Manifest::parse(&manifest.to_bytes()).unwrap(), manifest);
    }
}
