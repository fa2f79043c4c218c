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
    /// stored as links, never followed. The tree is left as it was.
    pub fn put(&self, dir: &Path) -> Result<Stored, StoreError> {
        self.put_tree(dir, false)
    }

    /// Store a scratch tree that the caller removes afterwards (an
    /// action's outputs): new files are hard-linked into the store rather
    /// than copied, so storing costs one read (the hashing) per file.
    pub fn put_scratch(&self, dir: &Path) -> Result<Stored, StoreError> {
        self.put_tree(dir, true)
    }

    fn put_tree(&self, dir: &Path, scratch: bool) -> Result<Stored, StoreError> {
        let mut entries = Vec::new();
        let mut files = Vec::new();
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
            if file_type.is_dir() {
                entries.push(Entry {
                    path: relative,
                    kind: EntryKind::Dir,
                });
            } else if file_type.is_symlink() {
                let target =
                    fs::read_link(item.path()).map_err(io_error("reading link", item.path()))?;
                entries.push(Entry {
                    path: relative,
                    kind: EntryKind::Symlink {
                        target: target.to_string_lossy().into_owned(),
                    },
                });
            } else if file_type.is_file() {
                let metadata = item.metadata().map_err(|e| StoreError::Io {
                    action: "reading metadata of",
                    path: item.path().to_path_buf(),
                    source: e.into(),
                })?;
                let executable = metadata.permissions().mode() & 0o111 != 0;
                files.push((relative, item.path().to_path_buf(), executable));
            } else {
                return Err(StoreError::Unsupported {
                    root: dir.to_path_buf(),
                    path: relative,
                    kind: "special file (device, socket or fifo)",
                });
            }
        }
        // Hashing is the cost of storing: spread it over every core.
        use rayon::prelude::*;
        let stored: Vec<Entry> = files
            .into_par_iter()
            .map(|(relative, path, executable)| {
                let (digest, size) = if scratch {
                    self.link_blob_from_file(&path)?
                } else {
                    self.put_blob_from_file(&path)?
                };
                Ok(Entry {
                    path: relative,
                    kind: EntryKind::File {
                        size,
                        digest,
                        executable,
                    },
                })
            })
            .collect::<Result<_, StoreError>>()?;
        entries.extend(stored);
        let manifest = Manifest::new(entries);
        let bytes = manifest.to_bytes();
        let digest = self.put_blob_bytes(&bytes)?;
        Ok(Stored {
            digest,
            files: manifest.file_count(),
            bytes: manifest.total_size(),
        })
    }

    /// Hash a scratch file; when its blob is new, hard-link the file into
    /// the store (copying only when linking is impossible, such as across
    /// filesystems).
    fn link_blob_from_file(&self, path: &Path) -> Result<(Digest, u64), StoreError> {
        let file = File::open(path).map_err(io_error("opening", path))?;
        let size = file
            .metadata()
            .map_err(io_error("reading metadata of", path))?
            .len();
        let digest = Digest::of_reader(file).map_err(io_error("reading", path))?;
        let final_path = self.blob_path(&digest);
        if final_path.exists() {
            return Ok((digest, size));
        }
        let staging =
            self.root
                .join("tmp")
                .join(format!("link-{}-{}", digest.hex(), std::process::id()));
        let _ = fs::remove_file(&staging);
        if fs::hard_link(path, &staging).is_err() {
            return self.put_blob_from_file(path);
        }
        // The file's digest was taken before linking; nothing writes to an
        // action's outputs once the action has finished.
        fs::set_permissions(&staging, fs::Permissions::from_mode(0o444))
            .map_err(io_error("setting permissions of", &staging))?;
        fs::rename(&staging, &final_path).map_err(io_error("renaming into", &final_path))?;
        Ok((digest, size))
    }

    /// Open a blob of `artifact`; a missing blob is reported as such.
    fn open_blob(&self, artifact: &Digest, blob: &Digest) -> Result<(File, PathBuf), StoreError> {
        let path = self.blob_path(blob);
        match File::open(&path) {
            Ok(file) => Ok((file, path)),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Err(StoreError::Missing {
                artifact: *artifact,
                blob: *blob,
            }),
            Err(error) => Err(io_error("opening", &path)(error)),
        }
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
        self.write_tree(artifact, dest, false)
    }

    /// Like [`Self::materialize`], but every file is a private, writable
    /// copy: for handing an artifact to a person (`kiln artifacts get`),
    /// whose edits must never reach the store's shared blobs.
    pub fn export(&self, artifact: &Digest, dest: &Path) -> Result<Manifest, StoreError> {
        self.write_tree(artifact, dest, true)
    }

    fn write_tree(
        &self,
        artifact: &Digest,
        dest: &Path,
        copy: bool,
    ) -> Result<Manifest, StoreError> {
        let result = self.materialize_inner(artifact, dest, copy);
        if result.is_err() {
            let _ = make_writable_recursively(dest);
            let _ = fs::remove_dir_all(dest);
        }
        result
    }

    fn materialize_inner(
        &self,
        artifact: &Digest,
        dest: &Path,
        copy: bool,
    ) -> Result<Manifest, StoreError> {
        let manifest = self.manifest(artifact)?;
        fs::create_dir_all(dest).map_err(io_error("creating", dest))?;
        // Directories and links first (entries are sorted, parents first),
        // then file contents in parallel.
        let mut files = Vec::new();
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
                } => files.push((entry, target, *digest, *executable)),
            }
        }
        use rayon::prelude::*;
        files
            .into_par_iter()
            .try_for_each(|(entry, target, digest, executable)| {
                if let Some(parent) = target.parent() {
                    fs::create_dir_all(parent).map_err(io_error("creating", parent))?;
                }
                let actual = if executable || copy {
                    // Its own inode: the mode must not change the blob's.
                    let actual = self.copy_blob_verified(artifact, &digest, &target)?;
                    let mode = match (executable, copy) {
                        (true, true) => 0o755,
                        (true, false) => 0o555,
                        _ => 0o644,
                    };
                    fs::set_permissions(&target, fs::Permissions::from_mode(mode))
                        .map_err(io_error("setting permissions of", &target))?;
                    actual
                } else {
                    self.link_blob_verified(artifact, &digest, &target)?
                };
                if actual != digest {
                    return Err(StoreError::Corrupt(Box::new(Corruption {
                        artifact: *artifact,
                        path: entry.path.clone(),
                        expected: digest,
                        actual,
                        store: self.root.clone(),
                    })));
                }
                Ok(())
            })?;
        Ok(manifest)
    }

    /// Verify a blob by hashing it, then hard-link it to `target` (a
    /// read-only blob shared by every reader costs no copy); copy when
    /// linking is impossible.
    fn link_blob_verified(
        &self,
        artifact: &Digest,
        blob: &Digest,
        target: &Path,
    ) -> Result<Digest, StoreError> {
        let (file, source) = self.open_blob(artifact, blob)?;
        let actual = Digest::of_reader(file).map_err(io_error("reading", &source))?;
        if actual != *blob {
            return Ok(actual);
        }
        if fs::hard_link(&source, target).is_err() {
            let copied = self.copy_blob_verified(artifact, blob, target)?;
            fs::set_permissions(target, fs::Permissions::from_mode(0o444))
                .map_err(io_error("setting permissions of", target))?;
            return Ok(copied);
        }
        Ok(actual)
    }

    /// Copy a blob to `target`, returning the digest of what was copied.
    fn copy_blob_verified(
        &self,
        artifact: &Digest,
        blob: &Digest,
        target: &Path,
    ) -> Result<Digest, StoreError> {
        let (mut reader, source) = self.open_blob(artifact, blob)?;
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
    fn a_scratch_tree_is_linked_not_copied_and_inputs_share_the_blob() {
        use std::os::unix::fs::MetadataExt;
        let dir = tempfile::tempdir().unwrap();
        let store = ArtifactStore::open(dir.path().join("store")).unwrap();
        let scratch = dir.path().join("scratch");
        tree(&scratch);
        let stored = store.put_scratch(&scratch).unwrap();
        let blob = store.blob_path(&Digest::of(b"alpha"));
        let inode = fs::metadata(&blob).unwrap().ino();
        assert_eq!(
            fs::metadata(scratch.join("a.txt")).unwrap().ino(),
            inode,
            "linked, not copied"
        );

        let out = dir.path().join("out");
        store.materialize(&stored.digest, &out).unwrap();
        assert_eq!(
            fs::metadata(out.join("a.txt")).unwrap().ino(),
            inode,
            "inputs share the blob"
        );
        make_writable_recursively(&out).unwrap();
        fs::remove_dir_all(&out).unwrap();
        assert_eq!(
            fs::metadata(&blob).unwrap().permissions().mode() & 0o777,
            0o444,
            "the blob stays read-only"
        );
        assert_eq!(fs::read_to_string(&blob).unwrap(), "alpha");
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
