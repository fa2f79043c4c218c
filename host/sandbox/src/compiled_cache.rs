//! The compiled-component cache: a plugin is compiled by cranelift once per
//! engine configuration and kept as native code in the kiln data directory,
//! so later processes deserialize it in milliseconds instead of compiling
//! it again (seconds for a large Python or JavaScript component).
//!
//! An entry is keyed by the component's SHA-256 and a fingerprint of the
//! engine (wasmtime's precompile compatibility hash, the wasmtime and kiln
//! versions). Beside the native code sits its own SHA-256: wasmtime trusts
//! what it deserializes, so a corrupted or foreign entry must be caught
//! before it is loaded. Such an entry is recompiled and replaced.

use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use wasmtime::Engine;
use wasmtime::component::Component;

use kiln_model::digest::Digest;

/// How a component was obtained, for diagnostics and benchmarks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Provenance {
    /// Compiled now; no cache configured.
    Compiled,
    /// Compiled now and stored in the cache.
    CompiledAndCached,
    /// Loaded from the cache.
    Cached,
    /// A cache entry was corrupt or foreign; compiled again and replaced.
    Recompiled,
}

/// Compiled components on disk.
#[derive(Debug, Clone)]
pub struct CompiledCache {
    dir: PathBuf,
    fingerprint: String,
}

/// What the cache holds for a component.
pub enum Lookup {
    /// A verified entry, deserialized.
    Hit(Component),
    /// No entry.
    Miss,
    /// An entry that is corrupt, foreign or unusable: compile and replace it.
    Stale,
}

impl CompiledCache {
    /// The cache of `engine`'s native code in `dir`.
    pub fn new(dir: impl Into<PathBuf>, engine: &Engine) -> Self {
        Self::for_tier(dir, engine, "")
    }

    /// As [`Self::new`]; `tier` names the compiler in the entries' key,
    /// beside the engine's fingerprint: the baseline and the optimizing
    /// compiler keep separate entries.
    pub fn for_tier(dir: impl Into<PathBuf>, engine: &Engine, tier: &str) -> Self {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        engine.precompile_compatibility_hash().hash(&mut hasher);
        env!("CARGO_PKG_VERSION").hash(&mut hasher);
        tier.hash(&mut hasher);
        Self {
            dir: dir.into(),
            fingerprint: format!("{:016x}", hasher.finish()),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn entry_path(&self, component: &Digest) -> PathBuf {
        self.dir
            .join(format!("{}-{}.cwasm", component.hex(), self.fingerprint))
    }

    /// The compiled component for `bytes` (whose digest is `digest`): from
    /// the cache when a verified entry exists, compiled (and stored)
    /// otherwise.
    pub fn load_or_compile(
        &self,
        engine: &Engine,
        digest: &Digest,
        bytes: &[u8],
    ) -> wasmtime::Result<(Component, Provenance)> {
        match self.lookup(engine, digest) {
            Lookup::Hit(component) => Ok((component, Provenance::Cached)),
            Lookup::Miss => self.compile(engine, digest, bytes, false),
            Lookup::Stale => self.compile(engine, digest, bytes, true),
        }
    }

    /// The verified entry for `digest`, if there is one.
    pub fn lookup(&self, engine: &Engine, digest: &Digest) -> Lookup {
        let path = self.entry_path(digest);
        match self.read_verified(&path) {
            // SAFETY: the bytes are what this engine configuration wrote
            // for this component (same key), and their SHA-256 matches
            // the one recorded when they were written, so they are not
            // truncated, corrupted or foreign.
            Ok(Some(native)) => match unsafe { Component::deserialize(engine, &native) } {
                Ok(component) => Lookup::Hit(component),
                Err(error) => {
                    tracing::warn!(
                        "compiled cache entry {} unusable: {error:#}",
                        path.display()
                    );
                    Lookup::Stale
                }
            },
            Ok(None) => Lookup::Miss,
            Err(reason) => {
                tracing::warn!(
                    "compiled cache entry {}: {reason}; recompiling",
                    path.display()
                );
                Lookup::Stale
            }
        }
    }

    /// Compile `bytes` with `engine` and store the result from a thread of
    /// its own, off the caller's path (serializing and writing tens of MiB
    /// of baseline code takes a tenth of a second). A process that exits
    /// first leaves no entry, never half of one.
    pub fn compile_and_store_later(
        &self,
        engine: &Engine,
        digest: &Digest,
        bytes: &[u8],
    ) -> wasmtime::Result<(Component, Provenance)> {
        let component = Component::new(engine, bytes)?;
        let (cache, path, stored) = (self.clone(), self.entry_path(digest), component.clone());
        let spawned = std::thread::Builder::new()
            .name("kiln-cache-write".into())
            .spawn(move || {
                if let Err(error) = cache.store(&path, &stored) {
                    tracing::warn!(
                        "cannot write compiled cache entry {}: {error}",
                        path.display()
                    );
                }
            });
        Ok((
            component,
            if spawned.is_ok() {
                Provenance::CompiledAndCached
            } else {
                Provenance::Compiled
            },
        ))
    }

    /// Whether an entry for `digest` exists (a stat, not a check: a load
    /// verifies it). Entries and checksums are written atomically, the
    /// checksum last.
    pub fn contains(&self, digest: &Digest) -> bool {
        checksum_path(&self.entry_path(digest)).exists()
    }

    /// Compile `bytes` with `engine` and store the result (`stale`: it
    /// replaces a bad entry).
    pub fn compile(
        &self,
        engine: &Engine,
        digest: &Digest,
        bytes: &[u8],
        stale: bool,
    ) -> wasmtime::Result<(Component, Provenance)> {
        let path = self.entry_path(digest);
        let component = Component::new(engine, bytes)?;
        let provenance = match self.store(&path, &component) {
            Ok(()) if stale => Provenance::Recompiled,
            Ok(()) => Provenance::CompiledAndCached,
            Err(error) => {
                tracing::warn!(
                    "cannot write compiled cache entry {}: {error}",
                    path.display()
                );
                Provenance::Compiled
            }
        };
        Ok((component, provenance))
    }

    /// `Ok(None)` when there is no entry; `Err` when there is a bad one.
    fn read_verified(&self, path: &Path) -> Result<Option<Vec<u8>>, String> {
        let native = match std::fs::read(path) {
            Ok(native) => native,
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(error) => return Err(error.to_string()),
        };
        let recorded = std::fs::read_to_string(checksum_path(path))
            .map_err(|error| format!("no checksum beside it ({error})"))?;
        let actual = Digest::of(&native).to_string();
        if recorded.trim() != actual {
            return Err(format!(
                "its content hashes to {actual}, not {}",
                recorded.trim()
            ));
        }
        Ok(Some(native))
    }

    /// Write the entry and its checksum atomically (checksum last: an entry
    /// without a matching checksum is never trusted).
    fn store(&self, path: &Path, component: &Component) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.dir)?;
        let native = component.serialize().map_err(std::io::Error::other)?;
        write_atomically(&self.dir, path, &native)?;
        write_atomically(
            &self.dir,
            &checksum_path(path),
            Digest::of(&native).to_string().as_bytes(),
        )
    }
}

