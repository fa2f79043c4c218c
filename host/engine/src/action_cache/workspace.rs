//! What an action reads of the workspace, as file digests.
//!
//! Without declared inputs: every file git would track (the walk honours
//! `.gitignore`, so build outputs do not invalidate the cache), plus each
//! repository's refs (`.git/HEAD`, `.git/packed-refs`, `.git/refs/**`),
//! which decide what a checkout sees; objects are immutable and skipped.
//! With declared inputs (`cache.inputs` globs): exactly the matching files,
//! `.git` included, `.git/objects` excepted.

use std::collections::BTreeMap;
use std::path::Path;

use kiln_model::digest::Digest;

#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error("cache.inputs: `{pattern}` is not a glob: {reason}")]
    BadGlob { pattern: String, reason: String },
    #[error("reading the workspace for the cache key: {0}")]
    Walk(String),
}

/// Relative path to digest of every file the action is taken to read.
pub fn fingerprint(
    workspace: &Path,
    declared: Option<&[String]>,
) -> Result<BTreeMap<String, Digest>, WorkspaceError> {
    match declared {
        Some(globs) => declared_files(workspace, globs),
        None => tracked_files(workspace),
    }
}

fn relative(workspace: &Path, path: &Path) -> String {
    path.strip_prefix(workspace)
        .unwrap_or(path)
        .to_string_lossy()
        .replace(std::path::MAIN_SEPARATOR, "/")
}

fn digest_entry(path: &Path, is_symlink: bool) -> Result<Digest, WorkspaceError> {
    let walk_error = |e: std::io::Error| WorkspaceError::Walk(format!("{}: {e}", path.display()));
    if is_symlink {
        let target = std::fs::read_link(path).map_err(walk_error)?;
        return Ok(Digest::of(target.to_string_lossy().as_bytes()));
    }
    let file = std::fs::File::open(path).map_err(walk_error)?;
    Digest::of_reader(file).map_err(walk_error)
}

fn tracked_files(workspace: &Path) -> Result<BTreeMap<String, Digest>, WorkspaceError> {
    let mut files = BTreeMap::new();
    let walker = ignore::WalkBuilder::new(workspace)
        .hidden(false)
        .require_git(false)
        .follow_links(false)
        .filter_entry(|entry| entry.file_name() != ".git")
        .build();
    for entry in walker {
        let entry = entry.map_err(|e| WorkspaceError::Walk(e.to_string()))?;
        let Some(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            let git = entry.path().join(".git");
            if git.is_dir() {
                git_refs(workspace, &git, &mut files)?;
            }
            continue;
        }
        if kind.is_file() || kind.is_symlink() {
            files.insert(
                relative(workspace, entry.path()),
                digest_entry(entry.path(), kind.is_symlink())?,
            );
        }
    }
    Ok(files)
}

/// Directories with more entries than this are not fingerprinted: the
/// action is then not cached, rather than slowed down by the walk.
pub const MAX_FINGERPRINT_ENTRIES: usize = 1_000_000;

/// A fingerprint of everything under `dir` (a granted host path), from
/// metadata, as git's index does: each entry's path, type, size, mode,
/// inode, modification and change time. A change of content changes the
/// change time, which no program can set back, so a changed file always
/// changes the fingerprint, without reading gigabytes of toolchain.
pub fn tree_fingerprint(dir: &Path) -> Result<Digest, WorkspaceError> {
    use std::os::unix::fs::MetadataExt;
    let mut listing = String::new();
    for (count, entry) in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .enumerate()
    {
        if count >= MAX_FINGERPRINT_ENTRIES {
            return Err(WorkspaceError::Walk(format!(
                "{} holds more than {MAX_FINGERPRINT_ENTRIES} entries",
                dir.display()
            )));
        }
        let entry = entry.map_err(|e| WorkspaceError::Walk(e.to_string()))?;
        let meta = entry
            .metadata()
            .map_err(|e| WorkspaceError::Walk(e.to_string()))?;
        listing.push_str(&format!(
            "{:?} {:o} {} {} {}.{} {}.{}\n",
            relative(dir, entry.path()),
            meta.mode(),
            meta.len(),
            meta.ino(),
            meta.mtime(),
            meta.mtime_nsec(),
            meta.ctime(),
            meta.ctime_nsec(),
        ));
    }
    Ok(Digest::of(listing.as_bytes()))
}

