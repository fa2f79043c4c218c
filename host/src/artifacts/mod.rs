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
//! read verifies digests: a corrupted blob is reported, never used.

mod manifest;
mod store;
mod tree;

pub use manifest::{Entry, EntryKind, Manifest, ManifestError, name_problem};
pub use store::{
    ArtifactStore, Corruption, StoreError, Stored, make_writable_recursively as make_writable,
};
