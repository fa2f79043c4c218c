//! The local plugin store: an OCI image layout directory (`oci-layout`,
//! `index.json`, `blobs/sha256/`) in the data directory.
//!
//! It caches every plugin pulled or published, with its manifest, config
//! and signatures, so that a pinned plugin runs without the registry. Being
//! a standard layout, other tools read it as it is (`skopeo inspect
//! oci:<data>/oci:<name>`, `oras`, `crane`). Each entry of `index.json` is a
//! manifest named by `org.opencontainers.image.ref.name` = the full
//! reference without the scheme (`host/repo:tag` or `host/repo@sha256:..`).
//!
//! Blobs are written atomically under their digest and their content is
//! checked against the digest on every read: a changed byte is refused,
//! never run.

use std::collections::{BTreeSet, HashSet};
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

use super::manifest::{Descriptor, INDEX_MEDIA_TYPE, Index, Manifest};
use kiln_model::digest::Digest;

pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
const LAYOUT_FILE: &str = "oci-layout";
const LAYOUT_CONTENT: &str = r#"{"imageLayoutVersion":"1.0.0"}"#;
/// Downloads in progress (hidden: not part of the layout, which tools
/// reading it ignore).
const INCOMING_PREFIX: &str = ".incoming-";

/// A blob being downloaded into the store; see [`LocalStore::incoming`].
pub struct Incoming {
    file: tempfile::NamedTempFile,
}

impl Incoming {
    pub fn file(&mut self) -> &mut File {
        self.file.as_file_mut()
    }

    pub fn path(&self) -> &Path {
        self.file.path()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("local plugin store {}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    #[error(
        "blob {expected} in the local plugin store has been changed: its content hashes to {actual}; it is refused (remove it with `kiln plugin rm`, then pull again)"
    )]
    Corrupt { expected: Digest, actual: Digest },
    #[error("blob {digest} is not in the local plugin store")]
    Missing { digest: Digest },
    #[error("{what} does not match its digest: expected {expected}, got {actual}")]
    DigestMismatch {
        what: String,
        expected: String,
        actual: Digest,
    },
    #[error("{} is not a readable OCI index: {source}", path.display())]
    BadIndex {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error("manifest {digest} in the local plugin store is not valid JSON: {source}")]
    BadManifest {
        digest: Digest,
        source: serde_json::Error,
    },
}

/// An OCI image layout directory.
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
}

/// One named manifest in the store.
#[derive(Debug, Clone)]
pub struct Entry {
    /// `host/repo:tag` or `host/repo@sha256:...`.
    pub name: String,
    pub manifest: Descriptor,
}

impl LocalStore {
    /// Open (and create) the layout at `root`.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, StoreError> {
        let store = Self { root: root.into() };
        let io = |source| StoreError::Io {
            path: store.root.clone(),
            source,
        };
        std::fs::create_dir_all(store.root.join("blobs/sha256")).map_err(io)?;
        let layout = store.root.join(LAYOUT_FILE);
        if !layout.exists() {
            write_atomically(&layout, LAYOUT_CONTENT.as_bytes()).map_err(io)?;
        }
        Ok(store)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn io_error(&self, path: &Path) -> impl FnOnce(io::Error) -> StoreError {
        let path = path.to_path_buf();
        move |source| StoreError::Io { path, source }
    }

    /// Where the blob `digest` lives (whether or not it is there).
    pub fn blob_path(&self, digest: &Digest) -> PathBuf {
        self.root.join("blobs/sha256").join(digest.hex())
    }

    pub fn has_blob(&self, digest: &Digest) -> bool {
        self.blob_path(digest).is_file()
    }

    /// Store `bytes`, which must hash to `expected` (named `what` in the
    /// error when they do not).
    pub fn put_blob(&self, bytes: &[u8], expected: &str, what: &str) -> Result<Digest, StoreError> {
        let actual = Digest::of(bytes);
        if actual.to_string() != expected {
            return Err(StoreError::DigestMismatch {
                what: what.to_owned(),
                expected: expected.to_owned(),
                actual,
            });
        }
        // Written even when a file is there: these bytes are known good,
        // what is on disk may not be (callers trust a blob they just put).
        let path = self.blob_path(&actual);
        write_atomically(&path, bytes).map_err(self.io_error(&path))?;
        Ok(actual)
    }

    /// A temporary file in the store, for a blob being downloaded: it
    /// becomes a blob only by [`LocalStore::commit`], once checked, and
    /// disappears when dropped otherwise.
    pub fn incoming(&self) -> Result<Incoming, StoreError> {
        let file = tempfile::Builder::new()
            .prefix(INCOMING_PREFIX)
            .tempfile_in(&self.root)
            .map_err(self.io_error(&self.root))?;
        Ok(Incoming { file })
    }

