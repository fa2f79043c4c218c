//! What can go wrong in the artifact store.

use std::io;
use std::path::{Path, PathBuf};

use kiln_model::artifact::ManifestError;
use kiln_model::digest::Digest;

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
    BadManifest {
        artifact: Digest,
        reason: ManifestError,
    },
    #[error("{}: `{path}` is a {kind}, which an artifact cannot hold", root.display())]
    Unsupported {
        root: PathBuf,
        path: String,
        kind: &'static str,
    },
    /// A name no artifact may hold; `path` shows bytes that are not UTF-8
    /// as `\xNN`.
    #[error("{}: `{path}` cannot be stored: {reason}", root.display())]
    BadName {
        root: PathBuf,
        path: String,
        reason: &'static str,
    },
    #[error("{} already exists and is not an empty directory", .0.display())]
    DestinationExists(PathBuf),
}

pub(super) fn io_error<'a>(
    action: &'static str,
    path: &'a Path,
) -> impl FnOnce(io::Error) -> StoreError + 'a {
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
