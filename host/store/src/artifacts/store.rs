//! Putting trees into the store and getting them out again, verified.
//!
//! Two rules keep a plugin's tree from reaching the host through the store:
//!
//! - **Names are exact.** A tree is stored only if every name is UTF-8 and
//!   passes [`name_problem`]; otherwise the artifact is refused, naming the
//!   path. No name is ever rendered lossily, so two entries can never
//!   become one.
//! - **Writes never follow a link.** A tree is written out by
//!   [`tree::TreeWriter`], entry by entry relative to directory handles it
//!   created itself, with `O_NOFOLLOW` and `O_EXCL`, from a manifest that
//!   passed [`Manifest::parse`].
//!
//! A blob file is shared (hard-linked) only with the scratch file it came
//! from, and only when nothing else links to that file: an output that is
//! also a link in a persistent cache directory or in the workspace is
//! copied, so the plugin can never rewrite a stored blob later.

use std::fs::{self, File};
use std::io::{self, Read, Seek, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest as _, Sha256};

use super::error::io_error;
pub use super::error::{Corruption, StoreError};
use super::tree::{Blobs, TreeWriter};
pub use super::tree::{make_writable_recursively, remove_scratch_tree};
use super::verified::{Stamp, VerifiedBlobs};
use kiln_model::artifact::{Entry, EntryKind, Manifest, ManifestError, name_problem};
use kiln_model::digest::Digest;

/// The tree writer reads blobs through this.
impl Blobs for LocalArtifactStore {
    fn blobs_dir(&self) -> PathBuf {
        LocalArtifactStore::blobs_dir(self)
    }

    fn open_blob(&self, artifact: &Digest, blob: &Digest) -> Result<(File, PathBuf), StoreError> {
        LocalArtifactStore::open_blob(self, artifact, blob)
    }

    fn digest_of(&self, expected: &Digest, blob: &File) -> io::Result<Digest> {
        self.verified.digest_of(expected, blob)
    }

    fn corruption(
        &self,
        artifact: &Digest,
        path: &str,
        expected: Digest,
        actual: Digest,
    ) -> StoreError {
        LocalArtifactStore::corruption(self, artifact, path, expected, actual)
    }
}

/// What [`LocalArtifactStore::put`] stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub digest: Digest,
    pub files: usize,
    pub bytes: u64,
}

/// A content-addressed store of artifact trees under one directory.
#[derive(Debug, Clone)]
pub struct LocalArtifactStore {
    root: PathBuf,
    /// The blobs this process hashed, so an unchanged one is not hashed on
    /// every read (`verified.rs`).
    verified: Arc<VerifiedBlobs>,
}

/// A regular file found while walking a tree to store.
struct FoundFile {
    relative: String,
    path: PathBuf,
    executable: bool,
}

