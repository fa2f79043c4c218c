//! The kiln data directory: artifacts, run records, logs and scratch space.
//!
//! By default the XDG data directory (`~/.local/share/kiln` on Linux);
//! `--data-dir` or `KILN_DATA_DIR` override it.

use std::io;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// Open (and create) the data directory at `root`.
    pub fn open(root: impl Into<PathBuf>) -> io::Result<Self> {
        let root = root.into();
        std::fs::create_dir_all(&root)?;
        let root = root.canonicalize()?;
        Ok(Self { root })
    }

    /// The platform default: `$XDG_DATA_HOME/kiln`.
    pub fn default_location() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "kiln").map(|dirs| dirs.data_dir().to_path_buf())
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The content-addressed artifact store.
    pub fn artifacts(&self) -> PathBuf {
        self.root.join("artifacts")
    }

    /// Run logs (and the locks of running runs), by run id.
    pub fn runs(&self) -> PathBuf {
        self.root.join("runs")
    }

    /// The run history database (SQLite).
    pub fn runs_db(&self) -> PathBuf {
        self.root.join("runs.db")
    }

    /// Per-run scratch space for sandboxes; removed when a run ends.
    pub fn work(&self) -> PathBuf {
        self.root.join("work")
    }

    /// kiln's secret file store: one owner-only file per secret.
    pub fn secrets(&self) -> PathBuf {
        self.root.join("secrets")
    }

    /// Persistent per-action directories (`cache: { dirs: [...] }`).
    pub fn caches(&self) -> PathBuf {
        self.root.join("caches")
    }

    /// Results of actions, by cache key.
    pub fn action_cache(&self) -> PathBuf {
        self.root.join("action-cache")
    }

    /// Plugins compiled to native code, by component digest and engine
    /// (a host may be configured to keep them elsewhere, shared by several
    /// data directories).
    pub fn compiled(&self) -> PathBuf {
        self.root.join("compiled")
    }

    /// The local plugin store: an OCI image layout of the registry plugins
    /// pulled or published (see `registry::layout`).
    pub fn oci(&self) -> PathBuf {
        self.root.join("oci")
    }

    /// Installed first-party and user plugins (`<name>.wasm`).
    pub fn plugins(&self) -> PathBuf {
        self.root.join("plugins")
    }

    /// The plugin SDKs and the WIT contract kiln carries, written out for
    /// the build scripts of the languages that need files on disk.
    pub fn sdk(&self) -> PathBuf {
        self.root.join("sdk")
    }

    /// `kiln serve`'s git mirrors (one bare repository per project) and
    /// the per-run checkouts made from them.
    pub fn serve(&self) -> PathBuf {
        self.root.join("serve")
    }

    /// The pinned tools those scripts install (componentize-py, -js).
    pub fn tools(&self) -> PathBuf {
        self.root.join("tools")
    }
}
