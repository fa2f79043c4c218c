//! Putting trees into the store and getting them out again, verified.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use super::manifest::{Entry, EntryKind, Manifest, is_safe_relative_path};
use crate::digest::Digest;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: io::Error,
    },
    #[error(transparent)]
    Corrupt(Box<Corruption>),
    #[error("artifact {artifact}: blob {blob} is missing from the store")]
    Missing { artifact: Digest, blob: Digest },
    #[error("artifact {artifact}: manifest is not valid: {reason}")]
    BadManifest { artifact: Digest, reason: String },
    #[error("{}: `{path}` is a {kind}, which an artifact cannot hold", root.display())]
    Unsupported {
        root: PathBuf,
        path: String,
        kind: &'static str,
    },
}

fn io_error<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(io::Error) -> StoreError + 'a {
    move |source| StoreError::Io {
        action,
        path: path.to_path_buf(),
        source,
    }
}

/// A blob whose content does not hash to its name.
#[derive(Debug, thiserror::Error)]
#[error(
    "artifact {artifact}: blob {expected} for `{path}` is corrupt (its content hashes to {actual}); \
     the store at {} was modified outside kiln",
    store.display()
)]
pub struct Corruption {
    pub artifact: Digest,
    pub path: String,
    pub expected: Digest,
    pub actual: Digest,
    pub store: PathBuf,
}

/// What [`ArtifactStore::put`] stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub digest: Digest,
    pub files: usize,
    pub bytes: u64,
}

/// A content-addressed store of artifact trees under one directory.
#[derive(Debug, Clone)]
pub struct ArtifactStore {
    root: PathBuf,
}