impl LocalArtifactStore {
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let root = root.into();
        for dir in [root.join("blobs/sha256"), root.join("tmp")] {
            fs::create_dir_all(&dir).map_err(io_error("creating", &dir))?;
        }
        Ok(Self {
            root,
            verified: Arc::default(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the blob with this digest lives.
    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.blobs_dir().join(digest.hex())
    }

    pub(super) fn blobs_dir(&self) -> PathBuf {
        self.root.join("blobs/sha256")
    }

    /// Store the tree under `dir` and return its digest. Symlinks are
    /// stored as links, never followed. The tree is left as it was.
    pub fn put(&self, dir: &Path) -> Result<Stored, StoreError> {
        self.put_tree(dir, false)
    }

    /// Store a scratch tree that the caller removes afterwards (an
    /// action's outputs): a new file that nothing else links to is
    /// hard-linked into the store rather than copied, so storing costs one
    /// read (the hashing) per file.
    pub fn put_scratch(&self, dir: &Path) -> Result<Stored, StoreError> {
        self.put_tree(dir, true)
    }

    fn put_tree(&self, dir: &Path, scratch: bool) -> Result<Stored, StoreError> {
        let (mut entries, files) = walk_tree(dir)?;
        // Hashing is the cost of storing: spread it over every core.
        use rayon::prelude::*;
        let stored: Vec<Entry> = files
            .into_par_iter()
            .map(|found| {
                let (digest, size) = if scratch {
                    self.link_blob_from_file(&found.path)?
                } else {
                    self.put_blob_from_file(&found.path)?
                };
                Ok(Entry {
                    path: found.relative,
                    kind: EntryKind::File {
                        size,
                        digest,
                        executable: found.executable,
                    },
                })
            })
            .collect::<Result<_, StoreError>>()?;
        entries.extend(stored);
        let manifest = Manifest::new(entries);
        // The walk admits only safe names, once each; checking the result
        // keeps every manifest the store writes under the same rules as
        // every manifest it reads.
        manifest.check().map_err(|reason| StoreError::BadName {
            root: dir.to_path_buf(),
            path: match &reason {
                ManifestError::Entry { path, .. } => path.clone(),
                _ => String::new(),
            },
            reason: "the tree does not form a valid artifact",
        })?;
        let digest = self.put_blob_bytes(&manifest.to_bytes())?;
        Ok(Stored {
            digest,
            files: manifest.file_count(),
            bytes: manifest.total_size(),
        })
    }

    /// Hash a scratch file; when its blob is new and nothing else links to
    /// the file, hard-link it into the store, else copy it.
    fn link_blob_from_file(&self, path: &Path) -> Result<(Digest, u64), StoreError> {
        let mut file = open_no_follow(path)?;
        let metadata = file
            .metadata()
            .map_err(io_error("reading metadata of", path))?;
        if metadata.nlink() > 1 {
            // Another name for this inode (in a cache directory, the
            // workspace, a granted path) would let whoever holds it rewrite
            // the blob: store a private copy.
            return self.copy_into_store(&mut file, path);
        }
        // Read-only before it is read: nobody opens it for writing from
        // here on, and a writer that had it open changes its stamp.
        file.set_permissions(fs::Permissions::from_mode(0o444))
            .map_err(io_error("setting permissions of", path))?;
        let stamp =
            |file: &File| Stamp::of_file(file).map_err(io_error("reading metadata of", path));
        let before = stamp(&file)?;
        let digest = Digest::of_reader(&file).map_err(io_error("reading", path))?;
        let unchanged_while_read = stamp(&file)? == before;
        let size = metadata.len();
        let final_path = self.blob_path(&digest);
        if final_path.exists() {
            return Ok((digest, size));
        }
        match fs::hard_link(path, &final_path) {
            // Linking straight to the digest's name is atomic: concurrent
            // writers of the same content race harmlessly, the first wins.
            Ok(()) => {}
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists => {
                return Ok((digest, size));
            }
            // Across filesystems, or where links are not allowed.
            Err(_) => {
                file.rewind().map_err(io_error("reading", path))?;
                return self.copy_into_store(&mut file, path);
            }
        }
        let linked = file
            .metadata()
            .map_err(io_error("reading metadata of", path))?;
        if linked.nlink() != 2 {
            // Someone linked the file while it was being stored: take the
            // shared inode back out of the store and keep a private copy.
            let _ = fs::remove_file(&final_path);
            file.rewind().map_err(io_error("reading", path))?;
            return self.copy_into_store(&mut file, path);
        }
        if unchanged_while_read {
            // The link changed the stamp (its link count and ctime), not
            // the content: a read of the blob in this process need not hash it.
            self.verified.record(digest, Stamp::of(&linked));
        }
        Ok((digest, size))
    }

    /// Open a blob of `artifact`; a missing blob is reported as such.
    pub(super) fn open_blob(
        &self,
        artifact: &Digest,
        blob: &Digest,
    ) -> Result<(File, PathBuf), StoreError> {
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
            return Err(self.corruption(artifact, "(manifest)", *artifact, actual));
        }
        Manifest::parse(&bytes).map_err(|reason| StoreError::BadManifest {
            artifact: *artifact,
            reason,
        })
    }

    pub(super) fn corruption(
        &self,
        artifact: &Digest,
        path: &str,
        expected: Digest,
        actual: Digest,
    ) -> StoreError {
        StoreError::Corrupt(Box::new(Corruption {
            artifact: *artifact,
            path: path.to_owned(),
            expected,
            actual,
            store: self.root.clone(),
        }))
    }

    /// Write the artifact's tree into `dest` (created, or an existing empty
    /// directory), verifying every blob against its digest. Files are
    /// read-only hard links to the store's blobs where possible. On any
    /// error, what was written is removed: a half-written input is never
    /// used.
    pub fn materialize(&self, artifact: &Digest, dest: &Path) -> Result<Manifest, StoreError> {
        self.write_tree(artifact, dest, false)
    }

    /// Like [`Self::materialize`], but every file is a private, writable
    /// copy: for handing an artifact to a person (`kiln artifacts get`), or
    /// to an action whose programs are not confined, whose changes must
    /// never reach the store's shared blobs.
    pub fn export(&self, artifact: &Digest, dest: &Path) -> Result<Manifest, StoreError> {
        self.write_tree(artifact, dest, true)
    }

    pub(super) fn write_tree(
        &self,
        artifact: &Digest,
        dest: &Path,
        copy: bool,
    ) -> Result<Manifest, StoreError> {
        let manifest = self.manifest(artifact)?;
        let writer = TreeWriter::create(self, artifact, dest, copy)?;
        match writer.write(&manifest) {
            Ok(()) => Ok(manifest),
            Err(error) => {
                writer.remove_written();
                Err(error)
            }
        }
    }

    /// Copy an open file into a temporary blob while hashing it, then move
    /// it into place (an existing blob wins).
    fn copy_into_store(&self, reader: &mut File, path: &Path) -> Result<(Digest, u64), StoreError> {
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

    /// Store a file of a tree that stays where it is.
    fn put_blob_from_file(&self, path: &Path) -> Result<(Digest, u64), StoreError> {
        let mut file = open_no_follow(path)?;
        self.copy_into_store(&mut file, path)
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

    /// Move a complete temporary file to its digest's name. Each writer has
    /// its own temporary file; when another writer got there first, its
    /// blob (of the same content) stays and this one is dropped.
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
        match temp.persist_noclobber(&final_path) {
            Ok(_) => Ok(()),
            Err(error) if error.error.kind() == io::ErrorKind::AlreadyExists => Ok(()),
            Err(error) => Err(StoreError::Io {
                action: "renaming into",
                path: final_path,
                source: error.error,
            }),
        }
    }
}

/// Open a file for reading without following a symlink in its last
/// component: a file swapped for a link after the walk is refused, not read
/// through.
fn open_no_follow(path: &Path) -> Result<File, StoreError> {
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(io_error("opening", path))
}

/// Walk `dir` (without following links): its directories and symlinks as
/// entries, its regular files to store. Any name that is not exact UTF-8
/// or fails [`name_problem`] refuses the whole tree.
fn walk_tree(dir: &Path) -> Result<(Vec<Entry>, Vec<FoundFile>), StoreError> {
    let mut entries = Vec::new();
    let mut files = Vec::new();
    for item in walkdir::WalkDir::new(dir).follow_links(false).min_depth(1) {
        let item = item.map_err(|error| StoreError::Io {
            action: "walking",
            path: dir.to_path_buf(),
            source: error.into(),
        })?;
        let relative = exact_relative(dir, item.path())?;
        let file_type = item.file_type();
        if file_type.is_dir() {
            entries.push(Entry {
                path: relative,
                kind: EntryKind::Dir,
            });
        } else if file_type.is_symlink() {
            let target =
                fs::read_link(item.path()).map_err(io_error("reading link", item.path()))?;
            let Some(target) = target.to_str() else {
                return Err(StoreError::BadName {
                    root: dir.to_path_buf(),
                    path: relative,
                    reason: "the symlink's target is not valid UTF-8",
                });
            };
            entries.push(Entry {
                path: relative,
                kind: EntryKind::Symlink {
                    target: target.to_owned(),
                },
            });
        } else if file_type.is_file() {
            let metadata = item.metadata().map_err(|e| StoreError::Io {
                action: "reading metadata of",
                path: item.path().to_path_buf(),
                source: e.into(),
            })?;
            files.push(FoundFile {
                relative,
                path: item.path().to_path_buf(),
                executable: metadata.permissions().mode() & 0o111 != 0,
            });
        } else {
            return Err(StoreError::Unsupported {
                root: dir.to_path_buf(),
                path: relative,
                kind: "special file (device, socket or fifo)",
            });
        }
    }
    Ok((entries, files))
}

/// `path` relative to `root`, `/`-separated, exactly as its bytes are, or
/// the reason it cannot be an artifact's name.
fn exact_relative(root: &Path, path: &Path) -> Result<String, StoreError> {
    let relative = path
        .strip_prefix(root)
        .expect("walkdir yields paths under its root");
    let bad = |reason| StoreError::BadName {
        root: root.to_path_buf(),
        path: shown_bytes(relative.as_os_str().as_encoded_bytes()),
        reason,
    };
    let text = relative
        .to_str()
        .ok_or_else(|| bad("the name is not valid UTF-8"))?;
    match name_problem(text) {
        Some(reason) => Err(bad(reason)),
        None => Ok(text.to_owned()),
    }
}

/// Bytes as text a terminal shows safely: printable ASCII as is, the rest
/// as `\xNN` (valid UTF-8 beyond ASCII is kept when printable).
fn shown_bytes(bytes: &[u8]) -> String {
    let mut shown = String::new();
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            if c.is_control() || c == '\\' {
                shown.extend(c.escape_default());
            } else {
                shown.push(c);
            }
        }
        for byte in chunk.invalid() {
            shown.push_str(&format!("\\x{byte:02x}"));
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;

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
        let store = LocalArtifactStore::open(dir.path().join("store")).unwrap();
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
        let dir = tempfile::tempdir().unwrap();
        let store = LocalArtifactStore::open(dir.path().join("store")).unwrap();
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
    fn a_scratch_file_linked_elsewhere_is_copied_not_shared() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalArtifactStore::open(dir.path().join("store")).unwrap();
        let scratch = dir.path().join("scratch");
        fs::create_dir_all(&scratch).unwrap();
        let kept = dir.path().join("kept-by-the-plugin");
        fs::write(&kept, "shared inode").unwrap();
        fs::hard_link(&kept, scratch.join("out.txt")).unwrap();
        store.put_scratch(&scratch).unwrap();
        let blob = store.blob_path(&Digest::of(b"shared inode"));
        assert_ne!(
            fs::metadata(&blob).unwrap().ino(),
            fs::metadata(&kept).unwrap().ino(),
            "the blob must not be an inode the plugin still holds"
        );
        fs::write(&kept, "rewritten later").unwrap();
        assert_eq!(fs::read_to_string(&blob).unwrap(), "shared inode");
    }

    #[test]
    fn names_that_are_not_utf8_or_not_portable_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalArtifactStore::open(dir.path().join("store")).unwrap();
        for (name, expected) in [
            (
                &b"bad\xff"[..],
                "`bad\\xff` cannot be stored: the name is not valid UTF-8",
            ),
            (b"back\\slash", "the name holds `\\`"),
            (b"esc\x1b[31m", "control character"),
        ] {
            let tree = dir.path().join(format!("t{}", name.len()));
            fs::create_dir_all(&tree).unwrap();
            fs::write(tree.join(OsStr::from_bytes(name)), "x").unwrap();
            let error = store.put_scratch(&tree).unwrap_err();
            assert!(error.to_string().contains(expected), "{error}");
        }
    }

