//! The attempt directories of one run, reused: an attempt takes a free
//! directory (or makes `<run work dir>/@<n>`), and gives it back emptied
//! when it ends. Making and deleting directories is most of what a no-op
//! action costs on ext4 (each one an inode allocation that skips the
//! inodes deleted in the last half minute; BENCHMARKS.md): a run of a
//! hundred actions one after another now makes one sandbox, not a hundred.
//!
//! Nothing of an attempt survives into the next one: the directory is
//! emptied whole (its `tmp` kept, empty), and one that cannot be emptied
//! is removed and never handed out again.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use kiln_store::artifacts::remove_scratch_tree;

/// The private `/tmp` of an attempt, inside its directory: kept between
/// attempts, emptied.
const TMP: &str = "tmp";

/// Free attempt directories of one run.
#[derive(Debug, Default, Clone)]
pub struct ScratchDirs {
    free: Arc<Mutex<Vec<PathBuf>>>,
    made: Arc<AtomicU64>,
}

impl ScratchDirs {
    /// A directory for an attempt under `run_dir` (which the run removes
    /// when it ends): a free one, or a new name (created by the attempt)
    /// that nothing uses yet: a resumed run finds the directories its
    /// killed process left.
    pub fn take(&self, run_dir: &Path) -> PathBuf {
        if let Some(dir) = self.lock().pop() {
            return dir;
        }
        loop {
            let dir = run_dir.join(format!("@{}", self.made.fetch_add(1, Ordering::Relaxed)));
            if std::fs::symlink_metadata(&dir).is_err() {
                return dir;
            }
        }
    }

    /// Empty `dir` off the action's path (a thread of tokio's blocking
    /// pool) and free it, or remove it if it cannot be emptied.
    pub fn give_back(&self, dir: PathBuf) {
        let free = self.free.clone();
        drop(tokio::task::spawn_blocking(move || match empty(&dir) {
            Ok(()) => free.lock().unwrap_or_else(|p| p.into_inner()).push(dir),
            Err(error) => {
                tracing::debug!("not reusing {}: {error}", dir.display());
                let _ = remove_scratch_tree(&dir);
            }
        }));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<PathBuf>> {
        self.free.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Remove everything in `dir` but an empty `tmp` directory. Fails when
/// `dir` is gone (the attempt never made it) or anything stays.
fn empty(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let kind = entry.file_type()?;
        if entry.file_name() == TMP && kind.is_dir() {
            empty_all(&path)?;
        } else {
            remove(&path, kind)?;
        }
    }
    Ok(())
}

/// Remove everything inside `dir`, keeping `dir`.
fn empty_all(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        remove(&entry.path(), entry.file_type()?)?;
    }
    Ok(())
}

/// Remove one entry; a directory whole, whatever modes its writer left
/// (read-only inputs, the read-only `home`). Links are removed, never
/// followed.
fn remove(path: &Path, kind: std::fs::FileType) -> std::io::Result<()> {
    if kind.is_dir() {
        remove_scratch_tree(path)
    } else {
        std::fs::remove_file(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_directory_comes_back_empty_but_for_an_empty_tmp() {
        let run = tempfile::tempdir().unwrap();
        let dir = run.path().join("@0");
        std::fs::create_dir_all(dir.join("tmp/deep/er")).unwrap();
        std::fs::write(dir.join("tmp/deep/er/file"), "left").unwrap();
        std::fs::create_dir_all(dir.join("outputs/out")).unwrap();
        std::fs::write(dir.join("outputs/out/x"), "x").unwrap();
        std::fs::create_dir(dir.join("home")).unwrap();
        std::fs::set_permissions(dir.join("home"), std::fs::Permissions::from_mode(0o555)).unwrap();
        std::fs::create_dir(dir.join("tmp/locked")).unwrap();
        std::fs::write(dir.join("tmp/locked/f"), "f").unwrap();
        std::fs::set_permissions(
            dir.join("tmp/locked"),
            std::fs::Permissions::from_mode(0o000),
        )
        .unwrap();
        std::os::unix::fs::symlink("/etc", dir.join("tmp/link")).unwrap();

        empty(&dir).unwrap();
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["tmp"]);
        assert_eq!(std::fs::read_dir(dir.join("tmp")).unwrap().count(), 0);
        assert!(Path::new("/etc").exists(), "the link was not followed");
    }

    #[test]
    fn a_tmp_that_is_a_link_is_removed_not_emptied() {
        let run = tempfile::tempdir().unwrap();
        let target = tempfile::tempdir().unwrap();
        std::fs::write(target.path().join("keep"), "keep").unwrap();
        let dir = run.path().join("@0");
        std::fs::create_dir(&dir).unwrap();
        std::os::unix::fs::symlink(target.path(), dir.join("tmp")).unwrap();
        empty(&dir).unwrap();
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
        assert!(target.path().join("keep").exists());
    }

    #[tokio::test]
    async fn taken_directories_are_reused_once_given_back() {
        let run = tempfile::tempdir().unwrap();
        let scratch = ScratchDirs::default();
        let first = scratch.take(run.path());
        let second = scratch.take(run.path());
        assert_ne!(first, second, "two at once get two directories");
        std::fs::create_dir_all(first.join("tmp")).unwrap();
        scratch.give_back(first.clone());
        // give_back empties in the background: wait for it.
        for _ in 0..200 {
            if !scratch.lock().is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        assert_eq!(scratch.take(run.path()), first);
        // A name a killed process left is not handed out.
        std::fs::create_dir_all(run.path().join("@2/inputs/a")).unwrap();
        assert_eq!(scratch.take(run.path()), run.path().join("@3"));
        // One never created cannot be emptied: not handed out again.
        scratch.give_back(second);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(scratch.lock().is_empty());
    }
}
