//! The manifest of an artifact tree.

use serde::{Deserialize, Serialize};

use crate::digest::Digest;

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

impl Manifest {
    pub fn new(mut entries: Vec<Entry>) -> Self {
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        Self {
            kind: MANIFEST_KIND.to_owned(),
            entries,
        }
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

/// Whether a manifest path is safe to join under a destination directory.
pub fn is_safe_relative_path(path: &str) -> bool {
    !path.is_empty()
        && !path.starts_with('/')
        && !path.contains('\\')
        && !path.contains('\0')
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_paths_cannot_escape() {
        assert!(is_safe_relative_path("a/b.txt"));
        assert!(!is_safe_relative_path("../x"));
        assert!(!is_safe_relative_path("a/../../x"));
        assert!(!is_safe_relative_path("/etc/passwd"));
        assert!(!is_safe_relative_path("a//b"));
    }

    #[test]
    fn equal_trees_have_equal_bytes_whatever_the_order() {
        let file = |p: &str| Entry {
            path: p.into(),
            kind: EntryKind::File {
                size: 1,
                digest: Digest::of(p.as_bytes()),
                executable: false,
            },
        };
        let a = Manifest::new(vec![file("b"), file("a")]);
        let b = Manifest::new(vec![file("a"), file("b")]);
        assert_eq!(a.to_bytes(), b.to_bytes());
    }
}