    #[test]
    fn concurrent_stores_of_one_new_blob_all_succeed() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalArtifactStore::open(dir.path().join("store")).unwrap();
        let trees: Vec<PathBuf> = (0..16)
            .map(|i| {
                let tree = dir.path().join(format!("t{i}"));
                fs::create_dir_all(&tree).unwrap();
                for j in 0..8 {
                    fs::write(tree.join(format!("f{j}")), "the same new content").unwrap();
                }
                tree
            })
            .collect();
        std::thread::scope(|scope| {
            for tree in &trees {
                let store = &store;
                scope.spawn(move || store.put_scratch(tree).unwrap());
            }
        });
    }

    #[test]
    fn a_corrupt_blob_is_detected_and_nothing_is_left_behind() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalArtifactStore::open(dir.path().join("store")).unwrap();
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

    #[test]
    fn a_blob_changed_after_this_process_stored_it_is_still_caught() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalArtifactStore::open(dir.path().join("store")).unwrap();
        let scratch = dir.path().join("scratch");
        tree(&scratch);
        let stored = store.put_scratch(&scratch).unwrap();
        // Read once (from the stamp), then tamper with the same inode,
        // keeping its size and modification time.
        store
            .materialize(&stored.digest, &dir.path().join("first"))
            .unwrap();
        let blob = store.blob_path(&Digest::of(b"alpha"));
        let mtime = fs::metadata(&blob).unwrap().modified().unwrap();
        fs::set_permissions(&blob, fs::Permissions::from_mode(0o644)).unwrap();
        let mut file = fs::OpenOptions::new().write(true).open(&blob).unwrap();
        file.write_all(b"ALPHA").unwrap();
        file.set_modified(mtime).unwrap();
        drop(file);

        let error = store
            .materialize(&stored.digest, &dir.path().join("second"))
            .unwrap_err();
        assert!(
            matches!(error, StoreError::Corrupt(ref c) if c.path == "a.txt"),
            "{error}"
        );
    }
}
