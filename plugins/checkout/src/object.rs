//! Git object kinds and the parts of commits, tags and trees a checkout uses.

use std::fmt;

use crate::oid::{OID_BYTES, ObjectId};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Commit,
    Tree,
    Blob,
    Tag,
}

impl Kind {
    /// The type code in a pack entry header.
    pub fn from_pack_type(code: u8) -> Option<Self> {
        match code {
            1 => Some(Self::Commit),
            2 => Some(Self::Tree),
            3 => Some(Self::Blob),
            4 => Some(Self::Tag),
            _ => None,
        }
    }

    /// The type name in a loose object header.
    pub fn from_name(name: &[u8]) -> Option<Self> {
        match name {
            b"commit" => Some(Self::Commit),
            b"tree" => Some(Self::Tree),
            b"blob" => Some(Self::Blob),
            b"tag" => Some(Self::Tag),
            _ => None,
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Commit => "commit",
            Self::Tree => "tree",
            Self::Blob => "blob",
            Self::Tag => "tag",
        })
    }
}

#[derive(Clone, Debug)]
pub struct Object {
    pub kind: Kind,
    pub data: Vec<u8>,
}

/// What a checkout reports about the commit it snapshots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Commit {
    pub tree: ObjectId,
    /// Seconds since the epoch, and the author's UTC offset as `+hhmm`.
    pub author_time: Option<(i64, String)>,
    pub subject: String,
}

impl Commit {
    pub fn parse(data: &[u8]) -> Result<Self, String> {
        let (headers, message) = split_message(data);
        let mut tree = None;
        let mut author_time = None;
        for line in headers.split(|&byte| byte == b'\n') {
            if let Some(hex) = line.strip_prefix(b"tree ") {
                tree = std::str::from_utf8(hex).ok().and_then(ObjectId::from_hex);
            } else if let Some(author) = line.strip_prefix(b"author ") {
                author_time = parse_signature_time(author);
            }
        }
        let subject = String::from_utf8_lossy(message)
            .lines()
            .find(|line| !line.trim().is_empty())
            .unwrap_or("")
            .trim()
            .to_owned();
        Ok(Self {
            tree: tree.ok_or("commit has no valid `tree` header")?,
            author_time,
            subject,
        })
    }
}

/// The object an annotated tag points at.
pub fn parse_tag_target(data: &[u8]) -> Result<ObjectId, String> {
    let (headers, _) = split_message(data);
    headers
        .split(|&byte| byte == b'\n')
        .find_map(|line| line.strip_prefix(b"object "))
        .and_then(|hex| std::str::from_utf8(hex).ok())
        .and_then(ObjectId::from_hex)
        .ok_or_else(|| "tag has no valid `object` header".to_owned())
}

fn split_message(data: &[u8]) -> (&[u8], &[u8]) {
    match data.windows(2).position(|pair| pair == b"\n\n") {
        Some(end) => (&data[..end], &data[end + 2..]),
        None => (data, &[]),
    }
}

/// `Name <email> 1700000000 +0100` → (1700000000, "+0100").
fn parse_signature_time(signature: &[u8]) -> Option<(i64, String)> {
    let after_email = &signature[signature.iter().rposition(|&byte| byte == b'>')? + 1..];
    let text = std::str::from_utf8(after_email).ok()?;
    let mut fields = text.split_whitespace();
    let seconds = fields.next()?.parse().ok()?;
    let offset = fields.next().unwrap_or("+0000").to_owned();
    Some((seconds, offset))
}

/// What a tree entry's mode says it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind {
    File {
        executable: bool,
    },
    Symlink,
    /// A commit of another repository (mode 160000).
    Submodule,
    Tree,
}

impl EntryKind {
    pub fn from_mode(mode: u32) -> Option<Self> {
        match mode >> 12 {
            0o10 => Some(Self::File {
                executable: mode & 0o111 != 0,
            }),
            0o12 => Some(Self::Symlink),
            0o16 => Some(Self::Submodule),
            0o04 => Some(Self::Tree),
            _ => None,
        }
    }

    /// The mode as `git ls-tree` prints it (git normalises old modes such as
    /// 100664 to 100644); tests compare listings with git's.
    #[cfg(test)]
    pub fn canonical_mode(self) -> &'static str {
        match self {
            Self::File { executable: false } => "100644",
            Self::File { executable: true } => "100755",
            Self::Symlink => "120000",
            Self::Submodule => "160000",
            Self::Tree => "040000",
        }
    }
}

/// One entry of a tree object: `<octal mode> <name>\0<20-byte id>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TreeEntry<'a> {
    pub mode: u32,
    pub name: &'a [u8],
    pub id: ObjectId,
}

