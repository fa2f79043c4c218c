//! Persistent per-action directories (`cache: { dirs: [...] }`), kept in
//! the data directory between runs.

use std::path::{Path, PathBuf};

/// Persistent per-action directories (`cache: { dirs: [...] }`), kept in
/// `<data dir>/caches/<pipeline>/<action>/<name>` between runs. An attempt
/// takes them by rename and gives them back by rename, so neither costs a
/// copy. Two runs of one action at once: the second starts empty, and the
/// last to finish is kept.
#[derive(Debug, Clone)]
pub struct CacheDirs {
    root: PathBuf,
}

impl CacheDirs {
    pub fn new(data_caches: &Path, pipeline: &str) -> Self {
        Self {
            root: data_caches.join(pipeline),
        }
    }

    fn saved(&self, action: &str, name: &str) -> PathBuf {
        self.root.join(action).join(name)
    }

    /// Move the saved directories into `into/<name>` (empty when none was
    /// saved); returns (name, path) pairs to mount.
    pub fn take(
        &self,
        action: &str,
        names: &[String],
        into: &Path,
    ) -> std::io::Result<Vec<(String, PathBuf)>> {
        let mut taken = Vec::new();
        for name in names {
            let target = into.join(name);
            std::fs::create_dir_all(into)?;
            let saved = self.saved(action, name);
            if saved.is_dir() {
                std::fs::rename(&saved, &target)?;
            } else {
                std::fs::create_dir_all(&target)?;
            }
            taken.push((name.clone(), target));
        }
        Ok(taken)
    }

    /// Move directories back to where they are kept.
    pub fn put_back(&self, action: &str, taken: &[(String, PathBuf)]) -> std::io::Result<()> {
        for (name, path) in taken {
            let saved = self.saved(action, name);
            if let Some(parent) = saved.parent() {
                std::fs::create_dir_all(parent)?;
            }
            if saved.exists() {
                // Another run saved meanwhile: the newest result wins.
                std::fs::remove_dir_all(&saved)?;
            }
            std::fs::rename(path, &saved)?;
        }
        Ok(())
    }
}
