//! Writing an artifact's tree into a directory without ever following a
//! symlink.
//!
//! Every entry is created relative to a directory handle, by one name,
//! with `O_EXCL`/`mkdirat`/`symlinkat`/`linkat` (which never follow a link
//! in the last component), and every directory handle is opened with
//! `O_NOFOLLOW | O_DIRECTORY` one component at a time from the root the
//! writer created. A symlink in the tree is written as a link and nothing
//! is ever written through it; a name that already exists fails the write.
//! No host path is ever formed by joining a manifest path to the
//! destination.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, Mode, OFlags};
use sha2::{Digest as _, Sha256};

use super::error::{StoreError, io_error};
use kiln_model::artifact::{EntryKind, Manifest};
use kiln_model::digest::Digest;

/// Where a [`TreeWriter`] reads the blobs it writes out (the store).
pub(super) trait Blobs: Sync {
    /// The directory of the blobs, by hex digest.
    fn blobs_dir(&self) -> PathBuf;
    /// The blob `blob` of `artifact`, opened, and its path.
    fn open_blob(&self, artifact: &Digest, blob: &Digest) -> Result<(File, PathBuf), StoreError>;
    /// The digest of an open blob that should be `expected`: hashed, unless
    /// this process hashed it before and its inode has not changed since.
    fn digest_of(&self, expected: &Digest, blob: &File) -> io::Result<Digest>;
    /// The error for a blob of `artifact` that hashes to `actual`.
    fn corruption(
        &self,
        artifact: &Digest,
        path: &str,
        expected: Digest,
        actual: Digest,
    ) -> StoreError;
}

/// Writes one artifact's tree under a destination directory.
pub(super) struct TreeWriter<'a> {
    store: &'a dyn Blobs,
    artifact: &'a Digest,
    dest: PathBuf,
    root: OwnedFd,
    blobs: OwnedFd,
    /// Private writable copies instead of read-only links to blobs.
    copy: bool,
    /// Whether the writer created `dest` (and so removes it on failure).
    created: bool,
}

/// A file to write: its parent directory, its name there, what it holds.
struct FileJob<'m> {
    path: &'m str,
    digest: Digest,
    executable: bool,
}

