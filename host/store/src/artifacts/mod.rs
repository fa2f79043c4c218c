//! The content-addressed artifact store.
//!
//! An artifact is a tree of files. Each file's bytes are stored once, as a
//! blob named by its SHA-256 digest; the tree itself is a [`Manifest`]
//! (sorted paths, types, sizes, digests, executable bits, symlink targets)
//! stored as a blob too. The artifact's digest is its manifest's digest, so
//! equal trees have equal digests.
//!
//! Every write goes to a temporary file in the store and is renamed into
//! place, so a crash never leaves half a blob under a digest name. Every
//! read verifies digests: a corrupted blob is reported, never used (a blob
//! this process hashed and whose inode has not changed since is known by
//! its stamp: `verified.rs`).

mod error;
mod store;
mod tree;
mod verified;

pub use kiln_model::artifact::{Entry, EntryKind, Manifest, ManifestError, name_problem};
pub use store::{
    Corruption, LocalArtifactStore, StoreError, Stored, make_writable_recursively as make_writable,
    remove_scratch_tree,
};

use std::path::Path;

use kiln_model::digest::Digest;

/// Where artifacts are kept, as the engine and executors use it: trees in,
/// verified trees out. [`LocalArtifactStore`] keeps them in a directory;
/// an OCI registry or an object store can stand behind the same calls.
pub trait ArtifactStore: Send + Sync {
    /// Store a scratch tree the caller removes afterwards (an action's
    /// outputs); its digest.
    fn put_scratch(&self, dir: &Path) -> Result<Stored, StoreError>;

    /// Write artifact `artifact` into `dest` (new or empty), every blob
    /// verified; read-only links to shared blobs where possible.
    fn materialize(&self, artifact: &Digest, dest: &Path) -> Result<Manifest, StoreError>;

    /// Like [`ArtifactStore::materialize`], but every file a private,
    /// writable copy.
    fn export(&self, artifact: &Digest, dest: &Path) -> Result<Manifest, StoreError>;

    /// The verified manifest of `artifact`.
    fn manifest(&self, artifact: &Digest) -> Result<Manifest, StoreError>;
}

impl ArtifactStore for LocalArtifactStore {
    fn put_scratch(&self, dir: &Path) -> Result<Stored, StoreError> {
        LocalArtifactStore::put_scratch(self, dir)
    }

    fn materialize(&self, artifact: &Digest, dest: &Path) -> Result<Manifest, StoreError> {
        LocalArtifactStore::materialize(self, artifact, dest)
    }

    fn export(&self, artifact: &Digest, dest: &Path) -> Result<Manifest, StoreError> {
        LocalArtifactStore::export(self, artifact, dest)
    }

    fn manifest(&self, artifact: &Digest) -> Result<Manifest, StoreError> {
        LocalArtifactStore::manifest(self, artifact)
    }
}
