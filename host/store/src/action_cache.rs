//! Cache entries on disk: `<data dir>/action-cache/`.
//!
//! - `entries/<key>.json`: what the action produced (output digests,
//!   summary) and the parts of its key;
//! - `logs/<key>.log`: the log of the run that produced it, replayed on a hit;
//! - `history/<pipeline>/<action>.json`: the last keys computed for each
//!   action, so that `kiln cache why` can name what changed.
//!
//! Every file is written to a temporary file and renamed into place.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::artifacts::ArtifactStore;
use kiln_model::cache::KeyParts;
use kiln_model::digest::Digest;

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("action cache {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("action cache entry {}: {reason}", path.display())]
    Corrupt { path: PathBuf, reason: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CacheError + '_ {
    move |source| CacheError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A recorded result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CacheEntry {
    pub key: Digest,
    pub pipeline: String,
    pub action: String,
    /// The run whose result this is.
    pub run_id: String,
    /// RFC 3339.
    pub created_at: String,
    pub summary: String,
    pub outputs: Vec<(String, Digest)>,
    pub parts: KeyParts,
    /// The variables the action exported (name, value).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exports: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct ActionCache {
    root: PathBuf,
}

/// How many keys per action are kept for `kiln cache why`.
const HISTORY: usize = 2;

impl ActionCache {
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, CacheError> {
        let root = root.into();
        for dir in ["entries", "logs", "history"] {
            let path = root.join(dir);
            std::fs::create_dir_all(&path).map_err(io(&path))?;
        }
        Ok(Self { root })
    }

    /// A digest of a secret's value under a key private to this cache
    /// (`<cache>/secret-key`, readable by its owner only, made on first
    /// use): the same value gives the same digest here, and the digest
    /// says nothing of the value to whoever reads the cache's files
    /// without the key.
    pub fn secret_digest(&self, name: &str, value: &str) -> Result<Digest, CacheError> {
        let key = self.secret_key()?;
        let mut keyed = Vec::with_capacity(key.len() + name.len() + value.len() + 2);
        keyed.extend_from_slice(&key);
        keyed.extend_from_slice(name.as_bytes());
        keyed.push(0);
        keyed.extend_from_slice(value.as_bytes());
        Ok(Digest::of(&keyed))
    }

    fn secret_key(&self) -> Result<Vec<u8>, CacheError> {
        let path = self.root.join("secret-key");
        if let Ok(key) = std::fs::read(&path)
            && key.len() == 32
        {
            return Ok(key);
        }
        let mut key = vec![0u8; 32];
        getrandom::getrandom(&mut key).map_err(|e| io(&path)(std::io::Error::other(e)))?;
        let dir = &self.root;
        // A temporary file is created readable by its owner only.
        let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(io(dir))?;
        temp.write_all(&key).map_err(io(&path))?;
        // Another process may have made one meanwhile: the first wins.
        match temp.persist_noclobber(&path) {
            Ok(_) => {}
            Err(error) if error.error.kind() == std::io::ErrorKind::AlreadyExists => {
                return std::fs::read(&path).map_err(io(&path));
            }
            Err(error) => return Err(io(&path)(error.error)),
        }
        Ok(key)
    }

    fn entry_path(&self, key: &Digest) -> PathBuf {
        self.root
            .join("entries")
            .join(format!("{}.json", key.hex()))
    }

    pub fn log_path(&self, key: &Digest) -> PathBuf {
        self.root.join("logs").join(format!("{}.log", key.hex()))
    }

    fn history_path(&self, pipeline: &str, action: &str) -> PathBuf {
        self.root
            .join("history")
            .join(pipeline)
            .join(format!("{action}.json"))
    }

    /// The entry for `key`, if there is one whose outputs are all still in
    /// `artifacts` (a garbage-collected artifact makes the entry useless).
    pub fn lookup(
        &self,
        key: &Digest,
        artifacts: &dyn ArtifactStore,
    ) -> Result<Option<CacheEntry>, CacheError> {
        let path = self.entry_path(key);
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(io(&path)(error)),
        };
        let entry: CacheEntry =
            serde_json::from_slice(&bytes).map_err(|e| CacheError::Corrupt {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        if entry.key != *key || entry.parts.key() != *key {
            return Err(CacheError::Corrupt {
                path,
                reason: "its key does not match its content".into(),
            });
        }
        let complete = entry
            .outputs
            .iter()
            .all(|(_, digest)| artifacts.manifest(digest).is_ok());
        Ok(complete.then_some(entry))
    }

    /// Record a result and the log that goes with it.
    pub fn put(&self, entry: &CacheEntry, log: Option<&[u8]>) -> Result<(), CacheError> {
        if let Some(bytes) = log {
            write_atomically(&self.log_path(&entry.key), bytes)?;
        }
        let json = serde_json::to_vec_pretty(entry).expect("an entry always serializes");
        write_atomically(&self.entry_path(&entry.key), &json)
    }

    /// Remember the key computed for an action now (newest first).
    pub fn record_key(
        &self,
        pipeline: &str,
        action: &str,
        parts: &KeyParts,
    ) -> Result<(), CacheError> {
        let path = self.history_path(pipeline, action);
        let mut history = self.history(pipeline, action);
        if history.first() == Some(parts) {
            return Ok(());
        }
        history.insert(0, parts.clone());
        history.truncate(HISTORY);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io(dir))?;
        }
        write_atomically(
            &path,
            &serde_json::to_vec_pretty(&history).expect("parts serialize"),
        )
    }

    /// The keys last computed for an action, newest first.
    pub fn history(&self, pipeline: &str, action: &str) -> Vec<KeyParts> {
        std::fs::read(self.history_path(pipeline, action))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Every entry, newest first.
    pub fn list(&self) -> Result<Vec<CacheEntry>, CacheError> {
        let dir = self.root.join("entries");
        let mut entries = Vec::new();
        for item in std::fs::read_dir(&dir).map_err(io(&dir))? {
            let path = item.map_err(io(&dir))?.path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            if let Ok(entry) = std::fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|b| serde_json::from_slice::<CacheEntry>(&b).map_err(|e| e.to_string()))
            {
                entries.push(entry);
            }
        }
        entries.sort_by(|a, b| b.created_at.cmp(&a.created_at));
        Ok(entries)
    }

    /// Remove the entries whose key starts with `prefix` (all with `""`);
    /// how many were removed.
    pub fn remove(&self, prefix: &str) -> Result<usize, CacheError> {
        let mut removed = 0;
        for entry in self.list()? {
            if entry.key.hex().starts_with(prefix) || entry.key.to_string().starts_with(prefix) {
                self.remove_entry(&entry.key)?;
                removed += 1;
            }
        }
        Ok(removed)
    }

    fn remove_entry(&self, key: &Digest) -> Result<(), CacheError> {
        for path in [self.entry_path(key), self.log_path(key)] {
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => return Err(io(&path)(error)),
            }
        }
        Ok(())
    }

    /// Remove entries older than `max_age`, and entries whose outputs are
    /// gone from the artifact store; how many were removed.
    pub fn gc(
        &self,
        max_age: Duration,
        artifacts: &dyn ArtifactStore,
    ) -> Result<usize, CacheError> {
        let mut removed = 0;
        for entry in self.list()? {
            let age = SystemTime::now()
                .duration_since(
                    std::fs::metadata(self.entry_path(&entry.key))
                        .and_then(|m| m.modified())
                        .unwrap_or(SystemTime::UNIX_EPOCH),
                )
                .unwrap_or_default();
            let complete = entry
                .outputs
                .iter()
                .all(|(_, d)| artifacts.manifest(d).is_ok());
            if age > max_age || !complete {
                self.remove_entry(&entry.key)?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CacheError> {
    let dir = path.parent().expect("cache paths have a parent");
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(io(dir))?;
    temp.write_all(bytes).map_err(io(path))?;
    temp.persist(path).map_err(|e| io(path)(e.error))?;
    Ok(())
}
