//! Copying files between the sandbox's mounts (the workspace, outputs,
//! the cache directory), keeping symbolic links as links.

use std::io;
use std::path::Path;

/// Copies one file, or recreates one symbolic link, creating the
/// destination's parent directories. A link with an absolute target is
/// copied as the file it points to: an absolute target would point
/// outside the tree for whoever reads it later.
pub fn copy_entry(from: &Path, to: &Path) -> io::Result<()> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let meta = std::fs::symlink_metadata(from)?;
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(from)?;
        if target.is_relative() {
            let _ = std::fs::remove_file(to);
            return kiln_sdk::fs::symlink(target, to);
        }
    }
    std::fs::copy(from, to).map(drop)
}

/// Copies the tree `from` into `to`, leaving files that are already there:
/// what a cache restores must not replace what the workspace has.
/// Returns how many files it copied.
pub fn copy_missing(from: &Path, to: &Path) -> io::Result<usize> {
    let mut copied = 0;
    let mut stack = vec![from.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let path = entry.path();
            let relative = path.strip_prefix(from).unwrap_or(&path);
            let dest = to.join(relative);
            if entry.file_type()?.is_dir() {
                stack.push(path);
            } else if std::fs::symlink_metadata(&dest).is_err() {
                copy_entry(&path, &dest)?;
                copied += 1;
            }
        }
    }
    Ok(copied)
}