fn checksum_path(path: &Path) -> PathBuf {
    path.with_extension("cwasm.sha256")
}

/// Write `bytes` to `path` through a temporary file in `dir`, renamed into
/// place: a reader sees the old file or the whole new one.
pub(crate) fn write_atomically(dir: &Path, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(bytes)?;
    temp.persist(path).map_err(|error| error.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const WAT: &str = r#"(component (core module (func (export "f"))))"#;

    #[test]
    fn a_component_is_compiled_once_then_loaded_and_a_corrupt_entry_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::default();
        let cache = CompiledCache::new(dir.path(), &engine);
        let bytes = wat::parse_str(WAT).unwrap();
        let digest = Digest::of(&bytes);

        let (_, first) = cache.load_or_compile(&engine, &digest, &bytes).unwrap();
        assert_eq!(first, Provenance::CompiledAndCached);
        let (_, second) = cache.load_or_compile(&engine, &digest, &bytes).unwrap();
        assert_eq!(second, Provenance::Cached);

        // Flip a byte in the middle of the native code.
        let entry = cache.entry_path(&digest);
        let mut native = std::fs::read(&entry).unwrap();
        let middle = native.len() / 2;
        native[middle] ^= 0xff;
        std::fs::write(&entry, native).unwrap();
        let (_, third) = cache.load_or_compile(&engine, &digest, &bytes).unwrap();
        assert_eq!(third, Provenance::Recompiled);
        let (_, fourth) = cache.load_or_compile(&engine, &digest, &bytes).unwrap();
        assert_eq!(fourth, Provenance::Cached, "the bad entry was replaced");
    }

    #[test]
    fn another_engine_configuration_uses_another_entry() {
        let dir = tempfile::tempdir().unwrap();
        let plain = Engine::default();
        let mut config = wasmtime::Config::new();
        config.epoch_interruption(true);
        let interruptible = Engine::new(&config).unwrap();
        assert_ne!(
            CompiledCache::new(dir.path(), &plain).fingerprint,
            CompiledCache::new(dir.path(), &interruptible).fingerprint
        );
    }
}