impl ArtifactStore {
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let root = root.into();
        for dir in [root.join("blobs/sha256"), root.join("tmp")] {
            fs::create_dir_all(&dir).map_err(io_error("creating", &dir))?;
        }
        Ok(Self { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the blob with this digest lives.
    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.root.join("blobs/sha256").join(digest.hex())
    }

    /// Store the tree under `dir` and return its digest. Symlinks are
    /// stored as links, never followed.
    pub fn put(&self, dir: &Path) -> Result<Stored, StoreError> {
        let mut entries = Vec::new();
        for item in walkdir::WalkDir::new(dir).follow_links(false).min_depth(1) {
            let item = item.map_err(|error| StoreError::Io {
                action: "walking",
                path: dir.to_path_buf(),
                source: error.into(),
            })?;
            let relative = item
                .path()
                .strip_prefix(dir)
                .expect("walkdir yields paths under its root")
                .to_string_lossy()
                .replace(std::path::MAIN_SEPARATOR, "/");
            let file_type = item.file_type();
            let kind = if file_type.is_dir() {
                EntryKind::Dir
            } else if file_type.is_symlink() {
                let target =
                    fs::read_link(item.path()).map_err(io_error("reading link", item.path()))?;
                EntryKind::Symlink {
                    target: target.to_string_lossy().into_owned(),
                }
            } else if file_type.is_file() {
                let metadata = item.metadata().map_err(|e| StoreError::Io {
                    action: "reading metadata of",
                    path: item.path().to_path_buf(),
                    source: e.into(),
                })?;
                let (digest, size) = self.put_blob_from_file(item.path())?;
                EntryKind::File {
                    size,
                    digest,
                    executable: metadata.permissions().mode() & 0o111 != 0,
                }
            } else {
                return Err(StoreError::Unsupported {
                    root: dir.to_path_buf(),
                    path: relative,
                    kind: "special file (device, socket or fifo)",
                });
            };
            entries.push(Entry {
                path: relative,
                kind,
            });
        }
        let manifest = Manifest::new(entries);
        let bytes = manifest.to_bytes();
        let digest = self.put_blob_bytes(&bytes)?;
        Ok(Stored {
            digest,
            files: manifest.file_count(),
            bytes: manifest.total_size(),
        })
    }

    /// Read and verify an artifact's manifest.
    pub fn manifest(&self, artifact: &Digest) -> Result<Manifest, StoreError> {
        let path = self.blob_path(artifact);
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Err(StoreError::Missing {
                    artifact: *artifact,
                    blob: *artifact,
                });
            }
            Err(error) => return Err(io_error("reading", &path)(error)),
        };
        let actual = Digest::of(&bytes);
        if actual != *artifact {
            return Err(StoreError::Corrupt(Box::new(Corruption {
                artifact: *artifact,
                path: "(manifest)".into(),
                expected: *artifact,
                actual,
                store: self.root.clone(),
            })));
        }
        let manifest: Manifest =
            serde_json::from_slice(&bytes).map_err(|error| StoreError::BadManifest {
                artifact: *artifact,
                reason: error.to_string(),
            })?;
        if let Some(bad) = manifest
            .entries
            .iter()
            .find(|e| !is_safe_relative_path(&e.path))
        {
            return Err(StoreError::BadManifest {
                artifact: *artifact,
                reason: format!("unsafe path `{}`", bad.path),
            });
        }
        Ok(manifest)
    }

    /// Write the artifact's tree into `dest` (created; must not exist),
    /// verifying every blob against its digest as it is copied. On any
    /// error `dest` is removed: a half-written input is never used.
    pub fn materialize(&self, artifact: &Digest, dest: &Path) -> Result<Manifest, StoreError> {
        let result = self.materialize_inner(artifact, dest);
        if result.is_err() {
            let _ = make_writable_recursively(dest);
            let _ = fs::remove_dir_all(dest);
        }
        result
    }

    fn materialize_inner(&self, artifact: &Digest, dest: &Path) -> Result<Manifest, StoreError> {
        let manifest = self.manifest(artifact)?;
        fs::create_dir_all(dest).map_err(io_error("creating", dest))?;
        for entry in &manifest.entries {
            let target = dest.join(&entry.path);
            match &entry.kind {
                EntryKind::Dir => {
                    fs::create_dir_all(&target).map_err(io_error("creating", &target))?
                }
                EntryKind::Symlink { target: link } => std::os::unix::fs::symlink(link, &target)
                    .map_err(io_error("linking", &target))?,
                EntryKind::File {
                    digest, executable, ..
                } => {
                    let actual = self.copy_blob_verified(artifact, digest, &target)?;
                    if actual != *digest {
                        return Err(StoreError::Corrupt(Box::new(Corruption {
                            artifact: *artifact,
                            path: entry.path.clone(),
                            expected: *digest,
                            actual,
                            store: self.root.clone(),
                        })));
                    }
                    let mode = if *executable { 0o555 } else { 0o444 };
                    fs::set_permissions(&target, fs::Permissions::from_mode(mode))
                        .map_err(io_error("setting permissions of", &target))?;
                }
            }
        }
        Ok(manifest)
    }

    /// Copy a blob to `target`, returning the digest of what was copied.
    fn copy_blob_verified(
        &self,
        artifact: &Digest,
        blob: &Digest,
        target: &Path,
    ) -> Result<Digest, StoreError> {
        let source = self.blob_path(blob);
        let mut reader = match File::open(&source) {
            Ok(file) => file,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Err(StoreError::Missing {
                    artifact: *artifact,
                    blob: *blob,
                });
            }
            Err(error) => return Err(io_error("opening", &source)(error)),
        };
        let mut writer = File::create(target).map_err(io_error("creating", target))?;
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
                .map_err(io_error("writing", target))?;
        }
        Ok(Digest::from_hasher(hasher))
    }

    /// Hash a file while copying it into a temporary blob, then rename it
    /// into place (or drop it when the blob already exists).
    fn put_blob_from_file(&self, path: &Path) -> Result<(Digest, u64), StoreError> {
        let mut reader = File::open(path).map_err(io_error("opening", path))?;
        let tmp_dir = self.root.join("tmp");
        let mut temp = tempfile::NamedTempFile::new_in(&tmp_dir)
            .map_err(io_error("creating a file in", &tmp_dir))?;
        let mut hasher = Sha256::new();
        let mut size = 0u64;
        let mut buffer = vec![0u8; 256 * 1024];
        loop {
            let n = reader
                .read(&mut buffer)
                .map_err(io_error("reading", path))?;
            if n == 0 {
                break;
            }
            size += n as u64;
            hasher.update(&buffer[..n]);
            temp.write_all(&buffer[..n])
                .map_err(io_error("writing", temp.path()))?;
        }
        let digest = Digest::from_hasher(hasher);
        self.commit_blob(temp, &digest)?;
        Ok((digest, size))
    }

    fn put_blob_bytes(&self, bytes: &[u8]) -> Result<Digest, StoreError> {
        let digest = Digest::of(bytes);
        if self.blob_path(&digest).exists() {
            return Ok(digest);
        }
        let tmp_dir = self.root.join("tmp");
        let mut temp = tempfile::NamedTempFile::new_in(&tmp_dir)
            .map_err(io_error("creating a file in", &tmp_dir))?;
        temp.write_all(bytes)
            .map_err(io_error("writing", temp.path()))?;
        self.commit_blob(temp, &digest)?;
        Ok(digest)
    }

    fn commit_blob(
        &self,
        temp: tempfile::NamedTempFile,
        digest: &Digest,
    ) -> Result<(), StoreError> {
        let final_path = self.blob_path(digest);
        if final_path.exists() {
            return Ok(()); // the temporary file is removed on drop
        }
        temp.as_file()
            .sync_all()
            .map_err(io_error("syncing", temp.path()))?;
        fs::set_permissions(temp.path(), fs::Permissions::from_mode(0o444))
            .map_err(io_error("setting permissions of", temp.path()))?;
        temp.persist(&final_path).map_err(|error| StoreError::Io {
            action: "renaming into",
            path: final_path.clone(),
            source: error.error,
        })?;
        Ok(())
    }
}