/// The files that decide what a ref names: HEAD, packed-refs, refs/**.
fn git_refs(
    workspace: &Path,
    git: &Path,
    files: &mut BTreeMap<String, Digest>,
) -> Result<(), WorkspaceError> {
    for name in ["HEAD", "packed-refs"] {
        let path = git.join(name);
        if path.is_file() {
            files.insert(relative(workspace, &path), digest_entry(&path, false)?);
        }
    }
    for entry in walkdir::WalkDir::new(git.join("refs")).follow_links(false) {
        let Ok(entry) = entry else { continue };
        if entry.file_type().is_file() {
            files.insert(
                relative(workspace, entry.path()),
                digest_entry(entry.path(), false)?,
            );
        }
    }
    Ok(())
}

fn declared_files(
    workspace: &Path,
    globs: &[String],
) -> Result<BTreeMap<String, Digest>, WorkspaceError> {
    let mut builder = globset::GlobSetBuilder::new();
    for pattern in globs {
        let glob = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
            .map_err(|e| WorkspaceError::BadGlob {
                pattern: pattern.clone(),
                reason: e.kind().to_string(),
            })?;
        builder.add(glob);
    }
    let set = builder.build().map_err(|e| WorkspaceError::BadGlob {
        pattern: globs.join(", "),
        reason: e.to_string(),
    })?;
    // Walk only below each glob's literal prefix (`src/**` walks `src`),
    // not the whole workspace with its build outputs.
    let mut roots: Vec<std::path::PathBuf> =
        globs.iter().map(|glob| literal_prefix(glob)).collect();
    roots.sort();
    roots.dedup_by(|later, earlier| later.starts_with(earlier));
    let mut files = BTreeMap::new();
    for root in roots {
        let start = workspace.join(&root);
        if !start.exists() && std::fs::symlink_metadata(&start).is_err() {
            continue;
        }
        let walker = walkdir::WalkDir::new(&start)
            .follow_links(false)
            .into_iter()
            .filter_entry(|entry| !entry.path().ends_with(".git/objects"));
        for entry in walker {
            let entry = entry.map_err(|e| WorkspaceError::Walk(e.to_string()))?;
            let kind = entry.file_type();
            if kind.is_dir() {
                continue;
            }
            let name = relative(workspace, entry.path());
            if set.is_match(&name) {
                files.insert(name, digest_entry(entry.path(), kind.is_symlink())?);
            }
        }
    }
    Ok(files)
}

/// The leading path components of a glob that hold no glob syntax.
fn literal_prefix(glob: &str) -> std::path::PathBuf {
    glob.split('/')
        .take_while(|part| !part.contains(['*', '?', '[', '{']))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_file_changes_the_tree_fingerprint() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("gate.txt"), "open").unwrap();
        let before = tree_fingerprint(dir.path()).unwrap();
        assert_eq!(tree_fingerprint(dir.path()).unwrap(), before, "stable");
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(dir.path().join("gate.txt"), "shut").unwrap();
        assert_ne!(tree_fingerprint(dir.path()).unwrap(), before);
    }

    #[test]
    fn ignored_files_and_git_objects_are_left_out() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(root.join(".gitignore"), "target/\n").unwrap();
        std::fs::create_dir_all(root.join("target")).unwrap();
        std::fs::write(root.join("target/out.bin"), "build output").unwrap();
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join("src/lib.rs"), "fn x() {}").unwrap();
        std::fs::create_dir_all(root.join(".git/refs/heads")).unwrap();
        std::fs::create_dir_all(root.join(".git/objects/ab")).unwrap();
        std::fs::write(root.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
        std::fs::write(root.join(".git/refs/heads/main"), "abc\n").unwrap();
        std::fs::write(root.join(".git/objects/ab/cdef"), "object").unwrap();

        let files: Vec<String> = fingerprint(root, None).unwrap().into_keys().collect();
        assert_eq!(
            files,
            [
                ".git/HEAD",
                ".git/refs/heads/main",
                ".gitignore",
                "src/lib.rs"
            ]
        );

        let declared = fingerprint(root, Some(&["src/**".into(), ".git/HEAD".into()])).unwrap();
        assert_eq!(
            declared.keys().collect::<Vec<_>>(),
            [".git/HEAD", "src/lib.rs"]
        );
        assert!(fingerprint(root, Some(&["[".into()])).is_err());
        assert!(fingerprint(root, Some(&[])).unwrap().is_empty());
        assert_eq!(literal_prefix("src/**/x.rs"), std::path::Path::new("src"));
        assert_eq!(
            literal_prefix(".git/HEAD"),
            std::path::Path::new(".git/HEAD")
        );
    }
}