    /// Make `incoming` the blob `digest`. The caller has checked that its
    /// content hashes to `digest` (it hashed it as it arrived).
    pub fn commit(&self, incoming: Incoming, digest: &Digest) -> Result<PathBuf, StoreError> {
        let path = self.blob_path(digest);
        let temp = incoming.file.path().to_path_buf();
        incoming
            .file
            .as_file()
            .sync_data()
            .map_err(self.io_error(&temp))?;
        incoming
            .file
            .persist(&path)
            .map_err(|error| self.io_error(&path)(error.error))?;
        Ok(path)
    }

    /// The blob's content, checked against its digest.
    pub fn read_blob(&self, digest: &Digest) -> Result<Vec<u8>, StoreError> {
        let path = self.blob_path(digest);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                return Err(StoreError::Missing { digest: *digest });
            }
            Err(error) => return Err(self.io_error(&path)(error)),
        };
        let actual = Digest::of(&bytes);
        if actual != *digest {
            return Err(StoreError::Corrupt {
                expected: *digest,
                actual,
            });
        }
        Ok(bytes)
    }

    /// The path of a blob whose content has just been checked; what the
    /// runtime loads a pulled plugin from.
    pub fn verified_blob_path(&self, digest: &Digest) -> Result<PathBuf, StoreError> {
        let path = self.blob_path(digest);
        let file = File::open(&path).map_err(|error| {
            if error.kind() == io::ErrorKind::NotFound {
                StoreError::Missing { digest: *digest }
            } else {
                self.io_error(&path)(error)
            }
        })?;
        let actual = Digest::of_reader(io::BufReader::new(file)).map_err(self.io_error(&path))?;
        if actual != *digest {
            return Err(StoreError::Corrupt {
                expected: *digest,
                actual,
            });
        }
        Ok(path)
    }

    /// A manifest from the store, checked and parsed.
    pub fn manifest(&self, digest: &Digest) -> Result<Manifest, StoreError> {
        let bytes = self.read_blob(digest)?;
        serde_json::from_slice(&bytes).map_err(|source| StoreError::BadManifest {
            digest: *digest,
            source,
        })
    }

    /// Every named manifest.
    pub fn entries(&self) -> Result<Vec<Entry>, StoreError> {
        Ok(self
            .read_index()?
            .manifests
            .into_iter()
            .filter_map(|manifest| {
                Some(Entry {
                    name: manifest.annotations.get(REF_NAME)?.clone(),
                    manifest,
                })
            })
            .collect())
    }

    /// The manifest named `name`, if any.
    pub fn lookup(&self, name: &str) -> Result<Option<Descriptor>, StoreError> {
        Ok(self
            .entries()?
            .into_iter()
            .find(|entry| entry.name == name)
            .map(|entry| entry.manifest))
    }

    /// Name `manifest` `name` (replacing what the name pointed at before).
    pub fn set_name(&self, name: &str, mut manifest: Descriptor) -> Result<(), StoreError> {
        manifest
            .annotations
            .insert(REF_NAME.to_owned(), name.to_owned());
        self.update_index(|index| {
            index
                .manifests
                .retain(|m| m.annotations.get(REF_NAME).map(String::as_str) != Some(name));
            index.manifests.push(manifest);
        })
    }

    /// Remove the names `matches` accepts, then every blob no remaining
    /// manifest refers to. The removed names.
    pub fn remove(&self, matches: impl Fn(&str) -> bool) -> Result<Vec<String>, StoreError> {
        let mut removed = Vec::new();
        self.update_index(|index| {
            index
                .manifests
                .retain(|m| match m.annotations.get(REF_NAME) {
                    Some(name) if matches(name) => {
                        removed.push(name.clone());
                        false
                    }
                    _ => true,
                });
        })?;
        if !removed.is_empty() {
            self.collect_garbage()?;
        }
        Ok(removed)
    }

    /// Delete the blobs that no manifest of the index reaches.
    fn collect_garbage(&self) -> Result<(), StoreError> {
        let _lock = self.lock()?;
        let mut live = HashSet::new();
        for entry in self.read_index()?.manifests {
            let Some(digest) = entry.sha256() else {
                continue;
            };
            live.insert(digest);
            if let Ok(manifest) = self.manifest(&digest) {
                for blob in std::iter::once(&manifest.config).chain(&manifest.layers) {
                    if let Some(digest) = blob.sha256() {
                        live.insert(digest);
                    }
                }
            }
        }
        for digest in self.blob_digests()? {
            if !live.contains(&digest) {
                let path = self.blob_path(&digest);
                std::fs::remove_file(&path).map_err(self.io_error(&path))?;
            }
        }
        Ok(())
    }

    fn index_path(&self) -> PathBuf {
        self.root.join("index.json")
    }

    fn read_index(&self) -> Result<Index, StoreError> {
        let path = self.index_path();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|source| StoreError::BadIndex { path, source }),
            Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(Index::default()),
            Err(error) => Err(self.io_error(&path)(error)),
        }
    }

    /// Read, change and write `index.json` under the store's lock, so that
    /// two kilns pulling at once both keep their entries.
    fn update_index(&self, change: impl FnOnce(&mut Index)) -> Result<(), StoreError> {
        let _lock = self.lock()?;
        let mut index = self.read_index()?;
        change(&mut index);
        index.media_type = Some(INDEX_MEDIA_TYPE.to_owned());
        // A stable order: names sorted, so the file diffs well.
        index.manifests.sort_by(|a, b| {
            a.annotations
                .get(REF_NAME)
                .cmp(&b.annotations.get(REF_NAME))
        });
        let bytes = serde_json::to_vec_pretty(&index).expect("an index serializes");
        let path = self.index_path();
        write_atomically(&path, &bytes).map_err(self.io_error(&path))
    }

    fn lock(&self) -> Result<File, StoreError> {
        // Not part of the layout; tools reading it ignore unknown files.
        let path = self.root.join(".kiln-lock");
        let file = File::create(&path).map_err(self.io_error(&path))?;
        file.lock().map_err(self.io_error(&path))?;
        Ok(file)
    }

    /// The names of every blob in the store (for tests and `plugin ls`).
    pub fn blob_digests(&self) -> Result<BTreeSet<Digest>, StoreError> {
        let dir = self.root.join("blobs/sha256");
        let mut digests = BTreeSet::new();
        for file in std::fs::read_dir(&dir).map_err(self.io_error(&dir))? {
            let file = file.map_err(self.io_error(&dir))?;
            if let Some(digest) = file
                .file_name()
                .to_str()
                .and_then(|hex| format!("sha256:{hex}").parse::<Digest>().ok())
            {
                digests.insert(digest);
            }
        }
        Ok(digests)
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    io::Write::write_all(&mut file, bytes)?;
    file.as_file().sync_data()?;
    file.persist(path).map_err(|error| error.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{MANIFEST_MEDIA_TYPE, wasm_artifact};

    fn store_component(store: &LocalStore, name: &str, component: &[u8]) -> Digest {
        let (config, manifest) = wasm_artifact(component, Default::default()).unwrap();
        store
            .put_blob(component, &manifest.layers[0].digest, "layer")
            .unwrap();
        store
            .put_blob(&config, &manifest.config.digest, "config")
            .unwrap();
        let bytes = manifest.to_bytes();
        let descriptor = Descriptor::of(MANIFEST_MEDIA_TYPE, &bytes);
        let digest = store
            .put_blob(&bytes, &descriptor.digest, "manifest")
            .unwrap();
        store.set_name(name, descriptor).unwrap();
        digest
    }

    #[test]
    fn a_layout_other_tools_can_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let component = wat::parse_str("(component)").unwrap();
        let digest = store_component(&store, "r.example/a:1", &component);
        let layout: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("oci-layout")).unwrap()).unwrap();
        assert_eq!(layout["imageLayoutVersion"], "1.0.0");
        let index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("index.json")).unwrap()).unwrap();
        assert_eq!(index["schemaVersion"], 2);
        assert_eq!(index["manifests"][0]["digest"], digest.to_string());
        assert_eq!(
            index["manifests"][0]["annotations"][REF_NAME],
            "r.example/a:1"
        );
        assert_eq!(
            store.lookup("r.example/a:1").unwrap().unwrap().digest,
            digest.to_string()
        );
    }

    #[test]
    fn a_changed_blob_is_refused_and_a_wrong_one_never_stored() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let digest = store
            .put_blob(b"hello", &Digest::of(b"hello").to_string(), "x")
            .unwrap();
        std::fs::write(store.blob_path(&digest), b"hellO").unwrap();
        assert!(matches!(
            store.read_blob(&digest),
            Err(StoreError::Corrupt { .. })
        ));
        assert!(matches!(
            store.verified_blob_path(&digest),
            Err(StoreError::Corrupt { .. })
        ));
        let error = store
            .put_blob(b"other", &Digest::of(b"x").to_string(), "the layer")
            .unwrap_err();
        assert!(
            error.to_string().contains("the layer does not match"),
            "{error}"
        );
        assert!(!store.has_blob(&Digest::of(b"other")));
    }

    #[test]
    fn removing_a_name_collects_only_unshared_blobs() {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::open(dir.path()).unwrap();
        let component = wat::parse_str("(component)").unwrap();
        store_component(&store, "r.example/a:1", &component);
        store_component(&store, "r.example/a:2", &component);
        let before = store.blob_digests().unwrap();
        assert_eq!(
            store.remove(|name| name == "r.example/a:1").unwrap(),
            ["r.example/a:1"]
        );
        // The component is still named by a:2.
        assert!(store.has_blob(&Digest::of(&component)));
        store
            .remove(|name| name.starts_with("r.example/a:"))
            .unwrap();
        assert!(store.blob_digests().unwrap().is_empty(), "{before:?}");
    }
}