/// Materialized trees are read-only; make them writable so they can be removed.
pub fn make_writable_recursively(dir: &Path) -> io::Result<()> {
    for item in walkdir::WalkDir::new(dir).follow_links(false) {
        let item = item?;
        if item.file_type().is_symlink() {
            continue;
        }
        let mode = if item.file_type().is_dir() {
            0o755
        } else {
            0o644
        };
        fs::set_permissions(item.path(), fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(root: &Path) {
        fs::create_dir_all(root.join("sub")).unwrap();
        fs::write(root.join("a.txt"), "alpha").unwrap();
        fs::write(root.join("sub/b.bin"), vec![7u8; 300_000]).unwrap();
        fs::set_permissions(root.join("sub/b.bin"), fs::Permissions::from_mode(0o755)).unwrap();
        std::os::unix::fs::symlink("a.txt", root.join("link")).unwrap();
    }

    #[test]
    fn a_tree_round_trips_with_modes_and_links() {
        let dir = tempfile::tempdir().unwrap();
        let store = ArtifactStore::open(dir.path().join("store")).unwrap();
        tree(&dir.path().join("in"));
        let stored = store.put(&dir.path().join("in")).unwrap();
        assert_eq!(stored.files, 2);
        assert_eq!(stored.bytes, 300_005);
        let again = store.put(&dir.path().join("in")).unwrap();
        assert_eq!(again.digest, stored.digest, "equal trees, equal digests");

        let out = dir.path().join("out");
        store.materialize(&stored.digest, &out).unwrap();
        assert_eq!(fs::read_to_string(out.join("a.txt")).unwrap(), "alpha");
        assert_eq!(fs::read_link(out.join("link")).unwrap(), Path::new("a.txt"));
        let mode = fs::metadata(out.join("sub/b.bin"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o111, 0o111);
    }

    #[test]
    fn a_corrupt_blob_is_detected_and_nothing_is_left_behind() {
        let dir = tempfile::tempdir().unwrap();
        let store = ArtifactStore::open(dir.path().join("store")).unwrap();
        tree(&dir.path().join("in"));
        let stored = store.put(&dir.path().join("in")).unwrap();
        let blob = store.blob_path(&Digest::of(b"alpha"));
        fs::set_permissions(&blob, fs::Permissions::from_mode(0o644)).unwrap();
        fs::write(&blob, "tampered").unwrap();

        let out = dir.path().join("out");
        let error = store.materialize(&stored.digest, &out).unwrap_err();
        assert!(
            matches!(error, StoreError::Corrupt(ref c) if c.path == "a.txt"),
            "{error}"
        );
        assert!(error.to_string().contains("corrupt"));
        assert!(!out.exists(), "a half-materialized tree must be removed");
    }
}