pub fn parse_tree(mut data: &[u8]) -> Result<Vec<TreeEntry<'_>>, String> {
    let mut entries = Vec::new();
    while !data.is_empty() {
        let space = data
            .iter()
            .position(|&byte| byte == b' ')
            .ok_or("tree entry has no mode")?;
        let mode = std::str::from_utf8(&data[..space])
            .ok()
            .and_then(|text| u32::from_str_radix(text, 8).ok())
            .ok_or("tree entry has a malformed mode")?;
        let rest = &data[space + 1..];
        let nul = rest
            .iter()
            .position(|&byte| byte == 0)
            .ok_or("tree entry name is not terminated")?;
        let name = &rest[..nul];
        let id = rest
            .get(nul + 1..nul + 1 + OID_BYTES)
            .and_then(ObjectId::from_bytes)
            .ok_or("tree entry is truncated")?;
        entries.push(TreeEntry { mode, name, id });
        data = &rest[nul + 1 + OID_BYTES..];
    }
    Ok(entries)
}

/// Check that a tree entry name is one safe path component: a hostile
/// repository must not write outside the output directory or plant a
/// `.git` directory in it.
pub fn check_entry_name(name: &[u8]) -> Result<&str, String> {
    let text = std::str::from_utf8(name)
        .map_err(|_| format!("name {:?} is not UTF-8", String::from_utf8_lossy(name)))?;
    if text.is_empty() || text == "." || text == ".." {
        return Err(format!("name {text:?} is not allowed"));
    }
    if text.contains('/') || text.contains('\\') {
        return Err(format!("name {text:?} contains a path separator"));
    }
    // Case-insensitive, as git's own checks: `.GIT` is `.git` on macOS and
    // Windows file systems.
    if text.eq_ignore_ascii_case(".git") {
        return Err(format!("name {text:?} is reserved for git's own data"));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commit_headers_and_subject() {
        let commit = b"tree 1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d\n\
parent 0000000000000000000000000000000000000001\n\
author A U Thor <a@example.com> 1700000000 +0130\n\
committer C O Mitter <c@example.com> 1700000100 +0000\n\
gpgsig -----BEGIN PGP SIGNATURE-----\n \n -----END PGP SIGNATURE-----\n\
\n\
\nFix the frobnicator\n\nLonger body.\n";
        let parsed = Commit::parse(commit).unwrap();
        assert_eq!(
            parsed.tree.to_hex(),
            "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"
        );
        assert_eq!(parsed.author_time, Some((1_700_000_000, "+0130".into())));
        assert_eq!(parsed.subject, "Fix the frobnicator");
        assert!(Commit::parse(b"author x\n\nmsg").is_err());
    }

    #[test]
    fn parses_tag_target() {
        let tag = b"object 1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d\ntype commit\ntag v1\n\nmsg\n";
        assert_eq!(
            parse_tag_target(tag).unwrap().to_hex(),
            "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d"
        );
        assert!(parse_tag_target(b"type commit\n\nobject x").is_err());
    }

    #[test]
    fn parses_tree_entries_and_modes() {
        let mut tree = b"100755 run.sh\0".to_vec();
        tree.extend_from_slice(&[1; 20]);
        tree.extend_from_slice(b"40000 src\0");
        tree.extend_from_slice(&[2; 20]);
        let entries = parse_tree(&tree).unwrap();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].name, b"run.sh");
        assert_eq!(
            EntryKind::from_mode(entries[0].mode),
            Some(EntryKind::File { executable: true })
        );
        assert_eq!(EntryKind::from_mode(entries[1].mode), Some(EntryKind::Tree));
        assert_eq!(
            EntryKind::from_mode(0o100664).unwrap().canonical_mode(),
            "100644"
        );
        assert_eq!(EntryKind::from_mode(0o160000), Some(EntryKind::Submodule));
        assert_eq!(EntryKind::from_mode(0o020000), None);
        assert!(parse_tree(&tree[..tree.len() - 1]).is_err());
    }

    #[test]
    fn rejects_names_that_escape_or_touch_git_data() {
        for bad in [
            &b""[..],
            b".",
            b"..",
            b"a/b",
            b"a\\b",
            b".git",
            b".GIT",
            b"\xff",
        ] {
            assert!(check_entry_name(bad).is_err(), "{bad:?}");
        }
        for good in ["a", ".gitignore", "..a", "git", "a b"] {
            assert_eq!(check_entry_name(good.as_bytes()), Ok(good));
        }
    }
}