impl<'a> TreeWriter<'a> {
    /// Create `dest` (its parents as needed), or take an existing empty
    /// directory, and open it without following a link.
    pub(super) fn create(
        store: &'a dyn Blobs,
        artifact: &'a Digest,
        dest: &Path,
        copy: bool,
    ) -> Result<Self, StoreError> {
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent).map_err(io_error("creating", parent))?;
        }
        let created = match std::fs::create_dir(dest) {
            Ok(()) => true,
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                let mut entries = std::fs::read_dir(dest)
                    .map_err(|_| StoreError::DestinationExists(dest.to_path_buf()))?;
                if entries.next().is_some() {
                    return Err(StoreError::DestinationExists(dest.to_path_buf()));
                }
                false
            }
            Err(error) => return Err(io_error("creating", dest)(error)),
        };
        let root = open_dir(rustix::fs::CWD, dest).map_err(io_error("opening", dest))?;
        let blobs_dir = store.blobs_dir();
        let blobs =
            open_dir(rustix::fs::CWD, &blobs_dir).map_err(io_error("opening", &blobs_dir))?;
        Ok(Self {
            store,
            artifact,
            dest: dest.to_path_buf(),
            root,
            blobs,
            copy,
            created,
        })
    }

    /// Write every entry of `manifest` (which passed [`Manifest::check`]):
    /// directories and links in order, then file contents in parallel,
    /// grouped by directory so each directory is opened once, and the
    /// files of one directory in parallel too (verifying is hashing: a
    /// tree of one directory must still use every core).
    pub(super) fn write(&self, manifest: &Manifest) -> Result<(), StoreError> {
        let mut by_dir: BTreeMap<&str, Vec<FileJob<'_>>> = BTreeMap::new();
        for entry in &manifest.entries {
            let (parent, name) = split(&entry.path);
            match &entry.kind {
                EntryKind::Dir => {
                    let dir = self.open_parent(parent)?;
                    rustix::fs::mkdirat(&dir, name, Mode::from_raw_mode(0o755))
                        .map_err(|e| self.failed("creating", &entry.path, e.into()))?;
                }
                EntryKind::Symlink { target } => {
                    let dir = self.open_parent(parent)?;
                    rustix::fs::symlinkat(target.as_str(), &dir, name)
                        .map_err(|e| self.failed("linking", &entry.path, e.into()))?;
                }
                EntryKind::File {
                    digest, executable, ..
                } => by_dir.entry(parent).or_default().push(FileJob {
                    path: &entry.path,
                    digest: *digest,
                    executable: *executable,
                }),
            }
        }
        use rayon::prelude::*;
        by_dir.into_par_iter().try_for_each(|(parent, jobs)| {
            let dir = self.open_parent(parent)?;
            jobs.par_iter()
                .try_for_each(|job| self.write_file(&dir, job))
        })
    }

    /// Remove what this writer wrote (after a failure): the destination
    /// itself if the writer created it, else its contents.
    pub(super) fn remove_written(&self) {
        let _ = make_writable_recursively(&self.dest);
        if self.created {
            let _ = std::fs::remove_dir_all(&self.dest);
        } else if let Ok(entries) = std::fs::read_dir(&self.dest) {
            for entry in entries.flatten() {
                let path = entry.path();
                let _ = match entry.file_type() {
                    Ok(kind) if kind.is_dir() => std::fs::remove_dir_all(&path),
                    _ => std::fs::remove_file(&path),
                };
            }
        }
    }

    /// The directory `parent` (relative to the root, `""` for the root),
    /// opened component by component, never through a link.
    fn open_parent(&self, parent: &str) -> Result<OwnedFd, StoreError> {
        let mut dir =
            rustix::io::dup(&self.root).map_err(|e| self.failed("opening", parent, e.into()))?;
        for component in parent.split('/').filter(|c| !c.is_empty()) {
            dir = open_dir(&dir, Path::new(component))
                .map_err(|e| self.failed("opening", parent, e))?;
        }
        Ok(dir)
    }

    /// Write one file: a verified read-only link to its blob, or a
    /// verified private copy (executables always get their own inode, so
    /// that their mode never changes the shared blob's).
    fn write_file(&self, dir: &OwnedFd, job: &FileJob<'_>) -> Result<(), StoreError> {
        let name = split(job.path).1;
        let actual = if job.executable || self.copy {
            let mode = match (job.executable, self.copy) {
                (true, true) => 0o755,
                (true, false) => 0o555,
                _ => 0o644,
            };
            self.copy_blob(dir, name, job, mode)?
        } else {
            self.link_blob(dir, name, job)?
        };
        if actual != job.digest {
            return Err(self
                .store
                .corruption(self.artifact, job.path, job.digest, actual));
        }
        Ok(())
    }

    /// Verify a blob by hashing it, then hard-link it into `dir` (a
    /// read-only blob shared by every reader costs no copy); copy when
    /// linking is impossible.
    fn link_blob(
        &self,
        dir: &OwnedFd,
        name: &str,
        job: &FileJob<'_>,
    ) -> Result<Digest, StoreError> {
        let (file, source) = self.store.open_blob(self.artifact, &job.digest)?;
        let actual = self
            .store
            .digest_of(&job.digest, &file)
            .map_err(io_error("reading", &source))?;
        if actual != job.digest {
            return Ok(actual);
        }
        let hex = job.digest.hex();
        match rustix::fs::linkat(&self.blobs, hex.as_str(), dir, name, AtFlags::empty()) {
            Ok(()) => Ok(actual),
            Err(rustix::io::Errno::EXIST) => Err(self.failed(
                "linking",
                job.path,
                io::Error::from(io::ErrorKind::AlreadyExists),
            )),
            Err(_) => self.copy_blob(dir, name, job, 0o444),
        }
    }

    /// Copy a blob into a new file `name` of `dir`, returning the digest of
    /// what was copied.
    fn copy_blob(
        &self,
        dir: &OwnedFd,
        name: &str,
        job: &FileJob<'_>,
        mode: u32,
    ) -> Result<Digest, StoreError> {
        let (mut reader, source) = self.store.open_blob(self.artifact, &job.digest)?;
        let created = rustix::fs::openat(
            dir,
            name,
            OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::from_raw_mode(mode),
        )
        .map_err(|e| self.failed("creating", job.path, e.into()))?;
        let mut writer = File::from(created);
        let mut hasher = Sha256::new();
        let mut buffer = vec![0u8; 256 * 1024];
        loop {
            let n = reader
                .read(&mut buffer)
                .map_err(io_error("reading", &source))?;
            if n == 0 {
                break;
            }
            hasher.update(&buffer[..n]);
            writer
                .write_all(&buffer[..n])
                .map_err(|e| self.failed("writing", job.path, e))?;
        }
        // The mode asked of `openat` is filtered by the umask: set it.
        rustix::fs::fchmod(writer.as_fd(), Mode::from_raw_mode(mode))
            .map_err(|e| self.failed("setting permissions of", job.path, e.into()))?;
        Ok(Digest::from_hasher(hasher))
    }

    fn failed(&self, action: &'static str, path: &str, source: io::Error) -> StoreError {
        StoreError::Io {
            action,
            path: self.dest.join(path),
            source,
        }
    }
}

/// Open a directory by one name (or an absolute path from `CWD`) without
/// following a symlink.
fn open_dir(at: impl AsFd, path: &Path) -> io::Result<OwnedFd> {
    Ok(rustix::fs::openat(
        at,
        path,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::empty(),
    )?)
}

/// `a/b/c` as (`a/b`, `c`); a top-level name has parent `""`.
fn split(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

/// Materialized trees are read-only; make their directories writable so
/// they can be removed. Files keep their mode: many are hard links to
/// read-only blobs, and unlinking a file needs only its directory writable.
pub fn make_writable_recursively(dir: &Path) -> io::Result<()> {
    for item in walkdir::WalkDir::new(dir).follow_links(false) {
        let item = item?;
        if item.file_type().is_dir() {
            fs::set_permissions(item.path(), fs::Permissions::from_mode(0o755))?;
        }
    }
    Ok(())
}

/// Remove a scratch tree (a sandbox, a run's work directory) whatever
/// modes its writer left: read-only directories are made writable first,
/// links are removed, never followed.
pub fn remove_scratch_tree(dir: &Path) -> io::Result<()> {
    let _ = make_writable_recursively(dir);
    fs::remove_dir_all(dir)
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::*;
    use crate::artifacts::LocalArtifactStore;
    use kiln_model::artifact::{Entry, MANIFEST_KIND};

    /// Store `manifest` as it is (bypassing the checks of `put`), as an
    /// attacker with write access to a store would.
    fn forged(store: &LocalArtifactStore, manifest: &Manifest) -> Digest {
        let bytes = manifest.to_bytes();
        let digest = Digest::of(&bytes);
        fs::write(store.blob_path(&digest), bytes).unwrap();
        digest
    }

    fn blob(store: &LocalArtifactStore, content: &[u8]) -> Digest {
        let digest = Digest::of(content);
        fs::write(store.blob_path(&digest), content).unwrap();
        digest
    }

    #[test]
    fn a_link_and_a_file_of_one_name_never_write_through_the_link() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalArtifactStore::open(dir.path().join("store")).unwrap();
        let victim = dir.path().join("victim.txt");
        fs::write(&victim, "original").unwrap();
        let digest = blob(&store, b"overwritten");
        let manifest = Manifest {
            kind: MANIFEST_KIND.into(),
            entries: vec![
                Entry {
                    path: "x".into(),
                    kind: EntryKind::Symlink {
                        target: victim.display().to_string(),
                    },
                },
                Entry {
                    path: "x".into(),
                    kind: EntryKind::File {
                        size: 11,
                        digest,
                        executable: false,
                    },
                },
            ],
        };
        let artifact = forged(&store, &manifest);
        for copy in [false, true] {
            let out = dir.path().join(format!("out-{copy}"));
            let error = store.write_tree(&artifact, &out, copy).unwrap_err();
            assert!(error.to_string().contains("appears twice"), "{error}");
            assert_eq!(fs::read_to_string(&victim).unwrap(), "original");
            assert!(!out.exists());
        }
    }

    #[test]
    fn an_existing_link_in_the_destination_is_never_followed() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalArtifactStore::open(dir.path().join("store")).unwrap();
        let victim = dir.path().join("victim.txt");
        fs::write(&victim, "original").unwrap();
        let digest = blob(&store, b"overwritten");
        let manifest = Manifest::new(vec![Entry {
            path: "x".into(),
            kind: EntryKind::File {
                size: 11,
                digest,
                executable: false,
            },
        }]);
        let artifact = forged(&store, &manifest);
        // A writer that finds the name taken fails; it does not write
        // through what is there.
        let writer = TreeWriter::create(&store, &artifact, &dir.path().join("out"), true).unwrap();
        std::os::unix::fs::symlink(&victim, dir.path().join("out/x")).unwrap();
        assert!(writer.write(&manifest).is_err());
        assert_eq!(fs::read_to_string(&victim).unwrap(), "original");
    }

    #[test]
    fn a_destination_that_is_a_link_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalArtifactStore::open(dir.path().join("store")).unwrap();
        let target = dir.path().join("elsewhere");
        fs::create_dir(&target).unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join("out")).unwrap();
        let manifest = Manifest::new(Vec::new());
        let artifact = forged(&store, &manifest);
        assert!(store.export(&artifact, &dir.path().join("out")).is_err());
    }
}
